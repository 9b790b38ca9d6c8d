"""``summarize`` with Kubios's settings (no artifact correction; the project's default
spectral settings are Kubios's) against Kubios HRV Premium 3.1.0's own reports on NSRDB
hours 1-5 (``../shared/data/kubios`` and ``tests/data/kubios``, see the README there).

Tolerances are the issue's: time domain and HR 0.05 %; SD1/SD2 0.5 %; triangular index 1 %;
LF, HF, total power, LF/HF 2 %; VLF, TINN, AR powers, entropies, DFA and stress index 5 %;
PNS/SNS ±0.1. Metrics whose Kubios method we could not reproduce on all five hours are marked
``xfail`` with the reason and the figures measured (README "Metrics", "Kubios parity").
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from realdata import ROOT, data_file, load

from biofeedback.signal import AnalysisParams, summarize

SERIES = (1, 2, 3, 4, 5)
TIME, POINCARE, TRI, MAIN, LOOSE = 0.0005, 0.005, 0.01, 0.02, 0.05
#: Peak frequencies: within one bin of the 300-points-per-Hz grid.
PEAK_HZ = 1.0 / 300.0 + 1e-6


def _xfail(reason: str):
    return pytest.mark.xfail(reason=reason, strict=False)


NOT_REPRODUCED = {
    "sd_hr_bpm": "Kubios's STD HR is 3.9-4.6x smaller than the SD of beat-by-beat HR (e.g. "
                 "2.09 vs 8.31 bpm on series 1); the SD of the 4 Hz HR series / 4 comes within "
                 "-0.6..+1.6 % (docs/kubios_parity.md), not the 0.05 % asked; not public",
    "sdann_ms": "segmenting from the first beat gives -8.0..+3.4 % (SDANN) against Kubios; "
                "Kubios's 5-min segmentation is not documented",
    "sdnn_index_ms": "same segmentation question as SDANN: -4.1..+2.8 %",
    "apen": "-28..+10 %; Kubios's values lie between those any r gives on the whole-ms RR, "
            "so its 'detrending for nonlinear' input is not the raw series, and no "
            "smoothness-priors lambda fits all five (docs/kubios_parity.md)",
    "sampen": "-35..-2 %, as ApEn",
    "dfa_alpha1": "-4.3..+6.8 % (series 4 outside 5 %); Kubios's box placement is undocumented",
    "dfa_alpha2": "-3.4..+16.7 % (series 4) with 16-64 and 17-64 beats alike",
    "pns_index": "z-scores need Kubios's population norms, which are not published (we "
                 "report NaN without norms); a linear fit of the five reports on mean RR, "
                 "RMSSD and SD1 % misses by 0.103 at best (minimax), so the form is not "
                 "even linear",
    "sns_index": "as PNS index: the best linear fit on mean HR, stress index and SD2 % misses "
                 "by 0.135 (minimax)",
}

SCALAR = {  # our key: (Kubios label, tolerance)
    "mean_rr_ms": ("Mean RR  (ms)", TIME), "sdnn_ms": ("STD RR (ms)", TIME),
    "mean_hr_bpm": ("Mean HR (beats/min)", TIME), "sd_hr_bpm": ("STD HR (beats/min)", TIME),
    "min_hr_bpm": ("Min HR (beats/min)", TIME), "max_hr_bpm": ("Max HR (beats/min)", TIME),
    "rmssd_ms": ("RMSSD (ms)", TIME), "nn50": ("NNxx (beats)", TIME),
    "pnn50_pct": ("pNNxx (%)", TIME), "sdann_ms": ("SDANN (ms)", TIME),
    "sdnn_index_ms": ("SDNN index (ms)", TIME),
    "tri_index": ("RR tri index", TRI), "tinn_ms": ("TINN (ms)", LOOSE),
    "sd1_ms": ("SD1 (ms)", POINCARE), "sd2_ms": ("SD2 (ms)", POINCARE),
    "sd2_sd1": ("SD2/SD1 ratio", POINCARE),
    "apen": ("Approximate entropy (ApEn)", LOOSE), "sampen": ("Sample entropy (SampEn)", LOOSE),
    "dfa_alpha1": ("alpha 1", LOOSE), "dfa_alpha2": ("alpha 2", LOOSE),
    "stress_index": ("Stress index", LOOSE),
}
ABSOLUTE = {"pns_index": ("PNS index", 0.1), "sns_index": ("SNS index", 0.1)}


def _spectral() -> dict[str, tuple[str, str, float]]:
    """our key: (Kubios label, "fft" or "ar", tolerance)."""
    out = {}
    for prefix, kind in (("", "fft"), ("ar_", "ar")):
        for band in ("vlf", "lf", "hf"):
            tol = LOOSE if band == "vlf" or kind == "ar" else MAIN
            label = band.upper()
            out[f"{prefix}{band}_ms2"] = (f"{label} (ms^2)", kind, tol)
            out[f"{prefix}{band}_log"] = (f"{label} (log)", kind, tol)
            out[f"{prefix}{band}_pct"] = (f"{label} (%)", kind, tol)
            out[f"{prefix}{band}_peak_hz"] = (f"{label} (Hz)", kind, PEAK_HZ)
        tol = LOOSE if kind == "ar" else MAIN
        out[f"{prefix}total_power_ms2"] = ("Total power (ms^2)", kind, tol)
        out[f"{prefix}lf_hf"] = ("LF/HF ratio", kind, tol)
        out[f"{prefix}lf_nu"] = ("LF (n.u.)", kind, tol)
        out[f"{prefix}hf_nu"] = ("HF (n.u.)", kind, tol)
    return out


SPECTRAL = _spectral()


def _report(n: int) -> dict:
    path = (data_file("kubios/series_1_kubios_3.1.0.json") if n == 1
            else ROOT / "tests" / "data" / "kubios" / f"series_{n}_kubios_3.1.0.json")
    return json.loads(Path(path).read_text())


@functools.cache
def _ours(n: int) -> dict:
    rec = load(f"nsrdb_1h/series_{n}_rr_ms.txt")
    return summarize(rec.t_s, rec.rr_ms, AnalysisParams(artifact_correction=False))


def _params(keys):
    return [pytest.param(key, n, marks=[_xfail(NOT_REPRODUCED[key])] if key in
                         NOT_REPRODUCED else [], id=f"{key}-series{n}")
            for key in keys for n in SERIES]


def test_reports_use_the_settings_we_reproduce():
    for n in SERIES:
        s = _report(n)["settings"]
        assert s["detrending"] == "none" and s["artifact_correction"] == "none"
        assert (s["interpolation_hz"], s["fft_window_s"], s["fft_overlap"], s["ar_order"]) == (
            4, 300, 0.5, 16)
        assert s["points_per_hz"] == 300 and s["min_max_hr_average_beats"] == 1


@pytest.mark.parametrize(("key", "n"), _params(SCALAR))
def test_scalar_metric_matches_kubios(key, n):
    label, tol = SCALAR[key]
    assert _ours(n)[key] == pytest.approx(_report(n)["results"][label], rel=tol)


@pytest.mark.parametrize(("key", "n"), _params(ABSOLUTE))
def test_autonomic_index_matches_kubios(key, n):
    label, tol = ABSOLUTE[key]
    assert _ours(n)[key] == pytest.approx(_report(n)["results"][label], abs=tol)


@pytest.mark.parametrize(("key", "n"), _params(SPECTRAL))
def test_spectral_metric_matches_kubios(key, n):
    label, kind, tol = SPECTRAL[key]
    expected = _report(n)["results"][label][kind]
    if key.endswith("_peak_hz"):
        assert _ours(n)[key] == pytest.approx(expected, abs=tol)
    else:
        assert _ours(n)[key] == pytest.approx(expected, rel=tol)


def test_segment_mean_removal_would_break_vlf_parity():
    """The fix the issue asked for: removing each Welch segment's mean (the old behaviour)
    loses VLF power Kubios keeps."""
    from scipy import signal as sps

    from biofeedback.signal.spectral import band_power, resample_rr

    rec = load("nsrdb_1h/series_5_rr_ms.txt")
    _, x = resample_rr(rec.t_s, rec.rr_ms)
    f, psd = sps.welch(x, fs=4.0, window="hann", nperseg=1200, noverlap=600, detrend="constant")
    per_segment = band_power(f, psd, 0.0, 0.04)
    kubios = _report(5)["results"]["VLF (ms^2)"]["fft"]
    assert abs(per_segment / kubios - 1) > 0.3
    assert _ours(5)["vlf_ms2"] == pytest.approx(kubios, rel=LOOSE)
    assert np.isfinite(_ours(5)["ar_vlf_ms2"])
