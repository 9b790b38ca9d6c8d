"""Fast start: the quick commands import nothing heavy (python -X importtime)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from biofeedback import __version__

#: Imported only by the command that uses them (issue 13), never at start-up.
HEAVY = ("scipy", "pandas", "matplotlib", "bleak", "PySide6", "shiboken6", "pyqtgraph",
         "neurokit2", "dask", "distributed", "pyedflib", "pylsl", "tqdm")


def imported_modules(argv: list[str], env: dict[str, str]) -> tuple[set[str], str]:
    """Every module `biofeedback ARGV` imports, read from ``python -X importtime``."""
    code = "import sys, biofeedback.cli; sys.exit(biofeedback.cli.main(sys.argv[1:]))"
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *argv], env=env,
                         capture_output=True, text=True, timeout=120)
    modules = {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    assert modules, run.stderr
    return modules, run.stdout


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


@pytest.fixture
def env(tmp_path):
    values = {k: v for k, v in os.environ.items()
              if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    values.update(BIOFEEDBACK_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    return values


@pytest.mark.parametrize("argv", [
    ["--help"], ["--version"], ["sessions"], ["scan", "--help"], ["analyze", "--help"],
    ["record", "--help"], ["rf", "--help"], ["report", "--help"], ["export", "--help"],
    ["install-desktop", "--help"], ["gui", "--check"], [],
])
def test_quick_commands_import_nothing_heavy(argv, env):
    modules, _ = imported_modules(argv, env)
    assert "biofeedback.cli" in modules
    assert heavy(modules) == []


def test_version(env):
    _, out = imported_modules(["--version"], env)
    assert out.strip() == f"biofeedback {__version__}"


def test_the_signal_package_imports_scipy_only_when_a_function_needs_it_never_signal(env):
    code = ("import sys, numpy as np, biofeedback.signal as s\n"
            "before = sorted(m for m in sys.modules if m.startswith('scipy'))\n"
            "t = np.cumsum(np.full(400, 0.8)); rr = np.full(400, 800.0)\n"
            "s.summarize(t, rr)\n"
            "print(len(before), 'scipy.signal' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    # Since the Welch and AR spectra are NumPy (issue 13), not even the summary needs
    # scipy.signal.
    assert run.stdout.split() == ["0", "False"], run.stderr


def test_the_window_stack_imports_without_scipy(env):
    """The window's first frame needs no SciPy: the analysis loads it on first use."""
    code = ("import sys, biofeedback.ui.main_window, biofeedback.ui.app\n"
            "print(sorted(m for m in sys.modules if m.startswith('scipy')))")
    run = subprocess.run([sys.executable, "-c", code], env={**env, "QT_QPA_PLATFORM":
                         "offscreen"}, capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "[]", run.stderr


def test_a_live_session_has_scipy_loaded_before_its_clock_starts(env, tmp_path):
    """Imported on first use, SciPy would stall the first seconds of a live session."""
    code = ("import asyncio, sys\n"
            "from pathlib import Path\n"
            "from biofeedback.app.launch import SessionPlan, open_session\n"
            "before = 'scipy.signal' in sys.modules\n"
            "async def main():\n"
            "    opened = await open_session(SessionPlan(duration_s=1), Path(sys.argv[1]))\n"
            "    loaded = 'scipy.signal' in sys.modules\n"
            "    await opened.source.close()\n"
            "    opened.writer.close('stopped')\n"
            "    return loaded\n"
            "print(before, asyncio.run(main()))")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "data")], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["False", "True"], run.stderr
