"""docs/review.png: the beat review window on the Polar H10 bigeminy recording (with its ECG).

The recording is imported as a session (``biofeedback import`` carries its ECG into
``ecg.csv``), two edits are made as a reviewer would, and the window is rendered offscreen
with ``QWidget.grab()``. Usage: ``QT_QPA_PLATFORM=offscreen .venv/bin/python
bench/review_screenshot.py [docs/review.png]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BIOFEEDBACK_SHARED_DATA", ROOT.parent / "shared" / "data"))
RECORDING = DATA / "polar_h10" / "pvc_bigeminy_10min_ecg_rr.csv"


def main(out: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from biofeedback.app.review import load_review
    from biofeedback.cli import main as cli
    from biofeedback.ui.review import ReviewWindow
    from biofeedback.ui.theme import LIGHT, apply_theme

    app = QApplication.instance() or QApplication(["biofeedback"])
    apply_theme(app, LIGHT)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        assert cli(["import", str(RECORDING), "--client", "Demo", "--date", "2026-03-02",
                    "--data-dir", str(data)]) == 0
        (folder,) = (data / "sessions").iterdir()
        window = ReviewWindow(load_review(folder))
        window.resize(1600, 1000)
        window.show()
        r = window.review
        middle = r.t_s.size // 2
        extra = np.flatnonzero(r.auto == "extra")
        extra = extra[np.argsort(np.abs(extra - middle))]
        missed = np.flatnonzero(r.auto == "missed")
        missed = missed[np.argsort(np.abs(missed - extra[0]))]
        # a reviewer's two decisions, read off the ECG: the "extra" beat is a premature
        # ventricular beat, the "missed" interval its compensatory pause
        window.note.setText("PVC on the ECG")
        window.mark("ectopic", int(extra[0]))
        window.note.setText("pause after the PVC")
        window.mark("ectopic", int(missed[0]))
        window.note.setText("")
        centre = float(r.t_s[missed[0]])
        window.select_beat(int(missed[0]) + 8)
        window.rr_plot.widget.setXRange(centre - 8, centre + 62, padding=0)
        for _ in range(10):
            app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        window.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "review.png")
