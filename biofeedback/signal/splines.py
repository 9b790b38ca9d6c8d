"""Natural cubic splines in NumPy alone (issue 13: ``scipy.interpolate`` pulls in
``scipy.special``, and even ``scipy.linalg`` costs more to import than the analysis it
serves; the tridiagonal systems are solved by :mod:`.banded`).

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

from dataclasses import dataclass

import numpy as np

from .banded import solve_tridiagonal


def natural_second_derivatives(
    x: np.ndarray, y: np.ndarray, block_len: np.ndarray | None = None
) -> np.ndarray:
    """Second derivatives ``M`` at the knots of natural cubic splines.

    ``block_len``: lengths of consecutive blocks of knots, each its own spline (default: one
    block). The blocks are solved side by side as rows of one array, each padded alike, so
    a block gets the same bits whether solved alone or among others (the live analysis
    solves one window, an import thousands at once).
    """
    n = x.size
    lengths = np.array([n]) if block_len is None else np.asarray(block_len)
    starts = np.cumsum(lengths) - lengths
    width = int(lengths.max()) if lengths.size else 0
    # Row j, column b: knot starts[b] + j (columns: one whole system each step takes at
    # once); the padding beyond a block's knots is M = 0.
    inside = np.arange(width)[:, None] < lengths[None, :]
    knot = np.where(inside, starts[None, :] + np.arange(width)[:, None], 0)
    xs, ys = x[knot], y[knot]
    h = np.diff(xs, axis=0)
    if np.any(inside[1:] & ~(h > 0)):
        raise np.linalg.LinAlgError("singular spline system (repeated knots?)")
    interior = np.zeros_like(inside)
    interior[1:-1] = inside[2:]  # neither a block's first nor its last knot
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.diff(ys, axis=0) / h
        diagonal = np.ones(inside.shape)
        diagonal[1:-1] = np.where(interior[1:-1], 2.0 * (h[:-1] + h[1:]), 1.0)
        rhs = np.zeros(inside.shape)
        rhs[1:-1] = np.where(interior[1:-1], 6.0 * (slope[1:] - slope[:-1]), 0.0)
    above = np.where(interior[:-1], h, 0.0)  # A[i, i+1]
    below = np.where(interior[1:], h, 0.0)  # A[i+1, i]
    return solve_tridiagonal(below, diagonal, above, rhs).T[inside.T]


@dataclass(frozen=True)
class SplinePieces:
    """Splines given by knots and second derivatives (:func:`natural_second_derivatives`),
    evaluated piece by piece: the module docstring's formula, with the factors that do not
    depend on the point (``6h``, ``y_i / h - M_i h / 6``, ...) computed once per piece. A
    point outside its piece's interval gets the piece's cubic extended."""

    x0: np.ndarray
    x1: np.ndarray
    m0: np.ndarray
    m1: np.ndarray
    six_h: np.ndarray
    c0: np.ndarray  # y_i / h - M_i h / 6
    c1: np.ndarray  # y_{i+1} / h - M_{i+1} h / 6

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray, second: np.ndarray) -> SplinePieces:
        h = x[1:] - x[:-1]
        with np.errstate(invalid="ignore", divide="ignore"):  # across two blocks' seam
            return cls(x[:-1], x[1:], second[:-1], second[1:], 6.0 * h,
                       y[:-1] / h - second[:-1] * h / 6.0, y[1:] / h - second[1:] * h / 6.0)

    def at(self, piece: np.ndarray, s: np.ndarray) -> np.ndarray:
        """The spline at ``s``, each point on the cubic of ``piece`` (knots ``piece``,
        ``piece + 1``)."""
        a, b = self.x1[piece] - s, s - self.x0[piece]
        # a * a * a, not a**3: NumPy's power takes its slow general path for 3.
        cubic = self.m0[piece] * (a * a * a) + self.m1[piece] * (b * b * b)
        return cubic / self.six_h[piece] + self.c0[piece] * a + self.c1[piece] * b


class NaturalCubicSpline:
    """The natural cubic spline through ``(x, y)``; call it with points to evaluate.

    Stands in for ``scipy.interpolate.CubicSpline(x, y, bc_type="natural")`` for 1-D ``y``,
    with the same values to rounding (a few units in the last place): the first
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
        diagonal = np.empty(n)
        rhs = np.empty(n)
        diagonal[1:-1] = 2 * (dx[:-1] + dx[1:])
        rhs[1:-1] = 3 * (dx[1:] * slope[:-1] + dx[:-1] * slope[1:])
        diagonal[0], diagonal[-1] = 2 * dx[0], 2 * dx[-1]
        rhs[0], rhs[-1] = 3 * (y[1] - y[0]), 3 * (y[-1] - y[-2])
        # Row i: dx[i] d[i-1] + 2 (dx[i-1] + dx[i]) d[i] + dx[i-1] d[i+1]; the end rows
        # 2 dx[0] d[0] + dx[0] d[1] and dx[-1] d[-2] + 2 dx[-1] d[-1].
        above = np.concatenate((dx[:1], dx[:-1]))
        below = np.concatenate((dx[1:], dx[-1:]))
        d = solve_tridiagonal(below, diagonal, above, rhs)
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
