import asyncio
import threading

import pylsl
from helpers import record_sim

from biofeedback.app.lsl import LslOutlet
from biofeedback.devices import open_source
from biofeedback.devices.source import SessionClock
from biofeedback.training.plan import SessionSettings
from biofeedback.training.runner import SessionRunner


def test_lsl_outlet_publishes_rr_that_an_inlet_receives():
    outlet = LslOutlet()
    (info,) = pylsl.resolve_byprop("name", "Biofeedback RR", timeout=5)
    inlet = pylsl.StreamInlet(info)
    inlet.open_stream(timeout=5)
    runner = SessionRunner(open_source("sim:seed=1"), SessionSettings(duration_s=60.0),
                           clock=SessionClock(200.0))
    runner.subscribe(outlet)
    sent = []
    runner.subscribe(lambda u: sent.append(u.metrics.rr_ms) if hasattr(u, "metrics") else None)
    thread = threading.Thread(target=lambda: asyncio.run(runner.run()))
    thread.start()
    thread.join(timeout=30)
    received = []
    while True:
        chunk, _ = inlet.pull_chunk(timeout=1.0)
        if not chunk:
            break
        received += [c[0] for c in chunk]
    assert len(sent) > 50
    assert received == [float(__import__("numpy").float32(v)) for v in sent]


def test_analyze_reads_a_session_folder(tmp_path, capsys):
    from biofeedback.cli import main

    _, _, folder, _ = record_sim(tmp_path, "sim:seed=1", 180.0)
    assert main(["analyze", str(folder), "--json"]) == 0
    assert '"n_beats"' in capsys.readouterr().out
