"""A private D-Bus system bus with the mock BlueZ on it, for bleak's real backend."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    {deny}
  </policy>
</busconfig>
"""
#: What a system bus says to a user who may not talk to bluetoothd.
DENY_BLUEZ = '<deny send_destination="org.bluez"/>'


HR_STRAP = {"address": "C6:4F:2E:11:22:33", "name": "Polar H10 8A1B2C3D", "rssi": -58,
            "pmd": True, "mtu": 232}
OTHER_DEVICE = {"address": "D0:11:22:33:44:55", "name": "Heart Lamp", "rssi": -40,
                "heart_rate": False}


@dataclass
class MockBus:
    address: str
    log_path: Path

    def log(self) -> list[dict]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines()]

    def events(self, kind: str) -> list[dict]:
        return [e for e in self.log() if e["event"] == kind]

    def env(self) -> dict[str, str]:
        return {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": self.address}


def _wait_for(path: Path, what: str, timeout_s: float = 10.0) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if path.exists() and what in path.read_text():
            return
        time.sleep(0.02)
    raise TimeoutError(f"{path} never said {what!r}")


@contextmanager
def mock_bluez(tmp: Path, scenario: dict, serve: bool = True,
               deny: bool = False) -> Iterator[MockBus]:
    """Start ``dbus-daemon`` and the mock BlueZ; point this process's system bus at it.
    ``serve=False``: a bus without BlueZ; ``deny``: a bus that forbids talking to it."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.fail("dbus-daemon is missing: .ci/run installs it (apt-get install dbus)")
    socket = tmp / "system_bus_socket"
    config = tmp / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=socket, deny=DENY_BLUEZ if deny else ""))
    bus = subprocess.Popen([daemon, f"--config-file={config}", "--nofork", "--nopidfile"],
                           stderr=subprocess.PIPE)
    address = f"unix:path={socket}"
    scenario_path, log_path = tmp / "scenario.json", tmp / "bluez.jsonl"
    scenario_path.write_text(json.dumps(scenario))
    log_path.write_text("")
    mock = None
    saved = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    try:
        end = time.monotonic() + 10
        while not socket.exists():
            if bus.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"dbus-daemon did not start: {bus.stderr.read()!r}")
            time.sleep(0.01)
        if serve:
            mock = subprocess.Popen([sys.executable, str(HERE / "mock_bluez.py"),
                                     str(scenario_path), str(log_path)],
                                    env={**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": address})
            _wait_for(log_path, '"ready"')
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
        yield MockBus(address, log_path)
    finally:
        if saved is None:
            os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = saved
        for proc in (mock, bus):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
