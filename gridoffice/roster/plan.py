"""A roster's rows against the archive: rows grouped into the file's households, persons matched by
ID number and households by number, the rules a row or a household must pass (one head, no move
between households, no head change, a grid or unit that exists or may be made), and what the
import will change: new households and persons, and the updates of those on record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlite_utils import Database

from gridoffice.archive import tag_entries
from gridoffice.archive.people import PERSON_COLUMNS, Person
from gridoffice.org import regions
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import check_length
from gridoffice.roster.check import HOUSEHOLD_LABELS, Row
from gridoffice.roster.result import Notice
from gridoffice.vocab import LEVEL_RANK, ORG_LEVELS, PERSON_STATUS, RELATIONS

# The person fields a roster row updates when its cell is filled and differs.
PERSON_FIELDS = ("name", "ethnicity", "political_status", "education", "occupation", "phone", "residence", "notes")


class HouseholdOnRecord(NamedTuple):
    """A household on record, or one this import makes (status 'active')."""
    id: int
    number: str
    org_id: int
    address: str
    phone: str
    status: str
    updated_at: str
    contact_class: int
    representative_id: int | None
    notes: str


class HeadOnRecord(NamedTuple):
    household_id: int
    id: int
    name: str


_PERSON_SQL = f"SELECT {PERSON_COLUMNS} FROM persons WHERE id_number IN ({{marks}}) ORDER BY status = 'active'"
_HOUSEHOLD_SQL = "SELECT " + ", ".join(HouseholdOnRecord._fields) + " FROM households WHERE "


@dataclass(eq=False, slots=True)
class Block:
    """A household of the file: its rows, and the household on record it is (or becomes)."""
    number: str
    rows: list = field(default_factory=list)
    household: HouseholdOnRecord | None = None
    org_id: int | None = None
    new_grid: str = ""  # the path of units this import creates for the household (a grid's name alone)
    reason: str | None = None


class Planner:
    """Matching and planning, part by part on the checking thread; what is planned is written by
    roster.write. The connection is shared (sqlite3.threadsafety is 3): reads see this import's
    own writes, which no later part can match, since a household never spans two parts and an ID
    number met before is settled by group()."""

    def __init__(self, db: Database, col: dict[str, int], notices: list[Notice], labels: dict[str, str], *,
                 create_grids: bool, default_grid: str):
        self.db, self.col, self.notices, self.labels = db, col, notices, labels
        self.create_grids, self.default_grid = create_grids, default_grid
        self.units: dict[str, list[tuple]] = {}  # a unit's name -> (id, level) of every unit so named
        for unit_id, name, level in db.execute(
                "SELECT id, name, level FROM org_units WHERE status = 'active' ORDER BY level != 'grid', id"):
            self.units.setdefault(name, []).append((unit_id, level))
        self.persons_on_record = db.execute("SELECT count(*) FROM persons").fetchone()[0]
        self.empty = self.persons_on_record == 0 and not db.execute("SELECT 1 FROM households LIMIT 1").fetchone()
        self.finder = regions.PathFinder(db)
        self.planned: dict[str, list[tuple[str, str]]] = {}  # path -> its (name, level) pairs to make
        self.seen: dict[str, Row] = {}  # ID number -> the first row naming it, across parts
        # What the current part matched on record.
        self.households: dict[int, HouseholdOnRecord] = {}
        self.by_number: dict[str, HouseholdOnRecord] = {}
        self.heads: dict[int, HeadOnRecord] = {}
        self.tags_on_record: dict[int, list[tuple]] = {}
        self.hardship_on_record: dict[int, list[tuple]] = {}
        # What changes on record, kept for the end (roster.write.Writer.finish).
        self.person_updates: list[tuple[Row, dict]] = []
        self.household_updates: list[tuple[Block, dict]] = []
        self.tag_updates: list[tuple[Row, tag_entries.TagPlan]] = []
        self.hardship_updates: list[tuple[Block, tag_entries.TagPlan]] = []
        self.new_heads: set[int] = set()  # households on record that gain a head from the file
        self.counts = dict.fromkeys(("persons_new", "persons_updated", "persons_unchanged", "households_new",
                                     "households_updated"), 0)

    # -- households in the file ----------------------------------------------------------------
    def group(self, rows: list[Row]) -> list[Block]:
        """Rows into households: by household number; rows without one follow the head above them."""
        by_number: dict[str, Block] = {}
        blocks: list[Block] = []
        current: Block | None = None
        for row in rows:
            if row.number:
                block = by_number.get(row.number)
                if block is None:
                    block = by_number[row.number] = Block(row.number)
                    blocks.append(block)
                current = block
            elif current is None or (row.relation == "head" and any(r.relation == "head" for r in current.rows)):
                current = Block("")
                blocks.append(current)
            current.rows.append(row)
            row.block = current
        seen = self.seen
        for row in rows:
            if row.reason:
                continue
            first = seen.get(row.values.id_number)
            if first is None:
                seen[row.values.id_number] = row
            elif first.block is row.block:
                row.duplicate_of = first.line
                self.notices.append(Notice(row.line, tr("与第{n}行是同一人，已合并，不重复登记").format(n=first.line)))
            else:
                row.reason = tr("身份证号码与第{n}行相同，但在另一户；同一人不能属于两户，请核对").format(n=first.line)
        return blocks

    # -- the archive ---------------------------------------------------------------------------
    def _select_in(self, sql: str, values: list) -> list[tuple]:
        out: list[tuple] = []
        for i in range(0, len(values), 500):
            chunk = values[i:i + 500]
            out.extend(self.db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall())
        return out

    def match(self, rows: list[Row], blocks: list[Block]) -> None:
        """Persons on record by ID number, households by number, for one part."""
        self.households, self.by_number, self.heads = {}, {}, {}
        if self.empty:
            return
        ids = [r.values.id_number for r in rows if not r.reason]
        found: dict[str, Person] = {}
        for rec in (Person(*r) for r in self._select_in(_PERSON_SQL, ids)):
            found[rec.id_number] = rec  # the active record wins: it is read last
        for row in rows:
            if not row.reason:
                row.match = found.get(row.values.id_number)
        tagged = [r.match.id for r in rows if r.match and r.values.tags]
        self.tags_on_record = {}
        for rec in self._select_in("SELECT person_id, id, tag, since, until, coalesce(note, '') FROM person_tags "
                                   "WHERE person_id IN ({marks}) ORDER BY since, id", tagged):
            self.tags_on_record.setdefault(rec[0], []).append(rec[1:])
        numbers = sorted({b.number for b in blocks if b.number})
        member_hh = sorted({r.match.household_id for r in rows if r.match and r.match.household_id is not None})
        self.households = {h.id: h for h in map(HouseholdOnRecord._make,
                                                self._select_in(_HOUSEHOLD_SQL + "number IN ({marks})", numbers))}
        self.households.update({h.id: h for h in map(HouseholdOnRecord._make,
                                                     self._select_in(_HOUSEHOLD_SQL + "id IN ({marks})", member_hh))})
        self.by_number = {h.number: h for h in self.households.values()}
        self.heads = {p.household_id: p for p in map(HeadOnRecord._make, self._select_in(
            "SELECT household_id, id, name FROM persons WHERE relation = 'head' AND status = 'active' "
            "AND household_id IN ({marks})", list(self.households)))}
        self.hardship_on_record = {}
        for rec in self._select_in("SELECT household_id, id, tag, since, until, coalesce(note, '') FROM household_tags "
                                   "WHERE household_id IN ({marks}) ORDER BY since, id", list(self.households)):
            self.hardship_on_record.setdefault(rec[0], []).append(rec[1:])

    # -- the rules -------------------------------------------------------------------------------
    def check_blocks(self, blocks: list[Block]) -> None:
        for block in blocks:
            reason = self._block_reason(block)
            if reason:
                block.reason = reason
                for row in block.rows:
                    if not row.reason:
                        row.reason = reason

    def _block_reason(self, block: Block) -> str | None:
        members = [r for r in block.rows if r.duplicate_of is None]
        heads = [r for r in members if r.relation == "head"]
        if len(heads) > 1:
            return tr("该户有{n}个户主（第{rows}行），一户只能有一个户主，请核对“与户主关系”").format(
                n=len(heads), rows="、".join(str(r.line) for r in heads))
        head = heads[0] if heads else None
        if len(block.number) > 30:
            return tr("户号“{n}”过长（最多30个字符），请核对是否填错了列").format(n=block.number)
        for row in members:
            if row.match and row.match.status != "active":
                row.reason = tr("此人在系统中已是“{s}”状态，导入不能恢复；如需恢复请在程序中办理").format(
                    s=tr(PERSON_STATUS.get(row.match.status, row.match.status)))
            elif row.match and row.match.household_id is None:
                row.reason = tr("此人在系统中已登记但尚未入户；请在程序中把他加入该户")
        hh = self.by_number.get(block.number) if block.number else None
        matched = [r for r in members if not r.reason and r.match]
        homes = {r.match.household_id for r in matched}
        if hh is not None:
            for row in matched:
                if row.match.household_id != hh.id:
                    row.reason = tr("此人在系统中属于户号{x}，表中写的是户号{y}；迁户请在程序中办理").format(
                        x=self.households[row.match.household_id].number, y=block.number)
        elif homes:
            if len(homes) > 1:
                return tr("本户成员在系统中分属不同的户（户号{x}），请先在程序中处理").format(
                    x="、".join(sorted(self.households[h].number for h in homes)))
            hh = self.households[homes.pop()]
            if block.number and hh.number != block.number:
                return tr("表中户号{y}与系统中该户的户号{x}不一致，请核对").format(x=hh.number, y=block.number)
        if head is not None and head.reason:
            return tr("户主（第{n}行）被拒收：{why}；本户其他成员一并暂缓导入").format(n=head.line, why=head.reason)
        if hh is None:
            if head is None:
                return tr("该户没有户主：“与户主关系”中没有“户主”或“本人”")
            return self._resolve_grid(block, head)
        block.household = hh
        if hh.status != "active":
            return tr("系统中户号{x}已不在册，不能导入成员").format(x=hh.number)
        db_head = self.heads.get(hh.id)
        if head is not None and db_head is not None and (head.match is None or head.match.id != db_head.id):
            return tr("系统中该户的户主是{a}，表中户主是{b}；更换户主请在程序中办理").format(
                a=db_head.name, b=head.values.name)
        for row in (r for r in matched if not r.reason):
            if (row.match.relation == "head") != (row.relation == "head") and row.match.household_id == hh.id:
                return tr("系统中{name}的“与户主关系”是“{a}”，表中是“{b}”；更换户主请在程序中办理").format(
                    name=row.values.name, a=tr(RELATIONS.get(row.match.relation, "")),
                    b=tr(RELATIONS[row.relation]))
        path = household_value(members, "unit_path")
        grid = next((r.grid for r in members if r.grid), "")
        if path:
            if self.finder.find(path) != hh.org_id:
                self.notices.append(Notice(members[0].line, tr(
                    "所属单元“{p}”与系统中该户的单元不同，未改动；调整请在程序中办理").format(p=path)))
        elif grid and self._unit_id(grid) not in (None, hh.org_id):
            self.notices.append(Notice(members[0].line, tr(
                "所属网格“{g}”与系统中该户的网格不同，未改动；调整网格请在程序中办理").format(g=grid)))
        block.org_id = hh.org_id
        return None

    def _unit_id(self, name: str) -> int | None:
        units = self.units.get(name)
        return units[0][0] if units and len(units) == 1 else None

    def _resolve_path(self, block: Block, path: str) -> str | None:
        """A new household's unit by its path of names (所属单元); missing units are made when the
        clerk allows it and the 单元层级 says what each one is."""
        names = regions.split_path(path)
        node, used = self.finder.walk(names)
        if used == len(names):
            block.org_id = node
            return None
        if not self.create_grids:
            return tr("找不到单元“{p}”；请先在组织架构中建立，或在导入时勾选“自动创建缺少的网格”").format(p=path)
        levels_text = household_value([r for r in block.rows if not r.reason], "unit_levels")
        try:
            levels = regions.level_codes(levels_text)
            for name in names[used:]:
                check_length(name, "unit_name", "unit_path")
        except ValidationError as exc:
            return exc.message
        if not levels and len(names) - used == 1:
            levels = [""] * used + ["grid"]  # a grid's name alone, as rosters before 所属单元 gave it
        if len(levels) != len(names):
            return tr("“单元层级”应与所属单元“{p}”一一对应（用“/”分隔），才能建立缺少的单元").format(p=path)
        parent = self.finder.level_of(node)
        for level in levels[used:]:
            if parent is not None and LEVEL_RANK[level] <= LEVEL_RANK[parent]:
                return tr("所属单元“{p}”中“{child}”不能放在“{parent}”之下，请核对“单元层级”").format(
                    p=path, child=tr(ORG_LEVELS[level]), parent=tr(ORG_LEVELS[parent]))
            parent = level
        key = regions.PATH_SEPARATOR.join(names)
        self.planned[key] = list(zip(names, levels))
        block.new_grid = key
        return None

    def _resolve_grid(self, block: Block, head: Row) -> str | None:
        path = head.values.unit_path or household_value([r for r in block.rows if not r.reason], "unit_path")
        if path:
            return self._resolve_path(block, path)
        grid = head.grid or next((r.grid for r in block.rows if r.grid), "") or self.default_grid
        if not grid:
            return tr("该户没有填写“所属网格”，请在表中填写或在导入时选择默认网格")
        if grid in self.planned:
            block.new_grid = grid
            return None
        units = self.units.get(grid)
        if units and len(units) > 1:
            grids = [u for u in units if u[1] == "grid"]
            if len(grids) != 1:
                return tr("名为“{g}”的单元不止一个，无法确定是哪一个；请在组织架构中改名后再导入").format(g=grid)
            units = grids
        if units:
            block.org_id = units[0][0]
            return None
        if not self.create_grids:
            return tr("找不到名为“{g}”的网格；请先在组织架构中建立，或在导入时勾选“自动创建缺少的网格”").format(g=grid)
        self.planned[grid] = [(grid, "grid")]
        block.new_grid = grid
        return None

    # -- what changes ----------------------------------------------------------------------------
    def plan(self, blocks: list[Block]) -> tuple[list[Block], list[Row]]:
        """The part's new households and persons; updates are kept for the end."""
        new_blocks = [b for b in blocks if not b.reason and b.household is None]
        new_rows: list[Row] = []
        counts = self.counts
        for block in blocks:
            if block.reason:
                continue
            live = [r for r in block.rows if not r.reason and r.duplicate_of is None]
            for row in live:
                if row.match is None:
                    new_rows.append(row)
                    continue
                changes = _person_changes(row)
                tags = self._tag_plan(row)
                if row.reason:
                    continue
                if changes or tags:
                    self.person_updates.append((row, changes))
                else:
                    counts["persons_unchanged"] += 1
            if block.household is not None:
                changes = self._household_changes(block, [r for r in live if not r.reason])
                hardship = self._hardship_plan(block, [r for r in live if not r.reason])
                if changes or hardship:
                    self.household_updates.append((block, changes))
                if any(r.relation == "head" and r.match is None for r in live):
                    self.new_heads.add(block.household.id)
        counts["persons_new"] += len(new_rows)
        counts["households_new"] += len(new_blocks)
        counts["persons_updated"] = len(self.person_updates)
        counts["households_updated"] = len(self.household_updates)
        return new_blocks, new_rows

    def _tag_plan(self, row: Row) -> tag_entries.TagPlan | None:
        """What the row's tag cell changes on the person's registers; a conflict refuses the row."""
        if not row.values.tags:
            return None
        try:
            plan = tag_entries.reconcile(self.tags_on_record.get(row.match.id, ()), row.values.tags, self.labels)
        except ValidationError as exc:
            row.reason = exc.message
            return None
        for message in plan.notices:
            self.notices.append(Notice(row.line, message))
        if not (plan.added or plan.changed):
            return None
        self.tag_updates.append((row, plan))
        return plan

    def _hardship_plan(self, block: Block, live: list[Row]) -> tag_entries.TagPlan | None:
        """What the household's 户困难登记 cell changes on record; a conflict is noted, nothing changed."""
        entries = household_value(live, "household_tags")
        if not entries:
            return None
        try:
            plan = tag_entries.reconcile(self.hardship_on_record.get(block.household.id, ()), entries,
                                         HOUSEHOLD_LABELS)
        except ValidationError as exc:
            self.notices.append(Notice(live[0].line, tr("{msg}；户困难登记未改动").format(msg=exc.message)))
            return None
        for message in plan.notices:
            self.notices.append(Notice(live[0].line, message))
        if not (plan.added or plan.changed):
            return None
        self.hardship_updates.append((block, plan))
        return plan

    def household_phone(self, live: list[Row]) -> str:
        """The household's own phone where the file has the column, else its head's."""
        if "household_phone" in self.col:
            return household_value(live, "household_phone") or ""
        head = next((r for r in live if r.relation == "head"), None)
        return head.values.phone if head is not None else ""

    def _household_changes(self, block: Block, live: list[Row]) -> dict:
        """A household on record: what the file's non-empty household cells change."""
        hh = block.household
        address = next((r.address for r in live if r.relation == "head" and r.address), "") or next(
            (r.address for r in live if r.address), "")
        phone = self.household_phone(live)
        contact_class = household_value(live, "contact_class")
        notes = household_value(live, "household_notes")
        changes = {}
        if address and address != hh.address:
            changes["address"] = address
        if phone and phone != hh.phone:
            changes["phone"] = phone
        if contact_class and contact_class != hh.contact_class:
            changes["contact_class"] = contact_class
        if notes and notes != hh.notes:
            changes["notes"] = notes
        representative = self.representative(live)
        if representative is not None and (representative.match is None
                                           or representative.match.id != hh.representative_id):
            changes["representative_id"] = representative  # a new member's id is known once inserted
        return changes

    def representative(self, live: list[Row]) -> Row | None:
        marked = [r for r in live if r.values.representative]
        if len(marked) > 1:
            self.notices.append(Notice(marked[1].line, tr("本户有{n}人标为户代表，以第{line}行为准").format(
                n=len(marked), line=marked[0].line)))
        return marked[0] if marked else None


def _person_changes(row: Row) -> dict:
    rec, given = row.match, row.values
    changes = {k: v for k in PERSON_FIELDS if (v := getattr(given, k)) and v != getattr(rec, k)}
    if row.relation != rec.relation and "head" not in (row.relation, rec.relation):
        changes["relation"] = row.relation
    return changes


def household_value(rows, name: str):
    """A household's field from its members' rows: the head's cell, else the first one filled."""
    first = None
    for row in rows:
        if row.values is None:  # a refused row
            continue
        value = getattr(row.values, name)
        if value not in ("", None):
            if row.relation == "head":
                return value
            if first is None:
                first = value
    return first
