"""The report's plots (matplotlib, drawn off screen): heart rate with the pacer, coherence
over the session, the training spectrum, and a client's progress."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..signal.resonance import heart_rate_grid  # noqa: E402
from ..signal.spectral import BANDS_HZ, SpectralParams, spectrum  # noqa: E402
from ..training.pacer import Pacer  # noqa: E402
from ..training.protocols import Protocol  # noqa: E402
from ..training.session import breathing_targets  # noqa: E402

LEVEL_COLORS = ("#D55E00", "#E69F00", "#009E73")  # the display's Okabe-Ito colours
ACCENT, MUTED = "#0072B2", "#5D6D7E"
A4_LANDSCAPE = (11.69, 8.27)


def _steps(ax, protocol: Protocol, end_s: float) -> None:
    """Unpaced steps shaded and every step named, on an axis in minutes."""
    for step, start, end in protocol.spans(end_s):
        a, b = start / 60, end / 60
        if not step.paced:
            ax.axvspan(a, b, color="#D5DBDF", alpha=0.5, lw=0)
        ax.text((a + b) / 2, 1.0, step.name, transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8, color=MUTED)


def heart_rate_figure(t_s: np.ndarray, rr_ms: np.ndarray, pacer: Pacer,
                      protocol: Protocol) -> Figure:
    """Heart rate over the session and over two minutes of training, with the pacer."""
    t, hr = heart_rate_grid(t_s, rr_ms)
    fig, (whole, zoom) = plt.subplots(2, 1, figsize=(11, 6.2), height_ratios=(1, 1.2),
                                      layout="constrained")
    whole.plot(t / 60, hr, color=ACCENT, lw=0.8)
    _steps(whole, protocol, t[-1])
    whole.set_xlim(0, t[-1] / 60)
    whole.set_ylabel("heart rate (bpm)")
    whole.set_xlabel("minutes")
    paced = [(start + end) / 2 for step, start, end in protocol.spans(t[-1]) if step.paced]
    mid = paced[0] if paced else t[-1] / 2  # the middle of the first paced step
    lo, hi = max(mid - 60, t[0]), min(mid + 60, t[-1])
    sel = (t >= lo) & (t <= hi)
    zoom.plot(t[sel], hr[sel], color=ACCENT, lw=2, label="heart rate")
    target = breathing_targets(pacer, protocol, t[sel])
    if np.isfinite(target).any():
        span = max(np.ptp(hr[sel]), 6)
        zoom.plot(t[sel], hr[sel].min() + span * target, "--", color=MUTED, lw=1.5,
                  label="pacer (up = breathe in)")
    zoom.set_xlabel("session time (s)")
    zoom.set_ylabel("heart rate (bpm)")
    zoom.legend(loc="upper right", fontsize=8)
    zoom.set_title("Two minutes of training: the heart following the breath", fontsize=10)
    whole.set_title("Heart rate over the session (grey: no pacer)", fontsize=10, pad=14)
    return fig


def coherence_figure(t_s: np.ndarray, ratio: np.ndarray, level: np.ndarray,
                     thresholds: tuple[float, float], protocol: Protocol) -> Figure:
    fig, ax = plt.subplots(figsize=(11, 3.4), layout="constrained")
    if len(t_s):
        ax.plot(t_s / 60, ratio, color=MUTED, lw=0.8)
        ax.scatter(t_s / 60, ratio, c=[LEVEL_COLORS[int(v)] for v in level], s=14, zorder=3)
        _steps(ax, protocol, float(t_s[-1]))
    for value, colour in zip(thresholds, LEVEL_COLORS[1:], strict=True):
        ax.axhline(value, color=colour, ls=":", lw=1.5)
    ax.set_xlabel("minutes")
    ax.set_ylabel("coherence ratio")
    ax.set_title("Coherence every 5 s (low / medium / high: vermillion / orange / green)",
                 fontsize=10, pad=14)
    return fig


def spectrum_figure(t_s: np.ndarray, rr_ms: np.ndarray, pacer_bpm: float | None,
                    title: str) -> Figure:
    f, psd = spectrum(t_s, rr_ms, SpectralParams(segment_s=min(300.0, float(np.ptp(t_s)))))
    keep = f <= 0.4
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    ax.fill_between(f[keep], psd[keep], color=ACCENT, alpha=0.35)
    ax.plot(f[keep], psd[keep], color=ACCENT)
    for (lo, hi), colour, name in ((BANDS_HZ["lf"], ACCENT, "LF"),
                                   (BANDS_HZ["hf"], "#CC79A7", "HF")):
        ax.axvspan(lo, hi, color=colour, alpha=0.08, lw=0)
        ax.text((lo + hi) / 2, 0.98, name, transform=ax.get_xaxis_transform(), ha="center",
                va="top", color=colour)
    if pacer_bpm:
        ax.axvline(pacer_bpm / 60, color=MUTED, ls="--", label=f"pacer {pacer_bpm:g}/min")
        ax.legend(fontsize=8, loc="center right")
    ax.set_xlim(0, 0.4)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("ms²/Hz")
    ax.set_title(title, fontsize=10)
    return fig


def progress_figure(progress: dict) -> Figure:
    """Resting RMSSD and coherence per session, minutes per week, stress before/after."""
    rows = progress["sessions"]
    n = np.arange(1, len(rows) + 1)
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.2), layout="constrained")
    rest = np.array([np.nan if r["resting_rmssd_ms"] is None else r["resting_rmssd_ms"]
                     for r in rows], dtype=float)
    coh = np.array([np.nan if r["coherence"] is None else r["coherence"] for r in rows],
                   dtype=float)
    axes[0, 0].plot(n, rest, "o-", color=ACCENT)
    axes[0, 0].set_title("Resting RMSSD (baseline of each session)", fontsize=10)
    axes[0, 0].set_ylabel("ms")
    axes[0, 1].plot(n, coh, "o-", color=LEVEL_COLORS[2])
    axes[0, 1].set_title("Coherence while paced", fontsize=10)
    weeks = progress["weeks"]
    axes[1, 0].bar([w["week"] for w in weeks], [w["minutes"] for w in weeks], color=ACCENT)
    axes[1, 0].set_title("Minutes practised per week", fontsize=10)
    axes[1, 0].tick_params(axis="x", labelsize=8, rotation=30)
    pre = [np.nan if r["pre_rating"] is None else r["pre_rating"] for r in rows]
    post = [np.nan if r["post_rating"] is None else r["post_rating"] for r in rows]
    axes[1, 1].plot(n, pre, "o-", color=LEVEL_COLORS[0], label="before")
    axes[1, 1].plot(n, post, "o-", color=LEVEL_COLORS[2], label="after")
    axes[1, 1].set_ylim(-0.5, 10.5)
    axes[1, 1].set_title("Stress rating (0-10)", fontsize=10)
    axes[1, 1].legend(fontsize=8)
    for ax in (axes[0, 0], axes[0, 1], axes[1, 1]):
        ax.set_xlabel("session")
        ax.set_xticks(n)
    return fig
