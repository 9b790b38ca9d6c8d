"""Real straps through bleak's BlueZ backend, against a mock BlueZ on a private D-Bus.

The CLI runs as a user runs it (a subprocess); bleak talks D-Bus to ``tests/mock_bluez.py``,
which plays the real Polar H10 recording as Heart Rate notifications.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bluez import HR_STRAP, OTHER_DEVICE, mock_bluez
from realdata import data_file, polar_rr_raw

from biofeedback.devices.hrs import RR_UNIT_MS
from biofeedback.storage.folder import read_samples, read_session

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="bleak's BlueZ backend is Linux-only")
ADDRESS = HR_STRAP["address"]


def cli(bus, data: Path, *args: str, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", "biofeedback", *args, "--data-dir", str(data)],
                          env=bus.env(), capture_output=True, text=True, timeout=timeout)


def only_session(data: Path):
    (folder,) = (data / "sessions").iterdir()
    return read_session(folder)


def sent_rr(bus) -> list[int]:
    """RR intervals (1/1024 s) the strap delivered in valid notifications, in order."""
    return [r for e in bus.events("notify") for r in e["rr_raw"]]


def test_scan_finds_straps_by_heart_rate_service_not_by_name(tmp_path):
    with mock_bluez(tmp_path, {"devices": [HR_STRAP, OTHER_DEVICE]}) as bus:
        run = cli(bus, tmp_path / "data", "scan", "--timeout", "1", "--json")
    assert run.returncode == 0, run.stderr
    (strap,) = json.loads(run.stdout)  # the lamp has no Heart Rate service
    assert strap["address"] == ADDRESS and strap["name"] == HR_STRAP["name"]
    assert -70 < strap["rssi_dbm"] < -50


def test_a_real_recording_comes_out_of_the_device_layer_unchanged(tmp_path):
    raw = polar_rr_raw()
    strap = dict(HR_STRAP, rr_raw=raw.tolist(), speed=60)
    data = tmp_path / "data"
    with mock_bluez(tmp_path, {"devices": [strap]}) as bus:
        run = cli(bus, data, "record", "--source", "ble", "--speed", "60",
                  "--duration", "700")
        log = bus.log()
    assert run.returncode == 0, run.stderr
    assert "connected to Polar H10" in run.stdout
    session = only_session(data)
    assert session.end_status == "completed"
    # Every interval, exact to the 1/1024 s the strap counts in, in order, none twice.
    assert np.array_equal(session.beats["rr_ms"], raw * RR_UNIT_MS)
    assert np.array_equal(np.ceil(session.beats["rr_ms"]),
                          np.loadtxt(data_file("polar_h10/slow_breathing_10min_ibi.csv"),
                                     delimiter=",")[:, 1])
    # Beat times: consecutive beats an RR apart, on the session clock within a second.
    t = session.beats["t_s"]
    assert np.abs(np.diff(t) * 1000 - session.beats["rr_ms"][1:]).max() < 150
    assert abs(t[-1] - raw.sum() / 1024) < 2.5
    device = session.meta["device"]
    assert device["battery_pct"] == 87 and device["body_location"] == "chest"
    assert device["firmware"] == "3.0.35"
    # Shut down cleanly: notifications stopped, then disconnected by us.
    kinds = [e["event"] for e in log]
    assert "stop_notify" in kinds
    assert {"event": "disconnect", "by_client": True} in log
    # The strap is remembered for next time.
    settings = json.loads((data / "settings.json").read_text())
    assert settings["last_strap"]["address"] == ADDRESS


def test_strap_vanishing_midsession_reconnects_and_keeps_the_session(tmp_path):
    raw = polar_rr_raw()[:240]
    strap = dict(HR_STRAP, rr_raw=raw.tolist(), speed=20, vanish_at_s=60, vanish_for_s=25,
                 malformed_every=20)
    data = tmp_path / "data"
    with mock_bluez(tmp_path, {"devices": [strap]}) as bus:
        run = cli(bus, data, "record", "--source", f"ble:{ADDRESS}", "--speed", "20",
                  "--duration", "260")
        delivered = sent_rr(bus)
        malformed = bus.events("malformed")
        lost = [r for e in bus.events("lost") for r in e["rr_raw"]]
    assert run.returncode == 0, run.stderr
    session = only_session(data)
    assert session.end_status == "completed"
    kinds = [k for _, k, _ in session.events]
    for expected in ("disconnected", "reconnecting", "connected", "gap"):
        assert expected in kinds
    # Exactly what arrived intact, in order: nothing invented, duplicated or dropped.
    assert lost and malformed
    assert np.array_equal(session.beats["rr_ms"], np.array(delivered) * RR_UNIT_MS)
    assert kinds.count("malformed") == len(malformed)
    # One long gap where the strap was away (25 s); short ones where a malformed
    # notification took its beats with it.
    gaps = sorted(float(v) for _, k, v in session.events if k == "gap")
    assert gaps[-1] > 20 and gaps[-2] < 3
    assert len(gaps) <= len(malformed) + 1
    long_gap = next(i for i, (_, k, v) in enumerate(session.events)
                    if k == "gap" and float(v) > 20)
    assert kinds.index("disconnected") < kinds.index("reconnecting") < long_gap
    assert kinds[long_gap - 1] in ("connected", "info", "malformed")
    assert np.all(np.diff(session.beats["t_s"]) > 0)


def test_polar_ecg_and_accelerometer_are_recorded_and_breathing_estimated(tmp_path):
    table = np.genfromtxt(data_file("polar_h10/pvc_bigeminy_10min_ecg_rr.csv"),
                          delimiter=",", names=True, max_rows=8000)
    ecg_uv = np.round(table["ecg"] * 1000).astype(int)
    strap = dict(HR_STRAP, rr_raw=polar_rr_raw()[:120].tolist(), speed=10,
                 ecg_uv=ecg_uv.tolist(), breathing_bpm=6.0)
    data = tmp_path / "data"
    with mock_bluez(tmp_path, {"devices": [strap]}) as bus:
        run = cli(bus, data, "record", "--source", f"ble:{ADDRESS}", "--speed", "10",
                  "--duration", "60", "--ecg", "--acc", "--rate", "6")
        commands = bus.events("pmd")
    assert run.returncode == 0, run.stderr
    starts = {(c["kind"], c["op"]) for c in commands}
    assert {(0, 2), (2, 2), (0, 3), (2, 3)} <= starts  # both started, both stopped
    session = only_session(data)
    ecg = read_samples(session.folder, "ecg")
    assert ecg is not None and len(ecg.t_s) > 60 * 130 * 0.8
    assert np.array_equal(ecg.values, ecg_uv[:len(ecg.values)])  # the real ECG, in order
    assert np.median(np.diff(ecg.t_s)) == pytest.approx(1 / 130, rel=0.02)
    acc = read_samples(session.folder, "acc")
    assert acc is not None and acc.values.shape[1] == 3
    breathing = [v for _, k, v in session.events if k == "breathing"]
    assert breathing
    rate = float(breathing[-1].split()[0].split("=")[1])
    assert rate == pytest.approx(6.0, abs=0.2)
    assert session.meta["summary"]["breathing_bpm"] == pytest.approx(6.0, abs=0.2)


def test_small_mtu_skips_the_raw_streams_but_records_beats(tmp_path):
    strap = dict(HR_STRAP, rr_raw=polar_rr_raw()[:40].tolist(), speed=20, mtu=23)
    data = tmp_path / "data"
    with mock_bluez(tmp_path, {"devices": [strap]}) as bus:
        run = cli(bus, data, "record", "--source", f"ble:{ADDRESS}", "--speed", "20",
                  "--duration", "30", "--ecg")
        assert not bus.events("pmd")
    assert run.returncode == 0, run.stderr
    session = only_session(data)
    assert any("MTU of 23 is too small" in v for _, k, v in session.events if k == "info")
    assert len(session.beats["rr_ms"]) > 20


@pytest.mark.parametrize(("scenario", "serve", "deny", "message"), [
    ({"powered": False, "devices": [HR_STRAP]}, True, False, "Bluetooth is switched off"),
    ({"adapter": False}, True, False, "no Bluetooth adapter found"),
    ({}, False, False, "BlueZ) is not running"),
    ({"devices": [HR_STRAP]}, True, True, "no permission to use Bluetooth"),
    ({"devices": [OTHER_DEVICE]}, True, False, "no heart-rate strap"),
])
def test_bluetooth_problems_are_one_line_and_offer_the_simulated_strap(
        tmp_path, scenario, serve, deny, message):
    data = tmp_path / "data"
    with mock_bluez(tmp_path, scenario, serve=serve, deny=deny) as bus:
        run = cli(bus, data, "record", "--source", "ble", "--duration", "10", timeout=60)
    assert run.returncode == 2
    assert message in run.stderr
    assert "use --source sim" in run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert not (data / "sessions").exists() or not any((data / "sessions").iterdir())


def test_no_system_bus_at_all_is_one_line(tmp_path):
    env = {**os.environ,
           "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path}/no_such_socket"}
    run = subprocess.run([sys.executable, "-m", "biofeedback", "scan", "--timeout", "1"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "Bluetooth is not available on this machine" in run.stderr
    assert run.stderr.count("\n") == 1


def test_the_strap_used_last_is_preferred_over_a_nearer_one(tmp_path):
    rr = polar_rr_raw()[:30].tolist()
    near = dict(HR_STRAP, address="E1:00:00:00:00:01", name="TICKR 7A", rssi=-35, rr_raw=rr,
                speed=20, pmd=False)
    mine = dict(HR_STRAP, rr_raw=rr, speed=20, rssi=-75)
    data = tmp_path / "data"
    data.mkdir()
    (data / "settings.json").write_text(json.dumps({"last_strap": {"address": ADDRESS}}))
    with mock_bluez(tmp_path, {"devices": [near, mine]}) as bus:
        run = cli(bus, data, "record", "--source", "ble", "--speed", "20", "--duration", "10")
        listed = cli(bus, data, "scan", "--timeout", "1")
    assert run.returncode == 0, run.stderr
    assert only_session(data).meta["device"]["address"] == ADDRESS
    first, second = listed.stdout.splitlines()
    assert first.startswith("E1:00:00:00:00:01")  # nearest first ...
    assert second.startswith(ADDRESS) and second.endswith("(used last)")  # ... mine marked


@pytest.mark.parametrize(("rest", "expected"), [
    ("", (None, None)),
    ("C6:4F:2E:11:22:33", ("C6:4F:2E:11:22:33", None)),
    ("5A3B0F8E-2C1D-4E5F-8A9B-0C1D2E3F4A5B", ("5A3B0F8E-2C1D-4E5F-8A9B-0C1D2E3F4A5B", None)),
    ("name=Polar H10 8A1B2C3D", (None, "Polar H10 8A1B2C3D")),
])
def test_ble_specs_take_mac_addresses_macos_uuids_and_names(rest, expected):
    from biofeedback.devices.factory import parse_ble_spec

    assert parse_ble_spec(rest) == expected
