"""The daily log (民情日记), leaders' comments on it (点评), and the residents' needs log (居民需求).

A need stays open until it is solved ("解决一件注销一件"): solving it records the day and how. A need
that needs the office's machinery becomes a matter in one step (`need_to_matter`): the matter is
taken in through `matters.intake` in the same transaction and the need keeps its id (`needs.matter_id`),
so the need shows its matter and the matter's page can find its need (`need_of_matter`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.audit import trail, records
from gridoffice.matters import rules
from gridoffice.access.staff_accounts import acting_staff, signer
from gridoffice.store.db import now as db_now
from gridoffice.errors import NotFound, RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import check_length, clean_field, clean_text
from gridoffice.access.scope import Scope, writable_household, writable_matter, writable_staff
from gridoffice.store.where import Where
from gridoffice.changes import Changes, writes

NEED_STATUS = {"open": "未解决", "solved": "已解决"}


@dataclass(frozen=True)
class Comment:
    id: int
    entry_id: int
    author: str
    at: str
    text: str


@dataclass(frozen=True)
class LogEntry:
    id: int
    staff_id: int
    staff_name: str
    entry_date: str
    text: str
    written_by: str
    created_at: str
    households: tuple[tuple[int, str], ...]  # (household id, number)
    matter_ids: tuple[int, ...]
    comments: tuple[Comment, ...]


@dataclass(frozen=True)
class Need:
    id: int
    household_id: int
    household_number: str
    head_name: str
    visit_id: int | None
    staff_id: int | None
    staff_name: str
    raised_on: str
    content: str
    status: str
    solved_on: str | None
    solution: str
    matter_id: int | None
    matter_number: str | None
    matter_state: str | None


# ---- daily log ---------------------------------------------------------------------------------

def _staff(db: Database, staff_id: int | None) -> dict:
    row = records.row(db, "staff", staff_id) if staff_id is not None else None
    if row is None:
        raise ValidationError("staff_id", tr("请选择写日志的工作人员"))
    return row


@writes(Changes.LOGS)
def add_entry(db: Database, staff_id: int, entry_date: object, text: str, *, household_ids=(), matter_ids=(),
              today: dt.date | None = None) -> int:
    """One dated entry of a staff member's log, with the households and matters it concerns; a user
    bound to some grids writes only for staff, households and matters of those grids."""
    _staff(db, staff_id)
    writable_staff(db, staff_id)
    day = records.parse_day(entry_date, "entry_date", "日志日期", today=today, required=True)
    text = clean_text(text, multiline=True)
    if not text:
        raise ValidationError("text", tr("请填写日志内容"))
    check_length(text, "log_text", "text")
    households = list(dict.fromkeys(household_ids))
    for hid in households:
        if records.row(db, "households", hid) is None:
            raise ValidationError("household_ids", tr("找不到编号为{id}的户，请重新选择").format(id=hid))
        writable_household(db, hid)
    linked = list(dict.fromkeys(matter_ids))
    for mid in linked:
        matter = records.row(db, "matters", mid)
        if matter is None:
            raise ValidationError("matter_ids", tr("找不到编号为{id}的事项，请重新选择").format(id=mid))
        writable_matter(db, matter["grid_id"], matter["household_id"])
    with db.atomic():
        stamp = db_now()
        values = {"staff_id": staff_id, "entry_date": day, "text": text, "status": "active",
                  "written_by": trail.actor(db), "created_at": stamp, "updated_at": stamp}
        entry_id = db.execute("INSERT INTO log_entries(staff_id, entry_date, text, status, written_by, created_at, "
                              "updated_at) VALUES (?,?,?,?,?,?,?)", list(values.values())).lastrowid
        db.conn.executemany("INSERT INTO log_households(entry_id, household_id) VALUES (?,?)",
                            [(entry_id, h) for h in households])
        db.conn.executemany("INSERT INTO log_matters(entry_id, matter_id) VALUES (?,?)",
                            [(entry_id, m) for m in linked])
        trail.record(db, "add_log_entry", "log_entries", entry_id,
                     new={**values, "households": households, "matters": linked})
    return entry_id


@writes(Changes.LOGS)
def add_comment(db: Database, entry_id: int, text: str, *, author: str | None = None,
                author_staff_id: int | None = None) -> int:
    """A leader's comment (点评) on an entry; the author defaults to the signed-in user's real name
    (their staff member's), and the staff member who comments is theirs."""
    text = clean_text(text, multiline=True)
    if not text:
        raise ValidationError("text", tr("请填写点评内容"))
    check_length(text, "comment", "text")
    entry = records.row(db, "log_entries", entry_id)
    if entry is None:
        raise NotFound(tr("找不到该日志"))
    writable_staff(db, entry["staff_id"])
    for (hid,) in db.execute("SELECT household_id FROM log_households WHERE entry_id = ?", [entry_id]).fetchall():
        writable_household(db, hid)
    if author_staff_id is None and author is None:
        author_staff_id = acting_staff(db)
    if author_staff_id is not None and records.row(db, "staff", author_staff_id) is None:
        raise ValidationError("author_staff_id", tr("找不到所选的点评人，请重新选择"))
    with db.atomic():
        values = {"entry_id": entry_id, "author": clean_field(author, "author") or signer(db),
                  "author_staff_id": author_staff_id, "at": db_now(), "text": text}
        comment_id = db.execute("INSERT INTO log_comments(entry_id, author, author_staff_id, at, text) "
                                "VALUES (?,?,?,?,?)", list(values.values())).lastrowid
        trail.record(db, "comment_log_entry", "log_comments", comment_id, new=values)
    return comment_id


def entries_of(db: Database, staff_id: int, *, scope: Scope, limit: int = 50,
               since: str | None = None) -> list[LogEntry]:
    """A staff member's log, newest first, each entry with its links and comments. Entries linked to
    a household outside the user's scope are left out (unlinked ones stay)."""
    where = Where("e.staff_id = ? AND e.status = 'active'", params=[staff_id])
    if not scope.whole_office:
        where.add("NOT EXISTS (SELECT 1 FROM log_households x WHERE x.entry_id = e.id "
                  f"AND NOT {scope.households('x.household_id')})")
    if since:
        where.add("e.entry_date >= ?", since)
    rows = db.execute(
        "SELECT e.id, e.staff_id, s.name, e.entry_date, e.text, coalesce(e.written_by, ''), e.created_at "
        f"FROM log_entries e JOIN staff s ON s.id = e.staff_id{where.clause} "
        "ORDER BY e.entry_date DESC, e.id DESC LIMIT ?", [*where.params, limit]).fetchall()
    return _entries(db, rows)


def waiting_for_comment(db: Database, *, scope: Scope, limit: int = 200) -> tuple[list[LogEntry], int]:
    """Log entries no leader has commented on yet, across all staff, newest first, and how many there
    are in all: the leader's 待点评 list. In scope as the dashboard counts them (the writer placed in
    the scope, or a linked household there), without entries linked to a household outside it."""
    where = ("e.status = 'active' AND NOT EXISTS (SELECT 1 FROM log_comments k WHERE k.entry_id = e.id)")
    if not scope.whole_office:
        where += (f" AND (s.org_id IS NOT NULL AND {scope.units('s.org_id')} OR EXISTS (SELECT 1 FROM log_households x "
                  f"WHERE x.entry_id = e.id AND {scope.households('x.household_id')})) "
                  "AND NOT EXISTS (SELECT 1 FROM log_households x WHERE x.entry_id = e.id "
                  f"AND NOT {scope.households('x.household_id')})")
    total = db.execute(f"SELECT count(*) FROM log_entries e JOIN staff s ON s.id = e.staff_id WHERE {where}"
                       ).fetchone()[0]
    rows = db.execute(
        "SELECT e.id, e.staff_id, s.name, e.entry_date, e.text, coalesce(e.written_by, ''), e.created_at "
        f"FROM log_entries e JOIN staff s ON s.id = e.staff_id WHERE {where} "
        "ORDER BY e.entry_date DESC, e.id DESC LIMIT ?", [limit]).fetchall()
    return _entries(db, rows), total


def get_entry(db: Database, entry_id: int, *, scope: Scope) -> LogEntry:
    """One log entry, as entries_of shows it: none of its households outside the user's scope, and
    one of them, or its staff member, inside it."""
    rows = db.execute(
        "SELECT e.id, e.staff_id, s.name, e.entry_date, e.text, coalesce(e.written_by, ''), e.created_at "
        "FROM log_entries e JOIN staff s ON s.id = e.staff_id WHERE e.id = ?", [entry_id]).fetchall()
    if not rows:
        raise NotFound(tr("找不到该日志"))
    if not scope.whole_office and not db.execute(
            "SELECT 1 FROM log_entries e WHERE e.id = ? AND NOT EXISTS (SELECT 1 FROM log_households x "
            f"WHERE x.entry_id = e.id AND NOT {scope.households('x.household_id')}) AND ({scope.staff('e.staff_id')} "
            f"OR EXISTS (SELECT 1 FROM log_households x WHERE x.entry_id = e.id))", [entry_id]).fetchone():
        scope.refuse()
    return _entries(db, rows)[0]


def _entries(db: Database, rows: list) -> list[LogEntry]:
    if not rows:
        return []
    ids = [r[0] for r in rows]
    marks = ",".join("?" * len(ids))
    households: dict[int, list] = {}
    for eid, hid, number in db.execute("SELECT l.entry_id, h.id, h.number FROM log_households l JOIN households h "
                                       f"ON h.id = l.household_id WHERE l.entry_id IN ({marks})", ids):
        households.setdefault(eid, []).append((hid, number))
    linked: dict[int, list] = {}
    for eid, mid in db.execute(f"SELECT entry_id, matter_id FROM log_matters WHERE entry_id IN ({marks})", ids):
        linked.setdefault(eid, []).append(mid)
    comments: dict[int, list] = {}
    for row in db.execute(f"SELECT id, entry_id, author, at, text FROM log_comments WHERE entry_id IN ({marks}) "
                          "ORDER BY at, id", ids):
        comments.setdefault(row[1], []).append(Comment(*row))
    return [LogEntry(*r, tuple(households.get(r[0], ())), tuple(linked.get(r[0], ())), tuple(comments.get(r[0], ())))
            for r in rows]


# ---- needs -------------------------------------------------------------------------------------

def check_need_text(text: object) -> str:
    content = clean_text(text)
    if not content:
        raise ValidationError("content", tr("请填写居民需求的内容"))
    check_length(content, "need", "content")
    return content


@writes(Changes.NEEDS)
def add_need(db: Database, household_id: int, content: str, *, staff_id: int | None = None,
             visit_id: int | None = None, raised_on: object = None, today: dt.date | None = None) -> int:
    """Open a need in the needs log; returns its id."""
    content = check_need_text(content)
    household = records.row(db, "households", household_id)
    if household is None:
        raise ValidationError("household_id", tr("请选择提出需求的户"))
    writable_household(db, household_id)
    if staff_id is not None and records.row(db, "staff", staff_id) is None:
        raise ValidationError("staff_id", tr("找不到所选的工作人员，请重新选择"))
    day = records.parse_day(raised_on, "raised_on", "提出日期", today=today) or (today or dt.date.today()).isoformat()
    with db.atomic():
        stamp = db_now()
        values = {"household_id": household_id, "visit_id": visit_id, "staff_id": staff_id, "raised_on": day,
                  "content": content, "status": "open", "solution": "", "created_at": stamp, "updated_at": stamp}
        need_id = db.execute("INSERT INTO needs(household_id, visit_id, staff_id, raised_on, content, status, "
                             "solution, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                             list(values.values())).lastrowid
        trail.record(db, "add_need", "needs", need_id, new=values)
    return need_id


def _open_need(db: Database, need_id: int) -> dict:
    row = records.row(db, "needs", need_id)
    if row is None:
        raise NotFound(tr("找不到该需求"))
    writable_household(db, row["household_id"])
    if row["status"] != "open":
        raise RuleViolation(tr("该需求已于{day}解决注销").format(day=row["solved_on"]))
    return row


@writes(Changes.NEEDS)
def solve_need(db: Database, need_id: int, solution: str, *, solved_on: object = None,
               today: dt.date | None = None) -> None:
    """Close a need (注销) with how it was solved."""
    solution = clean_field(solution, "solution")
    if not solution:
        raise ValidationError("solution", tr("请填写解决情况"))
    day = records.parse_day(solved_on, "solved_on", "解决日期", today=today) or (today or dt.date.today()).isoformat()
    with db.atomic():
        row = _open_need(db, need_id)
        if day < row["raised_on"]:
            raise ValidationError("solved_on", tr("解决日期{day}早于提出日期{raised}，请核对").format(
                day=day, raised=row["raised_on"]))
        changes = {"status": "solved", "solved_on": day, "solution": solution, "updated_at": db_now()}
        db.execute("UPDATE needs SET status = ?, solved_on = ?, solution = ?, updated_at = ? WHERE id = ?",
                   [*changes.values(), need_id])
        trail.record(db, "solve_need", "needs", need_id, old={k: row[k] for k in changes}, new=changes)


@writes(Changes.NEEDS | Changes.MATTERS)
def need_to_matter(db: Database, need_id: int, *, category_id: int, grade: str, title: str = "",
                   taker_staff_id: int | None = None, now: dt.datetime | str | None = None) -> int:
    """Take an open need in as a matter (source 上门走访 when it came from a visit); returns the matter id.
    The need stays open until the clerk closes it; it shows its matter's state meanwhile."""
    with db.atomic():
        row = _open_need(db, need_id)
        if row["matter_id"] is not None:
            raise RuleViolation(tr("该需求已转为事项，不能重复转办"))
        matter_id = rules.intake(
            db, source="visit" if row["visit_id"] else "walk_in", category_id=category_id, grade=grade,
            title=clean_field(title, "need_title", "title") or row["content"][:100], content=row["content"], household_id=row["household_id"],
            taker_staff_id=taker_staff_id if taker_staff_id is not None else row["staff_id"], now=now)
        db.execute("UPDATE needs SET matter_id = ?, updated_at = ? WHERE id = ?", [matter_id, db_now(), need_id])
        trail.record(db, "need_to_matter", "needs", need_id, old={"matter_id": None}, new={"matter_id": matter_id})
    return matter_id


_NEED_SQL = (
    "SELECT n.id, n.household_id, h.number, coalesce((SELECT p.name FROM persons p WHERE p.household_id = h.id "
    "AND p.relation = 'head' AND p.status = 'active' LIMIT 1), ''), n.visit_id, n.staff_id, coalesce(s.name, ''), "
    "n.raised_on, n.content, n.status, n.solved_on, n.solution, n.matter_id, m.number, m.state FROM needs n "
    "JOIN households h ON h.id = n.household_id LEFT JOIN staff s ON s.id = n.staff_id "
    "LEFT JOIN matters m ON m.id = n.matter_id "
)


def get_need(db: Database, need_id: int, *, scope: Scope) -> Need:
    """One need of a household in the user's scope."""
    row = db.execute(_NEED_SQL + "WHERE n.id = ?", [need_id]).fetchone()
    if row is None:
        raise NotFound(tr("找不到该需求"))
    if not scope.whole_office and not db.execute(
            f"SELECT 1 FROM needs n WHERE n.id = ? AND {scope.households('n.household_id')}", [need_id]).fetchone():
        scope.refuse()
    return Need(*row)


def need_of_matter(db: Database, matter_id: int, *, scope: Scope) -> Need | None:
    """The need a matter was taken in from, if any (the link's other direction), when its household
    lies in the user's scope."""
    row = db.execute(_NEED_SQL + f"WHERE n.matter_id = ? AND {scope.households('n.household_id')}",
                     [matter_id]).fetchone()
    return Need(*row) if row else None


def needs_list(db: Database, *, scope: Scope, status: str | None = "open", staff_id: int | None = None,
               household_id: int | None = None, visit_id: int | None = None, limit: int = 500) -> list[Need]:
    """Needs of households in the user's scope, oldest open first (newest first for solved or all)."""
    where = (Where(scope.households("n.household_id")).equal("n.status", status).equal("n.staff_id", staff_id)
             .equal("n.household_id", household_id).equal("n.visit_id", visit_id))
    order = "n.raised_on, n.id" if status == "open" else "n.raised_on DESC, n.id DESC"
    return [Need(*r) for r in db.execute(f"{_NEED_SQL}WHERE {where.sql} ORDER BY {order} LIMIT ?",
                                         [*where.params, limit])]
