"""``biofeedback scan``: the heart-rate straps in range."""

from __future__ import annotations

import argparse
import json

from ..storage.paths import data_dir
from ..storage.remembered import load_remembered
from .common import UserError


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    p = sub.add_parser("scan", parents=parents, help="list the heart-rate straps in range",
                       description="Listen for straps advertising the Heart Rate service "
                       "and list them, nearest first. Use an address with "
                       "`record --source ble:ADDRESS`.")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S",
                   help="how long to listen (default 5 s)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run_scan)


def run_scan(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= 120:
        raise UserError("--timeout must be within 0-120 s")
    import asyncio  # (with ssl: not for every start-up)

    from ..devices import scan  # imports bleak only when asked

    straps = asyncio.run(scan(args.timeout))
    last = (load_remembered(data_dir(args.data_dir)).get("last_strap") or {}).get("address")
    if args.json:
        print(json.dumps([{"name": s.name, "address": s.address, "rssi_dbm": s.rssi,
                           "last_used": s.address == last} for s in straps], indent=2))
        return 0
    if not straps:
        print(f"no heart-rate strap heard in {args.timeout:g} s: wear it (straps advertise "
              "only with skin contact) and close any app connected to it")
        return 1
    for s in straps:
        mark = "  (used last)" if s.address == last else ""
        print(f"{s.address:<38} {s.rssi:>4} dBm  {s.name}{mark}")
    return 0
