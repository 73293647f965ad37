"""Read-side queries behind the big household and person tables.

A table is an ordered list of ids (filtered and sorted by SQL, returned as a compact
array('q')) plus the visible rows fetched for a window of ids in one query. Nothing here
runs one query per row; the GUI calls these off its thread for large files.
"""

from __future__ import annotations

import datetime as dt
from array import array
from dataclasses import dataclass
from typing import Sequence

from sqlite_utils import Database

from gridoffice import ages
from gridoffice.archive import office_tags
from gridoffice.org.regions import Counts, in_subtree
from gridoffice.masking import mask_birth, mask_id, mask_phone
from gridoffice.access.scope import Scope
from gridoffice.store.where import Where


@dataclass(frozen=True)
class Filter:
    """What the clerk narrowed the table to; None means "any"."""

    org_id: int | None = None  # the unit and everything below it
    tag: str | None = None  # an open special-group tag of the person (of any member, for households)
    contact_class: int | None = None
    age_min: int | None = None  # inclusive
    age_max: int | None = None  # exclusive
    status: str | None = "active"


@dataclass(frozen=True)
class HouseholdRow:
    id: int
    number: str
    head: str
    address: str
    grid: str
    contact_class: int
    members: int
    phone: str
    status: str


@dataclass(frozen=True)
class PersonRow:
    id: int
    household_id: int | None
    name: str
    sex: str
    birth_date: str  # masked: year and month
    age: int | None
    id_masked: str
    relation: str
    household_number: str
    grid: str
    phone: str
    political_status: str
    status: str


# "+status" keeps SQLite from picking the (unselective) status index over (household_id, relation)
# in the per-household subqueries: without statistics it did, and a window of 200 rows took 20 s.

# Sort keys the tables offer, as SQL expressions over the aliases used below. "grid" groups rows
# by their unit (unit ids, not names: cheap, and keeps each unit's households together).
HOUSEHOLD_SORTS = {
    "number": "h.number",
    "head": "(SELECT name FROM persons WHERE household_id = h.id AND relation = 'head' ORDER BY status != 'active' LIMIT 1)",
    "address": "h.address",
    "grid": "h.org_id",
    "contact_class": "h.contact_class",
    "members": "(SELECT count(*) FROM persons WHERE household_id = h.id AND +status = 'active')",
    "phone": "h.phone",
    "status": "h.status",
}
PERSON_SORTS = {
    # Entry order: read straight off the status index with no sort, so 1.5 million ids come back fast.
    "entry": "p.id",
    "name": "p.name",
    "sex": "p.sex",
    "birth_date": "p.birth_date",
    "age": "p.birth_date",  # older first when ascending by age is descending by date; see person_ids
    "id_number": "p.id_number",
    "relation": "p.relation",
    "household": "(SELECT number FROM households WHERE id = p.household_id)",
    "grid": "(SELECT org_id FROM households WHERE id = p.household_id)",
    "phone": "p.phone",
    "political_status": "p.political_status",
    "status": "p.status",
}


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _person_conditions(db: Database, flt: Filter, today: dt.date, scope: Scope) -> Where:
    if flt.tag:
        scope.require_tag(flt.tag, office_tags.label(db, flt.tag))
    where = Where() if scope.whole_office else Where(scope.households("p.household_id"))
    where.equal("p.status", flt.status)
    if flt.org_id is not None:
        condition, bounds = in_subtree(db, flt.org_id, "x.org_id")
        where.add(f"p.household_id IN (SELECT x.id FROM households x WHERE {condition})", *bounds)
    if flt.contact_class is not None:
        where.add("p.household_id IN (SELECT id FROM households WHERE contact_class = ?)", flt.contact_class)
    if flt.tag:
        where.add("p.id IN (SELECT person_id FROM person_tags WHERE tag = ? AND (until IS NULL OR until = '' "
                  "OR until > ?))", flt.tag, today.isoformat())
    if flt.age_min is not None or flt.age_max is not None:
        where.extend(*ages.birth_conditions("p.birth_date", flt.age_min, flt.age_max, today))
    return where


def _household_conditions(db: Database, flt: Filter, today: dt.date, scope: Scope) -> Where:
    where = Where() if scope.whole_office else Where(scope.units("h.org_id"))
    where.equal("h.status", flt.status)
    if flt.org_id is not None:
        condition, bounds = in_subtree(db, flt.org_id, "h.org_id")
        where.add(condition, *bounds)
    where.equal("h.contact_class", flt.contact_class)
    member = Filter(tag=flt.tag, age_min=flt.age_min, age_max=flt.age_max, status="active")
    if member.tag or member.age_min is not None or member.age_max is not None:
        of_member = _person_conditions(db, member, today, scope)
        where.add(f"h.id IN (SELECT p.household_id FROM persons p WHERE {of_member.sql})", *of_member.params)
    return where


def _ids(db: Database, sql: str, params: Sequence) -> array:
    result = array("q")
    cursor = db.conn.execute(sql, params)
    while True:
        chunk = cursor.fetchmany(20000)
        if not chunk:
            return result
        result.extend(r[0] for r in chunk)


def household_ids(db: Database, flt: Filter = Filter(), *, scope: Scope, sort: str = "number",
                  descending: bool = False, today: dt.date | None = None, limit: int | None = None) -> array:
    """Ids of the households in the user's scope matching `flt`, ordered by `sort` (a key of
    HOUSEHOLD_SORTS).

    `limit` gives the first rows only: the table shows them while the whole list loads.
    """
    where = _household_conditions(db, flt, _today(today), scope)
    order = HOUSEHOLD_SORTS[sort]
    direction = "DESC" if descending else "ASC"
    sql = f"SELECT h.id FROM households h{where.clause} ORDER BY {order} {direction}, h.id {direction}"
    return _ids(db, sql + _limit(limit), where.params)


def person_ids(db: Database, flt: Filter = Filter(), *, scope: Scope, sort: str = "entry",
               descending: bool = False, today: dt.date | None = None, limit: int | None = None) -> array:
    """Ids of the persons in the user's scope matching `flt`, ordered by `sort` (a key of PERSON_SORTS)."""
    where = _person_conditions(db, flt, _today(today), scope)
    order = PERSON_SORTS[sort]
    if sort == "age":
        descending = not descending
    direction = "DESC" if descending else "ASC"
    if sort == "household":
        # Members stay together, head first.
        order = f"{order} {direction}, p.relation != 'head', p.birth_date"
        direction = ""
    sql = f"SELECT p.id FROM persons p{where.clause}"
    sql += f" ORDER BY {order} {direction}" if sort == "entry" else f" ORDER BY {order} {direction}, p.id"
    return _ids(db, sql + _limit(limit), where.params)


def _limit(limit: int | None) -> str:
    return f" LIMIT {int(limit)}" if limit is not None else ""


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


def household_rows(db: Database, ids: Sequence[int], *, scope: Scope,
                   full_phone: bool = False) -> dict[int, HouseholdRow]:
    """The display rows of the given households of the user's scope, by id, in one query (an id
    outside it gives no row); the phone masked unless full_phone, for a role that reveals."""
    if full_phone:
        scope.require("reveal")
    if not ids:
        return {}
    sql = (
        "SELECT h.id, h.number, "
        "(SELECT name FROM persons WHERE household_id = h.id AND relation = 'head' "
        " ORDER BY status != 'active' LIMIT 1), "
        "h.address, o.name, h.contact_class, "
        "(SELECT count(*) FROM persons WHERE household_id = h.id AND +status = 'active'), "
        "h.phone, h.status "
        f"FROM households h LEFT JOIN org_units o ON o.id = coalesce((SELECT grid_id FROM org_units WHERE id = h.org_id), h.org_id) "
        f"WHERE h.id IN ({_placeholders(len(ids))}) AND {scope.units('h.org_id')}"
    )
    return {
        r[0]: HouseholdRow(r[0], r[1], r[2] or "", r[3] or "", r[4] or "", r[5], r[6],
                           (r[7] or "") if full_phone else mask_phone(r[7]), r[8])
        for r in db.conn.execute(sql, list(ids))
    }


def person_rows(db: Database, ids: Sequence[int], *, scope: Scope, today: dt.date | None = None,
                full_id: bool = False) -> dict[int, PersonRow]:
    """The display rows of the given persons of the user's scope, by id, in one query; ID numbers,
    birth dates and phones masked (gridoffice.masking) unless full_id, for a role that reveals."""
    if full_id:
        scope.require("reveal")
    if not ids:
        return {}
    day = _today(today)
    sql = (
        "SELECT p.id, p.household_id, p.name, p.sex, p.birth_date, p.id_number, p.relation, "
        "h.number, o.name, p.phone, p.political_status, p.status "
        "FROM persons p LEFT JOIN households h ON h.id = p.household_id "
        "LEFT JOIN org_units o ON o.id = coalesce((SELECT grid_id FROM org_units WHERE id = h.org_id), h.org_id) "
        f"WHERE p.id IN ({_placeholders(len(ids))}) AND {scope.units('h.org_id')}"
    )
    rows = {}
    for r in db.conn.execute(sql, list(ids)):
        age = None
        if r[4]:
            try:
                age = ages.age_on(dt.date.fromisoformat(r[4]), day)
            except ValueError:
                age = None
        id_number = r[5] or ""
        rows[r[0]] = PersonRow(
            r[0], r[1], r[2], r[3] or "", (r[4] or "") if full_id else mask_birth(r[4]), age,
            id_number if full_id else mask_id(id_number),
            r[6] or "", r[7] or "", r[8] or "", (r[9] or "") if full_id else mask_phone(r[9]), r[10] or "", r[11],
        )
    return rows


def totals(db: Database, scope: Scope) -> Counts:
    """Active households and persons in the user's scope (for the status bar)."""
    if scope.whole_office:
        h = db.execute("SELECT count(*) FROM households WHERE status = 'active'").fetchone()[0]
        p = db.execute("SELECT count(*) FROM persons WHERE status = 'active'").fetchone()[0]
        return Counts(h, p)
    return Counts(len(household_ids(db, scope=scope)), len(person_ids(db, scope=scope)))


def in_scope(db: Database, household_id: int, scope: Scope) -> bool:
    """Whether a household lies in the user's scope (an id opened from elsewhere)."""
    return db.execute(f"SELECT 1 FROM households WHERE id = ? AND {scope.units('org_id')}",
                      [household_id]).fetchone() is not None

