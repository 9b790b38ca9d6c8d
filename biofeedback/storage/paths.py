"""Where data lives, and files only their owner can read.

The data folder is ``--data-dir`` when given, else ``$BIOFEEDBACK_HOME``, else the user data
directory of the platform (platformdirs). Folders are created 0700 and files 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "biofeedback"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get("BIOFEEDBACK_HOME")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path(APP, appauthor=False)


def sessions_dir(root: Path) -> Path:
    return root / "sessions"


def clients_dir(root: Path) -> Path:
    return root / "clients"


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the user only; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def open_private(path: Path, mode: str = "a"):
    """Open a text file for writing, created 0600 when new."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    return os.fdopen(fd, mode, encoding="utf-8", newline="")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (replacing it), readable by the user only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
