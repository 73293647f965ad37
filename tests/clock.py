"""The suite's clock: every run moves it a number of months ahead, so no test may rely on today.

`--clock-months N` travels N calendar months from the real date (0 keeps today); the default
`random` draws 1 to 60 months once per run. The session header prints the shift and how to repeat
it, and every xdist worker travels by the same shift. The clock keeps ticking: only Python's wall
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


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.clock_months = _months(config)
    if config.clock_months:
        real = dt.datetime.now().astimezone()
        config.clock_traveller = time_machine.travel(months_ahead(real, config.clock_months), tick=True)
        config.clock_traveller.start()


def pytest_unconfigure(config):
    traveller = getattr(config, "clock_traveller", None)
    if traveller is not None:
        traveller.stop()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput["clock_months"] = node.config.clock_months


def _clock_line(config) -> str:
    months = config.clock_months
    if not months:
        return "clock: today (--clock-months 0)"
    return (f"clock: moved {months} months ahead, to {dt.date.today().isoformat()} "
            f"(repeat with --clock-months {months})")


def pytest_report_header(config):
    return _clock_line(config)


def pytest_terminal_summary(terminalreporter, config):
    # Repeated at the end, where a failure is read, and shown under -q too.
    terminalreporter.write_line(_clock_line(config))
