"""The window's building blocks; each observes a :class:`~biofeedback.ui.model.LiveModel`."""
