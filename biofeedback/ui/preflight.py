"""Can Qt open a window here? Answered in one line before Qt is imported.

Qt answers a missing platform library or an unreachable display by printing several lines
and aborting the process (exit 134); its xcb message names ``libxcb-cursor0`` whatever is
missing. This module finds out first, with the standard library only: which platform
plugin Qt will try (``QT_QPA_PLATFORM``, else Wayland when a Wayland session is announced,
then X11), whether that display answers (``xcb_connect`` through ctypes; a socket connect
for Wayland) and whether the plugin's shared libraries resolve (``ldd``, which lists every
missing one, mapped to the Debian/Ubuntu packages that ship them; ``dlopen`` without it).
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Platforms that need no display and no system library: nothing to check.
HEADLESS = ("offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")

#: Plugin files per platform key, by operating system (PySide6 wheel layout).
PLUGIN_FILES = {
    "xcb": ("libqxcb.so",),
    "wayland": ("libqwayland.so", "libqwayland-generic.so", "libqwayland-egl.so"),
    "cocoa": ("libqcocoa.dylib",),
    "windows": ("qwindows.dll",),
}

#: Shared libraries of the Qt xcb/wayland plugins -> the Debian/Ubuntu package holding them.
DEBIAN_PACKAGES = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libz.so.1": "zlib1g",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

REINSTALL = "pip install --force-reinstall PySide6-Essentials"

#: Seconds an X server or Wayland compositor has to answer.
ANSWER_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Verdict:
    """The platform Qt will use (or the one that failed) and, when it cannot, why."""

    platform: str
    where: str = ""
    problem: str | None = None
    display_ok: bool = True

    @property
    def ok(self) -> bool:
        return self.problem is None


def check(env: Mapping[str, str] | None = None, plugin_dirs: Sequence[Path] | None = None,
          system: str = sys.platform) -> Verdict:
    """Whether a Qt window can open with ``env`` (default: this process's environment).

    ``plugin_dirs`` replaces the folders searched for platform plugins (tests point it at a
    folder of their own). The first platform Qt would try that works is the verdict; when
    none does, the most useful problem: one with a reachable display before "no display".
    """
    env = os.environ if env is None else env
    dirs = list(plugin_dirs) if plugin_dirs is not None else plugin_search_path(env, system)
    verdicts: list[Verdict] = []
    for name in platform_candidates(env, system):
        verdict = check_platform(name, env, dirs, system)
        if verdict.ok:
            return verdict
        verdicts.append(verdict)
    if len(verdicts) > 1 and not any(env.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY")):
        return Verdict(verdicts[0].platform, problem="no display to open the window on "
                       "(neither DISPLAY nor WAYLAND_DISPLAY is set); use the headless "
                       "commands (see --help), or set QT_QPA_PLATFORM=offscreen",
                       display_ok=False)
    return next((v for v in verdicts if v.display_ok), verdicts[0])


def has_display(env: Mapping[str, str] | None = None, system: str = sys.platform) -> bool:
    """Whether a window system is announced at all (``biofeedback`` alone opens the window
    only then, else prints its help)."""
    env = os.environ if env is None else env
    if not system.startswith("linux"):
        return True
    return any(env.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def platform_candidates(env: Mapping[str, str], system: str = sys.platform) -> list[str]:
    """The platform plugins Qt will try, in order (never empty).

    ``QT_QPA_PLATFORM`` is a ';'-separated list of ``name[:options]``. Unset, Qt picks the
    native plugin; on Linux Wayland first when the session announces it, else X11.
    """
    requested = env.get("QT_QPA_PLATFORM", "").strip()
    names = [item.split(":", 1)[0].strip() for item in requested.split(";")]
    names = ["wayland" if n.startswith("wayland") else n for n in names if n]
    if names:
        return names
    if system == "darwin":
        return ["cocoa"]
    if system.startswith("win") or system == "cygwin":
        return ["windows"]
    wayland = bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE") == "wayland"
    return ["wayland", "xcb"] if wayland else ["xcb"]


def plugin_search_path(env: Mapping[str, str], system: str = sys.platform) -> list[Path]:
    """Folders holding ``platforms`` plugins, in Qt's order: ``QT_QPA_PLATFORM_PLUGIN_PATH``,
    each ``QT_PLUGIN_PATH`` entry, then PySide6's own (found without importing it)."""
    dirs = [Path(p) for p in env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if p]
    dirs += [Path(p) / "platforms" for p in env.get("QT_PLUGIN_PATH", "").split(os.pathsep)
             if p]
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        root = Path(list(spec.submodule_search_locations)[0])
        qt = root if system.startswith("win") else root / "Qt"
        dirs.append(qt / "plugins" / "platforms")
    return dirs


def find_plugin(name: str, dirs: Sequence[Path]) -> Path | None:
    for folder in dirs:
        for filename in PLUGIN_FILES[name]:
            if (folder / filename).is_file():
                return folder / filename
    return None


def check_platform(name: str, env: Mapping[str, str], dirs: Sequence[Path],
                   system: str = sys.platform) -> Verdict:
    """Display first (without one nothing else matters), then the plugin and its libraries."""
    where = ""
    if name in HEADLESS:
        return Verdict(name, "no window system needed")
    if name not in PLUGIN_FILES:
        return Verdict(name, problem=f"QT_QPA_PLATFORM names {name!r}, not a Qt platform "
                       f"plugin here (try {', '.join(('xcb', 'wayland', *HEADLESS[:2]))})")
    if name == "xcb":
        where = env.get("DISPLAY", "")
        problem = x_display_problem(where)
    elif name == "wayland":
        where = env.get("WAYLAND_DISPLAY", "") or "wayland-0"
        problem = wayland_display_problem(env)
    else:
        problem = None
    if problem is not None:
        return Verdict(name, where, problem, display_ok=False)
    plugin = find_plugin(name, dirs)
    if plugin is None:
        found_in = ", ".join(str(d) for d in dirs) or "no plugin folder (is PySide6 installed?)"
        return Verdict(name, where, f"Qt's {name} platform plugin is not in {found_in}; "
                       f"reinstall PySide6: {REINSTALL}")
    if not system.startswith("linux"):  # the wheel ships cocoa/windows with their libraries
        return Verdict(name, where)
    return Verdict(name, where, plugin_problem(name, plugin, env))


def plugin_problem(name: str, plugin: Path, env: Mapping[str, str] | None = None) -> str | None:
    """None when ``plugin`` loads here; else which libraries are missing and how to get them.

    ``ldd`` (run with ``env``) resolves the plugin in a fresh process and lists every missing
    library at once; where there is no ``ldd`` (not glibc), a ``dlopen`` here names the first.
    """
    missing = missing_libraries(plugin, env)
    if missing is None:
        try:
            ctypes.CDLL(str(plugin))
            return None
        except OSError as exc:
            missing = _named_in(str(exc))
            if not missing:
                return f"Qt's {name} platform plugin {plugin} cannot load: {exc}"
    return missing_message(name, missing) if missing else None


def missing_libraries(plugin: Path, env: Mapping[str, str] | None = None) -> list[str] | None:
    """The shared libraries ``ldd`` cannot find for ``plugin``; None without a usable ``ldd``."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        run = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20,
                             env=None if env is None else dict(env))
    except (OSError, subprocess.SubprocessError):
        return None
    if run.returncode != 0 and "=>" not in run.stdout:
        return None  # not a dynamic executable for this ldd: let dlopen decide
    return parse_ldd(run.stdout)


def parse_ldd(text: str) -> list[str]:
    """``libfoo.so.1 => not found`` lines of ``ldd`` output, each library once, in order."""
    found = re.findall(r"^\s*(\S+)\s+=>\s+not found", text, flags=re.MULTILINE)
    return list(dict.fromkeys(found))


def _named_in(dlopen_error: str) -> list[str]:
    match = re.match(r"(\S+?): cannot open shared object file", dlopen_error)
    return [match.group(1)] if match else []


def missing_message(name: str, missing: Sequence[str]) -> str:
    """One line: what is missing, and the Debian/Ubuntu command that installs it."""
    qt_own = [lib for lib in missing if lib.startswith(("libQt6", "libicu", "libpyside6",
                                                         "libshiboken6"))]
    if qt_own:
        return (f"Qt's {name} platform plugin cannot load: PySide6's own "
                f"{', '.join(qt_own)} missing; reinstall PySide6: {REINSTALL}")
    packages = list(dict.fromkeys(DEBIAN_PACKAGES[lib] for lib in missing
                                  if lib in DEBIAN_PACKAGES))
    unknown = [lib for lib in missing if lib not in DEBIAN_PACKAGES]
    head = f"Qt's {name} platform plugin needs {', '.join(missing)}, not installed"
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    hints = []
    if packages:
        hints.append(f"{sudo}apt install {' '.join(packages)}")
    if unknown:
        hints.append(f"apt-file search {unknown[0]} names the package of {', '.join(unknown)}")
    if Path("/etc/debian_version").exists():
        return f"{head}; install with: {'; '.join(hints)}"
    return (f"{head}; on Debian/Ubuntu: {'; '.join(hints)} (elsewhere: your distribution's "
            "packages of these libraries)")


def x_display_problem(display: str, timeout_s: float = ANSWER_TIMEOUT_S) -> str | None:
    """None when the X server at ``display`` accepts a connection (as Qt will open it:
    libxcb, with the user's Xauthority); else why not."""
    if not display:
        return ("no display to open the window on (DISPLAY is not set); use the headless "
                "commands (see --help), or set QT_QPA_PLATFORM=offscreen")
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return missing_message("xcb", ["libxcb.so.1"])
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    result: list[int] = []

    def connect() -> None:
        conn = xcb.xcb_connect(display.encode(), None)
        result.append(xcb.xcb_connection_has_error(conn))
        xcb.xcb_disconnect(conn)

    # A server that accepts but never answers would block xcb_connect for good: wait in a
    # daemon thread, which the interpreter abandons at exit.
    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout_s)
    if not result:
        return f"the X display {display} does not answer (waited {timeout_s:g} s)"
    if result[0] == 0:
        return None
    if result[0] == 5:  # XCB_CONN_CLOSED_PARSE_ERR
        return f"DISPLAY={display} is not an X display name (like :0)"
    if result[0] == 6:  # XCB_CONN_CLOSED_INVALID_SCREEN
        return f"the X display {display} has no such screen"
    return (f"cannot open the X display {display}: no X server answers there, or it refused "
            "access; start one or set DISPLAY to the running one")


def wayland_display_problem(env: Mapping[str, str],
                            timeout_s: float = ANSWER_TIMEOUT_S) -> str | None:
    """None when the Wayland compositor's socket accepts a connection; else why not."""
    if env.get("WAYLAND_SOCKET"):  # a connected socket handed over by the compositor
        return None
    name = env.get("WAYLAND_DISPLAY") or "wayland-0"
    path = Path(name)
    if not path.is_absolute():
        runtime = env.get("XDG_RUNTIME_DIR")
        if not runtime:
            return "XDG_RUNTIME_DIR is not set, so the Wayland display cannot be found"
        path = Path(runtime) / name
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(str(path))
    except OSError as exc:
        return (f"cannot open the Wayland display {path}: {exc.strerror or exc}; "
                "is the compositor running?")
    return None
