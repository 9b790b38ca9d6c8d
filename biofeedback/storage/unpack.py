"""Writing a verified bundle's session folder into a data folder, whole or not at all."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

from .bundle import BundleError, BundleSession, json_bytes, load_json
from .paths import fsync_dir, open_private, private_dir


def unpack_session(root: Path, session: BundleSession, meta_updates: dict[str, Any]) -> Path:
    """Write a verified session folder under ``root`` (the data folder's ``sessions``) with
    ``meta_updates`` merged into its ``session.json`` (rewritten only when they change it);
    return the folder.

    The folder is written complete under ``<data folder>/.importing`` (0700, files 0600) and
    then renamed into place, so ``root`` never holds half a session. BundleError when a folder
    of that name exists already or the disk refuses."""
    target = root / session.folder_name
    staging_root = root.parent / ".importing"
    staging = staging_root / session.folder_name
    try:
        if os.path.lexists(target):
            raise BundleError(f"{target} exists already")
        private_dir(root)
        private_dir(staging_root)
        if os.path.lexists(staging):  # left by an import that was killed: ours, incomplete
            shutil.rmtree(staging)
        staging.mkdir(mode=0o700)
        for name, data in session.files.items():
            if name == "session.json":
                meta = load_json(name, data)
                if any(meta.get(k) != v for k, v in meta_updates.items()):
                    data = json_bytes({**meta, **meta_updates})  # else kept byte for byte
            with open_private(staging / name, "xb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        fsync_dir(staging)
        os.rename(staging, target)
        fsync_dir(root)
        with contextlib.suppress(OSError):
            staging_root.rmdir()  # only when empty
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BundleError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
