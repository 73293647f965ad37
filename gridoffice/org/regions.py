"""The organisation tree (district → street → community → area → grid → estate → building → unit).

Every node keeps `path` ('/1/5/23/', its own id last) so a subtree is one indexed prefix range,
and `grid_id`, the grid node it lies in (itself for a grid; NULL above grid level), so
"which grid is this household in" is one lookup. Nodes are retired, never deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.audit import trail, records
from gridoffice.search import finder
from gridoffice.store.db import get_setting, now, set_setting
from gridoffice.errors import NotFound, RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.natural import natural_key
from gridoffice.normalize import check_length, clean_field, clean_text
from gridoffice.access.scope import Scope, acting, writable
from gridoffice.vocab import LEVEL_RANK, ORG_LEVELS
from gridoffice.changes import Changes, writes

_COLUMNS = "id, parent_id, level, code, name, path, grid_id, sort, status, retired_at"


@dataclass(frozen=True)
class OrgUnit:
    id: int
    parent_id: int | None
    level: str
    code: str | None
    name: str
    path: str
    grid_id: int | None
    sort: int
    status: str
    retired_at: str | None

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def ancestor_ids(self) -> tuple[int, ...]:
        """Ids from the root down to the parent."""
        return tuple(int(part) for part in self.path.strip("/").split("/")[:-1])

    @property
    def subtree(self) -> tuple[str, str]:
        """The half-open range of org_units.path holding this unit and all below it, for an index
        range: '/' + 1 == '0', so every path below starts with this one and sorts before the bound."""
        return self.path, self.path[:-1] + "0"


@dataclass(frozen=True)
class Counts:
    """Active households and persons: of a unit's subtree (counts), of a user's scope (browse.totals)."""
    households: int
    persons: int


@dataclass(frozen=True)
class Office:
    name: str
    org_id: int | None


def _unit(values) -> OrgUnit:
    return OrgUnit(*values)


def get_unit(db: Database, unit_id: int) -> OrgUnit:
    found = records.require(db, "org_units", unit_id, "组织单元")
    return _unit([found[c.strip()] for c in _COLUMNS.split(",")])


def in_subtree(db: Database, unit_id: int, column: str) -> tuple[str, list]:
    """SQL saying that `column` holds a unit of `unit_id`'s subtree, with its parameters: an index range
    on org_units.path (OrgUnit.subtree). Nothing matches a unit that does not exist."""
    try:
        bounds = get_unit(db, unit_id).subtree
    except NotFound:
        return "0", []
    return f"{column} IN (SELECT id FROM org_units WHERE path >= ? AND path < ?)", list(bounds)


def children(db: Database, parent_id: int | None, *, include_retired: bool = False) -> list[OrgUnit]:
    where = "parent_id IS NULL" if parent_id is None else "parent_id = ?"
    params = [] if parent_id is None else [parent_id]
    if not include_retired:
        where += " AND status = 'active'"
    rows = db.execute(f"SELECT {_COLUMNS} FROM org_units WHERE {where} ORDER BY sort, id", params).fetchall()
    return [_unit(r) for r in rows]


def all_units(db: Database, *, include_retired: bool = False) -> list[OrgUnit]:
    """Every node, parents before children (ordered by path), siblings by sort then id."""
    where = "" if include_retired else "WHERE status = 'active'"
    return _ordered(db.execute(f"SELECT {_COLUMNS} FROM org_units {where}").fetchall())


def unit_names(db: Database) -> dict[int, str]:
    """Every unit's name by id, retired ones too (old records still name them)."""
    return dict(db.execute("SELECT id, name FROM org_units").fetchall())


def unit_by_name(db: Database, name: str) -> int:
    """The one active unit called `name`; refused when there is none or more than one."""
    rows = db.execute("SELECT id FROM org_units WHERE name = ? AND status = 'active'", [name.strip()]).fetchall()
    if not rows:
        raise ValidationError("org", tr("找不到名为“{name}”的组织单元").format(name=name))
    if len(rows) > 1:
        raise ValidationError("org", tr("名为“{name}”的组织单元不止一个，请在程序中选择").format(name=name))
    return rows[0][0]


def visible_units(db: Database, scope: Scope) -> list[OrgUnit]:
    """The active units the user works in, as all_units orders them: a grid worker's tree starts
    at their own unit."""
    return _ordered(db.execute(
        f"SELECT {_COLUMNS} FROM org_units WHERE status = 'active' AND {scope.units('id')}").fetchall())


def _ordered(rows) -> list[OrgUnit]:
    units = [_unit(r) for r in rows]
    order = {u.id: (u.sort, natural_key(u.name), u.id) for u in units}
    return sorted(units, key=lambda u: [order.get(i, (0, (), i)) for i in (*u.ancestor_ids, u.id)])


def tree_keys(db: Database) -> dict[int, list]:
    """Each unit's place in tree order (parents first; siblings by sort, then naturally by name), to
    sort any list of units or grids with: sorted(rows, key=lambda r: keys[r[0]])."""
    units = [_unit(r) for r in db.execute(f"SELECT {_COLUMNS} FROM org_units").fetchall()]
    own = {u.id: (u.sort, natural_key(u.name), u.id) for u in units}
    return {u.id: [own.get(i, (0, (), i)) for i in (*u.ancestor_ids, u.id)] for u in units}


def subtree_ids(db: Database, unit_id: int) -> list[int]:
    """The node and all its descendants (retired ones included: history stays reachable)."""
    return [r[0] for r in db.execute(
        "SELECT id FROM org_units WHERE path >= ? AND path < ? ORDER BY path", get_unit(db, unit_id).subtree
    )]


def _clean_name(value: object) -> str:
    name = clean_text(value)
    if not name:
        raise ValidationError("name", tr("名称不能为空"))
    return check_length(name, "unit_name", "name")


def _check_sibling_name(db: Database, parent_id: int | None, name: str, exclude: int | None = None) -> None:
    where = "parent_id IS NULL" if parent_id is None else "parent_id = ?"
    params = [] if parent_id is None else [parent_id]
    clash = db.execute(
        f"SELECT id FROM org_units WHERE {where} AND name = ? AND status = 'active' AND id IS NOT ?",
        [*params, name, exclude],
    ).fetchone()
    if clash:
        raise ValidationError("name", tr("同一上级下已有名为“{name}”的单元，请换一个名称").format(name=name))


def _check_parent(db: Database, parent_id: int | None, level: str) -> OrgUnit | None:
    if level not in ORG_LEVELS:
        raise ValidationError("level", tr("层级“{level}”不存在，可选：{options}").format(
            level=level, options="、".join(tr(v) for v in ORG_LEVELS.values())))
    if parent_id is None:
        return None
    parent = get_unit(db, parent_id)
    if parent.status != "active":
        raise RuleViolation(tr("上级“{name}”已撤销，不能在其下设立或移入单元").format(name=parent.name))
    if LEVEL_RANK[level] <= LEVEL_RANK[parent.level]:
        raise ValidationError("level", tr("“{child}”不能放在“{parent}”之下：下级的层级必须低于上级（{parent}是{plevel}）").format(
            child=tr(ORG_LEVELS[level]), parent=parent.name, plevel=tr(ORG_LEVELS[parent.level])))
    return parent


def _writable_unit(db: Database, unit_id: int | None) -> None:
    """Refuse a change to the tree outside the acting user's subtree. A user given a unit changes what
    lies below it (a building under their grid), never the unit itself: that is the office's to
    rename, move or retire, as is anything at the top (unit_id None)."""
    writable(db, unit_id)
    user = acting(db)
    if user is not None and not user.whole_office and unit_id == user.root:
        user.refuse(edit=True)


@writes(Changes.ORG)
def create_unit(db: Database, parent_id: int | None, level: str, name: str, code: str | None = None,
                *, sort: int = 0) -> int:
    name = _clean_name(name)
    code = clean_field(code, "unit_code", "code") or None
    with db.atomic():
        writable(db, parent_id)  # a unit under one of the user's units (the top: a whole-office user)
        parent = _check_parent(db, parent_id, level)
        _check_sibling_name(db, parent_id, name)
        stamp = now()
        new_id = db.execute(
            "INSERT INTO org_units(parent_id, level, code, name, path, sort, status, created_at, updated_at) "
            "VALUES(?, ?, ?, ?, '', ?, 'active', ?, ?)",
            [parent_id, level, code, name, sort, stamp, stamp],
        ).lastrowid
        path = f"{parent.path if parent else '/'}{new_id}/"
        grid_id = new_id if level == "grid" else (parent.grid_id if parent else None)
        db.execute("UPDATE org_units SET path = ?, grid_id = ? WHERE id = ?", [path, grid_id, new_id])
        trail.record(db, "create_unit", "org_units", new_id, new={
            "parent_id": parent_id, "level": level, "code": code, "name": name, "path": path,
            "grid_id": grid_id, "sort": sort})
    return new_id


@writes(Changes.ORG)
def rename_unit(db: Database, unit_id: int, name: str, code: str | None = None, *, sort: int | None = None) -> None:
    """Give a node a new name (and, when given, a new code or sort position)."""
    name = _clean_name(name)
    with db.atomic():
        unit = get_unit(db, unit_id)
        _writable_unit(db, unit_id)
        _check_sibling_name(db, unit.parent_id, name, exclude=unit_id)
        changes = {"name": name}
        if code is not None:
            changes["code"] = clean_field(code, "unit_code", "code") or None
        if sort is not None:
            changes["sort"] = sort
        records.update(db, "org_units", unit_id, changes, "rename_unit")


@writes(Changes.ORG)
def move_unit(db: Database, unit_id: int, new_parent_id: int | None) -> None:
    """Hang a node and its whole subtree under another parent; paths and grids follow."""
    with db.atomic():
        unit = get_unit(db, unit_id)
        _writable_unit(db, unit_id)
        writable(db, new_parent_id)
        if unit.status != "active":
            raise RuleViolation(tr("“{name}”已撤销，不能移动").format(name=unit.name))
        if new_parent_id is not None and get_unit(db, new_parent_id).path.startswith(unit.path):
            raise RuleViolation(tr("不能把“{name}”移到它自己或它的下级之下").format(name=unit.name))
        parent = _check_parent(db, new_parent_id, unit.level)
        _check_sibling_name(db, new_parent_id, unit.name, exclude=unit_id)
        old_prefix = unit.path
        new_prefix = f"{parent.path if parent else '/'}{unit_id}/"
        rows = db.execute(
            "SELECT id, parent_id, level, path, grid_id FROM org_units WHERE path >= ? AND path < ?",
            [old_prefix, old_prefix[:-1] + "0"],
        ).fetchall()
        # A path holds at most one grid (levels strictly descend), so each node's grid is the grid
        # node on its new path: inside the subtree, or else the new parent's grid.
        subtree = {r[0]: r for r in rows}
        for node_id, node_parent, level, path, grid_id in rows:
            new_path = new_prefix + path[len(old_prefix):]
            inner_grids = [int(i) for i in new_path.strip("/").split("/")
                           if int(i) in subtree and subtree[int(i)][2] == "grid"]
            new_grid = inner_grids[0] if inner_grids else (parent.grid_id if parent else None)
            changes = {"path": new_path, "grid_id": new_grid}
            if node_id == unit_id:
                changes["parent_id"] = new_parent_id
            records.update(db, "org_units", node_id, changes, "move_unit",
                           old={"parent_id": node_parent, "path": path, "grid_id": grid_id})
        # Households below carry the tree above them in the search index.
        finder.reindex(db, unit_ids=[unit_id])


@writes(Changes.ORG)
def retire_unit(db: Database, unit_id: int, *, day: object | None = None, today: dt.date | None = None) -> int:
    """Retire a node and its active descendants; refused while active households remain inside.

    Returns how many nodes were retired.
    """
    day = records.parse_day(day, "day", "撤销日期", today=today) or (today or dt.date.today()).isoformat()
    with db.atomic():
        unit = get_unit(db, unit_id)
        _writable_unit(db, unit_id)
        if unit.status != "active":
            raise RuleViolation(tr("“{name}”已经撤销").format(name=unit.name))
        upper = unit.subtree[1]
        inside = db.execute(
            "SELECT count(*) FROM households h JOIN org_units u ON u.id = h.org_id "
            "WHERE u.path >= ? AND u.path < ? AND h.status = 'active'", [unit.path, upper],
        ).fetchone()[0]
        if inside:
            raise RuleViolation(tr("“{name}”及其下级还有{n}个在册户，请先把这些户移到其他网格后再撤销").format(
                name=unit.name, n=inside))
        ids = [r[0] for r in db.execute(
            "SELECT id FROM org_units WHERE path >= ? AND path < ? AND status = 'active'", [unit.path, upper])]
        for node_id in ids:
            records.update(db, "org_units", node_id, {"status": "retired", "retired_at": day}, "retire_unit")
        # What served the retired units ends with them: their teams, team memberships and posts.
        marks = ",".join("?" * len(ids))
        for (team_id,) in db.execute(
                f"SELECT id FROM teams WHERE grid_id IN ({marks}) AND status = 'active'", ids).fetchall():
            records.update(db, "teams", team_id, {"status": "retired"}, "retire_unit")
            _end_links(db, "team_members", "team_id = ?", [team_id], day)
        _end_links(db, "staff_roles", f"org_id IN ({marks})", ids, day)
    return len(ids)


def _end_links(db: Database, table: str, where: str, params: list, day: str) -> None:
    for row_id, since in db.execute(
            f"SELECT id, since FROM {table} WHERE {where} AND until IS NULL", params).fetchall():
        records.update(db, table, row_id, {"until": max(day, since or day)}, "retire_unit")


def counts(db: Database, scope: Scope) -> dict[int, Counts]:
    """Active households and persons per node of the user's scope, each node counting its whole subtree.

    One grouped query per figure, then sums up the tree in Python.
    """
    own: dict[int, list[int]] = {}
    for org_id, households in db.execute(
        "SELECT org_id, count(*) FROM households WHERE status = 'active' AND org_id IS NOT NULL "
        f"AND {scope.units('org_id')} GROUP BY org_id"
    ):
        own[org_id] = [households, 0]
    # Households in unit order from their (unit, status, ...) index, each one's members from the persons'
    # (household, relation, status) index: no person's row is read, and the rows arrive grouped, so no
    # sort holds every person in memory (a district's persons took 36 MB of SQLite's heap that way).
    for org_id, persons in db.execute(
        "SELECT h.org_id, count(*) FROM households h CROSS JOIN persons p ON p.household_id = h.id "
        f"WHERE p.status = 'active' AND h.status = 'active' AND h.org_id IS NOT NULL AND {scope.units('h.org_id')} "
        "GROUP BY h.org_id"
    ):
        own[org_id][1] = persons
    totals: dict[int, list[int]] = {}
    for unit_id, path in db.execute(f"SELECT id, path FROM org_units WHERE {scope.units('id')}"):
        totals.setdefault(unit_id, [0, 0])
        figures = own.get(unit_id)
        if not figures:
            continue
        for ancestor in path.strip("/").split("/"):
            slot = totals.setdefault(int(ancestor), [0, 0])
            slot[0] += figures[0]
            slot[1] += figures[1]
    return {unit_id: Counts(h, p) for unit_id, (h, p) in totals.items() if scope.sees(unit_id)}


@writes(Changes.ORG | Changes.SETTINGS)
def set_office(db: Database, name: str, org_id: int | None) -> None:
    """The office's name and its node in the tree (the root of what it manages)."""
    name = clean_field(name, "office_name")
    if not name:
        raise ValidationError("office_name", tr("单位名称不能为空"))
    with db.atomic():
        writable(db, None)  # the office's own name: a whole-office user's
        if org_id is not None:
            get_unit(db, org_id)
        old = office(db)
        set_setting(db, "office_name", name)
        set_setting(db, "office_org_id", "" if org_id is None else str(org_id))
        trail.record(db, "set_office", "settings", None,
                     old={"office_name": old.name, "office_org_id": old.org_id},
                     new={"office_name": name, "office_org_id": org_id})


def office(db: Database) -> Office:
    org = get_setting(db, "office_org_id")
    return Office(get_setting(db, "office_name", "") or "", int(org) if org else None)


# ---- units named by their path (the roster's 所属单元 and 单元层级) ----------------------------

PATH_SEPARATOR = "/"


def unit_paths(db: Database) -> dict[int, tuple[str, str]]:
    """Each unit's names from below the office's own unit down to itself, and their levels, as the
    roster writes them: ("第1片区/第3网格/阳光小区", "片区/网格/小区"). Sibling names are unique, so the
    names alone find the unit again; the levels say what to build where the path is missing."""
    rows = db.execute("SELECT id, level, name, path FROM org_units").fetchall()
    by_id = {r[0]: r for r in rows}
    top = office(db).org_id
    out = {}
    for unit_id, _, _, path in rows:
        ids = [int(i) for i in path.strip("/").split("/") if i]
        if top in ids:
            ids = ids[ids.index(top) + 1:]
        ids = [i for i in ids if i in by_id]
        out[unit_id] = (PATH_SEPARATOR.join(by_id[i][2] for i in ids),
                        PATH_SEPARATOR.join(tr(ORG_LEVELS[by_id[i][1]]) for i in ids))
    return out


class PathFinder:
    """Finds units by a path of names below the office's unit, in memory: an import resolves a few
    hundred distinct paths against a tree read once. A name holding the separator itself is found
    by trying the longest run of parts first."""

    def __init__(self, db: Database):
        self.children: dict[int | None, dict[str, tuple[int, str]]] = {}
        self.levels: dict[int, str] = {}
        for unit_id, parent_id, name, level in db.execute(
                "SELECT id, parent_id, name, level FROM org_units WHERE status = 'active'"):
            self.add(parent_id, name, unit_id, level)
        self.top = office(db).org_id
        if self.top is not None and not db.execute(
                "SELECT 1 FROM org_units WHERE id = ? AND status = 'active'", [self.top]).fetchone():
            self.top = None

    def add(self, parent_id: int | None, name: str, unit_id: int, level: str) -> None:
        self.children.setdefault(parent_id, {})[name] = (unit_id, level)
        self.levels[unit_id] = level

    def level_of(self, unit_id: int | None) -> str | None:
        return self.levels.get(unit_id)

    def walk(self, names: list[str]) -> tuple[int | None, int]:
        """The deepest unit found along the path and how many of the names it used."""
        node, used = self.top, 0
        while used < len(names):
            here = self.children.get(node, {})
            for end in range(len(names), used, -1):
                found = here.get(PATH_SEPARATOR.join(names[used:end]))
                if found is not None:
                    node, used = found[0], end
                    break
            else:
                break
        return node, used

    def find(self, path: str) -> int | None:
        names = split_path(path)
        node, used = self.walk(names)
        return node if names and used == len(names) else None


def split_path(path: str) -> list[str]:
    return [p.strip() for p in clean_text(path).split(PATH_SEPARATOR) if p.strip()]


def level_codes(levels: str) -> list[str]:
    """The level codes of a 单元层级 cell (网格/小区/楼栋); raises naming an unknown one."""
    codes = []
    for text in split_path(levels):
        code = next((c for c, label in ORG_LEVELS.items() if text in (c, label, tr(label))), None)
        if code is None:
            raise ValidationError("unit_levels", tr("单元层级“{t}”无法识别，可选：{options}").format(
                t=text, options="、".join(tr(v) for v in ORG_LEVELS.values())))
        codes.append(code)
    return codes
