"""The time resolution of an RR series: the clock its beats were counted on.

RR sources count beats on a clock (1/1024 s straps, 1 ms files, 1/128 s Holter annotations),
so their intervals lie on that clock's lattice, often rounded to whole ms. The artifact
detectors never let a threshold fall below what this resolution can show (issue 11).
"""

from __future__ import annotations

import numpy as np

#: Sampling clocks of RR sources: Holter annotations (100-360 Hz), ECG devices, straps.
CLOCKS_HZ = (100.0, 128.0, 200.0, 250.0, 256.0, 360.0, 500.0, 512.0, 1000.0, 1024.0)
#: RR values are often rounded to whole ms after being counted on their own clock.
ROUNDING_MS = 0.5
#: Share of the RR values that must lie on a clock's lattice for it to be the resolution.
LATTICE_SHARE = 0.9


def lattice_fits(rr_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(steps_ms, fits)``: candidate clock steps, and per RR whether it lies on each."""
    steps = 1000.0 / np.asarray(CLOCKS_HZ)
    ratio = rr_ms[:, None] / steps
    fits = np.abs(ratio - np.round(ratio)) * steps <= ROUNDING_MS + 1e-6
    return steps, fits


def resolution_ms(rr_ms: np.ndarray) -> float:
    """The time resolution of an RR series: the coarsest clock step (of ``CLOCKS_HZ``) on
    whose lattice ``LATTICE_SHARE`` of the intervals lie, allowing rounding to whole ms.

    1/1024 s straps and 1 ms files give about 1 ms, 1/128 s Holter annotations 7.8 ms. The
    1/1024 s step fits any series, so the answer is never below 0.98 ms.
    """
    rr = np.asarray(rr_ms, dtype=float)
    rr = rr[np.isfinite(rr)]
    # Each distinct interval judged once (recorded intervals repeat: they lie on a clock).
    values, counts = np.unique(rr, return_counts=True)
    steps, fits = lattice_fits(values)
    if rr.size == 0:
        return float(steps.min())
    share = (counts[:, None] * fits).sum(axis=0) / rr.size
    return float(steps[share >= LATTICE_SHARE].max())
