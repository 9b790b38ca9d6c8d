"""Soft sounds: a breathing cue at each turn of the pacer and a chime when the level changes.

Qt Multimedia comes with PySide6-Addons (``pip install 'biofeedback[sound]'``); without it
the sounds are simply unavailable and the settings say so.
"""

from __future__ import annotations

import tempfile
import wave
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QUrl

try:
    from PySide6.QtMultimedia import QSoundEffect
except ImportError:  # PySide6-Essentials only
    QSoundEffect = None

AVAILABLE = QSoundEffect is not None


def _tone_wav(path: Path, f_hz: float, seconds: float, volume: float = 0.25) -> None:
    """A sine tone with a raised-cosine envelope (no clicks), 16-bit mono 22.05 kHz."""
    fs = 22050
    t = np.arange(int(fs * seconds)) / fs
    envelope = np.sin(np.pi * t / seconds) ** 2
    samples = (volume * envelope * np.sin(2 * np.pi * f_hz * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(fs)
        w.writeframes(samples.tobytes())


class Sounds(QObject):
    """Plays the cues when enabled and available."""

    def __init__(self) -> None:
        super().__init__()
        self.enabled = False
        self._effects = {}
        if not AVAILABLE:
            return
        folder = Path(tempfile.mkdtemp(prefix="biofeedback-sounds-"))
        for name, f_hz, seconds in (("inhale", 396.0, 0.6), ("exhale", 264.0, 0.6),
                                    ("chime", 792.0, 0.9)):
            path = folder / f"{name}.wav"
            _tone_wav(path, f_hz, seconds)
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            self._effects[name] = effect

    def play(self, name: str) -> None:
        if self.enabled and name in self._effects:
            self._effects[name].play()
