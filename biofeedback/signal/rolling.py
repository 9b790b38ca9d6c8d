"""Rank statistics over sliding windows of a series, in NumPy.

They give the values of ``scipy.ndimage.median_filter`` / ``percentile_filter`` on 1-D data
with ``mode="nearest"`` (the end values repeated) and the same ``origin``, without importing
``scipy.ndimage`` (issue 13). ndimage's percentile ``p`` of ``size`` values is the value of
rank ``int(size * p / 100)`` (0-based) in the sorted window, its median the rank ``size // 2``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: Windows partitioned at a time: np.partition copies its input, and a day of beats times
#: 91 values (100 MB) would leave the cache; blocks of this many stay in it.
_BLOCK = 2048


def rolling_rank(x: np.ndarray, size: int, rank: int, origin: int = 0) -> np.ndarray:
    """Per element, the value of 0-based ``rank`` among the ``size`` values of its window.

    The window of element ``i`` starts at ``i - size // 2 - origin`` (ndimage's convention:
    a positive ``origin`` moves the window towards earlier elements); beyond the ends the end
    values are repeated.
    """
    x = np.asarray(x, dtype=float)
    if not -(size // 2) <= origin <= (size - 1) // 2:
        raise ValueError(f"origin {origin} outside the window of {size}")
    if x.size == 0:
        return x.copy()
    before = size // 2 + origin
    # Order statistics commute with any increasing map: the windows are partitioned as the
    # values' ranks among the distinct values, 32-bit integers that NumPy partitions twice as
    # fast as floats.
    distinct, ranks = np.unique(x, return_inverse=True)
    ranks = ranks.astype(np.int32)
    padded = np.pad(ranks, (before, size - 1 - before), mode="edge")
    windows = sliding_window_view(padded, size)
    out = np.empty(x.size, ranks.dtype)
    for start in range(0, x.size, _BLOCK):  # blocks of windows, not single beats
        block = np.partition(windows[start:start + _BLOCK], rank, axis=1)
        out[start:start + _BLOCK] = block[:, rank]
    return distinct[out]


def rolling_median(x: np.ndarray, size: int, origin: int = 0) -> np.ndarray:
    """The median of each element's window (see :func:`rolling_rank`); for an even ``size``
    the upper of the two middle values, as in ndimage."""
    return rolling_rank(x, size, size // 2, origin)


def rolling_percentile(x: np.ndarray, percentile: float, size: int, origin: int = 0) -> np.ndarray:
    """The ``percentile`` (0-100) of each element's window, by ndimage's rank rule."""
    return rolling_rank(x, size, int(float(size) * percentile / 100.0), origin)
