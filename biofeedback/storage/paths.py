"""Where data lives, and files only their owner can read.

The data folder is ``--data-dir`` when given, else ``$BIOFEEDBACK_HOME``, else the user data
directory of the platform (platformdirs).

Privacy of what we create has one mechanism: :func:`private_dir` makes the folders we need
(0700) and leaves every folder that already existed exactly as it was (``/tmp`` keeps its 1777);
:func:`open_private` creates files 0600 from their first byte (the mode is given to ``open(2)``,
never set afterwards), and :func:`free_stem` picks names that overwrite nothing.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import platformdirs

APP = "biofeedback"
DIR_MODE, FILE_MODE = 0o700, 0o600
_OPEN_FLAGS = {"a": os.O_APPEND, "w": os.O_TRUNC, "x": os.O_EXCL}


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


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Make ``path`` and its missing parents, each created 0700; return ``path``.

    Folders that already exist are never changed. Raises ``OSError`` (``NotADirectoryError``
    when ``path`` or a parent is a file) with the usual ``strerror``.
    """
    path = Path(path)
    missing: list[Path] = []
    for folder in (path, *path.parents):
        if os.path.lexists(folder):
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by someone else: theirs, left alone
        os.chmod(folder, DIR_MODE)  # the umask can only have narrowed it; make it exactly 0700
    if not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    return path


def open_private(path: str | os.PathLike[str], mode: str = "a") -> IO:
    """Open a file for writing, created 0600 from its first byte.

    ``mode``: ``a`` appends, ``w`` replaces, ``x`` refuses an existing file
    (``FileExistsError``); add ``b`` for bytes, else UTF-8 text with untranslated newlines.
    """
    kind = mode.replace("b", "")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | _OPEN_FLAGS[kind], FILE_MODE)
    fd_mode = "a" if kind == "a" else "w"
    if "b" in mode:
        return os.fdopen(fd, fd_mode + "b")
    return os.fdopen(fd, fd_mode, encoding="utf-8", newline="")


def write_private_file(path: Path, data: bytes, replace: bool = True) -> None:
    """Write ``data`` to ``path``, readable by the user only; ``replace=False`` refuses an
    existing file (``FileExistsError``)."""
    with open_private(path, "wb" if replace else "xb") as f:
        f.write(data)


def free_stem(folder: Path, stem: str, suffixes: Iterable[str], sep: str = "-") -> str:
    """``stem``, else ``stem-2``, ``stem-3``, ...: the first for which no ``folder/stem+suffix``
    exists, so that nothing already written is overwritten."""
    suffixes = tuple(suffixes)
    n = 1
    candidate = stem
    while any(os.path.lexists(folder / f"{candidate}{s}") for s in suffixes):
        n += 1
        candidate = f"{stem}{sep}{n}"
    return candidate


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
