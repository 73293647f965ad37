"""Special-group registers (重点人群): read-side queries only.

A register is either a tag (vocab.TAGS, open while `until` is empty or later than the day)
or an age group derived from birth dates (ages.AGE_GROUPS), so it is never stale.
Only persons in the register (status 'active') are counted and listed.
Lists are returned as ordered ids; rows are fetched per visible window with masked
identity and phone numbers, so the list never carries a full ID number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from sqlite_utils import Database

from gridoffice import ages, vocab
from gridoffice.archive import office_tags
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.masking import mask_birth, mask_id, mask_phone
from gridoffice.org.regions import get_unit, tree_keys
from gridoffice.access.scope import Scope

AGE_PREFIX = "age:"


@dataclass(frozen=True)
class Group:
    code: str  # a tag code, or 'age:<age group code>'
    label: str
    kind: str  # 'age' or 'tag'
    sensitive: bool


@dataclass(frozen=True)
class RegisterRow:
    person_id: int
    household_id: int | None
    name: str
    sex: str  # Chinese label
    birth_date: str  # masked: year and month
    age: int | None
    household_number: str
    address: str
    grid: str
    id_masked: str
    phone_masked: str


SORTS = ("household", "name", "age", "grid")


def groups(db: Database | None = None) -> list[Group]:
    """Every register in display order: age groups first, then the tags; with `db`, the office's
    own registers in use after the built-in ones."""
    result = [Group(AGE_PREFIX + g.code, ages.label(g), "age", False) for g in ages.AGE_GROUPS]
    result += [Group(code, vocab.label(vocab.TAGS, code), "tag", code in vocab.SENSITIVE_TAGS) for code in vocab.TAGS]
    if db is not None:
        result += [Group(r.code, r.label, "tag", r.sensitive) for r in office_tags.registers(db) if r.own]
    return result


def group(code: str, db: Database | None = None) -> Group:
    for g in groups(db):
        if g.code == code:
            return g
    raise ValidationError("group", tr("没有名为“{code}”的重点人群").format(code=code))


def _scope(db: Database, scope: Scope, org_id: int | None) -> tuple[str, list]:
    """A WHERE fragment restricting persons (alias p) to the households of a subtree: the chosen
    unit's (which must lie in the user's scope), or else the scope's own."""
    if org_id is not None:
        scope.require_org(org_id)
    elif not scope.whole_office:
        if scope.root is None:
            return " AND 0", []
        org_id = scope.root
    if org_id is None:
        return "", []
    lo, hi = get_unit(db, org_id).subtree
    # Driven from the subtree's households, so one grid costs a few ms even in a district file.
    return (" AND p.household_id IN (SELECT sh.id FROM households sh JOIN org_units so ON so.id = sh.org_id "
            "WHERE so.path >= ? AND so.path < ?)", [lo, hi])


# '+p.status' keeps SQLite off the low-selectivity status index, so it picks the birth-date,
# household or tag lookups that actually narrow the rows.
ACTIVE = "+p.status = 'active'"
# A person looked up by id for its status and household only (tags, counted): from the narrow index
# that holds both (schema.DASHBOARD_INDEXES) instead of the wide row.
BY_ID = "INDEXED BY idx_persons_id_status_household"


def _age_where(g: ages.AgeGroup, today: dt.date) -> tuple[str, list]:
    parts, params = ages.birth_conditions("p.birth_date", g.min_age, g.max_age, today, known=True)
    return " AND ".join(parts), params


def _tag_where(tag: str, today: dt.date) -> tuple[str, list]:
    return (
        "p.id IN (SELECT t.person_id FROM person_tags t WHERE t.tag = ? "
        "AND (t.until IS NULL OR t.until = '' OR t.until > ?))",
        [tag, today.isoformat()],
    )


def _group_where(code: str, today: dt.date) -> tuple[str, list]:
    if code.startswith(AGE_PREFIX):
        return _age_where(ages.AGE_GROUP_BY_CODE[code[len(AGE_PREFIX):]], today)
    return _tag_where(code, today)


def counts(db: Database, *, scope: Scope, org_id: int | None = None, today: dt.date | None = None) -> dict[str, int]:
    """Persons in each register the user may see (keys as in groups()), within the user's scope and
    the subtree of org_id if given."""
    today = today or dt.date.today()
    where, params = _scope(db, scope, org_id)
    result: dict[str, int] = {}
    age_exprs, age_params = [], []
    for g in ages.AGE_GROUPS:
        expr, p = _age_where(g, today)
        age_exprs.append(f"COALESCE(SUM({expr}), 0)")
        age_params += p
    # One pass over the persons for all age groups, one grouped pass over open tags.
    row = db.execute(
        f"SELECT {', '.join(age_exprs)} FROM persons p WHERE {ACTIVE}{where}",
        age_params + params,
    ).fetchone()
    for g, n in zip(ages.AGE_GROUPS, row):
        result[AGE_PREFIX + g.code] = n
    tag_counts = dict(
        db.execute(
            f"SELECT t.tag, COUNT(DISTINCT t.person_id) FROM person_tags t JOIN persons p {BY_ID} ON p.id = t.person_id "
            f"WHERE {ACTIVE} AND (t.until IS NULL OR t.until = '' OR t.until > ?){where} GROUP BY t.tag",
            [today.isoformat()] + params,
        ).fetchall()
    )
    for register in office_tags.registers(db):
        if scope.sees_tag(register.code):
            result[register.code] = tag_counts.get(register.code, 0)
    return result


def person_ids(db: Database, code: str, *, scope: Scope, org_id: int | None = None, sort: str = "household",
               descending: bool = False, today: dt.date | None = None) -> list[int]:
    """The persons of one register within the user's scope in display order; rows come from rows()
    per visible window. A sensitive register the role may not see is refused."""
    if sort not in SORTS:
        raise ValidationError("sort", tr("不能按“{sort}”排序").format(sort=sort))
    found = group(code, db)
    if found.kind == "tag":
        scope.require_tag(code, found.label)
    today = today or dt.date.today()
    cond, cond_params = _group_where(code, today)
    where, params = _scope(db, scope, org_id)
    direction = "DESC" if descending else "ASC"
    order = {
        "household": f"h.number {direction}, p.id",
        "name": f"p.name {direction}, p.id",
        # Older people were born earlier: age descending is birth date ascending.
        "age": f"p.birth_date {'ASC' if descending else 'DESC'}, p.id",
        "grid": "p.id",  # naturally by the grid's place in the tree (第2网格 before 第10网格), below
    }[sort]
    extra = ""
    if sort in ("household", "grid"):
        extra = " LEFT JOIN households h ON h.id = p.household_id"
        if sort == "grid":
            extra += " LEFT JOIN org_units ho ON ho.id = h.org_id"
    if sort != "grid":
        sql = f"SELECT p.id FROM persons p{extra} WHERE {ACTIVE} AND {cond}{where} ORDER BY {order}"
        return [r[0] for r in db.execute(sql, cond_params + params)]
    keys = tree_keys(db)
    found = db.execute(f"SELECT p.id, ho.grid_id, coalesce(h.number, '') FROM persons p{extra} "
                       f"WHERE {ACTIVE} AND {cond}{where} ORDER BY {order}", cond_params + params).fetchall()
    by_grid = sorted(found, key=lambda r: (r[1] not in keys, keys.get(r[1], []), r[2], r[0]))
    if descending:  # grids reversed, each grid's households still in their order
        grids: dict = {}
        for r in by_grid:
            grids.setdefault(r[1], []).append(r[0])
        return [pid for ids in reversed(list(grids.values())) for pid in ids]
    return [r[0] for r in by_grid]


def rows(db: Database, ids: Sequence[int], *, scope: Scope, today: dt.date | None = None) -> dict[int, RegisterRow]:
    """The visible rows for a window of ids, keyed by person id (one query per window); a person
    outside the user's scope gives no row."""
    today = today or dt.date.today()
    result: dict[int, RegisterRow] = {}
    # SQLite limits host parameters; a window is small, but stay safe for callers passing more.
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        for r in db.execute(
            "SELECT p.id, p.household_id, p.name, p.sex, p.birth_date, p.id_number, p.phone, "
            "h.number, h.address, g.name FROM persons p "
            "LEFT JOIN households h ON h.id = p.household_id "
            "LEFT JOIN org_units ho ON ho.id = h.org_id LEFT JOIN org_units g ON g.id = ho.grid_id "
            f"WHERE p.id IN ({marks}) AND {scope.units('h.org_id')}",
            chunk,
        ):
            age = ages.age_on(dt.date.fromisoformat(r[4]), today) if r[4] else None
            result[r[0]] = RegisterRow(
                person_id=r[0], household_id=r[1], name=r[2], sex=vocab.label(vocab.SEX, r[3]), birth_date=mask_birth(r[4]),
                age=age,
                household_number=r[7] or "", address=r[8] or "", grid=r[9] or "",
                id_masked=mask_id(r[5]), phone_masked=mask_phone(r[6]),
            )
    return result
