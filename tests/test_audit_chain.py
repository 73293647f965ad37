"""The audit trail is append-only and chained: tampering is refused, and detected when forced."""

import sqlcipher3.dbapi2 as sqlite3

import pytest

import commands
from gridoffice.audit import trail, journal
from gridoffice.access.users import whole_office

AUDITOR = whole_office("测试员")  # a role that reads the audit trail


def _fill(db, n=5):
    with db.atomic():
        for i in range(n):
            trail.record(db, "update", "persons", i + 1, old={"name": "甲"}, new={"name": f"乙{i}"})


def _check(path, capsys):
    code = commands.run(["audit", "check", "--db", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_database_refuses_to_rewrite_history(db):
    _fill(db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET actor = 'x' WHERE id = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit WHERE id = 2")


def _tamper(db, sql):
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")
    db.execute(sql)
    db.conn.commit()


@pytest.mark.parametrize("sql, words", [
    ("UPDATE audit SET new = '{\"name\": \"丙\"}' WHERE id = 3", "第3条审计记录的内容被改动过"),
    ("DELETE FROM audit WHERE id = 3", "第4条审计记录与前一条的链接断开"),
    ("UPDATE audit SET actor = '别人' WHERE id = 5", "第5条审计记录的内容被改动过"),
])
def test_a_broken_chain_is_detected_and_named(db, sql, words, capsys):
    _fill(db)
    path = db.execute("PRAGMA database_list").fetchone()[2]
    code, out, _ = _check(path, capsys)
    assert code == 0 and "操作记录链完好：共 5 条" in out
    _tamper(db, sql)
    checked, problems = journal.check(db)
    # The dropped triggers are a problem of their own.
    assert checked == 5 - sql.startswith("DELETE") and len(problems) == 2 and words in problems[0]
    assert problems[1] == "操作记录的防删改保护被拆除过：记录可能被改动或删除了"
    code, _, err = _check(path, capsys)
    assert code == 1 and words in err and "发现 2 处问题" in err


def test_query_filters_by_actor_record_person_action_and_date(db):
    db.execute("INSERT INTO org_units(id, level, name, path, sort, status) VALUES(1, 'grid', '网格', '/1/', 0, 'active')")
    db.execute("INSERT INTO households(id, number, org_id) VALUES(1, 'H1', 1)")
    db.execute("INSERT INTO persons(id, household_id, name, relation) VALUES(7, 1, '甲', 'head')")
    db.execute("INSERT INTO person_tags(id, person_id, tag) VALUES(3, 7, 'disabled')")
    with db.atomic():
        trail.record(db, "update", "persons", 7, new={"name": "甲"})
        trail.record(db, "create", "person_tags", 3, new={"tag": "disabled"})
        trail.record(db, "update", "persons", 8, new={"name": "乙"})
    trail.set_actor(db, "李领导")
    journal.record_export(db, "roster", "/tmp/名册.xlsx", 120)
    journal.record_print(db, "service_card", 10)
    F = journal.Filter
    assert [e.row_id for e in journal.query(db, F(person_id=7), scope=AUDITOR)] == [3, 7]
    assert [e.action for e in journal.query(db, F(actor="李领导"), scope=AUDITOR)] == ["print", "export"]
    assert journal.query(db, F(action="export"), scope=AUDITOR)[0].new == {
        "kind": "roster", "path": "/tmp/名册.xlsx", "rows": 120, "unmasked": False}
    assert journal.count(db, F(table="persons", row_id=8), scope=AUDITOR) == 1
    today = trail.now()[:10]
    assert journal.count(db, F(date_from=today, date_to=today), scope=AUDITOR) == 5
    assert journal.count(db, F(date_to="2000-01-01"), scope=AUDITOR) == 0
    assert set(journal.actors(db, scope=AUDITOR)) == {"李领导", "测试员"}
    assert journal.action_label("reveal") == "查看完整号码" and journal.action_label("odd") == "odd"
