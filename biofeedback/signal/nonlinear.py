"""Nonlinear HRV: Poincaré plot, approximate and sample entropy, detrended fluctuation analysis.

* Poincaré SD1, SD2 (Brennan, Palaniswami & Kamen, *Do existing measures of Poincaré plot
  geometry reflect nonlinear features of heart rate variability?*, IEEE TBME 48:1342-1347,
  2001): ``SD1² = ½ SDSD²``, ``SD2² = 2 SDNN² - ½ SDSD²`` (sample variances, ``ddof=1``).
* Approximate entropy (Pincus, PNAS 88:2297-2301, 1991) and sample entropy (Richman &
  Moorman, Am J Physiol 278:H2039-H2049, 2000), embedding ``m = 2``, tolerance
  ``r = 0.2 · SDNN``, Chebyshev distance, a match being ``d <= r``. Templates are counted
  with a k-d tree (``scipy.spatial.cKDTree``), so the cost grows with the number of matches,
  not with every pair.
* DFA (Peng et al., Chaos 5:82-87, 1995): the integrated, mean-removed series cut into
  non-overlapping boxes of ``n`` beats from the start, a least-squares line removed per box;
  α1 is the log-log slope of ``F(n)`` over ``n = 4..16`` beats, α2 over ``n = 16..64``
  (Kubios 3.1 reports use 17-64; see README "Metrics").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Nonlinear:
    """Nonlinear HRV of one series of RR intervals (NaN where too short)."""

    sd1_ms: float
    sd2_ms: float
    sd2_sd1: float
    apen: float
    sampen: float
    dfa_alpha1: float
    dfa_alpha2: float


def poincare(rr_ms: np.ndarray) -> tuple[float, float]:
    """Poincaré ``(SD1, SD2)`` in ms of successive RR intervals."""
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size < 3:
        return np.nan, np.nan
    sdsd2 = np.var(np.diff(rr), ddof=1)
    sd1 = np.sqrt(0.5 * sdsd2)
    sd2 = np.sqrt(max(2.0 * np.var(rr, ddof=1) - 0.5 * sdsd2, 0.0))
    return float(sd1), float(sd2)


def _templates(x: np.ndarray, m: int, count: int) -> np.ndarray:
    """The first ``count`` embedding vectors of length ``m`` (rows), as a view."""
    return np.lib.stride_tricks.sliding_window_view(x, m)[:count]


def _match_counts(vectors: np.ndarray, r: float) -> np.ndarray:
    """For each row, how many rows (itself included) lie within ``r`` (Chebyshev)."""
    from scipy.spatial import cKDTree

    tree = cKDTree(vectors)
    return np.asarray(tree.query_ball_point(vectors, r, p=np.inf, return_length=True))


def approximate_entropy(rr_ms: np.ndarray, m: int = 2, r: float | None = None) -> float:
    """ApEn (Pincus 1991): ``Φm - Φm+1``, ``Φm`` the mean log share of templates within ``r``
    (self-matches counted). ``r`` defaults to ``0.2 · SDNN``."""
    x = np.asarray(rr_ms, dtype=float)
    n = x.size
    if n < m + 2:
        return np.nan
    r = 0.2 * np.std(x, ddof=1) if r is None else r
    phi = []
    for k in (m, m + 1):
        vectors = _templates(x, k, n - k + 1)
        phi.append(np.mean(np.log(_match_counts(vectors, r) / (n - k + 1))))
    return float(phi[0] - phi[1])


def sample_entropy(rr_ms: np.ndarray, m: int = 2, r: float | None = None) -> float:
    """SampEn (Richman & Moorman 2000): ``-ln(A / B)``, B the pairs of the first ``N - m``
    templates of length ``m`` within ``r``, A the same pairs still within ``r`` at ``m + 1``;
    self-matches excluded. NaN when no pair matches."""
    x = np.asarray(rr_ms, dtype=float)
    n = x.size
    if n < m + 2:
        return np.nan
    r = 0.2 * np.std(x, ddof=1) if r is None else r
    b = (_match_counts(_templates(x, m, n - m), r) - 1).sum()
    a = (_match_counts(_templates(x, m + 1, n - m), r) - 1).sum()
    if a == 0 or b == 0:
        return np.nan
    return float(-np.log(a / b))


def entropies(rr_ms: np.ndarray, m: int = 2, r: float | None = None) -> tuple[float, float]:
    """``(ApEn, SampEn)`` from one count of matches per template length (two k-d tree
    queries instead of four): SampEn's ``N - m`` templates of length ``m`` are ApEn's less the
    last one, whose matches are taken off the totals."""
    x = np.asarray(rr_ms, dtype=float)
    n = x.size
    if n < m + 2:
        return np.nan, np.nan
    r = 0.2 * np.std(x, ddof=1) if r is None else r
    c_m = _match_counts(_templates(x, m, n - m + 1), r)
    c_m1 = _match_counts(_templates(x, m + 1, n - m), r)
    apen = float(np.mean(np.log(c_m / (n - m + 1))) - np.mean(np.log(c_m1 / (n - m))))
    b = c_m[:-1].sum() - (n - m) - (c_m[-1] - 1)
    a = c_m1.sum() - (n - m)
    sampen = float(-np.log(a / b)) if a > 0 and b > 0 else np.nan
    return apen, sampen


def fluctuation(rr_ms: np.ndarray, box_beats: np.ndarray) -> np.ndarray:
    """DFA fluctuation ``F(n)`` for each box size ``n`` (beats), boxes from the start.

    Each box's least-squares line is removed in closed form over a reshaped array; the loop
    runs over box sizes (a few dozen), never over beats or boxes.
    """
    x = np.asarray(rr_ms, dtype=float)
    y = np.cumsum(x - x.mean())
    out = np.full(len(box_beats), np.nan)
    for i, n in enumerate(box_beats):
        boxes = y.size // n
        if boxes < 1:
            continue
        seg = y[: boxes * n].reshape(boxes, n)
        k = np.arange(n) - (n - 1) / 2.0
        centred = seg - seg.mean(axis=1, keepdims=True)
        slope = centred @ k / np.dot(k, k)
        residual = centred - slope[:, None] * k
        out[i] = np.sqrt(np.mean(residual**2))
    return out


def dfa_alpha(rr_ms: np.ndarray, lo_beats: int, hi_beats: int) -> float:
    """DFA scaling exponent: slope of ``log F(n)`` against ``log n`` for ``lo <= n <= hi``."""
    x = np.asarray(rr_ms, dtype=float)
    n = np.arange(lo_beats, hi_beats + 1)
    if x.size < 2 * hi_beats:
        return np.nan
    f = fluctuation(x, n)
    ok = f > 0
    if ok.sum() < 2:
        return np.nan
    return float(np.polyfit(np.log(n[ok]), np.log(f[ok]), 1)[0])


def nonlinear(
    rr_ms: np.ndarray, m: int = 2, r_sd: float = 0.2,
    dfa_short: tuple[int, int] = (4, 16), dfa_long: tuple[int, int] = (16, 64),
) -> Nonlinear:
    """The nonlinear set of one series of RR intervals."""
    rr = np.asarray(rr_ms, dtype=float)
    sd1, sd2 = poincare(rr)
    r = r_sd * np.std(rr, ddof=1) if rr.size > 1 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = float(np.divide(sd2, sd1))
    apen, sampen = entropies(rr, m, r) if np.isfinite(r) and r > 0 else (np.nan, np.nan)
    return Nonlinear(
        sd1_ms=sd1,
        sd2_ms=sd2,
        sd2_sd1=ratio,
        apen=apen,
        sampen=sampen,
        dfa_alpha1=dfa_alpha(rr, *dfa_short),
        dfa_alpha2=dfa_alpha(rr, *dfa_long),
    )
