"""Visits (走访) and the visit rules per contact class.

A visit is one round by one staff member; it may cover several households (a Tuesday round through
a lane). Each household's last visit and next due date come from ONE place, `schedule_sql()`, which
every list here (a staff member's contacts, the overdue lists per staff and per grid) builds on:

    next due = (last visit, or the start of the current contact if never visited, or the day the
               household was registered) + the interval of its CURRENT contact class (in days).

So a household moved to another class is judged by the new interval at once, and a household that
changes contact keeps its visit history: the new contact inherits its due date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.activity import logs
from gridoffice.audit import trail, records
from gridoffice.store.db import get_setting, set_setting
from gridoffice.store.db import now as db_now
from gridoffice.errors import NotFound, RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.org.regions import in_subtree, tree_keys
from gridoffice.access.scope import Scope, writable
from gridoffice.store.where import Where
from gridoffice.normalize import check_length, clean_field, clean_text
from gridoffice.vocab import CONTACT_CLASSES
from gridoffice.changes import Changes, writes

KINDS = {"routine": "日常走访", "return": "回访", "occasion": "节点走访"}
# Days between visits per contact class: class 1 monthly, class 2 every two months, class 3 quarterly.
# The sources set no interval (they name 十必访 and campaigns, not a rhythm): these are the office's own.
# Days, not calendar months: "a month after Jan 31" has no clean answer, and a day count lets the
# whole office be judged by one threshold date per class.
DEFAULT_RULES = {1: 30, 2: 60, 3: 90}
RULE_DAYS = range(7, 367)  # the days a rule may give: a week to a year
RULES_KEY = "visit_rules"
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class VisitHousehold:
    household_id: int
    number: str
    head_name: str


@dataclass(frozen=True)
class Visit:
    id: int
    staff_id: int
    staff_name: str
    visited_on: str
    kind: str
    learned: str
    status: str
    households: tuple[VisitHousehold, ...]  # in lists: the first few of a big round
    household_count: int
    needs: int  # how many needs were recorded with it


@dataclass(frozen=True)
class Due:
    """One household's place in the visit schedule."""

    household_id: int
    number: str
    head_name: str
    address: str
    phone: str  # stored value: callers mask it (gridoffice.masking.mask_phone) before showing it
    contact_class: int
    grid_id: int | None
    last_visit: str | None
    next_due: str
    days_overdue: int  # > 0 overdue, <= 0 the days left

    @property
    def state(self) -> str:
        if self.days_overdue > 0:
            return "overdue"
        return "due_soon" if self.days_overdue > -DUE_SOON_DAYS else "ok"


@dataclass(frozen=True)
class OverdueCount:
    """Overdue households of one staff member or one grid."""

    id: int
    name: str
    households: int
    overdue: int
    oldest_due: str | None


# ---- rules -------------------------------------------------------------------------------------

def visit_rules(db: Database) -> dict[int, int]:
    """Days between visits per contact class."""
    stored = get_setting(db, RULES_KEY)
    rules = dict(DEFAULT_RULES)
    if stored:
        rules.update({int(k): int(v) for k, v in json.loads(stored).items()})
    return rules


@writes(Changes.VISITS)
def set_visit_rule(db: Database, contact_class: int, days: object) -> None:
    if contact_class not in CONTACT_CLASSES:
        raise ValidationError("contact_class", tr("联系户类别只能是一类、二类或三类"))
    try:
        value = int(str(days).strip())
    except ValueError:
        value = 0
    if value not in RULE_DAYS:
        raise ValidationError("days", tr("走访间隔请填7到366之间的整数（天）"))
    with db.atomic():
        old = visit_rules(db)
        new = {**old, contact_class: value}
        set_setting(db, RULES_KEY, json.dumps({str(k): v for k, v in sorted(new.items())}))
        trail.record(db, "set_visit_rule", "settings", None, old={"visit_rules": old}, new={"visit_rules": new})


# ---- the schedule: the one rule ----------------------------------------------------------------

def schedule_sql(db: Database, today: dt.date, *, until: dt.date | None = None) -> tuple[str, list]:
    """A SELECT of every active household's schedule, as columns (household_id, number, address, phone,
    contact_class, org_id, grid_id, last_visit, next_due, days_overdue, overdue).

    Callers wrap it (`WITH s AS (...)`) and filter; it is the only place the due rule is written.
    `overdue` compares the base date with one threshold per class (plain text comparison), so counting
    the whole office needs no date arithmetic per household. The last visit comes from `visit_last`,
    which triggers keep equal to the newest non-void row of visit_households.

    `until` judges the schedule as it stood on that day: the last visit is then the newest non-void
    row up to it, so a visit made later does not cover it."""
    rules = visit_rules(db)
    last_visit = "vl.last_visit"
    if until:
        # Only a household visited again after `until` needs its index seek for the visit before.
        last_visit = ("CASE WHEN vl.last_visit IS NULL OR vl.last_visit <= ? THEN vl.last_visit "
                      "ELSE (SELECT max(x.visited_on) FROM visit_households x "
                      "WHERE x.household_id = h.id AND x.voided = 0 AND x.visited_on <= ?) END")
    thresholds = [(today - dt.timedelta(days=rules[c])).isoformat() for c in (1, 2, 3)]
    sql = (
        "SELECT household_id, number, address, phone, contact_class, org_id, grid_id, last_visit, "
        "date(base, '+' || CASE contact_class WHEN 1 THEN ? WHEN 2 THEN ? ELSE ? END || ' days') AS next_due, "
        "CAST(julianday(?) - julianday(base) AS INTEGER) - CASE contact_class WHEN 1 THEN ? WHEN 2 THEN ? ELSE ? END "
        "AS days_overdue, base < CASE contact_class WHEN 1 THEN ? WHEN 2 THEN ? ELSE ? END AS overdue FROM ("
        "SELECT i.*, coalesce(i.last_visit, (SELECT min(c.since) FROM contacts c WHERE c.household_id = i.household_id "
        "AND c.until IS NULL), created, ?) AS base FROM ("
        "SELECT h.id AS household_id, h.number, h.address, h.phone, h.contact_class, h.org_id, "
        "coalesce(u.grid_id, u.id) AS grid_id, substr(h.created_at, 1, 10) AS created, "
        f"{last_visit} AS last_visit FROM households h LEFT JOIN org_units u ON u.id = h.org_id "
        "LEFT JOIN visit_last vl ON vl.household_id = h.id WHERE h.status = 'active') AS i)"
    )
    days = [rules[1], rules[2], rules[3]]
    bound = [until.isoformat()] * 2 if until else []
    return sql, [*days, today.isoformat(), *days, *thresholds, today.isoformat(), *bound]


_HEAD = ("(SELECT p.name FROM persons p WHERE p.household_id = s.household_id AND p.relation = 'head' "
         "AND p.status = 'active' LIMIT 1)")


def _dues(db: Database, today: dt.date, where: str, params: list, *, order: str = "s.days_overdue DESC, s.number",
          join: str = "", limit: int | None = None, until: dt.date | None = None) -> list[Due]:
    sql, base = schedule_sql(db, today, until=until)
    tail = f" LIMIT {int(limit)}" if limit else ""
    rows = db.execute(
        f"WITH s AS ({sql}) SELECT s.household_id, s.number, coalesce({_HEAD}, ''), s.address, s.phone, "
        f"s.contact_class, s.grid_id, s.last_visit, s.next_due, s.days_overdue FROM s {join} "
        f"WHERE {where} ORDER BY {order}{tail}", [*base, *params]).fetchall()
    return [Due(*r) for r in rows]


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def schedule(db: Database, household_ids: list[int], *, scope: Scope, today: dt.date | None = None) -> dict[int, Due]:
    """The schedule of the given households (active ones of the user's scope only)."""
    found: dict[int, Due] = {}
    ids = list(household_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for due in _dues(db, _today(today), f"s.household_id IN ({marks}) AND {scope.units('s.org_id')}", chunk):
            found[due.household_id] = due
    return found


def contacts_due(db: Database, staff_id: int, *, scope: Scope, today: dt.date | None = None) -> list[Due]:
    """A staff member's current contact households within the user's scope, overdue first, then by due date."""
    return _dues(db, _today(today), f"c.staff_id = ? AND c.until IS NULL AND {scope.units('s.org_id')}", [staff_id],
                 join="JOIN contacts c ON c.household_id = s.household_id", order="s.next_due, s.number")


def overdue_households(db: Database, *, scope: Scope, grid_id: int | None = None, staff_id: int | None = None,
                       today: dt.date | None = None, limit: int = 2000) -> list[Due]:
    """Overdue households of the user's scope, most overdue first; of one grid (or any unit's subtree)
    or one staff member."""
    where, join = Where("s.overdue", scope.units("s.org_id")), ""
    if staff_id is not None:
        join = "JOIN contacts c ON c.household_id = s.household_id AND c.until IS NULL"
        where.add("c.staff_id = ?", staff_id)
    if grid_id is not None:
        condition, bounds = in_subtree(db, grid_id, "s.org_id")
        where.add(condition, *bounds)
    return _dues(db, _today(today), where.sql, where.params, join=join, limit=limit)


def class_sql(column: str) -> str:
    """A household's contact class as counted: 1, 2, or 3 for any other value (class 3's interval applies)."""
    return f"CASE WHEN {column} IN (1, 2) THEN {column} ELSE 3 END"


def households_on_day(db: Database, *, scope: Scope, overdue: bool, day: dt.date, contact_class: int | None = None,
                      grid_id: int | None = None, unit_id: int | None = None,
                      limit: int = 2000) -> tuple[list[Due], int]:
    """The households that were overdue for a visit on `day` (overdue=False: visited in time), judged as
    the schedule stood then (a later visit does not count), as the dashboard counts them: of one contact
    class and of one grid (0: households in no grid) when given, of the user's scope (and the subtree of
    `unit_id`, which must lie in it); most overdue first, at most `limit`, with how many there are in all."""
    where = Where(f"{'' if overdue else 'NOT '}s.overdue", scope.units("s.org_id"))
    where.equal(class_sql("s.contact_class"), contact_class)
    if grid_id == 0:
        where.add("s.grid_id IS NULL")
    else:
        where.equal("s.grid_id", grid_id)
    if unit_id is not None:
        scope.require_org(unit_id)
        condition, bounds = in_subtree(db, unit_id, "s.org_id")
        where.add(condition, *bounds)
    rows = _dues(db, day, where.sql, where.params, limit=limit, until=day)
    if len(rows) < limit:
        return rows, len(rows)
    sql, base = schedule_sql(db, day, until=day)
    return rows, db.execute(f"WITH s AS ({sql}) SELECT count(*) FROM s WHERE {where.sql}",
                            [*base, *where.params]).fetchone()[0]


def overdue_by_grid(db: Database, *, scope: Scope, today: dt.date | None = None) -> list[OverdueCount]:
    """Per grid: active households of the user's scope, how many are overdue, and the oldest due date;
    most overdue first."""
    sql, params = schedule_sql(db, _today(today))
    rows = db.execute(
        f"WITH s AS NOT MATERIALIZED ({sql}) SELECT s.grid_id, coalesce(g.name, ''), count(*), sum(s.overdue), "
        "min(CASE WHEN s.overdue THEN s.next_due END) FROM s LEFT JOIN org_units g ON g.id = s.grid_id "
        f"WHERE {scope.units('s.org_id')} GROUP BY s.grid_id", params).fetchall()
    # Most overdue first; grids with as many overdue in their natural order (第2 before 第10).
    keys = tree_keys(db)
    rows.sort(key=lambda r: (-(r[3] or 0), r[0] not in keys, keys.get(r[0], [])))
    return [OverdueCount(r[0] or 0, r[1], r[2], r[3] or 0, r[4]) for r in rows]


def overdue_by_staff(db: Database, *, scope: Scope, grid_id: int | None = None,
                     today: dt.date | None = None) -> list[OverdueCount]:
    """Per staff member with current contacts: their households, the overdue ones, the oldest due date;
    counting only households of the user's scope."""
    sql, params = schedule_sql(db, _today(today))
    where = Where(scope.units("s.org_id"))
    if grid_id is not None:
        condition, bounds = in_subtree(db, grid_id, "s.org_id")
        where.add(condition, *bounds)
    rows = db.execute(
        f"WITH s AS NOT MATERIALIZED ({sql}) SELECT st.id, st.name, count(*), sum(s.overdue), "
        "min(CASE WHEN s.overdue THEN s.next_due END) FROM contacts c "
        "JOIN s ON s.household_id = c.household_id AND c.until IS NULL JOIN staff st ON st.id = c.staff_id "
        f"{where.clause} GROUP BY st.id ORDER BY 4 DESC, 2", [*params, *where.params]).fetchall()
    return [OverdueCount(*r[:3], r[3] or 0, r[4]) for r in rows]


# ---- recording visits --------------------------------------------------------------------------

def _check_staff(db: Database, staff_id: int | None) -> dict:
    if staff_id is None:
        raise ValidationError("staff_id", tr("请选择走访人"))
    row = records.row(db, "staff", staff_id)
    if row is None:
        raise ValidationError("staff_id", tr("找不到所选的走访人，请重新选择"))
    return row


def _check_households(db: Database, household_ids) -> list[dict]:
    ids = list(dict.fromkeys(household_ids or ()))
    if not ids:
        raise ValidationError("household_ids", tr("请至少选择一户走访对象"))
    found = []
    for hid in ids:
        row = records.row(db, "households", hid)
        if row is None:
            raise ValidationError("household_ids", tr("找不到编号为{id}的户，请重新选择").format(id=hid))
        if row["status"] != "active":
            raise ValidationError("household_ids", tr("户{number}已不在册，不能登记走访").format(number=row["number"]))
        writable(db, row["org_id"])  # a visit to a household outside the user's grids is refused
        found.append(row)
    return found


def _require_household(db: Database, household_id: int, scope: Scope) -> None:
    row = db.execute("SELECT org_id FROM households WHERE id = ?", [household_id]).fetchone()
    if row is None:
        raise NotFound(tr("找不到编号为{id}的户").format(id=household_id))
    scope.require_org(row[0])


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError("kind", tr("走访类型只能是日常走访、回访或节点走访"))
    return kind


def check_learned(text: object) -> str:
    learned = clean_text(text, multiline=True)
    check_length(learned, "learned")
    return learned


@writes(Changes.VISITS)
def record_visit(db: Database, *, staff_id: int, household_ids, visited_on: object, kind: str = "routine",
                 learned: str = "", needs: list[tuple[int, str]] = (), today: dt.date | None = None) -> int:
    """Record one visit round; `needs` are (household_id, what the household needs), each opened in the
    needs log. Returns the visit's id."""
    _check_staff(db, staff_id)
    rows = _check_households(db, household_ids)
    day = records.parse_day(visited_on, "visited_on", "走访日期", today=today, required=True)
    check_kind(kind)
    learned = check_learned(learned)
    covered = {r["id"] for r in rows}
    cleaned = []
    for household_id, content in needs:
        if household_id not in covered:
            raise ValidationError("needs", tr("需求所属的户不在本次走访的户中，请核对"))
        cleaned.append((household_id, logs.check_need_text(content)))
    with db.atomic():
        stamp = db_now()
        values = {"staff_id": staff_id, "visited_on": day, "kind": kind, "learned": learned, "status": "active",
                  "created_at": stamp, "updated_at": stamp}
        visit_id = db.execute("INSERT INTO visits(staff_id, visited_on, kind, learned, status, created_at, updated_at) "
                              "VALUES (?,?,?,?,?,?,?)", list(values.values())).lastrowid
        db.conn.executemany("INSERT INTO visit_households(visit_id, household_id, visited_on, voided) VALUES (?,?,?,0)",
                            [(visit_id, r["id"], day) for r in rows])
        trail.record(db, "record_visit", "visits", visit_id, new={**values, "households": sorted(covered)})
        for household_id, content in cleaned:
            logs.add_need(db, household_id, content, staff_id=staff_id, visit_id=visit_id, raised_on=day, today=today)
    return visit_id


@dataclass(frozen=True)
class VisitInput:
    """One line of a worker's paper week: a household, the day, the kind, what was learned, a need."""

    household_id: int
    visited_on: str
    kind: str = "routine"
    learned: str = ""
    need: str = ""


@writes(Changes.VISITS)
def record_week(db: Database, staff_id: int, lines: list[VisitInput], *, today: dt.date | None = None) -> list[int]:
    """Record a paper week in one transaction: all lines or none. A refused line is named by its
    position (第N行) in the message, so the clerk knows which one to correct."""
    if not lines:
        raise ValidationError("lines", tr("还没有录入任何走访记录"))
    ids = []
    with db.atomic():
        for n, line in enumerate(lines, 1):
            try:
                ids.append(record_visit(db, staff_id=staff_id, household_ids=[line.household_id],
                                        visited_on=line.visited_on, kind=line.kind, learned=line.learned,
                                        needs=[(line.household_id, line.need)] if line.need.strip() else [],
                                        today=today))
            except ValidationError as exc:
                raise ValidationError(exc.field, tr("第{n}行：{message}").format(n=n, message=exc.message)) from exc
    return ids


@writes(Changes.VISITS)
def void_visit(db: Database, visit_id: int, reason: str) -> None:
    """A visit entered by mistake stops counting; it stays on file with the reason."""
    reason = clean_field(reason, "reason")
    if not reason:
        raise ValidationError("reason", tr("请填写作废原因"))
    with db.atomic():
        row = records.row(db, "visits", visit_id)
        if row is None:
            raise NotFound(tr("找不到该走访记录"))
        if row["status"] != "active":
            raise RuleViolation(tr("该走访记录已作废"))
        for (org_id,) in db.execute("SELECT h.org_id FROM visit_households vh JOIN households h "
                                    "ON h.id = vh.household_id WHERE vh.visit_id = ?", [visit_id]):
            writable(db, org_id)
        changes = {"status": "void", "voided_at": db_now(), "void_reason": reason}
        db.execute("UPDATE visits SET status = ?, voided_at = ?, void_reason = ?, updated_at = ? WHERE id = ?",
                   [*changes.values(), changes["voided_at"], visit_id])
        db.execute("UPDATE visit_households SET voided = 1 WHERE visit_id = ?", [visit_id])
        trail.record(db, "void_visit", "visits", visit_id, old={"status": row["status"]}, new=changes)


_VISIT_SQL = ("SELECT v.id, v.staff_id, st.name, v.visited_on, v.kind, v.learned, v.status, "
              "(SELECT count(*) FROM needs n WHERE n.visit_id = v.id) "
              "FROM visits v JOIN staff st ON st.id = v.staff_id ")


def _visits(db: Database, rows: list, per_visit: int | None = None) -> list[Visit]:
    """Visits with their households; lists keep only the first `per_visit` of a big round (the count
    says how many there were), so a cadre's hundred-household rounds do not load thousands of names."""
    if not rows:
        return []
    ids = [r[0] for r in rows]
    marks = ",".join("?" * len(ids))
    counts = dict(db.execute(f"SELECT visit_id, count(*) FROM visit_households WHERE visit_id IN ({marks}) "
                             "GROUP BY visit_id", ids).fetchall())
    covered: dict[int, list[VisitHousehold]] = {}
    for vid, hid, number, head in db.execute(
            "SELECT f.visit_id, h.id, h.number, coalesce((SELECT p.name FROM persons p WHERE p.household_id = h.id "
            "AND p.relation = 'head' AND p.status = 'active' LIMIT 1), '') FROM (SELECT vh.id, vh.visit_id, "
            "vh.household_id, row_number() OVER (PARTITION BY vh.visit_id ORDER BY vh.id) AS n "
            f"FROM visit_households vh WHERE vh.visit_id IN ({marks})) f "
            "JOIN households h ON h.id = f.household_id WHERE f.n <= ? ORDER BY f.id",
            [*ids, per_visit or 1_000_000]):
        covered.setdefault(vid, []).append(VisitHousehold(hid, number, head))
    return [Visit(*r[:7], tuple(covered.get(r[0], ())), counts.get(r[0], 0), r[7]) for r in rows]


def get_visit(db: Database, visit_id: int, *, scope: Scope) -> Visit:
    """One visit, when it covered a household of the user's scope (the rule of the lists below)."""
    found = _visits(db, db.execute(_VISIT_SQL + "WHERE v.id = ?", [visit_id]).fetchall())
    if not found:
        raise NotFound(tr("找不到该走访记录"))
    if not scope.whole_office and not db.execute(
            f"SELECT 1 FROM visit_households WHERE visit_id = ? AND {scope.households('household_id')} LIMIT 1",
            [visit_id]).fetchone():
        scope.refuse()
    return found[0]


def visits_of_staff(db: Database, staff_id: int, *, scope: Scope, limit: int = 50, include_void: bool = False,
                    per_visit: int = 5) -> list[Visit]:
    """A staff member's visits, newest first, each with its first `per_visit` households; only the
    visits that covered a household of the user's scope."""
    status = "" if include_void else " AND v.status = 'active'"
    if not scope.whole_office:
        status += (" AND v.id IN (SELECT visit_id FROM visit_households WHERE "
                   f"{scope.households('household_id')})")
    return _visits(db, db.execute(_VISIT_SQL + f"WHERE v.staff_id = ?{status} ORDER BY v.visited_on DESC, v.id DESC "
                                  "LIMIT ?", [staff_id, limit]).fetchall(), per_visit)


def visits_of_household(db: Database, household_id: int, *, scope: Scope, limit: int = 50) -> list[Visit]:
    """The visits that covered a household of the user's scope, newest first (void ones left out)."""
    _require_household(db, household_id, scope)
    return _visits(db, db.execute(
        _VISIT_SQL + "WHERE v.id IN (SELECT visit_id FROM visit_households WHERE household_id = ? AND voided = 0) "
        "ORDER BY v.visited_on DESC, v.id DESC LIMIT ?", [household_id, limit]).fetchall())


def count_visits(db: Database, staff_id: int, since: str, until: str, *, scope: Scope) -> int:
    """Households visited (household-visits) by a staff member between two dates, both included;
    only households of the user's scope."""
    return db.execute("SELECT count(*) FROM visit_households vh JOIN visits v ON v.id = vh.visit_id "
                      "WHERE v.staff_id = ? AND v.status = 'active' AND v.visited_on BETWEEN ? AND ? "
                      f"AND {scope.households('vh.household_id')}",
                      [staff_id, since, until]).fetchone()[0]


@dataclass(frozen=True)
class StaffChoice:
    id: int
    name: str
    unit: str


def contact_staff(db: Database, *, scope: Scope) -> list[StaffChoice]:
    """Active staff with current contact households, by unit and name: the workbench's picker.
    Only staff serving the user's scope: a current contact household there.
    (An index probe per staff member; counting every contact link would cost more than the list.)"""
    rows = db.execute(
        "SELECT s.id, s.name, coalesce(u.name, ''), s.org_id FROM staff s LEFT JOIN org_units u ON u.id = s.org_id "
        "WHERE s.status = 'active' AND EXISTS (SELECT 1 FROM contacts c WHERE c.staff_id = s.id AND c.until IS NULL "
        f"AND {scope.households('c.household_id')})").fetchall()
    # Units in tree order, naturally (a path of ids sorts 第10网格 before 第2网格 as text).
    keys = tree_keys(db)
    rows.sort(key=lambda r: (r[3] not in keys, keys.get(r[3], []), r[1], r[0]))
    return [StaffChoice(*r[:3]) for r in rows]
