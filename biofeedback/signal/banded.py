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


def _inverse(blocks: np.ndarray, k: int) -> np.ndarray:
    """Inverses of stacks of scalars (``k`` 0) or 2×2 blocks (``(..., 2, 2)``), in closed
    form."""
    if k == 0:
        return 1.0 / blocks
    a, b = blocks[..., 0, 0], blocks[..., 0, 1]
    c, d = blocks[..., 1, 0], blocks[..., 1, 1]
    det = a * d - b * c
    return np.stack((np.stack((d, -b), -1), np.stack((-c, a), -1)), -2) / det[..., None, None]


def _cyclic_reduction(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray,
                      k: int) -> np.ndarray:
    """Solve ``a[i] x[i-1] + b[i] x[i] + c[i] x[i+1] = d[i]`` along the first axis, for
    scalars (``k`` 0: any further axes hold independent systems, whole rows of which each
    step takes at once) or 2×2 blocks (``k`` 2: ``(n, 2, 2)``, ``d`` ``(n, 2, 1)``).
    ``a[0]`` and ``c[-1]`` must be zero."""
    def mul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x @ y if k else x * y

    n = b.shape[0]
    # Identity equations up to 2^j - 1 rows, so that every halving leaves an odd count and
    # each odd row has two neighbours. Rows that touch no real one leave the real rows'
    # values exactly as they are: a system solved alone or in a batch of longer ones gives
    # the same bits.
    zero = np.zeros(((1 << n.bit_length()) - 1 - n,) + b.shape[1:])
    one = np.broadcast_to(np.eye(2), zero.shape) if k else zero + 1.0
    a, b, c = (np.concatenate(pair) for pair in ((a, zero), (b, one), (c, zero)))
    d = np.concatenate((d, zero[..., :1] if k else zero))
    levels = []
    while b.shape[0] > 1:  # log2(n) halvings, each over whole arrays
        b_even_inv = _inverse(b[0::2], k)
        left = mul(a[1::2], b_even_inv[:-1])  # a_i / b_{i-1}, i odd
        right = mul(c[1::2], b_even_inv[1:])  # c_i / b_{i+1}
        levels.append((a, c, d, b_even_inv))
        a, b, c, d = (-mul(left, a[0:-1:2]),
                      b[1::2] - mul(left, c[0:-1:2]) - mul(right, a[2::2]),
                      -mul(right, c[2::2]),
                      d[1::2] - mul(left, d[0:-1:2]) - mul(right, d[2::2]))
    x = mul(_inverse(b, k), d)
    for a, c, d, b_even_inv in reversed(levels):
        full = np.zeros((a.shape[0] + 2,) + x.shape[1:])  # x[-1] = x[n] = 0 around it
        full[2:-1:2] = x
        full[1::2] = mul(b_even_inv, d[0::2] - mul(a[0::2], full[0:-2:2])
                         - mul(c[0::2], full[2::2]))
        x = full[1:-1]
    return x[:n]


def solve_tridiagonal(
    lower: np.ndarray, diag: np.ndarray, upper: np.ndarray, rhs: np.ndarray
) -> np.ndarray:
    """Solve the tridiagonal system with sub-diagonal ``lower`` (``A[i+1, i]``, ``n - 1``
    rows), diagonal ``diag`` (``n``) and super-diagonal ``upper`` (``A[i, i+1]``, ``n - 1``)
    for ``rhs`` (``n``), along the first axis; further axes hold independent systems.
    Diagonally dominant matrices only."""
    diag = np.asarray(diag, dtype=float)
    a = np.zeros(diag.shape)
    c = np.zeros(diag.shape)
    a[1:] = lower
    c[:-1] = upper
    return _cyclic_reduction(a, diag, c, np.asarray(rhs, dtype=float), 0)


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
    d1[:np.size(off1)] = off1
    d2 = np.zeros(2 * m)
    d2[:np.size(off2)] = off2
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
    return _cyclic_reduction(a, b, c, y[..., None], 2).reshape(-1)[:n]
