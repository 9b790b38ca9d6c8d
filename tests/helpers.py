"""Running sessions in-process for tests."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from biofeedback.devices import open_source
from biofeedback.devices.source import SessionClock
from biofeedback.storage.folder import session_meta
from biofeedback.storage.writer import SessionWriter
from biofeedback.training.plan import SessionSettings, build_pacer
from biofeedback.training.protocols import breathing_target, make_protocol
from biofeedback.training.runner import SessionRunner

FAST = 2000.0


def record_sim(root: Path, spec: str = "sim:seed=1", duration_s: float = 300.0,
               protocol: str = "free", speed: float = FAST, commands=None):
    """Record a simulated session into ``root``; returns (runner, result, folder, updates)."""
    settings = SessionSettings(duration_s=duration_s, protocol=protocol)
    proto = make_protocol(protocol, duration_s)
    pacer = build_pacer(settings, proto)
    source = open_source(spec, breathing=breathing_target(proto, pacer))
    meta = session_meta(source=spec, device=source.describe(), settings=settings.to_dict(),
                        protocol=proto.to_dict())
    writer = SessionWriter.create(root, meta, datetime.now().astimezone())
    runner = SessionRunner(source, settings, writer, SessionClock(speed), pacer=pacer,
                           protocol=proto)
    updates = []
    runner.subscribe(updates.append)

    async def go():
        task = asyncio.create_task(runner.run())
        for delay, command in commands or []:
            await asyncio.sleep(delay)
            command(runner)
        return await task

    result = asyncio.run(go())
    return runner, result, writer.folder, updates


def same_cells(a: list[dict[str, str]], b: list[dict[str, str]], rtol: float = 1e-12) -> bool:
    """Two CSV tables (rows of text cells) alike: text cells equal, numbers equal to ``rtol``.

    A session replays the figures it recorded to the last digit while the code is the same;
    sessions recorded before the spline solver changed from LAPACK to cyclic reduction
    (issue 13) come back with their coherence equal to rounding, a few units in its 16th
    digit."""
    if len(a) != len(b) or any(ra.keys() != rb.keys() for ra, rb in zip(a, b, strict=True)):
        return False
    for ra, rb in zip(a, b, strict=True):
        for key, x in ra.items():
            y = rb[key]
            if x == y:
                continue
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                return False
            if abs(fx - fy) > rtol * max(abs(fx), abs(fy)):
                return False
    return True
