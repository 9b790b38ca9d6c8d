"""Issue 12 — crash safety of the library: killed recordings listed at once, an atomic
rebuild, folders a kill left half-made read back, skipped rows reported."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import record_sim

from biofeedback.cli import main
from biofeedback.storage.folder import read_session
from biofeedback.storage.library import Library

BF = [sys.executable, "-m", "biofeedback"]


def _start_record(root: Path, seed: int) -> tuple[subprocess.Popen, Path]:
    proc = subprocess.Popen([*BF, "record", "--source", f"sim:seed={seed}", "--duration", "3600",
                             "--speed", "5", "--data-dir", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    assert first.startswith("recording into "), first + proc.stderr.read()
    return proc, Path(first.split("recording into ", 1)[1].strip())


def _sessions(root: Path) -> list[dict]:
    done = subprocess.run([*BF, "sessions", "--json", "--data-dir", str(root)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return json.loads(done.stdout)


# -- item 7 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n_killed", [3, 6])
def test_sessions_killed_while_recording_are_listed_at_once(tmp_path, n_killed):
    # a library already exists (it is the index, not a fresh rebuild, that must know them)
    assert main(["record", "--source", "sim", "--duration", "30", "--speed", "100",
                 "--data-dir", str(tmp_path)]) == 0
    started = [_start_record(tmp_path, seed) for seed in range(n_killed)]
    time.sleep(1.0)
    live = {r["folder"]: r["end_status"] for r in _sessions(tmp_path)}
    assert [live.get(str(f.resolve())) for _, f in started] == ["recording"] * n_killed
    for proc, _ in started:
        proc.send_signal(signal.SIGKILL)
    for proc, _ in started:
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    rows = {r["folder"]: r for r in _sessions(tmp_path)}
    assert len(rows) == n_killed + 1
    for _, folder in started:
        row = rows[str(folder.resolve())]
        assert row["end_status"] == "interrupted"
        assert row["n_beats"] == read_session(folder).beats["t_s"].size > 0
    # and they work with the commands that take a session key
    _, last = max(started, key=lambda s: s[1].name)
    for argv in (["export", last.name, "--format", "kubios", "--out", str(tmp_path / "out")],
                 ["rate", last.name, "--post", "4"]):
        assert main([*argv, "--data-dir", str(tmp_path)]) == 0
    assert read_session(last).meta["post_rating"] == 4


# -- item 9 ---------------------------------------------------------------------------------
N_LIBRARY = 60


@pytest.fixture(scope="module")
def big_library(tmp_path_factory):
    """N_LIBRARY sessions of 20 simulated minutes, indexed."""
    root = tmp_path_factory.mktemp("library")
    _, _, first, _ = record_sim(root / "sessions", duration_s=1200)
    meta = json.loads((first / "session.json").read_text())
    for i in range(N_LIBRARY):
        folder = root / "sessions" / f"2026{i // 28 + 1:02d}{i % 28 + 1:02d}T080000_{i:08x}"
        shutil.copytree(first, folder)
        (folder / "session.json").write_text(json.dumps(meta | {"session_id": f"{i:08x}"}))
    shutil.rmtree(first)
    with Library(root) as library:
        assert len(library.sessions()) == N_LIBRARY
    return root


def _count(db: Path) -> int | None:
    try:
        with sqlite3.connect(db, timeout=30) as con:
            return con.execute("SELECT count(*) FROM sessions").fetchone()[0]
    except sqlite3.OperationalError:
        return None


def test_a_concurrent_reader_sees_the_whole_index_during_a_rebuild(big_library):
    db = big_library / "library.sqlite"
    proc = subprocess.Popen([*BF, "sessions", "--rebuild", "--data-dir", str(big_library)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = set()
    while proc.poll() is None:
        seen.add(_count(db))
    _, err = proc.communicate()
    assert proc.returncode == 0 and f"rebuilt: {N_LIBRARY} sessions" in err
    assert seen - {None} == {N_LIBRARY}


@pytest.fixture(scope="module")
def rebuild_s(big_library) -> float:
    """How long a whole ``sessions --rebuild`` takes here (start-up included)."""
    started = time.monotonic()
    subprocess.run([*BF, "sessions", "--rebuild", "--data-dir", str(big_library)],
                   capture_output=True, check=True, timeout=300)
    return time.monotonic() - started


@pytest.mark.parametrize("fraction", [0.5, 0.65, 0.8, 0.95])
def test_a_kill_mid_rebuild_leaves_the_old_index(big_library, rebuild_s, fraction):
    """Killed at a fraction of the rebuild's usual time, or at once when a reader sees the
    index change (a rebuild that is not atomic shows that)."""
    db = big_library / "library.sqlite"
    proc = subprocess.Popen([*BF, "sessions", "--rebuild", "--data-dir", str(big_library)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + fraction * rebuild_s
    while time.monotonic() < deadline and _count(db) in (N_LIBRARY, None):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert _count(db) == N_LIBRARY
    with Library(big_library) as library:
        assert len(library.sessions()) == N_LIBRARY


# -- item 10 --------------------------------------------------------------------------------
def test_a_folder_killed_while_being_created_reads_back(tmp_path):
    """The kill came after session.json and the first beats but before the other tables'
    first flush: events.csv and metrics.csv are 0 bytes, beats.csv has a torn header."""
    _, _, done, _ = record_sim(tmp_path / "sessions", duration_s=60)
    for name in ("events.csv", "metrics.csv"):
        (done / name).write_bytes(b"")
    meta = json.loads((done / "session.json").read_text())
    meta.pop("summary")
    (done / "session.json").write_text(json.dumps(meta | {"end_status": "recording"}))
    rec = read_session(done)
    assert rec.end_status == "interrupted" and rec.beats["t_s"].size > 50
    assert rec.events == [] and rec.metrics["t_s"].size == 0
    (done / "beats.csv").write_text("t_s,rr_m")
    assert read_session(done).beats["t_s"].size == 0
    assert main(["sessions", "--rebuild", "--data-dir", str(tmp_path)]) == 0
    with Library(tmp_path) as library:
        (row,) = library.sessions()
    assert row["end_status"] == "interrupted" and row["n_beats"] == 0


def _killed_at_the_final_rename(folder: Path) -> dict:
    """What a kill between the fsync of ``.session.json.tmp`` and its rename leaves."""
    final = json.loads((folder / "session.json").read_text())
    (folder / ".session.json.tmp").write_text(json.dumps(final))
    started = {k: v for k, v in final.items() if k not in ("summary", "duration_s")}
    (folder / "session.json").write_text(json.dumps(started | {"end_status": "recording"}))
    old = time.time() - 60
    os.utime(folder / "session.json", (old, old))
    return final


@pytest.mark.parametrize("seed", [3, 5])
def test_the_completed_summary_left_in_the_temporary_file_is_recovered(tmp_path, seed):
    _, _, folder, _ = record_sim(tmp_path / "sessions", spec=f"sim:seed={seed}",
                                 duration_s=300)
    final = _killed_at_the_final_rename(folder)
    rec = read_session(folder)
    assert rec.end_status == "completed" and rec.meta["summary"] == final["summary"]
    assert json.loads((folder / "session.json").read_text()) == final  # renamed into place
    assert not (folder / ".session.json.tmp").exists()
    assert main(["sessions", "--rebuild", "--data-dir", str(tmp_path)]) == 0
    with Library(tmp_path) as library:
        (row,) = library.sessions()
    assert row["end_status"] == "completed"
    assert row["rmssd_ms"] == pytest.approx(final["summary"]["rmssd_ms"])


def test_a_stale_or_broken_temporary_file_is_ignored(tmp_path):
    _, _, folder, _ = record_sim(tmp_path / "sessions", duration_s=120)
    final = json.loads((folder / "session.json").read_text())
    (folder / ".session.json.tmp").write_text(json.dumps(final)[:-20])  # torn write
    assert read_session(folder).meta == final
    other = final | {"session_id": "ffffffff", "end_status": "stopped"}
    (folder / ".session.json.tmp").write_text(json.dumps(other))  # another session's
    assert read_session(folder).meta == final
    (folder / ".session.json.tmp").write_text(json.dumps(final | {"end_status": "stopped"}))
    old = time.time() - 60
    os.utime(folder / ".session.json.tmp", (old, old))  # older than session.json
    assert read_session(folder).end_status == "completed"


# -- item 12 --------------------------------------------------------------------------------
@pytest.mark.parametrize(("n_malformed", "torn"), [(1, True), (3, False), (0, True)])
def test_skipped_rows_are_counted_and_shown_by_commands(tmp_path, n_malformed, torn, capsys):
    _, _, folder, _ = record_sim(tmp_path / "sessions", duration_s=120)
    n_beats = read_session(folder).beats["t_s"].size
    lines = (folder / "beats.csv").read_text().splitlines(keepends=True)
    for i in range(n_malformed):
        lines.insert(5 + 2 * i, "1.0,2.0\n")
    text = "".join(lines) + ("999.5,81" if torn else "")
    (folder / "beats.csv").write_text(text)
    rec = read_session(folder)
    expected = {k: v for k, v in (("malformed", n_malformed), ("torn", int(torn))) if v}
    assert rec.skipped_rows == {"beats.csv": expected}
    assert rec.beats["t_s"].size == n_beats
    assert np.all(np.diff(rec.beats["t_s"]) > 0)
    for argv in (["export", str(folder), "--format", "kubios", "--out", str(tmp_path / "o")],
                 ["report", str(folder), "--out", str(tmp_path / "r")]):
        assert main([*argv, "--data-dir", str(tmp_path)]) == 0
        notes = [x for x in capsys.readouterr().err.splitlines() if "skipped" in x]
        assert len(notes) == 1 and "beats.csv" in notes[0] and str(folder) in notes[0]
        for kind, n in expected.items():
            assert f"{n} {kind} row" in notes[0]


def test_a_clean_session_reports_nothing(tmp_path, capsys):
    _, _, folder, _ = record_sim(tmp_path / "sessions", duration_s=120)
    assert read_session(folder).skipped_note() is None
    assert main(["export", str(folder), "--format", "csv", "--out", str(tmp_path / "o"),
                 "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


def test_rating_a_session_still_recording_is_refused_then_works_once_it_ended(tmp_path):
    proc, folder = _start_record(tmp_path, seed=7)
    try:
        started = time.monotonic()
        done = subprocess.run([*BF, "rate", "latest", "--post", "3", "--data-dir",
                               str(tmp_path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "still recording" in done.stderr
        assert done.stderr.count("\n") == 1 and time.monotonic() - started < 30
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert main(["rate", "latest", "--post", "3", "--data-dir", str(tmp_path)]) == 0
    meta = read_session(folder).meta
    assert meta["post_rating"] == 3 and meta["end_status"] == "recording"  # as it was killed
    assert read_session(folder).end_status == "interrupted"
