"""The Python API for researchers: recordings into arrays and DataFrames, and analyses of
one or thousands of recordings with the same column names as ``biofeedback analyze --json``.

Every DataFrame it returns carries ``df.attrs["parameters"]`` (the analysis parameters) and
``df.attrs["version"]`` (this package's version)::

    from biofeedback import research

    beats = research.load_frame("recordings/slow_breathing_polar_h10.csv")   # t_s, rr_ms
    table = research.summary(["study/"], jobs=4)          # one row per recording
    windows = research.windows("session_folder", window_s=60, step_s=5)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..signal import AnalysisParams, windowed_metrics
from ..signal.summary import SUMMARY_COLUMNS, WINDOW_COLUMNS
from ..storage.recordings import Recording, load_recording
from .batch import analyze_one, find_recordings, provenance, run_dask, run_local

if TYPE_CHECKING:  # pandas is imported when a DataFrame is asked for: the CLI stays quick
    import pandas as pd

__all__ = ["load", "load_frame", "summary", "windows", "find_recordings", "analyze_one"]


def load(path: str, units: str = "auto", column: str | None = None) -> Recording:
    """Beats of a session folder or RR file: ``.beats.t_s`` (s), ``.beats.rr_ms`` (ms), and
    for a session ``.meta`` and ``.events``."""
    return load_recording(path, units=units, column=column)


def load_frame(path: str, units: str = "auto", column: str | None = None) -> pd.DataFrame:
    """Beats as a DataFrame: ``t_s, rr_ms``, and for a session folder also ``hr_bpm,
    contact, artifact, arrival_s`` as recorded. ``attrs["path"]``, ``attrs["meta"]``."""
    import pandas as pd
    rec = load(path, units, column)
    columns = rec.beats.COLUMNS if rec.session is not None else ("t_s", "rr_ms")
    frame = pd.DataFrame({c: rec.beats[c] for c in columns})
    frame.attrs.update(path=str(path),
                       meta=rec.meta if rec.session is not None else {"format": rec.format})
    return frame


def _with_provenance(frame: pd.DataFrame, params: AnalysisParams) -> pd.DataFrame:
    frame.attrs.update(provenance(params))
    return frame


def summary(inputs: str | Iterable[str], params: AnalysisParams | None = None, jobs: int = 1,
            scheduler: str | None = None, dask: bool = False, **options: Any) -> pd.DataFrame:
    """One row per recording found in ``inputs`` (paths, folders, glob patterns): ``path``,
    the summary columns and ``error`` (None, or why that recording failed). ``jobs``
    processes locally, or a Dask cluster (``scheduler="tcp://..."`` or ``dask=True`` for a
    LocalCluster)."""
    import pandas as pd

    params = params or AnalysisParams()
    paths = find_recordings([inputs] if isinstance(inputs, str) else list(inputs))
    rows: list[dict[str, Any]] = []
    if scheduler or dask:
        run_dask(paths, params, scheduler, rows.append, **options)
    else:
        run_local(paths, params, jobs, rows.append, **options)
    frame = pd.DataFrame(sorted(rows, key=lambda r: r["path"]),
                         columns=["path", *SUMMARY_COLUMNS, "error"])
    return _with_provenance(frame.reset_index(drop=True), params)


def windows(path: str, window_s: float, step_s: float, params: AnalysisParams | None = None,
            **options: Any) -> pd.DataFrame:
    """Per-window metrics of one recording (the columns of ``analyze --window``)."""
    import pandas as pd

    params = params or AnalysisParams()
    rec = load(path, **options)
    cols = windowed_metrics(rec.beats.t_s, rec.beats.rr_ms, window_s, step_s, params,
                            rec.edits)
    return _with_provenance(pd.DataFrame({k: cols[k] for k in WINDOW_COLUMNS}), params)
