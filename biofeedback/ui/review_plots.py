"""The review window's plots: RR tachogram, heart rate and ECG (pyqtgraph).

They draw values handed to them (a :class:`~biofeedback.app.review.BeatReview` and the
corrected beats) and report clicks and shift-drags; they hold no session state.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QFont

from ..app.review import BeatReview
from ..signal.edits import ARTIFACT_LABELS
from .theme import Theme

#: Okabe-Ito colours (colour-blind safe) and a distinct symbol per label, so that type is
#: told by shape too.
LABEL_STYLE = {"ectopic": ("#D55E00", "t"), "missed": ("#0072B2", "s"),
               "extra": ("#CC79A7", "d"), "long": ("#E69F00", "t1"),
               "short": ("#009E73", "t2"), "noise": ("#7F7F7F", "x")}
LABEL_GLYPHS = {"ectopic": "▼", "missed": "■", "extra": "◆", "long": "▲", "short": "▶",
                "noise": "✕"}
RAW_COLOUR = "#8C959D"
#: Seconds of ECG shown on each side of the selected beat.
ECG_HALF_S = 2.5
TICK_FONT = QFont()
TICK_FONT.setPointSize(12)


class DragBox(pg.ViewBox):
    """A drag selects a stretch (``stretch``: start, end s); shift-drag or the middle button
    pans, the wheel and a right-drag zoom (pyqtgraph's own)."""

    stretch = Signal(float, float)
    clicked = Signal(float, float)  # a plain click at (t_s, value)

    def __init__(self) -> None:
        super().__init__()
        self.region = pg.LinearRegionItem(brush=pg.mkBrush(127, 127, 127, 60), movable=False)
        self.region.setZValue(-10)
        self.region.hide()
        self.addItem(self.region, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - Qt's name
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        if ev.isStart():  # the mode is chosen once per drag
            self._panning = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if getattr(self, "_panning", False):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        a = self.mapSceneToView(ev.buttonDownScenePos()).x()
        b = self.mapSceneToView(ev.scenePos()).x()
        self.region.setRegion((min(a, b), max(a, b)))
        self.region.show()
        if ev.isFinish():
            self.stretch.emit(min(a, b), max(a, b))

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            p = self.mapSceneToView(ev.scenePos())
            self.clicked.emit(p.x(), p.y())
            return
        super().mouseClickEvent(ev)


def _plot(view: pg.ViewBox | None, left: str, theme: Theme) -> pg.PlotWidget:
    w = pg.PlotWidget(viewBox=view) if view is not None else pg.PlotWidget()
    w.setBackground(theme.panel)
    w.setMenuEnabled(False)
    w.hideButtons()
    w.showGrid(x=True, y=True, alpha=0.25)
    w.setMouseEnabled(x=True, y=False)
    for name, text in (("left", left), ("bottom", "time (s)")):
        axis = w.getAxis(name)
        axis.enableAutoSIPrefix(False)
        axis.setPen(pg.mkPen(theme.muted))
        axis.setTextPen(pg.mkPen(theme.text))
        axis.setStyle(tickFont=TICK_FONT)
        axis.setLabel(text, color=theme.text, **{"font-size": "13pt"})
    return w


class SeriesPlot:
    """Raw and corrected series of one quantity (RR or HR) with the labelled beats marked."""

    def __init__(self, left: str, theme: Theme, to_value, view: pg.ViewBox | None = None) -> None:
        self.widget = _plot(view, left, theme)
        self.to_value = to_value  # RR (ms) -> what is drawn
        self.raw = self.widget.plot(pen=pg.mkPen(RAW_COLOUR, width=1.5), name="raw")
        self.corrected = self.widget.plot(pen=pg.mkPen(theme.accent, width=2.5),
                                          name="corrected")
        self.marks = {label: self.widget.plot(
            pen=None, symbol=symbol, symbolSize=15, symbolPen=pg.mkPen(colour, width=2),
            symbolBrush=pg.mkBrush(colour)) for label, (colour, symbol) in LABEL_STYLE.items()}
        self.edited = self.widget.plot(pen=None, symbol="o", symbolSize=24,
                                       symbolBrush=None,
                                       symbolPen=pg.mkPen(theme.text, width=2.5))
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen(theme.text, width=1.5,
                                                             style=Qt.PenStyle.DashLine))
        self.cursor.hide()
        self.widget.addItem(self.cursor, ignoreBounds=True)

    def show(self, review: BeatReview, final: np.ndarray, edited: np.ndarray,
             corrected: tuple[np.ndarray, np.ndarray]) -> None:
        t, value = review.t_s, self.to_value(review.rr_ms)
        self.raw.setData(t, value)
        self.corrected.setData(corrected[0], self.to_value(corrected[1]))
        for label in ARTIFACT_LABELS:
            keep = final == label
            self.marks[label].setData(t[keep], value[keep])
        self.edited.setData(t[edited], value[edited])

    def select(self, t_s: float) -> None:
        self.cursor.setPos(t_s)
        self.cursor.show()


class EcgPlot:
    """The ECG around the selected beat, the beats' times ticked along it."""

    def __init__(self, theme: Theme, t_s: np.ndarray | None, uv: np.ndarray | None) -> None:
        self.widget = _plot(None, "ECG (mV)", theme)
        self.widget.setMouseEnabled(x=False, y=False)
        self.t_s, self.mv = t_s, None if uv is None else uv / 1000.0
        self.trace = self.widget.plot(pen=pg.mkPen(theme.accent, width=2))
        self.beats = self.widget.plot(pen=None, symbol="t", symbolSize=14,
                                      symbolBrush=pg.mkBrush(theme.muted), symbolPen=None)
        self.flagged = {label: self.widget.plot(
            pen=None, symbol=symbol, symbolSize=18, symbolBrush=pg.mkBrush(colour),
            symbolPen=pg.mkPen(colour)) for label, (colour, symbol) in LABEL_STYLE.items()}
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen(theme.text, width=1.5,
                                                             style=Qt.PenStyle.DashLine))
        self.widget.addItem(self.cursor, ignoreBounds=True)
        self.note = pg.TextItem("", anchor=(0.5, 0.5), color=theme.muted)
        self.note.setFont(TICK_FONT)
        self.widget.addItem(self.note, ignoreBounds=True)
        self.widget.setTitle("ECG around the selected beat" if self.has_ecg else
                             "No ECG in this session (a Polar H10 records it with --ecg)",
                             color=theme.text, size="13pt")

    @property
    def has_ecg(self) -> bool:
        return self.t_s is not None and self.t_s.size > 1

    def show(self, center_s: float, beat_t_s: np.ndarray, final: np.ndarray) -> None:
        self.cursor.setPos(center_s)
        lo, hi = center_s - ECG_HALF_S, center_s + ECG_HALF_S
        self.widget.setXRange(lo, hi, padding=0)
        if not self.has_ecg:
            self.note.setText("no ECG")
            self.note.setPos(center_s, 0.0)
            return
        a, b = np.searchsorted(self.t_s, [lo, hi])
        t, mv = self.t_s[a:b], self.mv[a:b]
        self.trace.setData(t, mv)
        if not t.size:
            self.note.setText("no ECG at this time")
            self.note.setPos(center_s, 0.0)
            return
        self.note.setText("")
        top = float(mv.max()) + 0.15 * float(np.ptp(mv) or 1.0)
        near = (beat_t_s >= lo) & (beat_t_s <= hi)
        plain = near & (final == "")
        self.beats.setData(beat_t_s[plain], np.full(int(plain.sum()), top))
        for label, item in self.flagged.items():
            keep = near & (final == label)
            item.setData(beat_t_s[keep], np.full(int(keep.sum()), top))
        self.widget.setYRange(float(mv.min()), top + 0.1 * float(np.ptp(mv) or 1.0))


def legend_html(theme: Theme) -> str:
    """The key of the marks, as text (the plots carry no legend box over the data)."""
    parts = [f"<span style='color:{RAW_COLOUR}'>━ raw</span>",
             f"<span style='color:{theme.accent}'>━ corrected</span>"]
    parts += [f"<span style='color:{LABEL_STYLE[k][0]}'>{LABEL_GLYPHS[k]} {k}</span>"
              for k in ARTIFACT_LABELS]
    parts.append(f"<span style='color:{theme.text}'>○ edited by hand</span>")
    return "&nbsp;&nbsp;&nbsp;".join(parts)


def scene_point(widget: pg.PlotWidget, t_s: float, value: float) -> QPoint:
    """Where a data point lies in the widget's viewport (for tests that click it)."""
    return widget.mapFromScene(widget.getViewBox().mapViewToScene(QPointF(t_s, value)))
