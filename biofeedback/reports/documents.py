"""Session and client reports as HTML (plots embedded) and PDF (the same plots, paged)."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from .. import __version__
from ..signal.artifacts import correct_beats
from ..signal.coherence import CHALLENGE_THRESHOLDS, LEVEL_NAMES
from ..storage.session import SessionRecord
from ..training.session import recorded_plan
from . import figures

CSS = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#1B2631}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #D5DBDF}
table{border-collapse:collapse;margin:.6em 0}td,th{padding:.25em .8em;text-align:left;
border-bottom:1px solid #EEF1F3}th{background:#F4F6F8}img{max-width:100%}
.muted{color:#5D6D7E;font-size:.9em}"""


@dataclass
class Report:
    title: str
    html: str
    pdf: bytes


def _fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...] | None = None) -> str:
    head = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>" \
        if header else ""
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table>{head}{body}</table>"


def _text_page(title: str, sections: list[tuple[str, list[tuple[str, ...]]]]) -> Figure:
    """A PDF page of tables drawn as text."""
    fig = plt.figure(figsize=figures.A4_LANDSCAPE)
    fig.text(0.05, 0.94, title, fontsize=18, weight="bold")
    y = 0.87
    for heading, rows in sections:
        fig.text(0.05, y, heading, fontsize=12, weight="bold")
        y -= 0.035
        for row in rows:
            for i, cell in enumerate(row):
                fig.text(0.07 + i * 0.16, y, cell, fontsize=9.5)
            y -= 0.027
        y -= 0.02
    fig.text(0.05, 0.03, f"biofeedback {__version__} · {datetime.now():%Y-%m-%d %H:%M}",
             fontsize=8, color=figures.MUTED)
    return fig


def _document(title: str, subtitle: str, sections: list[tuple[str, list[tuple[str, ...]],
                                                               tuple[str, ...] | None]],
              plots: list[Figure]) -> Report:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
             f"<p class='muted'>{html.escape(subtitle)}</p>"]
    for heading, rows, header in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>{_table(rows, header)}")
    parts.append("<h2>Plots</h2>")
    parts += [f"<p><img alt='plot' src='data:image/png;base64,{_png(f)}'></p>" for f in plots]
    parts.append(f"<p class='muted'>biofeedback {__version__}</p></body></html>")
    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        page = _text_page(title, [(subtitle, [])] + [
            (h, ([header] if header else []) + rows) for h, rows, header in sections])
        pdf.savefig(page)
        for fig in plots:
            pdf.savefig(fig)
    for fig in [page, *plots]:
        plt.close(fig)
    return Report(title, "".join(parts), buffer.getvalue())


def session_report(record: SessionRecord, deidentify: bool = False) -> Report:
    """One session: what was done, its outcome and its plots."""
    meta = record.meta
    s = meta.get("summary") or {}
    settings, protocol, pacer = recorded_plan(meta, record.events)
    who = "client" if deidentify else (meta.get("client_name") or "no client")
    when = "" if deidentify else meta.get("start_time", "")[:16].replace("T", " ")
    device = (meta.get("device") or {}).get("name", "")
    overview = [("Protocol", protocol.name), ("Length", _fmt(meta.get("duration_s", 0) / 60,
                                                               " min")),
                ("Ended", record.end_status), ("Strap", device),
                ("Stress before / after", f"{_fmt(meta.get('pre_rating'))} / "
                                          f"{_fmt(meta.get('post_rating'))}")]
    results = [("Beats", _fmt(s.get("n_beats"))), ("Mean heart rate", _fmt(s.get(
        "mean_hr_bpm"), " bpm")), ("RMSSD", _fmt(s.get("rmssd_ms"), " ms")),
        ("Coherence (whole session)", _fmt(s.get("coherence_ratio"), "", 2)),
        ("Achievement", _fmt(s.get("achievement"))),
        ("Artifacts", _fmt(s.get("artifacts_pct"), " %")),
        ("Data quality", (s.get("quality_grade") or "–").replace("_", " ")
         + (f" ({s['quality_reason']})" if s.get("quality_reason") else ""))]
    results += [(f"Time in {n}", _fmt(s.get(f"time_{n}_pct"), " %", 0)) for n in LEVEL_NAMES]
    o = s.get("outcome") or {}
    if o:
        results += [("RMSSD baseline → training", f"{_fmt(o.get('baseline_rmssd_ms'), ' ms')}"
                     f" → {_fmt(o.get('training_rmssd_ms'), ' ms')}"),
                    ("Heart-rate oscillation vs pacer", f"{_fmt(o.get('hr_peak_bpm'), '/min')}"
                     f" vs {_fmt(o.get('pacer_bpm'), '/min')}")]
    if s.get("breathing_bpm") is not None:
        results.append(("Breathing (accelerometer)", _fmt(s["breathing_bpm"], "/min")))
    steps = [(name, _fmt(v.get("minutes"), " min"), _fmt(v.get("rmssd_ms"), " ms"),
              _fmt(v.get("mean_hr_bpm"), " bpm"), _fmt(v.get("coherence"), "", 2),
              _fmt(v.get("time_high_pct"), " %", 0))
             for name, v in (s.get("steps") or {}).items()]
    sections = [("Session", overview, None), ("Results", results, None)]
    if steps:
        sections.append(("Steps", steps, ("step", "length", "RMSSD", "heart rate",
                                          "coherence", "time high")))

    t, rr = correct_beats(record.beats["t_s"], record.beats["rr_ms"])
    m = record.metrics
    updated = np.flatnonzero((m["level"] >= 0) & np.r_[True, np.diff(m["coherence"]) != 0])
    plots = [figures.heart_rate_figure(t, rr, pacer, protocol),
             figures.coherence_figure(m["t_s"][updated], m["coherence"][updated],
                                      m["level"][updated],
                                      CHALLENGE_THRESHOLDS[settings.challenge], protocol)]
    paced = [(step, start, end) for step, start, end in protocol.spans(float(t[-1]))
             if step.paced]
    if paced:
        step, start, end = paced[0]
        keep = (t >= start) & (t <= end)
        if np.count_nonzero(keep) > 60:
            plots.append(figures.spectrum_figure(t[keep], rr[keep], pacer.rate_at(start + 1),
                                                 f"Spectrum while paced ({step.name})"))
    title = f"Session report — {who}"
    return _document(title, f"{when} · session {meta.get('session_id', '')}".strip(" ·"),
                     sections, plots)


def client_report(name: str, progress: dict[str, Any], deidentify: bool = False) -> Report:
    """A client's course: every session and every week, and the trends."""
    rows = [(str(i + 1), "" if deidentify else r["start_time"][:10], r["protocol"],
             _fmt(r["minutes"], " min"), _fmt(r["resting_rmssd_ms"], " ms"),
             _fmt(r["coherence"], "", 2), _fmt(r["pre_rating"]), _fmt(r["post_rating"]))
            for i, r in enumerate(progress["sessions"])]
    weeks = [(f"week {i + 1}" if deidentify else w["week"], str(w["sessions"]),
              _fmt(w["minutes"], " min")) for i, w in enumerate(progress["weeks"])]
    trend = [("Sessions", str(len(rows))),
             ("Minutes practised", _fmt(progress["total_minutes"], " min", 0)),
             ("Resting RMSSD trend", _fmt(progress["resting_rmssd_slope_ms_per_session"],
                                          " ms per session", 2)),
             ("Mean change in stress rating", _fmt(progress["mean_rating_change"], "", 1))]
    sections = [("Course", trend, None),
                ("Sessions", rows, ("#", "date", "protocol", "length", "resting RMSSD",
                                    "coherence", "stress before", "after")),
                ("Weeks", weeks, ("week", "sessions", "practised"))]
    who = "client" if deidentify else name
    if deidentify:
        progress = {**progress, "weeks": [{**w, "week": f"week {i + 1}"}
                                          for i, w in enumerate(progress["weeks"])]}
    return _document(f"Progress report — {who}", "resting RMSSD from each session's "
                     "baseline; coherence while paced", sections,
                     [figures.progress_figure(progress)] if rows else [])
