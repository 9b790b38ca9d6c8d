import numpy as np
import pytest

from biofeedback.training.pacer import BreathShape, Pacer


def test_phase_is_continuous_across_a_rate_change():
    p = Pacer.fixed(6.0)
    p.set_rate(12.3, 4.5)
    t = np.arange(0, 40, 0.01)
    phase = np.array([p.phase_at(x) for x in t])
    steps = np.diff(phase)
    assert steps.min() > 0 and steps.max() < 0.01 * 6.0 / 60 * 1.0001
    assert p.rate_at(12.0) == 6.0 and p.rate_at(12.4) == 4.5
    volume = np.array([p.volume(x) for x in t])
    assert np.abs(np.diff(volume)).max() < 0.01  # the shape on screen never jumps


def test_breath_shape_follows_the_inhale_ratio_and_holds():
    p = Pacer.fixed(6.0, BreathShape(inhale_ratio=0.4, hold_in_s=1.0))
    assert p.state(0.0).stage == "inhale" and p.state(0.0).volume == pytest.approx(0.0)
    moving = 10.0 - 1.0
    top = 0.4 * moving
    assert p.state(top - 1e-6).volume == pytest.approx(1.0, abs=1e-6)
    assert p.state(top + 0.5).stage == "hold"
    assert p.state(top + 1.5).stage == "exhale"
    assert p.state(top + 1.0 + 0.6 * moving / 2).volume == pytest.approx(0.5)
    assert p.state(1.0).stage_left_s == pytest.approx(top - 1.0)


def test_stepped_protocol_changes_between_breaths():
    p = Pacer.stepped((6.5, 6.0, 5.5, 5.0, 4.5), step_s=120.0)
    assert [s.rate_bpm for s in p.segments] == [6.5, 6.0, 5.5, 5.0, 4.5]
    for s in p.segments:
        assert s.phase == int(s.phase)  # every change at a whole breath
        assert p.phase_at(s.t_s) == pytest.approx(s.phase)


def test_sliding_protocol_goes_from_675_to_425_in_15_minutes_one_rate_per_breath():
    p = Pacer.sliding()
    rates = [s.rate_bpm for s in p.segments]
    assert rates[0] == 6.75 and rates[-1] == 4.25
    assert all(a > b for a, b in zip(rates, rates[1:], strict=False))
    assert p.segments[-1].t_s == pytest.approx(900.0, abs=15.0)
    assert [s.phase for s in p.segments] == list(range(len(p.segments)))


def test_rates_outside_3_to_10_are_refused():
    with pytest.raises(ValueError, match="outside"):
        Pacer.fixed(12.0)
    with pytest.raises(ValueError, match="outside"):
        Pacer.fixed(6.0).set_rate(5.0, 2.0)


def test_vectorised_phases_and_volumes_equal_the_scalar_pacer():
    import numpy as np

    from biofeedback.training.pacer import BreathShape, Pacer
    from biofeedback.training.protocols import assessment_pacer

    held = Pacer.fixed(6.0, BreathShape(0.4, hold_in_s=1.0, hold_out_s=0.5))
    held.set_rate(100.0, 5.0)
    t = np.arange(-5.0, 800.0, 0.137)
    for pacer in (held, assessment_pacer("stepped"), assessment_pacer("sliding")):
        assert np.allclose(pacer.phases(t), [pacer.phase_at(x) for x in t])
        assert np.allclose(pacer.volumes(t), [pacer.volume(x) for x in t])
