"""Anchor codes, and the attacks of an insider with the file: a cut tail and a rewrite with recomputed links."""

import re

import pytest
from openpyxl import load_workbook

import commands
from gridoffice.audit import trail, anchors, journal
from gridoffice.store.db import open_db
from gridoffice.errors import ValidationError


def _fill(db, n=5):
    with db.atomic():
        for i in range(n):
            trail.record(db, "update", "persons", i + 1, old={"name": "甲"}, new={"name": f"乙{i}"})


def _path(db):
    return db.execute("PRAGMA database_list").fetchone()[2]


def _check(db, capsys, *codes):
    args = ["audit", "check", "--db", _path(db)]
    for code in codes:
        args += ["--anchor", code]
    code = commands.run(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _cut_tail(db, keep, *, cover_tracks):
    """Delete every entry after `keep`; with cover_tracks also restore the guards, sequence and head."""
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")
    db.execute("DELETE FROM audit WHERE id > ?", [keep])
    if cover_tracks:
        _cover_tracks(db)
    db.conn.commit()


def _cover_tracks(db):
    last_id, last_hash = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    db.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit'", [last_id])
    db.execute("UPDATE settings SET value = ? WHERE key = 'audit_head'", [f"{last_id} {last_hash}"])
    db.execute("CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit "
               "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END")
    db.execute("CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit "
               "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END")


def _rewrite(db, entry, new):
    """Change one entry and recompute every hash after it, as a careful forger would."""
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")
    db.execute("UPDATE audit SET new = ? WHERE id = ?", [new, entry])
    prev = trail.GENESIS
    for r in db.execute("SELECT id, at, actor, action, table_name, row_id, old, new FROM audit ORDER BY id").fetchall():
        digest = trail.digest(prev, *r[1:])
        db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, r[0]])
        prev = digest
    _cover_tracks(db)
    db.conn.commit()


def test_a_code_reads_back_however_a_clerk_types_it(db):
    _fill(db)
    head = anchors.head(db)
    code = head.code
    entry, *groups, check = code.split("-")
    assert entry == "5" and [len(g) for g in groups] == [4, 4, 4] and len(check) == 1
    assert anchors.parse(code) == head
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert anchors.parse(typed) == head
    assert anchors.parse(f"５－{code[2:]}") == head  # full-width, as a Chinese IME may type it
    assert anchors.of(0, trail.GENESIS).code == "0-0000-0000-0000-0"


def test_every_single_miscopied_character_is_caught(db):
    _fill(db, 3)
    code = anchors.head(db).code
    for i, ch in enumerate(code):
        if ch == "-":
            continue
        for other in anchors.ALPHABET:
            if other == ch:
                continue
            with pytest.raises(ValidationError, match="锚定码"):
                anchors.parse(code[:i] + other + code[i + 1:])
    with pytest.raises(ValidationError, match="格式不对"):
        anchors.parse("12-ABC")


def test_a_good_chain_holds_its_anchors_and_says_so(db, capsys):
    _fill(db, 3)
    early = anchors.head(db).code
    _fill(db, 4)
    code, out, _ = _check(db, capsys, early)
    assert code == 0
    assert f"锚定码 {early} 核对通过：第 3 条记录仍在、没有改动，其后 4 条链接完好。" in out
    assert f"当前锚定码：{anchors.head(db).code}" in out


def test_a_cut_tail_is_noticed_by_the_file_alone(db, capsys):
    """The issue's attack: drop the triggers, delete the last entries. It passed `audit check`."""
    _fill(db)
    _cut_tail(db, 3, cover_tracks=False)
    code, _, err = _check(db, capsys)
    assert code == 1
    assert "操作记录的防删改保护被拆除过" in err
    assert "操作记录的最后2条（第4至5条）被删除了" in err
    assert "文件记下的最后一条操作记录是第5条，但现在只到第3条：第4至5条被删除了" in err
    assert commands.run(["check", "--db", _path(db), "-q"]) == 1
    assert "审计记录：操作记录的最后2条（第4至5条）被删除了" in capsys.readouterr().out


def test_a_cut_tail_with_tracks_covered_is_caught_by_the_anchor(db, capsys):
    _fill(db)
    anchor = anchors.head(db).code
    _cut_tail(db, 3, cover_tracks=True)
    assert _check(db, capsys)[0] == 0  # the file alone cannot tell any more
    code, _, err = _check(db, capsys, anchor)
    assert code == 1
    assert (f"锚定码 {anchor} 指向第5条审计记录，但文件里的记录只到第3条：第4条及以后的记录被删除了，"
            "或这份文件是锚定之前的备份") in err


def test_a_rewrite_with_recomputed_links_is_caught_by_the_anchor(db, capsys):
    """The issue's attack: a full rewrite with recomputed SHA-256 links passed `audit check`."""
    _fill(db)
    anchor = anchors.head(db).code
    _fill(db, 2)
    _rewrite(db, 2, '{"name": "丙"}')
    assert journal.check(db)[1] == []  # every link is consistent again
    code, _, err = _check(db, capsys, anchor)
    assert code == 1
    assert f"锚定码 {anchor} 对应的第5条审计记录与锚定时不同：这条或更早的记录被改写过" in err
    assert "发现 1 处问题" in err


def test_a_mistyped_anchor_is_refused_before_checking(db, capsys):
    _fill(db)
    code, _, err = _check(db, capsys, "5-AAAA-BBBB-CCCC-D")
    assert code == 2 and "校验位不对" in err


def _footer_anchor(path):
    wb = load_workbook(path)
    codes = set()
    for ws in wb.worksheets:
        found = re.search(r"操作记录锚定码：(\S+)", ws.oddFooter.center.text or "")
        assert found, ws.title
        codes.add(found.group(1))
    assert len(codes) == 1
    return codes.pop()


def test_the_summary_and_the_notice_carry_the_anchor_that_later_exposes_a_rewrite(small_office, tmp_path, capsys):
    path = _path(small_office)
    _fill(small_office, 3)
    head = anchors.head(small_office).code
    small_office.close()
    summary, notice = tmp_path / "汇总.xlsx", tmp_path / "公示.xlsx"
    for kind, out in (("summary", summary), ("notice", notice)):
        assert commands.run(["export", kind, "--db", path, "--month", "2026-10", "-o", str(out), "-q"]) == 0
    printed = _footer_anchor(summary)
    # The command's log-in is the one entry between the head before and the summary's anchor.
    db = open_db(path)
    login = db.execute("SELECT id, hash FROM audit WHERE action = 'login' ORDER BY id LIMIT 1").fetchone()
    db.close()
    assert login[0] == int(head.split("-")[0]) + 1
    assert printed == anchors.of(*login).code and _footer_anchor(notice) != printed  # an export came between
    db = open_db(path)
    try:
        _rewrite(db, 1, '{"kind": "quietly changed"}')
    finally:
        db.close()
    capsys.readouterr()
    assert commands.run(["audit", "check", "--db", path]) == 0
    assert commands.run(["audit", "check", "--db", path, "--anchor", printed]) == 1
    assert f"锚定码 {printed} 对应的第" in capsys.readouterr().err


def test_an_anchor_from_before_a_restore_points_to_the_file_kept_aside(tmp_path, capsys):
    import datetime as dt

    from gridoffice.store import backup, opening

    path = tmp_path / "office.db"
    with opening.OpenOffice(path) as office:
        trail.set_actor(office.db, "测试员")
        _fill(office.db, 3)
    taken = backup.backup_now(path, now=dt.datetime(2026, 3, 1, 9)).backup.path
    with opening.OpenOffice(path) as office:
        trail.set_actor(office.db, "测试员")
        _fill(office.db, 4)
        printed = anchors.head(office.db).code  # on a summary, a week after the backup
    kept = backup.restore(path, taken).kept_aside
    code = commands.run(["audit", "check", "--db", str(path), "--anchor", printed])
    err = capsys.readouterr().err
    assert code == 1
    assert (f"但第4条记录表明文件在" in err and f"用备份“{taken.name}”恢复过，此锚定码可能印于恢复之前："
            f"恢复前的文件另存为“{kept.name}”，请用此锚定码核对那份文件") in err
    assert commands.run(["audit", "check", "--db", str(kept), "--anchor", printed]) == 0


def test_a_cut_tail_is_noticed_when_the_guards_step_is_struck_from_the_migrations(db, capsys):
    """An insider who cuts the tail and deletes the row naming the migration that added the guards
    made the file pass as one from before the guards: check then read nothing."""
    _fill(db)
    _cut_tail(db, 3, cover_tracks=False)
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_audit_sequence'")
    db.conn.commit()
    code, _, err = _check(db, capsys)
    assert code == 1
    assert "操作记录的防删改保护曾经装好，记下它的升级步骤却被删除了" in err
    assert "操作记录的最后2条（第4至5条）被删除了" in err


def test_an_anchor_of_the_empty_trail_must_name_its_start(db, capsys):
    """Entry 0 is the start of every trail, so only its own code holds; any other `0-...` code was
    reported as holding."""
    _fill(db)
    assert _check(db, capsys, anchors.of(0, trail.GENESIS).code)[0] == 0
    forged = anchors.Anchor(0, 12345).code
    code, _, err = _check(db, capsys, forged)
    assert code == 1
    assert f"锚定码 {forged} 不是空操作记录的锚定码" in err
