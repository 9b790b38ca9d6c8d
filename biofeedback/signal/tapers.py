"""Data tapers for spectra, in NumPy (``scipy.signal`` costs more to import than it serves)."""

from __future__ import annotations

import numpy as np


def hann_periodic(n: int) -> np.ndarray:
    """The periodic Hann window ``0.5 - 0.5 cos(2πk / n)``, ``k = 0 .. n-1`` (Harris FJ, *On the
    use of windows for harmonic analysis with the discrete Fourier transform*, Proc IEEE
    66(1):51-83, 1978), as ``scipy.signal.get_window("hann", n)`` returns it for spectra.

    Written as ``0.5 + 0.5 cos(φ)`` with ``φ`` from -π in steps of 2π/n, the same values to
    the last bit (recorded sessions replay exactly); a single point is 1, as there.
    """
    if n == 1:
        return np.ones(1)
    return 0.5 + 0.5 * np.cos(np.linspace(-np.pi, np.pi, n + 1)[:-1])
