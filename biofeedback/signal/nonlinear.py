"""Nonlinear HRV: Poincaré plot, approximate and sample entropy, detrended fluctuation analysis.

* Poincaré SD1, SD2 (Brennan, Palaniswami & Kamen, *Do existing measures of Poincaré plot
  geometry reflect nonlinear features of heart rate variability?*, IEEE TBME 48:1342-1347,
  2001): ``SD1² = ½ SDSD²``, ``SD2² = 2 SDNN² - ½ SDSD²`` (sample variances, ``ddof=1``).
* Approximate entropy (Pincus, PNAS 88:2297-2301, 1991) and sample entropy (Richman &
  Moorman, Am J Physiol 278:H2039-H2049, 2000), embedding ``m = 2``, tolerance
  ``r = 0.2 · SDNN``, Chebyshev distance, a match being ``d <= r``. Matches are counted
  exactly in one of two ways: when the series takes few distinct values (RR from 128 Hz
  annotations: a 24-hour Holter record has ~160), on the histogram of templates over those
  values, where the matches of every cell are a box sum (prefix sums along each axis);
  otherwise with a k-d tree (``scipy.spatial.cKDTree``), whose cost grows with the number of
  matches.
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


#: Largest template histogram (cells) counted by box sums rather than a k-d tree.
MAX_HISTOGRAM_CELLS = 16_000_000  # int32 cells: 64 MB


def _prefix_sums(tensor: np.ndarray) -> np.ndarray:
    """Prefix sums along every axis, each padded with a leading zero: a box sum is then an
    inclusion-exclusion over the box's corners."""
    for axis in range(tensor.ndim):  # a loop over the template length, not over data
        pad = np.zeros_like(tensor.take([0], axis=axis))
        tensor = np.concatenate((pad, np.cumsum(tensor, axis=axis, dtype=tensor.dtype)),
                                axis=axis)
    return tensor


def _corners(lo: np.ndarray, hi: np.ndarray):
    """Corners of the boxes ``[lo, hi)`` (rows) with their inclusion-exclusion signs."""
    m = lo.shape[1]
    for bits in range(2**m):
        take_hi = np.array([(bits >> k) & 1 for k in range(m)], dtype=bool)
        sign = 1 if (m - int(take_hi.sum())) % 2 == 0 else -1
        yield np.where(take_hi, hi, lo), sign


def _match_counts(vectors: np.ndarray, r: float) -> np.ndarray:
    """For each row, how many rows (itself included) lie within ``r`` (Chebyshev).

    Rows made only of recurring values (RR quantised by the recorder's clock) are put in a
    histogram over those values; the rows within ``r`` of any template, in each coordinate a
    contiguous run of the sorted values, are a box of it, summed from its prefix sums. The few
    other rows (corrected beats, rare values) are matched among themselves by a k-d tree and
    with the histogram's rows by the same boxes, added up through a difference tensor. With too
    many recurring values for the histogram, the k-d tree counts everything.
    """
    from scipy.spatial import cKDTree

    n, m = vectors.shape
    values, inverse, occurrences = np.unique(vectors, return_inverse=True, return_counts=True)
    levels = values[occurrences > m]
    if (levels.size == 0 or float(levels.size + 1) ** m > MAX_HISTOGRAM_CELLS
            or n >= 2**31):
        tree = cKDTree(vectors)
        return np.asarray(tree.query_ball_point(vectors, r, p=np.inf, return_length=True))
    on = (occurrences > m)[inverse.reshape(vectors.shape)].all(axis=1)
    k = levels.size
    codes = np.searchsorted(levels, vectors[on])
    shape = (k,) * m
    hist = np.bincount(np.ravel_multi_index(codes.T, shape), minlength=k**m).reshape(shape)
    hist = hist.astype(np.int32)  # counts stay below 2**31 (n is checked above)
    cumulative = _prefix_sums(hist)
    # Each row's box: the levels within r of its values, per coordinate.
    lo = np.searchsorted(levels, vectors - r, side="left")
    hi = np.searchsorted(levels, vectors + r, side="right")
    counts = np.zeros(n, dtype=np.int64)
    for corner, sign in _corners(lo, hi):
        counts += sign * cumulative[tuple(corner.T)]
    if not on.all():
        off = ~on
        # Histogram rows matched by the others: +1 over each other row's box.
        diff = np.zeros((k + 1,) * m, dtype=np.int32)
        flip = -1 if m % 2 else 1  # adding over a box: (-1)^(corners taken from hi)
        for corner, sign in _corners(lo[off], hi[off]):
            np.add.at(diff, tuple(corner.T), flip * sign)
        covered = _prefix_sums(diff[(slice(0, k),) * m])
        counts[on] += covered[tuple((codes + 1).T)]
        tree = cKDTree(vectors[off])
        counts[off] += np.asarray(tree.query_ball_point(vectors[off], r, p=np.inf,
                                                        return_length=True))
    return counts


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
        slope = (centred * k).sum(axis=1) / np.sum(k * k)
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
    with_entropies: bool = True,
) -> Nonlinear:
    """The nonlinear set of one series of RR intervals (ApEn and SampEn NaN without
    ``with_entropies``: their matching grows faster than the series)."""
    rr = np.asarray(rr_ms, dtype=float)
    sd1, sd2 = poincare(rr)
    r = r_sd * np.std(rr, ddof=1) if rr.size > 1 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = float(np.divide(sd2, sd1))
    wanted = with_entropies and np.isfinite(r) and r > 0
    apen, sampen = entropies(rr, m, r) if wanted else (np.nan, np.nan)
    return Nonlinear(
        sd1_ms=sd1,
        sd2_ms=sd2,
        sd2_sd1=ratio,
        apen=apen,
        sampen=sampen,
        dfa_alpha1=dfa_alpha(rr, *dfa_short),
        dfa_alpha2=dfa_alpha(rr, *dfa_long),
    )
