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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..ui.app import has_display

    if not has_display():
        raise UserError("no display to open the window on (no DISPLAY or WAYLAND_DISPLAY); "
                        "use the headless commands (see --help)")
    if not 0.1 <= args.speed <= 1000:
        raise UserError("--speed must be within 0.1-1000")
    from ..ui.app import run_gui  # Qt is imported only for the window

    return run_gui(args)
