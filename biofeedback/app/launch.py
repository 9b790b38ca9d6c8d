"""Starting a recorded session: what the CLI's ``record`` and the GUI's Start button share.

A :class:`SessionPlan` is what a person chooses; :func:`prepare` checks it and resolves the
client's resonance rate; :func:`open_session` opens the source (finding and connecting a
strap), creates the session folder and returns a runner ready to ``run()``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..devices.factory import open_source
from ..devices.source import SessionClock, Source
from ..errors import LibraryError
from ..errors import PlanError as PlanError
from ..signal.lazy_scipy import load_all
from ..signal.live import LiveParams
from ..storage.folder import session_meta
from ..storage.library import Library
from ..storage.paths import sessions_dir
from ..storage.remembered import load_remembered, remember
from ..storage.writer import SessionWriter
from ..training.pacer import MAX_RATE_BPM, MIN_RATE_BPM
from ..training.plan import SessionSettings, build_pacer
from ..training.protocols import (
    ASSESSMENTS,
    STEP_S,
    STEPPED_RATES,
    Protocol,
    assessment_length_s,
    assessment_pacer,
    breathing_target,
    make_protocol,
)
from ..training.runner import SessionRunner
from .replay import open_replay

DEFAULT_RATE_BPM = 6.0


@dataclass(frozen=True)
class SessionPlan:
    """A session as a person asks for it. ``rate_bpm`` None: the client's resonance rate,
    else 6 breaths/min."""

    source: str = "sim"
    duration_s: float = 600.0
    protocol: str = "free"
    client: str | None = None
    rate_bpm: float | None = None
    inhale_ratio: float = 0.4
    challenge: int = 1
    speed: float | None = None  # None: the source's own (replay:PATH@SPEED), else 1
    pre_rating: int | None = None
    notes: str = ""
    ecg: bool = False
    acc: bool = False
    live: LiveParams = field(default_factory=LiveParams)
    rates_bpm: tuple[float, ...] = STEPPED_RATES
    step_s: float = STEP_S
    thresholds: tuple[float, float] | None = None


@dataclass
class OpenSession:
    source: Source
    runner: SessionRunner
    writer: SessionWriter


def prepare(plan: SessionPlan, root: Path
            ) -> tuple[SessionSettings, Protocol, dict[str, Any] | None]:
    """Settings, protocol and the client's profile (None without a client); PlanError when
    it cannot run."""
    duration = plan.duration_s
    try:
        if plan.protocol in ASSESSMENTS:
            duration = assessment_length_s(plan.protocol, plan.rates_bpm, plan.step_s)
            assessment_pacer(plan.protocol, plan.rates_bpm, plan.step_s)  # checks the rates
        protocol = make_protocol(plan.protocol, duration, plan.rates_bpm, plan.step_s)
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    rate = plan.rate_bpm
    profile = None
    if plan.client:
        with Library(root) as library:
            profile = library.client(plan.client)
        if rate is None:
            rate = profile.get("resonance_bpm")
    settings = SessionSettings(duration_s=duration, protocol=plan.protocol,
                               rate_bpm=DEFAULT_RATE_BPM if rate is None else rate,
                               inhale_ratio=plan.inhale_ratio, challenge=plan.challenge,
                               live=plan.live, rates_bpm=plan.rates_bpm, step_s=plan.step_s,
                               thresholds=plan.thresholds)
    if plan.thresholds is not None and not 0 < plan.thresholds[0] < plan.thresholds[1]:
        raise PlanError("coherence thresholds must be two increasing positive numbers")
    if not MIN_RATE_BPM <= settings.rate_bpm <= MAX_RATE_BPM:
        raise PlanError(f"the pacer rate must be within {MIN_RATE_BPM:g}-{MAX_RATE_BPM:g} "
                        "breaths/min")
    if not 0.2 <= settings.inhale_ratio <= 0.8:
        raise PlanError("the inhale share must be within 0.2-0.8")
    return settings, protocol, profile


async def open_session(plan: SessionPlan, root: Path) -> OpenSession:
    """Open the source and the session folder. Raises SourceError, PlanError,
    LibraryError or SessionWriteError, each with a one-line reason."""
    settings, protocol, profile = prepare(plan, root)
    load_all()  # SciPy, before the session clock starts
    last = load_remembered(root).get("last_strap") or {}
    pacer = build_pacer(settings, protocol)
    source = open_source(plan.source, prefer=last.get("address"), ecg=plan.ecg, acc=plan.acc,
                         breathing=breathing_target(protocol, pacer), open_replay=open_replay)
    await source.start()
    device = source.describe()
    try:
        if device.get("kind") == "ble":
            remember(root, last_strap={"address": device.get("address"),
                                            "name": device.get("name")})
        speed = plan.speed if plan.speed is not None else getattr(source, "speed", None) or 1.0
        meta = session_meta(source=plan.source, device=device, settings=settings.to_dict(),
                            protocol=protocol.to_dict(), client=profile,
                            pre_rating=plan.pre_rating, notes=plan.notes, speed=speed)
        writer = SessionWriter.create(sessions_dir(root), meta, datetime.now().astimezone())
    except BaseException:
        await source.close()
        raise
    index_started(root, writer.folder)
    runner = SessionRunner(source, settings, writer, SessionClock(speed), pacer=pacer,
                           protocol=protocol)
    return OpenSession(source, runner, writer)


def index_started(root: Path, folder: Path) -> None:
    """List a session (as ``recording``) from its first second, so that a session killed
    while recording is in the library at once. A library that cannot be written does not stop
    the recording: the folder is the truth, indexed at the end or by ``sessions --rebuild``."""
    with contextlib.suppress(LibraryError), Library(root) as library:
        library.index_session(folder)


def finish_session(root: Path, folder: Path) -> None:
    """Index a finished session in the library."""
    with Library(root) as library:
        library.index_session(folder)
