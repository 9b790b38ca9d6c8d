"""Beat labels overridden by a person (beat review), and the correction that honours them.

An edit names a beat by its time ``t_s`` and gives it a label: ``normal`` or an artifact type
(:data:`EDIT_LABELS`). ``noise`` edits cover a stretch ``[t_s, t_end_s]``: every beat in it.
Rules (README, "Beat review"):

* a row matches the beat nearest to its ``t_s`` when that beat lies within
  :data:`MATCH_TOLERANCE_S`; a row matching no beat changes nothing;
* several rows on one beat: the last one wins; a single-beat row wins over a noise stretch;
* the correction then uses the edited labels (Lipponen & Tarvainen 2019 classes, as in
  :mod:`.artifacts`); a beat a person labelled is never relabelled by the detector's second
  pass; ``noise`` beats are left out of the analysis, their time kept as a gap (as lost data,
  Kubios's "noise segments"), with or without correction.

Without edits every function here gives exactly what the detector alone gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# one correction round, shared so that edited labels are corrected exactly like the
# detector's own
from .artifacts import correct_labelled, detect_artifacts, resolution_ms

#: Labels an edit may give: the detector's artifact types, ``noise`` and ``normal``.
ARTIFACT_LABELS = ("ectopic", "missed", "extra", "long", "short", "noise")
EDIT_LABELS = ("normal", *ARTIFACT_LABELS)
#: An edit row matches the nearest beat within this (s): below half the shortest plausible
#: RR interval (200 ms), so two beats never compete for a row written to 0.1 s.
MATCH_TOLERANCE_S = 0.1


@dataclass(frozen=True)
class LabelOverrides:
    """Edits as arrays, one entry per row: ``t_s`` (s), ``label`` (one of
    :data:`EDIT_LABELS`) and ``t_end_s`` (end of a ``noise`` stretch, else NaN)."""

    t_s: np.ndarray
    label: np.ndarray
    t_end_s: np.ndarray

    def __len__(self) -> int:
        return int(self.t_s.size)


@dataclass(frozen=True)
class EditedLabels:
    """Labels after the edits (``""`` = normal, else an artifact type, as the detector's),
    ``pinned``: beats whose label came from an edit, ``applied``: how many beats that is."""

    labels: np.ndarray
    pinned: np.ndarray

    @property
    def applied(self) -> int:
        return int(np.count_nonzero(self.pinned))


def nearest_beat(beat_t_s: np.ndarray, t_s: np.ndarray,
                 tolerance_s: float = MATCH_TOLERANCE_S) -> np.ndarray:
    """Index of the beat nearest to each time in ``t_s`` (sorted ``beat_t_s``), or -1 when
    none lies within ``tolerance_s``."""
    beats = np.asarray(beat_t_s, dtype=float)
    t = np.asarray(t_s, dtype=float)
    if beats.size == 0:
        return np.full(t.shape, -1)
    right = np.clip(np.searchsorted(beats, t), 0, beats.size - 1)
    left = np.clip(right - 1, 0, beats.size - 1)
    take_left = np.abs(beats[left] - t) <= np.abs(beats[right] - t)
    idx = np.where(take_left, left, right)
    # a hair of slack so that a time written exactly 0.1 s off still matches (float error)
    return np.where(np.abs(beats[idx] - t) <= tolerance_s + 1e-9, idx, -1)


def noise_cover(beat_t_s: np.ndarray, start_s: np.ndarray, end_s: np.ndarray,
                tolerance_s: float = MATCH_TOLERANCE_S) -> np.ndarray:
    """Per beat: does it lie in one of the stretches ``[start, end]`` (widened by the
    tolerance)? Prefix sums of stretch openings and closings."""
    beats = np.asarray(beat_t_s, dtype=float)
    lo = np.searchsorted(beats, np.minimum(start_s, end_s) - tolerance_s, side="left")
    hi = np.searchsorted(beats, np.maximum(start_s, end_s) + tolerance_s, side="right")
    opened = np.zeros(beats.size + 1, int)
    np.add.at(opened, lo, 1)
    np.add.at(opened, hi, -1)
    return np.cumsum(opened)[:-1] > 0


def _noise_stretches(o: LabelOverrides) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``noise`` rows as stretches ``(start, end)``; rows without ``t_end_s`` pair up in file
    order (start, end); returns also the unpaired last one's time (a single beat)."""
    noise = o.label == "noise"
    ranged = noise & np.isfinite(o.t_end_s)
    loose = np.flatnonzero(noise & ~ranged)
    pairs = loose[: loose.size // 2 * 2].reshape(-1, 2)
    start = np.concatenate((o.t_s[ranged], o.t_s[pairs[:, 0]]))
    end = np.concatenate((o.t_end_s[ranged], o.t_s[pairs[:, 1]]))
    return start, end, o.t_s[loose[pairs.size:]]


def apply_label_overrides(labels: np.ndarray, t_s: np.ndarray,
                          overrides: LabelOverrides | None,
                          tolerance_s: float = MATCH_TOLERANCE_S) -> EditedLabels:
    """The detector's ``labels`` (per beat at ``t_s``) with the edits applied (module rules)."""
    labels = np.asarray(labels)
    pinned = np.zeros(labels.size, bool)
    if overrides is None or not len(overrides):
        return EditedLabels(labels.astype(str, copy=False), pinned)
    labels = labels.astype(object)  # a label may grow longer ("noise")
    start, end, single_noise = _noise_stretches(overrides)
    covered = noise_cover(t_s, start, end, tolerance_s)
    labels[covered] = "noise"
    pinned |= covered
    beat_rows = overrides.label != "noise"
    row_t = np.concatenate((overrides.t_s[beat_rows], single_noise))
    row_label = np.concatenate((overrides.label[beat_rows],
                                np.full(single_noise.size, "noise", dtype=object)))
    idx = nearest_beat(t_s, row_t, tolerance_s)
    ok = idx >= 0
    idx, row_label = idx[ok], row_label[ok]
    # the last row on a beat wins: keep each beat's last occurrence
    last = idx.size - 1 - np.unique(idx[::-1], return_index=True)[1]
    labels[idx[last]] = np.where(row_label[last] == "normal", "", row_label[last])
    pinned[idx[last]] = True
    return EditedLabels(labels.astype(str), pinned)


def correct_edited(t_s: np.ndarray, rr_ms: np.ndarray, edited: EditedLabels,
                   resolution: float, max_passes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """:func:`.artifacts.correct_labelled` with edited labels: noise beats left out, and
    beats a person labelled kept out of the second pass's detection."""
    keep = edited.labels != "noise"
    t, rr = np.asarray(t_s, float)[keep], np.asarray(rr_ms, float)[keep]
    return correct_labelled(t, rr, edited.labels[keep], max_passes, resolution,
                            edited.pinned[keep])


@dataclass(frozen=True)
class Reviewed:
    """A recording judged and corrected: final ``labels`` per recorded beat, the beats to
    analyse (``t_s``, ``rr_ms``: corrected, or as recorded less noise), ``edits_applied``."""

    labels: np.ndarray
    t_s: np.ndarray
    rr_ms: np.ndarray
    edits_applied: int


def review_beats(t_s: np.ndarray, rr_ms: np.ndarray, correct: bool = True,
                 overrides: LabelOverrides | None = None) -> Reviewed:
    """Detect artifacts, apply the edits, and correct (or only drop noise when
    ``correct`` is False): the one place every offline analysis gets its beats from."""
    t_s = np.asarray(t_s, dtype=float)
    rr_ms = np.asarray(rr_ms, dtype=float)
    q = resolution_ms(rr_ms)
    edited = apply_label_overrides(detect_artifacts(rr_ms, q), t_s, overrides)
    if correct:
        t, rr = correct_edited(t_s, rr_ms, edited, q)
    else:
        keep = edited.labels != "noise"
        t, rr = t_s[keep], rr_ms[keep]
    return Reviewed(edited.labels, t, rr, edited.applied)


def live_verdicts(t_s: np.ndarray, overrides: LabelOverrides | None
                  ) -> tuple[tuple[float, bool], ...]:
    """The edits as the live analyzer takes them: ``(beat time, flagged)`` for each beat a
    person labelled (an artifact type: flagged; ``normal``: not)."""
    t = np.asarray(t_s, dtype=float)
    edited = apply_label_overrides(np.full(t.size, ""), t, overrides)
    return tuple(zip(t[edited.pinned].tolist(), (edited.labels[edited.pinned] != "").tolist(),
                     strict=True))
