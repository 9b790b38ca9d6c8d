"""The import rules of the rooms (issue 14; docs/architecture.md, "Rooms").

Every module's imports are read with ``ast``, at any depth (imports inside functions and
under ``TYPE_CHECKING`` count: they are dependencies all the same), and checked against the
table below. A rule broken here is a room leaking into another: fix the code, or change the
table and docs/architecture.md together when the design changes.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "biofeedback"
MAX_LINES = 400

#: What each room may import from the package ("root" is ``biofeedback/__init__.py``: the
#: version). The same table is drawn in docs/architecture.md.
ALLOWED = {
    "root": set(),
    "types": set(),
    "errors": set(),
    "signal": set(),
    "devices": {"types", "errors"},
    "training": {"signal", "devices", "types", "errors"},
    "storage": {"signal", "types", "errors", "root"},
    "reports": {"signal", "storage", "training", "types", "errors", "root"},
    "research": {"signal", "storage", "types", "errors", "root"},
    "app": {"signal", "devices", "training", "storage", "types", "errors", "root"},
    "ui": {"app", "signal", "devices", "training", "storage", "reports", "types", "errors",
           "root"},
    "commands": {"app", "signal", "devices", "training", "storage", "reports", "research",
                 "ui", "types", "errors", "root"},
    "cli": {"commands", "ui", "errors", "root"},
    "__main__": {"cli"},
}
SIGNAL_THIRD_PARTY = {"numpy", "scipy"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "root"


def imports(module: str) -> list[str]:
    """Every module ``module`` imports (absolute names; inside the package, the submodule
    when ``from PACKAGE import NAME`` names one)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.append(sub if sub in MODULES else target)
    return out


def internal(module: str) -> set[str]:
    return {m for m in imports(module) if m == "biofeedback" or m.startswith("biofeedback.")}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def room_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {room(m): set() for m in MODULES}
    for m in MODULES:
        graph[room(m)] |= {room(t) for t in internal(m)} - {room(m)}
    return graph


def test_the_reader_sees_relative_function_level_and_type_checking_imports():
    """The checks below are only as good as this reader: it must see what a module really
    imports, however it imports it."""
    assert "biofeedback.devices.source" in internal("biofeedback.devices.replay")
    assert "biofeedback.devices.simulated" in internal("biofeedback.devices.factory")  # def
    assert "biofeedback.devices.ble" in internal("biofeedback.devices")  # TYPE_CHECKING
    assert "biofeedback.devices.hrs" in internal("biofeedback.devices.ble")  # from . import
    assert "biofeedback" in internal("biofeedback.storage.folder")  # from .. import __version__
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_every_room_is_in_the_table():
    assert set(room_graph()) <= set(ALLOWED), set(room_graph()) - set(ALLOWED)


def test_no_import_circle_between_rooms():
    assert cycles(room_graph()) == []
    assert cycles({r: set(allowed) for r, allowed in ALLOWED.items()}) == [], \
        "the table itself must not allow a circle"


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_each_room_imports_only_what_the_table_allows(name):
    leaks = {f"{m} imports {t}" for m in MODULES if room(m) == name
             for t in internal(m) if room(t) != name and room(t) not in ALLOWED[name]}
    assert not leaks, sorted(leaks)


def test_no_import_circle_among_the_devices_modules():
    devices = {m: {t for t in internal(m) if t.startswith("biofeedback.devices")} - {m}
               for m in MODULES if room(m) == "devices"}
    assert cycles(devices) == []


def test_no_import_circle_among_any_modules():
    graph = {m: internal(m) - {m} for m in MODULES}
    assert cycles(graph) == []


def test_the_device_interface_imports_none_of_its_backends():
    assert internal("biofeedback.devices.source") <= {"biofeedback.types", "biofeedback.errors"}


@pytest.mark.parametrize("name", ["devices", "training"])
def test_devices_and_training_import_nothing_from_storage(name):
    leaks = {f"{m} imports {t}" for m in MODULES if room(m) == name
             for t in internal(m) if room(t) in ("storage", "app", "ui")}
    assert not leaks, sorted(leaks)


def test_devices_import_nothing_from_training():
    leaks = {f"{m} imports {t}" for m in MODULES if room(m) == "devices"
             for t in internal(m) if room(t) == "training"}
    assert not leaks, sorted(leaks)


def test_signal_imports_only_numpy_scipy_the_standard_library_and_itself():
    allowed = set(sys.stdlib_module_names) | SIGNAL_THIRD_PARTY
    leaks = set()
    for m in MODULES:
        if room(m) != "signal":
            continue
        for target in imports(m):
            top = target.split(".")[0]
            inside = target == "biofeedback.signal" or target.startswith("biofeedback.signal.")
            if not inside and (top == "biofeedback" or top not in allowed):
                leaks.add(f"{m} imports {target}")
    assert not leaks, sorted(leaks)


def test_importing_the_devices_front_door_imports_no_backend():
    import subprocess

    code = ("import sys, biofeedback.devices as d; d.Source, d.SourceError, d.open_source; "
            "print(sorted(m for m in sys.modules if m.startswith(('bleak', "
            "'biofeedback.devices.ble', 'biofeedback.devices.simulated', "
            "'biofeedback.devices.replay'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout


UI_MODULES = sorted(m for m in MODULES if room(m) == "ui")
@pytest.mark.parametrize("module", UI_MODULES)
def test_no_ui_module_mentions_the_runner(module):
    text = MODULES[module].read_text(encoding="utf-8")
    assert not re.search("runner", text, re.I), f"{module} mentions the runner"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_400_lines(module):
    n = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{module}: {n} lines"
