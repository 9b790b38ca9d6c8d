"""Polar Measurement Data (PMD): the Polar H10's raw ECG and accelerometer streams.

Pure functions on bytes; no bleak here. Source: Polar BLE SDK, "Polar Measurement Data
Specification for 3rd Party" (technical_documentation, 2019-2023).

The PMD service has a control point (write, indicate) and a data characteristic (notify).

* Start a stream: ``02 <type> (<setting> 01 <uint16 value>)...``; settings are
  0 sample rate (Hz), 1 resolution (bits), 2 range (g). Stop: ``03 <type>``.
* The control point answers ``F0 <op code> <type> <error> <more> [parameters]``; error 0
  is success.
* A data frame is ``<type> <uint64 sensor time, ns, of the last sample> <frame type>``
  and then the samples. ECG (type 0), frame type 0: signed 24-bit µV per sample.
  Accelerometer (type 2), frame types 0, 1 and 2: x, y, z as signed 8-, 16- or 24-bit
  integers in mG per sample. Frame types with bit 7 set are delta-compressed; the H10
  does not send them for these settings and they are reported as unsupported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PMD_SERVICE = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
PMD_CONTROL = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
PMD_DATA = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

ECG = 0
ACC = 2
KIND_NAMES = {ECG: "ecg", ACC: "acc"}

#: The H10's settings: ECG at 130 Hz, 14 bit; accelerometer at 25-200 Hz, 16 bit, 2-8 g.
ECG_RATE_HZ = 130
ACC_RATES_HZ = (25, 50, 100, 200)
ACC_RANGES_G = (2, 4, 8)

#: The ATT MTU a full ECG frame needs (Polar BLE SDK asks for 232).
MIN_MTU = 232

_SAMPLE_RATE, _RESOLUTION, _RANGE = 0, 1, 2
_START, _STOP = 0x02, 0x03
_RESPONSE = 0xF0
_HEADER = 10  # type, 8-byte timestamp, frame type

ERRORS = ("success", "invalid op code", "invalid measurement type", "not supported",
          "invalid length", "invalid parameter", "already in state", "invalid resolution",
          "invalid sample rate", "invalid range", "invalid MTU", "invalid number of channels",
          "invalid state", "device in charger")


class PmdError(ValueError):
    """A PMD frame or control-point answer that cannot be decoded, or a refused command.
    The only exception this module's decoders raise; ``str()`` is one line."""


@dataclass(frozen=True, slots=True)
class ControlResponse:
    """The control point's answer to a command."""

    op_code: int
    kind: int
    error: int

    @property
    def ok(self) -> bool:
        return self.error == 0 or self.error == 6  # "already in state" is what we wanted

    @property
    def message(self) -> str:
        return ERRORS[self.error] if self.error < len(ERRORS) else f"error {self.error}"


@dataclass(frozen=True, slots=True)
class PmdFrame:
    """One decoded data frame. ``sensor_ns``: the sensor's time of the last sample.
    ``samples``: shape (n,) in µV for ECG, (n, 3) in mG for the accelerometer."""

    kind: int
    sensor_ns: int
    samples: np.ndarray


def _setting(code: int, value: int) -> bytes:
    return bytes([code, 1]) + value.to_bytes(2, "little")


def start_ecg_command(rate_hz: int = ECG_RATE_HZ) -> bytes:
    """Control-point bytes that start the ECG stream (14-bit, ``rate_hz``)."""
    return bytes([_START, ECG]) + _setting(_SAMPLE_RATE, rate_hz) + _setting(_RESOLUTION, 14)


def start_acc_command(rate_hz: int = 25, range_g: int = 8) -> bytes:
    """Control-point bytes that start the accelerometer (16-bit, ``rate_hz``, ``range_g``)."""
    if rate_hz not in ACC_RATES_HZ or range_g not in ACC_RANGES_G:
        raise PmdError(f"the H10 accelerometer runs at {ACC_RATES_HZ} Hz and {ACC_RANGES_G} g")
    return (bytes([_START, ACC]) + _setting(_SAMPLE_RATE, rate_hz)
            + _setting(_RESOLUTION, 16) + _setting(_RANGE, range_g))


def stop_command(kind: int) -> bytes:
    return bytes([_STOP, kind])


def parse_command(data: bytes) -> tuple[int, int, dict[int, int]]:
    """(op code, measurement type, settings) of control-point bytes; the strap's side of
    :func:`start_ecg_command` (used by simulations and tests)."""
    if len(data) < 2:
        raise PmdError(f"control-point command of {len(data)} bytes")
    settings: dict[int, int] = {}
    pos = 2
    while pos + 4 <= len(data) and data[pos + 1] == 1:
        settings[data[pos]] = int.from_bytes(data[pos + 2:pos + 4], "little")
        pos += 4
    if pos != len(data):
        raise PmdError("control-point settings are malformed")
    return data[0], data[1], settings


def decode_response(data: bytes | bytearray) -> ControlResponse:
    """Decode a control-point indication."""
    data = bytes(data)
    if len(data) < 4 or data[0] != _RESPONSE:
        raise PmdError(f"not a PMD control-point response: {data.hex()}")
    return ControlResponse(data[1], data[2], data[3])


def encode_response(op_code: int, kind: int, error: int = 0) -> bytes:
    return bytes([_RESPONSE, op_code, kind, error, 0])


_WIDTH = {0: 1, 1: 2, 2: 3}  # accelerometer frame type -> bytes per axis


def decode_frame(payload: bytes | bytearray) -> PmdFrame:
    """Decode a data notification; raise :class:`PmdError` when it is malformed or of a
    kind this module does not read."""
    data = bytes(payload)
    if len(data) < _HEADER:
        raise PmdError(f"PMD frame of {len(data)} bytes is shorter than its header")
    kind, frame_type = data[0], data[9]
    sensor_ns = int.from_bytes(data[1:9], "little")
    body = data[_HEADER:]
    if frame_type & 0x80:
        raise PmdError(f"compressed PMD frames (type 0x{frame_type:02x}) are not supported")
    if kind == ECG and frame_type == 0:
        width, channels = 3, 1
    elif kind == ACC and frame_type in _WIDTH:
        width, channels = _WIDTH[frame_type], 3
    else:
        raise PmdError(f"PMD measurement {kind} frame type {frame_type} is not supported")
    step = width * channels
    if not body or len(body) % step:
        raise PmdError(f"PMD {KIND_NAMES[kind]} frame body of {len(body)} bytes is not "
                       f"whole samples of {step} bytes")
    samples = _signed_le(body, width).reshape(-1, channels)
    return PmdFrame(kind, sensor_ns, samples[:, 0] if kind == ECG else samples)


def encode_frame(kind: int, sensor_ns: int, samples: np.ndarray) -> bytes:
    """The notification a Polar H10 sends for ``samples`` (ECG 24-bit, accelerometer
    16-bit); the inverse of :func:`decode_frame`."""
    width, frame_type = (3, 0) if kind == ECG else (2, 1)
    values = np.asarray(samples, dtype=np.int64).reshape(-1)
    raw = (values & ((1 << (8 * width)) - 1)).astype("<u4").view(np.uint8).reshape(-1, 4)
    return (bytes([kind]) + sensor_ns.to_bytes(8, "little") + bytes([frame_type])
            + raw[:, :width].tobytes())


def _signed_le(body: bytes, width: int) -> np.ndarray:
    """Little-endian two's-complement integers of ``width`` bytes each."""
    b = np.frombuffer(body, dtype=np.uint8).reshape(-1, width).astype(np.int64)
    value = np.zeros(len(b), dtype=np.int64)
    for i in range(width):  # at most 3 byte columns, not a loop over samples
        value |= b[:, i] << (8 * i)
    sign = 1 << (8 * width - 1)
    return (value ^ sign) - sign


def sample_times_s(frame: PmdFrame, rate_hz: float) -> np.ndarray:
    """Sensor time (s) of each sample: the frame stamps its last one."""
    n = len(frame.samples)
    return frame.sensor_ns / 1e9 - (n - 1 - np.arange(n)) / rate_hz


class SensorClock:
    """Maps a sensor's timestamps to the session clock.

    The offset is the smallest (arrival − sensor time) seen so far: a frame can arrive late
    but never before its last sample was taken, so the lower envelope is the truest.
    """

    def __init__(self) -> None:
        self.offset_s: float | None = None

    def to_session(self, sensor_s: np.ndarray, arrival_s: float) -> np.ndarray:
        candidate = arrival_s - float(sensor_s[-1])
        if self.offset_s is None or candidate < self.offset_s:
            self.offset_s = candidate
        return sensor_s + self.offset_s
