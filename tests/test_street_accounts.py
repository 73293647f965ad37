"""The street's accounts: the first administrator, adding accounts, the log-in and its waits, the
street's audit of log-ins, searches and reveals, and the commands that log in."""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest

from commands import run as run_command
from gridoffice.consolidation import store, street_users
from gridoffice.errors import NotFound, PermissionDenied, ValidationError
from gridoffice.access.users import LoginFailed, check_password

from tests import _street

AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
ADMIN_PASSWORD = "street-admin-1"
STAFF_PASSWORD = "street-staff-1"


@pytest.fixture
def conn(pg_dsn):
    with store.connect(pg_dsn) as connection:
        yield connection


def _admin_and_staff(conn):
    admin = street_users.add_user(conn, "jiedao", ADMIN_PASSWORD, "street_admin", by=None, display_name="街道管理员甲")
    staff = street_users.add_user(conn, "zhiyuan", STAFF_PASSWORD, "street_staff", by=admin)
    return admin, staff


def test_the_first_account_is_an_administrator_and_then_only_administrators_add(conn):
    with pytest.raises(ValidationError, match="第一个账号必须是街道管理员"):
        street_users.add_user(conn, "zhiyuan", STAFF_PASSWORD, "street_staff", by=None)
    admin, staff = _admin_and_staff(conn)
    with pytest.raises(PermissionDenied, match="请先以街道管理员登录"):
        street_users.add_user(conn, "other", "other-pass-1", "street_admin", by=None)
    with pytest.raises(PermissionDenied, match="只有街道管理员可以添加账号"):
        street_users.add_user(conn, "other", "other-pass-1", "street_staff", by=staff)
    with pytest.raises(ValidationError, match="已经有了"):
        street_users.add_user(conn, "zhiyuan", "other-pass-1", "street_staff", by=admin)
    with pytest.raises(ValidationError, match="密码至少要"):
        street_users.add_user(conn, "short", "a1", "street_staff", by=admin)
    stored = conn.execute("SELECT name, role, password_hash FROM street_users ORDER BY id").fetchall()
    assert [(n, r) for n, r, _ in stored] == [("jiedao", "street_admin"), ("zhiyuan", "street_staff")]
    # Hashed as the office hashes its passwords (gridoffice.access.users), never kept in the clear.
    assert stored[0][2].startswith("scrypt$") and check_password(ADMIN_PASSWORD, stored[0][2])
    assert ADMIN_PASSWORD not in stored[0][2]


def test_log_in_waits_after_three_failures_and_says_nothing_of_the_name(conn):
    _admin_and_staff(conn)
    assert street_users.log_in(conn, "jiedao", ADMIN_PASSWORD, now=AT).admin
    for n in range(3):
        with pytest.raises(LoginFailed, match="用户名或密码不正确") as wrong:
            street_users.log_in(conn, "jiedao", "wrong-password", now=AT)
        assert not isinstance(wrong.value, street_users.Throttled)
    with pytest.raises(street_users.Throttled, match="请1秒后再试"):
        street_users.log_in(conn, "jiedao", ADMIN_PASSWORD, now=AT)
    # The right password after the wait: in, and the count starts again.
    assert street_users.log_in(conn, "jiedao", ADMIN_PASSWORD, now=AT + dt.timedelta(seconds=2)).name == "jiedao"
    assert street_users.wait_seconds(conn, "jiedao", now=AT) == 0
    with pytest.raises(LoginFailed, match="^用户名或密码不正确$"):
        street_users.log_in(conn, "nobody", ADMIN_PASSWORD, now=AT)
    actions = [(e.actor, e.action) for e in street_users.audit_entries(conn)]
    assert ("jiedao", "login") in actions and ("jiedao", "login_failed") in actions and ("", "login_failed") in actions
    names = conn.execute("SELECT name_key FROM street_logins").fetchall()
    assert names and all("nobody" not in key for (key,) in names)


def test_failures_at_the_same_instant_are_all_counted(pg_dsn, conn):
    _admin_and_staff(conn)

    def guess():
        with store.connect(pg_dsn, migrating=False) as own:
            for _ in range(4):
                try:
                    street_users.log_in(own, "zhiyuan", "guess-1234", now=AT)
                except LoginFailed:
                    pass

    threads = [threading.Thread(target=guess) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failures = conn.execute("SELECT failures FROM street_logins").fetchone()[0]
    # Those that found the name already waiting were refused before trying: each try was counted once.
    tried = sum(1 for e in street_users.audit_entries(conn, limit=100) if e.action == "login_failed")
    assert failures == tried >= 3


def test_searches_and_reveals_are_audited_and_only_an_administrator_reveals(conn, tmp_path):
    admin, staff = _admin_and_staff(conn)
    street = _street.make_street(tmp_path)
    office = _street.make_office(tmp_path, street, seed=51, households=3)
    package = _street.write_package(office.path, tmp_path / "1.pkg", at=AT.replace(tzinfo=None))
    from commands._progress import consume
    from gridoffice.consolidation import consolidate

    store.enroll(conn, uuid=office.card.uuid, division_code=office.card.division_code, name=office.card.name,
                 public_key=office.card.signing_key, by="测试")
    consume(consolidate.consolidate(conn, [package], [street.key], by="测试"), quiet=True)
    gid, number = conn.execute("SELECT gid::text, data->>'id_number' FROM records_persons "
                               "WHERE data->>'id_number' > '' LIMIT 1").fetchone()
    with pytest.raises(PermissionDenied, match="只有街道管理员"):
        street_users.reveal_id(conn, conn, staff, office.card.uuid, gid, "核对身份")
    with pytest.raises(ValidationError, match="请填写原因"):
        street_users.reveal_id(conn, conn, admin, office.card.uuid, gid, " ")
    assert street_users.reveal_id(conn, conn, admin, office.card.uuid, gid, "核对跨社区重复登记") == number
    street_users.record_search(conn, staff, f"张 {number}", 0)
    entries = street_users.audit_entries(conn)
    assert entries[0].action == "search" and entries[0].actor == "zhiyuan"
    assert number not in entries[0].detail["query"] and number[:3] in entries[0].detail["query"]
    assert entries[1].action == "reveal" and entries[1].office_name == office.card.name
    assert entries[1].detail == {"person_gid": gid, "field": "id_number", "reason": "核对跨社区重复登记"}
    assert [e.action for e in entries].count("reveal") == 1  # the refused ones left nothing
    with pytest.raises(psycopg.errors.RaiseException):
        conn.execute("DELETE FROM street_audit")
    with pytest.raises(psycopg.errors.RaiseException):
        conn.execute("UPDATE street_audit SET actor = 'x'")


def test_the_commands_log_in_with_a_street_account(tmp_path, pg_dsn, capsys, monkeypatch):
    street = _street.make_street(tmp_path)
    office = _street.make_office(tmp_path, street, seed=52, households=3)
    monkeypatch.setattr("sys.stdin", _Lines(ADMIN_PASSWORD))
    assert run_command(["street", "users", "add", "--pg", pg_dsn, "--name", "jiedao", "--role", "street_admin",
                        "--password-stdin"]) == 0
    assert "已添加街道账号“jiedao”（街道管理员）" in capsys.readouterr().out
    # Without a log-in nothing more is done.
    monkeypatch.delenv("GRIDOFFICE_STREET_USER", raising=False)
    assert run_command(["street", "enroll", "--pg", pg_dsn, str(office.card_path)]) == 2
    assert "需要登录" in capsys.readouterr().err
    password_file = tmp_path / "pw.txt"
    password_file.write_text(ADMIN_PASSWORD + "\n", encoding="utf-8")
    login = ["--user", "jiedao", "--password-file", str(password_file)]
    monkeypatch.setattr("sys.stdin", _Lines(STAFF_PASSWORD))
    assert run_command(["street", "users", "add", "--pg", pg_dsn, *login, "--name", "zhiyuan",
                        "--role", "street_staff", "--password-stdin"]) == 0
    capsys.readouterr()
    staff_file = tmp_path / "staff.txt"
    staff_file.write_text(STAFF_PASSWORD, encoding="utf-8")
    staff_login = ["--user", "zhiyuan", "--password-file", str(staff_file)]
    assert run_command(["street", "enroll", "--pg", pg_dsn, *staff_login, str(office.card_path)]) == 2
    assert "需要街道管理员账号" in capsys.readouterr().err
    assert run_command(["street", "enroll", "--pg", pg_dsn, *login, str(office.card_path)]) == 0
    assert f"已登记：{office.card.name}" in capsys.readouterr().out
    assert run_command(["street", "ledger", "--pg", pg_dsn, *staff_login]) == 0
    assert capsys.readouterr().out.startswith("时间\t社区")
    password_file.write_text("wrong-password-1", encoding="utf-8")
    assert run_command(["street", "ledger", "--pg", pg_dsn, *login]) == 2
    err = capsys.readouterr().err
    assert "用户名或密码不正确" in err and "Traceback" not in err
    with store.connect(pg_dsn) as conn:
        enrolled_by = conn.execute("SELECT enrolled_by FROM offices").fetchone()[0]
    assert enrolled_by == "jiedao"


def test_an_administrator_lists_disables_enables_and_resets_accounts(conn):
    admin, staff = _admin_and_staff(conn)
    for _ in range(4):
        with pytest.raises(LoginFailed):
            street_users.log_in(conn, "zhiyuan", "wrong-password", now=AT)
    accounts = {a.name: a for a in street_users.list_users(conn, admin, now=AT)}
    assert [a.name for a in street_users.list_users(conn, admin, now=AT)] == ["jiedao", "zhiyuan"]
    assert (accounts["jiedao"].role, accounts["jiedao"].display_name, accounts["jiedao"].active) == (
        "street_admin", "街道管理员甲", True)
    assert (accounts["zhiyuan"].failures, accounts["zhiyuan"].wait) == (3, 1.0)  # the fourth had to wait
    with pytest.raises(PermissionDenied, match="需要街道管理员账号"):
        street_users.list_users(conn, staff)
    with pytest.raises(PermissionDenied, match="需要街道管理员账号"):
        street_users.set_active(conn, staff, "jiedao", False)
    with pytest.raises(PermissionDenied, match="需要街道管理员账号"):
        street_users.reset_password(conn, staff, "jiedao", "taken-over-1")
    # An administrator cannot disable their own account: whoever disables is still an active one.
    with pytest.raises(ValidationError, match="不能停用自己的账号"):
        street_users.set_active(conn, admin, " jiedao ", False)
    with pytest.raises(NotFound, match="没有名为“nobody”的街道账号"):
        street_users.set_active(conn, admin, "nobody", False)

    street_users.set_active(conn, admin, "zhiyuan", False)
    assert not {a.name: a for a in street_users.list_users(conn, admin)}["zhiyuan"].active
    later = AT + dt.timedelta(minutes=5)
    with pytest.raises(LoginFailed, match="此账号已停用"):
        street_users.log_in(conn, "zhiyuan", STAFF_PASSWORD, now=later)
    with pytest.raises(ValidationError, match="密码至少要"):
        street_users.reset_password(conn, admin, "zhiyuan", "a1")
    # The reset clears the name's waits; the account stays disabled until it is enabled.
    for _ in range(5):
        with pytest.raises(LoginFailed):
            street_users.log_in(conn, "zhiyuan", "wrong-password", now=later)
    street_users.reset_password(conn, admin, "zhiyuan", "new-staff-pass-2")
    assert street_users.wait_seconds(conn, "zhiyuan", now=later) == 0
    with pytest.raises(LoginFailed, match="此账号已停用"):
        street_users.log_in(conn, "zhiyuan", "new-staff-pass-2", now=later)
    street_users.set_active(conn, admin, "zhiyuan", True)
    with pytest.raises(LoginFailed, match="用户名或密码不正确"):
        street_users.log_in(conn, "zhiyuan", STAFF_PASSWORD, now=later)
    assert street_users.log_in(conn, "zhiyuan", "new-staff-pass-2", now=later).name == "zhiyuan"
    changes = [(e.actor, e.action, e.detail) for e in street_users.audit_entries(conn)
               if e.action in ("disable_user", "enable_user", "reset_password")]
    assert changes == [("jiedao", "enable_user", {"name": "zhiyuan"}), ("jiedao", "reset_password", {"name": "zhiyuan"}),
                       ("jiedao", "disable_user", {"name": "zhiyuan"})]
    assert not any(STAFF_PASSWORD in str(e.detail) or "new-staff-pass-2" in str(e.detail)
                   for e in street_users.audit_entries(conn))


def test_strangers_only_ever_make_an_administrator_wait_a_minute(conn):
    admin, _ = _admin_and_staff(conn)
    for n in range(40):
        try:
            street_users.log_in(conn, "jiedao", f"guess-{n}-x", now=AT + dt.timedelta(minutes=n))
        except LoginFailed:
            pass
    # However many guesses, the wait never grows past a minute: the real administrator gets in after it.
    assert street_users.wait_seconds(conn, "jiedao", now=AT + dt.timedelta(minutes=39)) <= 60
    assert street_users.log_in(conn, "jiedao", ADMIN_PASSWORD, now=AT + dt.timedelta(minutes=41)).admin


def test_the_account_commands_need_an_administrator_and_are_audited(pg_dsn, tmp_path, capsys, monkeypatch):
    with store.connect(pg_dsn) as conn:
        _admin_and_staff(conn)
    admin_file, staff_file = tmp_path / "admin.txt", tmp_path / "staff.txt"
    admin_file.write_text(ADMIN_PASSWORD, encoding="utf-8")
    staff_file.write_text(STAFF_PASSWORD, encoding="utf-8")
    login = ["--pg", pg_dsn, "--user", "jiedao", "--password-file", str(admin_file)]
    staff_login = ["--pg", pg_dsn, "--user", "zhiyuan", "--password-file", str(staff_file)]
    assert run_command(["street", "users", "list", *staff_login]) == 2
    assert "需要街道管理员账号" in capsys.readouterr().err
    assert run_command(["street", "users", "list", *login]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "用户名\t显示名称\t角色\t状态\t建立于\t登录失败"
    assert lines[1].split("\t")[:4] == ["jiedao", "街道管理员甲", "街道管理员", "在用"]
    assert lines[2].split("\t")[:4] == ["zhiyuan", "", "街道工作人员", "在用"]
    assert run_command(["street", "users", "disable", *login, "--name", "jiedao"]) == 2
    assert "不能停用自己的账号" in capsys.readouterr().err
    assert run_command(["street", "users", "disable", *login, "--name", "zhiyuan"]) == 0
    assert "已停用街道账号“zhiyuan”" in capsys.readouterr().out
    assert run_command(["street", "ledger", *staff_login]) == 2
    assert "此账号已停用" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", _Lines("fresh-staff-3"))
    assert run_command(["street", "users", "reset-password", *login, "--name", "zhiyuan", "--password-stdin"]) == 0
    assert "已重设街道账号“zhiyuan”的密码" in capsys.readouterr().out
    assert run_command(["street", "users", "enable", *login, "--name", "zhiyuan"]) == 0
    assert "已启用街道账号“zhiyuan”" in capsys.readouterr().out
    staff_file.write_text("fresh-staff-3", encoding="utf-8")
    assert run_command(["street", "ledger", *staff_login]) == 0
    capsys.readouterr()
    assert run_command(["street", "users", "enable", *login, "--name", "nobody"]) == 2
    assert "没有名为“nobody”的街道账号" in capsys.readouterr().err
    with store.connect(pg_dsn) as conn:
        done = [(e.actor, e.action) for e in street_users.audit_entries(conn)
                if e.action in ("disable_user", "enable_user", "reset_password")]
    assert done == [("jiedao", "enable_user"), ("jiedao", "reset_password"), ("jiedao", "disable_user")]


class _Lines:
    """Standard input holding one line, as a pipe gives it."""

    def __init__(self, line: str):
        self.line = line + "\n"

    def readline(self) -> str:
        line, self.line = self.line, ""
        return line

    def isatty(self) -> bool:
        return False
