"""Lab Streaming Layer outlets: RR, HR, coherence and pacer for recording beside EEG.

Off by default: nothing is published on the network unless the user passes ``--lsl``.
Streams (irregular rate, float32): ``Biofeedback RR`` (ms), ``Biofeedback HR`` (bpm),
``Biofeedback Coherence`` (ratio, every 5 s), ``Biofeedback Pacer`` (phase in breaths, target
lung volume 0-1).
"""

from __future__ import annotations

import pylsl

from ..training.snapshots import SessionUpdate
from ..types import DeviceEvent


def _outlet(name: str, kind: str, channels: list[str], unit: str) -> pylsl.StreamOutlet:
    info = pylsl.StreamInfo(f"Biofeedback {name}", kind, len(channels), pylsl.IRREGULAR_RATE,
                            pylsl.cf_float32, f"biofeedback-{name.lower()}")
    chans = info.desc().append_child("channels")
    for label in channels:
        ch = chans.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", unit)
    return pylsl.StreamOutlet(info)


class LslOutlet:
    """A session subscriber that pushes every update to four LSL streams."""

    def __init__(self) -> None:
        self.rr = _outlet("RR", "RR", ["rr"], "ms")
        self.hr = _outlet("HR", "HeartRate", ["hr"], "bpm")
        self.coherence = _outlet("Coherence", "Coherence", ["coherence"], "ratio")
        self.pacer = _outlet("Pacer", "Pacer", ["phase", "volume"], "breaths")

    def __call__(self, update: SessionUpdate | DeviceEvent) -> None:
        if isinstance(update, DeviceEvent):
            return
        m = update.metrics
        self.rr.push_sample([m.rr_ms])
        self.hr.push_sample([m.hr_bpm])
        if m.coherence_updated:
            self.coherence.push_sample([m.coherence_ratio])
        if update.pacer is not None:
            self.pacer.push_sample([update.pacer.phase, update.pacer.volume])
