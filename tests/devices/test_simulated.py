import asyncio

import numpy as np
import pytest

from biofeedback.devices import SourceError, open_source
from biofeedback.devices.hrs import RR_UNIT_MS
from biofeedback.devices.source import SessionClock
from biofeedback.signal import detect_artifacts, frequency_domain
from biofeedback.training.pacer import Pacer
from biofeedback.types import Beat, DeviceEvent


def collect(spec, breathing=None, duration_s=300.0):
    async def go():
        beats, events = [], []
        source = open_source(spec, breathing=breathing)
        async for item in source.stream(SessionClock(1e6)):
            if item.t_s > duration_s:
                break
            (beats if isinstance(item, Beat) else events).append(item)
        return beats, events
    return asyncio.run(go())


def lf_power(spec, rate):
    beats, _ = collect(spec, Pacer.fixed(rate).volume)
    t = np.array([b.t_s for b in beats])
    rr = np.array([b.rr_ms for b in beats])
    return frequency_domain(t[30:], rr[30:]).lf_ms2


@pytest.mark.parametrize("rf", [4.5, 5.5, 6.5])
def test_heart_resonates_at_its_own_rate(rf):
    rates = [4.5, 5.0, 5.5, 6.0, 6.5]
    power = [lf_power(f"sim:rf={rf},seed=4", r) for r in rates]
    assert rates[int(np.argmax(power))] == rf


def test_spontaneous_breathing_gives_little_lf_and_a_normal_heart():
    beats, events = collect("sim:hr=70,seed=2")
    rr = np.array([b.rr_ms for b in beats])
    assert 60000 / rr.mean() == pytest.approx(70, abs=5)
    assert [e.kind for e in events[:2]] == ["connected", "battery"]
    assert np.allclose(rr / RR_UNIT_MS, np.round(rr / RR_UNIT_MS))  # 1/1024 s units
    assert lf_power("sim:seed=2", 6.0) > 5 * frequency_domain(
        np.array([b.t_s for b in beats]), rr).lf_ms2


def test_same_seed_same_beats_and_artifacts_when_asked():
    a, _ = collect("sim:seed=7,ectopic=3,missed=2")
    b, _ = collect("sim:seed=7,ectopic=3,missed=2")
    assert [(x.t_s, x.rr_ms) for x in a] == [(x.t_s, x.rr_ms) for x in b]
    labels = detect_artifacts(np.array([x.rr_ms for x in a]))
    assert (labels == "ectopic").sum() >= 10 and (labels == "missed").sum() >= 5


def test_dropouts_disconnect_and_leave_a_gap_in_beat_times():
    beats, events = collect("sim:seed=3,dropouts=40,dropout_s=10", duration_s=600)
    kinds = [e.kind for e in events]
    assert kinds.count("disconnected") >= 2
    assert kinds.count("connected") == kinds.count("disconnected") + 1
    t = np.array([b.t_s for b in beats])
    rr = np.array([b.rr_ms for b in beats])
    lost = np.diff(t) - rr[1:] / 1000
    assert (lost > 8).sum() == kinds.count("disconnected")


@pytest.mark.parametrize("spec", ["sim:hr=500", "sim:foo=1", "sim:rf=abc", "bogus", "replay:"])
def test_bad_specs_are_one_line_errors(spec):
    with pytest.raises(SourceError) as err:
        open_source(spec)
    assert "\n" not in str(err.value)


def test_events_are_device_events():
    _, events = collect("sim", duration_s=5)
    assert all(isinstance(e, DeviceEvent) for e in events)
