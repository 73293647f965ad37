"""What the acting user may see and do, as one small frozen value the core's reads and writes take.

`users.scope_of` makes a Scope from a logged-in user (the one place a role becomes a scope). A grid
worker's scope is the subtree of their grid or area: its unit ids and its root's path, so every
query restricts by an `IN` over those ids or by a path range, inside the set-based SQL, never by
a filter per row. The whole office is `org_ids is None`, whose conditions are "1": an
administrator's queries are the unscoped ones. Sensitive tags (health, disability, hardship,
correction) are visible only to roles that need them; revealing full numbers and managing users
are permissions of the role.

Reads take the Scope as an argument. Writes find it on the connection, where users.login (and
the window, for its writer) binds it next to the audit's actor: a change can then only be made
as the user its audit entry names. A connection without a bound scope is the program acting for
the office itself (the generator, a migration, an import without a log-in).
"""

from __future__ import annotations

import weakref
from collections.abc import Collection
from dataclasses import dataclass
from typing import NoReturn

from gridoffice.errors import PermissionDenied
from gridoffice.i18n import tr
from gridoffice.vocab import OFFICE_TAG_PREFIX, SENSITIVE_OFFICE_PREFIX, SENSITIVE_TAGS

# What a refused permission is called in the message.
_PERMISSION_TEXT = {
    "edit": "修改档案",
    "reveal": "查看完整的身份证号和电话",
    "read_audit": "查看操作记录",
    "manage_users": "管理用户",
    "restore": "从备份恢复",
}


def org_in(column: str, org_ids: Collection[int] | None) -> str:
    """`column IN (...)` for the given units; "1" (no condition) for None, "0" for none at all.

    The ids are ints from the database, so inlining them is safe and keeps the parameter count
    small (a community's subtree can hold hundreds of units)."""
    if org_ids is None:
        return "1"
    if not org_ids:
        return "0"
    return f"{column} IN ({','.join(str(int(i)) for i in sorted(org_ids))})"


def household_in(column: str, org_ids: Collection[int] | None) -> str:
    """`column` (a household id) names a household of the given units."""
    if org_ids is None:
        return "1"
    return f"{column} IN (SELECT id FROM households WHERE {org_in('org_id', org_ids)})"


@dataclass(frozen=True)
class Scope:
    """One user's reach. Make it with users.scope_of(db, user); never by hand outside users.py."""

    actor: str  # the user's name, as the audit trail writes it
    role: str  # a users.ROLES code
    role_label: str  # Chinese
    root: int | None  # the unit whose subtree the user works in; None: the whole office
    path: str | None  # that unit's org_units.path; None: the whole office, or no unit left at all
    org_ids: frozenset[int] | None  # the units of the subtree; None: every unit
    tags: frozenset[str]  # the tag codes the user may see
    edit: bool
    reveal: bool
    read_audit: bool
    manage_users: bool
    restore: bool

    @property
    def whole_office(self) -> bool:
        return self.org_ids is None

    # ---- SQL conditions (inlined ints, no parameters) ------------------------------------------
    def units(self, column: str) -> str:
        """`column` (an org unit id) lies in the scope."""
        return org_in(column, self.org_ids)

    def households(self, column: str) -> str:
        """`column` (a household id) names a household in the scope."""
        return household_in(column, self.org_ids)

    def matters(self, alias: str = "m") -> str:
        """A matter is in scope when its grid or its household is."""
        if self.org_ids is None:
            return "1"
        return f"({self.units(alias + '.grid_id')} OR {self.households(alias + '.household_id')})"

    def staff(self, column: str) -> str:
        """`column` (a staff id) names a staff member placed in the scope or serving a household there
        (writable_staff's rule)."""
        if self.org_ids is None:
            return "1"
        return (f"({column} IN (SELECT id FROM staff WHERE {self.units('org_id')}) OR {column} IN "
                f"(SELECT c.staff_id FROM contacts c WHERE c.until IS NULL AND {self.households('c.household_id')}))")

    def colleagues(self, column: str) -> str:
        """`column` (a staff id) names a staff member the user may read: one of `staff`'s, or one placed
        on a unit above the user's own (the community's cadres a grid worker works with)."""
        if self.org_ids is None:
            return "1"
        above = [int(i) for i in (self.path or "").strip("/").split("/") if i]
        return f"({self.staff(column)} OR {column} IN (SELECT id FROM staff WHERE {org_in('org_id', above)}))"

    # ---- checks --------------------------------------------------------------------------------
    def sees(self, org_id: int | None) -> bool:
        return self.org_ids is None or org_id in self.org_ids

    def require_org(self, org_id: int | None, *, edit: bool = False) -> None:
        if not self.sees(org_id) or (edit and not self.edit):
            self.refuse(edit=edit)

    def refuse(self, *, edit: bool = False) -> NoReturn:
        """The refusal of a record outside the scope (a visit, a log entry, a need found by id)."""
        raise PermissionDenied(tr("这条记录不在您负责的范围内，不能{what}").format(
            what=tr("修改") if edit else tr("查看")))

    def allows(self, permission: str) -> bool:
        return bool(getattr(self, permission))

    def require(self, permission: str) -> None:
        if not self.allows(permission):
            raise PermissionDenied(tr("“{role}”角色没有“{what}”的权限").format(
                role=tr(self.role_label), what=tr(_PERMISSION_TEXT[permission])))

    def sees_tag(self, tag: str) -> bool:
        if tag.startswith(OFFICE_TAG_PREFIX):
            # An office's own register says in its code whether it is sensitive (office_tags).
            return not tag.startswith(SENSITIVE_OFFICE_PREFIX) or self.sees_sensitive
        return tag in self.tags

    @property
    def sees_sensitive(self) -> bool:
        return bool(self.tags & SENSITIVE_TAGS)

    def tags_sql(self, column: str) -> str:
        """`column` (a tag code) names a register the role may see, the office's own included."""
        built = ",".join(f"'{t}'" for t in sorted(self.tags)) or "NULL"
        own = f"substr({column}, 1, {len(OFFICE_TAG_PREFIX)}) = '{OFFICE_TAG_PREFIX}'"
        if not self.sees_sensitive:
            own += f" AND substr({column}, 1, {len(SENSITIVE_OFFICE_PREFIX)}) != '{SENSITIVE_OFFICE_PREFIX}'"
        return f"({column} IN ({built}) OR ({own}))"

    def require_tag(self, tag: str, label: str) -> None:
        if not self.sees_tag(tag):
            raise PermissionDenied(tr("“{role}”角色不能查看或修改“{tag}”这类敏感信息").format(
                role=tr(self.role_label), tag=label))


_bound: "weakref.WeakKeyDictionary[object, Scope]" = weakref.WeakKeyDictionary()


def bind(db, scope: Scope) -> None:
    """The user acting through this connection (users.login binds it, with the audit's actor)."""
    _bound[db] = scope


def acting(db) -> Scope | None:
    return _bound.get(db)


def writable(db, org_id: int | None, *, tag: str | None = None, tag_label: str = "") -> None:
    """Refuse a write to a record of unit `org_id` (and a tag) outside the connection's user's scope."""
    scope = acting(db)
    if scope is None:
        return
    if not scope.sees(org_id) and _under(db, org_id, scope.path):
        org_id = scope.root  # a unit made below the user's own since the log-in bound the scope
    scope.require_org(org_id, edit=True)
    if tag is not None:
        scope.require_tag(tag, tag_label)


def _under(db, org_id: int | None, path: str | None) -> bool:
    if org_id is None or path is None:
        return False
    row = db.execute("SELECT path FROM org_units WHERE id = ?", [org_id]).fetchone()
    return row is not None and row[0].startswith(path)


def readable_household(db, scope: Scope, household_id: int | None) -> None:
    """Refuse a read concerning a household outside the user's scope (an unknown id too: its absence
    is nobody's business outside the whole office)."""
    if scope.whole_office:
        return
    if household_id is None or not db.execute(
            f"SELECT 1 FROM households WHERE id = ? AND {scope.units('org_id')}", [household_id]).fetchone():
        scope.refuse()


def readable_staff(db, scope: Scope, staff_id: int | None) -> None:
    """Refuse a read concerning a staff member the user may not read (Scope.colleagues)."""
    if scope.whole_office:
        return
    if staff_id is None or not db.execute(
            f"SELECT 1 FROM staff WHERE id = ? AND {scope.colleagues('id')}", [staff_id]).fetchone():
        scope.refuse()


def writable_household(db, household_id: int | None) -> None:
    """Refuse a write concerning a household outside the connection's user's scope."""
    if acting(db) is None or household_id is None:
        return
    row = db.execute("SELECT org_id FROM households WHERE id = ?", [household_id]).fetchone()
    writable(db, row[0] if row else None)


def writable_matter(db, grid_id: int | None, household_id: int | None) -> None:
    """A matter is the user's to change when its grid or its household lies in their scope."""
    scope = acting(db)
    if scope is None or scope.whole_office:
        return writable(db, None)  # the whole office may change any matter its role may edit
    if grid_id is not None and scope.sees(grid_id):
        return writable(db, grid_id)
    if household_id is not None:
        return writable_household(db, household_id)
    writable(db, grid_id)


def writable_staff(db, staff_id: int | None) -> None:
    """A staff member is the user's to change (or to write a log for) when placed in their scope or
    serving a household there."""
    scope = acting(db)
    if scope is None or scope.whole_office or staff_id is None:
        return writable(db, None) if scope is not None else None
    row = db.execute("SELECT org_id FROM staff WHERE id = ?", [staff_id]).fetchone()
    if row is not None and scope.sees(row[0]):
        return writable(db, row[0])
    serves = db.execute("SELECT h.org_id FROM contacts c JOIN households h ON h.id = c.household_id "
                        f"WHERE c.staff_id = ? AND c.until IS NULL AND {scope.units('h.org_id')} LIMIT 1",
                        [staff_id]).fetchone()
    writable(db, serves[0] if serves else None)

