"""Read-side lists behind the 组织与网格 page, each in one or two queries whatever its length.

staff_rows: the staff of some units with their open roles and contact counts.
grid_households: the households one picks contact households from, with who contacts them now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlite_utils import Database

from gridoffice.org import regions
from gridoffice.access.scope import Scope


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    kind: str
    phone: str
    org_id: int | None
    unit_name: str
    roles: tuple[str, ...]  # open role codes
    contacts: int  # open contact links


@dataclass(frozen=True)
class HouseholdChoice:
    id: int
    number: str
    head: str
    address: str
    contact_class: int
    contact_names: tuple[str, ...]  # staff who contact the household now


def _marks(n: int) -> str:
    return ",".join("?" * n)


def staff_rows(db: Database, org_ids: Sequence[int], *, scope: Scope) -> list[StaffRow]:
    """Active staff attached to any of the units, by name: those the user may read (Scope.colleagues),
    with the contacts they keep in the user's scope."""
    org_ids = list(org_ids)
    if not org_ids:
        return []
    rows = db.execute(
        "SELECT s.id, s.name, s.kind, coalesce(s.phone, ''), s.org_id, coalesce(u.name, ''), "
        "(SELECT group_concat(r.role, ',') FROM staff_roles r WHERE r.staff_id = s.id AND r.until IS NULL), "
        "(SELECT count(*) FROM contacts c WHERE c.staff_id = s.id AND c.until IS NULL "
        f"AND {scope.households('c.household_id')}) FROM staff s LEFT JOIN org_units u ON u.id = s.org_id "
        f"WHERE s.status = 'active' AND s.org_id IN ({_marks(len(org_ids))}) AND {scope.colleagues('s.id')} "
        "ORDER BY s.name, s.id",
        org_ids,
    ).fetchall()
    return [StaffRow(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6].split(",")) if r[6] else (), r[7])
            for r in rows]


def grid_households(db: Database, org_id: int, *, scope: Scope) -> list[HouseholdChoice]:
    """Households in the register within the unit's subtree, by number, with their current contacts;
    a unit outside the user's scope is refused."""
    scope.require_org(org_id)
    subtree = ("SELECT h.id FROM households h JOIN org_units u ON u.id = h.org_id "
               "WHERE u.path >= ? AND u.path < ? AND h.status = 'active'")
    bounds = list(regions.get_unit(db, org_id).subtree)
    names: dict[int, list[str]] = {}
    for household_id, name in db.execute(
        "SELECT c.household_id, s.name FROM contacts c JOIN staff s ON s.id = c.staff_id "
        f"WHERE c.until IS NULL AND c.household_id IN ({subtree}) ORDER BY c.since, c.id", bounds,
    ):
        names.setdefault(household_id, []).append(name)
    # '+p.status' keeps SQLite on the (household_id, relation) index instead of the status index.
    rows = db.execute(
        "SELECT h.id, h.number, (SELECT p.name FROM persons p WHERE p.household_id = h.id AND p.relation = 'head' "
        "AND +p.status = 'active' ORDER BY p.id LIMIT 1), h.address, h.contact_class "
        "FROM households h JOIN org_units u ON u.id = h.org_id "
        "WHERE u.path >= ? AND u.path < ? AND h.status = 'active' ORDER BY h.number", bounds,
    ).fetchall()
    return [HouseholdChoice(r[0], r[1], r[2] or "", r[3] or "", r[4], tuple(names.get(r[0], ()))) for r in rows]
