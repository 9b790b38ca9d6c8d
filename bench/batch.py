"""`make bench`, the research part: batch analysis of 1,000 recordings cut from the real ones
in ../shared/data, on one core, on all local cores and on a Dask LocalCluster; throughput
and how time grows with the number of recordings. One corrupt file rides along."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from realdata import write_corpus  # noqa: E402

from biofeedback.research.batch import find_recordings, run_dask, run_local  # noqa: E402
from biofeedback.signal import AnalysisParams  # noqa: E402


def timed(run, paths) -> tuple[float, list[dict]]:
    rows: list[dict] = []
    t0 = time.perf_counter()
    run(paths, rows.append)
    return time.perf_counter() - t0, sorted(rows, key=lambda r: r["path"])


def main() -> None:
    params = AnalysisParams()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_corpus(folder, 1000)
        (folder / "corrupt.csv").write_bytes(b"rr_ms\n800\n\xff\xfe garbage\n")
        paths = find_recordings([str(folder)])
        print(f"\nBatch analysis ({len(paths)} recordings of 5 min cut from real data, one "
              f"corrupt; {cores} cores)")
        engines = {
            "1 core": lambda p, cb: run_local(p, params, 1, cb),
            f"{cores} local processes": lambda p, cb: run_local(p, params, cores, cb),
            "Dask LocalCluster": lambda p, cb: run_dask(p, params, None, cb),
        }
        reference = None
        for name, run in engines.items():
            seconds, rows = timed(run, paths)
            errors = sum(1 for r in rows if r["error"])
            same = "" if reference is None else (
                "  identical to 1 core" if _same(rows, reference) else "  DIFFERENT")
            reference = reference or rows
            print(f"  {name:22} {seconds:6.2f} s  {len(paths) / seconds:6.1f} recordings/s  "
                  f"({errors} error){same}")
        print("  growth on one core:")
        for n in (100, 300, 1000):
            seconds, _ = timed(lambda p, cb: run_local(p, params, 1, cb), paths[:n])
            print(f"    {n:5d} recordings  {seconds:6.2f} s  ({seconds / n * 1000:.1f} ms each)")


def _same(a: list[dict], b: list[dict]) -> bool:
    import math

    def clean(rows):
        return [{k: (None if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in r.items()} for r in rows]
    return clean(a) == clean(b)


if __name__ == "__main__":
    main()
