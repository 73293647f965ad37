"""The district's summary read from the summary tables (consolidation/summary_tables.py) equals each
office's own monthly summary, for several months, as first consolidated and again after the next
packages: a few rows corrected, a household moving from one office to another (keeping its gid), an
office changing only its visit rules (a package with no record in it), and one changing only a matter
(a record without facts)."""

from __future__ import annotations

import datetime as dt

from commands._progress import consume
from gridoffice.activity import visits
from gridoffice.reports import monthly
from gridoffice.consolidation import consolidate, store, street_summary
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office
from tests import _street
from tests.test_street_summary import FIELDS

AT = dt.datetime(2026, 11, 30, 17, 0)
MONTHS = ("2026-10", "2026-08", "2026-03", "2025-12")


def _own(office, month):
    db = open_db(office.path)
    try:
        return monthly.monthly_summary(db, month, scope=whole_office("admin"))
    finally:
        db.close()


def _check(conn, offices):
    """Every month: each community's row is its office's own total, the month before's total the sum
    of theirs, and the district's total the sum of the rows."""
    for month in MONTHS:
        summary = street_summary.monthly_summary(conn, month)
        rows = {r.key: r for r in summary.grids}
        names = [name for _, name in summary.categories]
        owns = [_own(o, month) for o in offices]
        for office, own in zip(offices, owns):
            row = rows[office.card.uuid]
            for field in FIELDS:
                assert getattr(row, field) == getattr(own.total, field), (month, office.card.name, field)
            by_name = dict(zip(names, row.by_category))
            assert [by_name[name] for _, name in own.categories] == list(own.total.by_category), month
        for field in ("visits", "households_visited", "rule_households", "covered", "log_entries", "comments",
                      "received", "closed", "closed_on_time", "overdue", "evaluated", "satisfied"):
            assert getattr(summary.previous_total, field) == sum(getattr(o.previous_total, field) for o in owns), \
                (month, field)
        for field in FIELDS:
            if field in ("groups", "by_source"):
                assert getattr(summary.total, field) == tuple(map(sum, zip(*(getattr(o.total, field) for o in owns))))
            else:
                assert getattr(summary.total, field) == sum(getattr(o.total, field) for o in owns), (month, field)
    return street_summary.monthly_summary(conn, MONTHS[0])


def _row(db, table: str, where: str, params=()) -> list[dict]:
    cur = db.execute(f"SELECT * FROM {table} WHERE {where}", list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, values)) for values in cur.fetchall()]


def _move_household(source, target) -> str:
    """The last active household of `source` leaves it (with its members) and is registered in the
    first active grid of `target` under the same gid, as a household moving in keeps its global id."""
    db = open_db(source.path)
    try:
        [household] = _row(db, "households", "id = (SELECT max(id) FROM households WHERE status = 'active')")
        members = _row(db, "persons", "household_id = ? AND status = 'active'", [household["id"]])
    finally:
        db.close()
    _street.change(source.path, "UPDATE households SET status = 'moved_out' WHERE id = ?", [household["id"]])
    _street.change(source.path, "UPDATE persons SET status = 'moved_out' WHERE household_id = ?", [household["id"]])
    db = open_db(target.path)
    try:
        [grid] = db.execute("SELECT min(id) FROM org_units WHERE level = 'grid' AND status = 'active'").fetchone()
        with db.atomic():
            row = {k: v for k, v in household.items() if k != "id"} | {"org_id": grid, "number": "迁入-1"}
            new_id = db.execute(f"INSERT INTO households ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                                list(row.values())).lastrowid
            for member in members:
                values = {k: v for k, v in member.items() if k != "id"} | {"household_id": new_id}
                db.execute(f"INSERT INTO persons ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                           list(values.values()))
    finally:
        db.close()
    return household["gid"]


def test_the_district_summary_stays_each_offices_own_through_next_packages(tmp_path, pg_dsn):
    street = _street.make_street(tmp_path)
    offices = [_street.make_busy_office(tmp_path, street, seed=seed, households=30) for seed in (71, 72, 73)]
    with store.connect(pg_dsn) as conn:
        for o in offices:
            store.enroll(conn, uuid=o.card.uuid, division_code=o.card.division_code, name=o.card.name,
                         public_key=o.card.signing_key)

        def send(n: int, *, when: dt.datetime):
            path = _street.write_package(offices[n].path, tmp_path / f"{n}-{when:%d%H}.pkg", at=when)
            [outcome] = consume(consolidate.consolidate(conn, [path], [street.key]), quiet=True)
            assert outcome.outcome == "applied", outcome.message
            return outcome

        for n in range(3):
            send(n, when=AT)
        first = _check(conn, offices)
        assert first.total.visits and first.total.received and 0 < first.total.covered < first.total.rule_households

        # A month's corrections in the first office: a birth date, a voided visit, a tag ended, a
        # contact link ended, a withdrawn diary entry, a matter closed.
        for sql in ("UPDATE persons SET birth_date = '1940-01-01' WHERE id = (SELECT min(id) FROM persons "
                    "WHERE status = 'active')",
                    "UPDATE visit_households SET voided = 1 WHERE rowid = (SELECT min(rowid) FROM visit_households "
                    "WHERE voided = 0 AND visited_on >= '2026-10-01' AND visited_on < '2026-11-01')",
                    "UPDATE person_tags SET until = '2026-10-15' WHERE id = (SELECT min(id) FROM person_tags)",
                    "UPDATE contacts SET until = '2026-10-20' WHERE id = (SELECT min(id) FROM contacts "
                    "WHERE until IS NULL)",
                    "UPDATE log_entries SET status = 'withdrawn' WHERE id = (SELECT max(id) FROM log_entries "
                    "WHERE entry_date >= '2026-10-01' AND entry_date < '2026-11-01')",
                    "UPDATE matters SET closed_at = '2026-10-30 09:00:00', state = 'closed' WHERE id = (SELECT "
                    "min(id) FROM matters WHERE closed_at IS NULL AND received_at >= '2026-10-01')"):
            _street.change(offices[0].path, sql)
        gid = _move_household(offices[0], offices[1])
        later = AT + dt.timedelta(days=1)
        assert send(0, when=later).rows_changed > 6
        assert send(1, when=later).rows_changed > 1
        statuses = dict(conn.execute("SELECT office::text, data->>'status' FROM records_households WHERE gid = %s",
                                     [gid]).fetchall())
        assert statuses == {offices[0].card.uuid: "moved_out", offices[1].card.uuid: "active"}
        second = _check(conn, offices)
        assert [r.households for r in second.grids] != [r.households for r in first.grids]
        assert second.total.households == first.total.households

        # Only a visit rule changes in the third office: no record travels, its coverage must follow.
        db = open_db(offices[2].path)
        try:
            visits.set_visit_rule(db, 1, 7)
            visits.set_visit_rule(db, 3, 20)
        finally:
            db.close()
        send(2, when=later)
        third = _check(conn, offices)
        covered = {r.key: r.covered for r in second.grids}
        assert [r.covered != covered[r.key] for r in third.grids] == [r.key == offices[2].card.uuid
                                                                      for r in third.grids]

        # Only a matter's evaluation changes in the second office: matters have no facts, the summary
        # tables read them whole.
        db = open_db(offices[1].path)
        try:
            matter, month = db.execute(
                "SELECT id, substr(received_at, 1, 7) FROM matters WHERE satisfaction = 'satisfied' AND grid_id IN "
                "(SELECT id FROM org_units WHERE level = 'grid' AND status = 'active') ORDER BY received_at DESC, id "
                "LIMIT 1").fetchone()
        finally:
            db.close()
        before = {r.key: r.satisfied for r in street_summary.monthly_summary(conn, month).grids}
        _street.change(offices[1].path, "UPDATE matters SET satisfaction = 'unsatisfied' WHERE id = ?", [matter])
        send(1, when=later + dt.timedelta(days=1))
        _check(conn, offices)
        after = street_summary.monthly_summary(conn, month).grids
        assert [before[r.key] - r.satisfied for r in after] == [int(r.key == offices[1].card.uuid) for r in after]
        assert before[offices[1].card.uuid] - 1 == _own(offices[1], month).total.satisfied
