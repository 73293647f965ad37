"""The summary's typed facts (consolidation/facts.py) say what the records say, for the first package
of an office (copied straight in) and for a later one that changes some records (staged, only the
changed written), and the street's summary then equals the office's own."""

from __future__ import annotations

import datetime as dt

from commands._progress import consume
from gridoffice.demo import activity
from gridoffice.reports import monthly
from gridoffice.consolidation import consolidate, facts, store, street_summary
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office
from tests import _street
from tests.test_street_summary import FIELDS

AT = dt.datetime(2026, 11, 30, 17, 0)


def _from_records(conn, table: str) -> list[tuple]:
    fields = facts.FACTS[table]
    values = ", ".join(f"(data->>'{f}')::uuid" if f.endswith("_gid") else f"data->>'{f}'" for f in fields)
    return conn.execute(f"SELECT office, gid, {values} FROM records_{table} ORDER BY office, gid").fetchall()


def _facts(conn, table: str) -> list[tuple]:
    names = ", ".join(f'"{f}"' for f in facts.FACTS[table])
    return conn.execute(f"SELECT office, gid, {names} FROM facts_{table} ORDER BY office, gid").fetchall()


def test_facts_follow_the_records_through_a_later_package_and_the_summary_stays_exact(tmp_path, pg_dsn):
    street = _street.make_street(tmp_path)
    office = _street.make_office(tmp_path, street, seed=61, households=30)
    db = open_db(office.path)
    try:
        consume(activity.add_activity(db, seed=61, today=_street.TODAY), quiet=True)
    finally:
        db.close()
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    # A month's edits: a birth date corrected, a visit voided, a household moved out, a tag ended,
    # a contact link ended, a diary entry withdrawn.
    for sql in ("UPDATE persons SET birth_date = '1940-01-01' WHERE id = (SELECT min(id) FROM persons)",
                "UPDATE visit_households SET voided = 1 WHERE rowid = (SELECT min(rowid) FROM visit_households "
                "WHERE voided = 0 AND visited_on >= '2026-10-01' AND visited_on < '2026-11-01')",
                "UPDATE households SET status = 'moved_out' WHERE id = (SELECT max(id) FROM households)",
                "UPDATE person_tags SET until = '2026-10-15' WHERE id = (SELECT min(id) FROM person_tags)",
                "UPDATE contacts SET until = '2026-10-20' WHERE id = (SELECT min(id) FROM contacts)",
                "UPDATE log_entries SET status = 'withdrawn' WHERE id = (SELECT max(id) FROM log_entries "
                "WHERE entry_date >= '2026-10-01' AND entry_date < '2026-11-01')"):
        _street.change(office.path, sql)
    second = _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=1))
    with store.connect(pg_dsn) as conn:
        card = office.card
        store.enroll(conn, uuid=card.uuid, division_code=card.division_code, name=card.name,
                     public_key=card.signing_key)
        for path in (first, second):
            [outcome] = consume(consolidate.consolidate(conn, [path], [street.key]), quiet=True)
            assert outcome.outcome == "applied", outcome.message
            for table in facts.FACTS:
                assert _facts(conn, table) == _from_records(conn, table), table
        assert outcome.rows_changed == 7  # the six records, and the audit entry of the first package
        assert conn.execute("SELECT count(*) FROM facts_persons").fetchone()[0] > 60
        [row] = street_summary.monthly_summary(conn, "2026-10").grids
    db = open_db(office.path)
    try:
        own = monthly.monthly_summary(db, "2026-10", scope=whole_office("admin")).total
    finally:
        db.close()
    for field in FIELDS:
        assert getattr(row, field) == getattr(own, field), field
