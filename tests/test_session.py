"""Issue 21's attacks on the file and the log-in: someone with a copy of the file, and someone at the PC
without an account (THREATS.md rows 1 and 2). Offices here are made the way the program makes them,
through `generate` or gridoffice.access.session, with real key files and passwords."""

import datetime as dt
import hashlib
import io
import os
import re
import stat

import pytest
import sqlcipher3.dbapi2 as sqlite3

import commands
from gridoffice import idcard
from gridoffice.access import keys, session, users
from gridoffice.audit import trail, journal
from gridoffice.store import backup, officefile
from gridoffice.store.db import connect, is_plain
from gridoffice.store.schema import migrations
from gridoffice.access.users import whole_office

AUDITOR = whole_office("测试员")  # a role that reads the audit trail

PASSWORD = "demo1234"
DIGIT_RUN = re.compile(rb"\d{17,}[\dX]?")


def _looks_like_an_id(data: bytes) -> bool:
    """An 18-character run with a valid check character and birth date: random hex in a key file or a
    backup's manifest holds 18 digits in a row now and then, a real ID number always passes both."""
    for run in DIGIT_RUN.finditer(data):
        text = run.group().decode()
        for start in range(len(text) - 17):
            candidate = text[start:start + 18]
            if idcard.check_char(candidate[:17]) != candidate[17]:
                continue
            try:
                dt.date(int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14]))
            except ValueError:
                continue
            return True
    return False


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A small office made by the `generate` command: encrypted, with the demo accounts."""
    path = tmp_path_factory.mktemp("generated") / "office.db"
    assert commands.run(["generate", "--db", str(path), "--households", "40", "--seed", "3",
                         "--today", "2026-11-01", "--no-activity", "-q"]) == 0
    return path


@pytest.fixture
def office(generated, tmp_path):
    path = tmp_path / "office.db"
    path.write_bytes(generated.read_bytes())
    keys.copy(generated, path)
    return path


def _numbers(path):
    """Every ID number and phone of the office, read through a log-in."""
    s = session.log_in(path, "admin", PASSWORD)
    try:
        ids = [r[0] for r in s.db.execute("SELECT id_number FROM persons WHERE id_number != ''")]
        phones = [r[0] for r in s.db.execute("SELECT phone FROM persons WHERE phone != ''")]
    finally:
        s.close()
    return ids, phones


def test_a_raw_scan_of_the_file_its_wal_and_its_backups_finds_no_number(office, monkeypatch):
    ids, phones = _numbers(office)
    assert len(ids) > 50 and len(phones) > 20
    backup.backup_now(office, now=dt.datetime(2026, 11, 1, 9))
    writer = session.log_in(office, "clerk", PASSWORD).db
    # A change left in the WAL while the window is open: its pages hold numbers too.
    writer.execute("UPDATE persons SET phone = phone WHERE id IN (SELECT id FROM persons LIMIT 200)")
    writer.conn.commit()
    files = [office, office.with_name("office.db-wal"), *backup.default_dir(office).iterdir()]
    assert office.with_name("office.db-wal").stat().st_size > 0
    for f in files:
        data = f.read_bytes()
        assert not data.startswith(b"SQLite format 3"), f
        assert not _looks_like_an_id(data), f
        assert not any(p.encode() in data for p in phones[:200]), f
        assert not any(i.encode() in data for i in ids[:500]), f
    writer.close()


def test_the_program_makes_its_files_owner_only(generated):
    session.log_in(generated, "admin", PASSWORD).close()
    taken = backup.backup_now(generated, now=dt.datetime(2026, 11, 1, 9)).backup.path
    for f in (generated, keys.path_for(generated), taken, keys.path_for(taken)):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_the_file_does_not_open_without_a_password(office):
    keys.forget_all()
    with pytest.raises(Exception) as err:
        connect(office, readonly=True)
    assert "登录" in str(err.value)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(str(office)).execute("SELECT count(*) FROM persons").fetchone()


def test_a_command_without_a_log_in_is_refused_and_says_how(office, monkeypatch, capsys):
    monkeypatch.delenv("GRIDOFFICE_USER")
    monkeypatch.delenv("GRIDOFFICE_PASSWORD")
    out = office.with_name("roster.xlsx")
    for argv in (["search", "--db", str(office), "张"],
                 ["export", "roster", "--db", str(office), "--full-numbers", "--reason", "核对", "-o", str(out)],
                 ["users", "add", "--db", str(office), "--name", "x", "--role", "admin", "--password-stdin"],
                 ["dossier", "matter", "2026-11-0001", "--db", str(office), "-o", str(out)],
                 ["cards", "--db", str(office), "--calibration", "-o", str(out)],
                 ["backup", "--db", str(office)], ["backup", "--db", str(office), "--list"],
                 ["check", "--db", str(office)],
                 ["audit", "list", "--db", str(office)], ["restore", "--db", str(office), "latest"]):
        assert commands.run(argv) != 0, argv
        captured = capsys.readouterr()
        assert captured.out == "", argv
    assert "--user" in captured.err or "没有找到完好的备份" in captured.err
    assert not out.exists()
    monkeypatch.setenv("GRIDOFFICE_USER", "admin")
    monkeypatch.setenv("GRIDOFFICE_PASSWORD", "wrong-password-1")
    assert commands.run(["search", "--db", str(office), "张"]) == 2
    assert capsys.readouterr().err.strip() == "用户名或密码不正确"


# Every command that opens an office, with arguments enough to reach the log-in. `generate` makes a new
# file (no account exists yet to log in with); the street's commands hold no office.
NO_LOG_IN = {
    "assessment": [["assessment", "show"], ["assessment", "set", "--item", "走访次数=96:20"]],
    "audit": [["audit", "list"], ["audit", "check"]],
    "backup": [["backup"], ["backup", "--list"]],
    "cards": [["cards", "--grid", "第1网格", "-o", "{out}.pdf"]],
    "check": [["check"]],
    "dossier": [["dossier", "matter", "2026-10-0001", "-o", "{out}.pdf"]],
    "enroll": [["enroll", "--street", "{street}", "-o", "{out}.card"]],
    "export": [["export", kind, "-o", "{out}" + (".pdf" if kind in ("briefing", "village-file", "member-file")
                                                 else ".xlsx"), *extra]
               for kind, extra in (("roster", ["--full-numbers", "--reason", "核对"]), ("summary", []),
                                   ("notice", []), ("assessment", []), ("briefing", []),
                                   ("village-file", ["--org", "第1网格"]), ("member-file", ["--staff", "张三"]))],
    "import": [["import", "{roster}"]],
    "package": [["package", "-o", "{out}.pkg"]],
    "restore": [["restore", "latest"]],
    "search": [["search", "张"]],
    "users": [["users", "list"], ["users", "add", "--name", "x", "--role", "admin", "--password-stdin"],
              ["users", "reset-password", "--name", "admin", "--password-stdin"],
              ["users", "recover", "--name", "admin", "--stdin"]],
}


def test_no_command_gives_out_or_changes_anything_without_a_log_in(office, monkeypatch, capsys, tmp_path):
    """The issue's "Done when": no command gives out or changes anything without a log-in. Every
    office command of commands.MODULES, with no user, with a user and no password, and with a wrong
    password (the recovery with a wrong code): refused, nothing printed, no file written, the office
    and its key file unchanged."""
    assert set(NO_LOG_IN) == commands.names() - {"generate", "street", "street-keys", "consolidate"}
    session.log_in(office, "admin", PASSWORD).close()  # the backup below is taken with the key in memory
    backup.backup_now(office, now=dt.datetime(2026, 11, 1, 9))
    keys.forget_all()  # the commands run as new processes would: only what is on disk
    (tmp_path / "pw.txt").write_text("street-pass-1\n", encoding="utf-8")
    assert commands.run(["street-keys", "-o", str(tmp_path / "street"), "--password-file",
                         str(tmp_path / "pw.txt")]) == 0
    capsys.readouterr()
    roster = tmp_path / "roster.csv"
    roster.write_text("户号,姓名,与户主关系,身份证号\n", encoding="utf-8")
    files = [office, keys.path_for(office)]
    before = [f.read_bytes() for f in files]
    out = tmp_path / "out"
    for how in ("nobody", "no password", "wrong password"):
        monkeypatch.delenv("GRIDOFFICE_USER", raising=False)
        monkeypatch.delenv("GRIDOFFICE_PASSWORD", raising=False)
        if how != "nobody":
            monkeypatch.setenv("GRIDOFFICE_USER", "admin")
        if how == "wrong password":
            monkeypatch.setenv("GRIDOFFICE_PASSWORD", "wrong-password-1")
        for argvs in NO_LOG_IN.values():
            for argv in argvs:
                argv = [a.format(out=out, street=tmp_path / "street" / "street.pub", roster=roster) for a in argv]
                at = {"assessment": 2, "audit": 2, "users": 2, "export": 2, "dossier": 3}.get(argv[0], 1)
                argv[at:at] = ["--db", str(office)]
                monkeypatch.setattr("sys.stdin", io.StringIO("TESTS-WRONG-CODE\nnewpass2026\nnewpass2026\n"))
                assert commands.run(argv) != 0, (how, argv)
                captured = capsys.readouterr()
                assert captured.out == "", (how, argv)
                told = {"nobody": "--user", "no password": "需要密码", "wrong password": "用户名或密码不正确"}[how]
                told = "秒后再试" if "登录失败次数过多" in captured.err and how == "wrong password" else told
                assert told in captured.err or "恢复码" in captured.err or "没有找到完好的备份" in captured.err, (
                    how, argv, captured.err)
                assert not list(tmp_path.glob("out*")), (how, argv)
        assert [f.read_bytes() for f in files] == before, how


def test_the_audit_actor_is_never_a_name_typed_beside_a_password(office, monkeypatch, capsys):
    """The issue's attack: `--user` wrote any name, or an empty one, into the audit trail as the actor.
    A name that is no account, an empty one, or an account's name padded or cased differently, is
    refused with the administrator's password; the entry names the account that logged in."""
    monkeypatch.delenv("GRIDOFFICE_USER")
    monkeypatch.setenv("GRIDOFFICE_PASSWORD", PASSWORD)
    s = session.log_in(office, "admin", PASSWORD)
    before = journal.count(s.db, scope=AUDITOR)
    s.close()
    accounts = {"admin", "clerk", "grid"}
    for name in ("镇长", "", " ", "Admin", "clerk\nadmin"):
        assert commands.run(["backup", "--db", str(office), "--user", name]) != 0, name
        assert capsys.readouterr().out == ""
    # A name typed with spaces around it logs its account in; the entry names the account, as stored.
    assert commands.run(["backup", "--db", str(office), "--user", " admin "]) == 0
    assert commands.run(["backup", "--db", str(office), "--user", "clerk"]) == 0
    s = session.log_in(office, "admin", PASSWORD)
    try:
        new = journal.query(s.db, scope=AUDITOR, limit=journal.count(s.db, scope=AUDITOR) - before)
        assert {e.actor for e in new} <= accounts and len([e for e in new if e.action == "backup"]) == 2
        assert [e.actor for e in journal.query(s.db, journal.Filter(action="backup"), scope=AUDITOR)] == [
            "clerk", "admin"]
    finally:
        s.close()


def test_a_password_file_and_the_environment_log_a_script_in(office, monkeypatch, capsys):
    monkeypatch.delenv("GRIDOFFICE_PASSWORD")
    secret = office.with_name("pw.txt")
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    assert commands.run(["search", "--db", str(office), "--user", "clerk", "--password-file", str(secret), "张"]) == 0
    assert capsys.readouterr().out.count("\n") > 0


def test_unknown_name_and_wrong_password_get_the_same_answer_after_the_same_work(office, monkeypatch):
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(k["n"]) or real(*a, **k))
    answers = []
    for name in ("admin", "nobody-here"):
        calls.clear()
        with pytest.raises(users.LoginFailed) as err:
            session.log_in(office, name, "wrong-password-1", now=1000.0)
        answers.append((err.value.message, list(calls)))
    assert answers[0] == answers[1] == ("用户名或密码不正确", [keys._N])


def test_failures_bring_growing_waits_that_survive_a_new_process_and_never_lock_for_good(office):
    t = 1_000_000.0
    for n in range(session.FREE_FAILURES):
        with pytest.raises(users.LoginFailed):
            session.log_in(office, "admin", "wrong-password-1", now=t + n)
    waits = []
    for n in range(12):
        now = t + 10_000 * (n + 1)
        with pytest.raises(users.LoginFailed):
            session.log_in(office, "admin", "wrong-password-1", now=now)
        keys.forget_all()  # a new process knows only what is on disk
        waits.append(session.wait_seconds(office, "admin", now=now))
    assert waits == sorted(waits) and waits[0] >= 1 and max(waits) == session.MAX_WAIT
    last = t + 10_000 * 12
    with pytest.raises(session.Throttled) as err:
        session.log_in(office, "admin", PASSWORD, now=last + 1)
    assert "秒后再试" in err.value.message
    # An unknown name is kept waiting the same way: the wait says nothing about who exists.
    for n in range(session.FREE_FAILURES + 1):
        with pytest.raises(users.LoginFailed):
            session.log_in(office, "nobody-here", "x", now=t + n)
    assert session.wait_seconds(office, "nobody-here", now=t + 4) > 0
    # Strangers cannot shut the administrator out: a minute later the right password opens the office.
    s = session.log_in(office, "admin", PASSWORD, now=last + session.MAX_WAIT + 1)
    assert s.user.role == "admin"
    s.close()
    assert session.wait_seconds(office, "admin", now=last + session.MAX_WAIT + 2) == 0


def test_a_disabled_account_stays_disabled_and_its_state_is_told_only_with_its_password(office, monkeypatch, capsys):
    s = session.log_in(office, "admin", PASSWORD)
    clerk = next(u for u in users.list_users(s.db, by=users.whole_office("admin")) if u.name == "clerk")
    users.disable_user(s.db, s.user, clerk.id)
    s.close()
    assert not keys.has_user(keys.read(office), "clerk")
    with pytest.raises(users.LoginFailed) as err:
        session.log_in(office, "clerk", PASSWORD)
    assert err.value.message == "用户名或密码不正确"
    monkeypatch.setattr("sys.stdin", io.StringIO("newpass2026\n"))
    assert commands.run(["users", "reset-password", "--db", str(office), "--name", "clerk", "--password-stdin"]) == 0
    assert "仍是停用状态" in capsys.readouterr().out
    with pytest.raises(users.LoginFailed):
        session.log_in(office, "clerk", "newpass2026")


def test_only_an_administrators_log_in_adds_an_administrator(office, monkeypatch, capsys):
    monkeypatch.setenv("GRIDOFFICE_USER", "clerk")
    monkeypatch.setattr("sys.stdin", io.StringIO("gridoffice1\n"))
    assert commands.run(["users", "add", "--db", str(office), "--name", "boss", "--role", "admin",
                         "--password-stdin"]) == 1
    assert "管理用户" in capsys.readouterr().err
    monkeypatch.setenv("GRIDOFFICE_USER", "admin")
    monkeypatch.setattr("sys.stdin", io.StringIO("gridoffice1\n"))
    assert commands.run(["users", "add", "--db", str(office), "--name", "boss", "--role", "admin",
                         "--password-stdin"]) == 0
    s = session.log_in(office, "boss", "gridoffice1")
    entry = journal.query(s.db, journal.Filter(action="user_create"), scope=AUDITOR)[0]
    assert entry.actor == "admin" and s.user.role == "admin"
    s.close()


def test_the_first_users_add_creates_an_encrypted_office_with_its_administrator(tmp_path, monkeypatch, capsys):
    path = tmp_path / "new.db"
    monkeypatch.setattr("sys.stdin", io.StringIO("gridoffice1\n"))
    assert commands.run(["users", "add", "--db", str(path), "--name", "clerk1", "--role", "clerk",
                         "--password-stdin"]) == 2
    assert "第一个账号必须是管理员" in capsys.readouterr().err and not path.exists()
    monkeypatch.setattr("sys.stdin", io.StringIO("gridoffice1\n"))
    assert commands.run(["users", "add", "--db", str(path), "--name", "boss", "--role", "admin",
                         "--password-stdin"]) == 0
    captured = capsys.readouterr()
    assert "已建立办公室并添加管理员“boss”" in captured.out and "恢复码" in captured.err
    assert not is_plain(path) and keys.path_for(path).is_file()
    keys.forget_all()
    s = session.log_in(path, "boss", "gridoffice1")
    assert s.user.role == "admin"
    s.close()
    assert commands.run(["users", "list", "--db", str(tmp_path / "none.db")]) == 2
    assert "找不到数据库文件" in capsys.readouterr().err and not (tmp_path / "none.db").exists()


def test_the_assessment_needs_a_log_in_and_an_administrator_to_set_it(office, monkeypatch, capsys):
    monkeypatch.setenv("GRIDOFFICE_USER", "clerk")
    assert commands.run(["assessment", "show", "--db", str(office)]) == 0
    assert capsys.readouterr().out.startswith("走访次数\t")
    assert commands.run(["assessment", "set", "--db", str(office), "--item", "走访次数=120:60"]) != 0
    assert "只有系统管理员可以设置考核模板" in capsys.readouterr().err
    monkeypatch.setenv("GRIDOFFICE_USER", "admin")
    assert commands.run(["assessment", "set", "--db", str(office), "--item", "走访次数=120:60"]) == 0
    assert capsys.readouterr().out.splitlines() == ["走访次数\t120\t60"]
    monkeypatch.delenv("GRIDOFFICE_USER")
    assert commands.run(["assessment", "show", "--db", str(office)]) != 0
    assert "--user" in capsys.readouterr().err


def test_the_actor_is_the_account_that_logged_in_and_dossier_and_backup_leave_entries(office, capsys):
    assert commands.run(["backup", "--db", str(office)]) == 0
    s = session.log_in(office, "admin", PASSWORD)
    entries = journal.query(s.db, journal.Filter(action="backup"), scope=AUDITOR)
    assert [e.actor for e in entries] == ["admin"]
    assert entries[0].new["backup"] in {p.name for p in backup.default_dir(office).iterdir()}
    s.close()


def test_a_new_user_or_a_new_password_re_encrypts_nothing(office):
    before = keys.read(office)
    s = session.log_in(office, "admin", PASSWORD)
    users.create_user(s.db, "zhao", "zhaozhao123", "clerk", by=users.scope_of(s.db, s.user))
    users.change_password(s.db, s.user.id, PASSWORD, "another-pass-9")
    s.close()
    after = keys.read(office)
    assert after.check == before.check and after.office_id == before.office_id
    assert after.slots[keys.RECOVERY] == before.slots[keys.RECOVERY]
    assert after.slots["user:clerk"] == before.slots["user:clerk"]
    keys.forget_all()
    session.log_in(office, "zhao", "zhaozhao123").close()
    session.log_in(office, "admin", "another-pass-9").close()
    with pytest.raises(users.LoginFailed):
        session.log_in(office, "admin", PASSWORD)


def test_the_recovery_code_sets_a_forgotten_administrator_password(tmp_path, monkeypatch, capsys):
    path = tmp_path / "new.db"
    db, code = session.create_office(path, "admin", "gridoffice1")
    db.close()
    assert re.fullmatch(r"([2-9A-HJKMNP-Z]{5}-){5}[2-9A-HJKMNP-Z]{5}", code)
    assert code not in keys.path_for(path).read_text(encoding="utf-8")
    keys.forget_all()
    monkeypatch.setattr("sys.stdin", io.StringIO("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA\nbrand-new-2026\n"))
    assert commands.run(["users", "recover", "--db", str(path), "--name", "admin", "--stdin"]) == 1
    assert "恢复码不正确" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(code.lower().replace("-", " ") + "\nbrand-new-2026\n"))
    assert commands.run(["users", "recover", "--db", str(path), "--name", "admin", "--stdin"]) == 0
    keys.forget_all()
    s = session.log_in(path, "admin", "brand-new-2026")
    assert journal.query(s.db, journal.Filter(action="user_password_recovered"), scope=AUDITOR)[0].actor == "恢复码"
    s.close()


def test_backups_carry_the_key_file_check_verifies_it_and_restore_brings_it_back(office, capsys):
    session.log_in(office, "admin", PASSWORD).close()  # the backup is taken by a logged-in process
    taken = backup.backup_now(office, now=dt.datetime(2026, 11, 1, 9)).backup.path
    assert keys.path_for(taken).read_bytes() == keys.path_for(office).read_bytes()
    assert stat.S_IMODE(keys.path_for(taken).stat().st_mode) == 0o600
    keys.path_for(office).unlink()  # the key file lost with a broken disk
    with pytest.raises(Exception, match="密钥文件"):
        session.log_in(office, "admin", PASSWORD)
    # A kind of its own, which restore recognises and every other command explains.
    found = officefile.classify(office)
    assert found.kind == officefile.KEYLESS and "office.db.keys" in found.message
    assert commands.run(["check", "--db", str(office)]) == 2
    assert "密钥文件“office.db.keys”不见了" in capsys.readouterr().err
    assert commands.run(["restore", "--db", str(office), str(taken)]) == 0
    capsys.readouterr()
    keys.forget_all()
    session.log_in(office, "admin", PASSWORD).close()
    assert commands.run(["check", "--db", str(office), "-q"]) == 0
    os.chmod(keys.path_for(office), 0o644)
    assert commands.run(["check", "--db", str(office), "-q"]) == 1
    assert "密钥文件可被其他用户读取" in capsys.readouterr().out


def _plain_office(path):
    """An office file as the version before encryption made it: plain SQLite, an administrator and a clerk."""
    from sqlite_utils import Database

    conn = sqlite3.connect(str(path))
    db = Database(conn)
    migrations.apply(db)
    trail.set_actor(db, "测试员")
    db.execute("INSERT INTO households(number, status, contact_class) VALUES('H1', 'active', 3)")
    db.execute("INSERT INTO persons(household_id, name, relation, status, residence, id_number, phone) "
               "VALUES(1, '王一', 'head', 'active', 'registered', '110101199003071234', '13912345678')")
    users.create_first_admin(db, "admin", "gridoffice1")
    users.create_user(db, "li", "lili-2026x", "clerk", by=users.whole_office("测试员"))
    conn.commit()
    conn.close()


def test_a_plain_office_is_encrypted_at_its_first_log_in_with_its_plain_backups(tmp_path, capsys):
    path = tmp_path / "office.db"
    _plain_office(path)
    folder = backup.default_dir(path)
    folder.mkdir()
    old_backup = folder / "office-20261001-080000.db"
    old_backup.write_bytes(path.read_bytes())
    assert b"110101199003071234" in path.read_bytes()
    os.environ["GRIDOFFICE_PASSWORD"] = "gridoffice1"  # the autouse fixture restores it
    assert commands.run(["audit", "list", "--db", str(path)]) == 0
    err = capsys.readouterr().err
    code = re.search(r"([2-9A-Z]{5}-){5}[2-9A-Z]{5}", err).group(0)
    for f in (path, old_backup):
        assert not is_plain(f) and b"110101199003071234" not in f.read_bytes() and b"13912345678" not in f.read_bytes()
        assert keys.path_for(f).is_file()
    keys.forget_all()
    # The clerk's old password opens the converted office too, and gets a slot of its own.
    s = session.log_in(path, "li", "lili-2026x")
    assert s.db.execute("SELECT count(*) FROM persons").fetchone()[0] == 1
    s.close()
    assert not keys.read(path).slots["user:li"].get("legacy")
    keys.forget_all()
    assert keys.unlock_with_recovery(keys.read(path), code) is not None
    restored = backup.newest_good_backup(path)
    assert restored == old_backup


def test_the_program_never_makes_a_plain_file(tmp_path, monkeypatch):
    from gridoffice.store import db as gdb

    monkeypatch.setattr(keys, "key_for", lambda path: None)  # no key file, nothing unlocked: outside the tests' key
    new = tmp_path / "new.db"
    for open_new in (gdb.connect, gdb.open_db, gdb.raw_connect):
        with pytest.raises(gdb.Locked):
            open_new(new)
        assert not new.exists()
