"""A community rebuilt from the store answers the office's rules as the office file does: the
completeness check, the registers and the assessment's counts, on the same day."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from commands._progress import consume
from gridoffice.access import users
from gridoffice.archive import completeness, registers
from gridoffice.demo import activity
from gridoffice.reports import assessment
from gridoffice.consolidation import consolidate, package, replica, store, street_view
from gridoffice.consolidation.tables import TABLES
from gridoffice.store.db import open_db

from tests import _street

AT = dt.datetime(2026, 11, 2, 9, 0)
DAY = dt.date(2026, 11, 20)


@pytest.fixture
def community(tmp_path, pg_dsn):
    street = _street.make_street(tmp_path)
    office = _street.make_office(tmp_path, street, seed=41, households=12)
    db = open_db(office.path)
    consume(activity.add_activity(db, seed=41, today=_street.TODAY), quiet=True)  # a year of visits, logs, matters
    db.close()
    # Problems a clerk must fix, so the check has something to find: a shared ID number, a household
    # without a head, a sex that the ID number contradicts.
    _street.change(office.path, "UPDATE persons SET id_number = (SELECT id_number FROM persons WHERE id_number > '' "
                                "ORDER BY id LIMIT 1) WHERE id = (SELECT max(id) FROM persons WHERE id_number > '')")
    _street.change(office.path, "UPDATE persons SET relation = 'other' WHERE relation = 'head' AND household_id = "
                                "(SELECT max(id) FROM households)")
    _street.change(office.path, "UPDATE persons SET sex = CASE sex WHEN 'M' THEN 'F' ELSE 'M' END WHERE id = "
                                "(SELECT min(id) FROM persons WHERE id_number > '' AND status = 'active')")
    package = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    conn = store.connect(pg_dsn)
    store.enroll(conn, uuid=office.card.uuid, division_code=office.card.division_code, name=office.card.name,
                 public_key=office.card.signing_key, by="测试街道")
    consume(consolidate.consolidate(conn, [package], [street.key], by="测试街道"), quiet=True)
    built = replica.build(conn, office.card.uuid)
    db = open_db(office.path)
    yield db, built, office
    db.close()
    built.close()
    conn.close()


def _parts(message: str) -> tuple[str, ...]:
    return tuple(sorted(re.split("[、：，]", message)))


def test_the_completeness_check_finds_what_the_office_finds(community):
    db, built, office = community
    own = consume(completeness.completeness(db, DAY, scope=users.whole_office("测试员")), quiet=True)
    found = street_view.completeness(built, office.card.name, scope=street_view.scope_for("街道", admin=True), today=DAY)
    assert {"duplicate_id", "no_head", "id_mismatch"} <= {p.kind for p in own}
    # Local ids are not kept, so persons named in one sentence may come in another order.
    assert Counter((p.kind, _parts(street_view.masked(p.message))) for p in own) == Counter(
        (p.kind, _parts(p.message)) for p in found.problems)
    shared = next(p for p in own if p.kind == "duplicate_id")
    number = db.execute("SELECT id_number FROM persons WHERE id = ?", [shared.row_id]).fetchone()[0]
    assert number in shared.message
    # The street reads the sentence masked: no full number, birth dates by year and month only.
    texts = " ".join(p.message for p in found.problems)
    assert number not in texts and number[:3] + "*" * 14 + number[-1] in texts
    assert not street_view._DAY.search(texts)


def test_registers_and_archive_are_the_office_s_masked(community):
    db, built, _ = community
    scope = street_view.scope_for("街道", admin=True)
    office_scope = users.whole_office("测试", "leader")
    assert registers.counts(built, scope=scope, today=DAY) == registers.counts(db, scope=office_scope, today=DAY)
    elderly = street_view.register(built, "age:elderly_60", scope=scope, today=DAY)
    own = registers.rows(db, registers.person_ids(db, "age:elderly_60", scope=office_scope, today=DAY),
                         scope=office_scope, today=DAY)
    assert sorted((r.name, r.id_masked, r.household_number) for r in elderly) == sorted(
        (r.name, r.id_masked, r.household_number) for r in own.values())
    people = street_view.archive(built, scope=scope, today=DAY)
    numbers = [n for (n,) in db.execute("SELECT id_number FROM persons WHERE status = 'active' AND id_number > ''")]
    assert len(people) == db.execute("SELECT count(*) FROM persons WHERE status = 'active'").fetchone()[0]
    shown = " ".join(f"{r.id_masked} {r.phone_masked} {r.birth_date}" for r in people)
    assert numbers and not any(n in shown for n in numbers)


def test_street_staff_do_not_get_the_sensitive_registers(community):
    _, built, _ = community
    staff = street_view.scope_for("街道职员", admin=False)
    codes = {g.code for g in street_view.register_groups(built, staff)}
    assert "age:elderly_60" in codes and "disabled" not in codes and "low_income" not in codes
    assert "disabled" in {g.code for g in street_view.register_groups(built, street_view.scope_for("管", admin=True))}
    with pytest.raises(Exception, match="无权|不能|权限"):
        street_view.register(built, "disabled", scope=staff, today=DAY)


def test_the_assessment_counts_are_the_office_s_and_communities_rank_by_its_formula(community):
    db, built, office = community
    scope = street_view.scope_for("街道", admin=True)
    counts, staff = assessment.office_counts(built, 2026, scope=scope, today=DAY)
    assert (counts, staff) == assessment.office_counts(db, 2026, scope=users.whole_office("测试"), today=DAY)
    assert staff > 0 and counts[assessment.COUNT_FIELDS.index("visits")] > 0
    indicators = assessment.template(built)
    idle = tuple(0 for _ in counts)
    ranked = street_view.ranked([("甲社区", counts, staff), ("丁社区", counts, staff), ("丙社区", idle, staff)],
                                indicators)
    assert [(r.rank, r.community) for r in ranked] == [(1, "丁社区"), (1, "甲社区"), (3, "丙社区")]
    per = assessment.Assessed(0, "x", "x", tuple(c / staff for c in counts))
    assert ranked[0].score == round(assessment.total_score(per, indicators), 2) > 0 == ranked[2].score
    assert ranked[0].assessed.value("visits") == counts[0] / staff


def test_every_travelling_row_comes_back_as_it_travelled(community, pg_dsn):
    """Read from the replica in the package's own form, every row of every table hashes as the store's
    copy does: the references rebuilt through the gids point where the office's pointed."""
    _, built, office = community
    with store.connect(pg_dsn) as conn:
        held = _street.store_rows(conn, office.card.uuid)
    for table in TABLES:
        sql, names = package._select(built, table)
        rebuilt = {}
        for values in built.execute(sql):
            row = dict(zip(names, values))
            rebuilt[row["gid"]] = package.row_hash(row)
        assert rebuilt == held[table.name], table.name
    assert sum(len(held[t.name]) for t in TABLES) > 300


def test_building_reports_its_rows_and_stops_when_cancelled(community, pg_dsn, monkeypatch):
    """A big community takes a while: the build counts its rows as it goes and a stale request stops it
    between batches, leaving nothing behind."""
    _, _, office = community
    monkeypatch.setattr(replica, "BATCH", 50)
    with store.connect(pg_dsn, readonly=True) as conn:
        held = conn.execute("SELECT count(*) FROM records WHERE office = %s AND tbl = ANY(%s)",
                            [office.card.uuid, [t.name for t in TABLES]]).fetchone()[0]
        steps = replica.building(conn, office.card.uuid)
        seen = []
        while True:
            try:
                seen.append(next(steps))
            except StopIteration as done:
                built = done.value
                break
        assert built.execute("SELECT count(*) FROM persons").fetchone()[0] > 0
        built.close()
        done = [d for d, _, _ in seen]
        assert done == sorted(done) and done[0] == 0 and done[-1] == held
        assert {total for _, total, _ in seen} == {held} and len(seen) > 5
        assert all(message == f"正在读取社区“{office.card.name}”的数据……" for _, _, message in seen)

        asked = []

        def cancelled() -> bool:
            asked.append(1)
            return len(asked) > 3

        assert replica.build(conn, office.card.uuid, cancelled=cancelled) is None
        assert len(asked) == 4


def _small(rows: int):
    from gridoffice.store.db import memory_db

    db = memory_db()
    db.execute("CREATE TABLE filler (x TEXT)")
    db.conn.executemany("INSERT INTO filler VALUES (?)", [("行" * 200,)] * rows)
    return db


def _closed(db) -> bool:
    try:
        db.execute("SELECT 1")
    except Exception as exc:  # sqlite's ProgrammingError on a closed connection
        return "closed" in str(exc)
    return False


def test_the_window_keeps_only_the_replicas_it_used_last():
    kept = replica.Replicas(keep=2, keep_bytes=1 << 40)
    a, b, c = _small(10), _small(10), _small(10)
    kept.put("a", 1, a)
    kept.put("b", 1, b)
    assert kept.get("a", 1) is a  # used again: now the most recent
    kept.put("c", 1, c)
    assert kept.offices() == ["a", "c"] and _closed(b) and not _closed(a)
    assert kept.get("b", 1) is None
    # A community's newer package replaces its older replica at once.
    newer = _small(10)
    kept.put("a", 2, newer)
    assert kept.get("a", 1) is None and _closed(a) and kept.get("a", 2) is newer
    kept.close()
    assert _closed(newer) and _closed(c) and kept.offices() == []


def test_large_replicas_are_let_go_by_the_memory_they_take():
    big, bigger, small = _small(3000), _small(6000), _small(10)
    kept = replica.Replicas(keep=3, keep_bytes=replica.size(big) + replica.size(small))
    kept.put("big", 1, big)
    kept.put("bigger", 1, bigger)  # the one just built stays, whatever its size
    assert kept.offices() == ["bigger"] and _closed(big)
    kept.put("small", 1, small)
    assert kept.offices() == ["small"] and _closed(bigger)
    again = _small(3000)
    kept.put("big", 2, again)
    assert kept.offices() == ["small", "big"]
    kept.close()
