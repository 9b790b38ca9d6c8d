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
from ..training.feedback import LEVEL_COLORS  # noqa: E402
from ..training.pacer import Pacer  # noqa: E402
from ..training.plan import breathing_targets  # noqa: E402
from ..training.protocols import Protocol  # noqa: E402

ACCENT, MUTED = "#0072B2", "#5D6D7E"
A4_LANDSCAPE = (11.69, 8.27)


def _steps(ax, protocol: Protocol, end_s: float, per_s: float = 1 / 60) -> None:
    """Every step named and, when some steps are paced, the unpaced ones shaded; ``per_s``
    converts seconds to the axis's unit."""
    spans = protocol.spans(end_s)
    shade = any(step.paced for step, _, _ in spans)
    for step, start, end in spans:
        a, b = start * per_s, end * per_s
        if shade and not step.paced:
            ax.axvspan(a, b, color="#D5DBDF", alpha=0.5, lw=0)
        ax.text((a + b) / 2, 1.0, step.name, transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8, color=MUTED)


def heart_rate_figure(t_s: np.ndarray, rr_ms: np.ndarray, pacer: Pacer,
                      protocol: Protocol) -> Figure:
    """Heart rate over the session; when a pacer ran, also up to two minutes of its first
    paced step with the pacer drawn over the heart rate."""
    t, hr = heart_rate_grid(t_s, rr_ms)
    paced = [(start, end) for step, start, end in protocol.spans(t[-1]) if step.paced]
    if not paced:
        fig, whole = plt.subplots(figsize=(11, 3.6), layout="constrained")
        _whole_session(whole, t, hr, protocol, "Heart rate over the session (no pacer)")
        return fig
    fig, (whole, zoom) = plt.subplots(2, 1, figsize=(11, 6.2), height_ratios=(1, 1.2),
                                      layout="constrained")
    _whole_session(whole, t, hr, protocol, "Heart rate over the session (grey: no pacer)")
    start, end = paced[0]
    mid = (start + end) / 2
    lo, hi = max(mid - 60, start, t[0]), min(mid + 60, end, t[-1])
    sel = (t >= lo) & (t <= hi)
    zoom.plot(t[sel], hr[sel], color=ACCENT, lw=2, label="heart rate")
    target = breathing_targets(pacer, protocol, t[sel])
    if np.isfinite(target).any():
        span = max(np.ptp(hr[sel]), 6)
        zoom.plot(t[sel], hr[sel].min() + span * target, "--", color=MUTED, lw=1.5,
                  label="pacer (up = breathe in)")
    zoom.set_xlabel("session time (s)")
    zoom.set_ylabel("heart rate (bpm)")
    zoom.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)  # off the trace
    length = hi - lo
    shown = f"{length / 60:.0f} minutes" if length >= 90 else f"{length:.0f} s"
    zoom.set_title(f"{shown} of paced breathing: heart rate and the pacer", fontsize=10)
    return fig


def _whole_session(ax, t: np.ndarray, hr: np.ndarray, protocol: Protocol, title: str) -> None:
    """Heart rate from start to end, in minutes (in seconds under two minutes)."""
    per_s, unit = (1 / 60, "minutes") if t[-1] >= 120 else (1.0, "seconds")
    ax.plot(t * per_s, hr, color=ACCENT, lw=0.8)
    _steps(ax, protocol, t[-1], per_s)
    ax.set_xlim(0, t[-1] * per_s)
    ax.set_ylabel("heart rate (bpm)")
    ax.set_xlabel(unit)
    ax.set_title(title, fontsize=10, pad=14)


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
        ax.text(lo + 0.004, 0.98, name, transform=ax.get_xaxis_transform(), ha="left",
                va="top", color=colour)  # at the band's edge, clear of a pacer line
    if pacer_bpm:
        ax.axvline(pacer_bpm / 60, color=MUTED, ls="--", label=f"pacer {pacer_bpm:g}/min")
        ax.legend(fontsize=8, loc="center right")
    ax.set_xlim(0, 0.4)
    ax.set_ylim(0, 1.2 * float(np.max(psd[keep], initial=0.0)) or 1.0)  # room for the names
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
