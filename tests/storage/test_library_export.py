import gzip
import json

import numpy as np
import pyedflib
import pytest
from helpers import record_sim
from realdata import data_file

from biofeedback.cli import main
from biofeedback.storage.export import export_session
from biofeedback.storage.folder import read_session
from biofeedback.storage.library import Library, LibraryError, client_id
from biofeedback.storage.paths import sessions_dir
from biofeedback.storage.rrfiles import read_rr


@pytest.fixture
def library_with_sessions(tmp_path):
    """Two clients, three sessions (one interrupted), written through the CLI."""
    home = str(tmp_path)
    for client, seed in (("Anna Smith", 1), ("Ben", 2), ("Anna Smith", 3)):
        assert main(["record", "--source", f"sim:seed={seed}", "--duration", "90", "--speed",
                     "2000", "--client", client, "--pre-rating", "7", "--data-dir", home]) == 0
    folder = sorted(sessions_dir(tmp_path).iterdir())[0]
    meta = json.loads((folder / "session.json").read_text())
    meta["end_status"] = "recording"  # as a killed session leaves it
    (folder / "session.json").write_text(json.dumps(meta))
    with Library(tmp_path) as lib:
        lib.rebuild()
    return tmp_path


def test_deleting_the_library_and_rebuilding_gives_everything_back(library_with_sessions):
    root = library_with_sessions
    assert main(["rate", sorted(sessions_dir(root).iterdir())[1].name.rsplit("_")[-1],
                 "--post", "3", "--data-dir", str(root)]) == 0
    with Library(root) as lib:
        lib.update_client("Anna Smith", resonance_bpm=5.5)
        before = (lib.clients(), lib.sessions())
    (root / "library.sqlite").unlink()
    with Library(root) as lib:
        after = (lib.clients(), lib.sessions())
    assert after == before
    clients, sessions = after
    assert [c["id"] for c in clients] == ["anna-smith", "ben"]
    assert clients[0]["resonance_bpm"] == 5.5
    assert len(sessions) == 3 and sorted(s["end_status"] for s in sessions) == [
        "completed", "completed", "interrupted"]
    assert {s["pre_rating"] for s in sessions} == {7}
    assert [s["post_rating"] for s in sessions].count(3) == 1


def test_a_corrupt_library_is_a_one_line_error(tmp_path):
    (tmp_path / "library.sqlite").write_text("not a database at all" * 100)
    with pytest.raises(LibraryError, match="not a usable library"):
        Library(tmp_path)
    with pytest.raises(LibraryError):
        client_id("!!!")


def test_kubios_export_reads_back_identically(tmp_path):
    _, _, folder, _ = record_sim(tmp_path / "s", "sim:seed=4", 120.0)
    rec = read_session(folder)
    (path,) = export_session(rec, "kubios", tmp_path / "out")
    back = read_rr(path)
    assert back.rr_ms.tolist() == rec.beats["rr_ms"].tolist()
    np.testing.assert_allclose(back.t_s, rec.beats["t_s"] - rec.beats["t_s"][0]
                               + rec.beats["rr_ms"][0] / 1000, atol=1e-9)


def test_edf_opens_in_pyedflib_and_deidentifies(tmp_path):
    _, _, folder, _ = record_sim(tmp_path / "s", "sim:seed=4,dropouts=30", 300.0)
    rec = read_session(folder)
    rec.meta.update(client_id="anna-smith", client_name="Anna Smith")
    (named,) = export_session(rec, "edf", tmp_path / "named")
    (anon,) = export_session(rec, "edf", tmp_path / "anon", deidentify=True)
    with pyedflib.EdfReader(str(named)) as f:
        assert f.getSignalLabels() == ["RR", "HR"]
        assert f.getSampleFrequency(0) == 4.0
        assert f.getFileDuration() == pytest.approx(rec.beats["t_s"][-1], abs=2)
        rr = f.readSignal(0)
        assert np.median(rr) == pytest.approx(np.median(rec.beats["rr_ms"]), rel=0.02)
        assert "Anna" in f.getPatientName()
        texts = list(f.readAnnotations()[2])
        assert any(t.startswith("disconnected") for t in texts)
    with pyedflib.EdfReader(str(anon)) as f:
        assert f.getPatientName() == "X" and f.getStartdatetime().year == 1985
    assert "anna" not in anon.name


def test_bids_physio_has_its_sidecar(tmp_path):
    _, _, folder, _ = record_sim(tmp_path / "s", "sim:seed=4", 120.0)
    rec = read_session(folder)
    physio, sidecar, events = export_session(rec, "bids", tmp_path / "bids", deidentify=True)
    meta = json.loads(sidecar.read_text())
    with gzip.open(physio, "rt") as f:
        rows = [line.split("\t") for line in f.read().splitlines()]
    assert meta["SamplingFrequency"] == 4.0 and len(meta["Columns"]) == len(rows[0]) == 2
    assert len(rows) == pytest.approx(rec.beats["t_s"][-1] * 4, abs=8)
    assert "sub-anon" in str(physio) and events.read_text().startswith("onset\tduration")


def test_import_then_list_then_export_through_the_cli(tmp_path, capsys):
    home = ["--data-dir", str(tmp_path)]
    assert main(["import", str(data_file("polar_hrm/rest_rri.txt")), "--client", "Cara",
                 *home]) == 0
    assert main(["sessions", "--json", *home]) == 0
    out = capsys.readouterr().out
    (row,) = json.loads(out[out.index("["):])
    assert row["client_id"] == "cara" and row["n_beats"] == 910
    assert row["protocol"] == "unpaced"
    assert main(["export", row["id"], "--format", "csv", "--out", str(tmp_path / "x"),
                 *home]) == 0
    assert main(["export", "nope", "--format", "csv", *home]) == 2
    assert "no session 'nope'" in capsys.readouterr().err
