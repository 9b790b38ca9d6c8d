"""``sessions``, ``rate``, ``import`` and ``export``: the library and file formats."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

from ..errors import SessionWriteError
from ..storage.export import FORMATS, export_session
from ..storage.folder import SessionRecord, read_session, session_meta
from ..storage.library import Library
from ..storage.paths import data_dir, sessions_dir
from ..storage.rrfiles import read_rr
from ..storage.writer import SessionWriter
from ..training.protocols import unpaced_protocol
from ..types import BeatTable
from .common import UserError, jsonable
from .record import _rating
from .share import add_import_arguments, is_bundle_input, run_bundle_import

SESSION_HELP = "session folder, folder name, id (or its first 4+ characters), or 'latest'"


def add_parsers(sub: argparse._SubParsersAction, parents: list) -> None:
    s = sub.add_parser("sessions", parents=parents, help="list recorded sessions",
                       description="List the sessions in the library.")
    s.add_argument("--client", metavar="NAME")
    s.add_argument("--json", action="store_true")
    s.add_argument("--rebuild", action="store_true",
                   help="rebuild the library index from the session folders first")
    s.set_defaults(func=run_sessions)

    r = sub.add_parser("rate", parents=parents, help="stress ratings and notes of a session",
                       description="Set the pre/post stress rating (0-10) or notes; without "
                       "them, show the session's.")
    r.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    r.add_argument("--pre", type=_rating, metavar="0-10")
    r.add_argument("--post", type=_rating, metavar="0-10")
    r.add_argument("--notes")
    r.set_defaults(func=run_rate)

    i = sub.add_parser("import", parents=parents, help="import an RR file or a share bundle",
                       description="Turn an RR file into a session folder of a client, or "
                       "merge the sessions of a share bundle (verified first).")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--client", metavar="NAME", help="whose recording it is (RR files)")
    add_import_arguments(i)
    i.add_argument("--units", choices=("auto", "ms", "s"), default="auto")
    i.add_argument("--column", help="name of the RR column in a CSV with a header")
    i.add_argument("--date", type=_start_time, metavar="ISO",
                   help="when the recording started, e.g. 2026-03-01T07:30 or 2026-03-01 "
                   "(local time unless an offset is given; default: the file's modification "
                   "time)")
    i.set_defaults(func=run_import)

    e = sub.add_parser("export", parents=parents, help="export a session",
                       description="Write a session as CSV, Kubios RR text, EDF+ or BIDS.")
    e.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    e.add_argument("--format", choices=FORMATS, required=True)
    e.add_argument("--deidentify", action="store_true",
                   help="no client name, id or date in the files")
    e.add_argument("--out", default=".", metavar="DIR", help="output folder (default: here)")
    e.set_defaults(func=run_export)


def _start_time(text: str) -> datetime:
    """``--date``: an ISO date or date and time, local unless it has an offset; not future."""
    try:
        start = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date (2026-03-01) or date "
                                         "and time (2026-03-01T07:30)") from None
    start = start.astimezone() if start.tzinfo is None else start
    if start > datetime.now().astimezone():
        raise argparse.ArgumentTypeError(f"{text!r} is in the future")
    return start


def _note_skipped(command: str, record: SessionRecord) -> None:
    """Say on stderr, in one line, which torn or malformed rows the reader skipped."""
    note = record.skipped_note()
    if note:
        print(f"biofeedback {command}: note: {note}", file=sys.stderr)


def _cell(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` terminal columns (East Asian wide letters take 2)."""
    out, used = "", 0
    for char in text:
        w = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used + w > width - (1 if len(out) + 1 < len(text) else 0):
            return out + "…" + " " * (width - used - 1)
        out, used = out + char, used + w
    return out + " " * (width - used)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def run_sessions(args: argparse.Namespace) -> int:
    with Library(data_dir(args.data_dir), create=args.rebuild) as library:
        problems = library.problems
        if args.rebuild:
            n, problems = library.rebuild()
        for problem in problems:
            print(f"biofeedback sessions: {problem}", file=sys.stderr)
        if args.rebuild:
            print(f"rebuilt: {n} sessions, {len(library.clients())} clients", file=sys.stderr)
        rows = library.sessions(args.client)
        known = [c["name"] for c in library.clients()]
        profile = library.find_client(args.client) if args.client else None
    if args.json:
        print(json.dumps(jsonable(rows), indent=2))
        return 0
    if not rows and args.client:
        if profile:
            print(f"no sessions of {profile['name']!r} yet")
        else:
            print(f"no sessions of {args.client!r}: no such client"
                  + (f" (clients: {', '.join(known)})" if known else " (no clients yet)"))
        return 0
    if not rows:
        print("no sessions yet: record one with 'biofeedback record --source sim'")
        return 0
    print(f"{'id':8}  {'start':16}  {'client':18} {'protocol':9} {'min':>5}  {'status':11} "
          f"{'HR':>5} {'RMSSD':>6} {'coh':>5}")
    for r in rows:
        start = (r["start_time"] or "")[:16].replace("T", " ")
        client = _cell(r["client_name"] or r["client_id"] or "-", 18)
        print(f"{r['id']:8}  {start:16}  {client} "
              f"{(r['protocol'] or '-'):9} {(r['duration_s'] or 0) / 60:5.1f}  "
              f"{r['end_status']:11} {_fmt(r['mean_hr_bpm'], '5.1f'):>5} "
              f"{_fmt(r['rmssd_ms'], '6.1f'):>6} {_fmt(r['coherence_ratio'], '5.2f'):>5}")
    return 0


def run_rate(args: argparse.Namespace) -> int:
    show = args.pre is None and args.post is None and args.notes is None
    with Library(data_dir(args.data_dir), create=not show) as library:
        folder = library.find_session(args.session)
        if not show:
            library.annotate_session(folder, pre_rating=args.pre, post_rating=args.post,
                                     notes=args.notes)
    if not show:
        print(f"updated {folder}")
        return 0
    meta = read_session(folder).meta
    rating = lambda v: "—" if v is None else str(v)  # noqa: E731
    print(f"{folder.name}: stress before {rating(meta.get('pre_rating'))}, after "
          f"{rating(meta.get('post_rating'))}; notes: {meta.get('notes') or '—'}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    if is_bundle_input(args.file):
        return run_bundle_import(args)
    from ..app.importing import import_beats
    from ..storage.ecgfiles import read_ecg
    from ..training.plan import SessionSettings

    rec = read_rr(args.file, units=args.units, column=args.column, labels=False)
    if not args.client:
        raise UserError("an RR file needs --client NAME (whose recording it is)")
    root = data_dir(args.data_dir)
    path = Path(args.file)
    start = args.date or datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    dated_by = "--date" if args.date else "file modification time"
    settings = SessionSettings(duration_s=None, protocol="unpaced")
    protocol = unpaced_protocol()
    with Library(root) as library:
        profile = library.client(args.client)
        meta = session_meta(source=f"import:{path.name}",
                            device={"name": f"imported {rec.format}"},
                            settings=settings.to_dict(), protocol=protocol.to_dict(),
                            client=profile, start_time_from=dated_by)
        writer = SessionWriter.create(sessions_dir(root), meta, start)
        if rec.rr_ms.size > 50_000 and sys.stderr.isatty():  # a second or two: say so
            print(f"importing {rec.rr_ms.size} beats...", file=sys.stderr)
        try:
            ecg = read_ecg(path, rec.t_s)  # a strap export's ECG comes along (ecg.csv)
            if ecg is not None:
                writer.samples(ecg)
            result = import_beats(rec.t_s, rec.rr_ms, settings, protocol, writer)
        except SessionWriteError as exc:
            with contextlib.suppress(SessionWriteError, OSError):
                writer.close("stopped", error=str(exc))
            raise UserError(str(exc)) from None
        library.index_session(writer.folder, BeatTable.from_rr(rec.t_s, rec.rr_ms))
    if rec.note:
        print(f"biofeedback import: note: {rec.note}", file=sys.stderr)
    print(f"imported {result.n_beats} beats into {writer.folder}, dated "
          f"{start.isoformat(sep=' ', timespec='minutes')}"
          + ("" if args.date else " (the file's modification time; --date gives the real one)"))
    return 0


def run_export(args: argparse.Namespace) -> int:
    with Library(data_dir(args.data_dir), create=False) as library:
        folder = library.find_session(args.session)
    record = read_session(folder)
    _note_skipped("export", record)
    for path in export_session(record, args.format, Path(args.out), args.deidentify):
        print(path)
    return 0
