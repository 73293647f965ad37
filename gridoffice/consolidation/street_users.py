"""The street's accounts, their log-in and the street's audit trail, kept in the store.

A street's window and commands read residents' records of every community, so they log in like an
office's: scrypt hashes made by `gridoffice.access.users` (one definition), an unknown name costing the
same scrypt as a wrong password and getting the same answer, and failures counted per name (hashed)
with the office's waits (`session.delay_after`: three free, then 1, 2, 4 … 60 s, no lock-out). The
counts live in the store, so every computer and process of the street shares them; each failure is
one atomic upsert, so simultaneous guesses are all counted.

Roles: a street administrator (街道管理员) enrols offices, manages the accounts (adds, disables,
enables, resets a password), and may reveal a full ID number with a reason; street staff (街道工作人员)
read, masked. Searches, reveals, exports, log-ins and every change of an account go into
`street_audit`, which triggers keep append-only.

Nobody can lock an administrator out: a guessed name only ever waits (at most a minute), an
administrator cannot disable their own account, so the one who disables another is still active,
and a password reset clears the name's waits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import psycopg

from gridoffice import masking
from gridoffice.errors import NotFound, PermissionDenied, ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import check_length, clean_text
from gridoffice.access.session import delay_after
from gridoffice.access.users import LoginFailed, check_new_account, check_password, hash_password

ROLES = {"street_admin": "街道管理员", "street_staff": "街道工作人员"}
# Said when a name or a password is wrong, whichever it was.
_WRONG = "用户名或密码不正确"
# An unknown name is checked against this hash, so it costs what a wrong password costs.
_DUMMY_HASH = hash_password("not a password of anyone")


@dataclass(frozen=True)
class StreetUser:
    id: int
    name: str
    display_name: str
    role: str

    @property
    def admin(self) -> bool:
        return self.role == "street_admin"

    @property
    def may_reveal(self) -> bool:
        return self.admin

    @property
    def label(self) -> str:
        return self.display_name or self.name


class Throttled(LoginFailed):
    def __init__(self, seconds: float):
        super().__init__(tr("登录失败次数过多，请{n}秒后再试").format(n=max(1, int(seconds + 0.999))))
        self.seconds = seconds


def _name_key(name: str) -> str:
    # Tried names are not kept in the clear: a mistyped password can be a name.
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def has_users(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM street_users WHERE status = 'active')").fetchone()[0]


def add_user(conn: psycopg.Connection, name: str, password: str, role: str, *, by: StreetUser | None,
             display_name: str = "") -> StreetUser:
    """A new account. Only a street administrator adds one, except the first, which must be one."""
    name = check_new_account(name, password)
    display_name = clean_text(display_name)
    check_length(display_name, "display_name", "display_name")
    if role not in ROLES:
        raise ValidationError("role", tr("角色只能是：{roles}").format(roles="、".join(tr(r) for r in ROLES.values())))
    with conn.transaction():
        conn.execute("LOCK TABLE street_users IN SHARE ROW EXCLUSIVE MODE")
        if by is None:
            if has_users(conn):
                raise PermissionDenied(tr("汇总数据库已有街道账号：请先以街道管理员登录，再添加账号"))
            if role != "street_admin":
                raise ValidationError("role", tr("第一个账号必须是街道管理员"))
        elif not by.admin:
            raise PermissionDenied(tr("只有街道管理员可以添加账号"))
        if conn.execute("SELECT 1 FROM street_users WHERE name = %s", [name]).fetchone():
            raise ValidationError("name", tr("用户名“{name}”已经有了，请换一个").format(name=name))
        user_id = conn.execute(
            "INSERT INTO street_users(name, display_name, role, password_hash, created_by) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            [name, display_name, role, hash_password(password), by.name if by else ""]).fetchone()[0]
        _record(conn, by.name if by else name, "add_user", detail={"name": name, "role": role})
    return StreetUser(user_id, name, display_name, role)


def wait_seconds(conn: psycopg.Connection, name: str, *, now: dt.datetime | None = None) -> float:
    row = conn.execute("SELECT failures, last_failure FROM street_logins WHERE name_key = %s",
                       [_name_key(clean_text(name))]).fetchone()
    if row is None:
        return 0.0
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (row[1] - now).total_seconds() + delay_after(row[0]))


def log_in(conn: psycopg.Connection, name: str, password: str, *, now: dt.datetime | None = None) -> StreetUser:
    """The account, when the name and password are right and the name need not wait; LoginFailed
    (Throttled when it must wait) otherwise. Nothing says whether the name exists."""
    name = clean_text(name)
    if not name:
        raise LoginFailed(tr("请输入用户名"))
    now = now or dt.datetime.now(dt.timezone.utc)
    if (wait := wait_seconds(conn, name, now=now)) > 0:
        raise Throttled(wait)
    row = conn.execute("SELECT id, name, display_name, role, password_hash, status FROM street_users "
                       "WHERE name = %s", [name]).fetchone()
    good = check_password(password, row[4] if row else _DUMMY_HASH) and row is not None
    if not good:
        with conn.transaction():
            conn.execute("INSERT INTO street_logins(name_key, failures, last_failure) VALUES (%s, 1, %s) "
                         "ON CONFLICT (name_key) DO UPDATE SET failures = street_logins.failures + 1, "
                         "last_failure = excluded.last_failure", [_name_key(name), now])
            _record(conn, name if row else "", "login_failed", detail={})
        raise LoginFailed(tr(_WRONG))
    if row[5] != "active":
        raise LoginFailed(tr("此账号已停用，请联系街道管理员"))
    with conn.transaction():
        conn.execute("DELETE FROM street_logins WHERE name_key = %s", [_name_key(name)])
        _record(conn, name, "login", detail={})
    return StreetUser(row[0], row[1], row[2], row[3])


def _record(conn: psycopg.Connection, actor: str, action: str, *, office: str | None = None,
            detail: dict) -> None:
    conn.execute("INSERT INTO street_audit(actor, action, office, detail) VALUES (%s, %s, %s, %s)",
                 [actor, action, office, json.dumps(detail, ensure_ascii=False)])


def record_search(conn: psycopg.Connection, user: StreetUser, query: str, hits: int) -> None:
    """A search across communities, with its words (numbers in them masked) and how many it found."""
    with conn.transaction():
        _record(conn, user.name, "search", detail={"query": masking.mask_text(clean_text(query)), "hits": hits})


def reveal_id(conn: psycopg.Connection, reader: psycopg.Connection, user: StreetUser, office: str,
              person_gid: str, reason: str) -> str:
    """A person's full ID number, for a street administrator who gives a reason; audited first.
    `conn` writes the audit entry, `reader` (the window's read-only session) reads the number."""
    if not user.may_reveal:
        raise PermissionDenied(tr("只有街道管理员可以查看完整身份证号码"))
    reason = clean_text(reason)
    if len(reason) < 2:
        raise ValidationError("reason", tr("查看完整身份证号码前，请填写原因（例如“核对跨社区重复登记”）"))
    check_length(reason, "reason", "reason")
    row = reader.execute("SELECT data->>'id_number', data->>'name' FROM records_persons "
                         "WHERE office = %s AND gid = %s", [office, person_gid]).fetchone()
    if row is None:
        raise NotFound(tr("汇总数据库中没有这个人员"))
    with conn.transaction():
        _record(conn, user.name, "reveal", office=office,
                detail={"person_gid": person_gid, "field": "id_number", "reason": reason})
    return row[0] or ""


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: str
    office_name: str | None
    detail: dict


ACTION_LABELS = {"login": "登录", "login_failed": "登录失败", "add_user": "添加街道账号", "search": "跨社区查找",
                 "reveal": "查看完整身份证号码", "disable_user": "停用街道账号", "enable_user": "启用街道账号",
                 "reset_password": "重设街道账号密码", "export": "导出报表"}


def audit_entries(conn: psycopg.Connection, *, limit: int = 200) -> list[AuditEntry]:
    rows = conn.execute("SELECT a.at, a.actor, a.action, o.name, a.detail FROM street_audit a "
                        "LEFT JOIN offices o ON o.uuid = a.office ORDER BY a.id DESC LIMIT %s", [limit]).fetchall()
    return [AuditEntry(*row) for row in rows]


def require_admin(user: StreetUser) -> None:
    if not user.admin:
        raise PermissionDenied(tr("这项操作需要街道管理员账号"))



@dataclass(frozen=True)
class Account:
    """An account as the administrators' list shows it (never its password hash)."""

    name: str
    display_name: str
    role: str
    status: str
    created_at: dt.datetime
    created_by: str
    failures: int  # failed log-ins since the last good one
    wait: float  # seconds the name must wait before its next try

    @property
    def active(self) -> bool:
        return self.status == "active"


def list_users(conn: psycopg.Connection, by: StreetUser, *, now: dt.datetime | None = None) -> list[Account]:
    """Every account, administrators first, for a street administrator."""
    require_admin(by)
    now = now or dt.datetime.now(dt.timezone.utc)
    rows = conn.execute("SELECT name, display_name, role, status, created_at, created_by FROM street_users "
                        "ORDER BY role, name").fetchall()
    failed = {key: (n, last) for key, n, last in conn.execute(
        "SELECT name_key, failures, last_failure FROM street_logins").fetchall()}
    out = []
    for name, display_name, role, status, created_at, created_by in rows:
        failures, last = failed.get(_name_key(name), (0, None))
        wait = max(0.0, (last - now).total_seconds() + delay_after(failures)) if last else 0.0
        out.append(Account(name, display_name, role, status, created_at, created_by, failures, wait))
    return out


def _account_id(conn: psycopg.Connection, name: str) -> int:
    row = conn.execute("SELECT id FROM street_users WHERE name = %s FOR UPDATE", [clean_text(name)]).fetchone()
    if row is None:
        raise NotFound(tr("没有名为“{name}”的街道账号，请核对用户名").format(name=clean_text(name)))
    return row[0]


def set_active(conn: psycopg.Connection, by: StreetUser, name: str, active: bool) -> None:
    """Disables or enables an account; never one's own (so an administrator always remains)."""
    require_admin(by)
    name = clean_text(name)
    if name == by.name and not active:
        raise ValidationError("name", tr("不能停用自己的账号，请由另一位街道管理员操作"))
    with conn.transaction():
        user_id = _account_id(conn, name)
        conn.execute("UPDATE street_users SET status = %s WHERE id = %s", ["active" if active else "disabled", user_id])
        _record(conn, by.name, "enable_user" if active else "disable_user", detail={"name": name})


def reset_password(conn: psycopg.Connection, by: StreetUser, name: str, new_password: str) -> None:
    """A street administrator sets an account's new password and clears its name's waits; a disabled
    account stays disabled."""
    require_admin(by)
    name = check_new_account(name, new_password)
    with conn.transaction():
        user_id = _account_id(conn, name)
        conn.execute("UPDATE street_users SET password_hash = %s WHERE id = %s", [hash_password(new_password), user_id])
        conn.execute("DELETE FROM street_logins WHERE name_key = %s", [_name_key(name)])
        _record(conn, by.name, "reset_password", detail={"name": name})


EXPORTS = {"monthly_summary": "月度汇总表"}


def record_export(conn: psycopg.Connection, user: StreetUser, what: str, file_name: str, *, month: str = "",
                  rows: int = 0) -> None:
    """A file written from the store (EXPORTS names what), kept before the file is put in its place."""
    with conn.transaction():
        _record(conn, user.name, "export", detail={"what": what, "file": file_name, "month": month, "rows": rows})
