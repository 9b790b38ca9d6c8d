"""A beat review is honoured by every analysis: a beat the detector flagged and a person marked
normal is a normal beat in analyze, the research API, reports and exports; replay's what-if
and ``rf SESSION`` use the edits too."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pyedflib
import pytest
from realdata import data_file

from biofeedback import research
from biofeedback.cli import main
from biofeedback.reports.documents import session_report
from biofeedback.signal import windowed_metrics
from biofeedback.signal.artifacts import detect_artifacts, resolution_ms
from biofeedback.storage.edits import Edits, write_edits
from biofeedback.storage.export import export_session
from biofeedback.storage.folder import read_session
from biofeedback.storage.rrfiles import read_rr


@pytest.fixture
def overruled(tmp_path):
    """rest_rri imported as a session, its first automatic flag marked normal."""
    data = tmp_path / "data"
    assert main(["import", str(data_file("polar_hrm/rest_rri.txt")), "--client", "Everywhere",
                 "--date", "2026-03-01", "--data-dir", str(data)]) == 0
    (folder,) = (data / "sessions").iterdir()
    rec = read_session(folder)
    t, rr = rec.beats["t_s"], rec.beats["rr_ms"]
    flagged = np.flatnonzero(detect_artifacts(rr, resolution_ms(rr)) != "")
    assert flagged.size == 2
    before = research.summary([str(folder)]).iloc[0]
    write_edits(folder, Edits.empty().with_row(float(t[flagged[0]]), "normal", "sinus"))
    return folder, rec, flagged, before


def test_analyze_and_research(overruled, capsys):
    folder, rec, flagged, before = overruled
    capsys.readouterr()
    assert main(["analyze", str(folder), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["artifacts"]["ectopic"] == 1 and s["corrected_beats"] == 1
    assert s["edits_applied"] == 1 and before["corrected_beats"] == 2
    row = research.summary([str(folder)]).iloc[0]
    assert row["rmssd_ms"] == pytest.approx(s["rmssd_ms"], rel=1e-12)
    assert row["rmssd_ms"] != before["rmssd_ms"]
    w = research.windows(str(folder), 60, 60)
    t0 = rec.beats["t_s"][flagged[0]]
    hit = np.flatnonzero((w["t_end_s"] >= t0) & (w["t_end_s"] - 60 < t0))[0]
    detector = windowed_metrics(rec.beats["t_s"], rec.beats["rr_ms"], 60, 60)
    assert w["artifacts_pct"][hit] == pytest.approx(detector["artifacts_pct"][hit] / 2)


def test_report_uses_the_review(overruled):
    folder, rec, flagged, before = overruled
    report = session_report(read_session(folder))
    assert "Beat review" in report.html and "1 beats labelled by hand" in report.html
    after = research.summary([str(folder)]).iloc[0]
    assert f"{after['artifacts_pct']:.1f} %" in report.html
    assert f"{after['rmssd_ms']:.1f} ms" in report.html
    assert f"{before['rmssd_ms']:.1f} ms" not in report.html


def test_exports_carry_raw_and_corrected(overruled, tmp_path):
    folder, rec, flagged, _ = overruled
    record = read_session(folder)
    (csv,) = export_session(record, "csv", tmp_path / "csv")
    lines = csv.read_text().splitlines()
    assert lines[0] == "t_s,rr_ms,hr_bpm,artifact,label,edited"
    first, second = (lines[i + 1].split(",") for i in flagged)
    assert first[-2:] == ["normal", "1"] and second[-2:] == ["ectopic", "0"]
    raw, corrected = export_session(record, "kubios", tmp_path / "kubios")
    assert read_rr(raw).rr_ms.tolist() == rec.beats["rr_ms"].tolist()
    rr_corr = read_rr(corrected).rr_ms
    i, j = flagged
    assert rr_corr[i] == rec.beats["rr_ms"][i]  # kept: a normal beat now
    assert rr_corr[j] != rec.beats["rr_ms"][j]  # still corrected
    (edf,) = export_session(record, "edf", tmp_path / "edf")
    with pyedflib.EdfReader(str(edf)) as f:
        assert f.getSignalLabels() == ["RR", "HR", "RR corrected"]
        assert "edit normal" in list(f.readAnnotations()[2])
    physio, sidecar, _ = export_session(record, "bids", tmp_path / "bids")
    meta = json.loads(sidecar.read_text())
    assert meta["Columns"] == ["rr_interval", "heart_rate", "rr_interval_corrected"]
    with gzip.open(physio, "rt") as f:
        assert len(f.readline().split("\t")) == 3


def test_replay_what_if_uses_the_edits(tmp_path):
    data = tmp_path / "data"
    assert main(["import", str(data_file("polar_h10/slow_breathing_10min_ibi.csv")),
                 "--client", "Replay", "--date", "2026-03-01", "--data-dir", str(data)]) == 0
    (folder,) = (data / "sessions").iterdir()
    t = read_session(folder).beats["t_s"]

    def replay(name: str, *options: str) -> list[str]:
        out = tmp_path / f"{name}.csv"
        assert main(["replay", str(folder), "--speed", "10000", "--metrics", str(out),
                     *options]) == 0
        return out.read_text().splitlines()

    plain = replay("plain")
    window = replay("window", "--rmssd-window", "30")
    write_edits(folder, Edits.empty().with_row(float(t[200]), "ectopic"))
    assert replay("plain_again") == plain  # a plain replay shows what was seen live
    edited = replay("edits", "--edits")
    assert edited[:201] == plain[:201] and edited[201] != plain[201]
    assert replay("window_edits", "--rmssd-window", "30") != window
    assert replay("window_no_edits", "--rmssd-window", "30", "--no-edits") == window


def test_rf_session_uses_the_edits(tmp_path, capsys):
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["rf", "--source", "sim:rf=5.5,seed=2", "--speed", "2000", "--json",
                 *data]) == 0
    first = json.loads(capsys.readouterr().out)
    (folder,) = (tmp_path / "data" / "sessions").iterdir()
    t = read_session(folder).beats["t_s"]
    picks = np.arange(100, t.size - 100, 25)
    edits = Edits.empty()
    for i in picks:
        edits = edits.with_row(float(t[i]), "long")
    write_edits(folder, edits)
    assert main(["rf", str(folder), "--json", *data]) == 0
    again = json.loads(capsys.readouterr().out)
    assert first["edits_applied"] == 0 and again["edits_applied"] == picks.size
    assert again["artifacts_pct"] > first["artifacts_pct"]
    assert again["rates"] != first["rates"]
