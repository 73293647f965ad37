"""Users, roles and what each role may see and change.

Passwords are hashed with scrypt from the standard library (memory-hard, no extra dependency).
A role decides three things: which part of the org tree a user works in (a grid worker only the
subtree of their grid or area), whether health, disability and hardship tags are visible
(vocab.SENSITIVE_TAGS), and which actions are allowed. The first start creates the administrator.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice import vocab
from gridoffice.access import keys
from gridoffice.audit import trail
from gridoffice.store.db import key_of, now
from gridoffice.errors import GridOfficeError, NotFound, PermissionDenied, ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import check_length, clean_field, clean_text
from gridoffice.access.scope import Scope, bind
from gridoffice.changes import Changes, writes

# scrypt cost: ~50 ms and 16 MB per check on an old office PC; slows guessing, not the clerk.
_N, _R, _P = 2 ** 14, 8, 1
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    all_orgs: bool  # False: only the subtree of the user's org_id
    sensitive: bool  # sees health, disability and hardship tags
    edit: bool
    reveal: bool  # may reveal a full ID or phone number (with a reason, logged)
    read_audit: bool
    manage_users: bool
    restore: bool  # restore a backup over the office file


# Revealing a full number (and the searches that could confirm one, search.NUMBER_DIGITS) is for
# the roles whose work needs it: the administrator and the clerks who keep the archive, check
# identities for applications and type paper records in. A leader reads figures and comments; a
# grid worker meets residents in person and asks them. Neither needs a resident's full number
# (PIPL Art. 6, the least that serves the purpose), and they are the accounts most often shared
# or left logged in on a phone or a street office's PC.
ROLES = {
    "admin": Role("admin", "系统管理员", True, True, True, True, True, True, True),
    "leader": Role("leader", "领导", True, True, True, False, True, False, False),
    "clerk": Role("clerk", "工作人员", True, True, True, True, False, False, False),
    "grid_worker": Role("grid_worker", "网格员", False, False, True, False, False, False, False),
}
ROLE_LABELS = {code: role.label for code, role in ROLES.items()}


@dataclass(frozen=True)
class User:
    id: int
    name: str
    display_name: str
    role: str
    org_id: int | None
    status: str

    @property
    def permissions(self) -> Role:
        return ROLES[self.role]


class LoginFailed(GridOfficeError):
    pass


# --- passwords -------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2, maxmem=128 * 1024 * 1024)
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def _require_password(password: str, field: str = "password") -> str:
    if not password or len(password) < MIN_PASSWORD:
        raise ValidationError(field, tr("密码至少要{n}个字符，请重新设置").format(n=MIN_PASSWORD))
    if password.isdigit() or password.isalpha():
        raise ValidationError(field, tr("密码不能只有数字或只有字母，请混合使用字母和数字"))
    return password


# --- key slots -------------------------------------------------------------------------------

def _office_path(db: Database) -> str:
    return next((r[2] for r in db.execute("PRAGMA database_list") if r[1] == "main"), "")


def _set_slot(db: Database, name: str, password: str) -> None:
    """The user's key slot follows their password (an office in memory or in the clear has none)."""
    path = _office_path(db)
    if path and keys.read(path) is not None:
        data_key = key_of(path)
        if data_key is not None:
            keys.set_password(path, data_key, name, password)


def _remove_slot(db: Database, name: str) -> None:
    path = _office_path(db)
    if path:
        keys.remove_user(path, name)


# --- users -----------------------------------------------------------------------------------

_COLUMNS = "id, name, display_name, role, org_id, status"


def _user(row) -> User:
    return User(row[0], row[1], row[2] or "", row[3], row[4], row[5])


def get_user(db: Database, user_id: int) -> User:
    row = db.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", [user_id]).fetchone()
    if row is None:
        raise NotFound(tr("找不到编号为{id}的用户").format(id=user_id))
    return _user(row)


def list_users(db: Database, *, by: User | Scope) -> list[User]:
    """Every account, for a role that manages users."""
    require(by, "manage_users")
    return [_user(r) for r in db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY status, name")]


def needs_first_admin(db: Database) -> bool:
    """True on the first start only: the file has no account at all, so the administrator must be
    created. A file with accounts but no active administrator (one disabled, or the file altered)
    never offers it: whoever held a copy could make themselves administrator and read everything."""
    return db.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def lacks_admin(db: Database) -> bool:
    """Accounts exist but none is an active administrator: nobody can manage accounts or restore."""
    return not needs_first_admin(db) and db.execute(
        "SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active'").fetchone()[0] == 0


def _check_role(db: Database, role: str, org_id: int | None) -> None:
    if role not in ROLES:
        raise ValidationError("role", tr("没有“{role}”这个角色，请从列表中选择").format(role=role))
    if org_id is not None and db.execute("SELECT 1 FROM org_units WHERE id = ?", [org_id]).fetchone() is None:
        raise ValidationError("org_id", tr("所选的组织单元不存在，请重新选择负责的网格或片区"))
    if not ROLES[role].all_orgs and org_id is None:
        raise ValidationError("org_id", tr("网格员必须指定负责的网格或片区"))


def check_new_account(name: str, password: str) -> str:
    name = clean_text(name)
    if not name:
        raise ValidationError("name", tr("用户名不能为空"))
    check_length(name, "user_name", "name")
    _require_password(password)
    return name


@writes(Changes.NONE)
def create_user(db: Database, name: str, password: str, role: str, *, by: Scope, display_name: str = "",
                org_id: int | None = None) -> int:
    """A new account, made by a user whose role may manage users."""
    by.require("manage_users")
    return _create_user(db, name, password, role, display_name=display_name, org_id=org_id)


def _create_user(db: Database, name: str, password: str, role: str, *, display_name: str = "",
                 org_id: int | None = None) -> int:
    name = check_new_account(name, password)
    _check_role(db, role, org_id)
    if db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
        raise ValidationError("name", tr("用户名“{name}”已被使用，请换一个").format(name=name))
    stamp = now()
    values = {"name": name, "display_name": clean_field(display_name, "display_name"), "role": role, "org_id": org_id,
              "status": "active", "failed_logins": 0, "created_at": stamp, "updated_at": stamp}
    with db.atomic():
        user_id = db.execute(
            "INSERT INTO users(name, display_name, role, org_id, password_hash, status, failed_logins, created_at, "
            "updated_at) VALUES(?,?,?,?,?,?,?,?,?)",
            [name, values["display_name"], role, org_id, hash_password(password), "active", 0, stamp, stamp],
        ).lastrowid
        trail.record(db, "user_create", "users", user_id, new=values)
        _set_slot(db, name, password)
    return user_id


@writes(Changes.NONE)
def create_first_admin(db: Database, name: str, password: str, display_name: str = "") -> int:
    if not needs_first_admin(db):
        raise PermissionDenied(tr("系统管理员已经存在；新用户请由管理员在“用户管理”中添加"))
    return _create_user(db, name, password, "admin", display_name=display_name)


# An unknown name is checked against this hash, so it costs the same scrypt as a known one. A fixed
# string (hash_password of a phrase no account has), not computed at import: that scrypt would
# add ~50 ms to every start of the program and of every command.
_DUMMY_HASH = ("scrypt$16384$8$1$92d3ee11062a6add9c32f2c3488f6560$"
               "f6451b7124c4c36d392e54052de94e317dfef28191f5b2b487f6adee3400333e")


@writes(Changes.NONE)
def login(db: Database, name: str, password: str) -> User:
    """Check a name and password against the stored hash (an office not yet encrypted, or one in
    memory); on success the user becomes the actor of this connection. An unknown name costs the
    same hash as a known one and gets the same answer; the state of an account is told only to
    someone who gave its password. Failures are throttled by gridoffice.access.session, never locked."""
    name = clean_text(name)
    row = db.execute(f"SELECT {_COLUMNS}, password_hash FROM users WHERE name = ?", [name]).fetchone()
    wrong = LoginFailed(tr("用户名或密码不正确"))
    if row is None:
        check_password(password, _DUMMY_HASH)
        with db.atomic():
            trail.record(db, "login_failed", "users", None, new={"name": name})
        raise wrong
    user = _user(row)
    if not check_password(password, row[6]):
        with db.atomic():
            db.execute("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", [user.id])
            trail.record(db, "login_failed", "users", user.id, new={"name": name})
        raise wrong
    if user.status != "active":
        raise LoginFailed(tr("此账号已停用，请联系系统管理员"))
    trail.set_actor(db, user.name)
    bind(db, scope_of(db, user))
    with db.atomic():
        db.execute("UPDATE users SET failed_logins = 0, last_login = ? WHERE id = ?", [now(), user.id])
        trail.record(db, "login", "users", user.id)
    return user


def _update(db: Database, user_id: int, changes: dict, action: str, audit_values: dict | None = None) -> None:
    old = db.execute("SELECT * FROM users WHERE id = ?", [user_id]).fetchone()
    if old is None:
        raise NotFound(tr("找不到编号为{id}的用户").format(id=user_id))
    changes = {**changes, "updated_at": now()}
    sets = ", ".join(f"[{k}] = ?" for k in changes)
    with db.atomic():
        db.execute(f"UPDATE users SET {sets} WHERE id = ?", [*changes.values(), user_id])
        trail.record(db, action, "users", user_id, new=audit_values if audit_values is not None else changes)


@writes(Changes.NONE)
def change_password(db: Database, user_id: int, old_password: str, new_password: str) -> None:
    stored = db.execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()
    if stored is None:
        raise NotFound(tr("找不到编号为{id}的用户").format(id=user_id))
    if not check_password(old_password, stored[0]):
        raise ValidationError("old_password", tr("原密码不正确"))
    _require_password(new_password, "new_password")
    _update(db, user_id, {"password_hash": hash_password(new_password)}, "user_password", {})
    _set_slot(db, get_user(db, user_id).name, new_password)


@writes(Changes.NONE)
def reset_password(db: Database, admin: User, user_id: int, new_password: str) -> None:
    """An administrator sets a new password; a disabled account stays disabled."""
    require(admin, "manage_users")
    _require_password(new_password)
    user = get_user(db, user_id)
    _update(db, user_id, {"password_hash": hash_password(new_password), "failed_logins": 0}, "user_password_reset", {})
    if user.status == "active":
        _set_slot(db, user.name, new_password)


@writes(Changes.NONE)
def recover_admin_password(db: Database, name: str, new_password: str) -> User:
    """After the recovery code opened the file: a new password for an active administrator."""
    row = db.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", [clean_text(name)]).fetchone()
    if row is None or row[3] != "admin" or row[5] != "active":
        raise NotFound(tr("没有名为“{name}”的在用系统管理员账号，请核对用户名").format(name=clean_text(name)))
    _require_password(new_password)
    user = _user(row)
    _update(db, user.id, {"password_hash": hash_password(new_password), "failed_logins": 0},
            "user_password_recovered", {})
    _set_slot(db, user.name, new_password)
    return user


@writes(Changes.NONE)
def set_role(db: Database, admin: User, user_id: int, role: str, org_id: int | None = None) -> None:
    require(admin, "manage_users")
    _check_role(db, role, org_id)
    if user_id == admin.id and role != "admin":
        raise ValidationError("role", tr("不能取消自己的管理员角色，请由另一位管理员操作"))
    _update(db, user_id, {"role": role, "org_id": org_id}, "user_role")


@writes(Changes.NONE)
def set_display_name(db: Database, admin: User, user_id: int, display_name: str) -> None:
    """The account's real name (姓名), signed on reports and comments when it is linked to no staff member."""
    require(admin, "manage_users")
    _update(db, user_id, {"display_name": clean_field(display_name, "display_name")}, "user_display_name")


@writes(Changes.NONE)
def disable_user(db: Database, admin: User, user_id: int) -> None:
    """Accounts are never deleted: their name stays readable in the audit trail."""
    require(admin, "manage_users")
    if user_id == admin.id:
        raise ValidationError("status", tr("不能停用自己的账号"))
    _update(db, user_id, {"status": "disabled"}, "user_disable")
    # Without its slot the account's password no longer opens the file at all.
    _remove_slot(db, get_user(db, user_id).name)


# --- permissions -----------------------------------------------------------------------------

def scope_of(db: Database, user) -> Scope:
    """The one place a user (users.User, or the GUI's session without a log-in) becomes the Scope
    the core's reads and writes take: the role's permissions and the units of its subtree."""
    role = user.permissions
    org_ids = visible_org_ids(db, user)
    path = _path(db, user.org_id) if org_ids is not None and user.org_id is not None else None
    return Scope(user.name, role.code, role.label, None if org_ids is None else user.org_id, path,
                 None if org_ids is None else frozenset(org_ids), frozenset(visible_tags(user)), role.edit,
                 role.reveal, role.read_audit, role.manage_users, role.restore)


def whole_office(actor: str, role: str = "admin") -> Scope:
    """A role's scope over every unit, for callers that act for the office itself (a generator)."""
    r = ROLES[role]
    tags = frozenset(vocab.TAGS) if r.sensitive else frozenset(vocab.TAGS) - vocab.SENSITIVE_TAGS
    return Scope(actor, r.code, r.label, None, None, None, tags, r.edit, r.reveal, r.read_audit, r.manage_users,
                 r.restore)


def require(user: User | Scope, permission: str) -> None:
    (user if isinstance(user, Scope) else whole_office(user.name, user.role)).require(permission)


def _path(db: Database, org_id: int) -> str | None:
    row = db.execute("SELECT path FROM org_units WHERE id = ?", [org_id]).fetchone()
    return row[0] if row else None


def visible_org_ids(db: Database, user: User) -> set[int] | None:
    """The org units this user works in; None means every unit."""
    if user.permissions.all_orgs and user.org_id is None:
        return None
    root = _path(db, user.org_id) if user.org_id is not None else None
    if root is None:
        return set()
    return {r[0] for r in db.execute("SELECT id FROM org_units WHERE substr(path, 1, ?) = ?", [len(root), root])}


def can_see_org(db: Database, user: User, org_id: int | None) -> bool:
    scope = visible_org_ids(db, user)
    return scope is None or org_id in scope


def can_see_household(db: Database, user: User, household_id: int) -> bool:
    row = db.execute("SELECT org_id FROM households WHERE id = ?", [household_id]).fetchone()
    return row is not None and can_see_org(db, user, row[0])


def can_see_person(db: Database, user: User, person_id: int) -> bool:
    row = db.execute("SELECT h.org_id FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id = ?",
                     [person_id]).fetchone()
    return row is not None and can_see_org(db, user, row[0])


def can_edit_org(db: Database, user: User, org_id: int | None) -> bool:
    return user.permissions.edit and can_see_org(db, user, org_id)


def visible_tags(user: User) -> set[str]:
    """The tag codes this user may see: the sensitive ones only for roles that need them."""
    if user.permissions.sensitive:
        return set(vocab.TAGS)
    return set(vocab.TAGS) - vocab.SENSITIVE_TAGS


def filter_tags(user: User, tags) -> list[str]:
    allowed = visible_tags(user)
    return [t for t in tags if t in allowed]


def require_org(db: Database, user: User, org_id: int | None, *, edit: bool = False) -> None:
    ok = can_edit_org(db, user, org_id) if edit else can_see_org(db, user, org_id)
    if not ok:
        raise PermissionDenied(tr("这条记录不在您负责的范围内，不能{what}").format(what=tr("修改") if edit else tr("查看")))


def require_tag(user: User, tag: str) -> None:
    if tag not in visible_tags(user):
        raise PermissionDenied(tr("“{role}”角色不能查看或修改“{tag}”这类敏感信息").format(
            role=tr(user.permissions.label), tag=vocab.label(vocab.TAGS, tag)))
