"""Sharing practice: a client's sessions into a bundle, and a bundle into this library.

The bundle format is :mod:`biofeedback.storage.bundle` (docs/bundle.md); this module chooses
the sessions through the library, and merges a verified bundle into it. Sharing only reads:
the client's own folders, profile and index are left exactly as they were (the one write is
the random key of de-identified pseudonyms, in ``settings.json``, made the first time).
Importing is idempotent by session id: a session already in the library is skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..storage.bundle import (
    Bundle,
    BundleError,
    BundleSession,
    encrypt,
    pack,
    session_files,
    write_bundle,
)
from ..storage.folder import writer_alive
from ..storage.library import Library, LibraryError, client_id
from ..storage.paths import sessions_dir
from ..storage.remembered import load_remembered, remember
from ..storage.unpack import unpack_session

KEY_SETTING = "share_key"


@dataclass(frozen=True)
class ShareRequest:
    """What to share: a client's sessions since a date, or the listed ids (or prefixes)."""

    client: str
    since: datetime | None = None
    session_ids: tuple[str, ...] = ()
    deidentify: bool = False
    passphrase: str | None = None


@dataclass(frozen=True)
class Shared:
    path: Path
    n_sessions: int
    encrypted: bool
    deidentified: bool


@dataclass
class Imported:
    client: str
    added: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # session ids already here
    new_client: bool = False


def pseudonym_key(root: Path) -> bytes:
    """The data folder's random key for pseudonyms (made once, kept in ``settings.json``)."""
    value = load_remembered(root).get(KEY_SETTING)
    try:
        key = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        key = b""
    if len(key) < 32:
        key = os.urandom(32)
        remember(root, **{KEY_SETTING: key.hex()})
    return key


def _started(row: dict[str, Any]) -> datetime | None:
    try:
        start = datetime.fromisoformat(row["start_time"])
    except (TypeError, ValueError):
        return None
    return start if start.tzinfo else start.astimezone()


def choose_sessions(library: Library, request: ShareRequest) -> tuple[dict[str, Any],
                                                                      list[Path]]:
    """The client's profile and the session folders to share, oldest first."""
    profile = library.find_client(request.client)  # only reads: the index is not touched
    if profile is None:
        raise LibraryError(f"no client {request.client!r}")
    rows = library.sessions(request.client)
    if request.session_ids:
        chosen = []
        for key in request.session_ids:
            found = [r for r in rows if r["id"] == key] or \
                [r for r in rows if len(key) >= 4 and r["id"].startswith(key)]
            if len(found) != 1:
                raise LibraryError(f"{profile['name']} has {'no' if not found else 'several'} "
                                   f"session{'' if not found else 's'} {key!r} (see "
                                   f"'biofeedback sessions --client')")
            chosen += [r for r in found if r not in chosen]
        rows = sorted(chosen, key=lambda r: r["start_time"] or "")
    if request.since is not None:
        since = request.since if request.since.tzinfo else request.since.astimezone()
        rows = [r for r in rows if (s := _started(r)) is not None and s >= since]
    live = [r["id"] for r in rows if writer_alive(Path(r["folder"]))]
    if live:
        raise LibraryError(f"session {live[0]} is still recording; share it when it has ended")
    if not rows:
        raise LibraryError(f"no sessions of {profile['name']} to share"
                           + (" since then" if request.since else ""))
    return profile, [Path(r["folder"]) for r in rows]


def build_bundle(root: Path, request: ShareRequest) -> tuple[bytes, int]:
    """The bundle's bytes (encrypted when a passphrase is given) and its number of sessions."""
    from ..storage.deidentify import anonymous_profile, deidentify_sessions

    with Library(root, create=False) as library:
        profile, folders = choose_sessions(library, request)
    sessions = [BundleSession(f.name, session_files(f)) for f in folders]
    if request.deidentify:
        key = pseudonym_key(root)
        profile = anonymous_profile(profile, key)
        sessions = deidentify_sessions(sessions, key, profile)
    data = pack(profile, sessions, request.deidentify, __version__)
    if request.passphrase is not None:
        data = encrypt(data, request.passphrase)
    return data, len(sessions)


def share(root: Path, request: ShareRequest, out: Path) -> Shared:
    """Write the bundle of ``request`` at ``out`` (never over an existing file)."""
    data, n = build_bundle(root, request)
    path = write_bundle(out, data)
    return Shared(path, n, request.passphrase is not None, request.deidentify)


def _existing_ids(library: Library) -> set[str]:
    """Ids of the sessions in the index and of the folders on disk (an index may lag)."""
    ids = {r["id"] for r in library.sessions()}
    folder = sessions_dir(library.root)
    if folder.is_dir():
        ids |= {p.name.rsplit("_", 1)[-1] for p in folder.iterdir() if "_" in p.name}
    return ids


def import_bundle(root: Path, bundle: Bundle, as_client: str | None = None) -> Imported:
    """Merge a verified bundle's sessions into the library under its client (found by name,
    else created from the bundle's profile) or under ``as_client``. Sessions already here
    (by id) are skipped, so importing twice adds nothing."""
    name = as_client or bundle.profile["name"]
    client_id(name)  # a name the library refuses is refused before anything is written
    with Library(root) as library:
        new = library.find_client(name) is None
        profile = library.client(name)
        resonance = bundle.profile.get("resonance_bpm")
        if new and as_client is None and isinstance(resonance, int | float):
            profile = library.update_client(name, resonance_bpm=float(resonance))
        result = Imported(profile["name"], new_client=new)
        known = _existing_ids(library)
        for session in bundle.sessions:
            if session.session_id in known:
                result.skipped.append(session.session_id)
                continue
            folder = unpack_session(sessions_dir(root), session, {
                "client_id": profile["id"], "client_name": profile["name"]})
            library.index_session(folder)
            known.add(session.session_id)
            result.added.append(folder)
    return result


__all__ = ["BundleError", "Imported", "ShareRequest", "Shared", "build_bundle",
           "choose_sessions", "import_bundle", "pseudonym_key", "share"]
