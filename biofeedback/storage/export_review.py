"""What an export of a reviewed session carries besides the raw beats (issue 15).

A session with a beat review (``edits.csv``) is exported raw, as recorded, *and* corrected
with the person's labels, where the format allows both: the beats CSV gains each beat's final
``label`` and whether it was ``edited``; Kubios RR text gets a second file ``…_rr_corrected.txt``;
EDF+ a third channel ``RR corrected`` and an annotation per edited beat; BIDS a third column
``rr_interval_corrected``. A session without edits exports as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..signal.artifacts import detect_artifacts, resolution_ms
from ..signal.edits import apply_label_overrides, correct_edited
from ..types import BeatTable
from .edits import read_overrides
from .folder import SessionRecord


@dataclass(frozen=True)
class Reviewed:
    """Per raw beat its final ``label`` (``""`` normal) and ``edited``; the corrected beats
    ``t_s``, ``rr_ms`` (their count may differ: extra beats merged, missed ones split)."""

    label: np.ndarray
    edited: np.ndarray
    t_s: np.ndarray
    rr_ms: np.ndarray


def reviewed_beats(record: SessionRecord, beats: BeatTable) -> Reviewed | None:
    """The review of the exported ``beats``, or None when the session has no edits."""
    overrides = read_overrides(record.folder)
    if overrides is None:
        return None
    t, rr = beats["t_s"], beats["rr_ms"]
    q = resolution_ms(rr)
    edited = apply_label_overrides(detect_artifacts(rr, q), t, overrides)
    t_corr, rr_corr = correct_edited(t, rr, edited, q)
    return Reviewed(edited.labels, edited.pinned, t_corr, rr_corr)


def held_on_grid(grid: np.ndarray, t_s: np.ndarray, rr_ms: np.ndarray) -> np.ndarray:
    """The interval running at each grid time (held between beats), as the raw tachogram."""
    idx = np.clip(np.searchsorted(t_s, grid, side="right"), 0, rr_ms.size - 1)
    return rr_ms[idx]
