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
        self.widget.addLegend(offset=(10, 5))
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


class TrendPlot:
    """Coherence over the session, coloured by level, with the challenge thresholds; and
    RMSSD (60 s) on its own axis below."""

    def __init__(self, model: LiveModel, theme: Theme, challenge: int = 1) -> None:
        self.model = model
        self.widget = pg.GraphicsLayoutWidget()
        self.coh = self.widget.addPlot(row=0, col=0, title="Coherence")
        self.coh.setLabel("left", "ratio")
        self.coh.showGrid(x=True, y=True, alpha=0.25)
        self.points = pg.ScatterPlotItem(size=9, pen=None)
        self.line = self.coh.plot(pen=pg.mkPen(theme.muted, width=1))
        self.coh.addItem(self.points)
        self.thresholds = [self.coh.addLine(y=v, pen=pg.mkPen(LEVEL_COLORS[i + 1], width=1,
                                                             style=Qt.PenStyle.DotLine))
                           for i, v in enumerate(CHALLENGE_THRESHOLDS[challenge])]
        self.rmssd_plot = self.widget.addPlot(row=1, col=0, title="RMSSD (60 s)")
        self.rmssd_plot.setLabel("left", "ms")
        self.rmssd_plot.setLabel("bottom", "session time (s)")
        self.rmssd_plot.showGrid(x=True, y=True, alpha=0.25)
        self.rmssd_plot.setXLink(self.coh)
        self.rmssd = self.rmssd_plot.plot(pen=pg.mkPen(theme.accent, width=2))
        self._brushes = [pg.mkBrush(c) for c in LEVEL_COLORS]
        for plot in (self.coh, self.rmssd_plot):
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()

    def set_challenge(self, challenge: int) -> None:
        for line, value in zip(self.thresholds, CHALLENGE_THRESHOLDS[challenge], strict=True):
            line.setValue(value)

    def refresh(self) -> None:
        trend = self.model.coherence_trend
        if trend:
            data = np.array(trend)
            self.line.setData(data[:, 0], data[:, 1])
            self.points.setData(data[:, 0], data[:, 1],
                                brush=[self._brushes[int(v)] for v in data[:, 2]])
        else:
            self.line.setData([], [])
            self.points.setData([], [])
        if self.model.rmssd_trend:
            r = np.array(self.model.rmssd_trend)
            self.rmssd.setData(r[:, 0], r[:, 1])
        else:
            self.rmssd.setData([], [])


class SpectrumPlot:
    """The spectrum of the last coherence window (0-0.4 Hz): LF and HF bands shaded, the
    pacer's frequency and the coherence peak marked."""

    def __init__(self, model: LiveModel, theme: Theme) -> None:
        self.model = model
        self.widget = _plot("Heart-rate spectrum (last 64 s)", "ms²/Hz", "frequency (Hz)")
        self.widget.setXRange(0.0, 0.4, padding=0)
        for (lo, hi), colour, name in ((BANDS_HZ["lf"], "#0072B2", "LF"),
                                       (BANDS_HZ["hf"], "#CC79A7", "HF")):
            region = pg.LinearRegionItem((lo, hi), movable=False,
                                         brush=pg.mkBrush(colour + "22"), pen=pg.mkPen(None))
            self.widget.addItem(region)
            label = pg.TextItem(name, color=colour, anchor=(0.5, 0))
            label.setPos((lo + hi) / 2, 0)
            self.widget.addItem(label)
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
