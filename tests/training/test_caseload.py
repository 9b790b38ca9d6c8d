"""The caseload's figures and flags from made-up session values (training/caseload.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from biofeedback.training import caseload as cl
from biofeedback.training.caseload import CaseSession, client_caseload

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def _days_ago(*days: float, **values) -> list[CaseSession]:
    return [CaseSession(NOW - timedelta(days=d), 20.0, **values) for d in days]


def _resting(values, gap_days=1.0) -> list[CaseSession]:
    n = len(values)
    return [CaseSession(NOW - timedelta(days=gap_days * (n - i)), 20.0, resting_rmssd_ms=v)
            for i, v in enumerate(values)]


def test_sessions_and_minutes_in_the_last_7_and_28_days():
    row = client_caseload("A", "a", _days_ago(0.5, 3, 6.9, 7.1, 20, 27.9, 28.1, 60), NOW)
    assert (row.sessions_7d, row.minutes_7d) == (3, 60.0)
    assert (row.sessions_28d, row.minutes_28d) == (6, 120.0)
    assert row.n_sessions == 8 and row.days_since_last == pytest.approx(0.5)
    assert row.last_session == (NOW - timedelta(days=0.5)).isoformat(timespec="seconds")


@pytest.mark.parametrize("days, stopped", [(0.1, False), (6.9, False), (7.01, True),
                                           (30, True)])
def test_practice_stopped_after_a_week_without_a_session(days, stopped):
    row = client_caseload("A", "a", _days_ago(days, days + 1, days + 2), NOW)
    assert (cl.PRACTICE_STOPPED in row.flags) is stopped
    if stopped:
        assert f"{days:.0f} days" in cl.flag_texts(row)[0]


def test_a_client_without_sessions_is_listed_unflagged():
    row = client_caseload("New", "new", [], NOW)
    assert row.n_sessions == 0 and row.last_session is None and row.flags == []
    assert row.resting_rmssd_trend_ms_per_session is None


@pytest.mark.parametrize("values, falling", [
    ([40, 38, 35, 32], True),            # three falls, 20 %
    ([50, 40, 38, 35, 32], True),        # only the last three changes count
    ([40, 39.5, 39, 38.5], False),       # three falls within daily noise (< 10 %)
    ([40, 38, 39, 32], False),           # a rise in between
    ([38, 35, 32], False),               # two falls only
    ([32, 35, 38, 40], False),           # rising
    ([40, 40, 40, 40], False),
])
def test_resting_rmssd_falling_needs_three_falls_in_a_row_and_ten_percent(values, falling):
    row = client_caseload("A", "a", _resting(values), NOW)
    assert (cl.RMSSD_FALLING in row.flags) is falling
    assert row.resting_rmssd_ms == values[-1]


def test_sessions_without_a_resting_value_do_not_break_a_run():
    sessions = _resting([40, None, 37, None, 34, 30])
    assert cl.RMSSD_FALLING in client_caseload("A", "a", sessions, NOW).flags


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trends_are_least_squares_slopes_over_the_last_eight(seed):
    rng = np.random.default_rng(seed)
    values = list(30 + 0.7 * np.arange(12) + rng.normal(0, 2, 12))
    row = client_caseload("A", "a", _resting(values), NOW)
    expected = np.polyfit(np.arange(8), values[-8:], 1)[0]
    assert row.resting_rmssd_trend_ms_per_session == pytest.approx(expected)


def test_no_trend_from_two_values():
    assert cl.trend_per_session([30.0, 40.0]) is None
    assert cl.trend_per_session([30.0, None, 40.0, 50.0]) == pytest.approx(10.0)


def test_stress_ratings_over_28_days():
    sessions = (_days_ago(1, 2, pre_rating=7, post_rating=3)
                + _days_ago(3, pre_rating=5) + _days_ago(40, pre_rating=10, post_rating=0))
    row = client_caseload("A", "a", sessions, NOW)
    assert row.stress_before_28d == pytest.approx((7 + 7 + 5) / 3)
    assert row.stress_after_28d == 3.0 and row.stress_change_28d == -4.0


def test_undated_sessions_give_no_recency_and_no_practice_flag():
    sessions = [CaseSession(None, 10.0, resting_rmssd_ms=v, pre_rating=6, post_rating=4)
                for v in (40, 36, 33, 30)]
    row = client_caseload("anon-1", "anon-1", sessions, NOW)
    assert not row.dated and row.last_session is None and row.days_since_last is None
    assert row.sessions_7d == 0 and cl.PRACTICE_STOPPED not in row.flags
    assert cl.RMSSD_FALLING in row.flags and row.stress_change_28d == -2.0


def test_flagged_clients_come_first():
    rows = cl.caseload([("Zoe", "z", _days_ago(20)), ("Al", "a", _days_ago(1)),
                        ("Bo", "b", _days_ago(1))], NOW)
    assert [r.client for r in rows] == ["Zoe", "Al", "Bo"]


def test_the_module_takes_values_and_imports_no_storage():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(cl))
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in modules if "storage" in m or m.startswith(".")], modules
