"""Users and roles: log-in, the first administrator, and what each role sees and may change."""

import datetime as dt

import pytest

from gridoffice import vocab
from gridoffice.access import users
from gridoffice.audit import journal
from gridoffice.errors import ValidationError
from gridoffice.idcard import make_id

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = users.whole_office("测试员")


def _unit(db, uid, parent, level, name, path):
    db.execute("INSERT INTO org_units(id, parent_id, level, name, path, grid_id, sort, status) "
               "VALUES(?,?,?,?,?,?,0,'active')", [uid, parent, level, name, path, uid if level == "grid" else None])


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Stored hashes carry their own cost, so tests may hash cheaply without changing what is checked."""
    monkeypatch.setattr(users, "_N", 2 ** 8)

@pytest.fixture
def office(db):
    """A village (1) with two areas (2, 3); area 2 holds grid 4, area 3 holds grid 5; one person per grid."""
    _unit(db, 1, None, "community", "东村", "/1/")
    _unit(db, 2, 1, "area", "一片", "/1/2/")
    _unit(db, 3, 1, "area", "二片", "/1/3/")
    _unit(db, 4, 2, "grid", "一网格", "/1/2/4/")
    _unit(db, 5, 3, "grid", "二网格", "/1/3/5/")
    for pid, grid in ((1, 4), (2, 5)):
        db.execute("INSERT INTO households(id, number, org_id) VALUES(?,?,?)", [pid, f"H{pid}", grid])
        db.execute("INSERT INTO persons(id, household_id, name, id_number, relation) VALUES(?,?,?,?, 'head')",
                   [pid, pid, f"测试{pid}", make_id("110101", dt.date(1960, 1, pid), 11)])
    db.conn.commit()
    return db


def test_first_start_creates_the_administrator_once(office):
    assert users.needs_first_admin(office)
    users.create_first_admin(office, "admin", "gridoffice1")
    assert not users.needs_first_admin(office)
    with pytest.raises(users.PermissionDenied):
        users.create_first_admin(office, "admin2", "gridoffice1")


def test_login_checks_the_password_and_logs(office):
    uid = users.create_user(office, "张文书", "wenshu2026", "clerk", by=ADMIN)
    stored = office.execute("SELECT password_hash FROM users WHERE id = ?", [uid]).fetchone()[0]
    assert stored.startswith("scrypt$") and "wenshu2026" not in stored
    with pytest.raises(users.LoginFailed) as err:
        users.login(office, "张文书", "wrong-password1")
    assert err.value.message == "用户名或密码不正确"
    with pytest.raises(users.LoginFailed):
        users.login(office, "没有这人", "wenshu2026")
    user = users.login(office, " 张文书 ", "wenshu2026")
    assert user.role == "clerk"
    actions = [e.action for e in journal.query(office, scope=ADMIN)]
    assert actions[:3] == ["login", "login_failed", "login_failed"]
    assert journal.query(office, scope=ADMIN)[0].actor == "张文书"


def test_wrong_passwords_never_lock_an_account_and_an_unknown_name_gets_the_same_answer(office):
    """The issue's attack: five wrong passwords locked any account for good, administrators included."""
    admin = users.get_user(office, users.create_first_admin(office, "admin", "gridoffice1"))
    for _ in range(8):
        with pytest.raises(users.LoginFailed) as wrong:
            users.login(office, "admin", "nope-nope-1")
    with pytest.raises(users.LoginFailed) as unknown:
        users.login(office, "nobody", "nope-nope-1")
    assert wrong.value.message == unknown.value.message == "用户名或密码不正确"
    assert users.login(office, "admin", "gridoffice1").id == admin.id


def test_a_disabled_account_is_named_only_to_whoever_gives_its_password(office):
    admin = users.get_user(office, users.create_first_admin(office, "admin", "gridoffice1"))
    uid = users.create_user(office, "wang", "wangwang123", "clerk", by=ADMIN)
    users.disable_user(office, admin, uid)
    with pytest.raises(users.LoginFailed) as guess:
        users.login(office, "wang", "nope-nope-1")
    assert guess.value.message == "用户名或密码不正确"
    with pytest.raises(users.LoginFailed) as own:
        users.login(office, "wang", "wangwang123")
    assert "停用" in own.value.message
    users.reset_password(office, admin, uid, "newpass2026")
    with pytest.raises(users.LoginFailed, match="停用"):
        users.login(office, "wang", "newpass2026")


@pytest.mark.parametrize("name, password, role, org, field, words", [
    ("", "gridoffice1", "clerk", None, "name", "用户名不能为空"),
    ("li", "short1", "clerk", None, "password", "至少要8个字符"),
    ("li", "12345678", "clerk", None, "password", "不能只有数字"),
    ("li", "gridoffice1", "boss", None, "role", "没有“boss”这个角色"),
    ("li", "gridoffice1", "grid_worker", None, "org_id", "必须指定负责的网格"),
    ("li", "gridoffice1", "grid_worker", 99, "org_id", "不存在"),
])
def test_bad_user_input_is_refused_and_nothing_written(office, name, password, role, org, field, words):
    with pytest.raises(ValidationError) as err:
        users.create_user(office, name, password, role, by=ADMIN, org_id=org)
    assert err.value.field == field and words in err.value.message
    assert office.execute("SELECT count(*) FROM users").fetchone()[0] == 0
    assert office.execute("SELECT count(*) FROM audit").fetchone()[0] == 0


def test_a_duplicate_name_is_refused(office):
    users.create_user(office, "li", "gridoffice1", "clerk", by=ADMIN)
    with pytest.raises(ValidationError) as err:
        users.create_user(office, "li", "gridoffice2", "leader", by=ADMIN)
    assert "已被使用" in err.value.message


def test_password_change_needs_the_old_one(office):
    uid = users.create_user(office, "li", "gridoffice1", "clerk", by=ADMIN)
    with pytest.raises(ValidationError) as err:
        users.change_password(office, uid, "wrong", "gridoffice2")
    assert err.value.field == "old_password"
    users.change_password(office, uid, "gridoffice1", "gridoffice2")
    assert users.login(office, "li", "gridoffice2").id == uid


@pytest.mark.parametrize("role, org, persons, sensitive, perms", [
    ("admin", None, {1, 2}, True, {"edit", "reveal", "read_audit", "manage_users", "restore"}),
    ("leader", None, {1, 2}, True, {"edit", "read_audit"}),
    ("clerk", None, {1, 2}, True, {"edit", "reveal"}),
    ("grid_worker", 4, {1}, False, {"edit"}),
    ("grid_worker", 3, {2}, False, {"edit"}),
    ("clerk", 2, {1}, True, {"edit", "reveal"}),
])
def test_each_role_sees_and_changes_what_it_allows(office, role, org, persons, sensitive, perms):
    user = users.get_user(office, users.create_user(office, "u", "gridoffice1", role, by=ADMIN, org_id=org))
    assert {p for p in (1, 2) if users.can_see_person(office, user, p)} == persons
    assert {h for h in (1, 2) if users.can_see_household(office, user, h)} == persons
    assert (vocab.SENSITIVE_TAGS <= users.visible_tags(user)) is sensitive
    assert "left_behind_child" in users.visible_tags(user)
    shown = users.filter_tags(user, ["disabled", "empty_nest", "low_income"])
    assert shown == (["disabled", "empty_nest", "low_income"] if sensitive else ["empty_nest"])
    for perm in ("edit", "reveal", "read_audit", "manage_users", "restore"):
        if perm in perms:
            users.require(user, perm)
        else:
            with pytest.raises(users.PermissionDenied) as err:
                users.require(user, perm)
            assert "没有" in err.value.message and "权限" in err.value.message
    hidden = {1: 4, 2: 5}
    for person, grid in hidden.items():
        if person not in persons:
            with pytest.raises(users.PermissionDenied) as err:
                users.require_org(office, user, grid, edit=True)
            assert "不在您负责的范围内" in err.value.message
    if not sensitive:
        with pytest.raises(users.PermissionDenied) as err:
            users.require_tag(user, "disabled")
        assert "残疾人" in err.value.message


def test_only_an_administrator_manages_users_and_accounts_are_disabled_not_deleted(office):
    admin = users.get_user(office, users.create_first_admin(office, "admin", "gridoffice1"))
    clerk = users.get_user(office, users.create_user(office, "li", "gridoffice1", "clerk", by=ADMIN))
    with pytest.raises(users.PermissionDenied):
        users.set_role(office, clerk, admin.id, "clerk")
    users.set_role(office, admin, clerk.id, "grid_worker", 4)
    assert users.get_user(office, clerk.id).role == "grid_worker"
    with pytest.raises(ValidationError):
        users.set_role(office, admin, admin.id, "clerk")
    users.disable_user(office, admin, clerk.id)
    with pytest.raises(users.LoginFailed) as err:
        users.login(office, "li", "gridoffice1")
    assert "已停用" in err.value.message
    assert [u.name for u in users.list_users(office, by=ADMIN)] == ["admin", "li"]


def test_an_unknown_name_is_checked_with_the_scrypt_of_an_account(monkeypatch):
    # The dummy hash is a fixed string, not made at import: it must keep the accounts' real cost.
    monkeypatch.undo()  # this file's cheap hashing
    scheme, n, r, p, salt, digest = users._DUMMY_HASH.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", users._N, users._R, users._P)
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert not users.check_password("gridoffice dummy password ", users._DUMMY_HASH)
    assert users.check_password("gridoffice dummy password", users._DUMMY_HASH)
