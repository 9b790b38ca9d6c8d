"""Decoding the Bluetooth Heart Rate Service's Heart Rate Measurement (0x2A37).

Pure functions on bytes; no bleak here. Layout (Bluetooth SIG, Heart Rate Service 1.0,
section 3.1, and the GATT Specification Supplement, "Heart Rate Measurement"):

====== ===========================================================================
byte 0 flags: bit 0 heart rate is uint16 (else uint8); bit 2 sensor contact is
       supported, bit 1 contact is detected; bit 3 energy expended (uint16, kJ) is
       present; bit 4 RR intervals are present; bits 5-7 reserved (ignored)
then   heart rate (bpm), energy expended (kJ) if flagged, then RR intervals as uint16
       little-endian in units of 1/1024 s, oldest first, as many as fit
====== ===========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

#: 16-bit UUIDs of what a heart-rate strap serves, in bleak's 128-bit form.
HEART_RATE_SERVICE = "0000180d-0000-1000-8000-00805f9b34fb"
HEART_RATE_MEASUREMENT = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION = "00002a38-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"
MANUFACTURER_NAME = "00002a29-0000-1000-8000-00805f9b34fb"
MODEL_NUMBER = "00002a24-0000-1000-8000-00805f9b34fb"
SERIAL_NUMBER = "00002a25-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION = "00002a26-0000-1000-8000-00805f9b34fb"

#: Body Sensor Location (0x2A38) values.
BODY_LOCATIONS = ("other", "chest", "wrist", "finger", "hand", "ear lobe", "foot")

#: One RR unit in milliseconds: the strap counts in 1/1024 s.
RR_UNIT_MS = 1000.0 / 1024.0

_HR_UINT16 = 0x01
_CONTACT_DETECTED = 0x02
_CONTACT_SUPPORTED = 0x04
_ENERGY_PRESENT = 0x08
_RR_PRESENT = 0x10


class MeasurementError(ValueError):
    """A Heart Rate Measurement payload that does not follow the layout. The only exception
    :func:`decode_measurement` raises; ``str()`` says what is wrong in one line."""


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """One decoded notification.

    ``contact`` is None when the strap does not report skin contact (some Polar H10
    firmware says "not supported" although it has contact sensing: treat it as unknown).
    ``rr_raw`` are the RR intervals in 1/1024 s, oldest first, exactly as sent.
    """

    hr_bpm: int
    contact: bool | None
    energy_kj: int | None
    rr_raw: tuple[int, ...]

    @property
    def rr_ms(self) -> tuple[float, ...]:
        """RR intervals in ms, exact (a multiple of 1000/1024 ms; never rounded)."""
        return tuple(r * RR_UNIT_MS for r in self.rr_raw)


def decode_measurement(payload: bytes | bytearray | memoryview) -> HeartRateMeasurement:
    """Decode a 0x2A37 payload; raise :class:`MeasurementError` when it is malformed.

    Malformed: empty, shorter than its flags require, an odd byte left where RR intervals
    go, or an RR interval of 0 (no heart beats twice at once; a strap sends it only when
    something is broken).
    """
    data = bytes(payload)
    if not data:
        raise MeasurementError("empty Heart Rate Measurement")
    flags = data[0]
    pos = 1
    hr_size = 2 if flags & _HR_UINT16 else 1
    energy_size = 2 if flags & _ENERGY_PRESENT else 0
    if len(data) < pos + hr_size + energy_size:
        raise MeasurementError(f"Heart Rate Measurement of {len(data)} bytes is truncated "
                               f"(flags 0x{flags:02x})")
    hr = int.from_bytes(data[pos:pos + hr_size], "little")
    pos += hr_size
    energy = int.from_bytes(data[pos:pos + 2], "little") if energy_size else None
    pos += energy_size

    rest = data[pos:]
    rr: tuple[int, ...] = ()
    if flags & _RR_PRESENT:  # without it, trailing bytes belong to a future field: ignored
        if len(rest) % 2:
            raise MeasurementError(f"RR field of {len(rest)} bytes is not whole uint16 values")
        rr = tuple(int.from_bytes(rest[i:i + 2], "little") for i in range(0, len(rest), 2))
        if 0 in rr:
            raise MeasurementError("RR interval of 0")

    contact = bool(flags & _CONTACT_DETECTED) if flags & _CONTACT_SUPPORTED else None
    return HeartRateMeasurement(hr, contact, energy, rr)


def encode_measurement(m: HeartRateMeasurement, hr_uint16: bool = False) -> bytes:
    """The payload a strap would send for ``m`` (the inverse of :func:`decode_measurement`;
    used by simulations and tests)."""
    flags = (_HR_UINT16 if hr_uint16 else 0) | (_RR_PRESENT if m.rr_raw else 0)
    if m.contact is not None:
        flags |= _CONTACT_SUPPORTED | (_CONTACT_DETECTED if m.contact else 0)
    if m.energy_kj is not None:
        flags |= _ENERGY_PRESENT
    out = bytes([flags]) + m.hr_bpm.to_bytes(2 if hr_uint16 else 1, "little")
    if m.energy_kj is not None:
        out += m.energy_kj.to_bytes(2, "little")
    return out + b"".join(r.to_bytes(2, "little") for r in m.rr_raw)


def body_location(payload: bytes | bytearray) -> str:
    """Body Sensor Location (0x2A38) as a word; unknown codes as ``code N``."""
    if len(payload) != 1:
        return "unknown"
    code = payload[0]
    return BODY_LOCATIONS[code] if code < len(BODY_LOCATIONS) else f"code {code}"
