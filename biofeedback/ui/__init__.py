"""The live display (PySide6 + pyqtgraph): observes the session runner, computes nothing."""
