import pytest
from realdata import load

from biofeedback.storage.rrfiles import RecordingError, read_rr


def test_every_format_in_shared_data_reads():
    assert load("polar_hrm/real_rri.txt").rr_ms.size == 771  # trailing 0 skipped
    hrm = load("polar_hrm/exercise_rri.hrm")
    assert hrm.format == "polar-hrm" and hrm.rr_ms.size > 4000
    h10 = load("polar_h10/slow_breathing_10min_ibi.csv")  # headerless: arrival time, IBI
    assert h10.rr_ms.size == 620 and h10.rr_ms[0] == 936
    sparse = load("polar_h10/pvc_bigeminy_10min_ecg_rr.csv")  # rr only on some rows
    assert sparse.rr_ms[:3].tolist() == [421, 379, 1073]
    physionet = load("long_term/mitdb100_rr_from_atr.csv")
    assert physionet.beat_labels is not None and (physionet.beat_labels == "A").sum() == 33


def test_beat_times_keep_the_gaps_of_annotated_files(tmp_path):
    f = tmp_path / "gap.csv"
    f.write_text("beat_time_s,rr_ms\n100.8,800\n101.6,800\n131.6,790\n132.4,800\n")
    rec = read_rr(f)
    assert rec.t_s.tolist() == pytest.approx([0.8, 1.6, 31.6, 32.4])


@pytest.mark.parametrize("units,scale", [("s", 1000.0), ("auto", 1000.0), ("ms", 1.0)])
def test_units_are_detected_or_given(tmp_path, units, scale):
    f = tmp_path / "rr.txt"
    f.write_text("# exported\n0.812\n0.790\n0.805\n")
    if units == "ms":
        with pytest.raises(RecordingError, match="not a heartbeat interval"):
            read_rr(f, units=units)
        return
    assert read_rr(f, units=units).rr_ms.tolist() == pytest.approx([812, 790, 805])


@pytest.mark.parametrize(
    "content,message",
    [(b"", "no RR intervals"), (b"\x00\x01binary", "binary"),
     (b"hello world\nthis is prose\n", "RR"),
     (b"time,ecg\n1,2\n3,4\n", "no RR column"),
     (b"[Params]\nInterval=1\n[HRData]\n100\n", "not in R-R mode"),
     (b"800\n810\nabc\n", "non-numeric"),
     (b"rr\n20\n30\n", "not a heartbeat")],
)
def test_broken_or_foreign_files_give_one_line(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(RecordingError, match=message) as err:
        read_rr(f)
    assert "\n" not in str(err.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(RecordingError, match="no such file"):
        read_rr(tmp_path / "nope.txt")
    with pytest.raises(RecordingError, match="folder"):
        read_rr(tmp_path)
