"""`make bench`, the window part: pacer frame rate, CPU share, beat-to-screen latency and
time from launch to a visible window (targets: >= 30 fps, <= 25 % of one core, <= 50 ms,
<= 2 s).

Needs an X server for the launch time (it starts Xvfb itself when DISPLAY is unset and Xvfb
is installed); the other figures also run offscreen.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SESSION_S = 60.0


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def launch_time(env: dict[str, str]) -> float | None:
    """Seconds from starting `biofeedback gui` to its window being mapped on the X server."""
    if shutil.which("xwininfo") is None or not env.get("DISPLAY"):
        return None
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "biofeedback", "gui", "--source", "sim",
                             "--quit-after", "3"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    shown = None
    while proc.poll() is None and time.perf_counter() - t0 < 20:
        tree = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True,
                              text=True).stdout
        if '"Biofeedback"' in tree and "1440x900" in tree:
            shown = time.perf_counter() - t0
            break
        time.sleep(0.01)
    proc.wait(30)
    return shown


def live_figures() -> dict[str, float]:
    """A one-minute simulated session at 1x in a real window: fps, CPU, latency."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from biofeedback.ui.dialogs import DEFAULTS
    from biofeedback.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(["biofeedback"])
    window = MainWindow(Path(tempfile.mkdtemp()), dict(DEFAULTS), source="sim:seed=2")
    window.resize(1440, 900)
    window.show()
    emitted: dict[float, float] = {}
    latencies: list[float] = []

    def stamp(update) -> None:  # on the loop thread, as the bridge emits each beat
        emitted.setdefault(update.beat.t_s, time.perf_counter())

    window.bridge.update.connect(stamp, Qt.ConnectionType.DirectConnection)
    refresh = window._refresh

    def timed_refresh() -> None:
        refresh()
        t = window.model.t_s
        if t in emitted:
            latencies.append(time.perf_counter() - emitted.pop(t))

    window._refresh = timed_refresh
    window.session.start.click()
    end = time.monotonic() + 3
    while time.monotonic() < end:  # connect and settle
        app.processEvents()
        time.sleep(0.002)
    frames0, cpu0, t0 = window.pacer.frames, cpu_s(), time.perf_counter()
    end = time.monotonic() + SESSION_S
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)
    wall = time.perf_counter() - t0
    figures = {"fps": (window.pacer.frames - frames0) / wall,
               "cpu_pct": (cpu_s() - cpu0) / wall * 100,
               "latency_median_ms": sorted(latencies)[len(latencies) // 2] * 1000,
               "latency_max_ms": max(latencies) * 1000, "beats": len(latencies)}
    window.bridge.shutdown()
    window.close()
    return figures


def main() -> None:
    env = dict(os.environ)
    xvfb = None
    if not env.get("DISPLAY") and shutil.which("Xvfb"):
        display = ":97"
        xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        env["DISPLAY"] = os.environ["DISPLAY"] = display
    if not env.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = env["QT_QPA_PLATFORM"] = "offscreen"
    env["BIOFEEDBACK_HOME"] = tempfile.mkdtemp()
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    try:
        launches = [t for t in (launch_time(env) for _ in range(3)) if t is not None]
        f = live_figures()
    finally:
        if xvfb is not None:
            xvfb.terminate()
    platform = "Xvfb" if env.get("DISPLAY") else "offscreen"
    print(f"\nLive window ({platform}, one-minute simulated session at 1x)")
    print(f"  pacer frame rate        {f['fps']:6.1f} fps        (target >= 30)")
    print(f"  CPU, whole process      {f['cpu_pct']:6.1f} % of a core (target <= 25)")
    print(f"  beat to screen          {f['latency_median_ms']:6.1f} ms median, "
          f"{f['latency_max_ms']:.1f} ms max over {f['beats']} beats (target <= 50)")
    if launches:
        print(f"  launch to visible window {min(launches):5.2f} s best, {max(launches):.2f} s "
              f"worst of {len(launches)}  (target <= 2)")
    else:
        print("  launch to visible window: needs an X server (Xvfb) and xwininfo")


if __name__ == "__main__":
    main()
