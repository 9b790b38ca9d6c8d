"""``share`` and ``import BUNDLE`` end to end: two data folders, a sender and a clinician."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest
from practice import CLIENT, record_practice, tree_digest

from biofeedback.cli import main
from biofeedback.storage.folder import read_session
from biofeedback.storage.library import Library


@pytest.fixture(scope="module")
def sender(tmp_path_factory):
    root = tmp_path_factory.mktemp("home")
    return root, record_practice(root)


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "biofeedback", *args], capture_output=True,
                          text=True, timeout=120, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def _share(root, out, *extra) -> str:
    before = tree_digest(root)
    assert main(["share", "--data-dir", str(root), "--client", CLIENT, "--out", str(out),
                 *extra]) == 0
    after = tree_digest(root)
    if "--deidentify" in extra:  # the one write: the key of pseudonyms, made once
        assert set(json.loads((root / "settings.json").read_text())) == {"share_key"}
        after.pop("settings.json")
        before.pop("settings.json", None)
    assert after == before  # the client's own history is unchanged by sharing
    return str(out)


def test_shared_and_imported_beats_are_identical_and_twice_adds_nothing(sender, tmp_path,
                                                                        capsys):
    root, folders = sender
    bundle = _share(root, tmp_path / "anna.bfbundle")
    assert stat.S_IMODE((tmp_path / "anna.bfbundle").stat().st_mode) == 0o600
    clinic = tmp_path / "clinic"
    assert main(["import", bundle, "--data-dir", str(clinic)]) == 0
    assert "imported 2 new sessions of Anna Smith" in capsys.readouterr().out
    assert main(["import", bundle, "--data-dir", str(clinic)]) == 0
    assert "imported 0 new sessions" in capsys.readouterr().out
    with Library(clinic) as library:
        rows = library.sessions(CLIENT)
    assert len(rows) == 2
    theirs = {r["id"]: r["folder"] for r in rows}
    for folder in folders:
        ours = read_session(folder)
        mine = tree_digest(folder)
        copy = tree_digest(type(folder)(theirs[ours.session_id]))
        assert copy["beats.csv"] == mine["beats.csv"]
        assert copy["events.csv"] == mine["events.csv"] and copy["metrics.csv"] == \
            mine["metrics.csv"]
        assert read_session(theirs[ours.session_id]).meta["summary"] == ours.meta["summary"]


def test_a_newer_bundle_adds_only_the_new_session_and_as_client_maps(sender, tmp_path,
                                                                      capsys):
    root, folders = sender
    first = _share(root, tmp_path / "one.bfbundle", "--sessions", read_session(
        folders[0]).session_id)
    both = _share(root, tmp_path / "both.bfbundle")
    clinic = tmp_path / "clinic"
    main(["import", first, "--data-dir", str(clinic), "--as-client", "A. Smith"])
    main(["import", both, "--data-dir", str(clinic), "--as-client", "A. Smith"])
    out = capsys.readouterr().out
    assert "imported 1 new session of A. Smith (a new client)" in out
    assert "imported 1 new session of A. Smith; 1 already here" in out
    with Library(clinic) as library:
        assert [c["name"] for c in library.clients()] == ["A. Smith"]
        assert len(library.sessions("A. Smith")) == 2


def test_flipped_bytes_are_refused_in_one_line_and_nothing_is_written(sender, tmp_path):
    root, _ = sender
    bundle = tmp_path / "anna.bfbundle"
    _share(root, bundle)
    data = bytearray(bundle.read_bytes())
    data[len(data) // 3] ^= 0x55
    bundle.write_bytes(bytes(data))
    clinic = tmp_path / "clinic"
    record_practice(clinic, seeds=(7,), client="Ben Jones", duration_s=120.0,
                    protocol="free")
    before = tree_digest(clinic)
    run = cli("import", str(bundle), "--data-dir", str(clinic))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert tree_digest(clinic) == before
    missing = tmp_path / "nowhere"
    assert cli("import", str(bundle), "--data-dir", str(missing)).returncode == 2
    assert not missing.exists()


def test_encrypted_bundle_wrong_passphrase_refused_right_one_imports(sender, tmp_path):
    root, _ = sender
    secret = tmp_path / "pass.txt"
    secret.write_text("hunter2 is not enough\n")
    bundle = _share(root, tmp_path / "enc.bfbundle", "--passphrase-file", str(secret))
    assert b"beats.csv" not in (tmp_path / "enc.bfbundle").read_bytes()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("hunter3 is not enough\n")
    clinic = tmp_path / "clinic"
    run = cli("import", bundle, "--data-dir", str(clinic), "--passphrase-file", str(wrong))
    assert run.returncode == 2 and "wrong passphrase" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and not clinic.exists()
    run = cli("import", bundle, "--data-dir", str(clinic))  # no terminal to ask on
    assert run.returncode == 2 and "--passphrase-file" in run.stderr and not clinic.exists()
    run = cli("import", bundle, "--data-dir", str(clinic), "--passphrase-file", str(secret))
    assert run.returncode == 0, run.stderr
    assert "imported 2 new sessions of Anna Smith" in run.stdout


def test_the_passphrase_is_asked_twice_on_a_terminal(sender, tmp_path, monkeypatch, capsys):
    root, _ = sender
    answers = iter(["one passphrase", "another"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert main(["share", "--data-dir", str(root), "--client", CLIENT, "--passphrase",
                 "--out", str(tmp_path / "x.bfbundle")]) == 2
    assert "differ" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_deidentified_bundle_bytes_hold_no_name_or_date(sender, tmp_path, capsys):
    import io
    import zipfile

    root, folders = sender
    bundle = tmp_path / "anon.bfbundle"
    _share(root, bundle, "--deidentify")
    raw = bundle.read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        text = b"".join(z.read(n) for n in z.namelist()) + raw
    meta = read_session(folders[0]).meta
    for word in (CLIENT, "anna-smith", meta["start_time"][:10],
                 meta["start_time"][:10].replace("-", ""), meta["session_id"], str(root)):
        assert word.encode() not in text, word
    clinic = tmp_path / "clinic"
    assert main(["import", str(bundle), "--data-dir", str(clinic)]) == 0
    assert main(["import", str(bundle), "--data-dir", str(clinic)]) == 0
    with Library(clinic) as library:
        (client,) = library.clients()
        assert client["name"].startswith("anon-") and len(library.sessions()) == 2


@pytest.mark.parametrize("args, message", [
    (["--client", "Nobody"], "no client"),
    (["--client", CLIENT, "--sessions", "zzzz"], "no session"),
    (["--client", CLIENT, "--since", "2999-01-01"], "no sessions"),
])
def test_share_refusals_are_one_line(sender, tmp_path, args, message):
    root, _ = sender
    run = cli("share", "--data-dir", str(root), *args, "--out", str(tmp_path / "o.bfbundle"))
    assert run.returncode == 2 and message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and not list(tmp_path.iterdir())


def test_a_foreign_zip_given_to_import_is_refused_in_one_line(tmp_path):
    import zipfile

    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.txt", "hello")
    run = cli("import", str(path), "--data-dir", str(tmp_path / "d"))
    assert run.returncode == 2 and "not a biofeedback bundle" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and not (tmp_path / "d").exists()


def test_caseload_json_lists_the_imported_client_with_both_sessions(sender, tmp_path,
                                                                    capsys):
    root, folders = sender
    bundle = _share(root, tmp_path / "anna.bfbundle")
    clinic = tmp_path / "clinic"
    record_practice(clinic, seeds=(5,), client="Ben Jones", duration_s=120.0,
                    protocol="free")
    assert main(["import", bundle, "--data-dir", str(clinic)]) == 0
    capsys.readouterr()
    assert main(["caseload", "--json", "--data-dir", str(clinic)]) == 0
    rows = {r["client"]: r for r in json.loads(capsys.readouterr().out)}
    anna = rows[CLIENT]
    assert anna["n_sessions"] == 2 and anna["sessions_7d"] == 2 and anna["dated"]
    minutes = sum(read_session(f).meta["duration_s"] for f in folders) / 60.0
    assert anna["minutes_7d"] == pytest.approx(minutes)
    assert anna["stress_before_28d"] == 6.0 and anna["stress_change_28d"] == -3.0
    last = max(read_session(f).meta["start_time"] for f in folders)
    assert anna["last_session"][:19] == last[:19]
    resting = [read_session(f).meta["summary"]["outcome"]["baseline_rmssd_ms"]
               for f in folders]
    assert anna["resting_rmssd_ms"] == pytest.approx(resting[-1])
    assert rows["Ben Jones"]["n_sessions"] == 1 and rows["Ben Jones"]["resting_rmssd_ms"] is None
    assert main(["caseload", "--data-dir", str(clinic)]) == 0
    table = capsys.readouterr().out
    assert CLIENT in table and "Ben Jones" in table


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """The real recordings shipped as session folders (Polar H10 and others), client "demo"."""
    import shutil
    from pathlib import Path

    folders = sorted((Path(__file__).resolve().parents[2] / "recordings").glob("2026*_*"))
    if len(folders) < 2:
        pytest.skip("the example session folders in recordings/ are missing")
    root = tmp_path_factory.mktemp("recorded")
    for folder in folders:
        shutil.copytree(folder, root / "sessions" / folder.name)
    with Library(root) as library:
        library.rebuild()
    return root, folders


@pytest.mark.parametrize("extra", [[], ["--deidentify"]])
def test_real_sessions_travel_byte_for_byte(recorded, tmp_path, extra, capsys):
    root, folders = recorded
    secret = tmp_path / "pass"
    secret.write_text("correct horse battery staple\n")
    out = tmp_path / "demo.bfbundle"
    assert main(["share", "--data-dir", str(root), "--client", "demo", "--out", str(out),
                 "--passphrase-file", str(secret), *extra]) == 0
    clinic = tmp_path / "clinic"
    assert main(["import", str(out), "--data-dir", str(clinic), "--passphrase-file",
                 str(secret)]) == 0
    with Library(clinic) as library:
        imported = sorted(library.sessions(), key=lambda r: r["n_beats"])
    originals = sorted((read_session(f) for f in folders), key=lambda r: r.beats["t_s"].size)
    assert len(imported) == len(originals)
    for row, original in zip(imported, originals, strict=True):
        copy, mine = tree_digest(type(root)(row["folder"])), tree_digest(original.folder)
        if extra:  # de-identified: the tables of beats and metrics travel unchanged
            assert {k: copy[k] for k in ("beats.csv", "metrics.csv")} == \
                {k: mine[k] for k in ("beats.csv", "metrics.csv")}
            assert row["client_name"].startswith("anon-")
        else:  # every file, session.json included: the client is the same
            assert copy == mine
        assert row["rmssd_ms"] == pytest.approx(original.meta["summary"]["rmssd_ms"])
    capsys.readouterr()
    assert main(["caseload", "--json", "--data-dir", str(clinic)]) == 0
    (line,) = json.loads(capsys.readouterr().out)
    assert line["n_sessions"] == len(folders) and line["dated"] == (not extra)


def test_since_and_session_prefixes_choose_what_is_shared(tmp_path, capsys):
    from datetime import datetime, timedelta

    from biofeedback.storage.bundle import read_bundle
    from biofeedback.storage.folder import write_json_atomic

    root = tmp_path / "home"
    old, new = record_practice(root, seeds=(3, 4), protocol="free", duration_s=120.0)
    meta = read_session(old).meta
    start = datetime.fromisoformat(meta["start_time"]) - timedelta(days=12)
    write_json_atomic(old / "session.json", meta | {"start_time": start.isoformat()})
    with Library(root) as library:
        library.index_session(old)
    since = (datetime.now() - timedelta(days=5)).date().isoformat()
    bundle = _share(root, tmp_path / "recent.bfbundle", "--since", since)
    assert [s.folder_name for s in read_bundle(bundle).sessions] == [new.name]
    prefix = read_session(old).session_id[:5]
    bundle = _share(root, tmp_path / "one.bfbundle", "--sessions", prefix)
    assert [s.folder_name for s in read_bundle(bundle).sessions] == [old.name]
    assert "1 session" in capsys.readouterr().out
