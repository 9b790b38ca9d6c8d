"""LiveModel (ui/model.py) fed with made-up snapshots: what it keeps and what it emits."""

import math

import numpy as np
import pytest

pytest.importorskip("PySide6")

from biofeedback.signal import LiveMetrics  # noqa: E402
from biofeedback.training.pacer import BreathShape, Pacer, PacerSchedule  # noqa: E402
from biofeedback.training.plan import SessionSettings  # noqa: E402
from biofeedback.training.protocols import make_protocol  # noqa: E402
from biofeedback.training.snapshots import SessionTick, SessionUpdate, Started  # noqa: E402
from biofeedback.types import Beat, DeviceEvent  # noqa: E402
from biofeedback.ui.model import HR_WINDOW_S, LiveModel  # noqa: E402

STANDARD = make_protocol("standard", 600.0)  # baseline 0-180 s, paced 180-420 s, recovery


def started(schedule: PacerSchedule | None = None) -> Started:
    schedule = schedule or Pacer.fixed(6.0, BreathShape(0.4), t_s=180.0).schedule
    return Started(SessionSettings(protocol="standard"), STANDARD, schedule,
                   {"name": "Polar H10 1234", "battery_pct": 80}, None, replay=False)


def update(t_s: float, *, rr_ms: float = 1000.0, flagged: bool = False, rmssd: float = 40.0,
           ratio: float = math.nan, updated: bool = False, level: int = -1,
           achievement: int = 0, step: str = "baseline", clock_s: float | None = None
           ) -> SessionUpdate:
    m = LiveMetrics(t_s, rr_ms, 60000.0 / rr_ms, flagged, rmssd, ratio, 0.1 if updated else
                    math.nan, updated)
    return SessionUpdate(Beat(t_s, rr_ms, 60000.0 / rr_ms, True, t_s), m, level, achievement,
                         step, None, None, t_s if clock_s is None else clock_s)


@pytest.fixture
def model(qapp):
    return LiveModel()


def count(signal) -> list:
    seen = []
    signal.connect(lambda *a: seen.append(a))
    return seen


def test_a_start_makes_the_model_active_with_the_device_and_the_pacer_schedule(model):
    changed = count(model.changed)
    model.attach(started())
    assert model.active and changed == [()]
    assert model.device.name == "Polar H10 1234" and model.device.battery_pct == 80
    assert model.device.state == "connected"
    t = np.array([10.0, 179.0, 180.0, 185.0, 300.0, 500.0])
    trace = model.pacer_trace(t)
    # No pacer in the baseline and the recovery; the schedule's volume while paced.
    assert np.isnan(trace[[0, 1, 5]]).all()
    np.testing.assert_allclose(trace[2:5], model.schedule.volumes(t[2:5]))
    assert trace[2] == pytest.approx(0.0) and 0 < trace[3] <= 1
    assert model.pacer_trace(np.empty(0)) is None


def test_updates_keep_the_recent_heart_rate_levels_and_trends(model):
    model.attach(started())
    changed = count(model.changed)
    model.on_update(update(1.0, rmssd=math.nan))  # no RMSSD yet: not in the trend
    model.on_update(update(2.0, rr_ms=800.0, flagged=True))
    model.on_update(update(65.0, ratio=1.2, updated=True, level=2, achievement=2))
    model.on_update(update(66.0, ratio=1.2, updated=False, level=2, achievement=2))
    model.on_update(update(70.0, ratio=0.3, updated=True, level=0, achievement=2))
    model.on_update(update(75.0, ratio=math.nan, updated=True, level=-1, achievement=2))
    assert len(changed) == 6
    f = model.feedback
    assert f.level_counts == [1, 0, 1] and f.level_shares == [0.5, 0.0, 0.5]
    assert model.coherence_trend == [(65.0, 1.2, 2), (70.0, 0.3, 0)]
    assert f.level == 0 and f.coherence == 0.3 and f.achievement == 2
    assert [t for t, _ in model.rmssd_trend] == [2.0, 65.0, 66.0, 70.0, 75.0]
    assert model.device.quality == pytest.approx(5 / 6)
    assert model.t_s == model.clock_s == 75.0 and model.now_s() == 75.0
    # Heart rate: only the last two minutes are kept.
    model.on_update(update(2.0 + HR_WINDOW_S + 1.0))
    t, hr = model.hr_arrays()
    assert t.min() > 2.0 and hr[0] == pytest.approx(60.0)


def test_ticks_move_the_clock_step_and_pacer_between_beats_without_redrawing(model):
    model.attach(started())
    changed = count(model.changed)
    schedule = model.schedule
    for clock in (200.0, 200.04, 200.08):
        model.on_tick(SessionTick(clock, "paced", schedule.state(clock)))
    assert changed == []  # the views poll the pacer at their frame rate
    assert model.now_s() == 200.08 and model.step == "paced"
    assert model.pacer_state() == schedule.state(200.08)
    model.on_tick(SessionTick(430.0, "recovery", None))
    assert model.pacer_state() is None and model.step == "recovery"


def test_a_rate_change_sends_a_new_schedule_and_the_trace_follows_it(model):
    model.attach(started())
    old = model.schedule
    new = old.with_rate(300.0, 4.5)
    model.on_pacer(new)
    assert model.schedule is new
    t = np.linspace(300.0, 400.0, 50)
    np.testing.assert_allclose(model.pacer_trace(t), new.volumes(t))
    assert old.rate_at(350.0) == 6.0  # the earlier snapshot did not change
    with pytest.raises(AttributeError):
        new.segments = ()  # frozen


def test_the_end_stops_the_pacer_keeps_the_trends_and_where_the_session_stopped(model):
    model.attach(started())
    model.on_update(update(65.0, ratio=1.2, updated=True, level=2, achievement=2))
    model.on_tick(SessionTick(250.0, "paced", model.schedule.state(250.0)))
    model.on_tick(SessionTick(251.5, "paced", model.schedule.state(251.5)))  # the last one
    changed = count(model.changed)
    model.detach()
    assert changed == [()]
    assert not model.active and model.pacer_state() is None
    assert model.feedback.level == -1 and model.feedback.coherence is None
    assert model.device.state == "idle" and model.step == ""
    assert model.now_s() == 251.5  # where the session stopped
    assert model.coherence_trend == [(65.0, 1.2, 2)]  # stays on screen
    assert model.pacer_trace(np.array([250.0])) is not None  # the last session's pacer
    model.on_tick(SessionTick(260.0, "paced", model.schedule.state(260.0)))  # late
    assert model.pacer_state() is None and not model.active
    model.detach()  # twice: nothing more happens
    assert changed == [()]


def test_device_events_set_the_strap_state_the_banner_and_markers(model):
    model.attach(started())
    banners = count(model.banner_changed)
    model.on_event(DeviceEvent(3.0, "battery", "55"))
    model.on_event(DeviceEvent(4.0, "reconnecting", "2"))
    assert model.device.state == "reconnecting" and "attempt 2" in model.banner
    model.on_event(DeviceEvent(9.0, "connected", ""))
    model.on_event(DeviceEvent(12.0, "marker", "client yawned"))
    assert model.device.battery_pct == 55 and model.device.state == "connected"
    assert [b for (b,) in banners][-1] == "" and model.markers == [(12.0, "client yawned")]
