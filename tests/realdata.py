"""The real recordings in ``../shared/data`` (see its README) and what tests derive from them.

A test that needs a recording it cannot find is skipped with the path it looked for, so the
suite still runs where ``../shared/data`` is not checked out (set ``BIOFEEDBACK_SHARED_DATA``
to point elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from biofeedback.storage.rrfiles import RRFile, read_rr

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BIOFEEDBACK_SHARED_DATA", ROOT.parent / "shared" / "data"))


def data_file(relative: str) -> Path:
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"real recording {path} is missing (../shared/data is not here)",
                    allow_module_level=True)
    return path


def load(relative: str) -> RRFile:
    return read_rr(data_file(relative))


#: Recordings in which the offline detector finds no artifact (checked by a test).
CLEAN = ("polar_h10/slow_breathing_10min_ibi.csv", "meditation/M4_rr.csv",
         "meditation/Y2_pre_rr.csv")


def inject_artifacts(
    rr_ms: np.ndarray, rng: np.random.Generator, every: int = 30
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Put missed, extra and ectopic beats into a clean series.

    Returns ``(rr_ms, truth, kind)``: the new series, True on every interval an artifact
    touched, and the injected kind at its first interval ("" elsewhere).
    """
    n_events = len(rr_ms) // every
    # Events at least 8 beats apart, away from the ends.
    slots = rng.choice(np.arange(20, len(rr_ms) - 20, 8), size=n_events, replace=False)
    kinds = rng.choice(["missed", "extra", "ectopic"], size=n_events)
    out: list[float] = []
    truth: list[bool] = []
    kind_out: list[str] = []
    events = dict(zip(slots.tolist(), kinds.tolist(), strict=True))
    i = 0
    while i < len(rr_ms):
        k = events.get(i)
        if k == "missed":  # the strap missed beat i: intervals i and i+1 become one
            out += [rr_ms[i] + rr_ms[i + 1]]
            truth += [True]
            kind_out += [k]
            i += 2
            continue
        if k == "extra":  # a false beat splits interval i
            f = rng.uniform(0.3, 0.7)
            out += [rr_ms[i] * f, rr_ms[i] * (1 - f)]
            truth += [True, True]
            kind_out += [k, ""]
        elif k == "ectopic":  # a premature beat with its compensatory pause
            d = rng.uniform(0.2, 0.35) * rr_ms[i]
            out += [rr_ms[i] - d, rr_ms[i + 1] + d]
            truth += [True, True]
            kind_out += [k, ""]
            i += 2
            continue
        else:
            out += [rr_ms[i]]
            truth += [False]
            kind_out += [""]
        i += 1
    return np.array(out), np.array(truth), np.array(kind_out)


def flagged(labels: np.ndarray) -> np.ndarray:
    """Intervals an artifact label covers: an ``extra`` label also covers the next interval,
    which correction merges into it."""
    found = labels != ""
    found[1:] |= labels[:-1] == "extra"
    return found


def polar_rr_raw() -> np.ndarray:
    """The real Polar H10 recording's RR intervals back in the strap's 1/1024 s units.

    The file holds each interval rounded up to whole ms; ``floor(ms * 1.024)`` is a raw
    value that rounds up to exactly that ms again, so the ms column is reproduced.
    """
    rr_ms = np.loadtxt(data_file("polar_h10/slow_breathing_10min_ibi.csv"), delimiter=",")[:, 1]
    raw = np.floor(rr_ms * 1.024).astype(int)
    assert np.array_equal(np.ceil(raw * 1000 / 1024), rr_ms)
    return raw


#: Long real recordings that corpora of short recordings are cut from.
CORPUS_SOURCES = ("long_term/ltdb14149_rr_from_atr.csv", "nsrdb_1h/series_1_rr_ms.txt",
                  "meditation/C1_med_rr.csv", "meditation/Y2_pre_rr.csv")


def write_corpus(folder: Path, n: int, minutes: float = 5.0, seed: int = 0) -> list[Path]:
    """``n`` RR files of ``minutes`` each, cut at random places from real recordings, as
    one-column ms text files in nested folders (as a study keeps them)."""
    rng = np.random.default_rng(seed)
    sources = [load(s).rr_ms for s in CORPUS_SOURCES]
    written = []
    for i in range(n):
        rr = sources[i % len(sources)]
        length = int(minutes * 60 / 0.8)
        start = int(rng.integers(0, rr.size - length))
        path = folder / f"subject{i % 17:02d}" / f"rec{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savetxt(path, rr[start:start + length], fmt="%.3f")
        written.append(path)
    return written
