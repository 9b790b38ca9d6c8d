"""The ``biofeedback`` command line. User errors end in one line on stderr, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import __version__
from .commands import (
    analyze,
    desktop,
    devices,
    gui,
    library,
    record,
    report,
    resonance,
    review,
    share,
)
from .commands.common import PROG
from .errors import UserError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="HRV biofeedback: live training and offline analysis.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR",
                        help="where sessions and the library live (default: $BIOFEEDBACK_HOME, "
                        "else the user data folder)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    analyze.add_parser(sub, [common])
    record.add_parsers(sub, [common])
    devices.add_parser(sub, [common])
    resonance.add_parser(sub, [common])
    report.add_parsers(sub, [common])
    gui.add_parser(sub, [common])
    library.add_parsers(sub, [common])
    share.add_parsers(sub, [common])
    desktop.add_parser(sub, [common])
    review.add_parser(sub, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:  # `biofeedback` alone opens the window where there is a display
        from .ui.preflight import has_display

        if not has_display():
            parser.print_help()
            return 0
        argv = ["gui"]
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:
        if not isinstance(exc, UserError):
            raise
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
