"""``share``, the bundle half of ``import``, and ``caseload``: practice reaches the clinician.

Passphrases are asked on the terminal (``getpass``, twice when sharing) or read from the first
line of ``--passphrase-file FILE`` in scripts; never from the command line or the environment,
which other processes and shell histories can read.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime
from pathlib import Path

from ..storage.paths import data_dir
from .common import UserError, jsonable

PASSPHRASE_FILE_HELP = "read the passphrase from the first line of FILE (for scripts)"


def _since(text: str) -> datetime:
    try:
        start = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date (2026-03-01)") from None
    return start if start.tzinfo else start.astimezone()


def _ids(text: str) -> tuple[str, ...]:
    ids = tuple(t.strip() for t in text.split(",") if t.strip())
    if not ids:
        raise argparse.ArgumentTypeError("give session ids separated by commas")
    return ids


def add_parsers(sub: argparse._SubParsersAction, parents: list) -> None:
    s = sub.add_parser("share", parents=parents, help="a bundle of a client's practice",
                       description="Write one file (a zip with SHA-256 checksums) holding a "
                       "client's session folders and profile, to give to a clinician; "
                       "optionally de-identified and encrypted with a passphrase.")
    s.add_argument("--client", required=True, metavar="NAME")
    s.add_argument("--since", type=_since, metavar="DATE", help="sessions from DATE on")
    s.add_argument("--sessions", type=_ids, default=(), metavar="ID,...",
                   help="only these sessions (ids or their first 4+ characters)")
    s.add_argument("--deidentify", action="store_true",
                   help="no name, id, date or strap serial in the bundle")
    s.add_argument("--passphrase", action="store_true",
                   help="encrypt the bundle (AES-256-GCM, scrypt); asked on the terminal")
    s.add_argument("--passphrase-file", metavar="FILE", help=PASSPHRASE_FILE_HELP)
    s.add_argument("--out", required=True, metavar="FILE",
                   help="the bundle to write (a folder: practice.bfbundle in it); an existing "
                   "file is never overwritten: name-2 is written instead")
    s.set_defaults(func=run_share)

    c = sub.add_parser("caseload", parents=parents, help="every client's recent practice",
                       description="Each client's last session, sessions and minutes in the "
                       "last 7 and 28 days, resting RMSSD and coherence trends, stress ratings "
                       "and flags (practice stopped, resting RMSSD falling).")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=run_caseload)


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """The options ``import`` takes for a bundle."""
    parser.add_argument("--as-client", metavar="NAME",
                        help="a bundle: import its sessions under this client")
    parser.add_argument("--passphrase-file", metavar="FILE", help=PASSPHRASE_FILE_HELP)


def is_bundle_input(path: str) -> bool:
    """Whether ``import`` should treat ``path`` as a bundle (any zip, or an encrypted one)."""
    from ..storage.bundle import sniff

    return sniff(Path(path)) is not None


def read_passphrase(file: str | None, confirm: bool) -> str:
    """The passphrase from ``file``'s first line, else asked on the terminal."""
    if file:
        try:
            with open(file, encoding="utf-8") as f:
                text = f.readline().rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read the passphrase from {file}: "
                            f"{getattr(exc, 'strerror', None) or exc}") from None
    else:
        if not sys.stdin.isatty():
            raise UserError("a passphrase is needed and there is no terminal to ask it on: "
                            "give --passphrase-file FILE")
        text = getpass.getpass("Passphrase: ")
        if confirm and getpass.getpass("Again: ") != text:
            raise UserError("the two passphrases differ; nothing was written")
    if not text:
        raise UserError("an empty passphrase protects nothing")
    return text


def run_share(args: argparse.Namespace) -> int:
    from ..app.sharing import ShareRequest, share

    passphrase = None
    if args.passphrase or args.passphrase_file:
        passphrase = read_passphrase(args.passphrase_file, confirm=True)
    request = ShareRequest(args.client, args.since, args.sessions, args.deidentify, passphrase)
    shared = share(data_dir(args.data_dir), request, Path(args.out))
    how = [w for w, on in (("de-identified", shared.deidentified),
                           ("encrypted", shared.encrypted)) if on]
    print(f"wrote {shared.path}: {shared.n_sessions} session"
          f"{'' if shared.n_sessions == 1 else 's'}" + (f", {' and '.join(how)}" if how else ""))
    return 0


def run_bundle_import(args: argparse.Namespace) -> int:
    """``import BUNDLE``: verify it entirely, then merge its new sessions."""
    from ..app.sharing import import_bundle
    from ..storage.bundle import read_bundle, sniff

    path = Path(args.file)
    passphrase = None
    if sniff(path) == "encrypted":
        passphrase = read_passphrase(args.passphrase_file, confirm=False)
    bundle = read_bundle(path, passphrase)  # refused here, before anything is written
    result = import_bundle(data_dir(args.data_dir), bundle, args.as_client or args.client)
    skipped = len(result.skipped)
    print(f"imported {len(result.added)} new session{'' if len(result.added) == 1 else 's'} "
          f"of {result.client}{' (a new client)' if result.new_client else ''}"
          + (f"; {skipped} already here" if skipped else ""))
    for folder in result.added:
        print(f"  {folder}")
    return 0


def _trend(value: float | None, slope: float | None, spec: str, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:{spec}}{unit}"
    return text if slope is None else f"{text} ({slope:+{spec}}/session)"


def run_caseload(args: argparse.Namespace) -> int:
    from ..app.caseload import library_caseload
    from ..storage.library import Library
    from ..training.caseload import flag_texts

    with Library(data_dir(args.data_dir), create=False) as library:
        rows, problems = library_caseload(library, datetime.now().astimezone())
    for problem in problems:
        print(f"biofeedback caseload: note: left out {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps(jsonable([r.to_dict() | {"flag_texts": flag_texts(r)} for r in rows]),
                         indent=2))
        return 0
    if not rows:
        print("no clients yet")
        return 0
    print(f"{'client':20} {'last session':16} {'7 d':>9} {'28 d':>10} {'rest RMSSD':>26} "
          f"{'coherence':>22} {'stress':>9}  flags")
    for r in rows:
        last = r.last_session[:16].replace("T", " ") if r.last_session else \
            ("undated" if r.n_sessions else "—")
        stress = "—" if r.stress_before_28d is None and r.stress_after_28d is None else \
            "->".join("—" if v is None else f"{v:.1f}"
                      for v in (r.stress_before_28d, r.stress_after_28d))
        rest = _trend(r.resting_rmssd_ms, r.resting_rmssd_trend_ms_per_session, ".1f", " ms")
        coherence = _trend(r.coherence, r.coherence_trend_per_session, ".2f", "")
        print(f"{r.client[:20]:20} {last:16} {r.sessions_7d:>3}/{r.minutes_7d:4.0f}m "
              f"{r.sessions_28d:>4}/{r.minutes_28d:4.0f}m "
              f"{rest:>26} {coherence:>22} "
              f"{stress:>9}  {'; '.join(flag_texts(r)) or '—'}")
    print("trends: least-squares change per session over the last 8 sessions, from 3 on")
    return 0
