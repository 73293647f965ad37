"""The street's ledger: every package offered (applied, already applied, refused and why) and the
offices that have sent nothing for too long. Reads only; the ledger is written by consolidate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg

OUTCOME_LABELS = {"applied": "已导入", "already": "重复，未改动", "refused": "拒收"}


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    actor: str
    file_name: str
    office_name: str | None
    sequence: int | None
    outcome: str
    reason: str
    rows_changed: int


@dataclass(frozen=True)
class Late:
    uuid: str
    name: str
    division_code: str
    last_sequence: int
    last_made_at: dt.datetime | None  # the office's time of its last package applied; None: never sent
    months_missed: int  # whole calendar months since then (since enrolment when never sent) with no package


def entries(conn: psycopg.Connection, *, limit: int = 200, office: str | None = None,
            refused_only: bool = False) -> list[Entry]:
    """The newest entries first."""
    where, params = [], []
    if office:
        where.append("office = %s")
        params.append(office)
    if refused_only:
        where.append("outcome = 'refused'")
    sql = ("SELECT at, actor, file_name, office_name, sequence, outcome, coalesce(reason, ''), "
           "coalesce(rows_changed, 0) FROM ledger " + (f"WHERE {' AND '.join(where)} " if where else "")
           + "ORDER BY id DESC LIMIT %s")
    return [Entry(*row) for row in conn.execute(sql, [*params, limit]).fetchall()]


def period_start(day: dt.date) -> dt.date:
    """The first day of the reporting period before the one `day` lies in: the previous calendar month.
    The sources report monthly (the monthly summary, the archives filed each month), so every whole
    calendar month must hold a package: one made on the 28th for its month and one made on the 3rd
    for the month before are both on time."""
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def overdue(conn: psycopg.Connection, *, at: dt.datetime) -> list[Late]:
    """Enrolled offices that made no package applied here in the last whole calendar month before `at`
    (one never sent counts from its enrolment), the longest silent first. A package counts by the
    time the office made it, so a package handed in late still covers the month it was made in."""
    day = at.astimezone().date() if at.tzinfo else at.date()
    since = period_start(day)
    rows = conn.execute(
        "SELECT uuid::text, name, division_code, last_sequence, last_package_made_at, "
        "coalesce(last_package_made_at, enrolled_at) FROM offices "
        "WHERE coalesce(last_package_made_at, enrolled_at) < %s "
        "ORDER BY coalesce(last_package_made_at, enrolled_at), name",
        [dt.datetime.combine(since, dt.time(), tzinfo=dt.datetime.now().astimezone().tzinfo)]).fetchall()
    return [Late(*row[:5], _months_between(row[5].astimezone().date(), day) - 1) for row in rows]
