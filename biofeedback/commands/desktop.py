"""``biofeedback install-desktop``: a menu entry and icon for this user (freedesktop.org).

The entry follows the Desktop Entry Specification (version 1.4 keys) and the icon the Icon Theme
Specification (``hicolor/scalable/apps``), both under ``$XDG_DATA_HOME`` (default
``~/.local/share``), as the XDG Base Directory Specification places per-user data.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import UserError

APP_ID = "biofeedback"
ICON = "biofeedback.svg"

#: Characters that make the Desktop Entry Specification quote an Exec argument.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    p = sub.add_parser("install-desktop", parents=parents,
                       help="add biofeedback to this user's application menu",
                       description="Write a desktop entry and an icon under the user's XDG "
                       "data folder (~/.local/share/applications, "
                       "~/.local/share/icons/hicolor), so the window starts from the menu.")
    p.add_argument("--uninstall", action="store_true",
                   help="remove the menu entry and the icon instead")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from importlib import resources  # (tempfile, zipfile: not for every start-up)

    if sys.platform == "darwin" or sys.platform.startswith("win"):
        raise UserError("menu entries are a freedesktop.org (Linux, BSD) feature; on macOS "
                        "and Windows start the window with `biofeedback` from a terminal")
    entry, icon = installed_paths(data_home())
    if args.uninstall:
        removed = [path for path in (entry, icon) if path.exists()]
        for path in removed:
            path.unlink()
        print("removed " + " and ".join(map(str, removed)) if removed else
              "nothing to remove: no biofeedback menu entry is installed")
        return 0
    try:
        _write(icon, resources.files("biofeedback").joinpath("assets", ICON).read_bytes())
        _write(entry, desktop_entry(launch_command()).encode("utf-8"))
    except OSError as exc:
        raise UserError(f"cannot write the menu entry: {exc}") from None
    print(f"installed {entry} and {icon}")
    return 0


def data_home() -> Path:
    """``$XDG_DATA_HOME`` when absolute (the specification ignores relative ones), else
    ``~/.local/share``."""
    env = os.environ.get("XDG_DATA_HOME", "")
    return Path(env) if os.path.isabs(env) else Path.home() / ".local" / "share"


def installed_paths(home: Path) -> tuple[Path, Path]:
    return (home / "applications" / f"{APP_ID}.desktop",
            home / "icons" / "hicolor" / "scalable" / "apps" / ICON)


def launch_command() -> list[str]:
    """This installation's ``biofeedback`` script (pip, pipx, a venv), else its Python
    with ``-m biofeedback``; absolute, so the menu does not depend on PATH."""
    script = Path(sys.executable).parent / APP_ID
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", APP_ID]


def desktop_entry(command: list[str]) -> str:
    exec_line = " ".join(_exec_argument(a) for a in [*command, "gui"])
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=Biofeedback",
        "GenericName=HRV Biofeedback",
        "Comment=Live heart-rate variability, paced breathing and coherence feedback",
        f"Exec={exec_line}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Science;MedicalSoftware;",
        "Keywords=HRV;heart rate variability;breathing;coherence;resonance;",
        "StartupNotify=true",
        f"StartupWMClass={APP_ID}",
        "",
    ])


def _exec_argument(arg: str) -> str:
    """One Exec argument: quoted when the specification asks, '%' doubled, and the string
    escape of backslashes applied on top of the quoting's."""
    arg = arg.replace("%", "%%")
    if _RESERVED & set(arg):
        arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return arg.replace("\\", "\\\\")


def _write(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically; 0644 (a menu entry and icon are not health data), in
    folders created 0700 when missing."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
