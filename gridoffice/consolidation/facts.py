"""Typed copies of the few fields the street's monthly summary reads (through each office's summary
counts, `summary_tables.py`), kept by `consolidate` in the same transaction as the records they come
from.

The summary adds up every community at once: millions of visits, persons and diary links. Read out
of `records.data` (jsonb, the whole row) each field is found and copied per row, and every scan
reads the whole rows; here each table the summary joins has a narrow table of its own
(`facts_persons` …) holding the record's office and gid and, per field, exactly `data->>'field'`
(a reference `x_gid` as a uuid, every other field as text in byte order, `COLLATE "C"`, as SQLite
compares it), so a query over them means what the same query over `data` meant.

They are derived, never sent: a record's facts are written whenever the record is (`write`), from
the row PostgreSQL holds, and a store made before them fills them once (store step m005).
"""

from __future__ import annotations

import psycopg

# office table -> its fields the summary reads (a name ending in _gid is a reference: uuid).
FACTS: dict[str, tuple[str, ...]] = {
    "org_units": ("grid_gid", "level", "status"),
    "households": ("org_gid", "status", "contact_class", "created_at"),
    "persons": ("household_gid", "status", "birth_date"),
    "person_tags": ("person_gid", "tag", "until"),
    "contacts": ("household_gid", "since", "until"),
    "visits": ("status",),
    "visit_households": ("visit_gid", "household_gid", "voided", "visited_on"),
    "log_entries": ("status", "entry_date"),
    "log_households": ("entry_gid", "household_gid"),
    "log_comments": ("entry_gid",),
}
# Looked up by a range of days: the month's visits.
_INDEXES = ("CREATE INDEX facts_visit_households_day ON facts_visit_households (visited_on)",)


def _type(field: str) -> str:
    return "uuid" if field.endswith("_gid") else 'text COLLATE "C"'


def _value(field: str) -> str:
    return f"(r.data->>'{field}')::uuid" if field.endswith("_gid") else f"r.data->>'{field}'"


def create(cur: psycopg.Cursor) -> None:
    """The tables, keyed like the records (office, gid)."""
    for table, fields in FACTS.items():
        columns = ", ".join(f'"{f}" {_type(f)}' for f in fields)
        cur.execute(f"CREATE TABLE facts_{table} (office uuid NOT NULL, gid uuid NOT NULL, {columns}, "
                    "PRIMARY KEY (office, gid))")
    for sql in _INDEXES:
        cur.execute(sql)


def write(conn: psycopg.Connection | psycopg.Cursor, office: str | None, changed: str | None = None) -> int:
    """Writes the facts of an office's records (None: every office's): all of them where it has none
    yet, or only those named in the temporary table `changed` (tbl, gid), replacing what is held.
    Returns how many facts were new or different (a record changed in no field of these, none)."""
    written = 0
    for table, fields in FACTS.items():
        names = [f'"{f}"' for f in fields]
        where, params = [], []
        if office is not None:
            where.append("r.office = %s")
            params.append(office)
        if changed is not None:  # by the records' key, table included
            where.append(f"r.tbl = %s AND r.gid IN (SELECT gid FROM {changed} WHERE tbl = %s)")
            params += [table, table]
        excluded = ", ".join(f"EXCLUDED.{n}" for n in names)
        conflict = (f" ON CONFLICT (office, gid) DO UPDATE SET ({', '.join(names)}) = ROW({excluded}) "
                    f"WHERE ({', '.join(f'facts_{table}.{n}' for n in names)}) IS DISTINCT FROM ({excluded})"
                    if changed is not None else "")
        # In key order: each leaf page of the primary key is filled while it is at hand rather than
        # revisited at random (a quarter less of PostgreSQL's processor for an office's first package).
        written += conn.execute(
            f"INSERT INTO facts_{table} (office, gid, {', '.join(names)}) "
            f"SELECT r.office, r.gid, {', '.join(_value(f) for f in fields)} FROM records_{table} r"
            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY r.office, r.gid" + conflict,
            params).rowcount
    return written

