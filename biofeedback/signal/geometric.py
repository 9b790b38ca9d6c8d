"""Geometric HRV: the RR triangular index and TINN (Task Force 1996).

Both work on the histogram of RR intervals with bins of 1/128 s (7.8125 ms), the sampling
interval the Task Force recommends, on a fixed grid of whole multiples of 1/128 s (bin edges at
``k / 128`` s). The grid matters: RR files rounded to whole ms from 128 Hz annotations put one
or two quantisation levels in a bin depending on where the edges fall; edges at multiples of
1/128 s reproduce Kubios 3.1's triangular index exactly on NSRDB hours 1-5.

* RR triangular index: number of intervals / height of the histogram's highest bin.
* TINN: base ``M - N`` (ms) of the triangle ``q`` that is 0 outside ``[N, M]``, peaks at the
  histogram's mode ``X`` with the mode's height, and minimises ``∑ (D(t) - q(t))²`` over all
  ``N <= X <= M`` bin edges. The left and right errors are independent, so every candidate
  ``N`` and every ``M`` is scored in one broadcast each.
"""

from __future__ import annotations

import numpy as np

#: Histogram bin width, ms (1/128 s).
BIN_MS = 1000.0 / 128.0


def rr_histogram(rr_ms: np.ndarray, bin_ms: float = BIN_MS) -> tuple[np.ndarray, np.ndarray]:
    """Counts and bin edges (ms) of ``rr_ms`` on the grid of whole multiples of ``bin_ms``."""
    rr = np.asarray(rr_ms, dtype=float)
    edges = bin_ms * np.arange(np.floor(rr.min() / bin_ms), np.floor(rr.max() / bin_ms) + 2)
    counts, _ = np.histogram(rr, edges)
    return counts, edges


def triangular_index(rr_ms: np.ndarray, bin_ms: float = BIN_MS) -> float:
    """RR triangular index: ``N / max(histogram)`` (NaN for fewer than 2 beats)."""
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size < 2:
        return np.nan
    counts, _ = rr_histogram(rr, bin_ms)
    return float(rr.size / counts.max())


def _side_errors(d: np.ndarray, peak: float, x: int, candidates: np.ndarray) -> np.ndarray:
    """Squared error of the histogram ``d`` against a line from 0 at each candidate bin to
    ``peak`` at bin ``x`` (the side beyond the candidate counted against zero)."""
    idx = np.arange(d.size)
    span = (x - candidates)[:, None].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(span != 0, (idx[None, :] - candidates[:, None]) / span, 1.0)
    inside = (frac >= 0) & (frac <= 1)
    q = np.where(inside, peak * frac, 0.0)
    return ((d[None, :] - q) ** 2).sum(axis=1)


def tinn(rr_ms: np.ndarray, bin_ms: float = BIN_MS) -> float:
    """TINN (ms): base of the least-squares triangle fitted to the RR histogram."""
    rr = np.asarray(rr_ms, dtype=float)
    if rr.size < 3:
        return np.nan
    counts, edges = rr_histogram(rr, bin_ms)
    d = counts.astype(float)
    x = int(np.argmax(d))
    peak = d[x]
    left = np.arange(0, x + 1)
    right = np.arange(x, d.size)
    # Each side scored over its own half of the histogram only.
    err_left = _side_errors(d[: x + 1], peak, x, left)
    err_right = _side_errors(d[x:][::-1], peak, d.size - 1 - x, (d.size - 1 - right))
    n_best = left[np.argmin(err_left)]
    m_best = right[np.argmin(err_right)]
    # Triangle corners at the bins' outer edges.
    return float(edges[m_best + 1] - edges[n_best])
