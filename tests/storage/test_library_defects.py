"""Issue 12 — the library: client ids, session keys, bad folders, the command lines around it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from helpers import record_sim
from realdata import data_file

from biofeedback.cli import main
from biofeedback.storage.folder import read_session
from biofeedback.storage.library import Library, LibraryError, client_id

RR_FILES = ["polar_hrm/rest_rri.txt", "polar_hrm/real_rri.txt"]


def _import(root: Path, client: str, relative: str = RR_FILES[0], *extra: str) -> Path:
    assert main(["import", str(data_file(relative)), "--client", client, "--data-dir",
                 str(root), *extra]) == 0
    with Library(root) as library:
        return Path(library.sessions()[-1]["folder"]) if not extra else Path(
            max(library.sessions(), key=lambda r: r["folder"])["folder"])


def _folders(root: Path) -> list[Path]:
    return sorted((root / "sessions").iterdir())


# -- item 5: client ids ---------------------------------------------------------------------
NAMES = ["Zoë Smith", "Zoé Smith", "Zoe Smith", "李伟 2", "张伟 2", "Иван Петров", "Иван Петрова",
         "王伟", "Anna Smith", "محمد علي", "Ζωή", "Nguyễn Văn An", "Nguyen Van An"]


def test_distinct_names_in_any_script_are_distinct_clients(tmp_path):
    ids = [client_id(n) for n in NAMES]
    assert len(set(ids)) == len(NAMES)
    assert client_id("Anna Smith") == "anna-smith"  # ASCII names keep their readable slug
    for cid in ids:
        assert cid.isascii() and cid == cid.strip("-") and len(cid) <= 64
        assert all(c.isalnum() or c == "-" for c in cid)
    with Library(tmp_path) as library:
        profiles = [library.client(n) for n in NAMES]
        assert [p["name"] for p in profiles] == NAMES
        assert len({p["id"] for p in profiles}) == len(NAMES)
        assert sorted(c["name"] for c in library.clients()) == sorted(NAMES)
        # The same person however the name is typed (case, spaces, NFD from another OS).
        assert library.client("  zoë  SMITH ")["id"] == profiles[0]["id"]
        nfd = "Zoe\u0308 Smith"
        assert library.client(nfd)["id"] == profiles[0]["id"]


@pytest.mark.parametrize("name", ["", "   ", "--", "a\nb", "x" * 101])
def test_names_without_letters_or_with_control_characters_are_refused(name):
    with pytest.raises(LibraryError):
        client_id(name)


def test_sessions_of_distinct_clients_stay_apart(tmp_path, capsys):
    for name, rr in zip(["李伟 2", "张伟 2", "Иван Петров"], RR_FILES + RR_FILES[:1], strict=True):
        _import(tmp_path, name, rr)
    capsys.readouterr()
    for name in ["李伟 2", "张伟 2", "Иван Петров"]:
        assert main(["sessions", "--client", name, "--json", "--data-dir", str(tmp_path)]) == 0
        rows = json.loads(capsys.readouterr().out)
        assert len(rows) == 1 and rows[0]["client_name"] == name


def test_a_library_of_the_old_ids_keeps_working(tmp_path, capsys):
    """A profile saved as ``zo-smith`` (the old slug of "Zoë Smith") is still hers."""
    folder = _import(tmp_path, "Zoë Smith")
    new_id = client_id("Zoë Smith")
    meta = json.loads((folder / "session.json").read_text())
    meta["client_id"] = "zo-smith"
    (folder / "session.json").write_text(json.dumps(meta))
    profile = json.loads((tmp_path / "clients" / f"{new_id}.json").read_text())
    (tmp_path / "clients" / f"{new_id}.json").unlink()
    (tmp_path / "clients" / "zo-smith.json").write_text(json.dumps(profile | {"id": "zo-smith"}))
    (tmp_path / "library.sqlite").unlink()
    with Library(tmp_path) as library:
        assert library.client("Zoë Smith")["id"] == "zo-smith"
        assert [r["folder"] for r in library.sessions("Zoë Smith")] == [str(folder.resolve())]
        # "Zoé Smith" had the same old slug but is another person: not her profile.
        assert library.find_client("Zoé Smith") is None
        assert library.sessions("Zoé Smith") == []


# -- item 6 and 34: session keys ------------------------------------------------------------
def _dated_copy(tmp_path: Path, relative: str, when: str) -> Path:
    """A copy of a recording whose modification time is ``when`` (an import's default date)."""
    copy = tmp_path / "rr" / Path(relative).name
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(data_file(relative), copy)
    t = datetime.fromisoformat(when).timestamp()
    os.utime(copy, (t, t))
    return copy


@pytest.fixture
def two_sessions(tmp_path):
    folders = []
    for name, rr, when in (("Anna Smith", RR_FILES[0], "2026-01-05T08:00"),
                           ("Bob Jones", RR_FILES[1], "2026-01-06T09:30")):
        assert main(["import", str(_dated_copy(tmp_path, rr, when)), "--client", name,
                     "--data-dir", str(tmp_path)]) == 0
        folders.append(max(_folders(tmp_path)))
    return tmp_path, *folders


@pytest.mark.parametrize("key", ["", " ", "%", "_", "%%", "%_", "2026%", "%a", "*", "?", "[0-9]*",
                                 "' OR 1=1 --", "a%", "0", "202"])
def test_wildcard_and_empty_keys_act_on_no_session(two_sessions, key, capsys):
    root, a, b = two_sessions
    before = [(f / "session.json").read_bytes() for f in (a, b)]
    for argv in (["rate", key, "--post", "9"], ["rate", key, "--pre", "1"],
                 ["export", key, "--format", "kubios", "--out", str(root / "out")]):
        assert main([*argv, "--data-dir", str(root)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "error" in err
    assert [(f / "session.json").read_bytes() for f in (a, b)] == before
    assert not (root / "out").exists()


def test_keys_match_exactly_a_folder_an_id_a_unique_prefix_or_latest(two_sessions, capsys):
    root, a, b = two_sessions
    with Library(root) as library:
        for folder in (a, b):
            sid = read_session(folder).session_id
            assert library.find_session(folder.name) == folder.resolve()
            assert library.find_session(sid) == folder.resolve()
            assert library.find_session(sid[:4]) == folder.resolve()
            assert library.find_session(str(folder)) == folder
            with pytest.raises(LibraryError):
                library.find_session(sid[:3])  # too short to be a key
            with pytest.raises(LibraryError):
                library.find_session(folder.name[1:])  # a suffix is not the folder's name
        # `latest` is the session that started last (by start time, not by import order).
        assert library.find_session("latest") == b.resolve()
    assert main(["rate", "latest", "--pre", "7", "--data-dir", str(root)]) == 0
    assert read_session(b).meta["pre_rating"] == 7 and read_session(a).meta["pre_rating"] is None
    capsys.readouterr()
    assert main(["rate", "latest", "--data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "before 7" in out and b.name in out
    assert main(["export", "latest", "--format", "kubios", "--out", str(root / "x"),
                 "--data-dir", str(root)]) == 0


def test_rate_without_flags_shows_the_ratings_and_changes_nothing(two_sessions, capsys):
    root, a, _ = two_sessions
    assert main(["rate", a.name, "--pre", "6", "--post", "3", "--notes", "calmer",
                 "--data-dir", str(root)]) == 0
    before = (a / "session.json").read_bytes()
    capsys.readouterr()
    assert main(["rate", a.name, "--data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "before 6" in out and "after 3" in out and "calmer" in out
    assert (a / "session.json").read_bytes() == before


def test_latest_with_an_empty_library_is_one_line(tmp_path, capsys):
    assert main(["rate", "latest", "--data-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# -- item 8: bad folders ----------------------------------------------------------------------
def _spoil(folder: Path, how: str) -> None:
    meta_path = folder / "session.json"
    meta = json.loads(meta_path.read_text())
    if how == "list":
        meta_path.write_text(json.dumps([meta]))
    elif how == "schema_text":
        meta_path.write_text(json.dumps(meta | {"schema_version": "1"}))
    elif how == "summary_list":
        meta_path.write_text(json.dumps(meta | {"summary": [1, 2]}))
    elif how == "numeric_start":
        meta_path.write_text(json.dumps(meta | {"start_time": 1763900000}))
    elif how == "unreadable_table":
        (folder / "beats.csv").unlink()
        (folder / "beats.csv").mkdir()
    elif how == "binary_json":
        meta_path.write_bytes(b"\xff\xfe\x00garbage")
    elif how == "unreadable":
        os.chmod(meta_path, 0)


SPOILS = ["list", "schema_text", "summary_list", "numeric_start", "unreadable_table",
          "binary_json"]


def test_a_bad_folder_is_skipped_named_and_the_rest_indexed(tmp_path, capsys):
    _, _, first, _ = record_sim(tmp_path / "sessions", duration_s=120)
    n_good = 3
    folders = []
    for i in range(len(SPOILS) + n_good):
        folder = tmp_path / "sessions" / f"2026010{i % 9 + 1}T0{i % 10}0000_{i:08x}"
        shutil.copytree(first, folder)
        meta = json.loads((folder / "session.json").read_text())
        (folder / "session.json").write_text(json.dumps(meta | {"session_id": f"{i:08x}"}))
        folders.append(folder)
    shutil.rmtree(first)
    # bad folders first, so that a stop at the first one would lose every good one
    for folder, how in zip(folders, SPOILS, strict=False):
        _spoil(folder, how)
    assert main(["sessions", "--rebuild", "--data-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    lines = [x for x in err.splitlines() if "rebuilt" not in x]
    assert len(lines) == len(SPOILS) and "Traceback" not in err
    for folder in folders[:len(SPOILS)]:
        assert sum(folder.name in x for x in lines) == 1
    assert f"rebuilt: {n_good} sessions" in err
    assert out.count("completed") == n_good
    assert main(["sessions", "--json", "--data-dir", str(tmp_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["id"] for r in rows) == [f"{i:08x}" for i in range(len(SPOILS), len(folders))]


def test_a_numeric_start_time_is_a_one_line_error_where_the_library_dates_it(tmp_path,
                                                                             capsys):
    # Reports and exports still read such a folder (tests/reports/test_report_defects.py).
    _, _, folder, _ = record_sim(tmp_path / "sessions", duration_s=120)
    _spoil(folder, "numeric_start")
    for argv in (["rate", str(folder), "--pre", "3"],):
        assert main([*argv, "--data-dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "start_time" in err


# -- items 32, 33: sessions and progress as a person reads them ---------------------------------
def test_sessions_of_an_unknown_client_say_so_and_list_the_clients(two_sessions, capsys):
    root, _, _ = two_sessions
    capsys.readouterr()
    assert main(["sessions", "--client", "Nobody", "--data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "no sessions yet" not in out and "'Nobody'" in out
    assert "Anna Smith" in out and "Bob Jones" in out
    assert main(["sessions", "--client", "Nobody", "--json", "--data-dir", str(root)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_sessions_show_the_display_name_and_progress_reads_right(two_sessions, capsys):
    root, a, _ = two_sessions
    capsys.readouterr()
    assert main(["sessions", "--data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "Anna Smith" in out and "Bob Jones" in out and "anna-smith" not in out
    assert main(["progress", "--client", "Anna Smith", "--data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "1 session," in out and "1 sessions" not in out
    assert "2026-01-05 08:00" in out  # the time of day, not only the date
    assert "nan" not in out


# -- item 36: read-only commands create nothing; no "nan" shown ------------------------------
@pytest.mark.parametrize("argv", [["sessions"], ["sessions", "--client", "Anna"], ["sessions",
                                  "--json"], ["progress", "--client", "Anna"],
                                  ["rate", "latest"], ["export", "abcd", "--format", "csv"],
                                  ["report", "latest"]])
def test_read_only_commands_create_neither_data_folder_nor_library(tmp_path, argv, capsys):
    home = tmp_path / "nothing-here"
    main([*argv, "--data-dir", str(home)])
    assert not home.exists()
    (home / "sessions").mkdir(parents=True)
    main([*argv, "--data-dir", str(home)])
    assert sorted(p.name for p in home.iterdir()) == ["sessions"]


def test_read_only_commands_read_a_library_that_was_deleted(two_sessions, capsys):
    root, a, b = two_sessions
    (root / "library.sqlite").unlink()
    capsys.readouterr()
    assert main(["sessions", "--json", "--data-dir", str(root)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert not (root / "library.sqlite").exists()
    assert main(["sessions", "--rebuild", "--data-dir", str(root)]) == 0
    assert (root / "library.sqlite").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("seed", [1, 4])
def test_metrics_level_is_empty_before_the_first_coherence_value(tmp_path, seed):
    _, _, folder, _ = record_sim(tmp_path, spec=f"sim:seed={seed}", duration_s=120)
    text = (folder / "metrics.csv").read_text().splitlines()
    header = text[0].split(",")
    levels = [row.split(",")[header.index("level")] for row in text[1:]]
    assert "-1" not in levels
    assert levels[0] == "" and {"0", "1", "2"} & set(levels)
    m = read_session(folder).metrics
    known = np.isfinite(m["level"])
    assert np.all(np.isnan(m["coherence"][~known]))  # empty exactly while coherence is unknown


@pytest.mark.parametrize("seconds", ["5", "20"])
def test_a_short_session_says_not_enough_data_not_nan(tmp_path, seconds, capfd):
    done = subprocess.run([sys.executable, "-m", "biofeedback", "record", "--source",
                           "sim:seed=2", "--duration", seconds, "--speed", "50", "--data-dir",
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    summary = next(line for line in out.splitlines() if line.startswith("session "))
    # Too short to interpret (5 s), or interpretable with coherence not yet known (20 s).
    assert "nan" not in summary
    assert "coherence — (not enough data)" in summary or "not interpretable" in summary
    assert main(["sessions", "--data-dir", str(tmp_path)]) == 0
    assert " nan" not in capfd.readouterr().out


# -- item 37: import --date -------------------------------------------------------------------
@pytest.mark.parametrize(("given", "expected"), [("2025-03-01T07:30", "2025-03-01T07:30"),
                                                 ("2024-12-31", "2024-12-31T00:00"),
                                                 ("2025-06-01T21:15:00+02:00",
                                                  "2025-06-01T21:15:00+02:00")])
def test_import_date_sets_the_start(tmp_path, given, expected, capsys):
    folder = _import(tmp_path, "Anna Smith", RR_FILES[0], "--date", given)
    meta = read_session(folder).meta
    assert meta["start_time"].startswith(expected)
    assert meta["start_time_from"] == "--date"
    assert folder.name.startswith(expected[:10].replace("-", ""))
    assert main(["progress", "--client", "Anna Smith", "--json", "--data-dir",
                 str(tmp_path)]) == 0


def test_import_without_date_says_it_used_the_file_time(tmp_path, capsys):
    path = data_file(RR_FILES[1])
    assert main(["import", str(path), "--client", "A", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "modification time" in out and "--date" in out
    (folder,) = _folders(tmp_path)
    start = datetime.fromisoformat(read_session(folder).meta["start_time"])
    assert abs(start.timestamp() - path.stat().st_mtime) < 1.0


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2999-01-01", ""])
def test_import_refuses_a_bad_date_in_one_line(tmp_path, bad, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(data_file(RR_FILES[0])), "--client", "A", "--date", bad,
              "--data-dir", str(tmp_path)])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "sessions").exists()
