"""Heart-rhythm coherence (McCraty & Zayas 2014), for one window and for every window at once.

McCraty R, Zayas MA, *Cardiac coherence, self-regulation, autonomic stability, and
psychosocial well-being*, Front Psychol 5:1090, 2014:

* the power spectrum of the last 64 s of RR, recomputed every 5 s;
* the highest peak in 0.04-0.26 Hz; its power is the power within ±0.015 Hz of it;
* total power over 0.0033-0.4 Hz; coherence ratio = peak / (total - peak).

As in HeartMath's implementation the window is resampled at 2 Hz (128 samples in 64 s). Here it
is resampled by a natural cubic spline through the clean beats of the window (plus the last one
before it), Hann-windowed and zero-padded to 512 points (0.0039 Hz bins) so that ±0.015 Hz
spans seven bins rather than one. Each window is resampled on its own, so a window's value does
not depend on beats outside it: the live analyzer and the offline batch agree exactly.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy import fft  # pocketfft, as scipy.fft is (same values; scipy.fft loads scipy.special)

from .splines import SplinePieces, natural_second_derivatives
from .tapers import hann_periodic

#: A window's knots may stop this far short of its ends (the spline extrapolates there).
MAX_EDGE_GAP_S = 2.0
#: Windows per batch: small enough to stay in cache, which matters more here than the count
#: of NumPy calls (measured: 512 windows took 0.29 s for a 24 h record, 20,000 took 0.5-0.9 s).
_CHUNK = 512


@dataclass(frozen=True)
class CoherenceParams:
    """Coherence settings; defaults after McCraty & Zayas 2014 (see module docstring)."""

    window_s: float = 64.0
    step_s: float = 5.0
    fs_hz: float = 2.0
    nfft: int = 512
    peak_band_hz: tuple[float, float] = (0.04, 0.26)
    peak_half_width_hz: float = 0.015
    total_band_hz: tuple[float, float] = (0.0033, 0.4)

    @property
    def n_samples(self) -> int:
        return int(round(self.window_s * self.fs_hz))

    def sample_offsets_s(self) -> np.ndarray:
        """Sample times relative to the window's end (the last sample is at the end)."""
        return (np.arange(self.n_samples) - (self.n_samples - 1)) / self.fs_hz


@dataclass(frozen=True)
class Coherence:
    """Coherence of one window, with the spectrum it was read from."""

    ratio: float
    peak_hz: float
    peak_ms2: float
    total_ms2: float
    f_hz: np.ndarray
    psd_ms2_hz: np.ndarray


@dataclass(frozen=True)
class WindowedCoherence:
    """Coherence of many windows; one value per window (NaN where a window lacks beats)."""

    t_end_s: np.ndarray
    ratio: np.ndarray
    peak_hz: np.ndarray
    peak_ms2: np.ndarray
    total_ms2: np.ndarray


def _clean_beats(
    t_s: np.ndarray, rr_ms: np.ndarray, clean: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The beats the splines go through: all, or those where ``clean`` is True."""
    t_s = np.asarray(t_s, dtype=float)
    rr_ms = np.asarray(rr_ms, dtype=float)
    if clean is None:
        return t_s, rr_ms
    keep = np.asarray(clean, bool)
    return t_s[keep], rr_ms[keep]


def _knot_range(
    t_clean: np.ndarray, t_end_s: np.ndarray, p: CoherenceParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clean-beat index range ``[lo, hi)`` feeding each window, and whether it covers it."""
    first = t_end_s - (p.n_samples - 1) / p.fs_hz
    lo = np.maximum(np.searchsorted(t_clean, first, side="right") - 1, 0)
    hi = np.searchsorted(t_clean, t_end_s, side="right")
    ok = hi - lo >= 4
    lo_c = np.minimum(lo, max(t_clean.size - 1, 0))
    hi_c = np.clip(hi - 1, 0, max(t_clean.size - 1, 0))
    if t_clean.size:
        ok &= (t_clean[lo_c] <= first + MAX_EDGE_GAP_S) & (
            t_clean[hi_c] >= t_end_s - MAX_EDGE_GAP_S
        )
    else:
        ok[:] = False
    return lo, hi, ok


def coherence_spectra(samples_ms: np.ndarray, p: CoherenceParams) -> tuple[np.ndarray, np.ndarray]:
    """One-sided PSDs (ms²/Hz) of windows of evenly sampled RR, shape ``(windows, samples)``."""
    w = hann_periodic(p.n_samples)
    x = samples_ms - samples_ms.mean(axis=-1, keepdims=True)
    spec = fft.rfft(x * w, n=p.nfft, axis=-1)
    psd = (spec.real**2 + spec.imag**2) * (2.0 / (p.fs_hz * np.sum(w**2)))
    psd[..., 0] /= 2.0
    if p.nfft % 2 == 0:
        psd[..., -1] /= 2.0
    return fft.rfftfreq(p.nfft, 1.0 / p.fs_hz), psd


def score_spectra(
    f_hz: np.ndarray, psd: np.ndarray, p: CoherenceParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coherence ``(ratio, peak_hz, peak_ms2, total_ms2)`` of each row of ``psd``.

    The peak is the highest *local maximum* inside the peak band; a spectrum that only rises
    towards the band's edge has no peak there and scores 0.
    """
    psd = np.atleast_2d(psd)
    df = f_hz[1] - f_hz[0]
    lo_b, hi_b = p.peak_band_hz
    # Only the bins of the peak band can hold the peak, and only the bins up to its reach
    # enter its power: each step looks at those columns alone.
    inner = np.flatnonzero((f_hz[1:-1] >= lo_b) & (f_hz[1:-1] <= hi_b)) + 1
    band = slice(inner[0], inner[-1] + 1) if inner.size else slice(1, 2)
    centre = psd[:, band]
    is_peak = (centre > psd[:, band.start - 1 : band.stop - 1]) & (
        centre >= psd[:, band.start + 1 : band.stop + 1]) & bool(inner.size)
    has_peak = is_peak.any(axis=1)
    idx = band.start + np.argmax(np.where(is_peak, centre, -np.inf), axis=1)
    peak_hz = f_hz[idx]

    eps = 1e-9 * df
    a = np.searchsorted(f_hz, peak_hz - p.peak_half_width_hz - eps, side="left")
    b = np.searchsorted(f_hz, peak_hz + p.peak_half_width_hz + eps, side="right")
    lo_t, hi_t = p.total_band_hz
    in_total = np.flatnonzero((f_hz >= lo_t) & (f_hz <= hi_t))
    # One running sum along each row gives both powers. Summed in order, it is the same for
    # one row and for many, so the live value (one window) equals the import's (thousands)
    # to the bit; NumPy's sum groups the terms differently for the two.
    reach = max(int(b.max()) if b.size else 0, int(in_total[-1]) + 1)
    cum = np.concatenate((np.zeros((psd.shape[0], 1)), np.cumsum(psd[:, :reach], axis=1)),
                         axis=1)
    rows = np.arange(psd.shape[0])
    peak = (cum[rows, b] - cum[rows, a]) * df
    total = (cum[:, in_total[-1] + 1] - cum[:, in_total[0]]) * df
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(has_peak, peak / (total - peak), 0.0)
    return ratio, np.where(has_peak, peak_hz, np.nan), np.where(has_peak, peak, 0.0), total


def coherence(
    t_s: np.ndarray,
    rr_ms: np.ndarray,
    t_end_s: float | None = None,
    clean: np.ndarray | None = None,
    params: CoherenceParams | None = None,
) -> Coherence:
    """Coherence of the window ending at ``t_end_s`` (default: the last beat)."""
    p = params or CoherenceParams()
    t_s, rr_ms = _clean_beats(t_s, rr_ms, clean)
    end = float(t_s[-1]) if t_end_s is None else float(t_end_s)
    lo, hi, ok = _knot_range(t_s, np.array([end]), p)
    f_hz = fft.rfftfreq(p.nfft, 1.0 / p.fs_hz)
    if not ok[0]:
        return Coherence(np.nan, np.nan, np.nan, np.nan, f_hz, np.full(f_hz.shape, np.nan))
    # The batched path with one window: the live value equals the import's to the bit.
    samples = _resample_windows(t_s, rr_ms, np.array([end]), lo, hi, p)
    f_hz, psd = coherence_spectra(samples, p)
    ratio, peak_hz, peak, total = score_spectra(f_hz, psd, p)
    return Coherence(float(ratio[0]), float(peak_hz[0]), float(peak[0]), float(total[0]),
                     f_hz, psd[0])


def _sample_pieces(
    x: np.ndarray, t_end_s: np.ndarray, offsets: np.ndarray, m: np.ndarray, p: CoherenceParams
) -> np.ndarray:
    """For each sample ``k`` of window ``w`` (at ``t_end_s[w] + p.sample_offsets_s()[k]``;
    the window's knots ``x[offsets[w]:][:m[w]]``), the index in ``x`` of the spline piece it
    lies on: the last knot at or before it, the first
    piece before the first knot and the last piece after the last (as ``searchsorted`` of
    every sample among all beats, clipped to the window's pieces, gave).

    Counted from the knots' side, which needs no search: the samples are evenly spaced, so
    the first sample at or after knot ``x`` is found by arithmetic (then checked against the
    samples themselves, so a knot on a sample counts exactly as a comparison would), and a
    running count of the knots passed gives each sample's piece.
    """
    n = p.n_samples
    offsets_s = p.sample_offsets_s()
    window = np.repeat(np.arange(m.size), m - 1)  # each knot after a window's first
    later = np.ones(x.size, bool)
    later[offsets] = False
    x_inner = x[later]
    end = t_end_s[window]
    estimate = np.ceil((x_inner - end) * p.fs_hz + (n - 1))
    first = np.clip(estimate, 0, n).astype(np.intp)
    # The samples beside the estimate, computed as s is (end + offset): exact comparisons.
    before = np.maximum(first - 1, 0)
    first -= (first > 0) & (end + offsets_s[before] >= x_inner)
    first += (first < n) & (end + offsets_s[np.minimum(first, n - 1)] < x_inner)
    passed = np.bincount(window * (n + 1) + first, minlength=m.size * (n + 1))
    count = np.cumsum(passed.reshape(m.size, n + 1), axis=1)[:, :n]
    return offsets[:, None] + np.minimum(count, (m - 2)[:, None])


def _resample_windows(
    t_clean: np.ndarray,
    rr_clean: np.ndarray,
    t_end_s: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    p: CoherenceParams,
) -> np.ndarray:
    """Samples ``(windows, n_samples)`` of each window's own natural spline."""
    m = hi - lo
    offsets = np.cumsum(m) - m
    knot = np.arange(m.sum()) - np.repeat(offsets - lo, m)
    x, y = t_clean[knot], rr_clean[knot]
    second = natural_second_derivatives(x, y, m)
    s = t_end_s[:, None] + p.sample_offsets_s()[None, :]
    return SplinePieces.of(x, y, second).at(_sample_pieces(x, t_end_s, offsets, m, p), s)


def windowed_coherence(
    t_s: np.ndarray,
    rr_ms: np.ndarray,
    t_end_s: np.ndarray,
    clean: np.ndarray | None = None,
    params: CoherenceParams | None = None,
) -> WindowedCoherence:
    """:func:`coherence` of every window ending at ``t_end_s``: batched splines and FFTs."""
    p = params or CoherenceParams()
    t_s, rr_ms = _clean_beats(t_s, rr_ms, clean)
    t_end_s = np.asarray(t_end_s, dtype=float)
    out = np.full((4, t_end_s.size), np.nan)
    lo, hi, ok = _knot_range(t_s, t_end_s, p)
    valid = np.flatnonzero(ok)

    def run_chunk(start: int) -> None:
        sel = valid[start : start + _CHUNK]
        samples = _resample_windows(t_s, rr_ms, t_end_s[sel], lo[sel], hi[sel], p)
        f_hz, psd = coherence_spectra(samples, p)
        out[:, sel] = score_spectra(f_hz, psd, p)

    # NumPy, LAPACK and the FFT release the GIL, so chunks run in parallel on threads.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(run_chunk, range(0, valid.size, _CHUNK)))
    return WindowedCoherence(t_end_s, *out)
