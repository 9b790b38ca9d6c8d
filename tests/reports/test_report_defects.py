"""Reports on damaged, short and unpaced sessions, where they go, and how they read
(issue 12, items 11, 15, 28-31)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import record_sim
from realdata import data_file

from biofeedback.cli import main
from biofeedback.reports.documents import client_report, text_pages
from biofeedback.reports.wording import rmssd_trend, stress_change
from biofeedback.storage.library import Library
from biofeedback.storage.paths import sessions_dir
from biofeedback.training.outcomes import SessionProgress, client_progress


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str) -> bool:
    return code != 0 and err.count("\n") == 1 and err.startswith("biofeedback") \
        and "Traceback" not in err


@pytest.fixture
def library(tmp_path):
    """A library with two indexed free sessions; tests damage them afterwards."""
    root = tmp_path / "data"
    folders = [record_sim(sessions_dir(root), f"sim:seed={seed}", 150.0)[2] for seed in (1, 2)]
    with Library(root):
        pass
    return root, folders


def _keep_beats(folder: Path, n: int) -> None:
    lines = (folder / "beats.csv").read_text().splitlines(keepends=True)
    (folder / "beats.csv").write_text("".join(lines[:1 + n]))


def _report(capsys, root: Path, folder: Path, out: Path) -> str:
    code, stdout, err = run(capsys, "report", str(folder), "--out", str(out),
                            "--data-dir", str(root))
    assert code == 0 and err == "", err
    (html,) = [Path(p) for p in stdout.split()[1::2] if p.endswith(".html")]
    return html.read_text()


@pytest.mark.parametrize("n_beats", [0, 1])
def test_report_and_export_of_a_session_with_under_two_beats(library, tmp_path, capsys,
                                                             n_beats):
    root, folders = library
    for folder in folders:
        _keep_beats(folder, n_beats)
        html = _report(capsys, root, folder, tmp_path / "out")
        assert f"holds {n_beats} beat(s)" in html and "data:image/png" not in html
        code, _, err = run(capsys, "export", str(folder), "--format", "edf", "--out",
                           str(tmp_path / "edf"), "--data-dir", str(root))
        assert one_line_error(code, err) and "fewer than two beats" in err


def test_report_and_export_of_beat_times_going_backwards(library, tmp_path, capsys):
    root, folders = library
    for k, folder in enumerate(folders):
        lines = (folder / "beats.csv").read_text().splitlines(keepends=True)
        at = 40 + 17 * k
        cells = lines[at].split(",")
        cells[0] = str(float(cells[0]) - 30.0)  # a clock that jumped back 30 s
        lines[at] = ",".join(cells)
        (folder / "beats.csv").write_text("".join(lines))
        html = _report(capsys, root, folder, tmp_path / "out")
        assert "1 beats whose time went backwards" in html
        assert html.count("data:image/png") >= 2
        code, _, err = run(capsys, "export", str(folder), "--format", "edf", "--out",
                           str(tmp_path / "edf"), "--data-dir", str(root))
        assert one_line_error(code, err) and "backwards" in err


@pytest.mark.parametrize("start", [1795451563, None, ["2026"], "not a date"])
def test_report_and_edf_with_a_start_time_that_is_not_iso_text(library, tmp_path, capsys,
                                                               start):
    root, (folder, _) = library
    meta = json.loads((folder / "session.json").read_text())
    meta["start_time"] = start
    (folder / "session.json").write_text(json.dumps(meta))
    assert "start time unknown" in _report(capsys, root, folder, tmp_path / "out")
    code, out, err = run(capsys, "export", str(folder), "--format", "edf", "--out",
                         str(tmp_path / "edf"), "--data-dir", str(root))
    assert code == 0 and err == "" and out.strip().endswith(".edf")


def test_report_out_where_it_cannot_write_is_one_line(library, tmp_path, capsys):
    root, (folder, _) = library
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me")
    places = [a_file, a_file / "under", Path("/sys/biofeedback-reports")]
    if os.geteuid() != 0:  # root writes anywhere but in /sys
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        places.append(locked)
    for out in places:
        code, _, err = run(capsys, "report", str(folder), "--out", str(out),
                           "--data-dir", str(root))
        assert one_line_error(code, err), (out, err)
        assert str(out) in err
    assert a_file.read_text() == "keep me"


def _overlaps(fig) -> list[tuple[str, str]]:
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.texts if t.get_text()]
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:]
            if ba.overlaps(bb)]


def test_report_tables_never_draw_labels_over_values():
    sections = [("Results", [("Heart-rate oscillation vs pacer", "6.1/min vs 6.0/min"),
                             ("Stress, after vs before (mean)", "stress −4.0 (better)"),
                             ("Mean change in stress rating", "x"), ("RMSSD", "42.0 ms")]),
                ("Sessions", [("#", "date", "protocol", "resting RMSSD", "stress before → after")]
                 + [(str(i), "2026-11-02", "standard", "22.4 ms", "7 → 3, stress −4.0 (better)")
                    for i in range(60)])]
    pages = text_pages("Progress report — a client with a very long name indeed", sections,
                       "footer")
    assert len(pages) >= 2  # 60 sessions do not fit one page
    for page in pages:
        assert _overlaps(page) == []
        assert all(0 <= t.get_position()[1] <= 1 for t in page.texts)
    drawn = [t.get_text() for page in pages for t in page.texts]
    assert sum(t.isdigit() for t in drawn) == 60  # every session row, once


def _progress(pre_post: list[tuple[int, int]], rest_ms: list[float]) -> dict:
    rows = [SessionProgress(f"s{i}", f"2026-11-{2 + 3 * i:02d}T10:00:00+01:00", "standard",
                            20.0, rest, 3.0, pre, post)
            for i, ((pre, post), rest) in enumerate(zip(pre_post, rest_ms, strict=True))]
    return client_progress(rows)


def test_stress_falling_reads_as_better_and_no_negative_zero():
    assert stress_change(-4.0) == "stress \u22124.0 (better)"
    assert stress_change(2.0) == "stress +2.0 (worse)"
    assert stress_change(0.0) == "stress unchanged"
    for slope in (-1e-9, -0.004, 0.0, 0.004):
        assert "0.00" not in rmssd_trend(slope).replace("0.01", "") and "steady" in \
            rmssd_trend(slope)
    assert rmssd_trend(-0.5, ascii_only=True) == "-0.50 ms per session (falling)"
    flat = [22.4 + d for d in (0.0, 1e-13, -1e-13, 2e-13)]  # slope rounds to -0.00
    for pre_post in ([(7, 3)] * 4, [(7, 3), (6, 2), (8, 4), (5, 1)]):
        report = client_report("Ann", _progress(pre_post, flat))
        assert "-0.00" not in report.html and "\u22120.00" not in report.html
        assert "stress \u22124.0 (better)" in report.html and "+4.0" not in report.html


def test_progress_command_says_steady_not_signed_zero(tmp_path, capsys):
    """Three copies of one session (three days): the resting RMSSD does not change."""
    root = tmp_path / "data"
    first = record_sim(sessions_dir(root), "sim:seed=2", 420.0, "standard")[2]
    meta = json.loads((first / "session.json").read_text())
    for day, sid in ((3, "0000aaa3"), (4, "0000aaa4"), (5, "0000aaa5")):
        copy = sessions_dir(root) / f"2026110{day}T100000_{sid}"
        shutil.copytree(first, copy)
        (copy / "session.json").write_text(json.dumps({
            **meta, "client_id": "ann", "client_name": "Ann", "session_id": sid,
            "start_time": f"2026-11-0{day}T10:00:00+01:00"}))
    shutil.rmtree(first)
    code, out, _ = run(capsys, "progress", "--client", "Ann", "--data-dir", str(root))
    assert code == 0 and out.count("standard") == 3
    assert "resting RMSSD trend: steady" in out and "0.00 ms" not in out


@pytest.mark.parametrize("recording", ["polar_hrm/rest_rri.txt", "meditation/M2_rr.csv"])
def test_unpaced_imports_are_not_described_as_paced(tmp_path, capsys, recording):
    root = tmp_path / "data"
    code, _, err = run(capsys, "import", str(data_file(recording)), "--client", "Cara",
                       "--data-dir", str(root))
    assert code == 0, err
    (folder,) = sessions_dir(root).iterdir()
    html = _report(capsys, root, folder, tmp_path / "out")
    for claim in ("following the breath", "Two minutes", "paced breathing", "pacer"):
        assert claim not in html
    assert html.count("data:image/png") == 2  # heart rate, coherence; no paced spectrum
    pdf = next((tmp_path / "out").glob("*.pdf")).read_bytes()
    assert b"Two minutes" not in pdf


def test_a_six_beat_import_gets_no_empty_coherence_plot(tmp_path, capsys):
    root = tmp_path / "data"
    rr = tmp_path / "six.txt"
    rr.write_text("800\n810\n790\n820\n805\n800\n")
    assert run(capsys, "import", str(rr), "--client", "Cara", "--data-dir", str(root))[0] == 0
    (folder,) = sessions_dir(root).iterdir()
    html = _report(capsys, root, folder, tmp_path / "out")
    assert "No coherence plot: coherence needs 64 s of beats" in html
    assert html.count("data:image/png") == 1  # the heart rate alone


def test_paced_sessions_still_show_the_pacer_zoom(library, tmp_path, capsys):
    root, (folder, _) = library
    html = _report(capsys, root, folder, tmp_path / "out")
    assert html.count("data:image/png") == 3  # heart rate with zoom, coherence, spectrum


def test_deidentified_reports_get_their_own_names_and_never_overwrite(tmp_path, capsys):
    root = tmp_path / "data"
    for client, seed in (("Ann One", 1), ("Bob Two", 2)):
        assert main(["record", "--source", f"sim:seed={seed}", "--duration", "90", "--speed",
                     "2000", "--client", client, "--pre-rating", str(3 + seed),
                     "--data-dir", str(root)]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    contents = {}
    for client in ("Ann One", "Bob Two", "Ann One"):
        code, stdout, err = run(capsys, "report", "--client", client, "--deidentify", "--out",
                                str(out), "--data-dir", str(root))
        assert code == 0, err
        for path in map(Path, stdout.split()[1::2]):
            assert path not in contents  # a new file each time
            contents[path] = path.read_bytes()
    assert len(contents) == 6
    names = " ".join(p.name for p in contents).lower()
    assert "ann" not in names and "bob" not in names and "client" not in names
    for path, data in contents.items():  # nothing written earlier was replaced
        assert path.read_bytes() == data
    assert len({d for p, d in contents.items() if p.suffix == ".html"}) >= 2
    folder = sorted(sessions_dir(root).iterdir())[0]
    for _ in range(2):
        code, stdout, _ = run(capsys, "report", str(folder), "--out", str(out),
                              "--data-dir", str(root))
        assert code == 0
    assert len(list(out.glob("session_*.pdf"))) == 2


@pytest.mark.parametrize("damage", [{"settings": "x"}, {"protocol": 5},
                                    {"summary": [1]}, {"summary": {"steps": [1, 2]}},
                                    {"device": "a strap"}, {"duration_s": "ten"}])
def test_report_on_damaged_metadata_says_what_it_can(library, tmp_path, capsys, damage):
    root, (folder, _) = library
    meta = json.loads((folder / "session.json").read_text())
    (folder / "session.json").write_text(json.dumps({**meta, **damage}))
    html = _report(capsys, root, folder, tmp_path / "out")
    assert "Session report" in html and html.count("data:image/png") >= 2
    if "settings" in damage or "protocol" in damage:
        assert "unreadable" in html
