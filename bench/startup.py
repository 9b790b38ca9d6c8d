"""`make bench`, the start-up part: whole-process times as ratios to bare-Python baselines
measured in the same run (issue 13).

* quick commands (`--help`, `--version`, `sessions`, `scan --help`, `gui --check`) against
  `python -c "import numpy"` (target <= 2.5x);
* the 24-hour windowed analysis as a whole process against
  `python -c "import numpy, scipy.linalg, scipy.fft"` (target <= 2x);
* ``biofeedback import`` of 10^5 beats (the first 100,000 of ltdb14149) as a whole process,
  against the same baseline (target: "takes about a second", i.e. about 1 s of wall time);
* the window's first frame (process start to its first paint on an X server) against a bare
  PySide6 window measured the same way (target <= 1 s).

Each figure is the best of N runs, taken round-robin so that the load of a shared machine
touches every command alike; the CPU time (user + system) beside the wall time is what the
process itself spent, which the other users of the machine disturb far less. The first
frame needs an X server: Xvfb is started when DISPLAY is unset (and the figure is skipped
with a note when there is none, or when Qt cannot open it).
"""

from __future__ import annotations

import compileall
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BIOFEEDBACK_SHARED_DATA", ROOT.parent / "shared" / "data"))
DAY = DATA / "long_term" / "ltdb14149_rr_from_atr.csv"
RUNS = int(os.environ.get("BENCH_RUNS", "10"))
IMPORT_BEATS = 100_000
PY = sys.executable

#: A child that reports the wall time of the first paint of any widget, then closes.
PAINT_PROBE = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

class Probe(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj.isWidgetType() and obj.isVisible():
            app.removeEventFilter(self)
            print(f"{time.time():.6f} {time.process_time():.6f}", flush=True)
            QTimer.singleShot(0, lambda: [w.close() for w in app.topLevelWidgets()])
        return False

app = QApplication(["biofeedback"])
probe = Probe()
app.installEventFilter(probe)
"""

BARE_WINDOW = PAINT_PROBE + """
from PySide6.QtWidgets import QWidget
window = QWidget()
window.resize(800, 600)
window.show()
app.exec()
"""

APP_WINDOW = PAINT_PROBE + """
from biofeedback.cli import main
sys.exit(main(["gui", "--source", "sim", "--quit-after", "20"]))
"""


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def whole_run(argv: list[str], env: dict[str, str],
              codes: tuple[int, ...] = (0, 1)) -> tuple[float, float]:
    """Wall and CPU seconds of one process run to its end."""
    cpu0, t0 = children_cpu_s(), time.perf_counter()
    run = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         timeout=120)
    elapsed, cpu = time.perf_counter() - t0, children_cpu_s() - cpu0
    if run.returncode not in codes:
        raise RuntimeError(f"{' '.join(argv)} failed: {run.stderr.decode()[-300:]}")
    return elapsed, cpu


def first_paint(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds from starting a process to its first painted widget, and the CPU
    seconds it had spent by then."""
    t0 = time.time()
    run = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    fields = run.stdout.split()
    if len(fields) < 2:
        raise RuntimeError(f"no frame painted: {run.stderr.strip()[-300:]}")
    return float(fields[0]) - t0, float(fields[1])


def best_of(jobs: dict[str, Callable[[], tuple[float, float]]],
            runs: int) -> dict[str, tuple[float, float]]:
    """Round-robin ``runs`` times over ``jobs``; the least wall and the least CPU time."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, job in jobs.items():
            times[name].append(job())
    return {name: (min(w for w, _ in v), min(c for _, c in v)) for name, v in times.items()}


def report(title: str, best: dict[str, tuple[float, float]], base: str) -> None:
    wall0, cpu0 = best[base]
    width = max(map(len, best))
    print(f"\n{title}\n  {'':{width}}  {'wall':>8} {'ratio':>6}  {'CPU':>8} {'ratio':>6}")
    for name, (wall, cpu) in best.items():
        print(f"  {name:{width}}  {wall * 1000:6.0f} ms {wall / wall0:5.2f}x  "
              f"{cpu * 1000:6.0f} ms {cpu / cpu0:5.2f}x")


def quick_commands(env: dict[str, str]) -> None:
    cli = [PY, "-m", "biofeedback"]
    jobs = {
        'python -c "import numpy"': [PY, "-c", "import numpy"],
        "biofeedback --help": [*cli, "--help"],
        "biofeedback --version": [*cli, "--version"],
        "biofeedback sessions": [*cli, "sessions"],
        "biofeedback scan --help": [*cli, "scan", "--help"],
        "biofeedback gui --check": [*cli, "gui", "--check"],
    }
    # Without a display the check answers in one line with status 2: as quick a command.
    best = best_of({k: (lambda a=a: whole_run(a, env, (0, 1, 2))) for k, a in jobs.items()},
                   RUNS)
    report(f"start-up, best of {RUNS} (target <= 2.5x bare `import numpy`)", best,
           'python -c "import numpy"')


def whole_analysis(env: dict[str, str]) -> None:
    if not DAY.exists():
        print(f"\nwhole process: {DAY} is missing, skipped")
        return
    out = Path(env["BIOFEEDBACK_HOME"]) / "windows.csv"
    jobs = {
        'python -c "import numpy, scipy.linalg, scipy.fft"':
            [PY, "-c", "import numpy, scipy.linalg, scipy.fft"],
        "analyze 24 h --window 60 --step 5":
            [PY, "-m", "biofeedback", "analyze", str(DAY), "--window", "60", "--step", "5",
             "--csv", str(out)],
    }
    runs = max(3, RUNS // 3)
    best = best_of({k: (lambda a=a: whole_run(a, env)) for k, a in jobs.items()}, runs)
    report(f"whole process, best of {runs} (target <= 2x the bare SciPy imports)", best,
           'python -c "import numpy, scipy.linalg, scipy.fft"')


def whole_import(env: dict[str, str]) -> None:
    if not DAY.exists():
        print(f"\nimport: {DAY} is missing, skipped")
        return
    home = Path(env["BIOFEEDBACK_HOME"])
    beats = home / "ltdb14149_1e5.csv"
    with DAY.open(encoding="utf-8") as day, beats.open("w", encoding="utf-8") as out:
        out.writelines(line for _, line in zip(range(IMPORT_BEATS + 1), day, strict=False))
    base = 'python -c "import numpy, scipy.linalg, scipy.fft"'
    command = [PY, "-m", "biofeedback", "import", str(beats), "--client", "Bench",
               "--date", "2026-03-01T07:30"]

    def one_import() -> tuple[float, float]:
        # A fresh library each time, so every run writes and indexes the same session.
        library = Path(tempfile.mkdtemp(dir=home))
        try:
            return whole_run(command, {**env, "BIOFEEDBACK_HOME": str(library)})
        finally:
            shutil.rmtree(library)

    runs = max(3, RUNS // 3)
    best = best_of({base: lambda: whole_run([PY, "-c", "import numpy, scipy.linalg, scipy.fft"],
                                            env),
                    f"import of {IMPORT_BEATS:,} beats": one_import}, runs)
    report(f"import, best of {runs} (target: about 1 s wall)", best, base)


def start_xvfb(env: dict[str, str]) -> subprocess.Popen | None:
    if env.get("DISPLAY") or shutil.which("Xvfb") is None:
        return None
    for number in range(90, 99):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1920x1080x24",
                                   "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                env["DISPLAY"] = f":{number}"
                return server
            time.sleep(0.05)
        server.terminate()
    return None


def first_frame(env: dict[str, str]) -> None:
    env = {k: v for k, v in env.items() if k != "QT_QPA_PLATFORM"}
    server = start_xvfb(env)
    try:
        if not env.get("DISPLAY"):
            print("\nfirst frame: no X server (DISPLAY unset and no Xvfb), skipped")
            return
        check = subprocess.run([PY, "-m", "biofeedback", "gui", "--check"], env=env,
                               capture_output=True, text=True, timeout=60)
        if check.returncode != 0:
            print(f"\nfirst frame: skipped, {check.stderr.strip()}")
            return
        runs = max(3, RUNS // 2)
        best = best_of({"bare PySide6 window": lambda: first_paint(BARE_WINDOW, env),
                        "biofeedback gui": lambda: first_paint(APP_WINDOW, env)}, runs)
        report(f"first frame (process start -> first paint on {env['DISPLAY']}), best of "
               f"{runs} (target <= 1 s)", best, "bare PySide6 window")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)


def load_note() -> str:
    """The load averages (1, 5, 15 min) against the cores: the machine may be shared."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    # Byte-compiled as pip installs it (PYTHONDONTWRITEBYTECODE, set here, would otherwise
    # have every run compile the package from source).
    compileall.compile_dir(ROOT / "biofeedback", quiet=1)
    print(f"start: {load_note()}")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "BIOFEEDBACK_HOME": home, "XDG_CONFIG_HOME": home}
        quick_commands(env)
        whole_analysis(env)
        whole_import(env)
        first_frame(env)
    print(f"\nend: {load_note()}")


if __name__ == "__main__":
    main()
