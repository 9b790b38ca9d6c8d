"""``biofeedback analyze``: HRV summaries and per-window metrics of recordings."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import RecordingError
from ..storage.recordings import load_recording
from ..storage.tables import GrowingTable, write_columns
from .common import PROG, UserError, jsonable

if TYPE_CHECKING:
    from ..signal import AnalysisParams


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    a = sub.add_parser("analyze", parents=parents,
                       help="HRV summary of recordings, or per-window metrics",
                       description="HRV summary per recording, or per-window metrics. "
                       "Exit status 3 when a recording is not interpretable (> 10 % artifacts, "
                       "too short, or bigeminy): its metrics are withheld.")
    a.add_argument("paths", nargs="+", metavar="PATH",
                   help="session folders, RR files, folders to walk or glob patterns "
                   "(quote them: 'study/**/*.csv')")
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
                   help="progress bar with ETA (default: when several files and a terminal)")
    a.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="worker processes (default: all cores)")
    a.add_argument("--resume", action="store_true",
                   help="keep the rows already in --csv OUT and analyse only the rest")
    a.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask distributed cluster (needs biofeedback[dask])")
    a.add_argument("--dask", action="store_true",
                   help="run on a Dask LocalCluster of this machine (needs biofeedback[dask])")
    a.set_defaults(func=run)


def _analysis_params(args: argparse.Namespace) -> AnalysisParams:
    from ..signal import AnalysisParams, SpectralParams

    return AnalysisParams(
        artifact_correction=not args.no_correction,
        spectral=SpectralParams(method=args.spectrum, detrend=args.detrend),
    )


#: ``analyze`` exit status when a recording was analysed but is not interpretable.
EXIT_NOT_INTERPRETABLE = 3

_GRADE_TEXT = {
    "clean": "clean (< 2 % artifacts): use as is",
    "corrected": "corrected (2-5 % artifacts)",
    "time_domain": "time domain only (5-10 % artifacts): spectra and nonlinear withheld",
    "not_interpretable": "NOT INTERPRETABLE: every metric withheld",
}


def _num(value: float, fmt: str) -> str:
    """``value`` formatted, or "–" when withheld / undefined (NaN)."""
    return format(value, fmt) if value == value else "–"


def _format_summary(path: str, s: dict[str, Any]) -> str:
    from ..training.feedback import LEVEL_NAMES, coherence_level

    minutes, seconds = divmod(int(round(s["duration_s"])), 60)
    head = f"{path}  ({s['n_beats']} beats, {minutes}:{seconds:02d} min)"
    types = ", ".join(f"{name} {s[f'artifacts_{name}_pct']:.1f} %"
                      for name in ("ectopic", "missed", "extra", "long", "short")
                      if s.get(f"artifacts_{name}_pct"))
    quality = [
        f"  quality      {_GRADE_TEXT[s['quality_grade']]}"
        + (f" ({s['quality_reason']})" if s["quality_reason"] else ""),
        f"  artifacts    {s['artifacts_pct']:6.1f} % of beats" + (f" ({types})" if types else "")
        + (f"; {s['corrected_beats']} corrected" if s["parameters"]["artifact_correction"]
           else "; correction off"),
        *([f"  edits        {s['edits_applied']} beat(s) labelled by hand (edits.csv)"]
          if s.get("edits_applied") else []),
    ]
    if s["quality_grade"] == "not_interpretable":
        return "\n".join([head, *quality])
    n = _num
    level = int(coherence_level(s["coherence_ratio"]))
    level_text = f"{LEVEL_NAMES[level]} at challenge level 1" if level >= 0 else "n/a"
    return "\n".join([
        head,
        f"  heart rate   {n(s['mean_hr_bpm'], '6.1f')} bpm    "
        f"mean RR {n(s['mean_rr_ms'], '.0f')} ms, SD {n(s['sd_hr_bpm'], '.1f')}, "
        f"min {n(s['min_hr_bpm'], '.0f')}, "
        f"max {n(s['max_hr_bpm'], '.0f')} bpm",
        f"  RMSSD        {n(s['rmssd_ms'], '6.1f')} ms     SDNN {n(s['sdnn_ms'], '.1f')} ms, "
        f"SDSD {n(s['sdsd_ms'], '.1f')} ms, pNN50 {n(s['pnn50_pct'], '.1f')} % "
        f"(NN50 {s['nn50']})",
        f"  5-min        SDANN {n(s['sdann_ms'], '.1f')} ms, SDNN index "
        f"{n(s['sdnn_index_ms'], '.1f')} ms",
        f"  geometric    tri index {n(s['tri_index'], '.2f')}, TINN {n(s['tinn_ms'], '.0f')} ms",
        f"  Welch        VLF {n(s['vlf_ms2'], '.0f')} / LF {n(s['lf_ms2'], '.0f')} / "
        f"HF {n(s['hf_ms2'], '.0f')} ms² (total {n(s['total_power_ms2'], '.0f')}), "
        f"LF/HF {n(s['lf_hf'], '.2f')}, LF peak {n(s['lf_peak_hz'], '.3f')} Hz, "
        f"HF peak {n(s['hf_peak_hz'], '.3f')} Hz",
        f"  AR (16)      VLF {n(s['ar_vlf_ms2'], '.0f')} / LF {n(s['ar_lf_ms2'], '.0f')} / "
        f"HF {n(s['ar_hf_ms2'], '.0f')} ms² (total {n(s['ar_total_power_ms2'], '.0f')}), "
        f"LF/HF {n(s['ar_lf_hf'], '.2f')}",
        f"  nonlinear    SD1 {n(s['sd1_ms'], '.1f')} / SD2 {n(s['sd2_ms'], '.1f')} ms, "
        f"ApEn {n(s['apen'], '.3f')}, SampEn {n(s['sampen'], '.3f')}, "
        f"DFA α1 {n(s['dfa_alpha1'], '.2f')}, α2 {n(s['dfa_alpha2'], '.2f')}",
        f"  autonomic    stress index {n(s['stress_index'], '.1f')}"
        + (f", PNS {n(s['pns_index'], '.2f')}, SNS {n(s['sns_index'], '.2f')}"
           if s["pns_index"] == s["pns_index"] else ""),
        f"  coherence    {n(s['coherence_ratio'], '6.2f')}        ({level_text}), "
        f"peak {n(s['coherence_peak_hz'], '.3f')} Hz",
        *quality,
    ])


def run(args: argparse.Namespace) -> int:
    from ..research.batch import find_recordings, provenance

    if (args.window is None) != (args.step is None):
        raise UserError("--window and --step go together")
    if args.window is not None and (args.window <= 0 or args.step <= 0):
        raise UserError("--window and --step must be positive seconds")
    if args.window is not None and args.csv is None:
        raise UserError("--window needs --csv OUT for the per-window table")
    if args.resume and args.csv is None:
        raise UserError("--resume needs --csv OUT (the table to resume)")
    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    params = _analysis_params(args)
    paths = find_recordings(args.paths)
    if not paths:
        raise UserError(f"no recordings found in {' '.join(args.paths)}")
    if args.window is not None:
        return _windows(paths, params, args)
    rows = _batch(paths, params, args)
    failed = sum(1 for r in rows if r["error"])
    done = [{**r, **provenance(params)} for r in rows if not r["error"]]
    if args.json:
        out = done[0] if len(paths) == 1 and done else done
        print(json.dumps(jsonable(out), indent=2))
    elif args.csv is None:
        if done:  # nothing at all (not a blank line) when every recording failed
            print("\n\n".join(_format_summary(r["path"], r) for r in done))
    else:
        print(f"{len(rows) - failed} recordings analysed, {failed} failed: {args.csv}",
              file=sys.stderr)
    if failed:
        return 1
    unusable = [r["path"] for r in done if r["quality_grade"] == "not_interpretable"]
    if unusable:
        print(f"{PROG}: not interpretable: {', '.join(unusable)}", file=sys.stderr)
        return EXIT_NOT_INTERPRETABLE
    return 0


def _batch(paths: list[str], params: AnalysisParams,
           args: argparse.Namespace) -> list[dict[str, Any]]:
    """Analyse ``paths`` where asked (in-process, a process pool, Dask), one row each,
    streaming them into ``--csv`` and a progress bar."""
    from ..research.batch import run_dask, run_local
    from ..signal.summary import SUMMARY_COLUMNS

    table = GrowingTable(args.csv, ["path", *SUMMARY_COLUMNS, "error"]) if args.csv else None
    done: set[str] = set()
    if table is not None:
        done = {r["path"] for r in table.open(args.resume, keep=lambda r: not r["error"])}
    todo = [p for p in paths if p not in done]
    show = args.progress if args.progress is not None else (
        len(todo) > 1 and sys.stderr.isatty())
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="analysing", unit="recording", file=sys.stderr)
    rows: list[dict[str, Any]] = []

    def on_row(row: dict[str, Any]) -> None:
        note = row.pop("note", None)
        if row["error"] or note:
            message = f"{PROG}: error: {row['error']}" if row["error"] else f"{PROG}: note: {note}"
            (bar.write if bar is not None else print)(message, file=sys.stderr)
        if table is not None:
            table.add(row)
        rows.append(row)
        if bar is not None:
            bar.update()

    options = {"units": args.units, "column": args.column}
    try:
        if args.scheduler or args.dask:
            try:
                run_dask(todo, params, args.scheduler, on_row, **options)
            except ImportError:
                raise UserError("Dask is not installed: pip install 'biofeedback[dask]'") \
                    from None
            except OSError as exc:
                raise UserError(f"cannot reach the Dask scheduler {args.scheduler}: "
                                f"{exc}") from None
        else:
            workers = 1 if len(todo) < 4 else min(args.jobs, len(todo))
            run_local(todo, params, workers, on_row, **options)
    finally:
        if bar is not None:
            bar.close()
        if table is not None:
            table.close(sort_by="path")
    return sorted(rows, key=lambda r: r["path"])


def _windows(paths: list[str], params: AnalysisParams, args: argparse.Namespace) -> int:
    """Per-window metrics of every recording into one table (``path`` first)."""
    from ..signal import windowed_metrics
    from ..signal.summary import WINDOW_COLUMNS

    tables: list[dict[str, np.ndarray]] = []
    failed = 0
    for path in paths:
        try:
            rec = load_recording(path, units=args.units, column=args.column, labels=False)
        except RecordingError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        if rec.note:
            print(f"{PROG}: note: {rec.note}", file=sys.stderr)
        cols = windowed_metrics(rec.beats.t_s, rec.beats.rr_ms, args.window, args.step,
                                params, rec.edits)
        tables.append({"path": np.full(cols["t_end_s"].size, path), **cols})
    columns = {c: np.concatenate([t[c] for t in tables]) if tables else np.zeros(0)
               for c in ["path", *WINDOW_COLUMNS]}
    write_columns(args.csv, columns, ["path", *WINDOW_COLUMNS])
    return 1 if failed else 0
