"""The definitions tried for the Kubios HRV 3.1.0 metrics that were not reproduced at first, and
how far each lands from Kubios's reports on NSRDB hours 1-5 (docs/kubios_parity.md holds the
tables, what they rule out, and the two adopted: TINN and the stress index, rows "(ours)").

    .venv/bin/python bench/kubios_hypotheses.py

Prints, per candidate, the error (%) against Kubios on series 1..5 and the worst of the five;
PNS/SNS as the residual of a least-squares fit. Nothing is written. A definition counts as
reproduced only if one form, without constants fitted per file, is within the issue's tolerance
(0.05 % time domain, 5 % TINN / entropies / DFA / stress index, ±0.1 PNS/SNS) on all five.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from biofeedback.signal.autonomic import stress_index  # noqa: E402
from biofeedback.signal.geometric import BIN_MS, rr_histogram, tinn  # noqa: E402
from biofeedback.signal.nonlinear import dfa_alpha, entropies  # noqa: E402
from biofeedback.signal.spectral import resample_rr, smoothness_priors_detrend  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SERIES = (1, 2, 3, 4, 5)


def _rr(n: int) -> np.ndarray:
    return np.loadtxt(DATA / "nsrdb_1h" / f"series_{n}_rr_ms.txt")


def _report(n: int) -> dict:
    path = (DATA / "kubios" / "series_1_kubios_3.1.0.json" if n == 1
            else ROOT / "tests" / "data" / "kubios" / f"series_{n}_kubios_3.1.0.json")
    return json.loads(path.read_text())["results"]


def _row(name: str, label: str, f: Callable[[np.ndarray], float]) -> None:
    errs = [100.0 * (f(_rr(n)) / _report(n)[label] - 1.0) for n in SERIES]
    cells = " ".join(f"{e:+8.2f}" for e in errs)
    print(f"  {name:52s}{cells}   worst {max(abs(e) for e in errs):7.2f} %")


# -- candidate inputs ---------------------------------------------------------------------

def _detrended(rr: np.ndarray, lam: float) -> np.ndarray:
    """Smoothness priors on the beat series, the mean added back."""
    return smoothness_priors_detrend(rr, lam) + rr.mean()


def _detrended_4hz_lambda(rr: np.ndarray, lam_4hz: float = 500.0) -> np.ndarray:
    """The beat-domain λ with the cut-off λ = 500 has at 4 Hz: fc ∝ fs/√λ."""
    fs_beats = 1000.0 / rr.mean()
    return _detrended(rr, lam_4hz * (fs_beats / 4.0) ** 2)


def _segments(rr: np.ndarray, seconds: float, complete_only: bool) -> list[np.ndarray]:
    t = np.cumsum(rr) / 1000.0
    idx = np.floor(t / seconds).astype(int)
    if complete_only:
        keep = idx < np.floor(t[-1] / seconds)
        rr, idx = rr[keep], idx[keep]
    return [s for s in np.split(rr, np.flatnonzero(np.diff(idx)) + 1) if s.size > 1]


# -- candidate definitions ----------------------------------------------------------------

def _segment_hr_sd(rr: np.ndarray) -> float:
    return float(np.std([np.mean(60000.0 / s) for s in _segments(rr, 300.0, False)], ddof=1))


def _window_hr_sd(rr: np.ndarray, seconds: float) -> float:
    t = np.cumsum(rr) / 1000.0
    _, grid = resample_rr(t, rr)
    hr = 60000.0 / grid
    m = int(seconds * 4)
    return float(hr[: hr.size // m * m].reshape(-1, m).mean(axis=1).std(ddof=1))


def _sdann(rr: np.ndarray, seconds: float, complete_only: bool) -> float:
    return float(np.std([s.mean() for s in _segments(rr, seconds, complete_only)], ddof=1))


def _sdnn_index(rr: np.ndarray, seconds: float, complete_only: bool) -> float:
    return float(np.mean([s.std(ddof=1) for s in _segments(rr, seconds, complete_only)]))


def _tinn_confined(rr: np.ndarray) -> float:
    """The triangle confined to the histogram (zero beyond its corners), corners on the
    1/128 s bin edges, peak at the mode's height: least squares per side (this project's TINN
    before the second round)."""
    counts, edges = rr_histogram(rr)
    d = counts.astype(float)
    x = int(np.argmax(d))

    def best(side: np.ndarray, peak_at: int) -> int:
        idx = np.arange(side.size)
        cand = np.arange(side.size)
        span = (peak_at - cand)[:, None].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(span != 0, (idx[None, :] - cand[:, None]) / span, 1.0)
        q = np.where((frac >= 0) & (frac <= 1), d[x] * frac, 0.0)
        return int(cand[np.argmin(((side[None, :] - q) ** 2).sum(axis=1))])

    n_best = best(d[: x + 1], x)
    m_best = d.size - 1 - best(d[x:][::-1], d.size - 1 - x)
    return float(edges[m_best + 1] - edges[n_best])


def _tinn_fine(rr: np.ndarray, bin_ms: float) -> float:
    """Least-squares triangle with its corners on a 1 ms grid (not on bin edges)."""
    edges = bin_ms * np.arange(np.floor(rr.min() / bin_ms), np.floor(rr.max() / bin_ms) + 2)
    d, _ = np.histogram(rr, edges)
    centre = (edges[:-1] + edges[1:]) / 2
    x = int(np.argmax(d))
    peak, mode = d[x], centre[x]
    n_cand = np.arange(np.floor(edges[0]), mode)
    m_cand = np.arange(mode + 1, np.ceil(edges[-1]) + 1)
    left, right = centre <= mode, centre >= mode
    q_left = np.clip((centre[left] - n_cand[:, None]) / (mode - n_cand[:, None]), 0, 1) * peak
    q_right = np.clip((m_cand[:, None] - centre[right]) / (m_cand[:, None] - mode), 0, 1) * peak
    n_best = n_cand[np.argmin(((d[left] - q_left) ** 2).sum(axis=1))]
    m_best = m_cand[np.argmin(((d[right] - q_right) ** 2).sum(axis=1))]
    return float(m_best - n_best)


def _dfa(rr: np.ndarray, lo: int, hi: int, placement: str, order: int = 1) -> float:
    y = np.cumsum(rr - rr.mean())
    sizes = np.arange(lo, hi + 1)
    f = []
    for n in sizes:  # a bench: a loop over box sizes
        k = y.size // n * n
        if placement == "forward":
            boxes = y[:k].reshape(-1, n)
        elif placement == "both ends":
            boxes = np.vstack((y[:k].reshape(-1, n), y[y.size - k:].reshape(-1, n)))
        else:  # sliding, every start
            boxes = np.lib.stride_tricks.sliding_window_view(y, n)
        basis = np.vander(np.arange(n), order + 1)
        coef = np.linalg.lstsq(basis, boxes.T, rcond=None)[0]
        f.append(np.sqrt(np.mean((boxes.T - basis @ coef) ** 2)))
    return float(np.polyfit(np.log10(sizes), np.log10(f), 1)[0])


def _entropy(rr: np.ndarray, which: int, series: Callable[[np.ndarray], np.ndarray],
             r_from_raw: bool) -> float:
    x = series(rr)
    r = 0.2 * (rr if r_from_raw else x).std(ddof=1)
    return entropies(x, 2, r)[which]


def _pns_sns_fit() -> None:
    """Residual of the best linear fit (intercept + 3 coefficients, 5 reports) of Kubios's
    PNS / SNS on Kubios's own inputs: any z-score average with any norms is such a fit."""
    reports = [_report(n) for n in SERIES]

    def col(label: str) -> np.ndarray:
        return np.array([r[label] for r in reports])

    mean_rr = col("Mean RR  (ms)")
    inputs = {
        "PNS index": (mean_rr, col("RMSSD (ms)"), 100 * col("SD1 (ms)") / mean_rr),
        "SNS index": (col("Mean HR (beats/min)"), col("Stress index"),
                      100 * col("SD2 (ms)") / mean_rr),
    }
    for label, cols in inputs.items():
        a = np.column_stack((*cols, np.ones(len(SERIES))))
        y = col(label)
        coef = np.linalg.lstsq(a, y, rcond=None)[0]
        print(f"  {label}: largest residual of the best linear fit "
              f"{np.abs(a @ coef - y).max():.3f} (tolerance 0.1)")


# -- second round (docs/kubios_parity.md, "Second round") ---------------------------------

def _hr_4hz(rr: np.ndarray) -> np.ndarray:
    """Heart rate (bpm) of the 4 Hz natural-cubic-spline RR series the spectra use."""
    _, grid = resample_rr(np.cumsum(rr) / 1000.0, rr)
    return 60000.0 / grid


def _hr_held(rr: np.ndarray) -> np.ndarray:
    """Heart rate held over each interval, sampled at 4 Hz (the exact time-weighted HR)."""
    t_end = np.cumsum(rr) / 1000.0
    grid = np.arange(0.0, t_end[-1], 0.25)
    return 60000.0 / rr[np.searchsorted(t_end, grid, side="right")]


def _equal_count_segments(rr: np.ndarray, count: int) -> list[np.ndarray]:
    return np.array_split(rr, count)


def _sdann_of(segments: list[np.ndarray]) -> float:
    return float(np.std([s.mean() for s in segments], ddof=1))


def _sdnn_index_of(segments: list[np.ndarray]) -> float:
    return float(np.mean([s.std(ddof=1) for s in segments]))


def _segments_4hz(rr: np.ndarray) -> list[np.ndarray]:
    """Complete 1200-sample (300 s) pieces of the 4 Hz RR series."""
    _, grid = resample_rr(np.cumsum(rr) / 1000.0, rr)
    k = grid.size // 1200
    return list(grid[: k * 1200].reshape(k, 1200))


def _tinn_regression(rr: np.ndarray, nonzero_only: bool, bin_ms: float = BIN_MS) -> float:
    """Each side of the triangle a least-squares line through the histogram's peak, fitted to
    every bin on that side (not clipped at zero); TINN the distance between the two lines'
    zero crossings."""
    edges = bin_ms * np.arange(np.floor(rr.min() / bin_ms), np.floor(rr.max() / bin_ms) + 2)
    d, _ = np.histogram(rr, edges)
    centre = (edges[:-1] + edges[1:]) / 2
    x = int(np.argmax(d))
    use = d > 0 if nonzero_only else np.ones(d.size, dtype=bool)

    def crossing(side: np.ndarray) -> float:
        dt = centre[side] - centre[x]
        dy = d[side] - d[x]
        return float(centre[x] - d[x] * np.sum(dt * dt) / np.sum(dt * dy))

    idx = np.arange(d.size)
    return crossing(use & (idx > x)) - crossing(use & (idx < x))


def _stress_index_grid(rr: np.ndarray, origin_ms: float) -> float:
    """Stress index with 50 ms bins whose edges lie at ``origin + 50 k`` ms."""
    edges = origin_ms + 50.0 * np.arange(np.floor((rr.min() - origin_ms) / 50.0),
                                         np.floor((rr.max() - origin_ms) / 50.0) + 2)
    counts, _ = np.histogram(rr, edges)
    amo_pct = 100.0 * counts.max() / rr.size
    return float(np.sqrt(amo_pct / (2.0 * np.median(rr) / 1000.0 * np.ptp(rr) / 1000.0)))


def _minus_4hz_trend(rr: np.ndarray, lam: float = 500.0) -> np.ndarray:
    """RR less the smoothness-priors trend (λ on the 4 Hz series) read at the beats, the 4 Hz
    series' mean added back."""
    t_s = np.cumsum(rr) / 1000.0
    grid_t, grid = resample_rr(t_s, rr)
    trend = grid - smoothness_priors_detrend(grid, lam)
    return rr - np.interp(t_s, grid_t, trend) + grid.mean()


def _entropy_distance(rr: np.ndarray, which: int, p: float) -> float:
    """ApEn (0) or SampEn (1), m = 2, r = 0.2 SDNN, with the Minkowski-``p`` distance."""
    from scipy.spatial import cKDTree

    n, m, r = rr.size, 2, 0.2 * rr.std(ddof=1)

    def counts(k: int, rows: int) -> np.ndarray:
        v = np.lib.stride_tricks.sliding_window_view(rr, k)[:rows]
        return np.asarray(cKDTree(v).query_ball_point(v, r, p=p, return_length=True))

    c_m, c_m1 = counts(m, n - m + 1), counts(m + 1, n - m)
    if which == 0:
        return float(np.mean(np.log(c_m / (n - m + 1))) - np.mean(np.log(c_m1 / (n - m))))
    b = c_m[:-1].sum() - (n - m) - (c_m[-1] - 1)
    return float(-np.log((c_m1.sum() - (n - m)) / b))


def _box_residuals(rr: np.ndarray, n: int) -> np.ndarray:
    """DFA's residuals of the integrated series from a straight line in each box of ``n``
    beats, one column per box (``n × k``)."""
    y = np.cumsum(rr - rr.mean())
    k = y.size // n
    boxes = y[: k * n].reshape(k, n)
    basis = np.vander(np.arange(n), 2)
    coef = np.linalg.lstsq(basis, boxes.T, rcond=None)[0]
    return boxes.T - basis @ coef


def _dfa_box_mean(rr: np.ndarray, lo: int, hi: int) -> float:
    """DFA with F(n) the mean of the boxes' RMS residuals (not the RMS over all boxes)."""
    sizes = np.arange(lo, hi + 1)
    f = [np.mean(np.sqrt(np.mean(_box_residuals(rr, n) ** 2, axis=0))) for n in sizes]
    return float(np.polyfit(np.log10(sizes), np.log10(f), 1)[0])


def _hr_interpolated(rr: np.ndarray, how: str) -> np.ndarray:
    """4 Hz heart rate (bpm) by other interpolations than the spectra's natural spline."""
    from scipy.interpolate import Akima1DInterpolator, CubicSpline, PchipInterpolator

    t = np.cumsum(rr) / 1000.0
    grid = np.arange(t[0], t[-1], 0.25)
    hr = 60000.0 / rr
    if how == "not-a-knot RR":
        return 60000.0 / CubicSpline(t, rr)(grid)
    if how == "spline of HR":
        return CubicSpline(t, hr, bc_type="natural")(grid)
    if how == "pchip RR":
        return 60000.0 / PchipInterpolator(t, rr)(grid)
    if how == "Akima RR":
        return 60000.0 / Akima1DInterpolator(t, rr)(grid)
    if how == "linear RR":
        return 60000.0 / np.interp(grid, t, rr)
    return np.interp(grid, t, hr)  # linear HR


def _segments_from_end(rr: np.ndarray, seconds: float = 300.0) -> list[np.ndarray]:
    """5-min segments counted back from the last beat (complete ones only)."""
    t = np.cumsum(rr) / 1000.0
    idx = np.floor((t[-1] - t) / seconds).astype(int)
    keep = idx < np.floor(t[-1] / seconds)
    rr, idx = rr[keep], idx[keep]
    return [s for s in np.split(rr, np.flatnonzero(np.diff(idx)) + 1) if s.size > 1]


def _tinn_lines(rr: np.ndarray, centred: bool, nonzero_only: bool, free: bool) -> float:
    """Lines of each side's bins (through the peak, or free), on 1/128 s bins with edges or
    centres on k/128 s; TINN the distance between their zero crossings."""
    b = BIN_MS
    if centred:
        edges = b * (np.arange(np.floor(rr.min() / b + 0.5), np.floor(rr.max() / b + 0.5) + 2)
                     - 0.5)
    else:
        edges = b * np.arange(np.floor(rr.min() / b), np.floor(rr.max() / b) + 2)
    d, _ = np.histogram(rr, edges)
    c = (edges[:-1] + edges[1:]) / 2
    x = int(np.argmax(d))
    use = d > 0 if nonzero_only else np.ones(d.size, dtype=bool)
    idx = np.arange(d.size)

    def crossing(side: np.ndarray) -> float:
        if free:
            slope, icpt = np.polyfit(c[side | (idx == x)], d[side | (idx == x)], 1)
            return float(-icpt / slope)
        dt, dy = c[side] - c[x], d[side] - d[x]
        return float(c[x] - d[x] * np.sum(dt * dt) / np.sum(dt * dy))

    return crossing(use & (idx > x)) - crossing(use & (idx < x))


def _stress_index_residual(rr: np.ndarray) -> float:
    """The zero-mean residual (RR less the 4 Hz trend) in 50 ms bins centred on 0, Mo the
    raw RR's median."""
    z = _minus_4hz_trend(rr) - _minus_4hz_trend(rr).mean()
    edges = 50.0 * (np.arange(np.floor(z.min() / 50.0 + 0.5), np.floor(z.max() / 50.0 + 0.5) + 2)
                    - 0.5)
    counts, _ = np.histogram(z, edges)
    amo_pct = 100.0 * counts.max() / z.size
    return float(np.sqrt(amo_pct / (2.0 * np.median(rr) / 1000.0 * np.ptp(z) / 1000.0)))


def _dfa_variant(rr: np.ndarray, lo: int, hi: int, how: str) -> float:
    """DFA with F(n) normalised by the whole length, or corrected by sqrt(n/(n-2)), or α as
    the slope between the end points."""
    sizes = np.arange(lo, hi + 1)
    f = []
    for n in sizes:  # a bench: a loop over box sizes
        residuals = _box_residuals(rr, n)
        f.append(np.sqrt(np.sum(residuals ** 2)
                         / (rr.size if how == "whole length" else residuals.size)))
    f = np.array(f)
    if how == "sqrt(n/(n-2))":
        f = f * np.sqrt(sizes / (sizes - 2.0))
    if how == "end points":
        return float(np.log(f[-1] / f[0]) / np.log(sizes[-1] / sizes[0]))
    return float(np.polyfit(np.log10(sizes), np.log10(f), 1)[0])


def _apen_of_sums(rr: np.ndarray, lam: float) -> float:
    """ApEn from the total match counts, ``ln((ΣCm/(N-m+1)²) / (ΣCm+1/(N-m)²))`` (self-matches
    counted), on RR detrended with λ (beats), r = 0.2 SD of that series."""
    from biofeedback.signal.nonlinear import _match_counts, _templates

    z = _detrended(rr, lam)
    n, m, r = z.size, 2, 0.2 * z.std(ddof=1)
    c_m = _match_counts(_templates(z, m, n - m + 1), r).sum()
    c_m1 = _match_counts(_templates(z, m + 1, n - m), r).sum()
    return float(np.log(c_m / (n - m + 1) ** 2) - np.log(c_m1 / (n - m) ** 2))


# -- third round, entropies and DFA (docs/kubios_parity.md, "Third round: entropies and DFA") --

MSE_SCALES = (1, 2, 3, 4, 5, 8, 12, 16, 20)


def _coarse(x: np.ndarray, scale: int) -> np.ndarray:
    """Costa's coarse-graining: means of consecutive non-overlapping runs of ``scale`` values."""
    k = x.size // scale
    return x[: k * scale].reshape(k, scale).mean(axis=1)


def _mse_errors(rr: np.ndarray, n: int, series: Callable[[np.ndarray], np.ndarray],
                per_scale_r: bool) -> np.ndarray:
    """Error (%) of SampEn per MSE scale against Kubios's MSE(1..20) of hour ``n``; r = 0.2 SD
    of the input, fixed over the scales (Costa 2002) or recomputed on each coarse series."""
    from biofeedback.signal.nonlinear import sample_entropy

    x = series(rr)
    ours = [sample_entropy(c, 2, 0.2 * (c if per_scale_r else x).std(ddof=1))
            for c in (_coarse(x, s) for s in MSE_SCALES)]
    kubios = [_report(n)[f"MSE({s})"] for s in MSE_SCALES]
    return 100.0 * (np.array(ours) / kubios - 1.0)


def _r_needed_ms(rr: np.ndarray, n: int, scale: int) -> float:
    """The r (ms) at which SampEn of the coarse series (RR detrended λ = 10⁵, beats) equals
    Kubios's MSE(scale); NaN where no r in 1..80 ms crosses it."""
    from scipy.optimize import brentq

    from biofeedback.signal.nonlinear import sample_entropy

    c = _coarse(_detrended(rr, 1e5), scale)
    target = _report(n)[f"MSE({scale})"]
    try:
        return float(brentq(lambda r: sample_entropy(c, 2, r) - target, 1.0, 80.0, xtol=0.01))
    except ValueError:
        return np.nan


def _needed_sd_ms() -> np.ndarray:
    """Per hour, 5 × the median over MSE scales 1-8 of the r Kubios's values require: the SD
    Kubios's r = 0.2 SD would have to be taken from."""
    return np.array([np.nanmedian([_r_needed_ms(_rr(n), n, s) for s in (1, 2, 3, 4, 5, 6, 8)])
                     / 0.2 for n in SERIES])


def _recurrence_rate(x: np.ndarray, m: int = 10) -> float:
    """RPA recurrence rate (%): pairs of the ``m``-embedded series within sqrt(m) SD
    (Euclidean), self-pairs counted, the settings of Kubios's reports."""
    from scipy.spatial import cKDTree

    v = np.lib.stride_tricks.sliding_window_view(x, m)
    tree = cKDTree(v)
    return 100.0 * tree.count_neighbors(tree, np.sqrt(m) * x.std(ddof=1), p=2) / len(v) ** 2


def _dfa_q(rr: np.ndarray, lo: int, hi: int, q: float | None) -> float:
    """DFA with F(n) the order-``q`` mean of the boxes' mean-square residuals ``v``,
    ``mean(v^(q/2))^(1/q)`` (q = 2: ours; q = 1: the second round's mean of the boxes' RMS;
    q = 0: their geometric mean, boxes with zero residual left out), or (``None``) their
    median RMS."""
    sizes = np.arange(lo, hi + 1)
    f = []
    for n in sizes:  # a bench: a loop over box sizes
        v = np.mean(_box_residuals(rr, n) ** 2, axis=0)
        if q is None:
            f.append(np.sqrt(np.median(v)))
        elif q == 0:
            f.append(np.exp(0.5 * np.mean(np.log(v[v > 0]))))
        else:
            f.append(np.mean(v[v > 0] ** (q / 2)) ** (1 / q))
    return float(np.polyfit(np.log(sizes), np.log(f), 1)[0])


def _entropy_convention(rr: np.ndarray, which: int, how: str) -> float:
    """ApEn (0) or SampEn (1) on RR detrended λ = 10⁵ (beats), m = 2, under another counting
    convention: ``all templates`` (B over all N-m+1 templates of length m, A over the N-m of
    length m+1), ``ddof 0`` (r from the population SD), ``no self-matches`` (ApEn's counts
    without the template itself, empty counts dropped)."""
    from biofeedback.signal.nonlinear import _match_counts, _templates

    z = _detrended(rr, 1e5)
    n, m = z.size, 2
    r = 0.2 * z.std(ddof=0 if how == "ddof 0" else 1)
    c_m = _match_counts(_templates(z, m, n - m + 1), r)
    c_m1 = _match_counts(_templates(z, m + 1, n - m), r)
    if which == 0:
        if how == "no self-matches":
            a, b = c_m - 1, c_m1 - 1
            return float(np.mean(np.log(a[a > 0] / (n - m)))
                         - np.mean(np.log(b[b > 0] / (n - m - 1))))
        return float(np.mean(np.log(c_m / (n - m + 1))) - np.mean(np.log(c_m1 / (n - m))))
    if how == "all templates":
        return float(-np.log(((c_m1.sum() - (n - m)) / ((n - m) * (n - m - 1)))
                            / ((c_m.sum() - (n - m + 1)) / ((n - m + 1) * (n - m)))))
    return float(-np.log((c_m1.sum() - (n - m)) / (c_m[:-1].sum() - (n - m) - (c_m[-1] - 1))))


def _apen_sampen_gaps() -> None:
    """ApEn - SampEn, a signature of the counting convention and of the number of templates
    (Pincus's ApEn exceeds SampEn by less as N shrinks), ours against Kubios's."""
    apen, sampen = "Approximate entropy (ApEn)", "Sample entropy (SampEn)"
    print("  Kubios", " ".join(f"{_report(n)[apen] - _report(n)[sampen]:+7.3f}" for n in SERIES))
    inputs = {"raw RR": lambda rr: rr, "RR detrended λ=1e5 (beats)": lambda rr: _detrended(rr, 1e5)}
    for name, series in inputs.items():
        for beats in (None, 2000, 1000):
            gaps = []
            for n in SERIES:
                x = series(_rr(n))[:beats]
                a, b = entropies(x, 2)
                gaps.append(a - b)
            what = "all beats" if beats is None else f"first {beats} beats"
            print(f"  {name}, {what}:", " ".join(f"{g:+7.3f}" for g in gaps))


def _third_round_nonlinear() -> None:
    print("third round, entropies and DFA (docs/kubios_parity.md)")
    print("SampEn per MSE scale", MSE_SCALES, "(one line per hour)")
    inputs = {"raw RR": lambda rr: rr,
              "RR less the 4 Hz λ=500 trend": _minus_4hz_trend,
              "RR detrended λ=1e3 (beats)": lambda rr: _detrended(rr, 1e3),
              "RR detrended λ=1e5 (beats)": lambda rr: _detrended(rr, 1e5)}
    for name, series in inputs.items():
        for per_scale in (False, True):
            print(f"  {name}, r {'per scale' if per_scale else 'fixed'}")
            for n in SERIES:
                errs = _mse_errors(_rr(n), n, series, per_scale)
                print(f"    series {n}", " ".join(f"{e:+6.1f}" for e in errs))
    for how in ("ddof 1 (as ours)", "ddof 0", "all templates", "no self-matches"):
        for which, label in ((0, "Approximate entropy (ApEn)"), (1, "Sample entropy (SampEn)")):
            if (which, how) in ((1, "no self-matches"), (0, "all templates")):
                continue
            _row(f"{('ApEn', 'SampEn')[which]}, RR detrended λ=1e5 (beats), {how}", label,
                 lambda rr, w=which, h=how: _entropy_convention(rr, w, h))
    print("ApEn - SampEn")
    _apen_sampen_gaps()
    print("r (ms) Kubios's MSE(1..5) requires, RR detrended λ=1e5 (beats)")
    for n in SERIES:
        print(f"    series {n}", " ".join(f"{_r_needed_ms(_rr(n), n, s):6.1f}"
                                         for s in (1, 2, 3, 4, 5)))
    need = _needed_sd_ms()
    print("SD for r = 0.2 SD: error (%) of candidate SDs against the SD required",
          " ".join(f"{s:.1f}" for s in need))
    candidates = {"SDNN": lambda rr: rr.std(ddof=1),
                  "mean of 5-min SDs (SDNN index)": lambda rr: _sdnn_index(rr, 300.0, False)}
    for lam in (1e3, 1e4, 3e4, 1e5, 1e6):
        candidates[f"SD of RR detrended λ={lam:.0e} (beats)"] = (
            lambda rr, lam=lam: _detrended(rr, lam).std(ddof=1))
    for lam in (5e3, 5e4, 5e5):
        candidates[f"SD of RR less the 4 Hz λ={lam:.0e} trend"] = (
            lambda rr, lam=lam: _minus_4hz_trend(rr, lam).std(ddof=1))
    for name, sd in candidates.items():
        errs = [100.0 * (sd(_rr(n)) / need[i] - 1.0) for i, n in enumerate(SERIES)]
        cells = " ".join(f"{e:+8.2f}" for e in errs)
        print(f"  {name:52s}{cells}   worst {max(abs(e) for e in errs):7.2f} %")
    print("RPA recurrence rate (m = 10, r = sqrt(10) SD), an independent probe of the input")
    for name, series in inputs.items():
        _row(f"REC, {name}", "Recurrence rate (REC) (%)",
             lambda rr, s=series: _recurrence_rate(s(rr)))
    print("DFA")
    for q in (3.0, 0.5, 0.25, 0.0, -0.5, None):
        what = "median" if q is None else f"order {q:g} mean"
        _row(f"α1, F(n) the {what} of the boxes", "alpha 1", lambda rr, q=q: _dfa_q(rr, 4, 16, q))
        _row(f"α2, F(n) the {what} of the boxes", "alpha 2", lambda rr, q=q: _dfa_q(rr, 17, 64, q))
    for lo, hi in ((4, 12), (3, 16), (5, 20)):
        _row(f"α1 over {lo}-{hi} beats", "alpha 1", lambda rr, a=lo, b=hi: dfa_alpha(rr, a, b))
    for lo, hi in ((12, 48), (20, 80), (24, 96), (17, 100)):
        _row(f"α2 over {lo}-{hi} beats", "alpha 2", lambda rr, a=lo, b=hi: dfa_alpha(rr, a, b))
    for beats in (2000, 3000):
        for label, lo, hi in (("alpha 1", 4, 16), ("alpha 2", 17, 64)):
            _row(f"{label}, the middle {beats} beats", label,
                 lambda rr, b=beats, a=lo, c=hi: dfa_alpha(rr[(rr.size - b) // 2:][:b], a, c))
    for label, lo, hi in (("alpha 1", 4, 16), ("alpha 2", 17, 64)):
        _row(f"{label}, beat HR 60000/RR", label,
             lambda rr, a=lo, c=hi: dfa_alpha(60000.0 / rr, a, c))
        _row(f"{label}, ln RR", label, lambda rr, a=lo, c=hi: dfa_alpha(np.log(rr), a, c))


def _second_round() -> None:
    print("second round (docs/kubios_parity.md)")
    print("STD HR")
    _row("SD of the 4 Hz HR series / 4", "STD HR (beats/min)",
         lambda rr: float(_hr_4hz(rr).std(ddof=1)) / 4.0)
    _row("SD of HR held over each interval (4 Hz) / 4", "STD HR (beats/min)",
         lambda rr: float(_hr_held(rr).std(ddof=1)) / 4.0)
    for how in ("not-a-knot RR", "spline of HR", "pchip RR", "Akima RR", "linear RR",
                "linear HR"):
        _row(f"SD of 4 Hz HR / 4, {how}", "STD HR (beats/min)",
             lambda rr, h=how: float(_hr_interpolated(rr, h).std(ddof=1)) / 4.0)
    print("SDANN / SDNN index")
    _row("SDANN, 12 segments of equal beat count", "SDANN (ms)",
         lambda rr: _sdann_of(_equal_count_segments(rr, 12)))
    _row("SDNN index, 12 segments of equal beat count", "SDNN index (ms)",
         lambda rr: _sdnn_index_of(_equal_count_segments(rr, 12)))
    _row("SDANN, 1200-sample pieces of the 4 Hz series", "SDANN (ms)",
         lambda rr: _sdann_of(_segments_4hz(rr)))
    _row("SDNN index, 1200-sample pieces of the 4 Hz series", "SDNN index (ms)",
         lambda rr: _sdnn_index_of(_segments_4hz(rr)))
    _row("SDANN, complete 5-min segments back from the end", "SDANN (ms)",
         lambda rr: _sdann_of(_segments_from_end(rr)))
    _row("SDNN index, complete 5-min segments back from the end", "SDNN index (ms)",
         lambda rr: _sdnn_index_of(_segments_from_end(rr)))
    print("TINN")
    _row("lines through the peak, bin edges on k/128 s", "TINN (ms)",
         lambda rr: _tinn_regression(rr, False))
    _row("same, non-empty bins only", "TINN (ms)",
         lambda rr: _tinn_regression(rr, True))
    _row("same, bin edges on k/64 s", "TINN (ms)",
         lambda rr: _tinn_regression(rr, False, 2 * BIN_MS))
    _row("lines through the peak, centred bins, non-empty only", "TINN (ms)",
         lambda rr: _tinn_lines(rr, True, True, False))
    _row("free lines (not through the peak), edges on k/128 s", "TINN (ms)",
         lambda rr: _tinn_lines(rr, False, False, True))
    print("stress index")
    for origin in (0.0, 25.0):
        _row(f"RR less the 4 Hz λ=500 trend, bin edges {origin:g}+50k ms", "Stress index",
             lambda rr, o=origin: _stress_index_grid(_minus_4hz_trend(rr), o))
        _row(f"RR detrended, 4 Hz-equivalent λ, bin edges {origin:g}+50k ms", "Stress index",
             lambda rr, o=origin: _stress_index_grid(_detrended_4hz_lambda(rr), o))
    _row("zero-mean residual, bins centred on 0, Mo raw median", "Stress index",
         _stress_index_residual)
    print("ApEn / SampEn")
    for p, name in ((2.0, "Euclidean"), (1.0, "city-block")):
        for which, label in ((0, "Approximate entropy (ApEn)"), (1, "Sample entropy (SampEn)")):
            _row(f"{'ApEn' if which == 0 else 'SampEn'}, raw RR, {name} distance", label,
                 lambda rr, w=which, p=p: _entropy_distance(rr, w, p))
    for which, label in ((0, "Approximate entropy (ApEn)"), (1, "Sample entropy (SampEn)")):
        _row(f"{'ApEn' if which == 0 else 'SampEn'}, RR less the 4 Hz λ=500 trend", label,
             lambda rr, w=which: _entropy(rr, w, _minus_4hz_trend, False))
        _row(f"{'ApEn' if which == 0 else 'SampEn'}, first 1000 beats only", label,
             lambda rr, w=which: entropies(rr[:1000], 2)[w])
        for lam in (3e4, 1e5):
            _row(f"{'ApEn' if which == 0 else 'SampEn'}, RR detrended λ={lam:.0e} (beats)", label,
                 lambda rr, w=which, lam=lam: _entropy(rr, w, lambda x: _detrended(x, lam),
                                                       False))
    _row("ApEn from total counts, RR detrended λ=1e+05 (beats)", "Approximate entropy (ApEn)",
         lambda rr: _apen_of_sums(rr, 1e5))
    print("DFA")
    _row("α1, F(n) the mean of the boxes' RMS", "alpha 1", lambda rr: _dfa_box_mean(rr, 4, 16))
    _row("α2, F(n) the mean of the boxes' RMS", "alpha 2", lambda rr: _dfa_box_mean(rr, 17, 64))
    for how in ("whole length", "sqrt(n/(n-2))", "end points"):
        _row(f"α1, F(n) variant: {how}", "alpha 1", lambda rr, h=how: _dfa_variant(rr, 4, 16, h))
        _row(f"α2, F(n) variant: {how}", "alpha 2",
             lambda rr, h=how: _dfa_variant(rr, 17, 64, h))
    _row("α1, RR less the 4 Hz λ=500 trend", "alpha 1",
         lambda rr: dfa_alpha(_minus_4hz_trend(rr), 4, 16))
    _row("α2, RR less the 4 Hz λ=500 trend", "alpha 2",
         lambda rr: dfa_alpha(_minus_4hz_trend(rr), 17, 64))
    for beats in (1000, 2000):
        _row(f"α1, first {beats} beats only", "alpha 1",
             lambda rr, b=beats: dfa_alpha(rr[:b], 4, 16))
        _row(f"α2, first {beats} beats only", "alpha 2",
             lambda rr, b=beats: dfa_alpha(rr[:b], 17, 64))
    for lam in (5000.0, 30000.0):
        _row(f"α2, RR detrended λ={lam:.0f} (beats)", "alpha 2",
             lambda rr, lam=lam: dfa_alpha(_detrended(rr, lam), 17, 64))


# == third round, k-time: STD HR, SDANN, SDNN index, PNS and SNS ==========================
# (docs/kubios_parity.md, "Third round: STD HR, SDANN, SDNN index, PNS and SNS")

def _std_hr_third(rr: np.ndarray, how: str) -> float:
    """STD HR candidates, each divided by 4 (the resampling rate, as in the second round)."""
    t_end = np.cumsum(rr) / 1000.0
    hr = 60000.0 / rr
    if how == "time-weighted beat HR":  # each beat's HR weighted by its duration
        return float(np.sqrt(np.sum(rr * (hr - 60000.0 / rr.mean()) ** 2) / rr.sum())) / 4.0
    if how.startswith("welch"):  # sqrt of the Welch spectrum's power of the 4 Hz HR
        from biofeedback.signal.spectral import welch_psd

        f, psd = welch_psd(_hr_4hz(rr), 4.0)
        return float(np.sqrt(psd[f <= float(how.split()[1])].sum() * f[1])) / 4.0
    if how == "about 60000/mean RR":  # RMS about Kubios's mean HR, not the series' mean
        return float(np.sqrt(np.mean((_hr_4hz(rr) - 60000.0 / rr.mean()) ** 2))) / 4.0
    if how == "Welch segments' span":  # only the samples the 23 Welch segments cover
        x = _hr_4hz(rr)
        return float(x[: (x.size - 600) // 600 * 600 + 600].std(ddof=1)) / 4.0
    shift = {"RR at the start of its interval": rr / 1000.0,
             "RR at the middle of its interval": rr / 2000.0}.get(how, 0.0)
    t = t_end - shift
    start = 0.0 if how == "grid from t = 0" else t[0]
    grid = np.arange(start, t[-1], 0.25)
    from biofeedback.signal.splines import NaturalCubicSpline

    return float((60000.0 / NaturalCubicSpline(t, rr)(grid)).std(ddof=1)) / 4.0


def _std_hr_ratio_spread() -> None:
    """Series whose SD might be a constant multiple of Kubios's STD HR (not necessarily 4):
    the spread (max / min - 1) of that ratio over the five hours, and, for the outlier-drop
    family, the count of beats dropped per hour."""
    from scipy.ndimage import median_filter

    kubios = np.array([_report(n)["STD HR (beats/min)"] for n in SERIES])

    def hr_of(rr: np.ndarray, keep: np.ndarray | None = None,
              rr_in: np.ndarray | None = None) -> np.ndarray:
        t = np.cumsum(rr) / 1000.0
        x = rr if rr_in is None else rr_in
        keep = np.ones(rr.size, dtype=bool) if keep is None else keep
        return 60000.0 / resample_rr(t[keep], x[keep])[1]

    def moving(x: np.ndarray, k: int) -> np.ndarray:
        return np.convolve(x, np.ones(k) / k, "valid")

    family = {f"4 Hz HR, moving average of {k} samples": (lambda rr, k=k: moving(hr_of(rr), k))
              for k in (1, 2, 4, 8, 16)}
    family |= {f"beat HR, moving average of {k} beats": (lambda rr, k=k: moving(60000 / rr, k))
               for k in (1, 2, 3)}
    family |= {f"4 Hz HR detrended, λ = {lam:.0e}":
               (lambda rr, lam=lam: smoothness_priors_detrend(hr_of(rr), lam))
               for lam in (1e4, 1e5, 1e6)}
    family |= {f"RR median-filtered over {k} beats, then 4 Hz HR":
               (lambda rr, k=k: hr_of(rr, rr_in=median_filter(rr, k, mode="nearest")))
               for k in (3, 5)}
    family |= {f"beats off their 11-beat median by > {p:.0%} dropped, then 4 Hz HR":
               (lambda rr, p=p: hr_of(rr, np.abs(rr - median_filter(rr, 11, mode="nearest"))
                                      <= p * median_filter(rr, 11, mode="nearest")))
               for p in (0.2, 0.1)}
    for name, series in family.items():
        ratio = np.array([series(_rr(n)).std(ddof=1) for n in SERIES]) / kubios
        print(f"  {name:60s} ratio {np.array2string(ratio, precision=3)}"
              f"  spread {100 * (ratio.max() / ratio.min() - 1):6.2f} %")
    # Relative forms: SD of a transform of the beats' RR, back in bpm at the mean RR. Box-Cox
    # power q (0: ln RR, -1: beat HR) with weights RR^p (0: per beat, 1: per unit of time).
    def box_cox_sd_bpm(rr: np.ndarray, q: float, p: float) -> float:
        w = rr ** p / np.sum(rr ** p)
        y = np.log(rr) if q == 0 else rr ** q
        sd = np.sqrt(np.sum(w * (y - np.sum(w * y)) ** 2) * rr.size / (rr.size - 1))
        slope = 1 / rr.mean() if q == 0 else abs(q) * rr.mean() ** (q - 1)
        return float(sd / slope * 60000.0 / rr.mean() ** 2)

    scan = []
    for q in np.round(np.arange(-2.0, 1.01, 0.1), 2):
        for p in np.arange(-1.0, 1.51, 0.25):
            ratio = np.array([box_cox_sd_bpm(_rr(n), q, p) for n in SERIES]) / kubios
            scan.append((ratio.max() / ratio.min() - 1, q, p, ratio))
    for spread, q, p, ratio in [s for s in scan if s[1] == 0 and s[2] == 0] + [min(scan)]:
        print(f"  SD of RR^{q:g} (ln if 0), weights RR^{p:g}, in bpm at the mean RR".ljust(62)
              + f" ratio {np.array2string(ratio, precision=4)}  spread {100 * spread:6.2f} %")
    dropped = [int(np.sum(_rr(n)[1:] < 0.8 * _rr(n)[:-1])) for n in SERIES]
    print(f"  intervals shorter than 0.8 x the one before, per hour: {dropped}")
    # A common window [a, b] s of the 4 Hz HR (running sums, so each window is O(1)).
    sums = []
    for n in SERIES:
        rr = _rr(n)
        grid_t, grid = resample_rr(np.cumsum(rr) / 1000.0, rr)
        hr = 60000.0 / grid
        sums.append((grid_t, np.r_[0, np.cumsum(hr)], np.r_[0, np.cumsum(hr * hr)]))
    best = (np.inf, 0.0, 0.0)
    for a in np.arange(0.0, 901.0, 5.0):
        for b in np.arange(2700.0, 3601.0, 5.0):
            worst = 0.0
            for (gt, s1, s2), k in zip(sums, kubios, strict=True):
                i, j = np.searchsorted(gt, [a, b])
                m = (s1[j] - s1[i]) / (j - i)
                sd = np.sqrt(((s2[j] - s2[i]) - (j - i) * m * m) / (j - i - 1))
                worst = max(worst, abs(100 * (sd / 4.0 / k - 1)))
            best = min(best, (worst, a, b))
    print(f"  4 Hz HR / 4 over a common window [a, b]: best [{best[1]:g}, {best[2]:g}] s, "
          f"worst {best[0]:.3f} %")


def _segment_stats_third(rr: np.ndarray, how: str) -> tuple[float, float]:
    """(SDANN, SDNN index) of segmentations the first two rounds did not try."""
    t = np.cumsum(rr) / 1000.0
    if how.startswith("time-varying"):  # Kubios's time-varying grid: 300 s windows
        centres = np.arange(0.0, t[-1] + 1e-9, 60.0)  # centred every 60 s
        if how.endswith("full only"):
            centres = centres[(centres >= 150.0) & (centres <= t[-1] - 150.0)]
        segs = [rr[(t >= c - 150.0) & (t < c + 150.0)] for c in centres]
        segs = [s for s in segs if s.size > 2]
    elif how.startswith("beats, 300 s windows every"):
        step = float(how.split()[-2])
        segs = [rr[(t >= a) & (t < a + 300.0)] for a in np.arange(0.0, t[-1] - 300.0, step)]
    elif how.startswith("4 Hz, 1200-sample windows every"):
        _, x = resample_rr(t, rr)
        w = np.lib.stride_tricks.sliding_window_view(x, 1200)[:: int(how.split()[-2])]
        segs = list(w)
    else:
        idx = np.floor(t / 300.0).astype(int)
        full = int(np.floor(t[-1] / 300.0))
        if how == "stub merged into the last complete segment":
            idx = np.minimum(idx, full - 1)
        segs = [rr[idx == k] for k in range(idx.max() + 1)]
        if how.endswith("complete only"):
            segs = segs[:full]
    means = [s.mean() for s in segs]
    if how == "beat-weighted":  # each segment weighted by its beat count
        w = np.array([s.size for s in segs]) / rr.size
        m = np.array(means)
        sdann = np.sqrt(np.sum(w * (m - np.sum(w * m)) ** 2) * m.size / (m.size - 1))
        return float(sdann), float(np.sum(w * np.array([s.std(ddof=1) for s in segs])))
    if how.startswith("harmonic"):
        means = [60000.0 / np.mean(60000.0 / s) for s in segs]
    sds = [s.std(ddof=1) for s in segs]
    if how.startswith("medians"):  # medians and MADs (scaled to SD) instead
        means = [np.median(s) for s in segs]
        sds = [1.4826 * np.median(np.abs(s - np.median(s))) for s in segs]
    return float(np.std(means, ddof=1)), float(np.mean(sds))


def _segment_variants_scan() -> None:
    """5-min segments with t = 0 at the first R peak (beat times the running sum of RR) or at
    the second, the stub dropped / kept / merged into the last complete segment, ddof 0 or 1
    for each statistic (24 variants): the best worst error of each."""
    best = [np.inf, np.inf]
    for origin in ("first R peak", "second R peak"):
        for stub in ("dropped", "kept", "merged"):
            for ddof_a in (0, 1):
                for ddof_i in (0, 1):
                    worst = [0.0, 0.0]
                    for n in SERIES:
                        rr, rep = _rr(n), _report(n)
                        t = np.cumsum(rr) / 1000.0
                        t = t if origin == "first R peak" else t - t[0]
                        idx = np.floor(t / 300.0).astype(int)
                        full = int(np.floor(t[-1] / 300.0))
                        if stub == "merged":
                            idx = np.minimum(idx, full - 1)
                        segs = [rr[idx == k] for k in range(idx.max() + 1)]
                        segs = segs[:full] if stub == "dropped" else segs
                        a = np.std([x.mean() for x in segs], ddof=ddof_a)
                        i = np.mean([x.std(ddof=ddof_i) for x in segs])
                        worst = [max(worst[0], abs(100 * (a / rep["SDANN (ms)"] - 1))),
                                 max(worst[1], abs(100 * (i / rep["SDNN index (ms)"] - 1)))]
                    best = [min(best[0], worst[0]), min(best[1], worst[1])]
    print(f"  24 variants (origin, stub, ddof): best worst SDANN {best[0]:.2f} %, "
          f"SDNN index {best[1]:.2f} %")


def _segment_origin_scan(keep: str) -> None:
    """Non-overlapping 5-min segments starting at every whole second 0..299 s: the origin with
    the smallest worst error, for SDANN and for the SDNN index (``keep``: segments kept if at
    least half full, or only complete ones)."""
    data = [(_rr(n), _report(n)) for n in SERIES]
    errs = []
    for origin in np.arange(300.0):
        e = []
        for rr, rep in data:
            t = np.cumsum(rr) / 1000.0
            idx = np.floor((t - origin) / 300.0).astype(int)
            idx -= idx.min()
            segs = [rr[idx == k] for k in range(idx.max() + 1)]
            segs = [s for s in segs if s.sum() >= (0.5 if keep == "half full" else 0.99) * 3e5]
            e.append((100 * (np.std([s.mean() for s in segs], ddof=1) / rep["SDANN (ms)"] - 1),
                      100 * (np.mean([s.std(ddof=1) for s in segs]) / rep["SDNN index (ms)"]
                             - 1)))
        errs.append(np.array(e))
    for j, label in ((0, "SDANN"), (1, "SDNN index")):
        worst = [np.abs(e[:, j]).max() for e in errs]
        best = int(np.argmin(worst))
        cells = " ".join(f"{x:+8.2f}" for x in errs[best][:, j])
        print(f"  {label}, origin scan 0..299 s ({keep}): best {best} s".ljust(54)
              + f"{cells}   worst {worst[best]:7.2f} %")


def _segment_length_origin_scan() -> None:
    """Non-overlapping segments of every length 120..900 s (2 s steps) from every origin
    (10 s steps), segments at least half full: the pair with the smallest worst error over
    both SDANN and SDNN index (running sums via bincount)."""
    data = [(_rr(n), np.cumsum(_rr(n)) / 1000.0, _report(n)) for n in SERIES]
    best = (np.inf, 0.0, 0.0)
    for length in np.arange(120.0, 901.0, 2.0):
        for origin in np.arange(0.0, length, 10.0):
            worst = 0.0
            for rr, t, rep in data:
                idx = np.floor((t - origin) / length).astype(int)
                idx -= idx.min()
                n, s1, s2 = (np.bincount(idx), np.bincount(idx, rr), np.bincount(idx, rr * rr))
                keep = (s1 / 1000.0 >= 0.5 * length) & (n > 2)
                m = s1[keep] / n[keep]
                sd = np.sqrt((s2[keep] - s1[keep] ** 2 / n[keep]) / (n[keep] - 1))
                worst = max(worst, abs(100 * (m.std(ddof=1) / rep["SDANN (ms)"] - 1)),
                            abs(100 * (sd.mean() / rep["SDNN index (ms)"] - 1)))
            best = min(best, (worst, length, origin))
    print(f"  any length 120..900 s from any origin: best {best[1]:g} s from {best[2]:g} s, "
          f"worst of SDANN and SDNN index {best[0]:.2f} %")


def _minimax(a: np.ndarray, y: np.ndarray, nonneg: bool = False) -> float:
    """Smallest possible largest residual of ``a @ x + c`` against ``y`` (a linear program);
    ``nonneg``: the weights of ``a``'s columns kept >= 0 (z-scores all pointing one way)."""
    from scipy.optimize import linprog

    a1 = np.column_stack((a, np.ones(len(y))))
    k = a1.shape[1]
    ones = np.ones((len(y), 1))
    bounds = [(0, None) if nonneg else (None, None)] * (k - 1) + [(None, None), (0, None)]
    res = linprog(np.r_[np.zeros(k), 1.0], A_ub=np.block([[a1, -ones], [-a1, -ones]]),
                  b_ub=np.r_[y, -y], bounds=bounds)
    return float(res.x[-1])


def _autonomic_inputs(rr: np.ndarray) -> dict[str, float]:
    """The PNS and SNS inputs of one stretch: mean RR, RMSSD, SD1 %, mean HR, stress index,
    SD2 % (SD1/SD2 as % of mean RR)."""
    from biofeedback.signal.autonomic import stress_index

    d = np.diff(rr)
    m = rr.mean()
    sd1 = np.sqrt(0.5 * d.var(ddof=1))
    sd2 = np.sqrt(max(2.0 * rr.var(ddof=1) - sd1 ** 2, 0.0))
    return {"mean_rr": m, "rmssd": float(np.sqrt(np.mean(d ** 2))), "sd1_pct": 100 * sd1 / m,
            "mean_hr": 60000.0 / m, "si": stress_index(rr), "sd2_pct": 100 * sd2 / m}


def _pns_sns_third() -> None:
    reports = [_report(n) for n in SERIES]

    def col(label: str) -> np.ndarray:
        return np.array([r[label] for r in reports])

    pns, sns = col("PNS index"), col("SNS index")
    mean_rr, rmssd, sd1, sd2 = (col("Mean RR  (ms)"), col("RMSSD (ms)"), col("SD1 (ms)"),
                                col("SD2 (ms)"))
    pns_in = np.column_stack((mean_rr, rmssd, 100 * sd1 / mean_rr))
    sns_in = np.column_stack((col("Mean HR (beats/min)"), col("Stress index"),
                              100 * sd2 / mean_rr))
    print("  Kubios's whole-hour inputs, largest residual of the best (minimax) linear form:")
    print(f"    PNS {_minimax(pns_in, pns):.3f} (weights >= 0: {_minimax(pns_in, pns, True):.3f})"
          f", SNS {_minimax(sns_in, sns):.3f} (weights >= 0: "
          f"{_minimax(sns_in, sns, True):.3f}); tolerance 0.1")
    logs = np.column_stack((mean_rr, np.log(rmssd), np.log(100 * sd1 / mean_rr)))
    print(f"    PNS on mean RR, ln RMSSD, ln SD1 %: {_minimax(logs, pns):.3f}")
    # Nunan et al. 2010 (PACE 33:1407): mean RR 926 +- 90 ms, RMSSD 42 +- 15 ms; the SD1 %
    # norm (mean, SD) left free.
    rest = pns - ((mean_rr - 926.0) / 90.0 + (rmssd - 42.0) / 15.0) / 3.0
    print(f"    PNS with Nunan's mean RR and RMSSD norms, best SD1 % norm: "
          f"{_minimax(pns_in[:, 2:], rest):.3f}")
    # Other forms of the inputs, every combination (minimax residual, best of each index).
    sd1_pct, sd2_pct, sdnn = 100 * sd1 / mean_rr, 100 * sd2 / mean_rr, col("STD RR (ms)")
    si = col("Stress index")
    pns_forms = ({"mean RR": mean_rr, "mean HR": 60000 / mean_rr, "ln mean RR": np.log(mean_rr)},
                 {"RMSSD": rmssd, "ln RMSSD": np.log(rmssd), "RMSSD / mean RR": rmssd / mean_rr},
                 {"SD1 %": sd1_pct, "SD1": sd1, "SD1/SD2": sd1 / sd2, "ln SD1 %": np.log(sd1_pct),
                  "SD1/sqrt(SD1²+SD2²)": sd1 / np.hypot(sd1, sd2), "SD1/SDNN": sd1 / sdnn})
    sns_forms = ({"mean HR": 60000 / mean_rr, "mean RR": mean_rr},
                 {"SI": si, "ln SI": np.log(si), "SI²": si ** 2},
                 {"SD2 %": sd2_pct, "SD2": sd2, "SD2/SD1": sd2 / sd1, "ln SD2 %": np.log(sd2_pct),
                  "SD2/sqrt(SD1²+SD2²)": sd2 / np.hypot(sd1, sd2), "SD2/SDNN": sd2 / sdnn})
    for label, forms, y in (("PNS", pns_forms, pns), ("SNS", sns_forms, sns)):
        fits = [(_minimax(np.column_stack((forms[0][a], forms[1][b], forms[2][c])), y), a, b, c)
                for a in forms[0] for b in forms[1] for c in forms[2]]
        worst, *names = min(fits)
        print(f"    {label}, best of {len(fits)} forms of the inputs: {worst:.3f} "
              f"({', '.join(names)})")
    for lam in (100.0, 500.0, 5000.0):  # inputs of RR less its 4 Hz trend (as the SI's)
        from biofeedback.signal.autonomic import without_vlf_trend

        rows = []
        for n in SERIES:
            rr = _rr(n)
            z = without_vlf_trend(np.cumsum(rr) / 1000.0, rr, lam)
            d = _autonomic_inputs(z)
            rows.append([rr.mean(), d["rmssd"], d["sd1_pct"], 60000 / rr.mean(), d["sd2_pct"]])
        x = np.array(rows)
        print(f"    inputs of RR less its 4 Hz λ = {lam:g} trend: PNS "
              f"{_minimax(x[:, :3], pns):.3f}, SNS (Kubios's SI) "
              f"{_minimax(np.column_stack((x[:, 3], si, x[:, 4])), sns):.3f}")
    print("  our inputs over part of the hour (minimax residual PNS / SNS):")
    for name, pick in (("first 300 s", lambda t, end: t <= 300.0),
                       ("last 300 s", lambda t, end: t > end - 300.0),
                       ("first 1800 s", lambda t, end: t <= 1800.0)):
        rows = []
        for n in SERIES:
            rr = _rr(n)
            t = np.cumsum(rr) / 1000.0
            rows.append(_autonomic_inputs(rr[pick(t, t[-1])]))
        x = np.array([[r[k] for k in r] for r in rows])
        print(f"    {name:44s}{_minimax(x[:, :3], pns):.3f} / {_minimax(x[:, 3:], sns):.3f}")
    rows = []
    for n in SERIES:  # mean over the twelve 5-min segments of each input
        segs = _segments(_rr(n), 300.0, False)
        per = [_autonomic_inputs(s) for s in segs]
        rows.append([np.mean([p[k] for p in per]) for k in per[0]])
    x = np.array(rows)
    print(f"    {'mean of the 5-min segments inputs':44s}{_minimax(x[:, :3], pns):.3f} / "
          f"{_minimax(x[:, 3:], sns):.3f}")
    # The median over the 5-min segments of per-segment indices (nonlinear: least squares
    # from 10 starts, the largest residual reported).
    from scipy.optimize import least_squares

    per_hour = [np.array([list(_autonomic_inputs(s).values())
                          for s in _segments(_rr(n), 300.0, False)]) for n in SERIES]
    rng = np.random.default_rng(0)
    for label, cols, y in (("PNS", slice(0, 3), pns), ("SNS", slice(3, 6), sns)):
        def residual(p, cols=cols, y=y):
            return np.array([np.median(p[0] + x[:, cols] @ p[1:]) for x in per_hour]) - y

        fit = min((least_squares(residual, rng.normal(size=4) * [1, 0.01, 0.05, 0.3])
                   for _ in range(10)), key=lambda f: f.cost)
        print(f"    median over the 5-min segments of linear indices, {label}: "
              f"{np.abs(fit.fun).max():.3f}")
    # The last L seconds, L scanned: one L fits both almost exactly, with absurd norms.
    scan = []
    for last_s in range(2700, 3601, 20):
        x = np.array([list(_autonomic_inputs(rr[np.cumsum(rr) > rr.sum() - 1000.0 * last_s])
                           .values()) for rr in map(_rr, SERIES)])
        scan.append((_minimax(x[:, :3], pns) + _minimax(x[:, 3:], sns), last_s, x))
    _, last_s, x = min(scan, key=lambda s: s[0])
    for label, cols, y in (("PNS", x[:, :3], pns), ("SNS", x[:, 3:], sns)):
        a = np.column_stack((cols, np.ones(len(SERIES))))
        sd = 1.0 / (3.0 * np.linalg.lstsq(a, y, rcond=None)[0][:3])
        print(f"    last {last_s} s (best of L = 2700..3600 s): {label} {_minimax(cols, y):.3f},"
              f" implied norm SDs {np.array2string(sd, precision=3)}")


def _third_round_time() -> None:
    print("third round, k-time (docs/kubios_parity.md)")
    print("STD HR")
    for how in ("RR at the start of its interval", "RR at the middle of its interval",
                "grid from t = 0", "time-weighted beat HR", "about 60000/mean RR",
                "Welch segments' span", "welch 2", "welch 0.4"):
        _row(f"SD of HR / 4, {how}", "STD HR (beats/min)",
             lambda rr, h=how: _std_hr_third(rr, h))
    _std_hr_ratio_spread()
    print("SDANN / SDNN index")
    _segment_variants_scan()
    for how in ("stub merged into the last complete segment", "beats, 300 s windows every 150 s",
                "beats, 300 s windows every 60 s", "4 Hz, 1200-sample windows every 600 s",
                "harmonic means, all segments", "harmonic means, complete only",
                "beat-weighted", "medians, all segments", "medians, complete only",
                "time-varying windows, centred every 60 s",
                "time-varying windows, full only"):
        _row(f"SDANN, {how}", "SDANN (ms)", lambda rr, h=how: _segment_stats_third(rr, h)[0])
        _row(f"SDNN index, {how}", "SDNN index (ms)",
             lambda rr, h=how: _segment_stats_third(rr, h)[1])
    for keep in ("half full", "complete"):
        _segment_origin_scan(keep)
    _segment_length_origin_scan()
    print("PNS / SNS")
    _pns_sns_third()


def main() -> None:
    print("error against Kubios HRV 3.1.0 (%), series 1..5")
    print("STD HR")
    _row("SD of beat HR 60000/RR (ours)", "STD HR (beats/min)",
         lambda rr: float((60000.0 / rr).std(ddof=1)))
    _row("SD of HR of RR detrended, λ=500 (beats)", "STD HR (beats/min)",
         lambda rr: float((60000.0 / _detrended(rr, 500.0)).std(ddof=1)))
    _row("SD of HR of RR detrended, 4 Hz-equivalent λ", "STD HR (beats/min)",
         lambda rr: float((60000.0 / _detrended_4hz_lambda(rr)).std(ddof=1)))
    _row("SD of the 5-min segments' mean HR", "STD HR (beats/min)", _segment_hr_sd)
    for seconds in (10.0, 60.0, 300.0):
        _row(f"SD of 4 Hz HR averaged over {seconds:.0f} s", "STD HR (beats/min)",
             lambda rr, s=seconds: _window_hr_sd(rr, s))
    print("SDANN / SDNN index")
    for complete in (False, True):
        what = "complete 5-min segments" if complete else "all 5-min segments"
        _row(f"SDANN, {what}", "SDANN (ms)", lambda rr, c=complete: _sdann(rr, 300.0, c))
        _row(f"SDNN index, {what}", "SDNN index (ms)",
             lambda rr, c=complete: _sdnn_index(rr, 300.0, c))
    _row("SDANN, complete 366 s segments (best length)", "SDANN (ms)",
         lambda rr: _sdann(rr, 366.0, True))
    _row("SDNN index, complete 366 s segments", "SDNN index (ms)",
         lambda rr: _sdnn_index(rr, 366.0, True))
    print("TINN")
    _row("least squares, corners confined to 1/128 s edges (before)", "TINN (ms)",
         _tinn_confined)
    for bin_ms in (BIN_MS, 50.0, 100.0):
        _row(f"least squares, corners on 1 ms, bins {bin_ms:.4g} ms", "TINN (ms)",
             lambda rr, b=bin_ms: _tinn_fine(rr, b))
    _row("lines through the peak, bins centred on k/128 s (ours)", "TINN (ms)", tinn)
    print("stress index")
    _row("sqrt(AMo/(2 Mo MxDMn)), raw RR, edges 50k ms (before)", "Stress index",
         lambda rr: _stress_index_grid(rr, 0.0))
    for lam in (30.0, 100.0, 500.0):
        _row(f"same on RR detrended, λ={lam:.0f} (beats)", "Stress index",
             lambda rr, lam=lam: _stress_index_grid(_detrended(rr, lam), 0.0))
    _row("same on RR detrended, 4 Hz-equivalent λ", "Stress index",
         lambda rr: _stress_index_grid(_detrended_4hz_lambda(rr), 0.0))
    _row("RR less the 4 Hz λ=500 trend, bins centred on 50k (ours)", "Stress index",
         stress_index)
    print("ApEn / SampEn")
    inputs = {"raw RR (ours)": lambda rr: rr,
              "detrended λ=500 (beats)": lambda rr: _detrended(rr, 500.0),
              "detrended, 4 Hz-equivalent λ": _detrended_4hz_lambda}
    for name, series in inputs.items():
        for raw_r in (False, True) if name != "raw RR (ours)" else (True,):
            suffix = ", r from raw SD" if raw_r and name != "raw RR (ours)" else ""
            for which, label in ((0, "Approximate entropy (ApEn)"),
                                 (1, "Sample entropy (SampEn)")):
                _row(f"{'ApEn' if which == 0 else 'SampEn'}, {name}{suffix}", label,
                     lambda rr, w=which, s=series, r=raw_r: _entropy(rr, w, s, r))
    print("DFA")
    for placement in ("forward", "both ends", "sliding"):
        for order in (1, 2):
            _row(f"α1, boxes {placement}, order {order}", "alpha 1",
                 lambda rr, p=placement, o=order: _dfa(rr, 4, 16, p, o))
            _row(f"α2 (17-64), boxes {placement}, order {order}", "alpha 2",
                 lambda rr, p=placement, o=order: _dfa(rr, 17, 64, p, o))
    for lam in (500.0, 1000.0):
        _row(f"α1, RR detrended λ={lam:.0f} (beats)", "alpha 1",
             lambda rr, lam=lam: dfa_alpha(_detrended(rr, lam), 4, 16))
        _row(f"α2, RR detrended λ={lam:.0f} (beats)", "alpha 2",
             lambda rr, lam=lam: dfa_alpha(_detrended(rr, lam), 17, 64))
    print("PNS / SNS")
    _pns_sns_fit()
    _second_round()
    _third_round_time()


if __name__ == "__main__":
    main()
    _third_round_nonlinear()
