"""``biofeedback review``: see, accept and overrule the artifact decisions of a session."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .common import UserError, jsonable

if TYPE_CHECKING:
    from ..app.review import BeatReview

SESSION_HELP = "session folder, folder name, id (or its first 4+ characters), or 'latest'"


def add_parser(sub: argparse._SubParsersAction, parents: list) -> None:
    r = sub.add_parser("review", parents=parents, help="review a session's beats (artifacts)",
                       description="Open the beat review window of a session, or, with an "
                       "option, list or change its edits (edits.csv beside beats.csv, which "
                       "is never rewritten).")
    r.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    what = r.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true",
                      help="print the flagged beats and the edits as a table")
    what.add_argument("--accept-all", action="store_true",
                      help="confirm every automatic label as reviewed (adds edit rows)")
    what.add_argument("--reset", action="store_true", help="remove every edit")
    r.add_argument("--json", action="store_true", help="with --list: print JSON")
    r.set_defaults(func=run)


def _folder(args: argparse.Namespace) -> Path:
    from ..storage.folder import is_session_folder
    from ..storage.library import Library
    from ..storage.paths import data_dir

    if is_session_folder(args.session):
        return Path(args.session)
    with Library(data_dir(args.data_dir), create=False) as library:
        return Path(library.find_session(args.session))


def _rows(review: BeatReview) -> list[dict]:
    """Beats flagged automatically or edited, in time order (numbered from 1)."""
    import numpy as np

    from ..signal.edits import nearest_beat

    final = review.final
    edited = review.edited
    shown = np.flatnonzero((review.auto != "") | edited)
    e = review.edits
    # each beat's note: that of the last row naming it (rows match within the tolerance)
    beat_of_row = nearest_beat(review.t_s, e.t_s)
    note = dict(zip(beat_of_row.tolist(), e.note.tolist(), strict=True))
    return [{"beat": int(i) + 1, "t_s": float(review.t_s[i]), "rr_ms": float(review.rr_ms[i]),
             "detector": str(review.auto[i]) or "normal",
             "edit": (str(final[i]) or "normal") if edited[i] else "",
             "note": str(note.get(int(i), ""))} for i in shown]


def _print_list(review: BeatReview, as_json: bool) -> None:
    rows = _rows(review)
    s = review.summary()
    unmatched = review.unmatched()
    e = review.edits
    if as_json:
        print(json.dumps(jsonable({
            "folder": str(review.folder), "n_beats": int(review.t_s.size), "beats": rows,
            "edits": [{"t_s": float(t), "label": str(lab), "note": str(n),
                       "t_end_s": float(te)} for t, lab, n, te in
                      zip(e.t_s, e.label, e.note, e.t_end_s, strict=True)],
            "unmatched_edits": [int(i) for i in unmatched],
            "summary": {k: s[k] for k in ("rmssd_ms", "artifacts_pct", "corrected_beats",
                                          "edits_applied", "quality_grade")}}), indent=2))
        return
    flagged = int((review.auto != "").sum())
    print(f"{review.folder}: {review.t_s.size} beats, {flagged} flagged by the detector, "
          f"{len(e)} edit row(s), {s['edits_applied']} beat(s) labelled by hand")
    print(f"{'beat':>6}  {'t_s':>10}  {'rr_ms':>7}  {'detector':<8}  {'edit':<8}  note")
    for r in rows:
        print(f"{r['beat']:>6}  {r['t_s']:>10.3f}  {r['rr_ms']:>7.0f}  {r['detector']:<8}  "
              f"{r['edit'] or '-':<8}  {r['note']}")
    stretches = [(t, te) for t, te, lab in zip(e.t_s, e.t_end_s, e.label, strict=True)
                 if lab == "noise" and te == te]
    for t, te in stretches:
        print(f"noise stretch {t:.3f}-{te:.3f} s")
    for i in unmatched:
        print(f"edit row {i + 2} at {e.t_s[i]:.3f} s names no beat (none within 0.1 s): "
              "ignored")
    rmssd = s["rmssd_ms"]
    print(f"after review: RMSSD {rmssd:.1f} ms, " if rmssd == rmssd else "after review: ",
          end="")
    print(f"artifacts {s['artifacts_pct']:.1f} %, {s['corrected_beats']} corrected, "
          f"quality {s['quality_grade'].replace('_', ' ')}")


def run(args: argparse.Namespace) -> int:
    from ..app.review import load_review, save_edits
    from ..storage.edits import Edits

    if args.json and not args.list:
        raise UserError("--json goes with --list")
    folder = _folder(args)
    review = load_review(folder)
    if args.list:
        _print_list(review, args.json)
        return 0
    if args.reset or args.accept_all:
        edits = Edits.empty() if args.reset else review.accept_all()
        try:
            save_edits(review, edits)
        except OSError as exc:
            raise UserError(f"cannot write the edits of {folder}: {exc.strerror or exc}"
                            ) from None
        said = (f"removed {len(review.edits)} edit row(s)" if args.reset else
                f"accepted {len(edits) - len(review.edits)} automatic label(s)")
        print(f"{said} of {folder}", file=sys.stderr)
        return 0
    from ..ui.preflight import check

    verdict = check()  # before Qt is imported: Qt itself would abort
    if not verdict.ok:
        raise UserError(verdict.problem)
    from ..ui.review import run_review_window  # Qt only for the window

    return run_review_window(review)

