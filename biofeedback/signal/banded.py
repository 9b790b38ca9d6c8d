"""Banded linear systems in NumPy alone, by block cyclic reduction.

The splines and the smoothness-priors detrending each solve one banded system per call:
tridiagonal (cubic splines) or symmetric pentadiagonal (second-difference smoothing).
``scipy.linalg`` solves them with LAPACK, but importing it costs more than the analysis of
a day of beats (issue 13); these functions solve them with whole-array operations, in
``log2(n)`` halving steps rather than a loop over the unknowns.

Cyclic reduction (Hockney 1965; Buzbee, Golub & Nielson 1970) eliminates every odd unknown
of a block-tridiagonal system ``A_i x_{i-1} + B_i x_i + C_i x_{i+1} = d_i`` with its even
neighbours, which leaves a block-tridiagonal system of half the size in the odd unknowns;
once that is solved, each even unknown follows from its own equation. It is Gaussian
elimination in the odd-even order without pivoting, so it is backward stable for the
matrices solved here: diagonally dominant ones (the splines) and symmetric positive
definite ones (the smoothing), for which every reduced system stays so (Heller 1976,
*SIAM J. Numer. Anal.* 13:484; Golub & Van Loan, *Matrix Computations*, 4th ed., §4.5.4).
The results agree with LAPACK's ``dgtsv``/``dpbsv`` to rounding.
"""

from __future__ import annotations

import numpy as np


def _inverse(blocks: np.ndarray) -> np.ndarray:
    """Inverses of stacks of 1×1 or 2×2 blocks (``(..., k, k)``), in closed form."""
    if blocks.shape[-1] == 1:
        return 1.0 / blocks
    a, b = blocks[..., 0, 0], blocks[..., 0, 1]
    c, d = blocks[..., 1, 0], blocks[..., 1, 1]
    det = a * d - b * c
    return np.stack((np.stack((d, -b), -1), np.stack((-c, a), -1)), -2) / det[..., None, None]


def _mul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Products of stacks of blocks, ``x[i] @ y[i]`` (for 1×1 blocks ``matmul`` costs ten
    times the product itself)."""
    return x * y if x.shape[-1] == 1 else x @ y


def _padded(lower, diag, upper, rhs):
    """The systems extended by identity equations to ``2^j - 1`` rows, so that every
    halving leaves an odd count again and each odd row has two neighbours. Rows that do
    not touch the real ones leave their values exactly as they are: a system solved alone
    or in a batch of longer ones gives the same bits."""
    n, k = diag.shape[-3], diag.shape[-1]
    extra = (1 << n.bit_length()) - 1 - n
    zero = np.zeros(diag.shape[:-3] + (extra, k, k))
    identity = np.broadcast_to(np.eye(k), zero.shape)
    return (np.concatenate((lower, zero), -3), np.concatenate((diag, identity), -3),
            np.concatenate((upper, zero), -3), np.concatenate((rhs, zero[..., :1]), -3))


def solve_block_tridiagonal(
    lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray
) -> np.ndarray:
    """Solve ``lower[i] x[i-1] + diag[i] x[i] + upper[i] x[i+1] = rhs[i]`` for ``x``.

    ``lower``, ``diag``, ``upper``: ``(..., n, k, k)`` blocks with ``k`` 1 or 2 (``lower[0]``
    and ``upper[-1]`` are ignored); ``rhs``: ``(..., n, k)``; leading axes are independent
    systems. Returns ``x`` of the shape of ``rhs``. The matrices must be diagonally dominant
    or symmetric positive definite (module docstring).
    """
    lower = lower.copy()
    upper = upper.copy()
    lower[..., 0, :, :] = 0.0
    upper[..., -1, :, :] = 0.0
    n = diag.shape[-3]
    system = _padded(lower, diag, upper, rhs[..., None])
    levels = []
    while system[0].shape[-3] > 1:  # log2(n) halvings, each over whole arrays
        a, b, c, d = system
        odd, before, after = (np.s_[..., s, :, :] for s in (
            slice(1, None, 2), slice(0, -1, 2), slice(2, None, 2)))
        b_even_inv = _inverse(b[..., 0::2, :, :])
        left = _mul(a[odd], b_even_inv[..., :-1, :, :])  # A_i B_{i-1}^-1, i odd
        right = _mul(c[odd], b_even_inv[..., 1:, :, :])  # C_i B_{i+1}^-1
        levels.append((a, c, d, b_even_inv))
        system = (-_mul(left, a[before]),
                  b[odd] - _mul(left, c[before]) - _mul(right, a[after]),
                  -_mul(right, c[after]),
                  d[odd] - _mul(left, d[before]) - _mul(right, d[after]))
    x = _mul(_inverse(system[1]), system[3])
    for a, c, d, b_even_inv in reversed(levels):
        size = a.shape[-3]
        full = np.zeros(x.shape[:-3] + (size + 2,) + x.shape[-2:])  # x[-1] = x[n] = 0
        full[..., 2:-1:2, :, :] = x
        even = np.s_[..., 0::2, :, :]
        full[..., 1::2, :, :] = _mul(b_even_inv, d[even] - _mul(a[even], full[..., 0:-2:2, :, :])
                                     - _mul(c[even], full[..., 2::2, :, :]))
        x = full[..., 1:-1, :, :]
    return x[..., :n, :, 0]


def solve_tridiagonal(
    lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray
) -> np.ndarray:
    """Solve the tridiagonal systems with sub-diagonal ``lower`` (``A[i+1, i]``, ``(..., n -
    1)``), diagonal ``diag`` (``(..., n)``) and super-diagonal ``upper`` (``A[i, i+1]``,
    ``(..., n - 1)``) for ``rhs`` (``(..., n)``); leading axes are independent systems.
    Diagonally dominant matrices only."""
    diag = np.asarray(diag, dtype=float)
    a = np.zeros(diag.shape)
    c = np.zeros(diag.shape)
    a[..., 1:] = lower
    c[..., :-1] = upper
    x = solve_block_tridiagonal(a[..., None, None], diag[..., None, None], c[..., None, None],
                                np.asarray(rhs, dtype=float)[..., None])
    return x[..., 0]


def solve_symmetric_pentadiagonal(
    main: np.ndarray, off1: np.ndarray, off2: np.ndarray, rhs: np.ndarray
) -> np.ndarray:
    """Solve ``M x = rhs`` for the symmetric positive definite ``M`` with diagonal ``main``
    (``n``), first off-diagonal ``off1`` (``M[i, i+1]``, ``n - 1``) and second ``off2``
    (``M[i, i+2]``, ``n - 2``): as a block-tridiagonal system of 2×2 blocks."""
    n = main.size
    m = (n + 1) // 2
    # Entries of M padded to 2m rows, the extra one an identity equation.
    d0 = np.ones(2 * m)
    d0[:n] = main
    d1 = np.zeros(2 * m)
    d1[:n - 1] = off1 if n > 1 else 0.0
    d2 = np.zeros(2 * m)
    d2[:max(n - 2, 0)] = off2
    b = np.empty((m, 2, 2))
    b[:, 0, 0], b[:, 1, 1] = d0[0::2], d0[1::2]
    b[:, 0, 1] = b[:, 1, 0] = d1[0::2]
    c = np.zeros((m, 2, 2))  # rows 2i, 2i+1 against columns 2i+2, 2i+3
    c[:, 0, 0] = d2[0::2]
    c[:, 1, 0] = d1[1::2]
    c[:, 1, 1] = d2[1::2]
    a = np.zeros((m, 2, 2))
    a[1:] = np.swapaxes(c[:-1], 1, 2)
    y = np.zeros((m, 2))
    y.reshape(-1)[:n] = rhs
    return solve_block_tridiagonal(a, b, c, y).reshape(-1)[:n]
