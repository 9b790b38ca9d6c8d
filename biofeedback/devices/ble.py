"""Heart-rate straps over Bluetooth Low Energy, through bleak. The only module that imports
bleak (DESIGN.md, "Rules").

Any strap with the standard Heart Rate Service (0x180D) works: Polar H10/H9/H7, Garmin HRM,
Wahoo TICKR, Decathlon... A Polar H10 also streams raw ECG and acceleration through its
Measurement Data service (:mod:`.pmd`) when asked.

The source finds a strap by the Heart Rate service in its advertisements (never by name),
connects with a timeout, reads battery, body location and device information, and turns
notifications into beats (:mod:`.beattimes`). When the link drops, the session carries on:
the source reports ``disconnected``, reconnects with back-off, and the beats resume after a
gap that the session marks. Every failure a user can meet is a :class:`SourceError` with a
one-line reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakError,
)

from ..errors import SourceError
from ..types import Beat, DeviceEvent, Samples
from . import hrs, pmd
from .beattimes import BeatClock
from .source import SessionClock, Source

#: Said after every "cannot use Bluetooth" message.
OFFER_SIM = "use --source sim for the simulated strap"

_BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 10.0)

# bleak logs a warning when `bluetoothctl` is missing (containers); our messages say enough.
logging.getLogger("bleak").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class StrapInfo:
    """A strap heard advertising the Heart Rate service. ``address`` is a MAC address
    (Linux, Windows) or a UUID (macOS)."""

    address: str
    name: str
    rssi: int


@dataclass(frozen=True, slots=True)
class BleOptions:
    """How to find and use a strap. Times in s."""

    scan_s: float = 5.0
    connect_timeout_s: float = 15.0
    ecg: bool = False
    acc: bool = False
    acc_rate_hz: int = 25


def bluetooth_problem(exc: BaseException) -> str:
    """A one-line explanation of why Bluetooth could not be used."""
    if isinstance(exc, BleakBluetoothNotAvailableError):
        reason = exc.reason
        if reason is BleakBluetoothNotAvailableReason.POWERED_OFF:
            return "Bluetooth is switched off: turn it on"
        if reason in (BleakBluetoothNotAvailableReason.DENIED_BY_USER,
                      BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM,
                      BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN):
            return "no permission to use Bluetooth (allow it in the system's settings)"
        return "no Bluetooth adapter found"
    if isinstance(exc, BleakDBusError):
        name = exc.dbus_error
        if name == "org.freedesktop.DBus.Error.ServiceUnknown":
            return "the Bluetooth service (BlueZ) is not running"
        if name in ("org.freedesktop.DBus.Error.AccessDenied", "org.bluez.Error.NotPermitted",
                    "org.bluez.Error.NotAuthorized"):
            return ("no permission to use Bluetooth (on Linux, join the 'bluetooth' group or "
                    "ask the administrator)")
        return f"Bluetooth error: {exc.dbus_error_details or name}"
    if isinstance(exc, FileNotFoundError | ConnectionRefusedError):
        return "Bluetooth is not available on this machine (no system D-Bus for BlueZ)"
    if isinstance(exc, PermissionError):
        return "no permission to use Bluetooth"
    if isinstance(exc, TimeoutError):
        return "the strap did not answer in time"
    return f"Bluetooth error: {exc}"


def _source_error(exc: BaseException, doing: str = "") -> SourceError:
    prefix = f"{doing}: " if doing else ""
    return SourceError(f"{prefix}{bluetooth_problem(exc)}; {OFFER_SIM}")


async def scan(timeout_s: float = 5.0) -> list[StrapInfo]:
    """Straps advertising the Heart Rate service, strongest signal first."""
    try:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True,
                                            service_uuids=[hrs.HEART_RATE_SERVICE])
    except (BleakError, OSError) as exc:
        raise _source_error(exc) from None
    straps = [StrapInfo(d.address, adv.local_name or d.name or "unnamed strap", adv.rssi)
              for d, adv in found.values() if hrs.HEART_RATE_SERVICE in adv.service_uuids]
    return sorted(straps, key=lambda s: -s.rssi)


class BleSource(Source):
    """A strap over Bluetooth. :meth:`start` finds and connects it; :meth:`stream` yields
    its beats (and, on a Polar H10 when asked, ECG and acceleration samples)."""

    def __init__(self, address: str | None = None, name: str | None = None,
                 prefer: str | None = None, options: BleOptions | None = None) -> None:
        self.address = address
        self.name = name
        self.prefer = prefer
        self.options = options or BleOptions()
        self.malformed = 0
        self._device: BLEDevice | None = None
        self._client: BleakClient | None = None
        self._info: dict[str, Any] = {}
        self._queue: asyncio.Queue[tuple[str, float, Any]] = asyncio.Queue()
        self._clock = SessionClock()
        self._beats = BeatClock()
        self._sensor_clocks = {pmd.ECG: pmd.SensorClock(), pmd.ACC: pmd.SensorClock()}
        self._control_answers: asyncio.Queue[pmd.ControlResponse] = asyncio.Queue()
        self._streams: dict[int, float] = {}  # PMD kind -> sample rate (Hz)
        self._notifying: list[str] = []  # characteristics to stop, newest last
        self._closing = False

    # -- finding and connecting ---------------------------------------------------------
    async def start(self) -> None:
        """Find the strap and connect; raise SourceError with a one-line reason."""
        self._device = await self._find()
        await self._connect()
        await self._read_info()

    async def _find(self) -> BLEDevice:
        o = self.options
        try:
            if self.address:
                device = await BleakScanner.find_device_by_address(self.address, timeout=o.scan_s)
            else:
                device = await BleakScanner.find_device_by_filter(
                    self._wanted, timeout=o.scan_s, service_uuids=[hrs.HEART_RATE_SERVICE])
                if device is not None and self.prefer and device.address != self.prefer:
                    device = await self._prefer(device)
        except (BleakError, OSError) as exc:
            raise _source_error(exc) from None
        if device is None:
            which = self.address or (f"named {self.name!r}" if self.name else "")
            raise SourceError(f"no heart-rate strap {which + ' ' if which else ''}found in "
                              f"{o.scan_s:g} s: wear it (straps advertise only with skin "
                              "contact) and close any app or phone connected to it; "
                              f"{OFFER_SIM}")
        return device

    def _wanted(self, device: BLEDevice, adv: Any) -> bool:
        if hrs.HEART_RATE_SERVICE not in adv.service_uuids:
            return False
        return self.name is None or (adv.local_name or device.name) == self.name

    async def _prefer(self, first: BLEDevice) -> BLEDevice:
        """The strap used last time, when it is in range too."""
        other = await BleakScanner.find_device_by_address(self.prefer, timeout=1.5)
        return other or first

    async def _connect(self) -> None:
        assert self._device is not None
        client = BleakClient(self._device, disconnected_callback=self._on_disconnect,
                             timeout=self.options.connect_timeout_s)
        what = f"connecting to {self._device.name or self._device.address}"
        try:
            await client.connect()
        except (BleakError, OSError, asyncio.TimeoutError) as exc:
            raise _source_error(exc, what) from None
        if client.services.get_service(hrs.HEART_RATE_SERVICE) is None:
            await client.disconnect()
            raise SourceError(f"{self._device.name or self._device.address} has no Heart "
                              f"Rate service; {OFFER_SIM}")
        self._client = client

    async def _read_info(self) -> None:
        assert self._client is not None and self._device is not None
        info: dict[str, Any] = {"kind": "ble", "name": self._device.name,
                                "address": self._device.address}
        for key, uuid in (("manufacturer", hrs.MANUFACTURER_NAME), ("model", hrs.MODEL_NUMBER),
                          ("serial", hrs.SERIAL_NUMBER), ("firmware", hrs.FIRMWARE_REVISION),
                          ("battery_pct", hrs.BATTERY_LEVEL),
                          ("body_location", hrs.BODY_SENSOR_LOCATION)):
            value = await self._read(uuid)
            if value is None:
                continue
            if key == "battery_pct":
                info[key] = value[0] if value else None
            elif key == "body_location":
                info[key] = hrs.body_location(value)
            else:
                info[key] = value.decode("utf-8", "replace").strip("\0 ")
        pmd_data = self._client.services.get_characteristic(pmd.PMD_DATA)
        if pmd_data is not None:
            info["mtu"] = pmd_data.max_write_without_response_size + 3
        self._info = info

    async def _read(self, uuid: str) -> bytearray | None:
        assert self._client is not None
        if self._client.services.get_characteristic(uuid) is None:
            return None
        try:
            return await self._client.read_gatt_char(uuid)
        except BleakError:
            return None

    def describe(self) -> dict[str, Any]:
        return dict(self._info) if self._info else {"kind": "ble", "address": self.address,
                                                    "name": self.name}

    # -- notifications ------------------------------------------------------------------
    def _on_disconnect(self, client: BleakClient) -> None:
        if not self._closing:
            self._queue.put_nowait(("lost", self._clock.now(), client))

    def _put(self, kind: str):
        def callback(_char: Any, data: bytearray) -> None:
            self._queue.put_nowait((kind, self._clock.now(), bytes(data)))
        return callback

    def _on_control(self, _char: Any, data: bytearray) -> None:
        with contextlib.suppress(pmd.PmdError):  # not an answer: nothing we asked for
            self._control_answers.put_nowait(pmd.decode_response(data))

    async def _subscribe(self) -> list[DeviceEvent]:
        """Start notifications (and the PMD streams asked for); events to report."""
        self._notifying.clear()
        await self._notify(hrs.HEART_RATE_MEASUREMENT, self._put("hr"))
        battery = self._client and self._client.services.get_characteristic(hrs.BATTERY_LEVEL)
        if battery is not None and "notify" in battery.properties:
            await self._notify(hrs.BATTERY_LEVEL, self._put("battery"))
        return await self._start_pmd()

    async def _notify(self, uuid: str, callback: Any) -> None:
        assert self._client is not None
        await self._client.start_notify(uuid, callback)
        self._notifying.append(uuid)

    async def _start_pmd(self) -> list[DeviceEvent]:
        o = self.options
        wanted = ([(pmd.ECG, pmd.start_ecg_command(), float(pmd.ECG_RATE_HZ))] if o.ecg else []) \
            + ([(pmd.ACC, pmd.start_acc_command(o.acc_rate_hz), float(o.acc_rate_hz))]
               if o.acc else [])
        if not wanted:
            return []
        now = self._clock.now()
        client = self._client
        assert client is not None
        if client.services.get_characteristic(pmd.PMD_CONTROL) is None:
            return [DeviceEvent(now, "info", "this strap has no ECG/accelerometer stream "
                                             "(Polar H10 only)")]
        mtu = self._info.get("mtu", 23)
        if mtu < pmd.MIN_MTU:
            return [DeviceEvent(now, "info", f"the Bluetooth link's MTU of {mtu} is too small "
                                             f"for ECG/accelerometer frames (need {pmd.MIN_MTU})")]
        await self._notify(pmd.PMD_CONTROL, self._on_control)
        await self._notify(pmd.PMD_DATA, self._put("pmd"))
        events = []
        for kind, command, rate in wanted:
            answer = await self._command(command)
            name = pmd.KIND_NAMES[kind]
            if answer is not None and answer.ok:
                self._streams[kind] = rate
                events.append(DeviceEvent(now, "info", f"{name} stream on at {rate:g} Hz"))
            else:
                why = answer.message if answer else "no answer"
                events.append(DeviceEvent(now, "info", f"{name} stream refused: {why}"))
        return events

    async def _command(self, command: bytes) -> pmd.ControlResponse | None:
        assert self._client is not None
        await self._client.write_gatt_char(pmd.PMD_CONTROL, command, response=True)
        try:
            return await asyncio.wait_for(self._control_answers.get(), 5.0)
        except TimeoutError:
            return None

    # -- the stream ---------------------------------------------------------------------
    async def stream(self, clock: SessionClock) -> AsyncIterator[Beat | DeviceEvent | Samples]:
        if self._client is None:
            await self.start()
        self._clock = clock
        yield DeviceEvent(0.0, "connected", self._info.get("name") or "strap")
        if self._info.get("battery_pct") is not None:
            yield DeviceEvent(0.0, "battery", str(self._info["battery_pct"]))
        try:
            for event in await self._subscribe():
                yield event
        except (BleakError, OSError) as exc:
            raise _source_error(exc, "starting notifications") from None
        while True:
            kind, arrival, data = await self._queue.get()
            if kind == "hr":
                for item in self._beats_of(arrival, data):
                    yield item
            elif kind == "pmd":
                item = self._samples_of(arrival, data)
                if item is not None:
                    yield item
            elif kind == "battery" and data:
                yield DeviceEvent(arrival, "battery", str(data[0]))
            elif kind == "lost" and data is self._client:  # not a client given up before
                yield DeviceEvent(arrival, "disconnected", "signal lost")
                async for event in self._reconnect(clock):
                    yield event

    def _beats_of(self, arrival: float, payload: bytes) -> list[Beat | DeviceEvent]:
        try:
            m = hrs.decode_measurement(payload)
        except hrs.MeasurementError as exc:
            self.malformed += 1
            return [DeviceEvent(arrival, "malformed", f"{exc} ({payload.hex()})")]
        rr = m.rr_ms
        return [Beat(t, r, float(m.hr_bpm), m.contact, arrival)
                for t, r in zip(self._beats.place(arrival, rr), rr, strict=True)]

    def _samples_of(self, arrival: float, payload: bytes) -> Samples | DeviceEvent | None:
        try:
            frame = pmd.decode_frame(payload)
        except pmd.PmdError as exc:
            self.malformed += 1
            return DeviceEvent(arrival, "malformed", str(exc))
        rate = self._streams.get(frame.kind)
        if rate is None:
            return None
        sensor_t = pmd.sample_times_s(frame, rate)
        t = self._sensor_clocks[frame.kind].to_session(sensor_t, arrival)
        return Samples(pmd.KIND_NAMES[frame.kind], t, frame.samples.astype(np.int32))

    async def _reconnect(self, clock: SessionClock) -> AsyncIterator[DeviceEvent]:
        """Try again and again, waiting longer each time (session seconds), until the strap
        is back or the session ends."""
        await self._drop_client()
        self._streams.clear()
        attempt = 0
        while not self._closing:
            delay = _BACKOFF_S[min(attempt, len(_BACKOFF_S) - 1)]
            attempt += 1
            yield DeviceEvent(clock.now(), "reconnecting", str(attempt))
            await asyncio.sleep(delay / clock.speed)
            try:
                await self._connect()
                events = await self._subscribe()
            except (SourceError, BleakError, OSError, asyncio.TimeoutError):
                await self._drop_client()
                continue
            self._beats.restart()
            for sensor_clock in self._sensor_clocks.values():
                sensor_clock.offset_s = None
            yield DeviceEvent(clock.now(), "connected", self._info.get("name") or "strap")
            for event in events:
                yield event
            return

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(BleakError, OSError, asyncio.TimeoutError):
                await client.disconnect()

    async def close(self) -> None:
        """Stop the streams and notifications and disconnect; safe to call twice."""
        self._closing = True
        client = self._client
        if client is None or not client.is_connected:
            await self._drop_client()
            return
        quiet = contextlib.suppress(BleakError, OSError, asyncio.TimeoutError)
        for kind in list(self._streams):
            with quiet:
                await self._command(pmd.stop_command(kind))
        self._streams.clear()
        for uuid in reversed(self._notifying):
            with quiet:
                await client.stop_notify(uuid)
        self._notifying.clear()
        await self._drop_client()
