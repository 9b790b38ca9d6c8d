"""Beat review of a session folder: the detector's labels, a person's edits, and the metrics
they give. Shared by ``biofeedback review`` and the review window (which only observes these
values); the rules of matching and applying edits are :mod:`biofeedback.signal.edits`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..signal import AnalysisParams, summarize
from ..signal.artifacts import detect_artifacts, resolution_ms
from ..signal.edits import apply_label_overrides, nearest_beat, review_beats
from ..storage.edits import Edits, read_edits, write_edits
from ..storage.recordings import load_recording

#: The summary keys the review shows and recomputes as edits change.
REVIEW_KEYS = ("n_beats", "mean_hr_bpm", "rmssd_ms", "sdnn_ms", "pnn50_pct", "lf_ms2",
               "hf_ms2", "coherence_ratio", "artifacts_pct", "corrected_beats",
               "edits_applied", "quality_grade", "quality_reason")


@dataclass(frozen=True)
class BeatReview:
    """One session's beats with their automatic labels (``auto``: ``""`` normal, else the
    artifact type), the edits, and the labels after the edits (``final``)."""

    folder: Path
    t_s: np.ndarray
    rr_ms: np.ndarray
    auto: np.ndarray
    edits: Edits

    @property
    def final(self) -> np.ndarray:
        return apply_label_overrides(self.auto, self.t_s, self.edits.overrides()).labels

    @property
    def edited(self) -> np.ndarray:
        """Per beat: was its label set by an edit?"""
        return apply_label_overrides(self.auto, self.t_s, self.edits.overrides()).pinned

    def with_edits(self, edits: Edits) -> BeatReview:
        return replace(self, edits=edits)

    def corrected(self) -> tuple[np.ndarray, np.ndarray]:
        """The beats the analysis uses after the edits: ``(t_s, rr_ms)``, corrected."""
        r = review_beats(self.t_s, self.rr_ms, True, self.edits.overrides())
        return r.t_s, r.rr_ms

    def summary(self, params: AnalysisParams | None = None) -> dict[str, Any]:
        """The session's HRV summary with the edits (entropies left out: seconds on a day)."""
        p = params or AnalysisParams(entropies=False)
        return summarize(self.t_s, self.rr_ms, p, self.edits.overrides())

    def unmatched(self) -> np.ndarray:
        """Rows (indices) of the edits that name no beat (noise stretches excepted)."""
        single = self.edits.label != "noise"
        idx = nearest_beat(self.t_s, self.edits.t_s)
        return np.flatnonzero(single & (idx < 0))

    def accept_all(self) -> Edits:
        """The edits plus a row confirming each automatic flag not yet edited."""
        todo = (self.auto != "") & ~self.edited
        e = self.edits
        n = int(np.count_nonzero(todo))
        return Edits(np.concatenate((e.t_s, self.t_s[todo])),
                     np.concatenate((e.label, self.auto[todo].astype(object))),
                     np.concatenate((e.note, np.full(n, "accepted", dtype=object))),
                     np.concatenate((e.t_end_s, np.full(n, np.nan))))


def load_review(folder: str | Path) -> BeatReview:
    """The review of a session folder (``RecordingError``/``EditsError`` when unreadable)."""
    rec = load_recording(folder)
    rr = np.asarray(rec.beats.rr_ms, dtype=float)
    auto = detect_artifacts(rr, resolution_ms(rr))
    return BeatReview(Path(folder), np.asarray(rec.beats.t_s, dtype=float), rr, auto,
                      read_edits(folder))


def save_edits(review: BeatReview, edits: Edits) -> BeatReview:
    """Write ``edits`` into the session's ``edits.csv`` and return the review with them."""
    write_edits(review.folder, edits)
    return review.with_edits(edits)
