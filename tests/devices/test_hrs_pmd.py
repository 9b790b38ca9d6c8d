"""The strap's byte formats: Heart Rate Measurement (0x2A37), beat times, Polar PMD."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from realdata import data_file, polar_rr_raw

from biofeedback.devices import pmd
from biofeedback.devices.beattimes import BeatClock
from biofeedback.devices.hrs import (
    RR_UNIT_MS,
    HeartRateMeasurement,
    MeasurementError,
    decode_measurement,
    encode_measurement,
)


def test_real_payloads_decode_to_their_published_values():
    cases = json.loads(data_file("ble/ble_2a37_payloads.json").read_text())
    assert len(cases) >= 5
    for case in cases:
        m = decode_measurement(bytes.fromhex(case["hex"]))
        assert m.hr_bpm == case["hr_bpm"], case["hex"]
        assert list(m.rr_raw) == case["rr_raw_1_1024s"]
        assert list(m.rr_ms) == case["rr_ms_exact"]  # exact binary fractions, not rounded
        assert m.energy_kj == case["energy_expended_kJ"]
        expected = case["contact_detected"] if case["contact_supported"] else None
        assert m.contact == expected


@pytest.mark.parametrize(("hr16", "contact", "energy", "n_rr"), list(itertools.product(
    (False, True), (None, False, True), (None, 0, 65535), (0, 1, 2, 9))))
def test_every_flag_combination_round_trips(hr16, contact, energy, n_rr):
    hr = 300 if hr16 else 72
    rr = tuple(range(700, 700 + 37 * n_rr, 37))
    m = HeartRateMeasurement(hr, contact, energy, rr)
    payload = encode_measurement(m, hr_uint16=hr16)
    assert payload[0] & 0x01 == hr16
    assert decode_measurement(payload) == m


def test_contact_not_supported_is_unknown_not_absent():
    assert decode_measurement(bytes([0x10, 60, 0x00, 0x04])).contact is None  # H10 firmware
    assert decode_measurement(bytes([0x04, 60])).contact is False
    assert decode_measurement(bytes([0x06, 60])).contact is True
    assert decode_measurement(bytes([0x10, 60, 0x00, 0x04])).rr_ms == (1000.0,)


@pytest.mark.parametrize(("payload", "why"), [
    (b"", "empty"),
    (bytes([0x01, 60]), "truncated"),           # uint16 HR with one byte
    (bytes([0x08, 60, 1]), "truncated"),        # energy expended cut short
    (bytes([0x10, 60, 0x00]), "whole uint16"),  # half an RR interval
    (bytes([0x10, 60, 0, 0]), "RR interval of 0"),
])
def test_malformed_payloads_raise_the_documented_error(payload, why):
    with pytest.raises(MeasurementError, match=why):
        decode_measurement(payload)


@given(st.binary(max_size=40))
def test_random_bytes_give_a_measurement_or_the_documented_error(payload):
    try:
        m = decode_measurement(payload)
    except MeasurementError:
        return
    assert 0 <= m.hr_bpm <= 65535
    assert all(0 < r < 65536 for r in m.rr_raw)
    assert m.contact in (None, False, True)


def _notifications(raw, rng, strap_ppm=0.0, latency_s=(0.02, 0.2)):
    """Group beats into 1 Hz notifications as a Polar strap does: the true beat times
    (running ``strap_ppm`` slow on our clock), the groups and their arrival times."""
    true_t = np.cumsum(raw * RR_UNIT_MS / 1000.0) * (1 + strap_ppm * 1e-6)
    groups, arrivals = [], []
    tick = 1.0
    i = 0
    while i < len(raw):
        j = int(np.searchsorted(true_t, tick, side="right"))
        if j > i:
            groups.append(tuple(raw[i:j] * RR_UNIT_MS))
            arrivals.append(tick + rng.uniform(*latency_s))
            i = j
        tick += 1.0
    return true_t, groups, arrivals


@pytest.mark.parametrize("strap_ppm", [0.0, 300.0, -300.0])  # crystals: ~50 ppm
def test_beat_times_follow_the_rr_sums_and_stay_on_the_session_clock(strap_ppm):
    raw = polar_rr_raw()
    true_t, groups, arrivals = _notifications(raw, np.random.default_rng(1), strap_ppm)
    clock = BeatClock()
    times = np.concatenate([clock.place(a, g) for a, g in zip(arrivals, groups, strict=True)])
    assert len(times) == len(raw)  # nothing dropped or duplicated
    # Consecutive beats stay their RR interval apart: the timeline moves forward a few ms
    # at a time (never a false gap for the analysis), and is pulled back now and then when
    # a notification comes sooner than the timeline allows.
    step_error_ms = np.diff(times) * 1000 - raw[1:] * RR_UNIT_MS
    assert step_error_ms.max() < 5
    assert step_error_ms.min() > -150
    assert np.count_nonzero(step_error_ms < -5) <= 0.02 * len(raw)
    # The timeline does not drift from when the beats really happened.
    lag = true_t - times
    assert np.abs(lag - lag[0]).max() < 0.3
    assert np.all(times[1:] > times[:-1])
    # Never placed after the notification that carried it.
    last = np.cumsum([len(g) for g in groups]) - 1
    assert np.all(times[last] <= np.array(arrivals) + 1e-9)


def test_lost_notifications_restart_the_timeline_at_the_next_arrival():
    clock = BeatClock()
    first = clock.place(10.0, (1000.0, 1000.0))
    after = clock.place(20.0, (1000.0,))  # ~8 s of beats never arrived
    assert first == [9.0, 10.0]
    assert after == [20.0]


@pytest.mark.parametrize("early_s", [0.3, 1.0, 1.5])
def test_a_notification_far_ahead_of_the_timeline_never_sends_beats_back_in_time(early_s):
    """A busy machine delivers notifications in bursts: one can arrive before the time the
    timeline gives its beats. They are pulled back, but never to or before the last beat."""
    clock = BeatClock()
    first = clock.place(10.0, (1000.0, 1000.0))
    burst = clock.place(10.8 - early_s, (800.0, 800.0))
    times = np.array(first + burst)
    assert np.all(np.diff(times) > 0)
    assert np.diff(times)[-1] == pytest.approx(0.8)  # the other intervals stay exact
    later = clock.place(12.4, (800.0,))  # what was not pulled back comes with the next one
    assert later[0] > times[-1] and later[0] <= 12.4 + 1e-9


PMD_ECG = bytes.fromhex("00" "0010a5d4e8000000" "00") + bytes([0xFF, 0xFF, 0xFF, 0x10, 0, 0])


def test_pmd_ecg_frame_decodes_signed_24_bit_microvolts():
    frame = pmd.decode_frame(PMD_ECG)
    assert frame.kind == pmd.ECG
    assert frame.sensor_ns == 1_000_000_000_000
    assert frame.samples.tolist() == [-1, 16]


@pytest.mark.parametrize("kind", [pmd.ECG, pmd.ACC])
def test_pmd_frames_round_trip(kind):
    rng = np.random.default_rng(3)
    limit = 2**23 if kind == pmd.ECG else 2**15
    shape = (73,) if kind == pmd.ECG else (36, 3)
    samples = rng.integers(-limit, limit, size=shape)
    frame = pmd.decode_frame(pmd.encode_frame(kind, 123456789, samples))
    assert frame.kind == kind and frame.sensor_ns == 123456789
    assert np.array_equal(frame.samples, samples)


def test_pmd_commands_and_responses():
    assert pmd.start_ecg_command() == bytes.fromhex("0200000182000101 0e00".replace(" ", ""))
    op, kind, settings = pmd.parse_command(pmd.start_acc_command(50, 4))
    assert (op, kind, settings) == (2, pmd.ACC, {0: 50, 1: 16, 2: 4})
    assert pmd.decode_response(pmd.encode_response(2, pmd.ECG)).ok
    refused = pmd.decode_response(pmd.encode_response(2, pmd.ACC, 13))
    assert not refused.ok and refused.message == "device in charger"
    with pytest.raises(pmd.PmdError):
        pmd.start_acc_command(rate_hz=30)


@given(st.binary(max_size=64))
def test_random_pmd_bytes_give_a_frame_or_the_documented_error(payload):
    try:
        frame = pmd.decode_frame(payload)
    except pmd.PmdError:
        return
    assert frame.kind in (pmd.ECG, pmd.ACC)
    assert len(frame.samples) >= 1


def test_sensor_clock_uses_the_earliest_arrival():
    clock = pmd.SensorClock()
    a = clock.to_session(np.array([100.0, 100.5]), arrival_s=5.3)  # delivered late
    b = clock.to_session(np.array([101.0, 101.5]), arrival_s=5.6)  # delivered at once
    assert a == pytest.approx([4.8, 5.3])
    assert b == pytest.approx([5.1, 5.6])
