"""Heart rate with the pacer, coherence and RMSSD trends, and the spectrum (pyqtgraph)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...signal.coherence import CHALLENGE_THRESHOLDS
from ...signal.spectral import BANDS_HZ
from ..model import HR_WINDOW_S, LiveModel
from ..theme import LEVEL_COLORS, Theme


def _plot(title: str, left: str, bottom: str) -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setTitle(title)
    w.setLabel("left", left)
    w.setLabel("bottom", bottom)
    w.showGrid(x=True, y=True, alpha=0.25)
    w.setMenuEnabled(False)
    w.setMouseEnabled(x=False, y=False)
    w.hideButtons()
    for axis in ("left", "bottom"):
        w.getAxis(axis).enableAutoSIPrefix(False)
    return w


class HeartRatePlot:
    """The last two minutes of heart rate, with the pacer's breathing target drawn in the
    same band so the heart can be seen following the breath."""

    def __init__(self, model: LiveModel, theme: Theme) -> None:
        self.model = model
        self.widget = _plot("Heart rate and breathing pacer", "bpm", "session time (s)")
        self.widget.addLegend(offset=(-10, 5))
        self.hr = self.widget.plot(name="heart rate", pen=pg.mkPen(theme.accent, width=3))
        self.pacer = self.widget.plot(name="pacer (up = breathe in)",
                                      pen=pg.mkPen(theme.muted, width=2,
                                                   style=Qt.PenStyle.DashLine))

    def refresh(self) -> None:
        t, hr = self.model.hr_arrays()
        self.hr.setData(t, hr)
        if len(t) < 2:
            self.pacer.setData([], [])
            return
        end = self.model.now_s()
        grid = np.linspace(max(end - HR_WINDOW_S, 0.0), end, 240)
        volume = self.model.pacer_trace(grid)
        lo, hi = float(np.min(hr)), float(np.max(hr))
        span = max(hi - lo, 6.0)
        mid = (hi + lo) / 2
        self.pacer.setData(grid, mid - span / 2 + span * volume)
        self.widget.setXRange(max(end - HR_WINDOW_S, 0.0), max(end, 10.0), padding=0)


class CoherencePlot:
    """Coherence over the session, each value coloured by its level, with the challenge
    level's thresholds dotted."""

    def __init__(self, model: LiveModel, theme: Theme, challenge: int = 1) -> None:
        self.model = model
        self.widget = _plot("Coherence over the session", "ratio", "session time (s)")
        self.line = self.widget.plot(pen=pg.mkPen(theme.muted, width=1))
        self.points = pg.ScatterPlotItem(size=8, pen=None)
        self.widget.addItem(self.points)
        self.thresholds = [self.widget.addLine(y=v, pen=pg.mkPen(LEVEL_COLORS[i + 1], width=2,
                                                                 style=Qt.PenStyle.DotLine))
                           for i, v in enumerate(CHALLENGE_THRESHOLDS[challenge])]
        self.widget.setYRange(0, 3, padding=0)
        self._brushes = [pg.mkBrush(c) for c in LEVEL_COLORS]

    def set_thresholds(self, values: tuple[float, float]) -> None:
        for line, value in zip(self.thresholds, values, strict=True):
            line.setValue(value)

    def refresh(self) -> None:
        trend = self.model.coherence_trend
        if not trend:
            self.line.setData([], [])
            self.points.setData([], [])
            return
        data = np.array(trend)
        self.line.setData(data[:, 0], data[:, 1])
        self.points.setData(data[:, 0], data[:, 1],
                            brush=[self._brushes[int(v)] for v in data[:, 2]])
        self.widget.setYRange(0, max(3.0, float(data[:, 1].max()) * 1.1), padding=0)


class RmssdPlot:
    """RMSSD of the last 60 s, over the session."""

    def __init__(self, model: LiveModel, theme: Theme) -> None:
        self.model = model
        self.widget = _plot("RMSSD (60 s) over the session", "ms", "session time (s)")
        self.curve = self.widget.plot(pen=pg.mkPen(theme.accent, width=2))

    def refresh(self) -> None:
        if self.model.rmssd_trend:
            r = np.array(self.model.rmssd_trend)
            self.curve.setData(r[:, 0], r[:, 1])
            self.widget.setYRange(0, float(r[:, 1].max()) * 1.2, padding=0)
        else:
            self.curve.setData([], [])


class SpectrumPlot:
    """The spectrum of the last coherence window (0-0.4 Hz): LF and HF bands shaded, the
    pacer's frequency and the coherence peak marked."""

    def __init__(self, model: LiveModel, theme: Theme) -> None:
        self.model = model
        self.widget = _plot("Heart-rate spectrum, last 64 s (LF blue, HF pink)", "ms²/Hz",
                            "frequency (Hz)")
        self.widget.setXRange(0.0, 0.4, padding=0)
        for (lo, hi), colour in ((BANDS_HZ["lf"], "#0072B2"), (BANDS_HZ["hf"], "#CC79A7")):
            region = pg.LinearRegionItem((lo, hi), movable=False,
                                         brush=pg.mkBrush(colour + "22"), pen=pg.mkPen(None))
            self.widget.addItem(region)
        self.curve = self.widget.plot(pen=pg.mkPen(theme.accent, width=2),
                                      fillLevel=0, brush=pg.mkBrush(theme.accent + "40"))
        self.pacer_line = self.widget.addLine(x=0.1, pen=pg.mkPen(theme.muted, width=2,
                                                                  style=Qt.PenStyle.DashLine))
        self.pacer_line.setVisible(False)
        self.peak = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(LEVEL_COLORS[2]))
        self.widget.addItem(self.peak)

    def refresh(self) -> None:
        s = self.model.spectrum
        if s is None:
            self.curve.setData([], [])
            self.peak.setData([], [])
        else:
            keep = s.f_hz <= 0.4
            self.curve.setData(s.f_hz[keep], s.psd_ms2_hz[keep])
            peak = int(np.argmin(np.abs(s.f_hz - s.peak_hz)))
            self.peak.setData([s.f_hz[peak]], [s.psd_ms2_hz[peak]])
        pacer = self.model.pacer_state()
        self.pacer_line.setVisible(pacer is not None)
        if pacer is not None:
            self.pacer_line.setValue(pacer.rate_bpm / 60.0)
