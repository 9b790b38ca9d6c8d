"""Colours and fonts of the display.

Coherence levels use the Okabe-Ito palette (``training.feedback.LEVEL_COLORS``),
distinguishable with every common colour-vision deficiency, and always come with their word
(LOW / MEDIUM / HIGH), never colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

LEVEL_WORDS = ("LOW", "MEDIUM", "HIGH")


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    panel: str
    text: str
    muted: str
    accent: str  # the pacer and the heart-rate trace
    pacer_glow: str
    grid: str
    disabled: str  # text of controls that cannot be used


LIGHT = Theme("light", "#F4F6F8", "#FFFFFF", "#1B2631", "#5D6D7E", "#0072B2", "#56B4E9",
              "#D5DBDF", "#A0A9B1")
DARK = Theme("dark", "#12171C", "#1C232B", "#E8EDF1", "#95A5B3", "#56B4E9", "#0072B2",
             "#2E3A45", "#5C6873")
THEMES = {t.name: t for t in (LIGHT, DARK)}


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Palette for the widgets and defaults for the plots."""
    palette = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, theme.window),
                         (QPalette.ColorRole.Base, theme.panel),
                         (QPalette.ColorRole.AlternateBase, theme.window),
                         (QPalette.ColorRole.Button, theme.panel),
                         (QPalette.ColorRole.WindowText, theme.text),
                         (QPalette.ColorRole.Text, theme.text),
                         (QPalette.ColorRole.ButtonText, theme.text),
                         (QPalette.ColorRole.Highlight, theme.accent),
                         (QPalette.ColorRole.PlaceholderText, theme.muted)):
        palette.setColor(role, QColor(colour))
    # Disabled controls greyed, so a switched-off option reads as one.
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.disabled))
    app.setPalette(palette)
    pg.setConfigOptions(background=theme.panel, foreground=theme.text, antialias=True)


def level_bar_style(colour: str, theme: Theme) -> str:
    """Style sheet of a time-in-level bar: its text centred with room above and below."""
    return (f"QProgressBar {{ background: {theme.panel}; color: {theme.text}; "
            f"border: 1px solid {theme.grid}; border-radius: 4px; padding: 2px; "
            "text-align: center; }"
            f"QProgressBar::chunk {{ background: {colour}; border-radius: 3px; }}")
