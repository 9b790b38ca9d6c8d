"""``biofeedback record`` and ``replay``: a headless session, live or from a recording."""

from __future__ import annotations

import argparse
import math
import re
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..storage.folder import is_session_folder
from ..storage.paths import data_dir
from ..storage.writer import MetricsFile
from ..training.pacer import MAX_RATE_BPM, MIN_RATE_BPM
from ..training.protocols import ASSESSMENTS, PROTOCOL_NAMES, assessment_length_s
from ..types import DeviceEvent
from .common import UserError

if TYPE_CHECKING:
    from ..app.launch import SessionPlan
    from ..training.runner import SessionRunner
    from ..training.snapshots import SessionResult, SessionUpdate

DEFAULT_DURATION_S = 600.0


def _rating(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError("a stress rating is 0-10")
    return value


def _pair(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("give two numbers, e.g. 0.6,1.2") from None
    return lo, hi


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


#: What each protocol does (``--protocol`` help).
PROTOCOL_HELP = ("free: paced breathing for the whole --duration (default); standard: 3 min "
                 "baseline without pacer, paced breathing, 3 min recovery (needs --duration "
                 "of at least 7 min); stepped: resonance-frequency assessment, 6.5 to 4.5 "
                 "breaths/min in 5 steps of 2.5 min (about 13 min; --duration does not apply); "
                 "sliding: resonance-frequency assessment, 6.75 to 4.25 breaths/min over "
                 "15 min (--duration does not apply)")
#: The longest session ``--duration`` accepts.
MAX_DURATION_S = 24 * 3600.0
_DURATION = re.compile(r"(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m(?:in)?)?"
                       r"(?:(?P<s>\d+(?:\.\d+)?)s?)?")


def parse_duration(text: str) -> float:
    """``600``, ``90s``, ``10m``, ``10min``, ``1h``, ``1h30m``, ``1.5h``: seconds, finite,
    positive and at most a day (argparse type)."""
    match = _DURATION.fullmatch(re.sub(r"\s+", "", text.lower()))
    if not match or not any(match.groups()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration (e.g. 600, 90s, 10m, 1h)")
    h, m, s = (float(x or 0) for x in match.group("h", "m", "s"))
    seconds = 3600.0 * h + 60.0 * m + s
    if not 0 < seconds <= MAX_DURATION_S:
        raise argparse.ArgumentTypeError("a session lasts more than 0 s and at most 24 h")
    return seconds


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not MIN_RATE_BPM <= value <= MAX_RATE_BPM:
        raise argparse.ArgumentTypeError(
            f"the pacer rate is {MIN_RATE_BPM:g}-{MAX_RATE_BPM:g} breaths/min")
    return value


def add_parsers(sub: argparse._SubParsersAction, parents: list) -> None:
    r = sub.add_parser("record", parents=parents, help="record a headless session",
                       description="Run a session from a source into a session folder, "
                       "printing a live line. Ctrl-C stops it cleanly.")
    r.add_argument("--source", default="sim", metavar="SPEC",
                   help="sim, sim:hr=65,rf=5.5,seed=1, replay:PATH[@SPEED], ble (the strap "
                   "used last, else the nearest), ble:ADDRESS or ble:name=NAME (default: sim)")
    r.add_argument("--ecg", action="store_true",
                   help="also record a Polar H10's ECG (130 Hz) to ecg.csv")
    r.add_argument("--acc", action="store_true",
                   help="also record a Polar H10's accelerometer to acc.csv and estimate "
                   "breathing from it")
    r.add_argument("--duration", type=parse_duration, metavar="TIME",
                   help="session length: seconds, or with a unit: 90s, 10m, 1h, 1h30m "
                   "(default 10m; at most 24h)")
    r.add_argument("--protocol", choices=PROTOCOL_NAMES, default="free", help=PROTOCOL_HELP)
    r.add_argument("--client", metavar="NAME", help="the client this session belongs to")
    r.add_argument("--rate", type=_rate, metavar="BPM",
                   help=f"pacer rate, breaths/min ({MIN_RATE_BPM:g}-{MAX_RATE_BPM:g}; default: "
                   "the client's resonance rate, else 6)")
    r.add_argument("--inhale-ratio", type=float, default=0.4, metavar="F",
                   help="share of each breath spent breathing in (default 0.4)")
    r.add_argument("--challenge", type=int, choices=(1, 2, 3, 4), default=1,
                   help="coherence challenge level (1 easiest)")
    r.add_argument("--thresholds", type=_pair, metavar="MEDIUM,HIGH",
                   help="own coherence ratios where medium and high begin (instead of the "
                   "challenge level's)")
    r.add_argument("--speed", type=_positive, metavar="X",
                   help="run the session clock X times faster (simulation and replay; keep 1 "
                   "with a real strap; default 1, or the SPEED of replay:PATH@SPEED)")
    r.add_argument("--pre-rating", type=_rating, metavar="0-10", help="stress before")
    r.add_argument("--notes", default="", help="free text stored with the session")
    r.add_argument("--lsl", action="store_true",
                   help="publish RR, HR, coherence and pacer as Lab Streaming Layer streams")
    r.set_defaults(func=run_record)

    p = sub.add_parser("replay", parents=parents, help="play a recording back headless",
                       description="Feed a session folder or RR file through the live "
                       "analyzer as it ran, printing the live line.")
    p.add_argument("path", metavar="PATH", help="session folder or RR file")
    p.add_argument("--speed", type=_positive, metavar="X",
                   help="play X times faster than real time (default 1, or the SPEED of "
                   "PATH@SPEED; --speed wins over @SPEED)")
    p.add_argument("--metrics", metavar="OUT.csv",
                   help="write what a live user would have seen, as metrics.csv rows")
    p.add_argument("--lsl", action="store_true", help="publish as Lab Streaming Layer streams")
    study = p.add_argument_group("what if (change the live analysis; default: as recorded)")
    study.add_argument("--rmssd-window", type=_positive, metavar="S", help="RMSSD window, s")
    study.add_argument("--coherence-window", type=_positive, metavar="S",
                       help="coherence window, s")
    study.add_argument("--challenge", type=int, choices=(1, 2, 3, 4))
    study.add_argument("--thresholds", type=_pair, metavar="MEDIUM,HIGH")
    study.add_argument("--edits", action=argparse.BooleanOptionalAction, default=None,
                       help="use the session's beat review (edits.csv) over the live filter "
                       "(default: with any other what-if option)")
    study.add_argument("--no-artifact-filter", action="store_true",
                       help="let every beat into the live metrics")
    p.set_defaults(func=run_replay)


class LiveLine:
    """The one-line live display of the CLI: rewritten in place on a terminal, else printed
    every ``every_s`` wall seconds."""

    def __init__(self, out: TextIO = sys.stdout, every_s: float | None = None) -> None:
        from ..training.feedback import LEVEL_NAMES

        self.level_names = LEVEL_NAMES
        self.out = out
        self.tty = out.isatty()
        self.every_s = every_s if every_s is not None else (0.2 if self.tty else 5.0)
        self._last = 0.0

    def __call__(self, update: SessionUpdate | DeviceEvent) -> None:
        if isinstance(update, DeviceEvent):
            if update.kind in ("disconnected", "connected", "gap", "marker"):
                self._print(f"[{_clock(update.t_s)}] {update.kind} {update.value}".rstrip(),
                            force=True)
            return
        now = time.monotonic()
        if now - self._last < self.every_s:
            return
        self._last = now
        m = update.metrics
        coherence = ("--" if update.level < 0 else
                     f"{m.coherence_ratio:4.2f} {self.level_names[update.level]}")
        pacer = "no pacer" if update.pacer is None else (
            f"{update.pacer.stage} {update.pacer.stage_left_s:3.1f} s "
            f"@ {update.pacer.rate_bpm:.1f}/min")
        rmssd = "--" if m.rmssd_ms != m.rmssd_ms else f"{m.rmssd_ms:5.1f}"
        self._print(f"{_clock(m.t_s)}  HR {m.hr_bpm:5.1f}  RMSSD {rmssd} ms  "
                    f"coherence {coherence:<12} {update.step}: {pacer}")

    def _print(self, text: str, force: bool = False) -> None:
        if self.tty:
            self.out.write("\r\033[K" + text + ("\n" if force else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self.out.write("\n")


def _clock(t_s: float) -> str:
    minutes, seconds = divmod(int(t_s), 60)
    return f"{minutes:02d}:{seconds:02d}"


def _print_summary(result: SessionResult, out: TextIO = sys.stdout) -> None:
    s = result.summary
    if s.get("n_beats", 0) < 2:
        out.write(f"session {result.end_status}: no beats\n")
        return
    if s.get("quality_grade") == "not_interpretable":
        out.write(f"session {result.end_status}: {s['n_beats']} beats, not interpretable "
                  f"({s.get('quality_reason')}): no HRV figures\n")
        return
    known = lambda v, spec, unit="": (  # noqa: E731
        f"{v:{spec}}{unit}" if v is not None and math.isfinite(v) else "— (not enough data)")
    out.write(f"session {result.end_status}: {s['n_beats']} beats, mean HR "
              f"{known(s['mean_hr_bpm'], '.1f', ' bpm')}, RMSSD "
              f"{known(s['rmssd_ms'], '.1f', ' ms')}, coherence "
              f"{known(s['coherence_ratio'], '.2f')}")
    if s.get("time_high_pct") is not None:
        out.write(f" (high {s['time_high_pct']:.0f} %, medium {s['time_medium_pct']:.0f} %, "
                  f"low {s['time_low_pct']:.0f} %), achievement {s['achievement']}")
    if s.get("quality_grade"):
        out.write(f"; data quality {s['quality_grade'].replace('_', ' ')} "
                  f"({s['artifacts_pct']:.1f} % artifacts)")
    out.write("\n")
    o = s.get("outcome") or {}
    if o.get("baseline_rmssd_ms") is not None and o.get("training_rmssd_ms") is not None:
        out.write(f"RMSSD baseline {o['baseline_rmssd_ms']:.1f} ms -> training "
                  f"{o['training_rmssd_ms']:.1f} ms; heart rate oscillated at "
                  f"{o['hr_peak_bpm'] or float('nan'):.1f}/min with the pacer at "
                  f"{o['pacer_bpm'] or float('nan'):.1f}/min\n")


async def _run(runner: SessionRunner) -> SessionResult:
    import asyncio

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runner.stop)
    try:
        return await runner.run()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _attach_lsl(runner: SessionRunner, enabled: bool) -> None:
    if enabled:
        from ..app.lsl import LslOutlet  # imports pylsl only when asked

        runner.subscribe(LslOutlet())


def _duration(args: argparse.Namespace) -> float:
    """The session length: ``--duration``, or 10 min; an assessment has its own length, and
    a different ``--duration`` with it is refused rather than silently ignored."""
    if args.protocol in ASSESSMENTS:
        length_s = assessment_length_s(args.protocol)
        if args.duration is not None and abs(args.duration - length_s) > 1.0:
            raise UserError(f"the {args.protocol} assessment runs its own length "
                            f"({length_s / 60:.1f} min); leave out --duration")
        return length_s
    return DEFAULT_DURATION_S if args.duration is None else args.duration


def run_record(args: argparse.Namespace) -> int:
    import asyncio

    from ..app.launch import SessionPlan, finish_session, prepare

    root = data_dir(args.data_dir)
    plan = SessionPlan(source=args.source, duration_s=_duration(args), protocol=args.protocol,
                       client=args.client, rate_bpm=args.rate, inhale_ratio=args.inhale_ratio,
                       challenge=args.challenge, speed=args.speed, pre_rating=args.pre_rating,
                       notes=args.notes, ecg=args.ecg, acc=args.acc,
                       thresholds=args.thresholds)
    prepare(plan, root)  # a plan that cannot run (PlanError) fails before any strap is searched
    result, folder = asyncio.run(_record(plan, root, args.lsl))
    if result.error:
        print(f"biofeedback record: error: {result.error}; what was recorded is kept",
              file=sys.stderr)
    if folder.is_dir():
        print(f"saved {folder}")
        if result.error:  # the cause was reported; indexing would only fail the same way
            return 1
        finish_session(root, folder)
    return 1 if result.error else 0


async def _record(plan: SessionPlan, root: Path, lsl: bool) -> tuple[SessionResult, Path]:
    from ..app.launch import open_session

    opened = await open_session(plan, root)
    device = opened.source.describe()
    if device.get("kind") == "ble":
        print(f"connected to {device.get('name')} ({device.get('address')}), battery "
              f"{device.get('battery_pct', '?')} %")
    line = LiveLine()
    opened.runner.subscribe(line)
    _attach_lsl(opened.runner, lsl)
    print(f"recording into {opened.writer.folder}")
    result = await _run(opened.runner)
    line.finish()
    _print_summary(result)
    return result, opened.writer.folder


def _what_if(args: argparse.Namespace) -> dict[str, Any]:
    """Settings a researcher changes for a replay (only those given)."""
    from ..signal import CausalFilterParams, CoherenceParams

    live: dict[str, Any] = {}
    if args.rmssd_window:
        live["rmssd_window_s"] = args.rmssd_window
    if args.coherence_window:
        live["coherence"] = CoherenceParams(window_s=args.coherence_window)
    if args.no_artifact_filter:
        live["artifact_filter"] = CausalFilterParams(min_rr_ms=0.0, max_rr_ms=math.inf,
                                                     floor_ms=math.inf)
    changes: dict[str, Any] = {"live": live} if live else {}
    if args.challenge:
        changes["challenge"] = args.challenge
    if args.thresholds:
        changes["thresholds"] = args.thresholds
    return changes


def run_replay(args: argparse.Namespace) -> int:
    import asyncio

    from ..app.replay import open_replay
    from ..devices.source import SessionClock
    from ..training.runner import replay_runner

    source = open_replay(args.path)
    if source.note:
        print(f"biofeedback replay: note: {source.note}", file=sys.stderr)
    recorder = MetricsFile(Path(args.metrics)) if args.metrics else None
    changes = _what_if(args)
    if args.edits if args.edits is not None else bool(changes):
        from ..signal.edits import live_verdicts
        from ..storage.edits import read_overrides

        verdicts = live_verdicts(source.beats["t_s"], read_overrides(source.path)) if (
            is_session_folder(source.path)) else ()
        if verdicts:
            changes.setdefault("live", {})["edits"] = verdicts
    runner = replay_runner(source, recorder, SessionClock(args.speed or source.speed or 1.0),
                           changes=changes)
    line = LiveLine()
    runner.subscribe(line)
    _attach_lsl(runner, args.lsl)
    result = asyncio.run(_run(runner))
    line.finish()
    _print_summary(result)
    if result.error:
        print(f"biofeedback replay: error: {result.error}", file=sys.stderr)
        return 1
    return 0
