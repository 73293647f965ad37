import sqlcipher3.dbapi2 as sqlite3

import pytest

from gridoffice.audit import trail


def test_record_keeps_only_changed_fields_and_chains(db):
    with db.atomic():
        trail.record(db, "update", "persons", 7, old={"phone": "1", "name": "甲"}, new={"phone": "2", "name": "甲"})
        trail.record(db, "update", "persons", 7, old={"phone": "2"}, new={"phone": "3"})
    entries = trail.history(db, "persons", 7)
    assert [e.new for e in entries] == [{"phone": "3"}, {"phone": "2"}]
    assert entries[-1].old == {"phone": "1"}
    assert entries[0].actor == "测试员"
    problems = [p for _, _, p in trail.verify(db) if p]
    assert problems == []


def test_the_rows_own_time_stamp_is_not_a_change(db):
    with db.atomic():
        trail.record(db, "update", "persons", 7, old={"phone": "1", "updated_at": "2026-11-22 08:00:00"},
                     new={"phone": "2", "updated_at": "2026-11-22 08:00:01"})
    assert trail.history(db, "persons", 7)[0].new == {"phone": "2"}


def test_audit_rows_cannot_be_changed_or_deleted(db):
    with db.atomic():
        trail.record(db, "create", "households", 1, new={"number": "001"})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET actor = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit")


def test_a_tampered_entry_is_detected(db):
    with db.atomic():
        for n in range(3):
            trail.record(db, "create", "households", n, new={"n": n})
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("UPDATE audit SET new = '{\"n\": 9}' WHERE row_id = 1")
    problems = [p for _, _, p in trail.verify(db) if p]
    assert problems == ["第2条审计记录的内容被改动过", "操作记录的防删改保护被拆除过：记录可能被改动或删除了"]


def test_change_and_trace_roll_back_together(db):
    with pytest.raises(RuntimeError):
        with db.atomic():
            db.execute("INSERT INTO settings(key, value) VALUES('office_name', 'x')")
            trail.record(db, "setting", "settings", None, new={"office_name": "x"})
            raise RuntimeError("power cut")
    assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == 0
    assert db.execute("SELECT key FROM settings").fetchall() == [("office_uuid",)]
