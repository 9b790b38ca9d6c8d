"""Exports of a session to the formats other tools open.

* ``csv``: the beats (``t_s, rr_ms, hr_bpm, artifact``);
* ``kubios``: RR text, one interval in ms per line (Kubios HRV reads it; so does our importer,
  bit for bit);
* ``edf``: EDF+ with the RR tachogram and heart rate resampled at 4 Hz, and an annotation per
  event (markers, protocol steps, connections);
* ``bids``: BIDS physiological recording (``_physio.tsv.gz`` with its JSON sidecar, 4 Hz) and
  an ``_events.tsv`` of the session's events.

With ``deidentify`` nothing names the client or dates the session: files are named by session
id, EDF+ patient fields are ``X`` and the start date is 1 Jan 1985 (the EDF+ convention), the
BIDS subject is ``anon``.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import numpy as np

from .paths import open_private, private_dir
from .session import SessionRecord

FORMATS = ("csv", "kubios", "edf", "bids")
EXPORT_FS_HZ = 4.0
ANONYMOUS_START = datetime(1985, 1, 1)


class ExportError(Exception):
    """An export that cannot be written; ``str()`` is a one-line reason."""


def _edf_text(text: str) -> str:
    """EDF+ header fields: printable ASCII, spaces as underscores (EDF+ specification)."""
    ascii_text = text.encode("ascii", "replace").decode().replace("?", "_")
    return "_".join(ascii_text.split()) or "X"


def _tachogram(record: SessionRecord) -> tuple[np.ndarray, np.ndarray]:
    """RR (ms) at 4 Hz from the first to the last beat, held between beats."""
    t, rr = record.beats["t_s"], record.beats["rr_ms"]
    grid = np.arange(t[0], t[-1], 1.0 / EXPORT_FS_HZ)
    idx = np.clip(np.searchsorted(t, grid, side="right"), 0, rr.size - 1)
    return grid, rr[idx]  # the interval that is running at each sample


def _export_csv(record: SessionRecord, out: Path, stem: str) -> list[Path]:
    path = out / f"{stem}_beats.csv"
    b = record.beats
    with open_private(path, "w") as f:
        f.write("t_s,rr_ms,hr_bpm,artifact\n")
        for t, rr, hr, art in zip(b["t_s"], b["rr_ms"], b["hr_bpm"], b["artifact"], strict=True):
            f.write(f"{t!r},{rr!r},{hr!r},{int(art)}\n")
    return [path]


def _export_kubios(record: SessionRecord, out: Path, stem: str) -> list[Path]:
    path = out / f"{stem}_rr.txt"
    with open_private(path, "w") as f:
        f.writelines(f"{rr!r}\n" for rr in record.beats["rr_ms"].tolist())
    return [path]


def _export_edf(record: SessionRecord, out: Path, stem: str, deidentify: bool) -> list[Path]:
    import pyedflib

    path = out / f"{stem}.edf"
    grid, rr = _tachogram(record)
    hr = 60000.0 / rr
    n_seconds = int(np.floor(grid.size / EXPORT_FS_HZ))
    if n_seconds < 1:
        raise ExportError("the session is too short for EDF+ (under one second)")
    n = int(n_seconds * EXPORT_FS_HZ)
    channels = [("RR", "ms", rr[:n], 0.0, 3000.0), ("HR", "bpm", hr[:n], 0.0, 250.0)]
    writer = pyedflib.EdfWriter(str(path), len(channels), file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        writer.setSignalHeaders([{
            "label": label, "dimension": unit, "sample_frequency": EXPORT_FS_HZ,
            "physical_min": lo, "physical_max": hi, "digital_min": -32768,
            "digital_max": 32767, "transducer": "ECG chest strap", "prefilter": ""}
            for label, unit, _, lo, hi in channels])
        if deidentify:
            writer.setPatientName("X")
            writer.setPatientCode("X")
            writer.setStartdatetime(ANONYMOUS_START)
        else:
            writer.setPatientName(_edf_text(str(record.meta.get("client_name") or "X")))
            writer.setPatientCode(_edf_text(str(record.meta.get("client_id") or "X")))
            start = record.meta.get("start_time")
            if start:
                writer.setStartdatetime(datetime.fromisoformat(start).replace(tzinfo=None))
        writer.setEquipment(_edf_text(str(record.meta.get("device", {}).get("name", "?")))[:40])
        writer.writeSamples([np.clip(x, lo, hi) for _, _, x, lo, hi in channels])
        for t, kind, value in record.events:
            if t - grid[0] < n_seconds:
                text = kind if deidentify and kind == "marker" else f"{kind} {value}".strip()
                writer.writeAnnotation(max(t - grid[0], 0.0), -1, text[:40])
    finally:
        writer.close()
    return [path]


def _export_bids(record: SessionRecord, out: Path, deidentify: bool) -> list[Path]:
    subject = "anon" if deidentify else (record.meta.get("client_id") or "anon").replace("-", "")
    folder = private_dir(out / f"sub-{subject}" / "beh")
    base = folder / f"sub-{subject}_task-biofeedback_acq-{record.session_id}"
    grid, rr = _tachogram(record)
    physio = base.with_name(base.name + "_physio.tsv.gz")
    with gzip.open(physio, "wt", encoding="utf-8") as f:
        f.writelines(f"{a!r}\t{b!r}\n" for a, b in zip(rr.tolist(), (60000.0 / rr).tolist(),
                                                        strict=True))
    physio.chmod(0o600)
    sidecar = base.with_name(base.name + "_physio.json")
    with open_private(sidecar, "w") as f:
        json.dump({
            "SamplingFrequency": EXPORT_FS_HZ, "StartTime": float(grid[0]),
            "Columns": ["rr_interval", "heart_rate"],
            "rr_interval": {"Description": "running RR interval, sampled and held at 4 Hz",
                            "Units": "ms"},
            "heart_rate": {"Description": "60000 / rr_interval", "Units": "bpm"},
            "Manufacturer": str(record.meta.get("device", {}).get("name", "unknown")),
            "SoftwareVersions": f"biofeedback {record.meta.get('app_version', '')}",
        }, f, indent=2)
    events = base.with_name(base.name + "_events.tsv")
    with open_private(events, "w") as f:
        f.write("onset\tduration\ttrial_type\tvalue\n")
        for t, kind, value in record.events:
            shown = "" if deidentify and kind == "marker" else value
            f.write(f"{t!r}\t0\t{kind}\t{shown or 'n/a'}\n")
    return [physio, sidecar, events]


def export_session(record: SessionRecord, fmt: str, out: Path,
                   deidentify: bool = False) -> list[Path]:
    """Write ``record`` as ``fmt`` into the folder ``out``; return the files written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    if record.beats["t_s"].size < 2:
        raise ExportError("the session holds fewer than two beats")
    client = record.meta.get("client_id")
    stem = record.session_id if deidentify or not client else f"{client}_{record.session_id}"
    try:
        private_dir(out)
        if fmt == "csv":
            return _export_csv(record, out, stem)
        if fmt == "kubios":
            return _export_kubios(record, out, stem)
        if fmt == "edf":
            return _export_edf(record, out, stem, deidentify)
        return _export_bids(record, out, deidentify)
    except OSError as exc:
        raise ExportError(f"cannot write to {out}: {exc.strerror or exc}") from None
