"""``biofeedback analyze``: HRV summaries and per-window metrics of recordings."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .. import __version__
from ..signal import AnalysisParams, SpectralParams, summarize, windowed_metrics
from ..signal.coherence import LEVEL_NAMES, coherence_level
from ..signal.summary import WINDOW_COLUMNS
from ..storage.recordings import load_recording
from ..storage.rrfiles import RecordingError
from ..storage.tables import write_csv
from .common import PROG, UserError, jsonable


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    a = sub.add_parser("analyze", parents=parents,
                       help="HRV summary of recordings, or per-window metrics",
                       description="HRV summary per recording, or per-window metrics.")
    a.add_argument("paths", nargs="+", metavar="PATH",
                   help="session folders or RR files (see README: formats)")
    a.add_argument("--json", action="store_true", help="print JSON (an object, or a list)")
    a.add_argument("--window", type=float, metavar="S", help="per-window metrics: window, s")
    a.add_argument("--step", type=float, metavar="S", help="per-window metrics: step, s")
    a.add_argument("--csv", metavar="OUT", help="write the summary (or the windows) as CSV")
    a.add_argument("--units", choices=("auto", "ms", "s"), default="auto",
                   help="units of one-column RR files (default: detected)")
    a.add_argument("--column", help="name of the RR column in a CSV with a header")
    a.add_argument("--no-correction", action="store_true",
                   help="analyse the beats as recorded, without artifact correction")
    a.add_argument("--spectrum", choices=("welch", "lomb"), default="welch")
    a.add_argument("--detrend", choices=("none", "smoothness_priors"), default="none")
    a.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: when several files and a terminal)")
    a.set_defaults(func=run)


def _analysis_params(args: argparse.Namespace) -> AnalysisParams:
    return AnalysisParams(
        artifact_correction=not args.no_correction,
        spectral=SpectralParams(method=args.spectrum, detrend=args.detrend),
    )


def _progress(items: Sequence[str], enabled: bool):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="analysing", unit="file", file=sys.stderr)


def _format_summary(path: str, s: dict[str, Any]) -> str:
    minutes, seconds = divmod(int(round(s["duration_s"])), 60)
    level = int(coherence_level(s["coherence_ratio"]))
    level_text = f"{LEVEL_NAMES[level]} at challenge level 1" if level >= 0 else "n/a"
    return "\n".join([
        f"{path}  ({s['n_beats']} beats, {minutes}:{seconds:02d} min)",
        f"  heart rate   {s['mean_hr_bpm']:6.1f} bpm    mean RR {s['mean_rr_ms']:.0f} ms",
        f"  RMSSD        {s['rmssd_ms']:6.1f} ms     SDNN {s['sdnn_ms']:.1f} ms, "
        f"pNN50 {s['pnn50_pct']:.1f} %",
        f"  LF / HF      {s['lf_ms2']:6.0f} / {s['hf_ms2']:.0f} ms²   LF/HF {s['lf_hf']:.2f}, "
        f"LF peak {s['lf_peak_hz']:.3f} Hz, HF peak {s['hf_peak_hz']:.3f} Hz",
        f"  coherence    {s['coherence_ratio']:6.2f}        ({level_text}), "
        f"peak {s['coherence_peak_hz']:.3f} Hz",
        f"  artifacts    {s['artifacts_pct']:6.1f} % of beats",
    ])


def run(args: argparse.Namespace) -> int:
    if (args.window is None) != (args.step is None):
        raise UserError("--window and --step go together")
    if args.window is not None and (args.window <= 0 or args.step <= 0):
        raise UserError("--window and --step must be positive seconds")
    if args.window is not None and args.csv is None:
        raise UserError("--window needs --csv OUT for the per-window table")
    params = _analysis_params(args)
    meta = {"parameters": params.to_dict() | {"units": args.units, "column": args.column},
            "version": __version__}
    show_progress = args.progress if args.progress is not None else (
        len(args.paths) > 1 and sys.stderr.isatty())
    results: list[dict[str, Any]] = []
    window_rows: list[dict[str, Any]] = []
    failed = 0
    for path in _progress(args.paths, show_progress):
        try:
            rec = load_recording(path, units=args.units, column=args.column)
        except RecordingError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        if args.window is not None:
            cols = windowed_metrics(rec.t_s, rec.rr_ms, args.window, args.step, params)
            window_rows += [{"path": path, **{k: v[i] for k, v in cols.items()}}
                            for i in range(cols["t_end_s"].size)]
        else:
            results.append({"path": path, **summarize(rec.t_s, rec.rr_ms, params), **meta})

    if args.window is not None:
        write_csv(args.csv, window_rows, ["path", *WINDOW_COLUMNS])
    elif args.csv is not None:
        columns = [k for k in results[0] if k not in ("artifacts", "parameters")] if results else []
        write_csv(args.csv, results, columns)
    if args.json:
        out = results[0] if len(args.paths) == 1 and results else results
        print(json.dumps(jsonable(out), indent=2))
    elif args.window is None:
        print("\n\n".join(_format_summary(r["path"], r) for r in results))
    return 1 if failed else 0


