"""The live display (PySide6 + pyqtgraph): observes snapshots of the session, computes nothing."""
