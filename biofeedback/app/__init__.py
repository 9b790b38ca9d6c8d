"""Application wiring: starts sessions, replays, imports and library jobs."""
