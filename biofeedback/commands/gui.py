"""``biofeedback gui`` (and ``biofeedback`` alone): the live window."""

from __future__ import annotations

import argparse

from .common import UserError


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    p = sub.add_parser("gui", parents=parents, help="open the live window (the default)",
                       description="The live display: pacer, heart rate, coherence, RMSSD, "
                       "spectrum; device, session and replay controls.")
    p.add_argument("--source", metavar="SPEC",
                   help="preselect a source: sim[:options], ble[:ADDRESS] or replay:PATH "
                   "(default: look for a strap, else offer the simulated one)")
    p.add_argument("--speed", type=float, default=1.0, metavar="X",
                   help="run simulated sessions X times faster (demonstrations)")
    p.add_argument("--quit-after", type=float, metavar="S",
                   help="close the window after S seconds (scripts, screenshots, benchmarks)")
    p.add_argument("--check", action="store_true",
                   help="only check that a window can open here (display, Qt platform plugin "
                   "and its system libraries), say what is missing, and exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..ui.preflight import check

    verdict = check()  # before Qt is imported: Qt itself would abort (exit 134)
    if not verdict.ok:
        raise UserError(verdict.problem)
    if args.check:
        where = f" ({verdict.where})" if verdict.where else ""
        print(f"a window can open here: Qt platform {verdict.platform}{where}")
        return 0
    if not 0.1 <= args.speed <= 1000:
        raise UserError("--speed must be within 0.1-1000")
    from ..ui.app import run_gui  # Qt is imported only for the window

    return run_gui(args)
