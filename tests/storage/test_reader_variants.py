"""The RR reader asks NumPy's C reader for quotes and comments only where the text has them
(issue 13): every real recording reads the same through the layouts people's files come in
(CRLF, comments, blank lines, quoted cells), and trailing garbage is the same one-line error."""

from __future__ import annotations

import numpy as np
import pytest
from realdata import DATA

from biofeedback.storage.rrfiles import RecordingError, read_rr

RECORDINGS = sorted(p for p in DATA.glob("*/*")
                    if p.suffix in (".csv", ".txt", ".hrm") and not p.name.startswith("LICENSE"))


def variants(text: str, hrm: bool) -> dict[str, str]:
    lines = text.splitlines()
    out = {"crlf": "\r\n".join(lines) + "\r\n",
           "blank lines": "\n".join(lines[:3] + [""] + lines[3:]) + "\n\n"}
    if not hrm:
        out["comments"] = "# exported by hand\n" + "\n".join(
            lines[:2] + ["# a note"] + lines[2:]) + "\n"
    if not hrm and any(c.isalpha() and c not in "eE" for c in lines[0]):  # a header
        body = [",".join(f'"{c}"' for c in line.split(",")) if "," in line else line
                for line in lines]
        out["quoted cells"] = "\n".join(body) + "\n"
    return out


def same(a, b) -> None:
    np.testing.assert_array_equal(a.t_s, b.t_s)
    np.testing.assert_array_equal(a.rr_ms, b.rr_ms)
    assert a.n_dropped == b.n_dropped
    if a.beat_labels is not None and b.beat_labels is not None:
        np.testing.assert_array_equal(a.beat_labels, b.beat_labels)


@pytest.mark.skipif(not RECORDINGS, reason=f"no real recordings in {DATA}")
@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_recording_reads_the_same_in_every_layout(path, tmp_path):
    original = read_rr(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    for name, content in variants(text, original.format == "polar-hrm").items():
        copy = tmp_path / f"{name.replace(' ', '_')}{path.suffix}"
        copy.write_bytes(content.encode("utf-8"))
        try:
            same(read_rr(copy), original)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None


@pytest.mark.skipif(not RECORDINGS, reason=f"no real recordings in {DATA}")
@pytest.mark.parametrize("path", [p for p in RECORDINGS if p.suffix == ".csv"],
                         ids=lambda p: p.name)
def test_trailing_garbage_is_a_one_line_error(path, tmp_path):
    text = path.read_text()
    width = text.rstrip("\n").rsplit("\n", 1)[-1].count(",") + 1
    copy = tmp_path / path.name
    copy.write_text(text + ",".join(["end of export!!"] * width) + "\n")
    with pytest.raises(RecordingError) as caught:
        read_rr(copy)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(copy))
    assert "end of export!!" in message or "not a recognised RR format" in message
