"""Reading matters: one matter, its history, the lists of the matters page, the weekly meeting list
and everything a dossier prints. The rules (states, deadlines) come from matters.py."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.errors import NotFound, PermissionDenied
from gridoffice.i18n import tr
from gridoffice.masking import mask_id, mask_phone
from gridoffice.matters.due import as_now, fmt_ts, urgency_sql
from gridoffice.matters.rules import (CLOSED_STATES, OPEN_STATES, STATES, Dossier, Event, Matter, MatterFilter,
                                      MeetingItem, Resident, search_chars, time_limit, timeliness, week_start)
from gridoffice.normalize import clean_text
from gridoffice.access.scope import Scope
from gridoffice.org.regions import in_subtree
from gridoffice.store.where import Where

_COLUMNS = (
    "m.id, m.number, m.received_at, m.source, m.category_id, coalesce(c.name, ''), m.grade, m.state, m.title, "
    "m.content, m.person_id, m.household_id, coalesce(h.number, ''), m.grid_id, coalesce(g.name, ''), "
    "m.resident_name, m.resident_phone, m.taker_staff_id, m.taker_name, m.assignee_staff_id, "
    "coalesce(s.name, ''), m.assignee_dept, m.respond_due, m.resolve_due, m.due_at, m.responded_at, "
    "m.closed_at, m.outcome, m.answered_at, m.promise, m.promise_date, m.satisfaction, m.self_score, "
    "m.peer_score, m.evaluated_at, m.archived_at, m.reopen_count, m.resident_score"
)
_FROM = (
    " FROM matters m LEFT JOIN matter_categories c ON c.id = m.category_id "
    "LEFT JOIN households h ON h.id = m.household_id LEFT JOIN org_units g ON g.id = m.grid_id "
    "LEFT JOIN staff s ON s.id = m.assignee_staff_id"
)


def _matter(db: Database, matter_id: int) -> Matter:
    row = db.execute(f"SELECT {_COLUMNS}{_FROM} WHERE m.id = ?", [matter_id]).fetchone()
    if row is None:
        raise NotFound(tr("找不到编号为{id}的事项").format(id=matter_id))
    return Matter(*row)


def _in_scope(db: Database, matter: Matter, scope: Scope) -> Matter:
    if not in_scope(db, matter.id, scope):
        raise PermissionDenied(tr("事项{n}不在您负责的网格内，不能查看").format(n=matter.number))
    return matter


def get_matter(db: Database, matter_id: int, *, scope: Scope) -> Matter:
    """One matter of the user's scope (by its grid or its household); another is refused."""
    return _in_scope(db, _matter(db, matter_id), scope)


def in_scope(db: Database, matter_id: int, scope: Scope) -> bool:
    """Whether a matter lies in the user's scope (by its grid or its household)."""
    return db.execute(f"SELECT 1 FROM matters m WHERE m.id = ? AND {scope.matters('m')}",
                      [matter_id]).fetchone() is not None


def find_number(db: Database, number: str, *, scope: Scope) -> Matter | None:
    """A matter by its readable number, e.g. 2026-11-0042; one outside the user's scope is refused."""
    row = db.execute(f"SELECT {_COLUMNS}{_FROM} WHERE m.number = ?", [clean_text(number)]).fetchone()
    return _in_scope(db, Matter(*row), scope) if row else None


def events(db: Database, matter_id: int, *, scope: Scope) -> list[Event]:
    """The whole history, oldest first, of a matter of the user's scope."""
    _in_scope(db, _matter(db, matter_id), scope)
    rows = db.execute("SELECT id, at, actor, action, from_state, to_state, note, data FROM matter_events "
                      "WHERE matter_id = ? ORDER BY at, id", [matter_id]).fetchall()
    return [Event(*r[:7], json.loads(r[7]) if r[7] else {}) for r in rows]


_EXACT = ("assignee_staff_id", "grade", "category_id", "household_id", "person_id", "satisfaction")
URGENCIES = ("overdue", "due_soon", "in_time")  # urgency_sql's 0, 1 and 2


def _is_number(text: str) -> bool:
    return text[:4].isdigit() and all(ch.isdigit() or ch == "-" for ch in text)


def _states(flt: MatterFilter) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The open and the closed states a filter admits (a deadline state: open ones only)."""
    if flt.urgency is not None:
        return tuple(s for s in OPEN_STATES if flt.state in (None, "open", s)), ()
    if flt.state == "open":
        return OPEN_STATES, ()
    if flt.state == "closed":
        return (), CLOSED_STATES
    if flt.state in STATES:
        return ((flt.state,), ()) if flt.state in OPEN_STATES else ((), (flt.state,))
    return OPEN_STATES, CLOSED_STATES


def _where(db: Database, flt: MatterFilter, states: tuple[str, ...], scope: Scope) -> Where:
    """WHERE for one of the two parts of a list (its open or its closed states)."""
    where = Where(f"m.state IN ({','.join('?' * len(states))})", scope.matters("m"), params=states)
    if flt.grid_id is not None:
        condition, bounds = in_subtree(db, flt.grid_id, "m.grid_id")
        where.add(condition, *bounds)
    for column in _EXACT:
        where.equal(f"m.{column}", getattr(flt, column))
    text = clean_text(flt.text)
    if _is_number(text):
        # A number or its start (2026-11, 2026-11-0042): a range over the unique index.
        where.add("m.number >= ? AND m.number < ?", text, text + "\uffff")
    elif text:
        # The searched characters as one phrase: the matters whose text holds them in a row.
        phrase = search_chars(text)
        if phrase:
            where.add("m.id IN (SELECT rowid FROM matters_fts WHERE matters_fts MATCH ?)", f'"{phrase}"')
        else:
            where.add("0")
    return where


@dataclass(frozen=True)
class MatterList:
    ids: list[int]  # open ones first (overdue, due soon, in time), then closed ones, newest first
    counts: dict[str, int]  # overdue, due_soon, in_time, closed: over the whole filter
    truncated: bool  # True when only the newest `closed_limit` closed matters are in ids


def matter_list(db: Database, flt: MatterFilter = MatterFilter(), *, scope: Scope,
                now: dt.datetime | str | None = None, closed_limit: int | None = 5000) -> MatterList:
    """What the matters page lists, and the counts over its header; only matters of the user's
    scope (by grid or household).

    Open and closed matters are read apart: the few open ones sorted by urgency (the SQL twin of
    matters.timeliness), the many closed ones newest first, at most `closed_limit` of them, so
    that a list over 100,000 matters needs neither a big sort nor 100,000 ids in memory."""
    urgency, uparams = urgency_sql(as_now(now))
    open_states, closed_states = _states(flt)
    counts = dict.fromkeys((*URGENCIES, "closed"), 0)
    ids: list[int] = []
    if open_states:
        where = _where(db, flt, open_states, scope)
        for matter_id, u in db.execute(
                # Open matters are few: start from them, whatever else the filter says.
                f"SELECT m.id, {urgency} AS u FROM matters m INDEXED BY idx_matters_state_due_at{where.clause} "
                "ORDER BY u, m.due_at, m.received_at DESC, m.id DESC", [*uparams, *where.params]):
            if flt.urgency is None or URGENCIES[u] == flt.urgency:
                ids.append(matter_id)
                counts[URGENCIES[u]] += 1
    truncated = False
    if closed_states:
        where = _where(db, flt, closed_states, scope)
        # Narrowed by an indexed filter: let SQLite use that index and sort the few rows found
        # ('+' keeps it from walking the received_at index across the whole table instead).
        text = clean_text(flt.text)
        narrowed = any(getattr(flt, f) is not None for f in _EXACT + ("grid_id",)) or text or not scope.whole_office
        order = f"ORDER BY {'+' if narrowed else ''}m.received_at DESC, m.id DESC"
        if _is_number(text):
            # Numbers run with the months: walking the number index backwards is newest first.
            order = "ORDER BY m.number DESC"
        limit = f" LIMIT {int(closed_limit)}" if closed_limit is not None else ""
        closed = [r[0] for r in db.execute(f"SELECT m.id FROM matters m{where.clause} {order}{limit}", where.params)]
        ids += closed
        counts["closed"] = len(closed)
        if closed_limit is not None and len(closed) == closed_limit:
            counts["closed"] = db.execute(f"SELECT count(*) FROM matters m{where.clause}", where.params).fetchone()[0]
            truncated = counts["closed"] > closed_limit
    return MatterList(ids, counts, truncated)


def matters_by_ids(db: Database, ids: list[int], *, scope: Scope) -> list[Matter]:
    """Matters in the order of `ids` (one query for a window of a list); those outside the user's
    scope left out."""
    if not ids:
        return []
    found = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in db.execute(f"SELECT {_COLUMNS}{_FROM} WHERE m.id IN ({','.join('?' * len(chunk))}) "
                              f"AND {scope.matters('m')}", chunk):
            found[row[0]] = Matter(*row)
    return [found[i] for i in ids if i in found]


def assignees(db: Database, *, scope: Scope) -> list[tuple[int, str]]:
    """Staff with open matters of the user's scope, for the page's filter: who has work
    waiting (a year's closed matters would name most of the staff of a large office)."""
    marks = ",".join("?" * len(OPEN_STATES))
    return [tuple(r) for r in db.execute(
        "SELECT s.id, s.name FROM staff s WHERE s.id IN (SELECT assignee_staff_id FROM matters m "
        f"WHERE m.state IN ({marks}) AND {scope.matters('m')}) ORDER BY s.name", OPEN_STATES)]


def meeting_list(db: Database, week: dt.date, *, scope: Scope, now=None) -> list[MeetingItem]:
    """The weekly analysis meeting's list: difficult matters still open at the meeting and every matter
    overdue by then, plus any matter whose decision was already recorded for that week; only matters of
    the user's scope."""
    monday = week_start(week)
    cutoff = min(as_now(now), dt.datetime.combine(monday + dt.timedelta(days=7), dt.time()))
    cut = fmt_ts(cutoff)
    open_then = "(m.closed_at IS NULL OR m.closed_at >= :cut) AND m.received_at < :cut"
    overdue_then = ("(m.resolve_due < :cut OR (m.respond_due < :cut AND "
                    "(m.responded_at IS NULL OR m.responded_at >= :cut)))")
    rows = db.execute(
        f"SELECT {_COLUMNS}, mi.decision, mi.decided_by, mi.decided_at{_FROM} "
        "LEFT JOIN matter_meeting_items mi ON mi.matter_id = m.id AND mi.week = :week "
        # Candidates through indexes: open now, closed after the cut-off, or decided that week.
        f"WHERE m.id IN (SELECT id FROM matters WHERE state IN ({','.join(repr(s) for s in OPEN_STATES)}) "
        "UNION ALL SELECT id FROM matters WHERE closed_at >= :cut "
        "UNION ALL SELECT matter_id FROM matter_meeting_items WHERE week = :week) "
        f"AND (({open_then} AND m.state != 'archived' AND (m.grade = 'difficult' OR {overdue_then})) "
        f"OR mi.id IS NOT NULL) AND {scope.matters('m')} ORDER BY m.grade = 'difficult' DESC, m.received_at",
        {"cut": cut, "week": monday.isoformat()},
    ).fetchall()
    items = []
    for row in rows:
        matter = Matter(*row[:-3])
        reasons = []
        if matter.grade == "difficult":
            reasons.append("difficult")
        still_open = matter.closed_at is None or matter.closed_at >= cut
        if (still_open and matter.resolve_due < cut) or (
                matter.respond_due < cut and (matter.responded_at is None or matter.responded_at >= cut)):
            reasons.append("overdue")
        items.append(MeetingItem(monday.isoformat(), matter, tuple(reasons), row[-3] or "", row[-2] or "", row[-1]))
    return items


def dossier(db: Database, matter_id: int, *, scope: Scope, now=None) -> Dossier:
    """Everything one matter's file prints; the resident's ID and phone are masked here. A matter
    outside the user's scope is refused."""
    matter = _matter(db, matter_id)
    if not in_scope(db, matter_id, scope):
        raise PermissionDenied(tr("事项{n}不在您负责的网格内，不能查看或打印它的档案").format(n=matter.number))
    person = db.execute("SELECT name, id_number, phone FROM persons WHERE id = ?",
                        [matter.person_id]).fetchone() if matter.person_id else None
    household = db.execute("SELECT number, address FROM households WHERE id = ?",
                           [matter.household_id]).fetchone() if matter.household_id else None
    resident = Resident(
        name=matter.resident_name or (person[0] if person else ""),
        id_masked=mask_id(person[1]) if person and person[1] else "",
        phone_masked=mask_phone(matter.resident_phone or (person[2] if person else "") or ""),
        household_number=household[0] if household else "",
        address=household[1] if household else "",
    )
    weeks = db.execute("SELECT DISTINCT week FROM matter_meeting_items WHERE matter_id = ? ORDER BY week",
                       [matter_id]).fetchall()
    meeting = tuple(item for (w,) in weeks for item in meeting_list(db, dt.date.fromisoformat(w), scope=scope, now=now)
                    if item.matter.id == matter_id)
    return Dossier(matter, resident, tuple(events(db, matter_id, scope=scope)), timeliness(matter, now),
                   time_limit(db, matter.grade, matter.category_id), meeting)
