"""HRV biofeedback: live heart-rate variability, paced breathing and coherence feedback."""

__version__ = "0.1.0"
