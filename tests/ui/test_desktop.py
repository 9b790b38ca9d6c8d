"""`biofeedback install-desktop`: a freedesktop menu entry and icon for this user."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from configparser import ConfigParser

import pytest

from biofeedback.commands.desktop import desktop_entry

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="freedesktop menus are a Linux/BSD feature")


def biofeedback(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "biofeedback", *argv], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share"), "HOME": str(tmp_path)}


def read_entry(path) -> dict[str, str]:
    parser = ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_install_writes_an_entry_that_starts_this_installation(env, tmp_path):
    run = biofeedback("install-desktop", env=env)
    assert run.returncode == 0, run.stderr
    entry = tmp_path / "share" / "applications" / "biofeedback.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "biofeedback.svg"
    for path in (entry, icon):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    values = read_entry(entry)
    assert values["Type"] == "Application" and values["Icon"] == "biofeedback"
    assert values["Terminal"] == "false" and "Science" in values["Categories"].split(";")
    program, *args = values["Exec"].split()
    assert os.path.isabs(program) and os.access(program, os.X_OK)
    version = subprocess.run([program, *args[:-1], "--version"], capture_output=True,
                             text=True, timeout=60)
    assert version.stdout.startswith("biofeedback ") and args[-1] == "gui"
    assert ET.parse(icon).getroot().tag.endswith("svg")
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                               text=True)
        assert check.returncode == 0 and "error" not in check.stdout, check.stdout


def test_uninstall_removes_both_files_and_is_quiet_when_nothing_is_there(env, tmp_path):
    assert biofeedback("install-desktop", env=env).returncode == 0
    run = biofeedback("install-desktop", "--uninstall", env=env)
    assert run.returncode == 0 and run.stdout.startswith("removed ")
    assert not any(p.is_file() for p in (tmp_path / "share").rglob("*"))
    again = biofeedback("install-desktop", "--uninstall", env=env)
    assert again.returncode == 0 and "nothing to remove" in again.stdout


def test_a_relative_xdg_data_home_is_ignored_as_the_specification_says(env, tmp_path):
    env["XDG_DATA_HOME"] = "relative/share"
    assert biofeedback("install-desktop", env=env).returncode == 0
    assert (tmp_path / ".local" / "share" / "applications" / "biofeedback.desktop").is_file()


def test_exec_arguments_are_quoted_as_the_specification_asks():
    line = next(v for v in desktop_entry(["/opt/my apps/bin/biofeedback"]).splitlines()
                if v.startswith("Exec="))
    assert line == 'Exec="/opt/my apps/bin/biofeedback" gui'
    line = next(v for v in desktop_entry(['/x/$HOME "q"/100%/bio']).splitlines()
                if v.startswith("Exec="))
    assert line == 'Exec="/x/\\\\$HOME \\\\"q\\\\"/100%%/bio" gui'


def test_an_unwritable_data_folder_is_one_line(env, tmp_path):
    (tmp_path / "share").write_text("a file where the folder should be")
    run = biofeedback("install-desktop", env=env)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert run.stderr.startswith("biofeedback install-desktop: error: cannot write")
