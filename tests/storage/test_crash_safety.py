"""A session killed at any moment, or unable to write, keeps what it recorded."""

import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from biofeedback.storage.folder import read_session
from biofeedback.storage.library import Library

SPEED = 5.0


def start_record(data_dir, *extra, preexec=None):
    cmd = [sys.executable, "-m", "biofeedback", "record", "--source", "sim:seed=9",
           "--duration", "3600", "--speed", str(SPEED), "--data-dir", str(data_dir), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=preexec)
    first = proc.stdout.readline()
    assert first.startswith("recording into "), first + proc.stderr.read()
    return proc, first.split("recording into ", 1)[1].strip()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigkill_at_a_random_moment_leaves_a_readable_interrupted_session(tmp_path, seed):
    wait = np.random.default_rng(seed).uniform(1.2, 3.0)
    proc, folder = start_record(tmp_path)
    started = time.monotonic()
    time.sleep(wait)
    proc.send_signal(signal.SIGKILL)
    elapsed = time.monotonic() - started
    proc.wait(timeout=10)

    rec = read_session(folder)
    assert rec.end_status == "interrupted"
    t = rec.beats["t_s"]
    # At most the last second (of wall time: SPEED session seconds) is missing, with 0.5 s
    # for start-up before the clock began.
    assert t.size > 0 and t[-1] >= (elapsed - 1.0 - 0.5) * SPEED
    assert np.all(np.diff(t) > 0) and not np.isnan(rec.beats["rr_ms"]).any()
    with Library(tmp_path) as library:
        library.rebuild()
        (row,) = library.sessions()
    assert row["end_status"] == "interrupted" and row["n_beats"] == t.size


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))


def test_a_full_disk_gives_one_clear_line_and_keeps_what_was_written(tmp_path):
    proc, folder = start_record(tmp_path, "--speed", "200", preexec=_limit_file_size)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0 and "cannot write the recording" in err
    rec = read_session(folder)
    assert rec.end_status == "stopped"
    assert rec.beats["t_s"].size > 50  # the beats that fitted are all there


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 192 KiB file system (tmpfs), so that writes end in ENOSPC."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_really_full_disk_too(tiny_disk):
    proc, folder = start_record(tiny_disk, "--speed", "500")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "No space left on device" in err
    rec = read_session(folder)  # too full to record the end: reads back as interrupted
    assert rec.end_status in ("stopped", "interrupted")
    assert rec.beats["t_s"].size > 500
    assert not list(__import__("pathlib").Path(folder).glob(".*.tmp"))


def test_the_folder_removed_mid_session_is_reported_without_traceback(tmp_path):
    proc, folder = start_record(tmp_path, "--speed", "20")
    time.sleep(1.0)
    shutil.rmtree(folder)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Traceback" not in err and "error" in err
    assert len(err.strip().splitlines()) == 1


def test_ctrl_c_stops_cleanly(tmp_path):
    proc, folder = start_record(tmp_path, "--speed", "20")
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "session stopped" in out
    assert read_session(folder).end_status == "stopped"
    assert oct(os.stat(folder).st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in
               __import__("pathlib").Path(folder).iterdir())
