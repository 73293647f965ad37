"""The street's ledger: every package offered (applied, already applied, refused and why) and the
offices that have sent nothing for too long. Reads only; the ledger is written by consolidate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg

OUTCOME_LABELS = {"applied": "已导入", "already": "重复，未改动", "refused": "拒收"}
# A community reports monthly; a month and a week without a package is overdue.
OVERDUE_DAYS = 38


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
    last_applied_at: dt.datetime | None


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


def overdue(conn: psycopg.Connection, *, at: dt.datetime, days: int = OVERDUE_DAYS) -> list[Late]:
    """Enrolled offices with no package applied within `days` before `at` (never sent counts from
    enrolment), the longest silent first."""
    rows = conn.execute(
        "SELECT uuid::text, name, division_code, last_sequence, last_applied_at FROM offices "
        "WHERE coalesce(last_applied_at, enrolled_at) < %s ORDER BY coalesce(last_applied_at, enrolled_at), name",
        [at - dt.timedelta(days=days)]).fetchall()
    return [Late(*row) for row in rows]
