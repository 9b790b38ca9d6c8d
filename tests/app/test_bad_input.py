"""Bad input gives one line within seconds (issue 12, items 13, 14, 16, 17, 35, 36)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from realdata import data_file

from biofeedback.app.replay import open_replay
from biofeedback.commands.record import parse_duration
from biofeedback.devices.source import SourceError
from biofeedback.storage.rrfiles import RR_RANGE_MS, RecordingError, read_rr


def cli(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "biofeedback", *args], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def one_line(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err and "Warning" not in err


# -- item 13: absurd values, pipes and devices --------------------------------------------

@pytest.mark.parametrize("absurd", ["1e300", "inf", "-5", "99999", "12"])
def test_an_absurd_rr_value_is_left_out_and_counted(tmp_path, absurd):
    f = tmp_path / "x.txt"
    f.write_text(f"800\n810\n{absurd}\n820\n")
    rec = read_rr(f)
    assert rec.rr_ms.tolist() == [800, 810, 820]
    if absurd == "99999":  # 100 s: lost beats or a pause; time passes, a gap remains
        assert rec.t_s[-1] == pytest.approx((800 + 810 + 99999 + 820) / 1000)
    else:  # no beat pushed to the end of time
        assert rec.t_s[-1] < 3
    assert rec.n_dropped == (absurd != "-5")  # non-positive values were always skipped


def test_real_recordings_lose_only_their_gap_spanning_intervals():
    for name in ("long_term/ltdb14046_rr_from_atr.csv", "meditation/N1_rr.csv"):
        raw = np.loadtxt(data_file(name), delimiter=",", skiprows=1, usecols=1)
        rec = read_rr(data_file(name))
        outside = (raw < RR_RANGE_MS[0]) | (raw > RR_RANGE_MS[1])
        assert rec.n_dropped == outside.sum() > 0
        assert rec.rr_ms.size == raw.size - outside.sum()
        # The beat times are the file's own, so the drop shows as a gap.
        assert np.all(np.diff(rec.t_s) > 0)


@pytest.mark.parametrize("command", ["import", "replay"])
def test_import_and_replay_finish_on_a_file_with_an_absurd_value(tmp_path, command):
    f = tmp_path / "x.txt"
    f.write_text("800\n810\n1e300\n820\n")
    extra = ["--client", "A", "--data-dir", str(tmp_path / "lib")] if command == "import" \
        else ["--speed", "1000"]
    run = cli(command, str(f), *extra, timeout=60)
    assert run.returncode == 0, run.stderr
    assert one_line(run.stderr) and "1 RR value outside 200-3000 ms left out" in run.stderr


@pytest.mark.parametrize("command", ["analyze", "import", "replay"])
def test_a_fifo_is_refused_at_once(tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    extra = ["--client", "A", "--data-dir", str(tmp_path / "lib")] if command == "import" else []
    start = time.monotonic()
    run = cli(command, str(fifo), *extra, timeout=30)
    assert time.monotonic() - start < 30
    assert run.returncode != 0 and one_line(run.stderr) and "not a regular file" in run.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_without_reading_them(device):
    with pytest.raises(RecordingError, match="not a regular file"):
        read_rr(device)
    run = cli("import", device, "--client", "A", "--data-dir", "/nonexistent/x", timeout=30)
    assert run.returncode != 0 and one_line(run.stderr)


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    from biofeedback.storage import rrfiles

    f = tmp_path / "big.txt"
    f.write_text("800\n" * 1000)
    monkeypatch.setattr(rrfiles, "MAX_BYTES", 1000)
    with pytest.raises(RecordingError, match="larger than"):
        read_rr(f)


# -- item 14: long fields, header-only and all-NaN CSVs ------------------------------------

def test_a_field_longer_than_the_csv_module_allows_is_read(tmp_path):
    f = tmp_path / "long.csv"
    f.write_text(f"rr_ms,note\n800,{'a' * 200_000}\n810,x\n820,y\n")
    assert read_rr(f).rr_ms.tolist() == [800, 810, 820]
    run = cli("import", str(f), "--client", "A", "--data-dir", str(tmp_path / "lib"))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr


@pytest.mark.parametrize("content", ["rr_ms\n", "rr_ms\nnan\nnan\n", "beat_time_s,rr_ms\n,\n,\n",
                                     "rr_ms,note\n,x\n,y\n"])
@pytest.mark.parametrize("command", ["analyze", "import", "replay"])
def test_empty_csvs_give_one_clean_line(tmp_path, content, command):
    f = tmp_path / "empty.csv"
    f.write_text(content)
    extra = ["--client", "A", "--data-dir", str(tmp_path / "lib")] if command == "import" else []
    run = cli(command, str(f), *extra)
    assert run.returncode != 0 and one_line(run.stderr), run.stderr
    assert "fewer than two RR intervals" in run.stderr


def test_a_torn_last_line_is_tolerated(tmp_path):
    f = tmp_path / "torn.csv"
    f.write_text("beat_time_s,rr_ms,beat_symbol\n0.8,800,N\n1.6,800,N\n2.41,810,N\n3.2")
    rec = read_rr(f)
    assert rec.rr_ms.tolist() == [800, 800, 810] and rec.beat_labels.tolist() == ["N"] * 3


# -- item 36 (part): no blank line after analyze errors ------------------------------------

def test_analyze_errors_leave_stdout_empty(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing here\n")
    run = cli("analyze", str(bad), str(tmp_path / "missing.txt"))
    assert run.returncode == 1 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 2


# -- items 16 and 35: record's arguments ---------------------------------------------------

@pytest.mark.parametrize("args,message", [
    (["--rate", "0"], "pacer rate"), (["--rate", "nan"], "pacer rate"),
    (["--duration", "inf"], "not a duration"), (["--duration", "0"], "more than 0 s"),
    (["--duration", "25h"], "at most 24 h"),
    (["--protocol", "stepped", "--duration", "60"], "runs its own length"),
    (["--protocol", "sliding", "--duration", "10m"], "runs its own length"),
    (["--protocol", "standard", "--duration", "5m"], "at least 7 min"),
])
def test_record_refuses_what_it_would_not_do(tmp_path, args, message):
    run = cli("record", "--data-dir", str(tmp_path), *args, timeout=30)
    assert run.returncode == 2 and one_line(run.stderr) and message in run.stderr
    assert not (tmp_path / "sessions").exists()


@pytest.mark.parametrize("text,seconds", [("600", 600), ("90s", 90), ("10m", 600),
                                          ("10 min", 600), ("1h", 3600), ("1h30m", 5400),
                                          ("1.5h", 5400), ("2m30s", 150)])
def test_durations_take_units(text, seconds):
    assert parse_duration(text) == seconds


def test_protocol_help_says_what_each_protocol_does():
    run = cli("record", "--help")
    for words in ("free:", "standard:", "stepped:", "sliding:", "baseline", "assessment"):
        assert words in run.stdout


# -- item 17: replay:PATH@SPEED -------------------------------------------------------------

def test_record_from_a_replay_runs_at_its_at_speed(tmp_path):
    spec = f"replay:{data_file('polar_h10/slow_breathing_10min_ibi.csv')}@300"
    start = time.monotonic()
    run = cli("record", "--source", spec, "--duration", "2m", "--data-dir", str(tmp_path),
              timeout=100)
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - start < 60  # 2 min at 1x before
    assert "session completed" in run.stdout


def test_an_explicit_speed_wins_over_the_at_speed():
    path = data_file("polar_h10/slow_breathing_10min_ibi.csv")  # 10 min
    start = time.monotonic()
    run = cli("replay", f"{path}@1", "--speed", "2000", timeout=120)
    assert run.returncode == 0 and time.monotonic() - start < 60, run.stderr


def test_at_speed_parsing(tmp_path):
    path = data_file("meditation/M2_rr.csv")
    assert open_replay(f"{path}@25").speed == 25
    assert open_replay(str(path)).speed is None
    odd = tmp_path / "a@b.csv"  # a path with an @ that exists is a path
    odd.write_text(path.read_text())
    assert open_replay(str(odd)).speed is None
    for bad in ("@x", "@0", "@1e9"):
        with pytest.raises(SourceError):
            open_replay(f"{path}{bad}")
