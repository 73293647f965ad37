"""The suite's clock: every run moves it a number of months ahead, so no test may rely on today.

`--clock-months N` travels N calendar months from the real date (0 keeps today); the default
`random` draws 1 to 60 months once per run. `--clock-date YYYY-MM-DD` travels to that day, to try
a year's turn or a leap day, or to repeat a failure seen on another day. The run prints the day it
ran on and how to repeat it, and every xdist worker travels to the same day. The clock keeps ticking: only Python's wall
clock moves (time-machine), not the monotonic clock that Qt's timers and pytest-qt's waits use.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random

import pytest
import time_machine

MAX_RANDOM_MONTHS = 60


def pytest_addoption(parser):
    parser.addoption(
        "--clock-months", default="random", metavar="N|random",
        help="move the suite's wall clock N calendar months ahead (0: today; random: 1 to "
             f"{MAX_RANDOM_MONTHS}, drawn once and printed)",
    )
    parser.addoption("--clock-date", default=None, metavar="YYYY-MM-DD",
                     help="run the suite on this day instead (the time of day stays the real one)")


def months_ahead(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months later, on the month's last day if it is shorter."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _months(config) -> int:
    given = getattr(config, "workerinput", {}).get("clock_months")
    if given is not None:
        return given
    value = config.getoption("clock_months")
    if value == "random":
        return random.SystemRandom().randint(1, MAX_RANDOM_MONTHS)
    try:
        months = int(value)
    except ValueError:
        raise pytest.UsageError(f"--clock-months takes a whole number or 'random', not {value!r}") from None
    if months < 0:
        raise pytest.UsageError("--clock-months moves the clock ahead: give 0 or more")
    return months


def _day(config) -> dt.date | None:
    given = getattr(config, "workerinput", {}).get("clock_date")
    value = given or config.getoption("clock_date")
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--clock-date takes a day as YYYY-MM-DD, not {value!r}") from None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.clock_months = _months(config)
    config.clock_date = _day(config)
    real = dt.datetime.now().astimezone()
    if config.clock_date is not None:
        target = dt.datetime.combine(config.clock_date, real.timetz())
    elif config.clock_months:
        target = months_ahead(real, config.clock_months)
    else:
        return
    config.clock_traveller = time_machine.travel(target, tick=True)
    config.clock_traveller.start()


def pytest_unconfigure(config):
    traveller = getattr(config, "clock_traveller", None)
    if traveller is not None:
        traveller.stop()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput["clock_months"] = node.config.clock_months
    if node.config.clock_date is not None:
        node.workerinput["clock_date"] = node.config.clock_date.isoformat()


def _clock_line(config) -> str:
    today = dt.date.today().isoformat()
    if config.clock_date is not None:
        return f"clock: on {today} (--clock-date {today})"
    if not config.clock_months:
        return f"clock: today, {today} (--clock-months 0)"
    return (f"clock: moved {config.clock_months} months ahead, to {today} "
            f"(repeat with --clock-date {today})")


def pytest_report_header(config):
    return _clock_line(config)


def pytest_terminal_summary(terminalreporter, config):
    # Repeated at the end, where a failure is read, and shown under -q too.
    terminalreporter.write_line(_clock_line(config))
