"""Artifact detection on the real recordings: every target of issue 11 item 1, ours beside
neurokit2's ``signal_fixpeaks(method="Kubios")`` (Lipponen & Tarvainen 2019 as neurokit2 codes it).

``artifact_table()`` returns one dict per figure (``figure``, ``target``, ``ours``,
``neurokit2``, ``met``); run as a script it prints them. Definitions:

* *clean recordings*: share of intervals flagged (an ``extra`` label also covers the interval
  after it, which correction merges into it), as recorded and with the beat times rounded to
  1/128 s (a Holter's annotation clock) and re-differenced.
* *MITDB 100*: a premature (A or V) beat is *found* when the interval ending at it or the one
  after it (its compensatory pause) is flagged; a *normal* interval is one whose two beats are
  both labelled N (``beat_symbol == prev_symbol == "N"``), and it is *falsely flagged* when
  flagged. The intervals ending at or starting from a premature beat are neither.
* *injected*: ``tests/realdata.py::inject_artifacts`` (missed, extra and ectopic beats, one
  per 30 beats) into the clean recordings, seeds 0..4; sensitivity over the intervals an
  artifact touched, RMSSD of the corrected series against the clean one put through the same
  correction (worst case and mean).
* *live*: the causal filter (:func:`biofeedback.signal.causal_flags`) on the same series.
* *NSRDB*: the 1-hour series, unlabelled, quantised to 1/128 s by the database: flags per hour.

Command: ``.venv/bin/python bench/artifact_validation.py``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from realdata import flagged, inject_artifacts, load  # noqa: E402

from biofeedback.signal import (  # noqa: E402
    causal_flags,
    correct_artifacts,
    detect_artifacts,
    time_domain,
)

#: Recordings with no ectopic beats (issue 11's list).
CLEAN_FILES = ("polar_hrm/rest_rri.txt", "polar_h10/slow_breathing_10min_ibi.csv",
               "meditation/C1_med_rr.csv", "meditation/C2_med_rr.csv",
               "meditation/M2_rr.csv", "meditation/M4_rr.csv")
MITDB = "long_term/mitdb100_rr_from_atr.csv"
NSRDB = tuple(f"nsrdb_1h/series_{i}_rr_ms.txt" for i in range(1, 8))
SEEDS = range(5)


def quantise(rr_ms: np.ndarray, f_hz: float = 128.0) -> np.ndarray:
    """RR intervals (ms) after rounding the cumulative beat times to ``1 / f_hz`` s."""
    t = np.round(np.cumsum(rr_ms) / 1000.0 * f_hz) / f_hz
    return np.diff(t, prepend=0.0) * 1000.0


def _nk_fixpeaks(rr_ms: np.ndarray, iterative: bool) -> tuple[dict, np.ndarray]:
    """neurokit2's ``signal_fixpeaks`` (Kubios method) on the beats of ``rr_ms`` at 1 kHz."""
    import neurokit2 as nk

    peaks = np.rint(np.concatenate(([0.0], np.cumsum(rr_ms)))).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nk.signal_fixpeaks(peaks, sampling_rate=1000, method="Kubios",
                                  iterative=iterative)


def nk_flags(rr_ms: np.ndarray) -> np.ndarray:
    """Intervals neurokit2's Kubios method flags, as a boolean per interval."""
    info, _ = _nk_fixpeaks(rr_ms, iterative=False)
    marks = np.zeros(rr_ms.size, bool)
    for key in ("ectopic", "missed", "extra", "longshort"):
        idx = np.asarray(info.get(key, []), dtype=int) - 1  # peak i ends interval i-1
        if key == "extra":  # an extra peak splits one interval into two
            idx = np.concatenate((idx, idx + 1))
        marks[idx[(idx >= 0) & (idx < rr_ms.size)]] = True
    return marks


def nk_corrected(rr_ms: np.ndarray) -> np.ndarray:
    """RR intervals (ms) after neurokit2's iterative Kubios correction."""
    _, fixed = _nk_fixpeaks(rr_ms, iterative=True)
    return np.diff(fixed).astype(float)


def ours_flags(rr_ms: np.ndarray) -> np.ndarray:
    return flagged(detect_artifacts(rr_ms))


def mitdb_truth(beat_labels: np.ndarray, prev_labels: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(premature, normal)``: index of each A/V beat's interval; N-N intervals (mask)."""
    premature = np.flatnonzero(np.isin(beat_labels, ("A", "V")))
    normal = (beat_labels == "N") & (prev_labels == "N")
    normal[0] = False
    return premature, normal


def premature_found(flags: np.ndarray, premature: np.ndarray) -> np.ndarray:
    """A premature beat is found when its interval or its pause (the next) is flagged."""
    after = np.minimum(premature + 1, flags.size - 1)
    return flags[premature] | flags[after]


def _row(figure: str, target: str, ours: float, nk: float | None, met: bool | None,
         unit: str = "%") -> dict:
    return {"figure": figure, "target": target, "ours": ours, "neurokit2": nk, "unit": unit,
            "met": met}


def _clean_rows() -> list[dict]:
    rows = []
    for relative in CLEAN_FILES:
        rr = load(relative).rr_ms
        name = Path(relative).stem
        for tag, series in (("", rr), (", 128 Hz", quantise(rr))):
            ours = 100 * ours_flags(series).mean()
            live = 100 * causal_flags(series).mean()
            rows.append(_row(f"clean {name}{tag}: flagged", "<= 0.5 %", ours,
                             100 * nk_flags(series).mean(), ours <= 0.5))
            rows.append(_row(f"clean {name}{tag}: live flagged", "<= 1 %", live, None,
                             live <= 1.0))
    return rows


def _mitdb_rows() -> list[dict]:
    import pandas as pd

    path = ROOT.parent / "shared" / "data" / MITDB
    table = pd.read_csv(path)
    rr = table["rr_ms"].to_numpy(float)
    premature, normal = mitdb_truth(table["beat_symbol"].to_numpy(str),
                                    table["prev_symbol"].to_numpy(str))
    ours, nk, live = ours_flags(rr), nk_flags(rr), causal_flags(rr)
    n = premature.size
    found = [100 * premature_found(f, premature).mean() for f in (ours, nk, live)]
    false = [100 * f[normal].mean() for f in (ours, nk, live)]
    return [
        _row(f"MITDB 100: A/V beats found (of {n})", "100 %", found[0], found[1],
             found[0] == 100),
        _row(f"MITDB 100: N-N intervals flagged (of {normal.sum()})", "<= 0.3 %", false[0],
             false[1], false[0] <= 0.3),
        _row("MITDB 100: live, A/V beats found", ">= 95 %", found[2], None, found[2] >= 95),
        _row("MITDB 100: live, N-N intervals flagged", "<= 0.5 %", false[2], None,
             false[2] <= 0.5),
    ]


def _injected_rows() -> list[dict]:
    sens, nk_sens, live_sens, err, nk_err = [], [], [], [], []
    for relative in CLEAN_FILES:
        clean = load(relative).rr_ms
        # The clean series through the same correction: a gap in the recording (C2_med holds
        # one 6 s interval) is not a heartbeat in either.
        ref = time_domain(correct_artifacts(clean)).rmssd_ms
        for seed in SEEDS:
            rr, truth, _ = inject_artifacts(clean, np.random.default_rng(seed))
            sens.append(ours_flags(rr)[truth].mean())
            nk_sens.append(nk_flags(rr)[truth].mean())
            live_sens.append(causal_flags(rr)[truth].mean())
            err.append(abs(time_domain(correct_artifacts(rr)).rmssd_ms / ref - 1))
            nk_err.append(abs(time_domain(nk_corrected(rr)).rmssd_ms / ref - 1))
    runs = f"{len(CLEAN_FILES)} files x {len(SEEDS)} seeds"
    s, e = 100 * min(sens), 100 * max(err)
    return [
        _row(f"injected ({runs}): sensitivity, pooled mean", ">= 97 %", 100 * np.mean(sens),
             100 * np.mean(nk_sens), np.mean(sens) >= 0.97),
        _row("injected: sensitivity, worst run", "(report)", s, 100 * min(nk_sens), None),
        _row("injected: corrected RMSSD error, worst run", "<= 3 %", e, 100 * max(nk_err),
             e <= 3),
        _row("injected: corrected RMSSD error, mean", "<= 3 %", 100 * np.mean(err),
             100 * np.mean(nk_err), np.mean(err) <= 0.03),
        _row("injected: live sensitivity, pooled mean", "(report)", 100 * np.mean(live_sens),
             None, None),
    ]


def _nsrdb_rows() -> list[dict]:
    rows = []
    for relative in NSRDB:
        rr = load(relative).rr_ms
        hours = rr.sum() / 3.6e6
        rows.append(_row(f"NSRDB {Path(relative).stem}: flags per hour", "(report)",
                         ours_flags(rr).sum() / hours, nk_flags(rr).sum() / hours, None,
                         unit="/h"))
        rows.append(_row(f"NSRDB {Path(relative).stem}: live flags per hour", "(report)",
                         causal_flags(rr).sum() / hours, None, None, unit="/h"))
    return rows


def artifact_table() -> list[dict]:
    """Every artifact figure of issue 11 item 1, ours beside neurokit2's."""
    return _clean_rows() + _mitdb_rows() + _injected_rows() + _nsrdb_rows()


def _fmt(x: float | None, unit: str) -> str:
    if x is None:
        return "-"
    return f"{x:.2f} {unit}"


def main() -> None:
    rows = artifact_table()
    width = max(len(r["figure"]) for r in rows)
    print(f"{'figure':<{width}}  {'target':>9}  {'ours':>10}  {'neurokit2':>10}  met")
    for r in rows:
        met = {True: "yes", False: "NO", None: ""}[r["met"]]
        print(f"{r['figure']:<{width}}  {r['target']:>9}  {_fmt(r['ours'], r['unit']):>10}  "
              f"{_fmt(r['neurokit2'], r['unit']):>10}  {met}")


if __name__ == "__main__":
    main()
