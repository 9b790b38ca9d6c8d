"""``sessions``, ``rate``, ``import`` and ``export``: the library and file formats."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from .. import __version__
from ..storage.export import FORMATS, export_session
from ..storage.library import Library
from ..storage.paths import data_dir, sessions_dir
from ..storage.rrfiles import read_rr
from ..storage.session import SessionWriter, read_session
from ..training.protocols import unpaced_protocol
from .common import UserError, jsonable
from .record import _rating

#: Imports run the live analyzer over the file this many times faster than real time.
IMPORT_SPEED = 1e9


def add_parsers(sub: argparse._SubParsersAction, parents: list) -> None:
    s = sub.add_parser("sessions", parents=parents, help="list recorded sessions",
                       description="List the sessions in the library.")
    s.add_argument("--client", metavar="NAME")
    s.add_argument("--json", action="store_true")
    s.add_argument("--rebuild", action="store_true",
                   help="rebuild the library index from the session folders first")
    s.set_defaults(func=run_sessions)

    r = sub.add_parser("rate", parents=parents, help="stress ratings and notes of a session",
                       description="Set the pre/post stress rating (0-10) or notes.")
    r.add_argument("session", metavar="SESSION", help="session folder or id")
    r.add_argument("--pre", type=_rating, metavar="0-10")
    r.add_argument("--post", type=_rating, metavar="0-10")
    r.add_argument("--notes")
    r.set_defaults(func=run_rate)

    i = sub.add_parser("import", parents=parents, help="import an RR file as a session",
                       description="Turn an RR file into a session folder of a client.")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--client", required=True, metavar="NAME")
    i.add_argument("--units", choices=("auto", "ms", "s"), default="auto")
    i.add_argument("--column", help="name of the RR column in a CSV with a header")
    i.set_defaults(func=run_import)

    e = sub.add_parser("export", parents=parents, help="export a session",
                       description="Write a session as CSV, Kubios RR text, EDF+ or BIDS.")
    e.add_argument("session", metavar="SESSION", help="session folder or id")
    e.add_argument("--format", choices=FORMATS, required=True)
    e.add_argument("--deidentify", action="store_true",
                   help="no client name, id or date in the files")
    e.add_argument("--out", default=".", metavar="DIR", help="output folder (default: here)")
    e.set_defaults(func=run_export)


def run_sessions(args: argparse.Namespace) -> int:
    with Library(data_dir(args.data_dir)) as library:
        if args.rebuild:
            n, problems = library.rebuild()
            for problem in problems:
                print(f"biofeedback sessions: skipped {problem}", file=sys.stderr)
            print(f"rebuilt: {n} sessions, {len(library.clients())} clients", file=sys.stderr)
        rows = library.sessions(args.client)
    if args.json:
        print(json.dumps(jsonable(rows), indent=2))
        return 0
    if not rows:
        print("no sessions yet: record one with 'biofeedback record --source sim'")
        return 0
    print(f"{'id':8}  {'start':16}  {'client':14} {'protocol':9} {'min':>5}  {'status':11} "
          f"{'HR':>5} {'RMSSD':>6} {'coh':>5}")
    for r in rows:
        start = (r["start_time"] or "")[:16].replace("T", " ")
        num = lambda v, f: "" if v is None else format(v, f)  # noqa: E731
        print(f"{r['id']:8}  {start:16}  {(r['client_id'] or '-')[:14]:14} "
              f"{(r['protocol'] or '-'):9} {num((r['duration_s'] or 0) / 60, '5.1f')}  "
              f"{r['end_status']:11} {num(r['mean_hr_bpm'], '5.1f')} "
              f"{num(r['rmssd_ms'], '6.1f')} {num(r['coherence_ratio'], '5.2f')}")
    return 0


def run_rate(args: argparse.Namespace) -> int:
    if args.pre is None and args.post is None and args.notes is None:
        raise UserError("give --pre, --post or --notes")
    with Library(data_dir(args.data_dir)) as library:
        folder = library.find_session(args.session)
        library.annotate_session(folder, pre_rating=args.pre, post_rating=args.post,
                                 notes=args.notes)
    print(f"updated {folder}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    import asyncio

    from ..devices.replay import ReplaySource
    from ..devices.source import SessionClock
    from ..training.session import SessionRunner, SessionSettings

    rec = read_rr(args.file, units=args.units, column=args.column)
    root = data_dir(args.data_dir)
    path = Path(args.file)
    start = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    settings = SessionSettings(duration_s=None, protocol="unpaced")
    protocol = unpaced_protocol()
    with Library(root) as library:
        profile = library.client(args.client)
        source = ReplaySource.from_rr(rec)
        meta = {"app_version": __version__, "source": f"import:{path.name}",
                "start_time_from": "file modification time", "client_id": profile["id"],
                "client_name": profile["name"], "device": {"name": f"imported {rec.format}"},
                "settings": settings.to_dict(), "protocol": protocol.to_dict(),
                "pre_rating": None, "post_rating": None, "notes": ""}
        writer = SessionWriter.create(sessions_dir(root), meta, start)
        runner = SessionRunner(source, settings, writer, SessionClock(IMPORT_SPEED),
                               protocol=protocol)
        result = asyncio.run(runner.run())
        library.index_session(writer.folder)
    if result.error:
        raise UserError(result.error)
    print(f"imported {result.n_beats} beats into {writer.folder}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    with Library(data_dir(args.data_dir)) as library:
        folder = library.find_session(args.session)
    record = read_session(folder)
    for path in export_session(record, args.format, Path(args.out), args.deidentify):
        print(path)
    return 0
