"""``biofeedback rf``: resonance-frequency assessment, of a recording or run live."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..storage.folder import is_session_folder
from ..storage.library import Library
from ..storage.paths import data_dir
from ..training.protocols import STEP_S, STEPPED_RATES
from .common import UserError, jsonable
from .record import LiveLine, _positive, _run

if TYPE_CHECKING:
    from ..app.launch import SessionPlan
    from ..training.assessment import Assessment


def _rates(text: str) -> tuple[float, ...]:
    try:
        rates = tuple(float(r) for r in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("rates are numbers separated by commas") from None
    if len(rates) < 2:
        raise argparse.ArgumentTypeError("give at least two rates")
    return rates


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    p = sub.add_parser("rf", parents=parents, help="find the resonance breathing rate",
                       description="Resonance-frequency assessment. With PATH: analyse a "
                       "recorded assessment session. With --source: run one (recorded like "
                       "any session), then analyse it. Stepped (default): each rate for "
                       "--step seconds, the first 30 s left out; --sliding: 6.75 -> 4.25 "
                       "breaths/min over 15 min.")
    p.add_argument("path", nargs="?", metavar="PATH", help="a recorded assessment session")
    p.add_argument("--source", metavar="SPEC", help="run a live assessment from this source")
    p.add_argument("--sliding", action="store_true", help="the sliding protocol")
    p.add_argument("--rates", type=_rates, default=STEPPED_RATES, metavar="R1,R2,...",
                   help="stepped rates, breaths/min (default 6.5,6,5.5,5,4.5)")
    p.add_argument("--step", type=_positive, default=STEP_S, metavar="S",
                   help="seconds per stepped rate, settling included (default 150)")
    p.add_argument("--inhale-ratio", type=float, default=0.4, metavar="F")
    p.add_argument("--speed", type=_positive, default=1.0, metavar="X",
                   help="session clock X times faster (simulation and replay)")
    p.add_argument("--client", metavar="NAME",
                   help="save a reliable result as this client's resonance rate")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_rf)


def run_rf(args: argparse.Namespace) -> int:
    import asyncio

    from ..app.launch import SessionPlan
    from ..app.library import assess_folder

    if (args.path is None) == (args.source is None):
        raise UserError("give a recorded assessment PATH or --source SPEC (not both)")
    root = data_dir(args.data_dir)
    if args.path is not None:
        folder = _session_folder(root, args.path)
    else:
        plan = SessionPlan(source=args.source, protocol="sliding" if args.sliding else "stepped",
                           client=args.client, rates_bpm=args.rates, step_s=args.step,
                           inhale_ratio=args.inhale_ratio, speed=args.speed)
        folder = asyncio.run(_assessment_session(plan, root, quiet=args.json))
    try:
        result = assess_folder(folder)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    saved = None
    if args.client and result.reliable:
        with Library(root) as library:
            library.update_client(args.client, resonance_bpm=result.recommended_bpm)
        saved = args.client
    if args.json:
        print(json.dumps(jsonable({"session": folder.name, **result.to_dict(),
                                   "saved_to_client": saved}), indent=2))
    else:
        _print_table(result, folder, saved)
    return 0


def _session_folder(root: Path, text: str) -> Path:
    path = Path(text)
    if is_session_folder(path):
        return path
    with Library(root, create=False) as library:
        return library.find_session(text)


async def _assessment_session(plan: SessionPlan, root: Path, quiet: bool) -> Path:
    from ..app.launch import finish_session, open_session

    opened = await open_session(plan, root)
    if not quiet:
        print(f"recording the assessment into {opened.writer.folder}")
        line = LiveLine()
        opened.runner.subscribe(line)
    result = await _run(opened.runner)
    if result.error:
        raise UserError(f"the assessment stopped: {result.error}")
    if result.end_status != "completed":
        raise UserError(f"the assessment was stopped before its end; it is kept in "
                        f"{opened.writer.folder} and can be analysed with `rf PATH`")
    finish_session(root, opened.writer.folder)
    return opened.writer.folder


def _print_table(result: Assessment, folder: Path, saved: str | None) -> None:
    print(f"{result.kind} assessment of {folder.name}")
    if result.kind == "stepped":
        print(" rate/min  HR swing bpm  LF ms²   LF peak ms²  coherence  phase°  LF peaks  score")
        for r in result.rates:
            print(f"  {r['rate_bpm']:6.2f}  {r['amplitude_bpm']:11.1f}  {r['lf_ms2']:7.0f}  "
                  f"{r['lf_peak_ms2']:11.0f}  {r['coherence']:9.2f}  {r['phase_deg']:6.0f}  "
                  f"{r['lf_peaks']:8d}  {r['score']:5.2f}")
    for line in result.verdict_lines():
        print(line)
    if result.edits_applied:
        print(f"{result.edits_applied} beat(s) labelled by hand (edits.csv) were used")
    if saved:
        print(f"saved as {saved}'s resonance rate: their next sessions pace at it")

