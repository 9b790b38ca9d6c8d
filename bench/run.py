"""`make bench`: the signal core against neurokit2 on real recordings, printed as ratios.

1. A 24 h Holter record (ltdb14149): RMSSD over 60 s and coherence over 64 s windows every 5 s,
   ours in one vectorised pass against a neurokit2 per-window loop (a sample of windows, timed
   and extrapolated to the day). Peak memory of our pass by tracemalloc.
2. LiveAnalyzer: per-beat cost, median and p99.
3. Artifacts: ours against neurokit2's signal_fixpeaks (Kubios method) on injected artifacts in
   clean real recordings and on the labelled mitdb100 / ltdb14046 records.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from realdata import CLEAN, flagged, inject_artifacts, load  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from artifact_validation import nk_corrected, nk_flags  # noqa: E402

from biofeedback.signal import (  # noqa: E402
    LiveAnalyzer,
    causal_flags,
    correct_artifacts,
    detect_artifacts,
    tick_ends,
    time_domain,
    windowed_coherence,
    windowed_time_domain,
)

warnings.simplefilter("ignore")


def day_of_windows() -> None:
    import neurokit2 as nk

    rec = load("long_term/ltdb14149_rr_from_atr.csv")
    t, rr = rec.t_s, rec.rr_ms

    def ours() -> None:
        windowed_time_domain(t, rr, t[tick_ends(t, 60.0, 5.0)], 60.0)
        windowed_coherence(t, rr, t[tick_ends(t, 64.0, 5.0)])

    ours()  # warm caches
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        ours()
        runs.append(time.perf_counter() - start)
    tracemalloc.start()
    ours()
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()

    ends = t[tick_ends(t, 64.0, 5.0)]
    sample = np.random.default_rng(0).choice(ends.size, 100, replace=False)
    start = time.perf_counter()
    for end in ends[sample]:
        w = (t > end - 64.0) & (t <= end)
        rri = {"RRI": rr[w], "RRI_Time": t[w]}
        nk.hrv_time(rri)
        nk.hrv_frequency(rri, psd_method="welch")
    nk_day = (time.perf_counter() - start) / sample.size * ends.size
    best = min(runs)
    print(f"24 h record, {rr.size} beats, {ends.size} windows of 60 s RMSSD + 64 s coherence")
    print(f"  ours      {best:8.3f} s (best of 5; median {np.median(runs):.3f} s), "
          f"peak {peak_mb:.0f} MB")
    print(f"  neurokit2 {nk_day:8.1f} s (per-window loop, 100 windows timed, extrapolated)")
    print(f"  ratio     {nk_day / best:8.0f} x faster")


def live_cost() -> None:
    rec = load("polar_hrm/noisy_rri.hrm")
    live = LiveAnalyzer()
    costs = []
    for ti, ri in zip(rec.t_s, rec.rr_ms, strict=True):
        start = time.perf_counter()
        live.add_beat(ti, ri)
        costs.append(time.perf_counter() - start)
    costs_ms = np.array(costs) * 1000
    print(f"LiveAnalyzer per beat ({costs_ms.size} beats): median {np.median(costs_ms):.3f} ms, "
          f"p99 {np.percentile(costs_ms, 99):.3f} ms, max {costs_ms.max():.3f} ms")


def artifacts() -> None:
    print("Artifacts: ours (Lipponen & Tarvainen 2019) | neurokit2 signal_fixpeaks (Kubios)")
    rows, live_rows = [], []
    for relative in CLEAN:
        clean = load(relative).rr_ms
        for seed in range(10):
            rr, truth, _ = inject_artifacts(clean, np.random.default_rng(seed))
            ref = time_domain(clean).rmssd_ms
            ours = flagged(detect_artifacts(rr))
            theirs = nk_flags(rr)
            live = causal_flags(rr)
            live_rows.append([np.mean(live[truth]), np.mean(~live[~truth])])
            rows.append([
                np.mean(ours[truth]), np.mean(~ours[~truth]),
                time_domain(correct_artifacts(rr)).rmssd_ms / ref - 1,
                np.mean(theirs[truth]), np.mean(~theirs[~truth]),
                time_domain(nk_corrected(rr)).rmssd_ms / ref - 1,
            ])
    r = np.array(rows)
    print(f"  injected ({len(rows)} runs on {len(CLEAN)} clean recordings):")
    print(f"    sensitivity      {r[:, 0].mean():.3f} | {r[:, 3].mean():.3f}")
    print(f"    specificity      {r[:, 1].mean():.4f} | {r[:, 4].mean():.4f}")
    print(f"    RMSSD error      mean |{np.abs(r[:, 2]).mean() * 100:.1f}| %, max "
          f"{np.abs(r[:, 2]).max() * 100:.1f} % | mean |{np.abs(r[:, 5]).mean() * 100:.1f}| %, "
          f"max {np.abs(r[:, 5]).max() * 100:.1f} %")
    lr = np.array(live_rows)
    print(f"    live causal filter: sensitivity {lr[:, 0].mean():.3f}, "
          f"specificity {lr[:, 1].mean():.4f}")
    for relative in ("long_term/mitdb100_rr_from_atr.csv", "long_term/ltdb14046_rr_from_atr.csv"):
        rec = load(relative)
        truth = (rec.beat_labels != "N") | (np.roll(rec.beat_labels, 1) != "N")
        truth[0] = False
        ours, theirs = flagged(detect_artifacts(rec.rr_ms)), nk_flags(rec.rr_ms)
        print(f"  {Path(relative).name} (labelled, {truth.sum()} abnormal intervals): "
              f"sens {ours[truth].mean():.3f} spec {(~ours[~truth]).mean():.4f} | "
              f"sens {theirs[truth].mean():.3f} spec {(~theirs[~truth]).mean():.4f}")
    for relative in ("polar_h10/pvc_bigeminy_10min_ecg_rr.csv", "polar_hrm/noisy_rri.hrm"):
        rr = load(relative).rr_ms
        print(f"  {Path(relative).name} (unlabelled): flagged "
              f"{np.mean(detect_artifacts(rr) != '') * 100:.1f} % | "
              f"{np.mean(nk_flags(rr)) * 100:.1f} %")


def main() -> None:
    day_of_windows()
    live_cost()
    artifacts()


if __name__ == "__main__":
    main()
