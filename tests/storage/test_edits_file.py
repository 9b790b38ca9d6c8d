"""``edits.csv``: read and written beside ``beats.csv``, private, atomic, one-line errors."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from biofeedback.storage.edits import (
    EDITS_FILE,
    Edits,
    EditsError,
    read_edits,
    read_overrides,
    write_edits,
)


def test_round_trip_private_and_atomic(tmp_path):
    edits = Edits.empty().with_row(12.345678901, "ectopic", 'strap, "moved"')
    edits = edits.with_row(30.0, "noise", "cable", t_end_s=42.5).with_row(50.25, "normal")
    os.umask(0o022)
    write_edits(tmp_path, edits)
    path = tmp_path / EDITS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [EDITS_FILE]  # no temporary left
    back = read_edits(tmp_path)
    assert back.t_s.tolist() == [12.345678901, 30.0, 50.25]
    assert back.label.tolist() == ["ectopic", "noise", "normal"]
    assert back.note.tolist() == ['strap, "moved"', "cable", ""]
    assert np.isnan(back.t_end_s[[0, 2]]).all() and back.t_end_s[1] == 42.5
    # a second row for the same beat replaces the first
    again = back.with_row(12.345678901, "normal", "fine after all")
    assert len(again) == 3 and again.label.tolist()[-1] == "normal"
    write_edits(tmp_path, Edits.empty())
    assert not path.exists() and read_overrides(tmp_path) is None


def test_header_order_free_and_optional_columns(tmp_path):
    (tmp_path / EDITS_FILE).write_text("label,t_s\nMISSED,3.5\n\nlong,7\n")
    e = read_edits(tmp_path)
    assert e.label.tolist() == ["missed", "long"] and e.t_s.tolist() == [3.5, 7.0]
    (tmp_path / EDITS_FILE).write_text("")
    assert len(read_edits(tmp_path)) == 0


@pytest.mark.parametrize("text, says", [
    ("t_s,label,note\n1.0,wobbly,\n", "line 2: label 'wobbly'"),
    ("t_s,label,note\n1.0,ectopic,\nabc,long,\n", "line 3: t_s 'abc' is not a number"),
    ("t_s,note\n1.0,x\n", "missing column label"),
    ("t_s,label,colour\n1.0,long,red\n", "unknown column colour"),
    ("t_s,label,note,t_end_s\n1.0,long,,4\n", "line 2: t_end_s is only for noise"),
    ("t_s,label,note,t_end_s\n5.0,noise,,4\n", "line 2: t_end_s is before t_s"),
    ("t_s,label,note\n-2,long,\n", "line 2: t_s must be a time"),
    ("t_s,label,note\n,long,\n", "line 2: t_s must be a time"),
    ("t_s,label,note\nnan,long,\n", "line 2: t_s must be a time"),
    ("t_s,label\n1.0,long,extra cell\n", "line 2: 3 cells"),
])
def test_malformed_file_is_one_line(tmp_path, text, says):
    (tmp_path / EDITS_FILE).write_text(text)
    with pytest.raises(EditsError) as info:
        read_edits(tmp_path)
    message = str(info.value)
    assert says in message and "\n" not in message and EDITS_FILE in message


def test_not_text(tmp_path):
    (tmp_path / EDITS_FILE).write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(EditsError, match="not UTF-8"):
        read_edits(tmp_path)
