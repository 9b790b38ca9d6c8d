"""A session's figures after its beat review (``edits.csv``), for the reports.

The summary a session stored at its end (``session.json``) is what the detector alone gave;
when a person has since labelled beats, the figures that depend on the labels are computed
again with them (:func:`biofeedback.signal.summarize` with the overrides), and the report
says so. Live-only values (time in each level, achievement) stay as the client saw them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..signal import AnalysisParams, summarize
from ..signal.edits import LabelOverrides, review_beats
from ..storage.edits import read_overrides
from ..storage.folder import SessionRecord

#: Keys of the stored summary replaced by their reviewed values.
REVIEWED_KEYS = ("n_beats", "mean_hr_bpm", "rmssd_ms", "coherence_ratio", "artifacts_pct",
                 "quality_grade", "quality_reason", "edits_applied")


def reviewed_summary(record: SessionRecord, stored: dict[str, Any],
                     overrides: LabelOverrides | None) -> dict[str, Any]:
    """``stored`` with the label-dependent figures recomputed under ``overrides`` (as is
    without them, or with fewer than two beats)."""
    t, rr = record.beats["t_s"], record.beats["rr_ms"]
    if overrides is None or t.size < 2:
        return stored
    fresh = summarize(t, rr, AnalysisParams(entropies=False), overrides)
    return {**stored, **{k: fresh[k] for k in REVIEWED_KEYS}}


def reviewed_beats(t_s: np.ndarray, rr_ms: np.ndarray,
                   overrides: LabelOverrides | None) -> tuple[np.ndarray, np.ndarray]:
    """The corrected beats with the person's labels (the detector's alone without)."""
    r = review_beats(t_s, rr_ms, True, overrides)
    return r.t_s, r.rr_ms


def session_overrides(record: SessionRecord) -> LabelOverrides | None:
    return read_overrides(record.folder)
