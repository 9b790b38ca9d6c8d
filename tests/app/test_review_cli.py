"""``biofeedback review`` and every analysis of a session honouring its ``edits.csv``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from realdata import data_file

from biofeedback import research
from biofeedback.cli import main
from biofeedback.signal.artifacts import detect_artifacts, resolution_ms
from biofeedback.storage.edits import EDITS_FILE, Edits, write_edits
from biofeedback.storage.folder import read_session

RECORDINGS = ("polar_hrm/rest_rri.txt", "polar_h10/slow_breathing_10min_ibi.csv")


def imported(tmp_path: Path, relative: str) -> tuple[Path, Path]:
    """The recording imported as a session: (data folder, session folder)."""
    data = tmp_path / "data"
    assert main(["import", str(data_file(relative)), "--client", "Review Test",
                 "--date", "2026-03-01", "--data-dir", str(data)]) == 0
    (folder,) = (data / "sessions").iterdir()
    return data, folder


def analyze_json(folder: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["analyze", str(folder), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def beats_of(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    b = read_session(folder).beats
    return b["t_s"], b["rr_ms"]


@pytest.mark.parametrize("relative", RECORDINGS)
def test_three_clean_beats_everywhere_then_restored(tmp_path, capsys, relative):
    data, folder = imported(tmp_path, relative)
    raw = (folder / "beats.csv").read_bytes()
    base = analyze_json(folder, capsys)
    t, rr = beats_of(folder)
    labels = detect_artifacts(rr, resolution_ms(rr))
    clean = np.flatnonzero(labels == "")[[60, 200, 400]]
    edits = Edits.empty()
    for i, label in zip(clean, ("ectopic", "missed", "short"), strict=True):
        edits = edits.with_row(float(t[i]), label, "test")
    write_edits(folder, edits)
    marked = analyze_json(folder, capsys)
    assert sum(marked["artifacts"].values()) == sum(base["artifacts"].values()) + 3
    assert marked["edits_applied"] == 3 and marked["rmssd_ms"] != base["rmssd_ms"]
    # the research API and batch see the same
    table = research.summary([str(folder)])
    assert table["edits_applied"].iloc[0] == 3
    assert table["rmssd_ms"].iloc[0] == pytest.approx(marked["rmssd_ms"], rel=1e-12)
    windows = research.windows(str(folder), 60, 30)
    assert np.nanmax(windows["artifacts_pct"]) > 0
    # the text and the CSV say it too
    capsys.readouterr()
    assert main(["analyze", str(folder)]) == 0
    assert "3 beat(s) labelled by hand" in capsys.readouterr().out
    out = tmp_path / "summary.csv"
    assert main(["analyze", str(folder), "--csv", str(out)]) == 0
    header, row = out.read_text().splitlines()[:2]
    assert row.split(",")[header.split(",").index("edits_applied")] == "3"
    # marked normal again: the original result exactly
    for i in clean:
        edits = edits.with_row(float(t[i]), "normal")
    write_edits(folder, edits)
    restored = analyze_json(folder, capsys)
    assert {k: v for k, v in restored.items() if k != "edits_applied"} == \
        {k: v for k, v in base.items() if k != "edits_applied"}
    assert (folder / "beats.csv").read_bytes() == raw


def test_list_accept_all_reset(tmp_path, capsys):
    data, folder = imported(tmp_path, "polar_hrm/rest_rri.txt")
    raw = (folder / "beats.csv").read_bytes()
    t, rr = beats_of(folder)
    flagged = np.flatnonzero(detect_artifacts(rr, resolution_ms(rr)) != "")
    assert flagged.size == 2
    base = analyze_json(folder, capsys)
    # overrule the first automatic flag, by folder name through the library
    write_edits(folder, Edits.empty().with_row(float(t[flagged[0]]), "normal", "looks sinus")
                .with_row(999999.0, "long", "nowhere"))
    capsys.readouterr()
    assert main(["review", folder.name, "--list", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "2 flagged by the detector" in out and "looks sinus" in out
    assert f"{t[flagged[0]]:.3f}" in out and f"{t[flagged[1]]:.3f}" in out
    assert "names no beat" in out
    assert main(["review", str(folder), "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [b["detector"] for b in listed["beats"]] == ["ectopic", "ectopic"]
    assert [b["edit"] for b in listed["beats"]] == ["normal", ""]
    assert listed["unmatched_edits"] == [1]
    overruled = analyze_json(folder, capsys)
    assert overruled["artifacts"]["ectopic"] == base["artifacts"]["ectopic"] - 1
    assert overruled["rmssd_ms"] != base["rmssd_ms"]
    # accept-all confirms the remaining automatic flag (the overruled one stays normal)
    assert main(["review", "latest", "--accept-all", "--data-dir", str(data)]) == 0
    accepted = (folder / EDITS_FILE).read_text().splitlines()
    assert len(accepted) == 4 and accepted[-1].endswith(",ectopic,accepted,")
    assert analyze_json(folder, capsys)["artifacts"]["ectopic"] == 1
    assert main(["review", str(folder), "--reset"]) == 0
    assert not (folder / EDITS_FILE).exists()
    assert analyze_json(folder, capsys) == base
    assert (folder / "beats.csv").read_bytes() == raw


def test_bad_edits_file_is_one_line(tmp_path):
    data, folder = imported(tmp_path, "polar_hrm/rest_rri.txt")
    (folder / EDITS_FILE).write_text("t_s,label,note\n12.0,maybe,\n")
    home = ["--data-dir", str(data)]
    for args in (["analyze", str(folder)], ["review", str(folder), "--list"],
                 ["analyze", str(folder), "--window", "60", "--step", "30", "--csv",
                  str(tmp_path / "w.csv")],
                 ["export", str(folder), "--format", "csv", "--out", str(tmp_path), *home],
                 ["report", str(folder), "--out", str(tmp_path), *home],
                 ["replay", str(folder), "--speed", "10000", "--edits"]):
        done = subprocess.run([sys.executable, "-m", "biofeedback", *args],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode in (1, 2), args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "edits.csv line 2: label 'maybe'" in lines[0], done.stderr
        assert "Traceback" not in done.stderr


def test_review_usage_errors(tmp_path, capsys):
    data, folder = imported(tmp_path, "polar_hrm/rest_rri.txt")
    assert main(["review", str(folder), "--json"]) == 2
    assert "--json goes with --list" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["review", str(folder), "--list", "--reset"])



def test_unwritable_edits_is_one_line(tmp_path, capsys):
    data, folder = imported(tmp_path, "polar_hrm/rest_rri.txt")
    (folder / ".edits.csv.tmp").mkdir()  # the temporary file cannot be made (even as root)
    assert main(["review", str(folder), "--accept-all"]) == 2
    err = capsys.readouterr().err
    assert "cannot write the edits" in err and len(err.strip().splitlines()) == 1
    assert not (folder / EDITS_FILE).exists()
