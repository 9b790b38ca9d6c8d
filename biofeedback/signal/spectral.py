"""Frequency-domain HRV: resampling, Welch and Lomb-Scargle spectra, band powers.

Defaults follow the settings clinicians know from Kubios HRV (Tarvainen et al., *Kubios HRV -
heart rate variability analysis software*, Comput Methods Programs Biomed 113:210-220, 2014)
and the Task Force (1996) bands:

* RR resampled by a cubic spline at 4 Hz, the mean of the *whole* series removed (not the
  mean of each Welch segment: a segment's offset from the recording's mean is slow variation
  and belongs to VLF, as in Kubios);
* Welch periodogram, 300 s Hann segments, 50 % overlap (the whole series when shorter), on a
  grid of 300 points per Hz;
* VLF 0-0.04 Hz, LF 0.04-0.15 Hz, HF 0.15-0.4 Hz; powers in ms², integrated by the trapezoid
  rule over ``lo <= f <= hi`` (Kubios's integration: it reproduces Kubios 3.1's band powers on
  NSRDB hours 1-5 within 0.25 %, tests/signal/test_kubios_parity.py), total power = VLF + LF + HF;
* an autoregressive spectrum (:func:`ar_psd`): Burg's method, order 16, over the whole
  resampled series (Kubios's AR spectrum);
* optional smoothness-priors detrending (Tarvainen, Ranta-aho & Karjalainen, *An advanced
  detrending method with application to HRV analysis*, IEEE TBME 49:172-175, 2002), λ = 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# numpy.fft is pocketfft, as scipy.fft is (the same values), without scipy.fft's import of
# scipy.special.
from numpy import fft
from numpy.lib.stride_tricks import sliding_window_view

from .banded import solve_symmetric_pentadiagonal
from .lazy_scipy import signal as sps
from .splines import NaturalCubicSpline
from .tapers import hann_periodic

#: Task Force (1996) frequency bands, Hz.
BANDS_HZ: dict[str, tuple[float, float]] = {
    "vlf": (0.0, 0.04),
    "lf": (0.04, 0.15),
    "hf": (0.15, 0.4),
}


@dataclass(frozen=True)
class SpectralParams:
    """How the spectrum is estimated. Defaults: Kubios-style (see module docstring)."""

    method: str = "welch"  # "welch" or "lomb"
    fs_hz: float = 4.0  # resampling rate for Welch
    segment_s: float = 300.0  # Welch segment length
    overlap: float = 0.5  # Welch segment overlap, fraction
    detrend: str = "none"  # "none" or "smoothness_priors"
    smoothness_lambda: float = 500.0
    points_per_hz: float = 300.0  # frequency grid of the Welch and AR spectra
    ar_order: int = 16
    bands_hz: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(BANDS_HZ))


@dataclass(frozen=True)
class FrequencyDomain:
    """Band powers (ms²), their ratios and peaks, and the spectrum they came from."""

    vlf_ms2: float
    lf_ms2: float
    hf_ms2: float
    total_ms2: float
    lf_hf: float
    lf_nu: float
    hf_nu: float
    lf_peak_hz: float
    hf_peak_hz: float
    f_hz: np.ndarray
    psd_ms2_hz: np.ndarray


def resample_rr(
    t_s: np.ndarray, rr_ms: np.ndarray, fs_hz: float = 4.0
) -> tuple[np.ndarray, np.ndarray]:
    """RR on an even grid of ``fs_hz`` from the first to the last beat, by natural cubic spline.

    Returns ``(t_grid_s, rr_grid_ms)``.
    """
    t_s = np.asarray(t_s, dtype=float)
    spline = NaturalCubicSpline(t_s, rr_ms)
    t_grid = t_s[0] + np.arange(int(np.floor((t_s[-1] - t_s[0]) * fs_hz)) + 1) / fs_hz
    return t_grid, spline(t_grid)


def smoothness_priors_detrend(x: np.ndarray, lam: float = 500.0) -> np.ndarray:
    """Remove the slow trend of ``x`` by smoothness priors (Tarvainen et al. 2002).

    The trend ``z`` solves ``(I + lam² D2ᵀ D2) z = x`` with ``D2`` the second-difference
    operator; the banded, symmetric positive-definite system is solved in O(N). At 4 Hz,
    λ = 500 is a high-pass with its -6 dB point near 0.04 Hz.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 3:
        return x - x.mean()
    # Diagonals of D2ᵀ D2 (rows of D2 are [1, -2, 1]).
    main = np.full(n, 6.0)
    main[[0, -1]] = 1.0
    main[[1, -2]] = 5.0
    off1 = np.full(n - 1, -4.0)
    off1[[0, -1]] = -2.0
    off2 = np.ones(n - 2)
    lam2 = lam * lam
    trend = solve_symmetric_pentadiagonal(1.0 + lam2 * main, lam2 * off1, lam2 * off2, x)
    return x - trend


def welch_psd(
    x: np.ndarray, fs_hz: float, segment_s: float = 300.0, overlap: float = 0.5,
    points_per_hz: float = 300.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Welch PSD of an evenly sampled series (units²/Hz), Hann segments.

    The mean of the whole series is removed, not each segment's (Kubios; segment means are
    VLF power). A series shorter than one segment is analysed as a single segment, zero-padded
    to ``points_per_hz`` frequencies per Hz.

    Welch PD, *The use of the fast Fourier transform for the estimation of power spectra*,
    IEEE Trans Audio Electroacoust 15:70-73, 1967: the mean of the segments' periodograms,
    each ``|FFT(w x)|² / (fs Σw²)``, doubled but at DC and Nyquist. Written in NumPy with
    ``scipy.signal.welch``'s operations in its order (the window scaled by ``1/√(Σw²·fs)``
    before the FFT, the segments averaged per frequency), so the values agree with it to the
    last bit (tests/signal/test_spectral_numpy.py) without importing ``scipy.signal``.
    """
    x = np.asarray(x, dtype=float)
    x = x - x.mean()
    nperseg = min(int(round(segment_s * fs_hz)), x.size)
    noverlap = int(round(nperseg * overlap))
    nfft = max(nperseg, int(round(points_per_hz * fs_hz)))
    hop = nperseg - noverlap
    window = hann_periodic(nperseg)
    # Σw² summed in order (as Python's sum over the array), then scaled as a PSD window.
    window = window * (1 / np.sqrt(np.cumsum(window**2)[-1] / (1 / fs_hz)))
    n_segments = (x.size - noverlap) // hop
    segments = sliding_window_view(x, nperseg)[: n_segments * hop : hop]
    spec = fft.rfft(segments * window, n=nfft, axis=-1)
    # Frequencies first, segments last, as SciPy averages them (pairwise sums along a row).
    power = np.ascontiguousarray((spec.real**2 + spec.imag**2).T)
    power[1 : -1 if nfft % 2 == 0 else None] *= 2
    psd = power.mean(axis=-1) if n_segments > 1 else power[:, 0]
    return fft.rfftfreq(nfft, 1 / fs_hz), psd


def burg_ar(x: np.ndarray, order: int) -> tuple[np.ndarray, float]:
    """Autoregressive model of ``x`` by Burg's method: ``(a, noise_variance)``, ``a[0] = 1``.

    Burg JP, *Maximum entropy spectral analysis*, 1967; the recursion as in Kay & Marple,
    Proc IEEE 69:1380-1419, 1981. The loop runs over the model order, each step vectorised.
    """
    x = np.asarray(x, dtype=float)
    fwd = x[1:].copy()
    bwd = x[:-1].copy()
    a = np.array([1.0])
    var = float(np.sum(x * x) / x.size)
    # Element-wise sums rather than np.dot: BLAS threads gain nothing on vectors this short and
    # stall on a busy machine.
    for _ in range(order):
        k = -2.0 * np.sum(fwd * bwd) / (np.sum(fwd * fwd) + np.sum(bwd * bwd))
        a = np.concatenate((a, [0.0]))
        a = a + k * a[::-1]
        var *= 1.0 - k * k
        fwd, bwd = (fwd + k * bwd)[1:], (bwd + k * fwd)[:-1]
    return a, var


def ar_psd(
    x: np.ndarray, fs_hz: float, order: int = 16, points_per_hz: float = 300.0
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided AR spectrum (units²/Hz) of an evenly sampled series, mean removed, from 0 to
    ``fs/2`` at ``points_per_hz``: ``2 σ² / (fs |A(f)|²)``, the DC value not doubled (as a
    one-sided periodogram; Kubios's AR spectrum has the same convention)."""
    x = np.asarray(x, dtype=float)
    a, var = burg_ar(x - x.mean(), order)
    f_hz = np.arange(int(np.floor(fs_hz / 2 * points_per_hz)) + 1) / points_per_hz
    h = _inverse_response(a, f_hz, fs_hz)
    psd = 2.0 * var / fs_hz * np.abs(h) ** 2
    psd[0] /= 2.0
    return f_hz, psd


def _inverse_response(a: np.ndarray, f_hz: np.ndarray, fs_hz: float) -> np.ndarray:
    """Frequency response ``1 / A(e^{jω})`` of the all-pole filter with denominator ``a``
    at ``f_hz``: ``A`` by Horner's rule in ``z⁻¹ = e^{-jω}``, ``ω = 2π f / fs``, the
    operations of ``scipy.signal.freqz(1, a, worN=f_hz, fs=fs_hz)`` in its order (the same
    values to the last bit) without importing ``scipy.signal``. The loop runs over the model
    order."""
    w = 2 * np.pi * np.asarray(f_hz, dtype=float) / float(fs_hz)
    z_inv = np.exp(-1j * w)
    a = np.asarray(a, dtype=float)
    denominator = np.broadcast_to(a[-1].astype(complex), z_inv.shape)
    for coefficient in a[-2::-1]:
        denominator = coefficient + denominator * z_inv
    return np.ones(z_inv.shape, dtype=complex) / denominator


def lomb_scargle_psd(
    t_s: np.ndarray, rr_ms: np.ndarray, f_hz: np.ndarray
) -> np.ndarray:
    """One-sided Lomb-Scargle PSD (ms²/Hz) of unevenly sampled RR, at frequencies ``f_hz`` > 0.

    Scaled so that, like a periodogram, a sinusoid of amplitude A integrates to A²/2.
    """
    t_s = np.asarray(t_s, dtype=float)
    x = np.asarray(rr_ms, dtype=float)
    x = x - x.mean()
    power = sps.lombscargle(t_s, x, 2.0 * np.pi * np.asarray(f_hz, dtype=float))
    # lombscargle gives A²N/4 at a sinusoid's peak; a periodogram gives A²T/2 = A²N/(2 fs).
    fs_mean = (x.size - 1) / (t_s[-1] - t_s[0])
    return 2.0 * power / fs_mean


def band_power(f_hz: np.ndarray, psd: np.ndarray, lo_hz: float, hi_hz: float) -> float:
    """Power in ``lo <= f <= hi`` by the trapezoid rule (Kubios's integration)."""
    eps = 1e-9 * (f_hz[1] - f_hz[0])
    mask = (f_hz >= lo_hz - eps) & (f_hz <= hi_hz + eps)
    if mask.sum() < 2:
        return 0.0
    return float(np.trapezoid(psd[mask], f_hz[mask]))


def band_peak(f_hz: np.ndarray, psd: np.ndarray, lo_hz: float, hi_hz: float) -> float:
    """Frequency of the largest PSD value in ``lo <= f < hi`` (NaN for an empty band)."""
    mask = (f_hz >= lo_hz) & (f_hz < hi_hz)
    if not mask.any():
        return np.nan
    return float(f_hz[mask][np.argmax(psd[mask])])


def spectrum(
    t_s: np.ndarray, rr_ms: np.ndarray, params: SpectralParams | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """PSD (ms²/Hz) of an RR series at beat times ``t_s``, as ``params`` say."""
    p = params or SpectralParams()
    if p.method == "lomb":
        # Resolution 1/duration up to 0.5 Hz: the cost is O(beats x frequencies).
        duration = t_s[-1] - t_s[0]
        f_hz = np.arange(1, int(0.5 * duration) + 1) / duration
        rr = np.asarray(rr_ms, dtype=float)
        if p.detrend == "smoothness_priors":
            rr = smoothness_priors_detrend(rr, p.smoothness_lambda)
        return f_hz, lomb_scargle_psd(t_s, rr, f_hz)
    if p.method != "welch":
        raise ValueError(f"unknown spectral method {p.method!r} (use 'welch' or 'lomb')")
    _, x = resample_rr(t_s, rr_ms, p.fs_hz)
    if p.detrend == "smoothness_priors":
        x = smoothness_priors_detrend(x, p.smoothness_lambda)
    elif p.detrend != "none":
        raise ValueError(f"unknown detrending {p.detrend!r} (use 'none' or 'smoothness_priors')")
    return welch_psd(x, p.fs_hz, p.segment_s, p.overlap, p.points_per_hz)


def frequency_domain(
    t_s: np.ndarray, rr_ms: np.ndarray, params: SpectralParams | None = None
) -> FrequencyDomain:
    """Band powers, LF/HF, normalised units and peak frequencies of an RR series."""
    p = params or SpectralParams()
    f_hz, psd = spectrum(t_s, rr_ms, p)
    powers = {name: band_power(f_hz, psd, lo, hi) for name, (lo, hi) in p.bands_hz.items()}
    vlf, lf, hf = powers["vlf"], powers["lf"], powers["hf"]
    with np.errstate(invalid="ignore", divide="ignore"):
        lf_hf = float(np.divide(lf, hf))
        lf_nu = float(np.divide(100.0 * lf, lf + hf))
    return FrequencyDomain(
        vlf_ms2=vlf,
        lf_ms2=lf,
        hf_ms2=hf,
        total_ms2=vlf + lf + hf,
        lf_hf=lf_hf,
        lf_nu=lf_nu,
        hf_nu=100.0 - lf_nu,
        lf_peak_hz=band_peak(f_hz, psd, *p.bands_hz["lf"]),
        hf_peak_hz=band_peak(f_hz, psd, *p.bands_hz["hf"]),
        f_hz=f_hz,
        psd_ms2_hz=psd,
    )


def band_metrics(
    f_hz: np.ndarray, psd: np.ndarray, bands_hz: dict[str, tuple[float, float]] | None = None,
    prefix: str = "",
) -> dict[str, float]:
    """Kubios's frequency-domain set from one spectrum, keys prefixed by ``prefix``:
    ``vlf_ms2, lf_ms2, hf_ms2, total_power_ms2`` (VLF + LF + HF), ``*_log`` (natural log of the
    power), ``*_pct`` (% of total), ``lf_nu, hf_nu`` (% of LF + HF), ``lf_hf`` and the peak
    frequencies ``*_peak_hz`` (Task Force 1996; Tarvainen et al. 2014)."""
    bands = bands_hz or BANDS_HZ
    power = {name: band_power(f_hz, psd, lo, hi) for name, (lo, hi) in bands.items()}
    total = sum(power.values())
    out: dict[str, float] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, value in power.items():
            out[f"{prefix}{name}_ms2"] = value
        out[f"{prefix}total_power_ms2"] = total
        for name, value in power.items():
            out[f"{prefix}{name}_log"] = float(np.log(value)) if value > 0 else np.nan
            out[f"{prefix}{name}_pct"] = float(np.divide(100.0 * value, total))
        lf, hf = power["lf"], power["hf"]
        out[f"{prefix}lf_nu"] = float(np.divide(100.0 * lf, lf + hf))
        out[f"{prefix}hf_nu"] = float(np.divide(100.0 * hf, lf + hf))
        out[f"{prefix}lf_hf"] = float(np.divide(lf, hf))
    for name, (lo, hi) in bands.items():
        out[f"{prefix}{name}_peak_hz"] = band_peak(f_hz, psd, lo, hi)
    return out


def ar_spectrum(
    t_s: np.ndarray, rr_ms: np.ndarray, params: SpectralParams | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """AR spectrum (ms²/Hz) of an RR series: resampled as for Welch, then :func:`ar_psd`."""
    p = params or SpectralParams()
    _, x = resample_rr(t_s, rr_ms, p.fs_hz)
    if p.detrend == "smoothness_priors":
        x = smoothness_priors_detrend(x, p.smoothness_lambda)
    return ar_psd(x, p.fs_hz, p.ar_order, p.points_per_hz)
