"""The validation page (`make bench` → docs/validation.md), built here from a small subset:
series 1's Kubios report, a few simulated resonance rates, one seed."""

from __future__ import annotations

import importlib.util
import math
import re
import stat
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def validation(shared_data):
    spec = importlib.util.spec_from_file_location("validation", ROOT / "bench" / "validation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["validation"] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules["validation"]


@pytest.fixture(scope="module")
def kubios(validation):
    reports = validation.kubios_reports()
    assert reports and reports[0].name == "series_1_kubios_3.1.0.json"
    return validation.kubios_rows(reports[:1])


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def test_kubios_rows_compare_the_same_hour(kubios):
    by_label = {(r["label"], r["method"]): r for r in kubios}
    # Every value in Kubios's report that issue 11 names is a row, with neurokit2 beside it.
    assert len(by_label) == len(kubios) >= 50
    rmssd = by_label[("RMSSD (ms)", None)]
    assert rmssd["kubios"] == 60.5235 and rmssd["met"] is True
    assert abs(rmssd["neurokit2"] - 60.5235) < 0.01
    lf = by_label[("LF (ms^2)", "fft")]
    assert lf["kubios"] == 2776.5983 and lf["tolerance"] == 2.0
    assert lf["ours"] is not None and math.isfinite(lf["ours"])
    assert by_label[("LF (ms^2)", "ar")]["key"] == "ar_lf_ms2"
    for r in kubios:
        if r["ours"] is None:
            assert r["met"] is None and r["ours_diff"] is None
        else:
            assert math.isfinite(r["ours"]), r
            assert r["met"] == (abs(r["ours_diff"]) <= r["tolerance"] + 1e-9), r


def test_the_page_has_every_section_with_finite_numbers(validation, kubios, tmp_path):
    resonance = validation.resonance_rows((4.0, 5.5), (1,), ("stepped",))
    slow, inside = resonance
    assert slow["edge_named"] == 1 and slow["reliable"] == 0
    assert slow["next_rates_bpm"] == [4.5, 4.0, 3.5] and slow["met"]
    assert inside["within_0_5"] == 1 and inside["goal"].startswith("reliable")
    artifacts = [{"figure": "rest_rri flagged", "ours": 0.11, "neurokit2": 0.33,
                  "target": "≤ 0.5 %", "unit": "%", "met": True},
                 {"figure": "MITDB 100 A/V found", "ours": 34, "neurokit2": 34,
                  "target": "all 34", "unit": "beats", "met": True, "note": "labelled beats"}]
    page = validation.render_page(validation.provenance(), artifacts, kubios, resonance,
                                  (1,), "python bench/validation.py --quick")
    for heading in ("# Validation", "## (a) Artifact detection", "## (b) Kubios parity",
                    "## (c) Resonance assessment", "## (d) Speed"):
        assert heading in page
    assert "| rest_rri flagged | 0.11 | 0.33 | ≤ 0.5 % | % | yes | — |" in page
    assert "labelled beats" in page and "2 of 2 targets met" in page
    assert "biofeedback analyze --no-correction --json ../shared/data/nsrdb_1h/series_1" in page
    assert "| RMSSD (ms) | 60.5235 | 60.5235 |" in page
    assert "biofeedback rf --source sim:rf=4.0,seed=1" in page
    assert "| stepped | 4 | 1 | 4.5 | 1 | 0 | 1 | 0 | 4.5, 4, 3.5 |" in page
    for name in ("numpy", "scipy", "neurokit2", "commit"):
        assert re.search(rf"\| {name} \| \S+", page), name
    assert "not finite" not in page and not re.search(r"\b(nan|inf)\b", page, re.I)
    # (the commit's hash is no number, though one like 9e05707... reads as one)
    assert all(math.isfinite(x) for x in numbers(re.sub(r"\| commit \|[^\n]*", "", page)))
    assert re.search(r"\*\*\d+ of \d+ compared values within tolerance\*\*", page)


def test_without_the_artifact_module_the_section_says_so(validation):
    text = validation.artifact_section(None)
    assert "artifact_validation.py" in text and "not in this checkout" in text


def test_make_bench_writes_the_page_it_prints(validation, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(validation, "artifact_rows", lambda: None)
    monkeypatch.setattr(validation, "QUICK_RATES_BPM", (7.0,))
    out = tmp_path / "docs" / "validation.md"
    assert validation.main(["--quick", "--seeds", "1", "--out", str(out)]) == 0
    page = out.read_text()
    assert page in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "| stepped | 7 | 1 | 6.5 | 1 | 0 | 1 |" in page
    assert "--quick --seeds 1 --out" in page
    makefile = (ROOT / "Makefile").read_text()
    bench = makefile[makefile.index("\nbench:"):].split("\n\n")[0]
    assert "bench/validation.py" in bench and "bench/run.py" in bench
