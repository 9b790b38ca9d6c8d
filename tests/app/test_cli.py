import json
import subprocess
import sys

import pytest
from realdata import data_file

from biofeedback.cli import main
from biofeedback.signal import summarize
from biofeedback.storage.rrfiles import read_rr

KEYS = [
    "n_beats", "duration_s", "mean_rr_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct", "mean_hr_bpm",
    "vlf_ms2", "lf_ms2", "hf_ms2", "lf_hf", "lf_peak_hz", "hf_peak_hz", "coherence_ratio",
    "coherence_peak_hz", "artifacts_pct", "parameters", "version",
]


def test_analyze_json_has_the_design_keys_and_the_library_values(capsys):
    path = str(data_file("polar_h10/slow_breathing_10min_ibi.csv"))
    assert main(["analyze", path, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(KEYS) <= set(out)
    rec = read_rr(path)
    assert out["rmssd_ms"] == pytest.approx(summarize(rec.t_s, rec.rr_ms)["rmssd_ms"])
    assert out["parameters"]["spectral"]["segment_s"] == 300.0


def test_several_files_give_a_list_and_a_broken_one_does_not_stop_the_rest(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing here\n")
    paths = [str(data_file("meditation/M2_rr.csv")), str(bad),
             str(data_file("polar_hrm/noisy_rri.hrm"))]
    assert main(["analyze", *paths, "--json"]) == 1
    captured = capsys.readouterr()
    assert [r["path"] for r in json.loads(captured.out)] == [paths[0], paths[2]]
    assert captured.err.strip().count("\n") == 0 and "bad.csv" in captured.err


def test_windowed_csv(tmp_path):
    out = tmp_path / "w.csv"
    assert main(["analyze", str(data_file("meditation/M2_rr.csv")), "--window", "60",
                 "--step", "30", "--csv", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("path,t_end_s,n_beats") and len(lines) > 15


@pytest.mark.parametrize("args", [["analyze"], ["analyze", "x", "--window", "5"],
                                  ["analyze", "/no/such/file"], ["frobnicate"],
                                  ["analyze", "x", "--units", "furlongs"]])
def test_user_errors_are_one_line_without_traceback(args):
    run = subprocess.run([sys.executable, "-m", "biofeedback", *args], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_the_analysis_path_does_not_import_neurokit2():
    code = ("import sys, biofeedback.cli, biofeedback.signal.live; "
            "sys.exit('neurokit2' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
