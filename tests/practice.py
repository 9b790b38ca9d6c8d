"""A client's home practice recorded in-process (``helpers.record_sim``), for sharing tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

from helpers import record_sim

from biofeedback.storage.folder import read_session, write_json_atomic
from biofeedback.storage.library import Library
from biofeedback.storage.paths import sessions_dir

CLIENT = "Anna Smith"


def record_practice(root: Path, seeds=(1, 2), client: str = CLIENT,
                    protocol: str = "standard", duration_s: float = 480.0) -> list[Path]:
    """Sessions of the simulated strap (one per seed) filed under ``client`` in the data
    folder ``root``, as ``record --client`` files them; returns their folders."""
    folders = []
    with Library(root) as library:
        profile = library.client(client)
        for seed in seeds:
            _, _, folder, _ = record_sim(sessions_dir(root), f"sim:seed={seed}", duration_s,
                                         protocol)
            meta = read_session(folder).meta | {"client_id": profile["id"],
                                                "client_name": profile["name"],
                                                "pre_rating": 6, "post_rating": 3}
            write_json_atomic(folder / "session.json", meta)
            library.index_session(folder)
            folders.append(folder)
    return folders


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path → SHA-256), folders included as ``/``."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() else "/" for p in sorted(root.rglob("*"))}
