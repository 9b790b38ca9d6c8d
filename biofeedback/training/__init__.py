"""Training: breathing pacer, session protocols, resonance-frequency assessment (issues 3, 6)."""
