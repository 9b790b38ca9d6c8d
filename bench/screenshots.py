"""Screenshots of the live window for the README: run under a real X server (Xvfb).

    Xvfb :99 -screen 0 1366x768x24 &
    DISPLAY=:99 .venv/bin/python bench/screenshots.py docs/ [light|dark]

A simulated session (12x) for the full view and the client view, then a replay of the
bundled recorded session, each grabbed from its real window, placed as a user would first
see it (fitted to the screen: a 1366×768 laptop above).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from biofeedback.ui.app import APPLICATION, ORGANISATION
from biofeedback.ui.dialogs import DEFAULTS
from biofeedback.ui.main_window import MainWindow
from biofeedback.ui.theme import THEMES, apply_theme

ROOT = Path(__file__).resolve().parents[1]


def wait(app: QApplication, seconds: float, until=None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.005)


def main(out: Path, theme: str = "light") -> None:
    app = QApplication([APPLICATION])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION + "-screenshots")  # its own settings: a fresh window
    apply_theme(app, THEMES[theme])
    data = Path(tempfile.mkdtemp())
    window = MainWindow(data, dict(DEFAULTS) | {"theme": theme},
                        source="sim:seed=11,hr=68,rf=5.5", speed=12)
    window.show()
    window.session.client.setText("Anna Smith")
    window.session.minutes.setValue(20)
    window.session.rate.setValue(5.5)
    window.session.start.click()
    wait(app, 60, lambda: len(window.model.coherence_trend) > 45)
    window.session.note.setText("relaxed shoulders")
    window.session.mark.click()
    wait(app, 0.6, lambda: window.model.pacer_state() is not None
         and window.model.pacer_state().stage == "inhale"
         and window.model.pacer_state().volume > 0.6)
    window.grab().save(str(out / "full_view.png"))

    window.toggle_client_view()
    view = window.client_view
    wait(app, 1.5)
    view.grab().save(str(out / "client_view.png"))
    view.close()
    window.session.start.click()  # stop
    wait(app, 10, lambda: window.summary is not None and window.summary.isVisible())
    wait(app, 0.3)
    window.summary.grab().save(str(out / "summary.png"))
    window.summary.close()

    window.start_replay(str(ROOT / "recordings" / "20261122T093239_63597879"), speed=50)
    wait(app, 30, lambda: window.model.t_s > 420)
    window.replay_bar.play.setChecked(True)  # pause
    wait(app, 0.5)
    window.grab().save(str(out / "replay.png"))
    window.bridge.shutdown()
    window.close()
    print(f"saved {', '.join(p.name for p in sorted(out.glob('*.png')))} in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs"),
         sys.argv[2] if len(sys.argv) > 2 else "light")
