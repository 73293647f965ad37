"""必访情形 (“八个一、十必访”, seed 000) and 集中走访 (“每年组织的2次以上集中性走访”, seed 003).

A must-visit situation recorded on a household (illness, a death in the family, hardship, a dispute …)
makes a visit due within that situation's days; it is done by the first visit of the household on or
after the day it was noted, so voiding that visit makes it due again. The list of situations and their
days are the office's own: the source names the scheme, not its ten situations.

A visit campaign is planned for a unit and a date range, each grid answered for by a staff member;
its coverage is the share of the grid's active households visited within the range.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.audit import trail, records
from gridoffice.store.db import get_setting, set_setting
from gridoffice.store.db import now as db_now
from gridoffice.errors import PermissionDenied, RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_field
from gridoffice.org.regions import get_unit, tree_keys
from gridoffice.access.scope import Scope, acting, org_in, writable
from gridoffice.store.where import Where
from gridoffice.changes import Changes, writes

SITUATIONS_KEY = "must_visit_situations"
# The office's own defaults (the source, 淳安县's “八个一、十必访”, does not list the ten): what
# happened, and within how many days the household is to be visited.
DEFAULT_SITUATIONS = (("重病或住院", 3), ("家中有丧事", 3), ("生活遇到困难", 3), ("发生矛盾纠纷", 2), ("遭受灾害或意外", 1),
                      ("有信访苗头", 2), ("失业或失地", 7), ("刑满释放或解除矫正", 7), ("家有新生儿或新婚", 7),
                      ("外出人员返乡", 7))
CAMPAIGNS_A_YEAR = 2  # seed 003: “每年组织的2次以上集中性走访”


@dataclass(frozen=True)
class Situation:
    name: str
    days: int


@dataclass(frozen=True)
class MustVisit:
    id: int
    household_id: int
    number: str
    head_name: str
    address: str
    situation: str
    noted_on: str
    due_on: str
    days_overdue: int  # > 0 overdue, <= 0 the days left
    contacts: str  # the household's current contact staff, 、-joined
    note: str


def situations(db: Database) -> list[Situation]:
    stored = get_setting(db, SITUATIONS_KEY)
    items = json.loads(stored) if stored else [{"name": n, "days": d} for n, d in DEFAULT_SITUATIONS]
    return [Situation(i["name"], int(i["days"])) for i in items]


def _office_wide(db: Database, what: str) -> None:
    user = acting(db)
    if user is not None and (not user.whole_office or not user.edit):
        raise PermissionDenied(tr("{what}全单位通用，只有工作人员、领导和管理员可以修改").format(what=tr(what)))


@writes(Changes.VISITS)
def set_situations(db: Database, items: list[tuple[object, object]]) -> None:
    """Replace the office's list with (name, days) rows; checked before anything is written."""
    _office_wide(db, "必访情形")
    clean: list[dict] = []
    for name, days in items:
        text = clean_field(name, "situation", "name")
        if not text:
            raise ValidationError("name", tr("必访情形的名称不能为空"))
        if any(c["name"] == text for c in clean):
            raise ValidationError("name", tr("必访情形“{n}”重复了").format(n=text))
        value = str(days).strip()
        if not value.isdigit() or not 1 <= int(value) <= 30:
            raise ValidationError("days", tr("“{n}”的走访期限请填1到30之间的整数（天）").format(n=text))
        clean.append({"name": text, "days": int(value)})
    if not clean:
        raise ValidationError("name", tr("必访情形至少要有一项"))
    with db.atomic():
        old = [{"name": s.name, "days": s.days} for s in situations(db)]
        set_setting(db, SITUATIONS_KEY, json.dumps(clean, ensure_ascii=False))
        trail.record(db, "set_must_visit_situations", "settings", None, old={"situations": old},
                     new={"situations": clean})


@writes(Changes.VISITS)
def record(db: Database, household_id: int, situation: str, *, noted_on: object, note: str = "",
           today: dt.date | None = None) -> int:
    """A must-visit situation of a household, noted on a day (not in the future); returns its id."""
    today = today or dt.date.today()
    found = {s.name: s for s in situations(db)}
    if situation not in found:
        raise ValidationError("situation", tr("请选择必访情形：{names}").format(names="、".join(found)))
    day = records.parse_day(noted_on, "noted_on", "发生日期", today=today, required=True)
    note = clean_field(note, "notes", "note", multiline=True)
    with db.atomic():
        household = records.require(db, "households", household_id, "户")
        if household["status"] != "active":
            raise RuleViolation(tr("户{number}已不在册，不能登记必访情形").format(number=household["number"]))
        writable(db, household["org_id"])
        due = (dt.date.fromisoformat(day) + dt.timedelta(days=found[situation].days)).isoformat()
        return records.insert(db, "must_visits", {
            "household_id": household_id, "situation": situation, "noted_on": day, "due_on": due, "note": note,
            "status": "open", "recorded_at": db_now(), "recorded_by": trail.actor(db)}, "record_must_visit")


@writes(Changes.VISITS)
def record_for_number(db: Database, number: str, situation: str, *, noted_on: object, note: str = "",
                      today: dt.date | None = None) -> int:
    """record() for the household a clerk names by its number (户号)."""
    text = str(number or "").strip()
    row = db.execute("SELECT id FROM households WHERE number = ?", [text]).fetchone() if text else None
    if row is None:
        raise ValidationError("household", tr("找不到户号为“{n}”的户，请核对").format(n=text) if text
                              else tr("请填写户号"))
    return record(db, row[0], situation, noted_on=noted_on, note=note, today=today)


@writes(Changes.VISITS)
def cancel(db: Database, must_visit_id: int, reason: str) -> None:
    """Withdraw a must-visit recorded by mistake; the row stays, with the reason."""
    reason = clean_field(reason, "reason")
    if not reason:
        raise ValidationError("reason", tr("请填写撤销的原因"))
    with db.atomic():
        row = records.require(db, "must_visits", must_visit_id, "必访情形")
        household = records.require(db, "households", row["household_id"], "户")
        writable(db, household["org_id"])
        if row["status"] != "open":
            raise RuleViolation(tr("这条必访情形已撤销"))
        records.update(db, "must_visits", must_visit_id, {"status": "cancelled", "cancel_reason": reason},
                       "cancel_must_visit", old=row)


_VISITED = ("EXISTS (SELECT 1 FROM visit_households vh WHERE vh.household_id = mv.household_id "
            "AND vh.voided = 0 AND vh.visited_on >= mv.noted_on)")


def pending(db: Database, *, scope: Scope, today: dt.date | None = None, staff_id: int | None = None,
            household_id: int | None = None) -> list[MustVisit]:
    """Open must-visits not yet followed by a visit, soonest due first, of households in the user's
    scope: all of them, one staff member's current contact households, or one household."""
    today = today or dt.date.today()
    where = Where("mv.status = 'open'", f"NOT {_VISITED}", "h.status = 'active'", scope.units("h.org_id"))
    if staff_id is not None:
        where.add("mv.household_id IN (SELECT household_id FROM contacts WHERE staff_id = ? AND until IS NULL)",
                  staff_id)
    where.equal("mv.household_id", household_id)
    rows = db.execute(
        "SELECT mv.id, h.id, h.number, coalesce((SELECT p.name FROM persons p WHERE p.household_id = h.id "
        "AND p.relation = 'head' AND p.status = 'active' LIMIT 1), ''), h.address, mv.situation, mv.noted_on, "
        "mv.due_on, CAST(julianday(?) - julianday(mv.due_on) AS INTEGER), "
        "coalesce((SELECT group_concat(s.name, '、') FROM contacts c JOIN staff s ON s.id = c.staff_id "
        "WHERE c.household_id = h.id AND c.until IS NULL), ''), mv.note "
        f"FROM must_visits mv JOIN households h ON h.id = mv.household_id{where.clause} "
        "ORDER BY mv.due_on, h.number", [today.isoformat(), *where.params]).fetchall()
    return [MustVisit(*r) for r in rows]


# ---- collective visit campaigns (集中走访) ------------------------------------------------------------

@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    org_id: int | None
    unit: str  # the unit's name, or 全部 for the whole office
    start_on: str
    end_on: str
    note: str


@dataclass(frozen=True)
class GridCoverage:
    grid_id: int
    grid: str
    staff_id: int | None
    staff_name: str  # who answers for the grid in this campaign ('' not yet assigned)
    households: int
    visited: int  # households visited within the campaign's dates


@writes(Changes.VISITS)
def plan_campaign(db: Database, name: str, *, start_on: object, end_on: object, org_id: int | None = None,
                  note: str = "") -> int:
    """A collective visit campaign over a unit's subtree (None: the whole office) and a date range."""
    name = clean_field(name, "campaign_name", "name")
    if not name:
        raise ValidationError("name", tr("请填写集中走访的名称，如“春节前集中走访”"))
    start = _day(start_on, "start_on", "开始日期")
    end = _day(end_on, "end_on", "结束日期")
    if end < start:
        raise ValidationError("end_on", tr("结束日期{e}早于开始日期{s}").format(e=end, s=start))
    if (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days > 92:
        raise ValidationError("end_on", tr("一次集中走访最长三个月，请缩短日期范围"))
    note = clean_field(note, "notes", "note", multiline=True)
    with db.atomic():
        user = acting(db)
        if org_id is None:
            if user is not None and not user.whole_office:
                raise PermissionDenied(tr("全单位的集中走访只有工作人员、领导和管理员可以安排，请选择您负责的单位"))
        else:
            get_unit(db, org_id)
        writable(db, org_id)
        return records.insert(db, "visit_campaigns", {
            "name": name, "org_id": org_id, "start_on": start, "end_on": end, "note": note, "status": "active",
            "created_at": db_now(), "created_by": trail.actor(db)}, "plan_campaign")


def _day(value: object, field: str, label: str) -> str:
    text = str(value or "").strip()
    try:
        return (value if isinstance(value, dt.date) else dt.date.fromisoformat(text)).isoformat()
    except ValueError:
        raise ValidationError(field, tr("{label}“{v}”无效，请写成“2026-12-01”的样子").format(
            label=tr(label), v=text)) from None


def _grids(db: Database, org_id: int | None, org_ids: frozenset[int] | None) -> list[tuple[int, str]]:
    where, params = "", []
    if org_id is not None:
        where, params = " AND u.path >= ? AND u.path < ?", list(get_unit(db, org_id).subtree)
    keys = tree_keys(db)
    return sorted((tuple(r) for r in db.execute(
        f"SELECT u.id, u.name FROM org_units u WHERE u.level = 'grid' AND u.status = 'active'{where} "
        f"AND {org_in('u.id', org_ids)}", params)), key=lambda r: keys[r[0]])


@writes(Changes.VISITS)
def assign(db: Database, campaign_id: int, grid_id: int, staff_id: int) -> None:
    """Who answers for one grid in a campaign (replacing whoever did)."""
    with db.atomic():
        campaign = records.require(db, "visit_campaigns", campaign_id, "集中走访")
        if grid_id not in {g for g, _ in _grids(db, campaign["org_id"], None)}:
            raise ValidationError("grid_id", tr("所选网格不在这次集中走访的范围内"))
        writable(db, grid_id)
        member = records.require(db, "staff", staff_id, "工作人员")
        if member["status"] != "active":
            raise RuleViolation(tr("{name}已离岗，不能分派").format(name=member["name"]))
        old = db.execute("SELECT id, staff_id FROM campaign_assignments WHERE campaign_id = ? AND grid_id = ?",
                         [campaign_id, grid_id]).fetchone()
        if old is None:
            records.insert(db, "campaign_assignments", {"campaign_id": campaign_id, "grid_id": grid_id,
                                                        "staff_id": staff_id}, "assign_campaign")
        elif old[1] != staff_id:
            records.update(db, "campaign_assignments", old[0], {"staff_id": staff_id}, "assign_campaign",
                           old={"staff_id": old[1]})


def campaigns(db: Database, year: int, *, scope: Scope) -> list[Campaign]:
    """The campaigns starting in a year that touch the user's units, in date order."""
    org_ids = scope.org_ids
    rows = db.execute(
        "SELECT c.id, c.name, c.org_id, coalesce(u.name, ''), c.start_on, c.end_on, c.note FROM visit_campaigns c "
        "LEFT JOIN org_units u ON u.id = c.org_id WHERE c.status = 'active' AND c.start_on >= ? AND c.start_on < ? "
        "ORDER BY c.start_on, c.id", [f"{year}-01-01", f"{year + 1}-01-01"]).fetchall()
    out = []
    for r in rows:
        if org_ids is not None and not _grids(db, r[2], org_ids):
            continue
        out.append(Campaign(r[0], r[1], r[2], r[3] or tr("全部"), r[4], r[5], r[6]))
    return out


def coverage(db: Database, campaign_id: int, *, scope: Scope) -> list[GridCoverage]:
    """Per grid of the campaign within the user's scope: who answers for it, its active households
    and how many of them were visited within the campaign's dates. A campaign touching none of the
    user's grids is refused."""
    c = records.require(db, "visit_campaigns", campaign_id, "集中走访")
    grids = _grids(db, c["org_id"], scope.org_ids)
    if not grids and not scope.whole_office:
        scope.refuse()
    assigned = {g: (s, n) for g, s, n in db.execute(
        "SELECT a.grid_id, a.staff_id, s.name FROM campaign_assignments a JOIN staff s ON s.id = a.staff_id "
        "WHERE a.campaign_id = ?", [campaign_id])}
    counts = {g: (n, v) for g, n, v in db.execute(
        "SELECT coalesce(u.grid_id, u.id), COUNT(*), SUM(EXISTS (SELECT 1 FROM visit_households vh "
        "WHERE vh.household_id = h.id AND vh.voided = 0 AND vh.visited_on >= ? AND vh.visited_on <= ?)) "
        f"FROM households h JOIN org_units u ON u.id = h.org_id WHERE h.status = 'active' AND {scope.units('h.org_id')} "
        "GROUP BY 1",
        [c["start_on"], c["end_on"]])}
    return [GridCoverage(g, name, assigned.get(g, (None, ""))[0], assigned.get(g, (None, ""))[1],
                         counts.get(g, (0, 0))[0], counts.get(g, (0, 0))[1] or 0) for g, name in grids]
