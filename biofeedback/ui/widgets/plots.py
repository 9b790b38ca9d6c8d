"""Heart rate with the pacer, coherence and RMSSD trends, and the spectrum (pyqtgraph)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...signal.spectral import BANDS_HZ
from ...training.feedback import CHALLENGE_THRESHOLDS, LEVEL_COLORS
from ..model import HR_WINDOW_S, LiveModel
from ..theme import Theme

#: Trends span at least this much session time, so an empty or young session is not
#: drawn on a 0-1 axis.
TREND_MIN_S = 300.0


def _plot(left: str, bottom: str) -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setLabel("left", left)
    w.setLabel("bottom", bottom)
    w.showGrid(x=True, y=True, alpha=0.25)
    w.setMenuEnabled(False)
    w.setMouseEnabled(x=False, y=False)
    w.hideButtons()
    for axis in ("left", "bottom"):
        w.getAxis(axis).enableAutoSIPrefix(False)
    return w


def style_plot(w: pg.PlotWidget, theme: Theme, title: str) -> None:
    """Colours of everything pyqtgraph draws around the data: pyqtgraph takes its
    defaults when an item is made, so a theme change restyles each item."""
    w.setBackground(theme.panel)
    w.setTitle(title, color=theme.text, size="11pt")
    for name in ("left", "bottom"):
        axis = w.getAxis(name)
        axis.setPen(pg.mkPen(theme.muted))
        axis.setTextPen(pg.mkPen(theme.text))
        axis.setLabel(axis.labelText, color=theme.text)


def _waiting(w: pg.PlotWidget, text: str) -> pg.TextItem:
    """The empty state: a note in the middle of the plot until there is data."""
    note = pg.TextItem(text, anchor=(0.5, 0.5))
    w.addItem(note, ignoreBounds=True)
    return note


def _show_waiting(w: pg.PlotWidget, note: pg.TextItem, x: tuple[float, float],
                  y: tuple[float, float], theme_muted: str) -> None:
    w.setXRange(*x, padding=0)
    w.setYRange(*y, padding=0)
    note.setColor(theme_muted)
    note.setPos((x[0] + x[1]) / 2, (y[0] + y[1]) / 2)
    note.setVisible(True)


class HeartRatePlot:
    """The last two minutes of heart rate, with the pacer's breathing target drawn in the
    same band so the heart can be seen following the breath."""

    EMPTY_BPM = (50.0, 90.0)

    def __init__(self, model: LiveModel, theme: Theme) -> None:
        self.model = model
        self.widget = _plot("bpm", "session time (s)")
        # The legend is in the title: inside the plot it would cover the trace.
        self.hr = self.widget.plot(pen=pg.mkPen(theme.accent, width=3))
        self.pacer = self.widget.plot()
        self.note = _waiting(self.widget, "waiting for the first beats")
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        title = (f'Heart rate <span style="color:{theme.accent}"><b>———</b></span>'
                 f'&nbsp;&nbsp; breathing pacer <span style="color:{theme.muted}">'
                 '<b>- - -</b></span> (up = breathe in)')
        style_plot(self.widget, theme, title)
        self.hr.setPen(pg.mkPen(theme.accent, width=3))
        self.pacer.setPen(pg.mkPen(theme.muted, width=2, style=Qt.PenStyle.DashLine))
        self.refresh()

    def refresh(self) -> None:
        t, hr = self.model.hr_arrays()
        self.hr.setData(t, hr)
        if len(t) < 2:
            self.pacer.setData([], [])
            _show_waiting(self.widget, self.note, (0.0, HR_WINDOW_S), self.EMPTY_BPM,
                          self.theme.muted)
            return
        self.note.setVisible(False)
        end = self.model.now_s()
        grid = np.linspace(max(end - HR_WINDOW_S, 0.0), end, 240)
        volume = self.model.pacer_trace(grid)
        lo, hi = float(np.min(hr)), float(np.max(hr))
        span = max(hi - lo, 6.0)
        mid = (hi + lo) / 2
        if volume is None:
            self.pacer.setData([], [])
        else:
            self.pacer.setData(grid, mid - span / 2 + span * volume)
        self.widget.setXRange(max(end - HR_WINDOW_S, 0.0), max(end, 10.0), padding=0)
        self.widget.setYRange(mid - 0.65 * span, mid + 0.65 * span, padding=0)


class CoherencePlot:
    """Coherence over the session, each value coloured by its level, with the challenge
    level's thresholds dotted."""

    def __init__(self, model: LiveModel, theme: Theme, challenge: int = 1) -> None:
        self.model = model
        self.widget = _plot("ratio", "session time (s)")
        self.line = self.widget.plot(pen=pg.mkPen(theme.muted, width=1))
        self.points = pg.ScatterPlotItem(size=8, pen=None)
        self.widget.addItem(self.points)
        self.thresholds = [self.widget.addLine(y=v, pen=pg.mkPen(LEVEL_COLORS[i + 1], width=2,
                                                                 style=Qt.PenStyle.DotLine))
                           for i, v in enumerate(CHALLENGE_THRESHOLDS[challenge])]
        self.widget.setYRange(0, 3, padding=0)
        self._brushes = [pg.mkBrush(c) for c in LEVEL_COLORS]
        self.note = _waiting(self.widget, "first value after 64 s")
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        style_plot(self.widget, theme, "Coherence over the session")
        self.line.setPen(pg.mkPen(theme.muted, width=1))
        self.refresh()

    def set_thresholds(self, values: tuple[float, float]) -> None:
        for line, value in zip(self.thresholds, values, strict=True):
            line.setValue(value)

    def refresh(self) -> None:
        trend = self.model.coherence_trend
        if not trend:
            self.line.setData([], [])
            self.points.setData([], [])
            _show_waiting(self.widget, self.note, (0.0, TREND_MIN_S), (0.0, 3.0),
                          self.theme.muted)
            return
        self.note.setVisible(False)
        data = np.array(trend)
        self.line.setData(data[:, 0], data[:, 1])
        self.points.setData(data[:, 0], data[:, 1],
                            brush=[self._brushes[int(v)] for v in data[:, 2]])
        self.widget.setXRange(0, max(TREND_MIN_S, float(data[-1, 0]) * 1.02), padding=0)
        self.widget.setYRange(0, max(3.0, float(data[:, 1].max()) * 1.1), padding=0)


class RmssdPlot:
    """RMSSD of the last 60 s, over the session."""

    def __init__(self, model: LiveModel, theme: Theme) -> None:
        self.model = model
        self.widget = _plot("ms", "session time (s)")
        self.curve = self.widget.plot(pen=pg.mkPen(theme.accent, width=2))
        self.note = _waiting(self.widget, "first value after a minute of beats")
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        style_plot(self.widget, theme, "RMSSD (60 s) over the session")
        self.curve.setPen(pg.mkPen(theme.accent, width=2))
        self.refresh()

    def refresh(self) -> None:
        if self.model.rmssd_trend:
            self.note.setVisible(False)
            r = np.array(self.model.rmssd_trend)
            self.curve.setData(r[:, 0], r[:, 1])
            self.widget.setXRange(0, max(TREND_MIN_S, float(r[-1, 0]) * 1.02), padding=0)
            self.widget.setYRange(0, max(float(r[:, 1].max()) * 1.2, 10.0), padding=0)
        else:
            self.curve.setData([], [])
            _show_waiting(self.widget, self.note, (0.0, TREND_MIN_S), (0.0, 100.0),
                          self.theme.muted)


class SpectrumPlot:
    """The spectrum of the last coherence window (0-0.4 Hz): LF and HF bands shaded, the
    pacer's frequency and the coherence peak marked."""

    EMPTY_MS2_HZ = (0.0, 5000.0)

    def __init__(self, model: LiveModel, theme: Theme) -> None:
        self.model = model
        self.widget = _plot("ms²/Hz", "frequency (Hz): LF blue, HF pink")
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
        self.note = _waiting(self.widget, "first spectrum after 64 s")
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        style_plot(self.widget, theme, "Spectrum, last 64 s")
        self.curve.setPen(pg.mkPen(theme.accent, width=2))
        self.curve.setBrush(pg.mkBrush(theme.accent + "40"))
        self.pacer_line.setPen(pg.mkPen(theme.muted, width=2, style=Qt.PenStyle.DashLine))
        self.refresh()

    def refresh(self) -> None:
        s = self.model.spectrum
        if s is None:
            self.curve.setData([], [])
            self.peak.setData([], [])
            _show_waiting(self.widget, self.note, (0.0, 0.4), self.EMPTY_MS2_HZ,
                          self.theme.muted)
        else:
            self.note.setVisible(False)
            self.widget.setXRange(0.0, 0.4, padding=0)
            self.widget.enableAutoRange(axis="y")
            keep = s.f_hz <= 0.4
            self.curve.setData(s.f_hz[keep], s.psd_ms2_hz[keep])
            peak = int(np.argmin(np.abs(s.f_hz - s.peak_hz)))
            self.peak.setData([s.f_hz[peak]], [s.psd_ms2_hz[peak]])
        pacer = self.model.pacer_state()
        self.pacer_line.setVisible(pacer is not None)
        if pacer is not None:
            self.pacer_line.setValue(pacer.rate_bpm / 60.0)
