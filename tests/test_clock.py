"""The suite's own clock (tests/clock.py): every run moves it ahead, by the months printed."""

import datetime as dt

import pytest
from time_machine import escape_hatch

from tests.clock import months_ahead


@pytest.mark.parametrize(("start", "months", "expected"), [
    (dt.datetime(2026, 12, 4, 9, 30), 0, dt.datetime(2026, 12, 4, 9, 30)),
    (dt.datetime(2026, 12, 4, 9, 30), 1, dt.datetime(2027, 1, 4, 9, 30)),
    (dt.datetime(2027, 1, 31), 1, dt.datetime(2027, 2, 28)),
    (dt.datetime(2027, 1, 31), 13, dt.datetime(2028, 2, 29)),
    (dt.datetime(2026, 8, 31), 4, dt.datetime(2026, 12, 31)),
    (dt.datetime(2026, 3, 15), 60, dt.datetime(2031, 3, 15)),
])
def test_months_ahead_keeps_the_day_or_takes_the_months_last(start, months, expected):
    assert months_ahead(start, months) == expected


def test_the_wall_clock_is_moved_by_the_months_the_run_printed(request):
    if not request.config.clock_months or request.config.clock_date:
        pytest.skip("the run keeps today's date or was given a day")
    real = dt.datetime.fromtimestamp(escape_hatch.time.time())
    moved = months_ahead(real, request.config.clock_months)
    # A few seconds may pass between the two readings; a day's turn in between is the only slack.
    assert dt.date.today() in (moved.date(), (moved - dt.timedelta(seconds=5)).date())
    assert abs(dt.datetime.now() - moved) < dt.timedelta(seconds=5)


def test_a_given_day_is_the_day_of_the_whole_run(request):
    if request.config.clock_date is None:
        pytest.skip("no --clock-date given")
    assert dt.date.today() == request.config.clock_date
