"""Every released schema migrates to the current one, and a copy is kept before it does."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from gridoffice.audit import anchors, journal
from gridoffice.store import officefile
from gridoffice.store.db import connect, open_db, pending_migrations, raw_connect
from gridoffice.store.schema import migrations

FIXTURES = Path(__file__).parent / "fixtures"
RELEASED = sorted(FIXTURES.glob("schema-v*.db"))


def table_counts(path):
    conn = sqlite3.connect(path)
    try:
        return {
            name: conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                "('org_units', 'households', 'persons', 'staff', 'contacts', 'audit')"
            )
        }
    finally:
        conn.close()


@pytest.mark.parametrize("frozen", RELEASED, ids=[p.stem for p in RELEASED])
def test_a_released_file_migrates_and_keeps_its_records(frozen, tmp_path):
    path = tmp_path / "office.db"
    shutil.copy(frozen, path)
    before = table_counts(path)
    db = open_db(path)
    try:
        assert pending_migrations(db) == []
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        after = {name: db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in before}
        # The trail keeps every entry and its links, now guarded by the sequence and the recorded head.
        assert journal.check(db) == (before["audit"], [])
        head = anchors.head(db)
        assert db.execute("SELECT value FROM settings WHERE key = 'audit_head'").fetchone()[0].startswith(
            f"{head.entry} ") and head.entry == before["audit"]
        identity = officefile.identity_of(db.conn)
    finally:
        db.close()
    assert after == before and before["persons"] > 0
    assert len(identity.uuid) == 36 and identity == officefile.read_identity(path)


def test_a_copy_is_taken_before_pending_migrations_run(tmp_path):
    names = [m.name for m in migrations._migrations]
    path = tmp_path / "office.db"
    old = connect(path)
    migrations.apply(old, stop_before=names[-1])
    old.execute("INSERT INTO settings(key, value) VALUES('office_name', '测试社区')")
    old.conn.commit()
    old.close()

    db = open_db(path)
    db.close()
    copies = list(tmp_path.glob(f"office.before-{names[-1]}-*.db"))
    assert len(copies) == 1
    saved = raw_connect(copies[0])
    assert saved.execute("SELECT value FROM settings WHERE key = 'office_name'").fetchone() == ("测试社区",)
    assert {r[0] for r in saved.execute("SELECT name FROM _sqlite_migrations")} == set(names[:-1])
    saved.close()


def test_a_new_file_needs_no_copy(tmp_path):
    db = open_db(tmp_path / "new.db")
    db.close()
    assert [p.name for p in tmp_path.iterdir() if ".before-" in p.name] == []


def test_the_sources_rules_step_renames_the_category_and_makes_open_on_the_spot_matters_due_that_day(tmp_path):
    path = tmp_path / "office.db"
    old = connect(path)
    migrations.apply(old, stop_before="m008_rules_as_the_sources_state_them")
    farming = old.execute("SELECT id FROM matter_categories WHERE name = '农业生产和建设'").fetchone()[0]
    for number, grade, due_at in (("2026-11-0001", "on_spot", "2026-11-21 09:00:00"),
                                  ("2026-11-0002", "on_spot", None), ("2026-11-0003", "urgent", "2026-11-20 11:00:00")):
        old.execute("INSERT INTO matters(number, received_at, source, category_id, grade, state, title, respond_due, "
                    "resolve_due, due_at) VALUES(?, '2026-11-20 09:00:00', 'walk_in', ?, ?, 'received', '路灯不亮', "
                    "'2026-11-20 11:00:00', '2026-11-21 09:00:00', ?)", [number, farming, grade, due_at])
    old.conn.commit()
    old.close()
    db = open_db(path)
    try:
        assert db.execute("SELECT name FROM matter_categories WHERE id = ?", [farming]).fetchone()[0] == "农业生产建设"
        rows = db.execute("SELECT number, respond_due, resolve_due, due_at FROM matters ORDER BY number").fetchall()
    finally:
        db.close()
    assert rows == [
        ("2026-11-0001", "2026-11-20 23:59:59", "2026-11-20 23:59:59", "2026-11-20 23:59:59"),
        ("2026-11-0002", "2026-11-20 11:00:00", "2026-11-21 09:00:00", None),  # closed: its history stays
        ("2026-11-0003", "2026-11-20 11:00:00", "2026-11-21 09:00:00", "2026-11-20 11:00:00"),
    ]


def test_open_matters_get_their_standard_promise_and_a_place_for_the_residents_score(tmp_path):
    path = tmp_path / "office.db"
    old = connect(path)
    migrations.apply(old, stop_before="m009_promise_and_resident_score")
    for number, grade, due_at, promise in (("2026-11-0001", "urgent", "2026-11-20 11:00:00", ""),
                                           ("2026-11-0002", "urgent", "2026-11-20 11:00:00", "周五前修好"),
                                           ("2026-11-0003", "urgent", None, "")):
        old.execute("INSERT INTO matters(number, received_at, source, category_id, grade, state, title, respond_due, "
                    "resolve_due, due_at, promise) VALUES(?, '2026-11-20 09:00:00', 'walk_in', 1, ?, 'received', "
                    "'路灯不亮', '2026-11-20 11:00:00', '2026-11-21 09:00:00', ?, ?)", [number, grade, due_at, promise])
    old.conn.commit()
    old.close()
    db = open_db(path)
    try:
        rows = db.execute("SELECT number, promise, promise_date, resident_score FROM matters ORDER BY number").fetchall()
    finally:
        db.close()
    assert rows == [("2026-11-0001", "按时限于2026-11-21前办结并答复居民", "2026-11-21", None),
                    ("2026-11-0002", "周五前修好", None, None), ("2026-11-0003", "", None, None)]
