"""Analysing many recordings: find them, analyse each in a worker, collect rows.

One recording is one task (:func:`analyze_one`), a pure function of a path and the analysis
parameters, so it runs the same in this process, in a local process pool, or on a Dask
cluster, and gives the same row everywhere. A recording that cannot be read gives a row with
an ``error`` and the batch goes on.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import RecordingError
from ..signal import AnalysisParams, summarize
from ..storage.folder import is_session_folder
from ..storage.recordings import load_recording

#: Files taken for RR recordings when walking folders (by extension).
RR_SUFFIXES = (".csv", ".txt", ".hrm", ".rr", ".tsv")


def find_recordings(inputs: Iterable[str]) -> list[str]:
    """Session folders and RR files named by ``inputs`` (paths, folders or glob patterns),
    walking folders; sorted, each once. A folder is a session or is walked, never both."""
    found: set[str] = set()
    for item in inputs:
        matches = glob.glob(item, recursive=True) if glob.has_magic(item) else [item]
        for match in matches:
            path = Path(match)
            if is_session_folder(path) or path.is_file():
                found.add(str(path))
            elif path.is_dir():
                found.update(_walk(path))
            else:
                found.add(str(path))  # missing: reported as an error row, not skipped
    return sorted(found)


def _walk(folder: Path) -> Iterator[str]:
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        if is_session_folder(here):
            dirs.clear()
            yield str(here)
            continue
        dirs.sort()
        yield from (str(here / f) for f in sorted(files)
                    if f.lower().endswith(RR_SUFFIXES) and not f.startswith("."))


def analyze_one(path: str, params: AnalysisParams, units: str = "auto",
                column: str | None = None) -> dict[str, Any]:
    """The summary row of one recording (``analyze --json`` keys), or its error."""
    try:
        rec = load_recording(path, units=units, column=column)
        row = summarize(rec.beats.t_s, rec.beats.rr_ms, params, rec.edits)
    except RecordingError as exc:
        return {"path": path, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one bad recording must not stop a batch
        return {"path": path, "error": f"{type(exc).__name__}: {exc}"}
    return {"path": path, **row, "error": None,  # "artifacts" (counts) stays out of CSVs
            "note": rec.note}  # values left out by the reader, said on stderr


def run_local(paths: list[str], params: AnalysisParams, workers: int,
              on_row: Callable[[dict[str, Any]], None], **options: Any) -> None:
    """Analyse ``paths`` with ``workers`` processes (1: in this process)."""
    if workers <= 1:
        for p in paths:
            on_row(analyze_one(p, params, **options))
        return
    # Here, not at the top: the process pool loads multiprocessing, which one recording or
    # the window never needs.
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(analyze_one, p, params, **options) for p in paths]
        for future in as_completed(futures):
            on_row(future.result())


def analyze_chunk(paths: list[str], params: AnalysisParams,
                  **options: Any) -> list[dict[str, Any]]:
    """:func:`analyze_one` over several paths: one cluster task, less scheduling per row."""
    return [analyze_one(p, params, **options) for p in paths]


def run_dask(paths: list[str], params: AnalysisParams, scheduler: str | None,
             on_row: Callable[[dict[str, Any]], None], chunk: int = 25, **options: Any) -> None:
    """Analyse ``paths`` on a Dask cluster: ``scheduler`` is ``tcp://HOST:PORT``, or None
    for a LocalCluster of this machine's cores. Tasks of ``chunk`` recordings each."""
    import logging

    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed

    chunks = [paths[i:i + chunk] for i in range(0, len(paths), chunk)]
    cluster = None if scheduler else LocalCluster(processes=True, dashboard_address=None,
                                                  silence_logs=logging.ERROR)
    try:
        with Client(scheduler or cluster, timeout="10s") as client:
            futures = client.map(analyze_chunk, chunks, params=params, pure=False, **options)
            for future in dask_completed(futures):
                for row in future.result():
                    on_row(row)
    finally:
        if cluster is not None:
            # Workers still sending heartbeats while the scheduler stops log noisy errors.
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            cluster.close()


def provenance(params: AnalysisParams) -> dict[str, Any]:
    """What every result carries: the analysis parameters and the package version."""
    return {"parameters": params.to_dict(), "version": __version__}
