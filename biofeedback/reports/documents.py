"""Session and client reports as HTML (plots embedded) and PDF (the same plots, paged).

De-identified reports name neither the client nor the strap, carry no date (not the
session's, not the day they were made: the PDF has no creation date) and no session id.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from .. import __version__
from ..storage.export import beats_in_order, start_datetime
from ..storage.folder import SessionRecord
from ..storage.paths import free_stem, private_dir, write_private_file
from ..training.feedback import CHALLENGE_THRESHOLDS, LEVEL_NAMES
from ..training.plan import recorded_plan
from . import figures
from .reviewed import reviewed_beats, reviewed_summary, session_overrides
from .wording import rmssd_trend, stress_change

CSS = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#1B2631}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #D5DBDF}
table{border-collapse:collapse;margin:.6em 0}td,th{padding:.25em .8em;text-align:left;
border-bottom:1px solid #EEF1F3}th{background:#F4F6F8}img{max-width:100%}
.muted{color:#5D6D7E;font-size:.9em}"""
#: The PDF's document information without dates (matplotlib's default adds CreationDate).
UNDATED_PDF = {"CreationDate": None, "ModDate": None}
MIN_SPECTRUM_BEATS = 60
PAGE_TOP, PAGE_BOTTOM = 0.87, 0.07
ROW_STEP, COLUMN_GAP = 0.027, 0.03

Section = tuple[str, list[tuple[str, ...]], tuple[str, ...] | None]


@dataclass
class Report:
    title: str
    html: str
    pdf: bytes

    def write(self, folder: Path, stem: str) -> list[Path]:
        """The HTML and PDF in ``folder`` (created private), named ``stem``, or ``stem-2``
        ... beside an earlier report: never over one. Returns the files; OSError when they
        cannot be written."""
        suffixes = (".html", ".pdf")
        stem = free_stem(private_dir(folder), stem, suffixes)
        paths = [folder / f"{stem}{suffix}" for suffix in suffixes]
        for path, data in zip(paths, (self.html.encode("utf-8"), self.pdf), strict=True):
            write_private_file(path, data, replace=False)
        return paths


def _number(value: Any) -> float | None:
    """A finite number from recorded metadata, or None (missing, text, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return None
    return float(value) if np.isfinite(value) else None


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


def _new_page(title: str, footer: str) -> Figure:
    fig = plt.figure(figsize=figures.A4_LANDSCAPE)
    fig.text(0.05, 0.94, title, fontsize=18, weight="bold")
    fig.text(0.05, 0.03, footer, fontsize=8, color=figures.MUTED)
    return fig


def _draw_rows(fig: Figure, rows: list[tuple[str, ...]], y: float) -> None:
    """Rows as a table: each column starts after the widest cell of the one before
    (measured as drawn), so no label runs into its value."""
    renderer = fig.canvas.get_renderer()
    x = 0.07
    for col in range(max(len(r) for r in rows)):
        cells = [fig.text(x, y - k * ROW_STEP, row[col], fontsize=9.5)
                 for k, row in enumerate(rows) if col < len(row)]
        width = max(c.get_window_extent(renderer).width for c in cells) / fig.bbox.width
        x += width + COLUMN_GAP


def text_pages(title: str, sections: list[tuple[str, list[tuple[str, ...]]]],
                footer: str) -> list[Figure]:
    """PDF pages of tables drawn as text; a section that does not fit goes on (continued)
    on a new page."""
    pages = [_new_page(title, footer)]
    y = PAGE_TOP
    for heading, rows in sections:
        rows = list(rows)
        continued = False
        while True:
            if y - 0.035 - ROW_STEP * min(len(rows), 1) < PAGE_BOTTOM:
                pages.append(_new_page(title, footer))
                y = PAGE_TOP
            label = f"{heading} (continued)" if continued else heading
            pages[-1].text(0.05, y, label, fontsize=12, weight="bold")
            y -= 0.035
            fit = max(int((y - PAGE_BOTTOM) / ROW_STEP), 1)
            chunk, rows = rows[:fit], rows[fit:]
            if chunk:
                _draw_rows(pages[-1], chunk, y)
                y -= ROW_STEP * len(chunk)
            y -= 0.02
            if not rows:
                break
            continued = True
            pages.append(_new_page(title, footer))
            y = PAGE_TOP
    return pages


def _document(title: str, subtitle: str, sections: list[Section], plots: list[Figure],
              notes: list[str], deidentify: bool) -> Report:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"]
    if subtitle:
        parts.append(f"<p class='muted'>{html.escape(subtitle)}</p>")
    for heading, rows, header in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>{_table(rows, header)}")
    parts.append("<h2>Plots</h2>")
    parts += [f"<p>{html.escape(note)}</p>" for note in notes]
    parts += [f"<p><img alt='plot' src='data:image/png;base64,{_png(f)}'></p>" for f in plots]
    parts.append(f"<p class='muted'>biofeedback {__version__}</p></body></html>")
    footer = f"biofeedback {__version__}" + (
        "" if deidentify else f" · {datetime.now():%Y-%m-%d %H:%M}")
    text = [(subtitle, [])] if subtitle else []
    text += [(h, ([header] if header else []) + rows) for h, rows, header in sections]
    if notes:
        text.append(("Plots", [(note,) for note in notes]))
    pages = text_pages(title, text, footer)
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, **(UNDATED_PDF if deidentify else {})}
                  ) as pdf:
        for fig in [*pages, *plots]:
            pdf.savefig(fig)
    for fig in [*pages, *plots]:
        plt.close(fig)
    return Report(title, "".join(parts), buffer.getvalue())


def _rating(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _stress_row(pre: Any, post: Any) -> str:
    """``7 → 3, stress −4.0 (better)``: the ratings and what their change means."""
    pre, post = _number(pre), _number(post)
    text = f"{_rating(pre)} → {_rating(post)}"
    if pre is not None and post is not None:
        text += f", {stress_change(post - pre)}"
    return text


def _session_sections(record: SessionRecord, protocol_name: str, deidentify: bool
                      ) -> list[Section]:
    meta = record.meta
    s = meta.get("summary") if isinstance(meta.get("summary"), dict) else {}
    s = reviewed_summary(record, s, session_overrides(record))
    duration_s = _number(meta.get("duration_s"))
    overview = [("Protocol", protocol_name),
                ("Length", _fmt(None if duration_s is None else duration_s / 60, " min")),
                ("Ended", str(record.end_status))]
    device = meta.get("device")
    if not deidentify and isinstance(device, dict) and device.get("name"):
        overview.append(("Strap", str(device["name"])))
    overview.append(("Stress before → after", _stress_row(meta.get("pre_rating"),
                                                          meta.get("post_rating"))))
    results = [("Beats", _fmt(s.get("n_beats"))),
               ("Mean heart rate", _fmt(s.get("mean_hr_bpm"), " bpm")),
               ("RMSSD", _fmt(s.get("rmssd_ms"), " ms")),
               ("Coherence (whole session)", _fmt(s.get("coherence_ratio"), "", 2)),
               ("Achievement", _fmt(s.get("achievement"))),
               ("Artifacts", _fmt(s.get("artifacts_pct"), " %")),
               ("Data quality", str(s.get("quality_grade") or "–").replace("_", " ")
                + (f" ({s['quality_reason']})" if s.get("quality_reason") else ""))]
    if s.get("edits_applied"):
        results.append(("Beat review", f"{s['edits_applied']} beats labelled by hand "
                        "(edits.csv); beats, heart rate, RMSSD, coherence, artifacts and "
                        "quality recomputed with them"))
    results += [(f"Time in {n}", _fmt(s.get(f"time_{n}_pct"), " %", 0)) for n in LEVEL_NAMES]
    o = s.get("outcome") if isinstance(s.get("outcome"), dict) else {}
    if o:
        results += [("RMSSD baseline → training", f"{_fmt(o.get('baseline_rmssd_ms'), ' ms')}"
                     f" → {_fmt(o.get('training_rmssd_ms'), ' ms')}"),
                    ("Heart-rate oscillation vs pacer", f"{_fmt(o.get('hr_peak_bpm'), '/min')}"
                     f" vs {_fmt(o.get('pacer_bpm'), '/min')}")]
    if s.get("breathing_bpm") is not None:
        results.append(("Breathing (accelerometer)", _fmt(s["breathing_bpm"], "/min")))
    steps = [(str(name), _fmt(v.get("minutes"), " min"), _fmt(v.get("rmssd_ms"), " ms"),
              _fmt(v.get("mean_hr_bpm"), " bpm"), _fmt(v.get("coherence"), "", 2),
              _fmt(v.get("time_high_pct"), " %", 0))
             for name, v in (s["steps"] if isinstance(s.get("steps"), dict) else {}).items()
             if isinstance(v, dict)]
    sections: list[Section] = [("Session", overview, None), ("Results", results, None)]
    if steps:
        sections.append(("Steps", steps, ("step", "length", "RMSSD", "heart rate",
                                          "coherence", "time high")))
    return sections


def _session_plots(record: SessionRecord, settings, protocol, pacer
                   ) -> tuple[list[Figure], list[str]]:
    """The plots the session's beats allow, and a sentence for each one they do not."""
    beats, n_dropped = beats_in_order(record)
    notes = []
    if n_dropped:
        notes.append(f"{n_dropped} beats whose time went backwards (a damaged recording) are "
                     "left out of the plots.")
    if beats["t_s"].size < 2:
        notes.append(f"No plots: the session holds {beats['t_s'].size} beat(s); heart rate "
                     "needs at least two.")
        return [], notes
    t, rr = reviewed_beats(beats["t_s"], beats["rr_ms"], session_overrides(record))
    plots = [figures.heart_rate_figure(t, rr, pacer, protocol)]
    m = record.metrics
    updated = np.flatnonzero((m["level"] >= 0) & np.r_[True, np.diff(m["coherence"]) != 0]
                             & np.isfinite(m["coherence"]))
    if updated.size:
        plots.append(figures.coherence_figure(
            m["t_s"][updated], m["coherence"][updated], m["level"][updated],
            CHALLENGE_THRESHOLDS[settings.challenge], protocol))
    else:
        notes.append("No coherence plot: coherence needs 64 s of beats, and this session "
                     f"has {float(t[-1] - t[0]):.0f} s.")
    paced = [(step, start, end) for step, start, end in protocol.spans(float(t[-1]))
             if step.paced]
    if paced:
        step, start, end = paced[0]
        keep = (t >= start) & (t <= end)
        if np.count_nonzero(keep) > MIN_SPECTRUM_BEATS:
            plots.append(figures.spectrum_figure(t[keep], rr[keep], pacer.rate_at(start + 1),
                                                 f"Spectrum while paced ({step.name})"))
    return plots, notes


def session_report(record: SessionRecord, deidentify: bool = False) -> Report:
    """One session: what was done, its outcome and the plots its beats allow."""
    meta = record.meta
    try:
        settings, protocol, pacer = recorded_plan(meta, record.events)
        unreadable_plan = []
    except (AttributeError, KeyError, TypeError, ValueError):  # a damaged session.json
        settings, protocol, pacer = recorded_plan({}, [])
        unreadable_plan = ["The recorded settings and protocol are unreadable: the plots show "
                           "no pacer and no protocol steps."]
    who = "client" if deidentify else (meta.get("client_name") or "no client")
    start = start_datetime(meta)
    subtitle = "" if deidentify else " · ".join([
        f"{start:%Y-%m-%d %H:%M}" if start else "start time unknown",
        f"session {record.session_id}"])
    plots, notes = _session_plots(record, settings, protocol, pacer)
    notes = unreadable_plan + notes
    return _document(f"Session report — {who}", subtitle,
                     _session_sections(record, protocol.name, deidentify), plots, notes,
                     deidentify)


def client_report(name: str, progress: dict[str, Any], deidentify: bool = False) -> Report:
    """A client's course: every session and every week, and the trends."""
    dated = not deidentify
    rows = [(str(i + 1), *([str(r["start_time"])[:10]] if dated else []), r["protocol"],
             _fmt(r["minutes"], " min"), _fmt(r["resting_rmssd_ms"], " ms"),
             _fmt(r["coherence"], "", 2), _stress_row(r["pre_rating"], r["post_rating"]))
            for i, r in enumerate(progress["sessions"])]
    if deidentify:
        progress = {**progress, "weeks": [{**w, "week": f"week {i + 1}"}
                                          for i, w in enumerate(progress["weeks"])]}
    weeks = [(str(w["week"]), str(w["sessions"]), _fmt(w["minutes"], " min"))
             for w in progress["weeks"]]
    trend = [("Sessions", str(len(rows))),
             ("Minutes practised", _fmt(progress["total_minutes"], " min", 0)),
             ("Resting RMSSD trend", rmssd_trend(progress["resting_rmssd_slope_ms_per_session"])),
             ("Stress, after vs before (mean)", stress_change(progress["mean_rating_change"]))]
    sections: list[Section] = [
        ("Course", trend, None),
        ("Sessions", rows, ("#", *(["date"] if dated else []), "protocol", "length",
                            "resting RMSSD", "coherence", "stress before → after")),
        ("Weeks", weeks, ("week", "sessions", "practised"))]
    who = "client" if deidentify else name
    return _document(f"Progress report — {who}", "resting RMSSD from each session's "
                     "baseline; coherence while paced", sections,
                     [figures.progress_figure(progress)] if rows else [], [], deidentify)
