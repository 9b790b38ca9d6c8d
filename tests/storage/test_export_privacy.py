"""Exports and reports keep health data private (issue 12, items 1-4).

Files are plain numbers (1); folders that existed are left alone (2); every file is 0600 and
every folder we make 0700 from the first byte (3); de-identified outputs hold no name, strap,
date or session id anywhere in their bytes (4).
"""

from __future__ import annotations

import base64
import csv
import gzip
import json
import os
import re
import stat
import sys
import zlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyedflib
import pytest
from helpers import record_sim

from biofeedback.cli import main
from biofeedback.storage.export import FORMATS, export_session
from biofeedback.storage.folder import read_session
from biofeedback.storage.library import Library
from biofeedback.storage.paths import private_dir, sessions_dir

NAME, CLIENT_ID, SESSION_ID = "Zelda Quux", "zelda-quux", "sid7q2zx"
STRAP = {"kind": "ble", "name": "Polar H10 7C3A9B21", "address": "C4:7E:11:22:AB:CD",
         "serial": "7C3A9B21", "manufacturer": "Polar Electro Oy", "firmware": "5.0.0"}
START = "2031-07-19T14:05:00+02:00"


def _identifying_tokens() -> list[bytes]:
    today = date.today()
    words = [NAME.split()[0], NAME.split()[1], CLIENT_ID, SESSION_ID, STRAP["serial"],
             STRAP["address"], "Polar", "2031-07-19", "20310719", "19.07.31", "19-JUL-2031",
             today.isoformat(), today.strftime("%Y%m%d"), today.strftime("%d.%m.%y"),
             today.strftime("%d-%b-%Y")]
    return [w.lower().encode() for w in words]


def _plant_identity(folder: Path, seed: int) -> Path:
    """Give a recorded session a client, a dated start, a real strap and identifying events,
    as a clinic's session has."""
    meta = json.loads((folder / "session.json").read_text())
    meta.update(client_id=CLIENT_ID, client_name=NAME, start_time=START, session_id=SESSION_ID,
                device=STRAP, pre_rating=7, post_rating=3 + seed % 2)
    renamed = folder.with_name(f"20310719T140500_{SESSION_ID}")
    folder.rename(renamed)
    (renamed / "session.json").write_text(json.dumps(meta))
    with (renamed / "events.csv").open("a") as f:
        f.write(f"0.5,connected,{STRAP['name']}\n2.0,info,serial {STRAP['serial']}\n"
                f"3.0,marker,{NAME} felt dizzy\n")
    return renamed


@pytest.fixture(params=[3, 8])
def clinic(request, tmp_path):
    """A library holding one identifiable standard session (two seeds)."""
    root = tmp_path / "data"
    _, _, folder, _ = record_sim(sessions_dir(root), f"sim:seed={request.param}", 420.0,
                                 "standard")
    folder = _plant_identity(folder, request.param)
    with Library(root):
        pass
    return root, folder


def _pdf_bytes(data: bytes) -> bytes:
    """A PDF's text as a reader sees it: the bytes outside streams, every Flate stream
    unpacked, and text runs joined (matplotlib writes kerned text as ``[(Ze) 30 (lda)] TJ``)."""
    streams = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
    parts = [streams.sub(b"stream endstream", data)]
    for m in streams.finditer(data):
        try:
            parts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    joined = b"\n".join(parts)
    return joined + re.sub(rb"\)\s*-?\d+(?:\.\d+)?\s*\(", b"", joined)


def _png_text(png: bytes) -> bytes:
    """The text chunks of a PNG (tEXt, zTXt, iTXt): what it says besides its pixels."""
    found, at = [], 8
    while at + 8 <= len(png):
        size, kind = int.from_bytes(png[at:at + 4], "big"), png[at + 4:at + 8]
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            found.append(png[at + 8:at + 8 + size])
        at += 12 + size
    return b"\n".join(found)


def _all_bytes(path: Path) -> bytes:
    """Everything a reader of ``path`` could see: its name, its text and metadata, and what
    it packs (compressed payloads are searched unpacked, where text would be)."""
    data = path.read_bytes()
    parts = [path.name.encode()]
    base64_png = rb"base64,([A-Za-z0-9+/=]+)"
    if path.suffix == ".gz":
        parts += [data[:10], gzip.decompress(data)]
    elif path.suffix == ".pdf":
        parts.append(_pdf_bytes(data))
    elif path.suffix == ".html":
        parts.append(re.sub(base64_png, b"base64,", data))
        parts += [_png_text(base64.b64decode(m)) for m in re.findall(base64_png, data)]
    elif path.suffix == ".edf":
        n_signals = int(data[252:256])
        parts.append(data[:256 * (n_signals + 1)])
        with pyedflib.EdfReader(str(path)) as f:
            parts.append(repr(f.getHeader()).encode())
            parts.append(repr(list(f.readAnnotations()[2])).encode())
    else:
        parts.append(data)
    return b"\n".join(parts).lower()


def _outputs(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file())


def _write_everything(root: Path, folder: Path, out: Path, deidentify: bool) -> list[Path]:
    flag = ["--deidentify"] if deidentify else []
    home = ["--data-dir", str(root)]
    for fmt in FORMATS:
        assert main(["export", str(folder), "--format", fmt, "--out", str(out), *flag,
                     *home]) == 0
    assert main(["report", str(folder), "--out", str(out), *flag, *home]) == 0
    assert main(["report", "--client", NAME, "--out", str(out), *flag, *home]) == 0
    return _outputs(out)


def test_deidentified_outputs_hold_no_name_strap_date_or_session_id(clinic, tmp_path, capsys):
    root, folder = clinic
    named = _write_everything(root, folder, tmp_path / "named", deidentify=False)
    anon = _write_everything(root, folder, tmp_path / "anon", deidentify=True)
    capsys.readouterr()
    assert {p.suffix for p in anon} == {".csv", ".txt", ".edf", ".gz", ".json", ".tsv",
                                       ".html", ".pdf"}
    # The search finds identity where it belongs, so its silence below means something.
    named_bytes = b"".join(_all_bytes(p) for p in named)
    for token in (b"zelda", SESSION_ID.encode(), b"7c3a9b21", b"2031"):
        assert token in named_bytes
    for suffix in (".pdf", ".edf"):
        assert all(b"zelda" in _all_bytes(p) for p in named if p.suffix == suffix)
    for path in anon:
        seen = _all_bytes(path)
        leaks = [t.decode() for t in _identifying_tokens() if t in seen]
        assert not leaks, f"{path.relative_to(tmp_path)} reveals {leaks}"
    (physio,) = [p for p in anon if p.suffix == ".gz"]
    assert int.from_bytes(physio.read_bytes()[4:8], "little") == 0  # no gzip timestamp
    (pdf, *_) = [p for p in anon if p.suffix == ".pdf"]
    assert b"/creationdate" not in _all_bytes(pdf)
    (edf,) = [p for p in anon if p.suffix == ".edf"]
    with pyedflib.EdfReader(str(edf)) as f:
        assert f.getEquipment() in ("", "X") and f.getStartdatetime().year == 1985
        texts = list(f.readAnnotations()[2])
    assert "connected" in texts and "marker" in texts and any(
        t.startswith("pacer_rate ") for t in texts)  # kinds stay, safe values stay


def test_csv_export_is_plain_numbers_pandas_reads(tmp_path):
    for seed in (1, 5):
        _, _, folder, _ = record_sim(tmp_path / f"s{seed}", f"sim:seed={seed}", 150.0)
        record = read_session(folder)
        for deidentify in (False, True):
            (path,) = export_session(record, "csv", tmp_path / f"out{seed}", deidentify)
            text = path.read_text()
            assert "np." not in text and "(" not in text
            table = pd.read_csv(path, float_precision="round_trip")
            assert list(table.columns) == ["t_s", "rr_ms", "hr_bpm", "artifact"]
            assert all(np.issubdtype(t, np.number) for t in table.dtypes)
            np.testing.assert_array_equal(table["rr_ms"], record.beats["rr_ms"])
            np.testing.assert_array_equal(table["t_s"], record.beats["t_s"])
            assert set(table["artifact"]) <= {0, 1}
            rows = list(csv.reader(text.splitlines()))[1:]
            assert len(rows) == record.beats["t_s"].size


def test_existing_folders_keep_their_modes(tmp_path, capsys):
    shared = tmp_path / "shared_tmp"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    assert main(["record", "--source", "sim:seed=2", "--duration", "90", "--speed", "2000",
                 "--client", "Ann", "--data-dir", str(home)]) == 0
    (folder,) = sessions_dir(home).iterdir()
    for fmt in ("csv", "bids"):
        assert main(["export", folder.name, "--format", fmt, "--out", str(shared),
                     "--data-dir", str(home)]) == 0
    assert main(["report", folder.name, "--out", str(shared), "--data-dir", str(home)]) == 0
    capsys.readouterr()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE(home.stat().st_mode) == 0o755
    assert stat.S_IMODE(sessions_dir(home).stat().st_mode) == 0o700  # ours: private
    for made in (shared / "sub-ann", shared / "sub-ann" / "beh"):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700


def test_private_dir_makes_only_what_is_missing(tmp_path):
    tmp_path.chmod(0o751)
    deep = private_dir(tmp_path / "a" / "b" / "c")
    assert deep.is_dir() and stat.S_IMODE(tmp_path.stat().st_mode) == 0o751
    for made in (tmp_path / "a", tmp_path / "a" / "b", deep):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700
    (tmp_path / "a").chmod(0o755)
    private_dir(deep)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o755
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "file")
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "file" / "under")


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("deidentify", [False, True])
def test_every_export_file_is_private_from_its_first_byte(tmp_path, monkeypatch, umask_022,
                                                          deidentify):
    _, _, folder, _ = record_sim(tmp_path / "s", "sim:seed=6", 420.0, "standard")
    record = read_session(folder)
    out = tmp_path / "new" / "out"
    exposed: list[str] = []
    watching = [True]

    def audit(event: str, args: tuple) -> None:
        if not watching[0]:
            return
        if event == "os.chmod" and Path(str(args[0])).is_file():
            exposed.append(f"chmod after creation: {args[0]}")  # it was born readable
        if event == "open" and out.exists():
            exposed.extend(f"{p} is {oct(stat.S_IMODE(p.stat().st_mode))}"
                           for p in out.rglob("*")
                           if p.is_file() and p.stat().st_mode & 0o077)

    class WatchedEdfWriter(pyedflib.EdfWriter):
        def __init__(self, path, *a, **k):
            super().__init__(path, *a, **k)
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if mode & 0o077:
                exposed.append(f"{path} born {oct(mode)}")

    monkeypatch.setattr(pyedflib, "EdfWriter", WatchedEdfWriter)
    sys.addaudithook(audit)
    try:
        written = [p for fmt in FORMATS for p in export_session(record, fmt, out, deidentify)]
    finally:
        watching[0] = False
    assert not exposed
    assert {p.suffix for p in written} == {".csv", ".txt", ".edf", ".gz", ".json", ".tsv"}
    for path in _outputs(tmp_path / "new"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    folders = [tmp_path / "new", *(p for p in (tmp_path / "new").rglob("*") if p.is_dir())]
    assert len(folders) == 4  # new, out, sub-*, beh
    for made in folders:
        assert stat.S_IMODE(made.stat().st_mode) == 0o700, made


@pytest.mark.parametrize("window", [False, True])
def test_analyze_tables_are_private_from_the_first_byte(tmp_path, window):
    """``analyze --csv`` writes health data too: 0600 whatever the umask."""
    recording = Path(__file__).resolve().parents[2] / "recordings" / "slow_breathing_polar_h10.csv"
    out = tmp_path / "table.csv"
    extra = ["--window", "60", "--step", "30"] if window else []
    old = os.umask(0o022)
    try:
        assert main(["analyze", str(recording), "--csv", str(out), *extra]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
