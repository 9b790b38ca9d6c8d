"""``biofeedback report`` and ``biofeedback progress``: what a clinician reads."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from ..reports.wording import rmssd_trend
from ..storage.export import ANONYMOUS_STEM
from ..storage.folder import read_session
from ..storage.library import Library
from ..storage.paths import data_dir, private_dir
from .common import UserError, jsonable


def add_parsers(sub: argparse._SubParsersAction, parents: list) -> None:
    r = sub.add_parser("report", parents=parents, help="a session or client report (HTML, PDF)",
                       description="Write a report as HTML (plots embedded) and PDF: of one "
                       "session, or with --client of a client's progress across sessions.")
    r.add_argument("session", nargs="?", metavar="SESSION",
                   help="session folder, id or path")
    r.add_argument("--client", metavar="NAME", help="a client's progress report instead")
    r.add_argument("--out", default=".", metavar="DIR", help="where to write (default .)")
    r.add_argument("--deidentify", action="store_true", help="no name or dates")
    r.set_defaults(func=run_report)
    p = sub.add_parser("progress", parents=parents, help="a client's progress across sessions",
                       description="Resting RMSSD (each session's baseline), coherence while "
                       "paced, minutes practised per week, stress before and after.")
    p.add_argument("--client", required=True, metavar="NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_progress)


def _progress(library: Library, name: str) -> dict:
    from ..app.library import library_progress

    progress = library_progress(library, name)
    if progress is None:
        raise UserError(f"no sessions of {name!r} in the library")
    return progress


def run_report(args: argparse.Namespace) -> int:
    from ..reports.documents import client_report, session_report  # matplotlib on demand

    if (args.session is None) == (args.client is None):
        raise UserError("give a SESSION or --client NAME (not both)")
    with Library(data_dir(args.data_dir), create=False) as library:
        if args.client:
            profile = library.client(args.client, create=False)
            progress = _progress(library, args.client)
            stem = f"progress_{ANONYMOUS_STEM if args.deidentify else profile['id']}"
        else:
            record = read_session(library.find_session(args.session))
            note = record.skipped_note()
            if note:
                print(f"biofeedback report: note: {note}", file=sys.stderr)
            stem = f"session_{ANONYMOUS_STEM if args.deidentify else record.session_id}"
    out = Path(args.out)
    try:
        private_dir(out)
    except OSError as exc:
        raise UserError(f"cannot write reports into {out}: {exc.strerror or exc}") from None
    if args.client:
        report = client_report(profile["name"], progress, args.deidentify)
    else:
        report = session_report(record, args.deidentify)
    try:
        written = [str(path) for path in report.write(out, stem)]  # never over an earlier one
    except OSError as exc:
        raise UserError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from None
    print("wrote " + " and ".join(written))
    return 0


def run_progress(args: argparse.Namespace) -> int:
    with Library(data_dir(args.data_dir), create=False) as library:
        progress = _progress(library, args.client)
    if args.json:
        print(json.dumps(jsonable(progress), indent=2))
        return 0
    print(f"{'date':16}  {'protocol':8}  {'min':>5}  {'rest RMSSD':>10}  {'coherence':>9}  "
          f"stress")
    for r in progress["sessions"]:
        rest = "—" if r["resting_rmssd_ms"] is None else f"{r['resting_rmssd_ms']:.1f}"
        coh = "—" if r["coherence"] is None or not math.isfinite(r["coherence"]) \
            else f"{r['coherence']:.2f}"
        stress = f"{r['pre_rating'] if r['pre_rating'] is not None else '—'} -> " \
                 f"{r['post_rating'] if r['post_rating'] is not None else '—'}"
        start = r["start_time"][:16].replace("T", " ")
        print(f"{start:16}  {r['protocol']:8}  {r['minutes']:5.1f}  {rest:>10}  {coh:>9}  "
              f"{stress}")
    for w in progress["weeks"]:
        print(f"week {w['week']}: {w['sessions']} session{'' if w['sessions'] == 1 else 's'}, "
              f"{w['minutes']:.0f} min")
    slope = progress["resting_rmssd_slope_ms_per_session"]
    if slope is not None:
        print(f"resting RMSSD trend: {rmssd_trend(slope, ascii_only=True)}")
    return 0
