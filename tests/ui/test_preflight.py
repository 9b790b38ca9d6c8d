"""The start-up check: what keeps a window from opening, in one line, before Qt aborts."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from biofeedback.ui import preflight

QT_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE",
           "QT_QPA_PLATFORM_PLUGIN_PATH", "QT_PLUGIN_PATH")

#: `ldd libqxcb.so` of PySide6 6.11 on a Debian 12 machine without libxcb-icccm4 and
#: libxcb-keysyms1 (where Qt said "xcb-cursor0 ... is needed" and aborted).
LDD_DEBIAN_MISSING_ICCCM = """\
\tlinux-vdso.so.1 (0x00007ffd7a1f5000)
\tlibQt6XcbQpa.so.6 => /venv/lib/python3.11/site-packages/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f1e2c600000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f1e2cdd2000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f1e2cdc9000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-randr.so.0 => /lib/x86_64-linux-gnu/libxcb-randr.so.0 (0x00007f1e2cdb5000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
"""  # noqa: E501


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in QT_VARS}
    env.update(values)
    return env


def free_display() -> str:
    """A display number nothing listens on (:93 unless taken)."""
    number = next(n for n in range(93, 199) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    return f":{number}"


def real_plugin() -> Path:
    plugin = preflight.find_plugin("xcb", preflight.plugin_search_path({}))
    if plugin is None:
        pytest.skip("PySide6 has no xcb plugin on this system")
    return plugin


@pytest.fixture
def x_display():
    """A running Xvfb's display name (skipped where Xvfb is not installed)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("needs Xvfb")
    display = free_display()
    server = subprocess.Popen(["Xvfb", display, "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket_path = Path(f"/tmp/.X11-unix/X{display[1:]}")
    deadline = time.monotonic() + 10
    while not socket_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield display
    server.terminate()
    server.wait(10)


@pytest.fixture
def plugin_without_its_qt_libraries(tmp_path):
    """A copy of the real xcb plugin in a folder without the Qt libraries it links."""
    folder = tmp_path / "platforms"
    folder.mkdir()
    shutil.copy(real_plugin(), folder / "libqxcb.so")
    return folder


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_ldd_output_names_the_debian_packages_to_install():
    missing = preflight.parse_ldd(LDD_DEBIAN_MISSING_ICCCM)
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    message = one_line(preflight.missing_message("xcb", missing))
    assert "apt install libxcb-icccm4 libxcb-keysyms1" in message
    assert "xcb-cursor" not in message  # Qt's own message blames it whatever is missing


def test_every_library_of_the_issue_maps_to_its_package():
    libraries = ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1",
                 "libxcb-image.so.0", "libxcb-render-util.so.0", "libxkbcommon-x11.so.0",
                 "libxcb-xinerama.so.0", "libxcb-randr.so.0", "libxcb-shape.so.0",
                 "libxcb-xfixes.so.0", "libEGL.so.1", "libGL.so.1", "libfontconfig.so.1",
                 "libdbus-1.so.3"]
    message = preflight.missing_message("xcb", libraries)
    command = message.split("apt install ", 1)[1].split(";")[0].split()
    assert command[:len(libraries)] == [
        "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
        "libxcb-render-util0", "libxkbcommon-x11-0", "libxcb-xinerama0", "libxcb-randr0",
        "libxcb-shape0", "libxcb-xfixes0", "libegl1", "libgl1", "libfontconfig1",
        "libdbus-1-3"]


def test_a_library_of_unknown_package_is_named_with_a_way_to_find_it():
    message = one_line(preflight.missing_message("xcb", ["libxcb-icccm.so.4", "libfoo.so.7"]))
    assert "libxcb-icccm4" in message and "apt-file search libfoo.so.7" in message


def test_a_plugin_that_cannot_load_is_reported_with_what_it_lacks(
        plugin_without_its_qt_libraries):
    plugin = plugin_without_its_qt_libraries / "libqxcb.so"
    message = one_line(preflight.plugin_problem("xcb", plugin))
    assert "libQt6XcbQpa.so.6" in message and "pip install --force-reinstall" in message


def test_the_installed_plugin_loads_or_its_missing_libraries_are_listed():
    plugin = real_plugin()
    problem = preflight.plugin_problem("xcb", plugin)
    missing = preflight.missing_libraries(plugin)
    if missing:
        assert problem is not None and all(lib in problem for lib in missing)
    else:
        assert problem is None


def test_an_empty_plugin_folder_says_to_reinstall_pyside6(tmp_path, x_display):
    verdict = preflight.check(clean_env(DISPLAY=x_display), plugin_dirs=[tmp_path])
    assert not verdict.ok and verdict.display_ok
    assert "xcb platform plugin is not in" in one_line(verdict.problem)


def test_the_check_pointed_at_a_plugin_folder_reports_its_missing_library(
        plugin_without_its_qt_libraries, x_display):
    verdict = preflight.check(clean_env(DISPLAY=x_display),
                              plugin_dirs=[plugin_without_its_qt_libraries])
    assert verdict.platform == "xcb" and not verdict.ok
    assert "libQt6XcbQpa.so.6" in one_line(verdict.problem)


def test_gui_with_a_broken_plugin_exits_2_in_one_line_instead_of_aborting(
        plugin_without_its_qt_libraries, x_display, tmp_path):
    env = clean_env(DISPLAY=x_display, BIOFEEDBACK_HOME=str(tmp_path / "home"),
                    QT_QPA_PLATFORM_PLUGIN_PATH=str(plugin_without_its_qt_libraries))
    run = subprocess.run([sys.executable, "-m", "biofeedback", "gui", "--source", "sim"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr  # Qt itself aborts: 134
    line = one_line(run.stderr)
    assert line.startswith("biofeedback gui: error: ") and "libQt6XcbQpa.so.6" in line


def test_an_unreachable_display_is_one_line():
    display = free_display()
    verdict = preflight.check(clean_env(DISPLAY=display))
    assert not verdict.ok and not verdict.display_ok
    assert f"cannot open the X display {display}" in one_line(verdict.problem)


def test_gui_with_an_unreachable_display_exits_2_within_seconds(tmp_path):
    env = clean_env(DISPLAY=free_display(), BIOFEEDBACK_HOME=str(tmp_path))
    t0 = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "biofeedback", "gui"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert time.monotonic() - t0 < 10
    assert run.returncode == 2 and run.stdout == ""
    assert "cannot open the X display" in one_line(run.stderr)
    check = subprocess.run([sys.executable, "-m", "biofeedback", "gui", "--check"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 2 and one_line(check.stderr) == one_line(run.stderr)


def test_a_malformed_display_name_is_named():
    verdict = preflight.check(clean_env(DISPLAY="not a display"))
    assert "is not an X display name" in one_line(verdict.problem)


def test_no_display_at_all():
    verdict = preflight.check(clean_env())
    assert not verdict.ok and "no display" in verdict.problem
    both = preflight.check(clean_env(XDG_SESSION_TYPE="wayland"))
    assert "neither DISPLAY nor WAYLAND_DISPLAY" in one_line(both.problem)


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "offscreen;xcb"])
def test_headless_platforms_skip_the_checks(platform, tmp_path):
    verdict = preflight.check(clean_env(QT_QPA_PLATFORM=platform, DISPLAY=free_display()),
                              plugin_dirs=[tmp_path])
    assert verdict.ok and verdict.platform == platform.split(";")[0]


def test_qt_qpa_platform_is_honoured():
    env = clean_env(QT_QPA_PLATFORM="xcb", WAYLAND_DISPLAY="wayland-0")
    assert preflight.platform_candidates(env, "linux") == ["xcb"]
    env = clean_env(QT_QPA_PLATFORM="wayland-egl:option;xcb")
    assert preflight.platform_candidates(env, "linux") == ["wayland", "xcb"]
    verdict = preflight.check(clean_env(QT_QPA_PLATFORM="frobnicate"))
    assert "not a Qt platform plugin" in one_line(verdict.problem)


def test_qt_chooses_by_session_when_qt_qpa_platform_is_unset():
    assert preflight.platform_candidates(clean_env(DISPLAY=":0"), "linux") == ["xcb"]
    assert preflight.platform_candidates(clean_env(WAYLAND_DISPLAY="wayland-0"),
                                         "linux") == ["wayland", "xcb"]
    assert preflight.platform_candidates(clean_env(), "darwin") == ["cocoa"]
    assert preflight.platform_candidates(clean_env(), "win32") == ["windows"]


def test_macos_and_windows_only_need_the_plugin_of_the_wheel(tmp_path):
    verdict = preflight.check(clean_env(), plugin_dirs=[tmp_path], system="darwin")
    assert "cocoa platform plugin is not in" in verdict.problem
    assert "pip install --force-reinstall PySide6-Essentials" in verdict.problem
    (tmp_path / "qwindows.dll").write_bytes(b"MZ")
    assert preflight.check(clean_env(), plugin_dirs=[tmp_path], system="win32").ok


@pytest.fixture
def wayland_socket(tmp_path):
    """A listening Unix socket standing in for a compositor's."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(tmp_path / "wayland-test"))
        server.listen(1)
        yield tmp_path, "wayland-test"


def test_wayland_display_reached_through_xdg_runtime_dir(wayland_socket):
    runtime, name = wayland_socket
    env = clean_env(WAYLAND_DISPLAY=name, XDG_RUNTIME_DIR=str(runtime))
    assert preflight.wayland_display_problem(env) is None
    gone = clean_env(WAYLAND_DISPLAY="wayland-9", XDG_RUNTIME_DIR=str(runtime))
    assert "cannot open the Wayland display" in preflight.wayland_display_problem(gone)


def test_wayland_without_its_plugin_and_no_x_says_so(wayland_socket):
    runtime, name = wayland_socket
    env = clean_env(WAYLAND_DISPLAY=name, XDG_RUNTIME_DIR=str(runtime))
    verdict = preflight.check(env, plugin_dirs=[runtime])
    assert verdict.platform == "wayland" and verdict.display_ok
    assert "wayland platform plugin is not in" in one_line(verdict.problem)


def test_wayland_without_its_plugin_falls_back_to_x(wayland_socket, x_display):
    """Qt tries wayland, then xcb: the check accepts the first that works."""
    runtime, name = wayland_socket
    if preflight.plugin_problem("xcb", real_plugin()) is not None:
        pytest.skip("the xcb plugin's system libraries are not installed here")
    qt = runtime / "qt"  # the wheel's layout: the plugin finds Qt in $ORIGIN/../../lib
    folder = qt / "plugins" / "platforms"
    folder.mkdir(parents=True)
    shutil.copy(real_plugin(), folder / "libqxcb.so")
    (qt / "lib").symlink_to(real_plugin().parents[2] / "lib")
    env = clean_env(WAYLAND_DISPLAY=name, XDG_RUNTIME_DIR=str(runtime), DISPLAY=x_display)
    code = ("import sys; from pathlib import Path; from biofeedback.ui.preflight import check; "
            "v = check(plugin_dirs=[Path(sys.argv[1])]); print(v.platform, v.where, v.ok)")
    run = subprocess.run([sys.executable, "-c", code, str(folder)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["xcb", x_display, "True"], run.stderr
