"""The chronic-stress protocol's outcome, progress across sessions, and the reports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import record_sim

from biofeedback.storage.folder import read_session
from biofeedback.training.outcomes import SessionProgress, client_progress


def cli(*args: str, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "biofeedback", *args, "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=120)


def test_standard_protocol_summary_has_baseline_training_and_recovery(tmp_path):
    _, result, folder, _ = record_sim(tmp_path, "sim:seed=3,rf=6", 1080.0, "standard")
    s = read_session(folder).meta["summary"]
    steps = s["steps"]
    assert list(steps) == ["baseline", "paced", "recovery"]
    assert steps["baseline"]["minutes"] == pytest.approx(3, abs=0.05)
    assert steps["paced"]["minutes"] == pytest.approx(12, abs=0.05)
    o = s["outcome"]
    # Paced at the simulated person's resonance, RMSSD rises over their spontaneous baseline
    # and the heart oscillates at the pacer's rate.
    assert o["training_rmssd_ms"] > 1.3 * o["baseline_rmssd_ms"]
    assert o["hr_peak_bpm"] == pytest.approx(o["pacer_bpm"], abs=0.3)
    assert o["training_coherence"] > steps["baseline"]["coherence"]
    assert steps["paced"]["time_high_pct"] > steps["baseline"]["time_high_pct"]


def test_progress_counts_weeks_trend_and_stress_change():
    rows = [SessionProgress(f"s{i}", f"2026-11-{2 + 3 * i:02d}T10:00:00+01:00", "standard",
                            20.0, 20.0 + 2 * i, 3.0, 7, 7 - i) for i in range(4)]
    p = client_progress(list(reversed(rows)))
    assert [r["session_id"] for r in p["sessions"]] == ["s0", "s1", "s2", "s3"]
    assert p["resting_rmssd_slope_ms_per_session"] == pytest.approx(2.0)
    assert p["mean_rating_change"] == pytest.approx(-1.5)
    assert [(w["week"], w["sessions"]) for w in p["weeks"]] == [  # 2 Nov 2026 is a Monday
        ("2026-W45", 3), ("2026-W46", 1)]
    assert p["total_minutes"] == 80


def test_reports_and_progress_from_the_command_line(tmp_path):
    data = tmp_path / "data"
    for seed, pre in ((1, 7), (2, 6)):
        run = cli("record", "--source", f"sim:seed={seed}", "--protocol", "standard",
                  "--duration", "960", "--speed", "3000", "--client", "Anna Smith",
                  "--pre-rating", str(pre), data=data)
        assert run.returncode == 0, run.stderr
        assert "RMSSD baseline" in run.stdout
    last = sorted((data / "sessions").iterdir())[-1].name
    assert cli("rate", last, "--post", "3", data=data).returncode == 0

    progress = json.loads(cli("progress", "--client", "Anna Smith", "--json", data=data).stdout)
    assert len(progress["sessions"]) == 2
    assert all(r["resting_rmssd_ms"] > 5 for r in progress["sessions"])
    assert progress["sessions"][-1]["rating_change"] == -3

    out = tmp_path / "reports"
    session = cli("report", last, "--out", str(out), data=data)
    assert session.returncode == 0, session.stderr
    client = cli("report", "--client", "Anna Smith", "--out", str(out), "--deidentify",
                 data=data)
    assert client.returncode == 0, client.stderr
    html = (out / f"session_{last.split('_')[1]}.html").read_text()
    assert "Anna Smith" in html and "RMSSD baseline" in html
    assert html.count("data:image/png;base64,") == 3  # heart rate, coherence, spectrum
    anonymous = (out / "progress_anon.html").read_text()
    assert "Anna Smith" not in anonymous
    assert "2026" not in anonymous.split("<h2>Plots")[0]
    pdf = (out / f"session_{last.split('_')[1]}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(
        b"/Type /Page ") >= 3
    assert (out / "progress_anon.pdf").stat().st_mode & 0o077 == 0  # private
    if shutil.which("pdftoppm"):  # the PDF renders
        render = subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1",
                                 str(out / "progress_anon.pdf"), str(tmp_path / "page")])
        assert render.returncode == 0 and list(tmp_path.glob("page*.png"))


def test_report_errors_are_one_line(tmp_path):
    data = tmp_path / "data"
    run = cli("report", "--client", "Nobody", data=data)
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    both = cli("report", "x", "--client", "y", data=data)
    assert both.returncode == 2 and "not both" in both.stderr
