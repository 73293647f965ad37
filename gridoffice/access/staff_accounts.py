"""Which staff member an account is: a log-in account and a staff record are linked once by an
administrator, so the workbench opens on one's own record and a log typed for someone else is
noticed. One staff member has at most one account."""

from __future__ import annotations

from sqlite_utils import Database

from gridoffice.audit import trail
from gridoffice.errors import NotFound, RuleViolation
from gridoffice.i18n import tr
from gridoffice.store.db import now
from gridoffice.access.scope import Scope
from gridoffice.changes import Changes, writes


def staff_of(db: Database, user_id: int | None) -> int | None:
    """The staff member this account is (an active one), or None."""
    if user_id is None:
        return None
    row = db.execute("SELECT s.id FROM users u JOIN staff s ON s.id = u.staff_id "
                     "WHERE u.id = ? AND s.status = 'active'", [user_id]).fetchone()
    return row[0] if row else None


def links(db: Database) -> dict[int, int]:
    """{user id: staff id} for every linked account."""
    return dict(db.execute("SELECT id, staff_id FROM users WHERE staff_id IS NOT NULL").fetchall())


@writes(Changes.STAFF)
def link(db: Database, user_id: int, staff_id: int | None, *, by: Scope) -> None:
    """Make the account this staff member's (None: nobody's); an administrator's task, audited."""
    by.require("manage_users")
    with db.atomic():
        user = db.execute("SELECT name, staff_id FROM users WHERE id = ?", [user_id]).fetchone()
        if user is None:
            raise NotFound(tr("找不到编号为{id}的用户").format(id=user_id))
        if staff_id is not None:
            staff = db.execute("SELECT name, status FROM staff WHERE id = ?", [staff_id]).fetchone()
            if staff is None or staff[1] != "active":
                raise NotFound(tr("找不到这位在职的工作人员"))
            other = db.execute("SELECT name FROM users WHERE staff_id = ? AND id != ?", [staff_id, user_id]).fetchone()
            if other:
                raise RuleViolation(tr("工作人员{staff}已对应账号{user}，一位工作人员只能对应一个账号").format(
                    staff=staff[0], user=other[0]))
        if user[1] == staff_id:
            return
        db.execute("UPDATE users SET staff_id = ?, updated_at = ? WHERE id = ?", [staff_id, now(), user_id])
        trail.record(db, "link_staff", "users", user_id, old={"staff_id": user[1]}, new={"staff_id": staff_id})


def real_name(db: Database, account: str) -> str:
    """The name a person signs with (制表人, 点评人): the linked staff member's name, else the name
    the administrator gave the account, else the account name itself (a session without a log-in)."""
    row = db.execute("SELECT u.display_name, s.name FROM users u LEFT JOIN staff s ON s.id = u.staff_id "
                     "AND s.status = 'active' WHERE u.name = ?", [account]).fetchone() \
        if db["users"].exists() else None
    if row is None:
        return account
    return row[1] or row[0] or account


def signer(db: Database) -> str:
    """The real name of whoever acts through this connection."""
    return real_name(db, trail.actor(db))


def acting_staff(db: Database) -> int | None:
    """The staff member whoever acts through this connection is, if their account is linked."""
    row = db.execute("SELECT id FROM users WHERE name = ?", [trail.actor(db)]).fetchone() \
        if db["users"].exists() else None
    return staff_of(db, row[0]) if row else None
