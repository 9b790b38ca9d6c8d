"""The one loader (storage/recordings.py): "session folder or RR file?" decided in one place,
beats handed on as one BeatTable."""

import numpy as np
import pytest
from helpers import record_sim
from realdata import data_file

from biofeedback.errors import RecordingError, UserError
from biofeedback.storage.folder import read_session
from biofeedback.storage.recordings import load_recording
from biofeedback.storage.rrfiles import read_rr
from biofeedback.types import BeatTable

FILES = ("polar_h10/slow_breathing_10min_ibi.csv", "meditation/M2_rr.csv",
         "nsrdb_1h/series_1_rr_ms.txt")


@pytest.mark.parametrize("relative", FILES)
def test_an_rr_file_loads_as_the_reader_reads_it(relative):
    path = data_file(relative)
    rr = read_rr(path)
    rec = load_recording(path)
    assert isinstance(rec.beats, BeatTable) and rec.session is None
    assert rec.format == rr.format != "session" and rec.events == [] and rec.meta == {}
    np.testing.assert_array_equal(rec.beats.t_s, rr.t_s)
    np.testing.assert_array_equal(rec.beats.rr_ms, rr.rr_ms)
    np.testing.assert_allclose(rec.beats.hr_bpm, 60000.0 / rr.rr_ms)
    assert np.isnan(rec.beats.contact).all() and not rec.beats.artifact.any()
    np.testing.assert_array_equal(rec.beats.arrival_s, rr.t_s)


@pytest.mark.parametrize("seed", [2, 7])
def test_a_session_folder_loads_with_its_beats_events_and_metadata(tmp_path, seed):
    _, _, folder, _ = record_sim(tmp_path, f"sim:seed={seed},ectopic=2", 120.0)
    rec = load_recording(folder)
    session = read_session(folder)
    assert rec.format == "session" and rec.session is not None
    assert rec.meta == session.meta and rec.events == session.events
    for column in BeatTable.COLUMNS:
        np.testing.assert_array_equal(rec.beats[column], session.beats[column])
    assert rec.beats.artifact.dtype == bool and rec.beats.artifact.any()  # ectopics flagged
    assert rec.meta["source"] == f"sim:seed={seed},ectopic=2"
    assert rec.meta["app_version"] and rec.meta["post_rating"] is None  # session_meta


def test_a_folder_with_too_few_beats_is_refused_in_one_line_unless_asked(tmp_path):
    _, _, folder, _ = record_sim(tmp_path, "sim:seed=1", 120.0)
    beats = folder / "beats.csv"
    beats.write_text(beats.read_text().splitlines()[0] + "\n")
    with pytest.raises(RecordingError, match="fewer than two beats") as caught:
        load_recording(folder)
    assert isinstance(caught.value, UserError) and "\n" not in str(caught.value)
    assert len(load_recording(folder, min_beats=0).beats) == 0


def test_beat_table_columns_and_selection():
    table = BeatTable.from_rr(np.array([1.0, 2.0, 2.8]), np.array([1000.0, 1000.0, 800.0]))
    assert len(table) == 3 and table["hr_bpm"].tolist() == [60.0, 60.0, 75.0]
    kept = table.select(np.array([True, False, True]))
    assert kept.t_s.tolist() == [1.0, 2.8] and len(kept) == 2
    with pytest.raises(KeyError):
        table["beats"]
