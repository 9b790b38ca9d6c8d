"""Exports of a session to the formats other tools open.

* ``csv``: the beats (``t_s, rr_ms, hr_bpm, artifact``), plain numbers;
* ``kubios``: RR text, one interval in ms per line (Kubios HRV reads it; so does our importer,
  bit for bit);
* ``edf``: EDF+ with the RR tachogram and heart rate resampled at 4 Hz, and an annotation per
  event (markers, protocol steps, connections);
* ``bids``: BIDS physiological recording (``_physio.tsv.gz`` with its JSON sidecar, 4 Hz) and
  an ``_events.tsv`` of the session's events.

With ``deidentify`` nothing names the client or the strap, dates the session or carries its
id: files are named ``anon`` (``anon-2``, ... beside earlier ones), EDF+ patient and equipment
fields are ``X`` and the start date is 1 Jan 1985 (the EDF+ convention), the BIDS subject is
``anon``, and events keep their values only for kinds that cannot identify anyone
(:data:`ANONYMOUS_EVENT_KINDS`). Every file is created 0600 and every folder 0700
(:mod:`.paths`); nothing already written is overwritten. A session with a beat review
(``edits.csv``) carries its corrected beats too (:mod:`.export_review`).
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ExportError as ExportError
from ..types import BeatTable
from .export_review import Reviewed, held_on_grid, reviewed_beats
from .folder import SessionRecord
from .paths import free_stem, open_private, private_dir

FORMATS = ("csv", "kubios", "edf", "bids")
EXPORT_FS_HZ = 4.0
ANONYMOUS_START = datetime(1985, 1, 1)
#: Event kinds whose value describes the session, never a person or a device.
ANONYMOUS_EVENT_KINDS = frozenset({"pacer_rate", "step", "gap", "breathing", "battery"})
ANONYMOUS_STEM = "anon"


def start_datetime(meta: dict[str, Any]) -> datetime | None:
    """The session's recorded start (ISO 8601 text), or None when missing or unreadable."""
    value = meta.get("start_time")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def beats_in_order(record: SessionRecord) -> tuple[BeatTable, int]:
    """The beats whose time is later than every beat before them, and how many were not
    (a clock that went backwards in a damaged file): analyses need increasing times."""
    t = record.beats["t_s"]
    keep = np.ones(t.size, dtype=bool)
    if t.size > 1:
        keep[1:] = t[1:] > np.maximum.accumulate(t)[:-1]
    keep &= np.isfinite(t)
    n_dropped = int(t.size - np.count_nonzero(keep))
    return record.beats.select(keep) if n_dropped else record.beats, n_dropped


def event_text(kind: str, value: str, deidentify: bool) -> str:
    """An event as one line of text; de-identified, only safe kinds keep their value."""
    if deidentify and kind not in ANONYMOUS_EVENT_KINDS:
        return kind
    return f"{kind} {value}".strip()


def _edf_text(text: str) -> str:
    """EDF+ header fields: printable ASCII, spaces as underscores (EDF+ specification)."""
    ascii_text = text.encode("ascii", "replace").decode().replace("?", "_")
    return "_".join(ascii_text.split()) or "X"


def _tachogram(beats: BeatTable) -> tuple[np.ndarray, np.ndarray]:
    """RR (ms) at 4 Hz from the first to the last beat, held between beats."""
    t, rr = beats["t_s"], beats["rr_ms"]
    grid = np.arange(t[0], t[-1], 1.0 / EXPORT_FS_HZ)
    idx = np.clip(np.searchsorted(t, grid, side="right"), 0, rr.size - 1)
    return grid, rr[idx]  # the interval that is running at each sample


def _lines(columns: Iterable[list[Any]], sep: str) -> str:
    """Rows of plain numbers (Python reprs: shortest round-trip), one per line."""
    return "".join(sep.join(row) + "\n" for row in zip(
        *(map(repr, c) for c in columns), strict=True))


def _export_csv(beats: BeatTable, out: Path, stem: str,
                rev: Reviewed | None) -> list[Path]:
    path = out / f"{stem}_beats.csv"
    columns = [beats["t_s"].tolist(), beats["rr_ms"].tolist(), beats["hr_bpm"].tolist(),
               beats["artifact"].astype(int).tolist()]
    header, text = "t_s,rr_ms,hr_bpm,artifact", _lines(columns, ",")
    if rev is not None:  # the raw beats with their reviewed labels
        header += ",label,edited"
        labels = np.where(rev.label == "", "normal", rev.label)
        text = "".join(f"{row},{label},{int(edited)}\n" for row, label, edited in zip(
            text.splitlines(), labels.tolist(), rev.edited.tolist(), strict=True))
    with open_private(path, "x") as f:
        f.write(header + "\n")
        f.write(text)
    return [path]


def _export_kubios(beats: BeatTable, out: Path, stem: str,
                   rev: Reviewed | None) -> list[Path]:
    path = out / f"{stem}_rr.txt"
    with open_private(path, "x") as f:
        f.write(_lines([beats["rr_ms"].tolist()], ""))
    if rev is None:
        return [path]
    corrected = out / f"{stem}_rr_corrected.txt"
    with open_private(corrected, "x") as f:
        f.write(_lines([rev.rr_ms.tolist()], ""))
    return [path, corrected]


def _export_edf(record: SessionRecord, beats: BeatTable, out: Path, stem: str,
                deidentify: bool, rev: Reviewed | None) -> list[Path]:
    import pyedflib

    path = out / f"{stem}.edf"
    grid, rr = _tachogram(beats)
    hr = 60000.0 / rr
    n_seconds = int(np.floor(grid.size / EXPORT_FS_HZ))
    if n_seconds < 1:
        raise ExportError("the session is too short for EDF+ (under one second)")
    n = int(n_seconds * EXPORT_FS_HZ)
    channels = [("RR", "ms", rr[:n], 0.0, 3000.0), ("HR", "bpm", hr[:n], 0.0, 250.0)]
    if rev is not None:
        channels.append(("RR corrected", "ms", held_on_grid(grid, rev.t_s, rev.rr_ms)[:n],
                         0.0, 3000.0))
    open_private(path, "xb").close()  # pyedflib reopens it, keeping its 0600 mode
    writer = pyedflib.EdfWriter(str(path), len(channels), file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        writer.setSignalHeaders([{
            "label": label, "dimension": unit, "sample_frequency": EXPORT_FS_HZ,
            "physical_min": lo, "physical_max": hi, "digital_min": -32768,
            "digital_max": 32767, "transducer": "ECG chest strap", "prefilter": ""}
            for label, unit, _, lo, hi in channels])
        start = start_datetime(record.meta)
        if deidentify:
            writer.setPatientName("X")
            writer.setPatientCode("X")
            writer.setEquipment("X")
            writer.setStartdatetime(ANONYMOUS_START)
        else:
            writer.setPatientName(_edf_text(str(record.meta.get("client_name") or "X")))
            writer.setPatientCode(_edf_text(str(record.meta.get("client_id") or "X")))
            device = record.meta.get("device")
            name = device.get("name") if isinstance(device, dict) else None
            writer.setEquipment(_edf_text(str(name or "X"))[:40])
            if start is not None:
                writer.setStartdatetime(start.replace(tzinfo=None))
        writer.writeSamples([np.clip(x, lo, hi) for _, _, x, lo, hi in channels])
        for t, kind, value in record.events:
            if t - grid[0] < n_seconds:
                writer.writeAnnotation(max(t - grid[0], 0.0), -1,
                                       event_text(kind, value, deidentify)[:40])
        if rev is not None:  # each beat a person labelled, with its label
            for t, label in zip(beats["t_s"][rev.edited], rev.label[rev.edited], strict=True):
                if t - grid[0] < n_seconds:
                    writer.writeAnnotation(max(t - grid[0], 0.0), -1,
                                           f"edit {label or 'normal'}")
    finally:
        writer.close()
    return [path]


def _export_bids(record: SessionRecord, beats: BeatTable, out: Path,
                 deidentify: bool, rev: Reviewed | None) -> list[Path]:
    subject = "anon" if deidentify else _bids_label(record.meta.get("client_id") or "anon")
    folder = private_dir(out / f"sub-{subject}" / "beh")
    names = ("_physio.tsv.gz", "_physio.json", "_events.tsv")
    acq = ANONYMOUS_STEM if deidentify else _bids_label(record.session_id)
    stem = free_stem(folder, f"sub-{subject}_task-biofeedback_acq-{acq}", names, sep="")
    physio, sidecar, events = (folder / f"{stem}{suffix}" for suffix in names)
    grid, rr = _tachogram(beats)
    with (open_private(physio, "xb") as raw,
          gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as packed,
          io.TextIOWrapper(packed, encoding="utf-8", newline="") as f):
        columns = [rr.tolist(), (60000.0 / rr).tolist()]
        if rev is not None:
            columns.append(held_on_grid(grid, rev.t_s, rev.rr_ms).tolist())
        f.write(_lines(columns, "\t"))
    description = {
        "SamplingFrequency": EXPORT_FS_HZ, "StartTime": float(grid[0]),
        "Columns": ["rr_interval", "heart_rate"],
        "rr_interval": {"Description": "running RR interval, sampled and held at 4 Hz",
                        "Units": "ms"},
        "heart_rate": {"Description": "60000 / rr_interval", "Units": "bpm"},
        "SoftwareVersions": f"biofeedback {record.meta.get('app_version', '')}",
    }
    if rev is not None:
        description["Columns"].append("rr_interval_corrected")
        description["rr_interval_corrected"] = {
            "Description": f"RR interval after artifact correction with the beat review "
            f"({int(rev.edited.sum())} beats labelled by hand), sampled and held at 4 Hz",
            "Units": "ms"}
        description["rr_interval"]["Description"] += " (raw, as recorded)"
    device = record.meta.get("device")
    if not deidentify and isinstance(device, dict) and device.get("name"):
        description["Manufacturer"] = str(device["name"])
    with open_private(sidecar, "x") as f:
        json.dump(description, f, indent=2)
    with open_private(events, "x") as f:
        f.write("onset\tduration\ttrial_type\tvalue\n")
        f.writelines(f"{t!r}\t0\t{kind}\t{_bids_value(kind, value, deidentify)}\n"
                     for t, kind, value in record.events)
    return [physio, sidecar, events]


def _bids_label(text: str) -> str:
    """A BIDS entity label: letters and digits only."""
    return "".join(c for c in str(text) if c.isascii() and c.isalnum()) or "anon"


def _bids_value(kind: str, value: str, deidentify: bool) -> str:
    shown = event_text(kind, value, deidentify)[len(kind):].strip()
    return shown.replace("\t", " ") or "n/a"


def export_session(record: SessionRecord, fmt: str, out: Path,
                   deidentify: bool = False) -> list[Path]:
    """Write ``record`` as ``fmt`` into the folder ``out``; return the files written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    beats, n_dropped = beats_in_order(record)
    if beats["t_s"].size < 2:
        raise ExportError("the session holds fewer than two beats")
    if n_dropped:
        raise ExportError(f"{n_dropped} beat times in {record.folder} go backwards; the "
                          "recording is damaged")
    client = record.meta.get("client_id")
    stem = (ANONYMOUS_STEM if deidentify else
            f"{client}_{record.session_id}" if client else record.session_id)
    try:
        private_dir(out)
        rev = reviewed_beats(record, beats)
        if fmt == "bids":
            return _export_bids(record, beats, out, deidentify, rev)
        suffix = {"csv": ["_beats.csv"], "kubios": ["_rr.txt", "_rr_corrected.txt"],
                  "edf": [".edf"]}[fmt]
        stem = free_stem(out, stem, suffix)
        if fmt == "csv":
            return _export_csv(beats, out, stem, rev)
        if fmt == "kubios":
            return _export_kubios(beats, out, stem, rev)
        return _export_edf(record, beats, out, stem, deidentify, rev)
    except OSError as exc:
        where = exc.filename or out
        raise ExportError(f"cannot write to {where}: {exc.strerror or exc}") from None
