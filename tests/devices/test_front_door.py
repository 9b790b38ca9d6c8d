"""The devices front door (issue 14): four names, no backend imported until used, the factory
outside the interface, the simulated strap given the pacer when built, the replay playing a
beat table it is handed."""

import asyncio
import subprocess
import sys

import numpy as np
import pytest
from realdata import data_file

from biofeedback import devices
from biofeedback.devices.replay import ReplaySource
from biofeedback.devices.source import SessionClock
from biofeedback.errors import UserError
from biofeedback.signal import coherence
from biofeedback.storage.rrfiles import read_rr
from biofeedback.training.pacer import Pacer
from biofeedback.types import Beat, BeatTable


def test_the_front_door_names_four_things_and_loads_no_backend():
    code = ("import sys, biofeedback.devices as d\n"
            "assert d.__all__ == ['Source', 'SourceError', 'open_source', 'scan']\n"
            "d.open_source('sim')\n"
            "print('bleak' in sys.modules, 'biofeedback.devices.ble' in sys.modules)\n"
            "d.scan\n"
            "print('bleak' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    assert out == ["False", "False", "True"]
    with pytest.raises(AttributeError):
        devices.follow  # noqa: B018


def test_a_replay_spec_needs_the_application_to_read_the_recording():
    with pytest.raises(devices.SourceError, match="application") as caught:
        devices.open_source("replay:/some/file.csv")
    assert isinstance(caught.value, UserError)
    opened = []
    source = devices.open_source("replay:x.csv@5", open_replay=lambda rest: opened.append(rest)
                                 or "opened")
    assert source == "opened" and opened == ["x.csv@5"]


def _beats(source, duration_s):
    async def go():
        out = []
        async for item in source.stream(SessionClock(1e6)):
            if item.t_s > duration_s:
                break
            if isinstance(item, Beat):
                out.append(item)
        return out
    return asyncio.run(go())


@pytest.mark.parametrize("seed", [1, 4])
def test_the_simulated_strap_breathes_with_the_pacer_it_was_built_with(seed):
    """Resonance at rf=5.5: a strap given a 5.5/min pacer is far more coherent than the same
    strap left breathing on its own (13/min)."""
    ratios = []
    for breathing in (Pacer.fixed(5.5).volume, None):
        beats = _beats(devices.open_source(f"sim:rf=5.5,seed={seed}", breathing=breathing),
                       300.0)
        t = np.array([b.t_s for b in beats])
        rr = np.array([b.rr_ms for b in beats])
        ratios.append(coherence(t, rr).ratio)
    assert ratios[0] > 3 * ratios[1], ratios


@pytest.mark.parametrize("relative", ["polar_h10/slow_breathing_10min_ibi.csv",
                                      "meditation/M2_rr.csv"])
def test_a_replay_plays_the_table_it_is_handed_beat_for_beat(relative):
    rr = read_rr(data_file(relative))
    table = BeatTable.from_rr(rr.t_s, rr.rr_ms)
    beats = _beats(ReplaySource(data_file(relative), table), float("inf"))
    assert [b.rr_ms for b in beats] == rr.rr_ms.tolist()
    assert [b.t_s for b in beats] == rr.t_s.tolist()
    assert all(b.contact is None for b in beats)
