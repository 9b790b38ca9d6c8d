"""A mock BlueZ (org.bluez) on a private D-Bus bus, for bleak's real BlueZ backend.

Run as ``python tests/mock_bluez.py SCENARIO.json LOG.jsonl`` with
``DBUS_SYSTEM_BUS_ADDRESS`` pointing at a private ``dbus-daemon``. It serves what bleak
talks to: the object manager at ``/``, ``Adapter1`` (discovery), ``Device1`` (connect,
disconnect), ``GattService1`` and ``GattCharacteristic1`` objects for the Heart Rate,
Battery, Device Information and Polar PMD services, with notifications sent as
``PropertiesChanged`` of ``Value``, exactly as bluetoothd does.

A strap in the scenario plays RR intervals (1/1024 s units) the way a Polar strap sends
them: one Heart Rate Measurement per second with the intervals of the beats since the
previous one. ``speed`` runs the strap's clock faster. A strap can send malformed
notifications, vanish for a while (out of range) and stream PMD ECG and accelerometer
frames. Everything it sends is logged as JSON lines so tests can compare.

This is a test fake at the edge of the system; only the tests use it.
"""

import asyncio
import json
import math
import sys
from pathlib import Path

import numpy as np
from dbus_fast import BusType, PropertyAccess, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface, dbus_property, method

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from biofeedback.devices import hrs, pmd  # noqa: E402  (the byte formats, not the client)

BASE = "0000{:04x}-0000-1000-8000-00805f9b34fb"
ADAPTER = "/org/bluez/hci0"


class Log:
    def __init__(self, path: str) -> None:
        self._file = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the mock

    def __call__(self, event: str, **fields) -> None:
        self._file.write(json.dumps({"event": event, **fields}) + "\n")


class Adapter(ServiceInterface):
    def __init__(self, mock: "MockBlueZ", powered: bool) -> None:
        super().__init__("org.bluez.Adapter1")
        self.mock = mock
        self.powered = powered
        self.discovering = False

    @method()
    def SetDiscoveryFilter(self, filters: "a{sv}") -> None:
        self.mock.log("filter", uuids=filters["UUIDs"].value if "UUIDs" in filters else None)

    @method()
    def StartDiscovery(self) -> None:
        if not self.powered:
            raise DBusError("org.bluez.Error.NotReady", "Resource Not Ready")
        self.discovering = True
        self.mock.log("start_discovery")
        self.emit_properties_changed({"Discovering": True})
        self.task = asyncio.create_task(self._hear())

    async def _hear(self) -> None:
        """Straps advertise several times a second; discovery hears each one."""
        while self.discovering:
            self.mock.advertise()
            await asyncio.sleep(0.1)

    @method()
    def StopDiscovery(self) -> None:
        self.discovering = False
        self.emit_properties_changed({"Discovering": False})

    @method()
    def RemoveDevice(self, device: "o") -> None:
        pass

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> "s":
        return "00:1A:7D:DA:71:13"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> "s":
        return "mock"

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> "b":
        return self.powered

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> "b":
        return self.discovering

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> "as":
        return ["central", "peripheral"]


class Device(ServiceInterface):
    def __init__(self, strap: "Strap") -> None:
        super().__init__("org.bluez.Device1")
        self.strap = strap
        self.connected = False
        self.resolved = False

    @method()
    async def Connect(self) -> None:
        await self.strap.connect()

    @method()
    async def Disconnect(self) -> None:
        await self.strap.disconnect(by_client=True)

    @method()
    def Pair(self) -> None:
        raise DBusError("org.bluez.Error.NotSupported", "pairing is not needed")

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> "s":
        return self.strap.address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> "s":
        return "random"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> "s":
        return self.strap.name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> "s":
        return self.strap.name

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> "o":
        return ADAPTER

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> "n":
        return self.strap.rssi

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> "as":
        return self.strap.advertised_uuids

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> "a{qv}":
        return {0x006B: Variant("ay", b"\x3f\x00")} if self.strap.pmd else {}

    @dbus_property(access=PropertyAccess.READ)
    def ServiceData(self) -> "a{sv}":
        return {}

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Trusted(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> "b":
        return self.connected

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> "b":
        return self.resolved


class Service(ServiceInterface):
    def __init__(self, uuid: str, device_path: str) -> None:
        super().__init__("org.bluez.GattService1")
        self.uuid, self.device_path = uuid, device_path

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> "o":
        return self.device_path

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> "b":
        return True


class Characteristic(ServiceInterface):
    def __init__(self, strap: "Strap", uuid: str, service_path: str, flags: list[str],
                 value: bytes = b"") -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self.strap, self.uuid, self.service_path, self.flags = strap, uuid, service_path, flags
        self.value = value
        self.notifying = False

    def notify(self, value: bytes) -> None:
        if self.notifying:
            self.value = value
            self.emit_properties_changed({"Value": value})

    @method()
    def ReadValue(self, options: "a{sv}") -> "ay":
        self.strap.mock.log("read", uuid=self.uuid)
        return self.value

    @method()
    def WriteValue(self, value: "ay", options: "a{sv}") -> None:
        self.strap.write(self, bytes(value))

    @method()
    def StartNotify(self) -> None:
        self.notifying = True
        self.emit_properties_changed({"Notifying": True})
        self.strap.mock.log("start_notify", uuid=self.uuid)
        self.strap.notifications_started(self)

    @method()
    def StopNotify(self) -> None:
        self.notifying = False
        self.emit_properties_changed({"Notifying": False})
        self.strap.mock.log("stop_notify", uuid=self.uuid)

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> "o":
        return self.service_path

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> "as":
        return self.flags

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> "b":
        return self.notifying

    @dbus_property(access=PropertyAccess.READ)
    def MTU(self) -> "q":
        return self.strap.mtu

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> "ay":
        return self.value


class Strap:
    """One peripheral of the scenario: its D-Bus objects and its heart."""

    def __init__(self, mock: "MockBlueZ", spec: dict) -> None:
        self.mock = mock
        self.address = spec["address"]
        self.name = spec["name"]
        self.rssi = self.rssi0 = spec.get("rssi", -60)
        self.heart_rate = spec.get("heart_rate", True)
        self.pmd = spec.get("pmd", False)
        self.mtu = spec.get("mtu", 247)
        self.speed = spec.get("speed", 1.0)
        self.rr_raw = list(spec.get("rr_raw", []))
        self.malformed_every = spec.get("malformed_every", 0)
        self.vanish_at_s = spec.get("vanish_at_s")
        self.vanish_for_s = spec.get("vanish_for_s", 0.0)
        self.breathing_bpm = spec.get("breathing_bpm", 6.0)
        self.ecg_uv = spec.get("ecg_uv", [])
        self.path = f"{ADAPTER}/dev_{self.address.replace(':', '_')}"
        self.device = Device(self)
        self.advertised_uuids = ([hrs.HEART_RATE_SERVICE] if self.heart_rate
                                 else [BASE.format(0x1812)])
        self.battery = spec.get("battery", 87)
        self.objects: list[tuple[str, ServiceInterface]] = []
        self.chars: dict[str, Characteristic] = {}
        self.t0: float | None = None  # loop time the heart started
        self.tasks: list[asyncio.Task] = []
        self.streams: dict[int, asyncio.Task] = {}
        self.gone = False

    # -- time on the strap's clock ------------------------------------------------------
    def now(self) -> float:
        return (asyncio.get_running_loop().time() - self.t0) * self.speed

    async def sleep_until(self, t: float) -> None:
        await asyncio.sleep(max(0.0, (t - self.now()) / self.speed))

    # -- connection ---------------------------------------------------------------------
    async def connect(self) -> None:
        self.mock.log("connect", address=self.address)
        if self.gone:
            await asyncio.sleep(0.05)
            raise DBusError("org.bluez.Error.Failed", "Page Timeout")
        if self.device.connected:
            return
        self.device.connected = True
        self.device.emit_properties_changed({"Connected": True})
        self._export_gatt()
        self.device.resolved = True
        self.device.emit_properties_changed({"ServicesResolved": True})

    async def disconnect(self, by_client: bool) -> None:
        self.mock.log("disconnect", by_client=by_client)
        for task in self.streams.values():
            task.cancel()
        self.streams.clear()
        if not self.device.connected:
            return
        self.device.resolved = False
        self.device.emit_properties_changed({"ServicesResolved": False})
        self.device.connected = False
        self.device.emit_properties_changed({"Connected": False})
        for path, iface in reversed(self.objects):
            self.mock.bus.unexport(path, iface)
        self.objects.clear()
        self.chars.clear()

    def _export_gatt(self) -> None:
        services = [(0x000c, BASE.format(0x180F), [(BASE.format(0x2A19), ["read", "notify"],
                                                    bytes([self.battery]))]),
                    (0x0010, BASE.format(0x180A), [
                        (hrs.MANUFACTURER_NAME, ["read"], b"Mock Devices Inc."),
                        (hrs.MODEL_NUMBER, ["read"], self.name.encode()),
                        (hrs.FIRMWARE_REVISION, ["read"], b"3.0.35")])]
        if self.heart_rate:
            services.append((0x0020, hrs.HEART_RATE_SERVICE, [
                (hrs.HEART_RATE_MEASUREMENT, ["notify"], b""),
                (hrs.BODY_SENSOR_LOCATION, ["read"], b"\x01")]))
        if self.pmd:
            services.append((0x0030, pmd.PMD_SERVICE, [
                (pmd.PMD_CONTROL, ["read", "write", "indicate"], b"\x0f\x05"),
                (pmd.PMD_DATA, ["notify"], b"")]))
        for handle, uuid, chars in services:
            spath = f"{self.path}/service{handle:04x}"
            self._export(spath, Service(uuid, self.path))
            for i, (cuuid, flags, value) in enumerate(chars, start=1):
                char = Characteristic(self, cuuid, spath, flags, value)
                self.chars[cuuid] = char
                self._export(f"{spath}/char{handle + 2 * i:04x}", char)

    def _export(self, path: str, iface: ServiceInterface) -> None:
        self.mock.bus.export(path, iface)
        self.objects.append((path, iface))

    # -- the heart ----------------------------------------------------------------------
    def notifications_started(self, char: Characteristic) -> None:
        if char.uuid == hrs.HEART_RATE_MEASUREMENT and self.t0 is None:
            self.t0 = asyncio.get_running_loop().time()
            self.tasks.append(asyncio.create_task(self._beat()))

    async def _beat(self) -> None:
        """Send the intervals of each strap second's beats, as a Polar strap does."""
        beat_t = np.cumsum(np.asarray(self.rr_raw, dtype=float) / 1024.0)
        tick, i, sent = 1.0, 0, 0
        while i < len(self.rr_raw):
            await self.sleep_until(tick)
            if self.vanish_at_s is not None and not self.gone and tick >= self.vanish_at_s:
                await self._vanish()
            j = int(np.searchsorted(beat_t, tick, side="right"))
            group = self.rr_raw[i:j]
            i = j
            tick += 1.0
            char = self.chars.get(hrs.HEART_RATE_MEASUREMENT)
            if self.gone or char is None or not char.notifying:
                if group:
                    self.mock.log("lost", rr_raw=group)
                continue
            sent += 1
            if self.malformed_every and sent % self.malformed_every == 0:
                char.notify(bytes([0x16, 60, 0x01]))  # RR flagged, half an interval
                self.mock.log("malformed", rr_raw=group)
                continue
            hr = round(60 * 1024 / group[-1]) if group else 60
            payload = hrs.encode_measurement(hrs.HeartRateMeasurement(hr, True, None,
                                                                      tuple(group)))
            char.notify(payload)
            self.mock.log("notify", t=tick - 1.0, rr_raw=group)
        self.mock.log("done")

    async def _vanish(self) -> None:
        """Out of range: the link drops and connecting fails until the strap is back."""
        self.gone = True
        self.mock.log("vanish")
        await self.disconnect(by_client=False)
        back = self.vanish_at_s + self.vanish_for_s
        self.vanish_at_s = None  # once

        async def come_back() -> None:
            await self.sleep_until(back)
            self.gone = False
            self.mock.log("back")

        self.tasks.append(asyncio.create_task(come_back()))

    # -- Polar Measurement Data ---------------------------------------------------------
    def write(self, char: Characteristic, value: bytes) -> None:
        if char.uuid != pmd.PMD_CONTROL:
            raise DBusError("org.bluez.Error.NotPermitted", "Write not permitted")
        op, kind, settings = pmd.parse_command(value)
        self.mock.log("pmd", op=op, kind=kind, settings={str(k): v for k, v in settings.items()})
        error = 0
        if kind not in (pmd.ECG, pmd.ACC):
            error = 2
        elif op == 2 and self.mtu < pmd.MIN_MTU:
            error = 10
        elif op == 2:
            rate = settings.get(0, pmd.ECG_RATE_HZ)
            self.streams[kind] = asyncio.create_task(self._stream(kind, rate))
        elif op == 3 and kind in self.streams:
            self.streams.pop(kind).cancel()
        char.notify(pmd.encode_response(op, kind, error))

    async def _stream(self, kind: int, rate_hz: int) -> None:
        per_frame = 73 if kind == pmd.ECG else 36
        start = self.now() if self.t0 is not None else 0.0
        if self.t0 is None:
            self.t0 = asyncio.get_running_loop().time()
        n = 0
        rng = np.random.default_rng(kind)
        sensor_epoch_ns = 599_616_000_000_000_000  # 2019 on the Polar clock (since 2000)
        while True:
            n += per_frame
            await self.sleep_until(start + n / rate_hz)
            t = start + (n - per_frame + np.arange(per_frame)) / rate_hz
            if kind == pmd.ECG:
                idx = np.arange(n - per_frame, n) % max(len(self.ecg_uv), 1)
                samples = np.asarray(self.ecg_uv, dtype=np.int64)[idx] if self.ecg_uv else (
                    np.zeros(per_frame, dtype=np.int64))
            else:
                breath = np.sin(2 * math.pi * self.breathing_bpm / 60.0 * t)
                samples = np.column_stack([30 * breath, -980 + 12 * breath,
                                           150 + 8 * breath]) + rng.normal(0, 3, (per_frame, 3))
                samples = np.round(samples).astype(np.int64)
            frame = pmd.encode_frame(kind, sensor_epoch_ns + round(t[-1] * 1e9), samples)
            char = self.chars.get(pmd.PMD_DATA)
            if char is not None:
                char.notify(frame)
                self.mock.log("frame", kind=kind, n=per_frame)


class MockBlueZ:
    def __init__(self, scenario: dict, log: Log) -> None:
        self.scenario = scenario
        self.log = log
        self.bus: MessageBus | None = None
        self.adapter = Adapter(self, scenario.get("powered", True))
        self.straps = [Strap(self, s) for s in scenario.get("devices", [])]
        self.exported: set[str] = set()

    async def start(self) -> None:
        self.bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
        if self.scenario.get("adapter", True):
            self.bus.export(ADAPTER, self.adapter)
        await self.bus.request_name("org.bluez")
        self.log("ready")

    def advertise(self) -> None:
        """Discovery hears the straps in range that are not connected: new ones appear,
        known ones (BlueZ keeps them) update their RSSI."""
        for strap in self.straps:
            if strap.gone or strap.device.connected:
                continue
            if strap.path in self.exported:
                strap.rssi += 1 if strap.rssi < strap.rssi0 else -1  # it varies a little
                strap.device.emit_properties_changed({"RSSI": strap.rssi})
            else:
                self.exported.add(strap.path)
                self.bus.export(strap.path, strap.device)


async def main(scenario_path: str, log_path: str) -> None:
    mock = MockBlueZ(json.loads(Path(scenario_path).read_text()), Log(log_path))
    await mock.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
