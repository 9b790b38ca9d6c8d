"""Natural cubic splines on ``scipy.linalg`` alone (issue 13: ``scipy.interpolate`` pulls in
``scipy.special`` and costs more than the analysis it serves).

The spline through knots ``(x_i, y_i)`` is, on ``[x_i, x_{i+1}]`` with ``h = x_{i+1} - x_i``,
``a = x_{i+1} - x``, ``b = x - x_i`` and second derivatives ``M_i``::

    S(x) = (M_i a³ + M_{i+1} b³) / (6h) + (y_i / h - M_i h / 6) a + (y_{i+1} / h - M_{i+1} h / 6) b

and continuity of the first derivative gives the tridiagonal system
``h_{i-1} M_{i-1} + 2 (h_{i-1} + h_i) M_i + h_i M_{i+1} = 6 (s_i - s_{i-1})`` (``s`` the
slopes), with ``M = 0`` at the ends for the *natural* spline (de Boor, *A Practical Guide to
Splines*, 1978, ch. IV; Press et al., *Numerical Recipes*, 3rd ed., §3.3). Outside the knots
the end pieces' cubics are extended, as ``scipy.interpolate.CubicSpline`` does; with two knots
the spline is the straight line through them.
"""

from __future__ import annotations

import numpy as np

from .lazy_scipy import linalg


def natural_second_derivatives(
    x: np.ndarray, y: np.ndarray, block_len: np.ndarray | None = None
) -> np.ndarray:
    """Second derivatives ``M`` at the knots of natural cubic splines.

    ``block_len``: lengths of consecutive blocks of knots, each its own spline (default: one
    block). The natural end conditions (``M = 0`` at each block's first and last knot)
    decouple neighbouring blocks, so one banded solve serves them all.
    """
    n = x.size
    lengths = np.array([n]) if block_len is None else np.asarray(block_len)
    starts = np.cumsum(lengths) - lengths
    edge = np.zeros(n, bool)
    edge[starts] = True
    edge[starts + lengths - 1] = True
    h = np.diff(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.diff(y) / h
    inner = np.flatnonzero(~edge)
    banded = np.zeros((3, n))
    banded[1] = 1.0
    rhs = np.zeros(n)
    banded[1, inner] = 2.0 * (h[inner - 1] + h[inner])
    banded[0, inner + 1] = h[inner]  # A[i, i+1]
    banded[2, inner - 1] = h[inner - 1]  # A[i, i-1]
    rhs[inner] = 6.0 * (slope[inner] - slope[inner - 1])
    return linalg.solve_banded((1, 1), banded, rhs, check_finite=False)


def evaluate_pieces(
    x: np.ndarray, y: np.ndarray, second: np.ndarray, piece: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """The spline at ``s``, each point on the cubic of ``piece`` (knots ``piece``, ``piece + 1``);
    a point outside that piece's interval gets the piece's cubic extended."""
    x0, x1 = x[piece], x[piece + 1]
    h = x1 - x0
    a, b = x1 - s, s - x0
    m0, m1 = second[piece], second[piece + 1]
    return (m0 * a**3 + m1 * b**3) / (6.0 * h) + (y[piece] / h - m0 * h / 6.0) * a + (
        y[piece + 1] / h - m1 * h / 6.0
    ) * b


class NaturalCubicSpline:
    """The natural cubic spline through ``(x, y)``; call it with points to evaluate.

    Stands in for ``scipy.interpolate.CubicSpline(x, y, bc_type="natural")`` for 1-D ``y``,
    with the same values to the last bit (a recorded session replays exactly): the first
    derivatives ``d`` at the knots solve de Boor's tridiagonal system (ch. IV, eq. (8);
    natural ends ``2 d_0 + d_1 = 3 s_0`` and ``d_{n-2} + 2 d_{n-1} = 3 s_{n-2}``), and each
    piece is the Hermite cubic ``y_i + d_i u + c_1 u² + c_0 u³`` in ``u = x - x_i``. Beyond
    the knots the end pieces are extended.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if self.x.ndim != 1 or self.x.shape != y.shape:
            raise ValueError("x and y must be 1-D arrays of the same length")
        if self.x.size < 2:
            raise ValueError("a spline needs at least 2 knots")
        dx = np.diff(self.x)
        if not np.all(dx > 0):
            raise ValueError("x must be strictly increasing")
        slope = np.diff(y) / dx
        n = self.x.size
        banded = np.zeros((3, n))
        rhs = np.empty(n)
        banded[1, 1:-1] = 2 * (dx[:-1] + dx[1:])
        banded[0, 2:] = dx[:-1]
        banded[2, :-2] = dx[1:]
        rhs[1:-1] = 3 * (dx[1:] * slope[:-1] + dx[:-1] * slope[1:])
        banded[1, 0], banded[0, 1] = 2 * dx[0], dx[0]
        banded[1, -1], banded[2, -2] = 2 * dx[-1], dx[-1]
        rhs[0], rhs[-1] = 3 * (y[1] - y[0]), 3 * (y[-1] - y[-2])
        d = linalg.solve_banded((1, 1), banded, rhs[:, None], check_finite=False)[:, 0]
        t = (d[:-1] + d[1:] - 2 * slope) / dx
        # Power-series coefficients of each piece, highest first.
        self.coefficients = np.stack((t / dx, (slope - d[:-1]) / dx - t, d[:-1], y[:-1]))

    def __call__(self, x_new: np.ndarray | float) -> np.ndarray:
        s = np.asarray(x_new, dtype=float)
        piece = np.clip(np.searchsorted(self.x, s, side="right") - 1, 0, self.x.size - 2)
        u = s - self.x[piece]
        c = self.coefficients[:, piece]
        # Summed in rising powers, as SciPy's PPoly does, so that the last bit agrees too.
        power = u
        value = 0.0 + c[3]
        value = value + c[2] * power
        power = power * u
        value = value + c[1] * power
        power = power * u
        return value + c[0] * power
