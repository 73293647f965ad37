"""Matters (民情诉求/事项), one matter one file: intake, grades, the state machine, time limits,
routing, promises, evaluation and the weekly analysis meeting.

This module is the one place where the rules live; the GUI, the exporters and the generator call it.

States:  received → assigned → in_progress → resolved | unresolvable → answered → evaluated → archived,
and evaluated → reopened when the resident is not satisfied. A matter may also be started directly
by the one who took it (received → in_progress): that is how on-the-spot matters (当场办结) go.

Time limits (per grade, optionally per category; Jinniu's 2/24/72 hours as defaults, seed 003): the
office must respond within `respond_hours` (the first step after intake) and close the matter (resolved
or explained as unresolvable) within `resolve_hours`, both counted from the intake time; a reopened
matter gets a fresh resolve limit counted from the reopening. An on-the-spot matter has no hours: it is
closed the day it was taken (see due.deadlines()).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.audit import trail
from gridoffice.store.db import now as db_now
from gridoffice.errors import NotFound, ValidationError
from gridoffice.i18n import tr
# The settings are re-exported: callers reach everything about matters through this module.
from gridoffice.matters.due import as_now, deadlines, fmt_ts, parse_ts, soon_limit, standard_promise
from gridoffice.matters.settings import (GRADE_HANDLER, GRADES, Category, TimeLimit, add_category,  # noqa: F401
                                         categories, category_origin, check_grade, get_category, limit_origin,
                                         rename_category, retire_category, set_time_limit, time_limit, time_limits)
from gridoffice.normalize import check_length, clean_field, clean_text, normalize_phone
from gridoffice.access.scope import writable_matter
from gridoffice.changes import Changes, writes

SOURCES = {"visit": "上门走访", "phone": "电话", "sms": "短信", "walk_in": "来访", "board": "留言板",
           "meeting": "会议", "slip": "抄送单"}
STATES = {
    "received": "已受理",
    "assigned": "已交办",
    "in_progress": "办理中",
    "resolved": "已办结",
    "unresolvable": "无法解决",
    "answered": "已答复",
    "evaluated": "已评价",
    "archived": "已归档",
    "reopened": "重新办理",
}
OPEN_STATES = ("received", "assigned", "in_progress", "reopened")
CLOSED_STATES = ("resolved", "unresolvable", "answered", "evaluated", "archived")
SATISFACTION = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}

ACTIONS = {
    "receive": "受理",
    "assign": "交办",
    "start": "开始办理",
    "resolve": "办结",
    "cannot_resolve": "无法解决并解释",
    "answer": "答复居民",
    "evaluate": "评价",
    "archive": "归档",
    "reopen": "重新办理",
    "transfer": "转办",
    "regrade": "调整等级",
    "promise": "承诺",
    "note": "记录进展",
    "meeting": "分析会决定",
}

# The state machine: action -> (states it may be taken from, state it leads to; None keeps the state).
RULES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "assign": (("received", "reopened"), "assigned"),
    "start": (("received", "assigned", "reopened"), "in_progress"),
    "resolve": (("in_progress",), "resolved"),
    "cannot_resolve": (("in_progress",), "unresolvable"),
    "answer": (("resolved", "unresolvable"), "answered"),
    "evaluate": (("answered",), "evaluated"),
    "archive": (("evaluated",), "archived"),
    "reopen": (("evaluated",), "reopened"),
    "transfer": (("assigned", "in_progress", "reopened"), None),
    "regrade": (OPEN_STATES, None),
    "promise": (OPEN_STATES + ("resolved", "unresolvable"), None),
    "note": (OPEN_STATES + CLOSED_STATES[:-1], None),
}
STATE_ACTIONS = ("assign", "start", "resolve", "cannot_resolve", "answer", "evaluate", "archive", "reopen")
# Steps that need a note, and what the note must say.
NOTE_REQUIRED = {
    "resolve": "办理结果",
    "cannot_resolve": "向居民作出的解释说明",
    "answer": "答复居民的内容",
    "reopen": "重新办理的原因",
    "transfer": "转办原因",
    "regrade": "调整等级的原因",
    "note": "进展情况",
}



# -- values ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Matter:
    id: int
    number: str
    received_at: str
    source: str
    category_id: int
    category: str
    grade: str
    state: str
    title: str
    content: str
    person_id: int | None
    household_id: int | None
    household_number: str
    grid_id: int | None
    grid: str
    resident_name: str
    resident_phone: str
    taker_staff_id: int | None
    taker_name: str
    assignee_staff_id: int | None
    assignee_name: str
    assignee_dept: str
    respond_due: str
    resolve_due: str
    due_at: str | None
    responded_at: str | None
    closed_at: str | None
    outcome: str
    answered_at: str | None
    promise: str
    promise_date: str | None
    satisfaction: str | None
    self_score: int | None
    peer_score: int | None
    evaluated_at: str | None
    archived_at: str | None
    reopen_count: int
    resident_score: int | None = None

    @property
    def assignee(self) -> str:
        """Who handles it, as a clerk reads it: the person, the department, or both."""
        return " / ".join(x for x in (self.assignee_name, self.assignee_dept) if x)


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str
    data: dict


@dataclass(frozen=True)
class Timeliness:
    """kind: 'in_time' | 'due_soon' | 'overdue' | 'closed_on_time' | 'closed_late'."""
    kind: str
    due: str | None  # the pending deadline, None once closed
    label: str
    late_response: bool

    @property
    def short(self) -> str:
        """For a list column: the kind in a word or two and the deadline."""
        words = {"in_time": tr("期限内"), "due_soon": tr("即将到期"), "overdue": tr("已超期"),
                 "closed_on_time": tr("按期办结"), "closed_late": tr("超期办结")}[self.kind]
        return f"{words} {self.due[:16]}" if self.due else words


@dataclass(frozen=True)
class MatterFilter:
    state: str | None = None  # a state code, 'open', 'closed' or None for all
    grid_id: int | None = None  # any org unit: its whole subtree
    assignee_staff_id: int | None = None
    grade: str | None = None
    category_id: int | None = None
    household_id: int | None = None
    person_id: int | None = None
    text: str = ""  # a number (or its start) or words of the title, content or resident
    satisfaction: str | None = None  # the residents' evaluation (SATISFACTION's codes)
    urgency: str | None = None  # open matters by deadline only: 'overdue', 'due_soon' or 'in_time'


@dataclass(frozen=True)
class MeetingItem:
    week: str  # the Monday of the meeting's week
    matter: Matter
    reasons: tuple[str, ...]  # 'difficult', 'overdue'
    decision: str
    decided_by: str
    decided_at: str | None


@dataclass(frozen=True)
class Resident:
    name: str
    id_masked: str
    phone_masked: str
    household_number: str
    address: str


@dataclass(frozen=True)
class Dossier:
    matter: Matter
    resident: Resident
    events: tuple[Event, ...]
    timeliness: Timeliness
    limit: TimeLimit
    meeting: tuple[MeetingItem, ...]


def pending_due(state: str, responded_at: str | None, respond_due: str, resolve_due: str) -> str | None:
    """The deadline a matter in this state still has to meet (None once it is closed)."""
    if state not in OPEN_STATES:
        return None
    return respond_due if not responded_at else resolve_due


def timeliness(m: Matter, now: dt.datetime | str | None = None) -> Timeliness:
    """Due soon, overdue, closed on time or late: the one function every view and export uses."""
    at = as_now(now)
    responded = m.responded_at or (fmt_ts(at) if m.state in OPEN_STATES else None)
    late_response = bool(responded) and responded > m.respond_due
    if m.state not in OPEN_STATES:
        if m.closed_at and m.closed_at > m.resolve_due:
            return Timeliness("closed_late", None, tr("超期办结"), late_response)
        return Timeliness("closed_on_time", None, tr("按期办结"), late_response)
    due = pending_due(m.state, m.responded_at, m.respond_due, m.resolve_due)
    what = tr("答复") if not m.responded_at else tr("办结")
    if due < fmt_ts(at):
        return Timeliness("overdue", due, tr("已超期（应于{due}前{what}）").format(due=due[:16], what=what),
                          late_response)
    if due < fmt_ts(soon_limit(at)):
        return Timeliness("due_soon", due, tr("即将到期（{due}前{what}）").format(due=due[:16], what=what),
                          late_response)
    return Timeliness("in_time", due, tr("期限内（{due}前{what}）").format(due=due[:16], what=what), late_response)


# -- intake ----------------------------------------------------------------------------------
def next_number(db: Database, received: dt.datetime) -> str:
    """2026-11-0042: the month the matter was received and its order within that month."""
    prefix = received.strftime("%Y-%m-")
    row = db.execute("SELECT max(CAST(substr(number, 9) AS INTEGER)) FROM matters WHERE number >= ? AND number < ?",
                     [prefix, prefix[:-1] + "."]).fetchone()
    return f"{prefix}{(row[0] or 0) + 1:04d}"


def _exists(db: Database, table: str, row_id: int) -> dict | None:
    cur = db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])
    values = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], values)) if values else None


def _staff_name(db: Database, staff_id: int | None, field: str) -> str:
    if staff_id is None:
        return ""
    row = db.execute("SELECT name, status FROM staff WHERE id = ?", [staff_id]).fetchone()
    if row is None:
        raise ValidationError(field, tr("找不到所选的工作人员，请重新选择"))
    return row[0]


@writes(Changes.MATTERS)
def intake(db: Database, *, source: str, category_id: int, grade: str, title: str, content: str = "",
           person_id: int | None = None, household_id: int | None = None, grid_id: int | None = None,
           resident_name: str = "", resident_phone: str = "", taker_staff_id: int | None = None,
           taker_name: str = "", received_at: str | dt.datetime | None = None,
           now: dt.datetime | str | None = None) -> int:
    """Register what a resident asked for; returns the new matter's id. Links are all optional."""
    current = as_now(now)
    if source not in SOURCES:
        raise ValidationError("source", tr("请选择受理渠道：{names}").format(
            names="、".join(tr(label) for label in SOURCES.values())))
    category = get_category(db, category_id)
    if category.status != "active":
        raise ValidationError("category_id", tr("类别“{name}”已停用，请选择其他类别").format(name=category.name))
    check_grade(grade)
    title = clean_text(title)
    if not title:
        raise ValidationError("title", tr("请填写诉求事项（居民反映或要求什么）"))
    check_length(title, "matter_title", "title")
    content = clean_field(content, "matter_content", "content", multiline=True)
    received = parse_ts(received_at, "received_at", "受理时间") or current
    if received > current + dt.timedelta(minutes=5):
        raise ValidationError("received_at", tr("受理时间{t}晚于现在，请核对").format(t=fmt_ts(received)[:16]))
    resident_name = clean_field(resident_name, "resident_name")
    resident_phone = normalize_phone(resident_phone, field="resident_phone")
    if person_id is not None:
        person = _exists(db, "persons", person_id)
        if person is None:
            raise ValidationError("person_id", tr("找不到所选的居民，请重新选择"))
        if household_id is None:
            household_id = person["household_id"]
        elif person["household_id"] != household_id:
            raise ValidationError("person_id", tr("居民{name}不是所选户的成员，请核对").format(name=person["name"]))
        resident_name = resident_name or person["name"]
        resident_phone = resident_phone or person["phone"] or ""
    if household_id is not None:
        household = _exists(db, "households", household_id)
        if household is None:
            raise ValidationError("household_id", tr("找不到所选的户，请重新选择"))
        head = db.execute("SELECT name, phone FROM persons WHERE household_id = ? AND relation = 'head' "
                          "AND status = 'active'", [household_id]).fetchone()
        if person_id is None and head and not resident_name:
            # Registered against the household: the head speaks for it unless a name is given.
            resident_name, resident_phone = head[0], resident_phone or head[1] or ""
        resident_phone = resident_phone or household["phone"] or ""
        if grid_id is None and household["org_id"] is not None:
            unit = _exists(db, "org_units", household["org_id"])
            grid_id = unit["grid_id"] or unit["id"]
    if grid_id is not None and _exists(db, "org_units", grid_id) is None:
        raise ValidationError("grid_id", tr("找不到所选的网格，请重新选择"))
    # A user bound to some grids registers matters of those grids (or their households) only.
    writable_matter(db, grid_id, household_id)
    taker_name = clean_field(taker_name, "taker_name") or _staff_name(db, taker_staff_id, "taker_staff_id") or trail.actor(db)
    respond_due, resolve_due = deadlines(time_limit(db, grade, category_id), received)
    promised, promise_date = standard_promise(grade, resolve_due)
    with db.atomic():
        stamp = db_now()
        values = {
            "number": next_number(db, received), "received_at": fmt_ts(received), "source": source,
            "category_id": category_id, "grade": grade, "state": "received", "title": title, "content": content,
            "person_id": person_id, "household_id": household_id, "grid_id": grid_id,
            "resident_name": resident_name, "resident_phone": resident_phone,
            "taker_staff_id": taker_staff_id, "taker_name": taker_name,
            "respond_due": respond_due, "resolve_due": resolve_due, "due_at": respond_due,
            "promise": promised, "promise_date": promise_date, "reopen_count": 0, "created_at": stamp, "updated_at": stamp,
        }
        cols = ", ".join(values)
        matter_id = db.execute(f"INSERT INTO matters({cols}) VALUES({', '.join('?' * len(values))})",
                               list(values.values())).lastrowid
        db.execute("INSERT INTO matters_fts(rowid, chars) VALUES(?, ?)",
                   [matter_id, search_chars(title, resident_name, content)])
        event = _event(db, matter_id, fmt_ts(received), taker_name, "receive", None, "received",
                       tr("{source}受理，{grade}").format(source=tr(SOURCES[source]), grade=tr(GRADES[grade])), {})
        # The step's event is named in the entry, so an undo (gridoffice.audit.revert) knows it is still the last.
        trail.record(db, "matter.intake", "matters", matter_id, new={**values, "event": event})
    return matter_id


def search_chars(*texts: str) -> str:
    """The text-search document (or query) of some texts: their characters, one token each."""
    return " ".join(ch for text in texts for ch in text if ch.isalnum())


def _event(db: Database, matter_id: int, at: str, actor: str, action: str, from_state: str | None,
           to_state: str | None, note: str, data: dict) -> int:
    return db.execute("INSERT INTO matter_events(matter_id, at, actor, action, from_state, to_state, note, data) "
               "VALUES(?,?,?,?,?,?,?,?)",
               [matter_id, at, actor, action, from_state, to_state, note,
                json.dumps(data, ensure_ascii=False) if data else None]).lastrowid


# -- the state machine -----------------------------------------------------------------------------
def legal_actions(state: str) -> list[str]:
    """Every action a matter in this state allows, in the order the buttons show them."""
    return [a for a, (sources, _) in RULES.items() if state in sources]


def check_legal(state: str, action: str, number: str = "") -> None:
    """Refuse an illegal step with a message that says what is possible instead."""
    if action not in RULES:
        raise ValidationError("action", tr("未知的操作“{a}”").format(a=action))
    if state in RULES[action][0]:
        return
    allowed = "、".join(tr(ACTIONS[a]) for a in legal_actions(state) if a in STATE_ACTIONS)
    message = tr("事项{number}当前状态为“{state}”，不能“{action}”。").format(
        number=number, state=tr(STATES[state]), action=tr(ACTIONS[action]))
    message += tr("现在可以：{allowed}").format(allowed=allowed) if allowed else tr("该事项已归档，不能再变更")
    raise ValidationError("state", message)


def _load(db: Database, matter_id: int) -> dict:
    row = _exists(db, "matters", matter_id)
    if row is None:
        raise NotFound(tr("找不到编号为{id}的事项").format(id=matter_id))
    writable_matter(db, row["grid_id"], row["household_id"])  # every step changes the matter
    return row


def _step_time(db: Database, row: dict, at: str | dt.datetime | None, current: dt.datetime) -> dt.datetime:
    """When the step happened: now, or a time typed from a paper record (not before the last step)."""
    when = parse_ts(at, "at", "办理时间") or current
    if when > current + dt.timedelta(minutes=5):
        raise ValidationError("at", tr("办理时间{t}晚于现在，请核对").format(t=fmt_ts(when)[:16]))
    last = db.execute("SELECT max(at) FROM matter_events WHERE matter_id = ?", [row["id"]]).fetchone()[0]
    if last and fmt_ts(when) < last:
        raise ValidationError("at", tr("办理时间{t}早于上一步骤的时间{last}，请核对").format(
            t=fmt_ts(when)[:16], last=last[:16]))
    return when


def _score(value: int | str | None, field: str, label: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        raise ValidationError(field, tr("{label}应为0到100的整数").format(label=tr(label))) from None
    if not 0 <= score <= 100:
        raise ValidationError(field, tr("{label}应为0到100的整数").format(label=tr(label)))
    return score


def _write(db: Database, row: dict, changes: dict, action: str, at: str, by: str, note: str, data: dict,
           to_state: str | None) -> None:
    """Apply one step: the row, the step in the history and the audit entry, in one transaction."""
    changes = dict(changes)
    state = changes.get("state", row["state"])
    responded = changes.get("responded_at", row["responded_at"])
    changes["due_at"] = pending_due(state, responded, changes.get("respond_due", row["respond_due"]),
                                    changes.get("resolve_due", row["resolve_due"]))
    changes["updated_at"] = db_now()
    with db.atomic():
        sets = ", ".join(f"[{k}] = ?" for k in changes)
        db.execute(f"UPDATE matters SET {sets} WHERE id = ?", [*changes.values(), row["id"]])
        event = _event(db, row["id"], at, by, action, row["state"], to_state, note, data)
        trail.record(db, f"matter.{action}", "matters", row["id"], old={k: row.get(k) for k in changes},
                     new={**changes, "event": event, **({"note": note} if note else {})})


@writes(Changes.MATTERS)
def transition(db: Database, matter_id: int, action: str, *, note: str = "", at: str | dt.datetime | None = None,
               by: str | None = None, staff_id: int | None = None, dept: str = "",
               satisfaction: str | None = None, resident_score: int | str | None = None,
               now: dt.datetime | str | None = None) -> None:
    """Take one step of the state machine (assign, start, resolve, cannot_resolve, answer, evaluate,
    archive, reopen). `by` is who did it (default: the signed-in user); `at` when (default: now)."""
    row = _load(db, matter_id)
    if action not in STATE_ACTIONS:
        raise ValidationError("action", tr("未知的操作“{a}”").format(a=action))
    check_legal(row["state"], action, row["number"])
    current = as_now(now)
    when = _step_time(db, row, at, current)
    note = clean_field(note, "matter_note", "note", multiline=True)
    if action in NOTE_REQUIRED and not note:
        raise ValidationError("note", tr("请填写{what}").format(what=tr(NOTE_REQUIRED[action])))
    to_state = RULES[action][1]
    stamp = fmt_ts(when)
    changes: dict = {"state": to_state}
    data: dict = {}
    if row["responded_at"] is None:
        changes["responded_at"] = stamp
    if action == "assign":
        changes.update(_assignee(db, staff_id, dept))
        data = {k: v for k, v in changes.items() if k.startswith("assignee") and v}
    elif action in ("resolve", "cannot_resolve"):
        changes.update(closed_at=stamp, outcome=note)
    elif action == "answer":
        changes["answered_at"] = stamp
    elif action == "evaluate":
        if satisfaction not in SATISFACTION:
            raise ValidationError("satisfaction", tr("请选择居民满意度：满意、基本满意或不满意"))
        # 群众评分 (seed 004): the resident's own score, the one the wall notice shows.
        score = _score(resident_score, "resident_score", "居民评分")
        if score is None:
            raise ValidationError("resident_score", tr("请填写居民评分（0到100分）"))
        # The team's self-assessment and peer review are collective and monthly (team_reviews), not per matter.
        changes.update(satisfaction=satisfaction, evaluated_at=stamp, resident_score=score)
        data = {"satisfaction": satisfaction, "resident_score": score}
    elif action == "archive":
        if row["satisfaction"] == "unsatisfied" and not note:
            raise ValidationError("note", tr("居民不满意的事项归档前，请说明不再重新办理的理由"))
        changes["archived_at"] = stamp
    elif action == "reopen":
        if row["satisfaction"] == "satisfied":
            raise ValidationError("state", tr("居民对事项{number}表示满意，不需要重新办理").format(number=row["number"]))
        limit = time_limit(db, row["grade"], row["category_id"])
        changes.update(closed_at=None, answered_at=None, evaluated_at=None, satisfaction=None, self_score=None,
                       peer_score=None, resident_score=None, reopen_count=row["reopen_count"] + 1,
                       resolve_due=deadlines(limit, when)[1])
        data = {"satisfaction": row["satisfaction"]}
    _write(db, row, changes, action, stamp, by or trail.actor(db), note, data, to_state)


def _assignee(db: Database, staff_id: int | None, dept: str) -> dict:
    dept = clean_text(dept)
    name = _staff_name(db, staff_id, "staff_id")
    if not name and not dept:
        raise ValidationError("staff_id", tr("请选择承办人或填写承办部门"))
    check_length(dept, "dept")
    return {"assignee_staff_id": staff_id, "assignee_dept": dept}


def _side_step(db: Database, matter_id: int, action: str, note: str, at, by, now) -> tuple[dict, str, str]:
    row = _load(db, matter_id)
    check_legal(row["state"], action, row["number"])
    when = _step_time(db, row, at, as_now(now))
    note = clean_field(note, "matter_note", "note", multiline=True)
    if action in NOTE_REQUIRED and not note:
        raise ValidationError("note", tr("请填写{what}").format(what=tr(NOTE_REQUIRED[action])))
    return row, fmt_ts(when), note


@writes(Changes.MATTERS)
def transfer(db: Database, matter_id: int, *, reason: str, staff_id: int | None = None, dept: str = "",
             at=None, by: str | None = None, now=None) -> None:
    """Hand the matter to another person or department, saying why."""
    row, stamp, reason = _side_step(db, matter_id, "transfer", reason, at, by, now)
    changes = _assignee(db, staff_id, dept)
    if (changes["assignee_staff_id"], changes["assignee_dept"]) == (row["assignee_staff_id"], row["assignee_dept"]):
        raise ValidationError("staff_id", tr("转办对象与现在的承办人相同，请重新选择"))
    data = {"from": {"staff_id": row["assignee_staff_id"], "dept": row["assignee_dept"]},
            "to": {"staff_id": staff_id, "dept": changes["assignee_dept"]}}
    _write(db, row, changes, "transfer", stamp, by or trail.actor(db), reason, data, None)


@writes(Changes.MATTERS)
def regrade(db: Database, matter_id: int, *, grade: str, reason: str, at=None, by: str | None = None,
            now=None) -> None:
    """Change the grade; the deadlines follow the new grade's limits from the same starting point."""
    row, stamp, reason = _side_step(db, matter_id, "regrade", reason, at, by, now)
    check_grade(grade)
    if grade == row["grade"]:
        raise ValidationError("grade", tr("新等级与原等级相同"))
    limit = time_limit(db, grade, row["category_id"])
    reopened = db.execute("SELECT max(at) FROM matter_events WHERE matter_id = ? AND action = 'reopen'",
                          [matter_id]).fetchone()[0]
    respond_due = deadlines(limit, parse_ts(row["received_at"], "received_at", "受理时间"))[0]
    resolve_due = deadlines(limit, parse_ts(reopened or row["received_at"], "received_at", "受理时间"))[1]
    changes = {"grade": grade, "respond_due": respond_due, "resolve_due": resolve_due}
    _write(db, row, changes, "regrade", stamp, by or trail.actor(db), reason,
           {"from": row["grade"], "to": grade}, None)


@writes(Changes.MATTERS)
def promise(db: Database, matter_id: int, *, text: str, date: str | dt.date, at=None, by: str | None = None,
            now=None) -> None:
    """The public promise (承诺) of 一事一诺一评价: what will be done, and by which date."""
    row, stamp, _ = _side_step(db, matter_id, "promise", "", at, by, now)
    text = clean_field(text, "promise")
    if not text:
        raise ValidationError("promise", tr("请填写承诺内容"))
    try:
        day = date if isinstance(date, dt.date) else dt.date.fromisoformat(clean_text(date))
    except ValueError:
        raise ValidationError("promise_date", tr("承诺日期“{d}”无效，请写成“2026-11-30”的样子").format(d=date)) from None
    if day.isoformat() < row["received_at"][:10]:
        raise ValidationError("promise_date", tr("承诺日期不能早于受理日期{d}").format(d=row["received_at"][:10]))
    _write(db, row, {"promise": text, "promise_date": day.isoformat()}, "promise", stamp, by or trail.actor(db),
           text, {"date": day.isoformat()}, None)


@writes(Changes.MATTERS)
def add_note(db: Database, matter_id: int, note: str, *, at=None, by: str | None = None, now=None) -> None:
    """A progress record (e.g. a follow-up call) that does not change the state."""
    row, stamp, note = _side_step(db, matter_id, "note", note, at, by, now)
    _write(db, row, {}, "note", stamp, by or trail.actor(db), note, {}, None)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week of the weekly analysis meeting (每周民情分析会)."""
    return day - dt.timedelta(days=day.weekday())


@writes(Changes.MATTERS)
def record_decision(db: Database, matter_id: int, week: str | dt.date, decision: str, *,
                    by: str | None = None, now=None) -> None:
    """The weekly meeting's decision on a matter; recording again for the same week replaces it."""
    row = _load(db, matter_id)
    decision = clean_field(decision, "decision", multiline=True)
    if not decision:
        raise ValidationError("decision", tr("请填写分析会对该事项的决定"))
    try:
        monday = week_start(week if isinstance(week, dt.date) else dt.date.fromisoformat(clean_text(week)))
    except ValueError:
        raise ValidationError("week", tr("分析会日期“{d}”无效").format(d=week)) from None
    stamp, who = fmt_ts(as_now(now)), by or trail.actor(db)
    with db.atomic():
        old = db.execute("SELECT decision FROM matter_meeting_items WHERE week = ? AND matter_id = ?",
                         [monday.isoformat(), matter_id]).fetchone()
        db.execute(
            "INSERT INTO matter_meeting_items(week, matter_id, decision, decided_by, decided_at) VALUES(?,?,?,?,?) "
            "ON CONFLICT(week, matter_id) DO UPDATE SET decision = excluded.decision, "
            "decided_by = excluded.decided_by, decided_at = excluded.decided_at",
            [monday.isoformat(), matter_id, decision, who, stamp])
        _event(db, matter_id, stamp, who, "meeting", row["state"], None, decision, {"week": monday.isoformat()})
        trail.record(db, "matter.meeting", "matters", matter_id,
                     old={"week": monday.isoformat(), "decision": old[0]} if old else None,
                     new={"week": monday.isoformat(), "decision": decision})
