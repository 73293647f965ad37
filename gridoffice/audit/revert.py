"""Taking an operation back (the window's Ctrl+Z) by its own audit entries.

Every write of an undoable operation leaves audit entries that keep the changed columns' old and
new values; an operation is one transaction, so its entries are one unbroken run of the trail.
Reverting a run walks it backwards: an update is written back to its old values, an inserted row
is removed, a removed row is put back with its id. The revert writes its own entries (action
"undo"), one per row it touches, so it is in the trail like any change and reverting *it* redoes
the operation. A row changed again since (its values are no longer what the entry left) is not
overwritten: the revert is refused and changes nothing.

Some records keep rows beside them that have no entries of their own: a visit's households, a log
entry's households and matters, a matter's steps (matter_events) and its text index. An entry
states them as derived keys ("households", "matters", "event": the matter's last step), which
are compared like columns; removing such a record removes those rows first, each with an entry of
its own, so putting it back is again row by row. The derived tables the database keeps (a
household's last visit, the matters' text index, the search index) follow every row written here.

Each row is checked against the acting user's scope (gridoffice.access.scope) as the original write was,
before and after: an undo can never reach a record the user could not have changed. Steps whose
entries do not describe their rows (a visit voided, the weekly meeting's decision) and the steps
that are not a clerk's to take back (a resident's evaluation, archiving) refuse the revert, as does
removing a record a package has already carried to the street (it would be a vanished record there).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlcipher3.dbapi2 as sqlite3
from sqlite_utils import Database

from gridoffice.archive import office_tags
from gridoffice.audit import trail
from gridoffice.changes import Changes, collect, report
from gridoffice.matters import rules
from gridoffice.search import index
from gridoffice.consolidation import last_sent_entry
from gridoffice.store.db import now
from gridoffice.errors import RuleViolation
from gridoffice.i18n import tr
from gridoffice.access.scope import acting, writable, writable_household, writable_matter, writable_staff

# The tables a revert writes, each with what a refusal calls it.
TABLES = {"persons": "人员", "households": "户", "person_tags": "人群名册记录", "household_tags": "户的困难登记",
          "contacts": "联系户", "staff": "工作人员", "staff_roles": "职务", "teams": "团队", "team_members": "团队成员",
          "visits": "走访记录", "visit_households": "走访记录", "needs": "群众需求", "log_entries": "民情日志",
          "log_households": "民情日志", "log_matters": "民情日志", "log_comments": "日志点评", "matters": "事项",
          "matter_events": "事项"}
# The archive's tables, whose rows the search index describes.
_ARCHIVE = {"persons", "households", "person_tags", "household_tags", "contacts"}
# Rows kept beside a record without entries of their own: (table, column naming the record).
_CHILDREN = {"visits": (("visit_households", "visit_id"),),
             "log_entries": (("log_households", "entry_id"), ("log_matters", "entry_id")),
             "matters": (("matter_events", "matter_id"),)}
# Steps that are not undone, and why (said to the clerk). Matter steps not named are undoable.
_NOT_UNDONE = {
    "void_visit": "作废走访记录不能撤销",
    "matter.evaluate": "居民的评价是居民的意见，不能撤销",
    "matter.archive": "事项归档后不能撤销",
    "matter.meeting": "分析会决定不能撤销，可以重新记录本周的决定",
}
# Entry keys that describe the step, not a value of the row (a matter step's note).
_REMARKS = {"matters": {"note"}}


@dataclass(frozen=True)
class Run:
    """Audit entries after `after` up to and including `upto`: one operation's, and what it changed
    (gridoffice.changes: its reverts report the same)."""

    after: int
    upto: int
    changes: Changes = Changes.NONE


def head(db: Database) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]


def run_of(db: Database, operation, *args, **kwargs):
    """Call operation(db, ...) in one transaction; returns (its result, the Run of its entries)."""
    with db.atomic(), collect() as seen:
        after = head(db)
        result = operation(db, *args, **kwargs)
        return result, Run(after, head(db), seen.flags)


def revert(db: Database, run: Run) -> Run:
    """Undo the run's changes; returns the run of the undo's own entries (revert that to redo)."""
    entries = db.execute("SELECT id, action, table_name, row_id, old, new FROM audit WHERE id > ? AND id <= ? "
                         "ORDER BY id DESC", [run.after, run.upto]).fetchall()
    sent = last_sent_entry(db)
    try:
        with db.atomic():
            after = head(db)
            touched = _Touched()
            for entry, action, table, row_id, old, new in entries:
                if row_id is None:
                    continue  # a summary entry changes no row
                if action in _NOT_UNDONE:
                    raise RuleViolation(tr(_NOT_UNDONE[action]))
                if table not in TABLES:
                    raise RuleViolation(tr("这项操作涉及档案以外的记录，不能撤销"))
                old, new = (json.loads(old) if old else None), (json.loads(new) if new else None)
                current = _read(db, table, row_id)
                _check(table, current, new)
                _guard(db, table, current)
                if old is None:
                    if entry <= sent:
                        # The street keeps every record it was sent and refuses an office whose record vanished.
                        raise RuleViolation(tr("这条记录已随上报包报送街道，不能再撤销；请按实际情况办理（如迁出、注销）"))
                    _remove(db, table, row_id, current, touched)
                elif new is None:
                    _guard(db, table, old)
                    _put_back(db, table, old, touched)
                else:
                    _guard(db, table, {**current, **old})
                    _update(db, table, row_id, current, old, step=action != "undo" and "event" in new)
                    touched.note(table, row_id, current, old)
            touched.reindex(db)
            report(run.changes)
            return Run(after, head(db), run.changes)
    except sqlite3.IntegrityError:
        raise RuleViolation(tr("这项操作之后已有其他记录用到了它，不能撤销")) from None


# ---- rows and what the entries say about them ----------------------------------------------------

def _row(db: Database, table: str, row_id: int) -> dict | None:
    """A row by its rowid (the id, or for link tables without one, SQLite's own)."""
    cur = db.execute(f"SELECT * FROM [{table}] WHERE rowid = ?", [row_id])
    values = cur.fetchone()
    return None if values is None else dict(zip([c[0] for c in cur.description], values))


def _ids(db: Database, sql: str, row_id: int) -> list[int]:
    return [r[0] for r in db.execute(sql, [row_id])]


def _derived(db: Database, table: str, row_id: int) -> dict:
    """What the entries of this table state about rows kept beside it."""
    if table == "visits":
        return {"households": _ids(db, "SELECT household_id FROM visit_households WHERE visit_id = ? "
                                       "ORDER BY household_id", row_id)}
    if table == "log_entries":
        return {"households": _ids(db, "SELECT household_id FROM log_households WHERE entry_id = ? "
                                       "ORDER BY household_id", row_id),
                "matters": _ids(db, "SELECT matter_id FROM log_matters WHERE entry_id = ? ORDER BY matter_id", row_id)}
    if table == "matters":
        return {"event": db.execute("SELECT max(id) FROM matter_events WHERE matter_id = ?", [row_id]).fetchone()[0]}
    return {}


def _read(db: Database, table: str, row_id: int) -> dict | None:
    row = _row(db, table, row_id)
    return None if row is None else {**row, **_derived(db, table, row_id)}


def _columns(db: Database, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info([{table}])")}


def _same(a, b) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b)  # a log's households in the order typed, the index's in id order
    return a == b


def _check(table: str, current: dict | None, new: dict | None) -> None:
    """The row still holds what the entry left (or is still absent, for a removal)."""
    changed = tr("这之后{what}又有改动，不能撤销").format(what=tr(TABLES[table]))
    if new is None:
        if current is not None:
            raise RuleViolation(changed)
        return
    skip = {"updated_at", *_REMARKS.get(table, ())}
    if current is None or any(not _same(current.get(k), v) for k, v in new.items() if k not in skip):
        raise RuleViolation(changed)


# ---- writing rows back, each with its entry --------------------------------------------------------

def _remove(db: Database, table: str, row_id: int, current: dict, touched: "_Touched") -> None:
    for child, column in _CHILDREN.get(table, ()):
        for (child_id,) in db.execute(f"SELECT rowid FROM [{child}] WHERE [{column}] = ? ORDER BY rowid DESC",
                                      [row_id]).fetchall():
            _remove(db, child, child_id, _row(db, child, child_id), touched)
    if table == "visit_households" and not current["voided"]:
        # The household's last visit (visit_last) is kept by a trigger on this flag.
        db.execute("UPDATE visit_households SET voided = 1 WHERE rowid = ?", [row_id])
    if table == "matters":
        db.execute("INSERT INTO matters_fts(matters_fts, rowid, chars) VALUES('delete', ?, ?)",
                   [row_id, _matter_chars(current)])
    db.execute(f"DELETE FROM [{table}] WHERE rowid = ?", [row_id])
    trail.record(db, "undo", table, row_id, old=current, new=None)
    touched.gone(table, row_id, current)


def _put_back(db: Database, table: str, old: dict, touched: "_Touched") -> None:
    values = {k: v for k, v in old.items() if k in _columns(db, table)}
    row_id = db.execute(f"INSERT INTO [{table}] ({', '.join(f'[{k}]' for k in values)}) VALUES "
                        f"({', '.join('?' * len(values))})", list(values.values())).lastrowid
    if table == "matters":
        db.execute("INSERT INTO matters_fts(rowid, chars) VALUES(?, ?)", [row_id, _matter_chars(values)])
    trail.record(db, "undo", table, row_id, old=None, new=_read(db, table, row_id))
    touched.note(table, row_id, None, values)


def _update(db: Database, table: str, row_id: int, current: dict, old: dict, *, step: bool) -> None:
    """Write the entry's old values back: its columns, and for a matter's step, the step's event.

    An undo's own entry of a matter does not remove an event: the event it took away comes back
    through the entry of its own (written just before), when the undo is reverted in turn."""
    if step:
        event = _row(db, "matter_events", current["event"])
        db.execute("DELETE FROM matter_events WHERE id = ?", [event["id"]])
        trail.record(db, "undo", "matter_events", event["id"], old=event, new=None)
    columns = _columns(db, table)
    changed = {k: v for k, v in old.items() if k in columns and current.get(k) != v}
    if "updated_at" in columns and changed:
        changed["updated_at"] = now()
    if changed:
        db.execute(f"UPDATE [{table}] SET {', '.join(f'[{k}] = ?' for k in changed)} WHERE rowid = ?",
                   [*changed.values(), row_id])
    trail.record(db, "undo", table, row_id, old=current, new=_read(db, table, row_id))


def _matter_chars(row: dict) -> str:
    return rules.search_chars(row["title"], row["resident_name"] or "", row["content"] or "")


class _Touched:
    """Persons and households whose search documents the revert changed or removed."""

    def __init__(self):
        self.persons, self.homes, self.gone_persons, self.gone_homes = set(), set(), set(), set()

    def note(self, table: str, row_id: int, current: dict | None, target: dict) -> None:
        if table not in _ARCHIVE:
            return
        row = {**(current or {}), **target}
        self._add(self.persons, row_id if table == "persons" else row.get("person_id"))
        self._add(self.homes, row_id if table == "households" else row.get("household_id"))
        if current and current.get("household_id") and table == "persons":
            self.homes.add(current["household_id"])  # a member moved back: the household it left changes too

    def gone(self, table: str, row_id: int, current: dict) -> None:
        if table == "persons":
            self.gone_persons.add(row_id)
            self._add(self.homes, current.get("household_id"))
        elif table == "households":
            self.gone_homes.add(row_id)
        else:
            self.note(table, row_id, None, current)

    @staticmethod
    def _add(into: set, value) -> None:
        if value:
            into.add(value)

    def reindex(self, db: Database) -> None:
        index.reindex(db, person_ids=self.persons - self.gone_persons,
                             household_ids=self.homes - self.gone_homes)
        index.forget(db, self.gone_persons, self.gone_homes)


# ---- the acting user's scope, as each original write checks it --------------------------------------

def _org_of_household(db: Database, household_id) -> int | None:
    row = db.execute("SELECT org_id FROM households WHERE id = ?", [household_id]).fetchone()
    return row[0] if row else None


def _matter(db: Database, matter_id) -> None:
    row = db.execute("SELECT grid_id, household_id FROM matters WHERE id = ?", [matter_id]).fetchone()
    writable_matter(db, *(row or (None, None)))


def _staff(db: Database, row: dict) -> None:
    if db.execute("SELECT 1 FROM staff WHERE id = ?", [row["id"]]).fetchone():
        writable_staff(db, row["id"])
    else:
        writable(db, row.get("org_id"))


def _person_tag(db: Database, row: dict) -> None:
    found = db.execute("SELECT household_id FROM persons WHERE id = ?", [row["person_id"]]).fetchone()
    writable(db, _org_of_household(db, found[0]) if found else None, tag=row["tag"],
             tag_label=office_tags.label(db, row["tag"]))


def _visit(db: Database, row: dict) -> None:
    for household_id in row.get("households", ()):
        writable_household(db, household_id)


def _log_entry(db: Database, row: dict) -> None:
    writable_staff(db, row["staff_id"])
    for household_id in row.get("households", ()):
        writable_household(db, household_id)
    for matter_id in row.get("matters", ()):
        _matter(db, matter_id)


def _log_comment(db: Database, row: dict) -> None:
    found = db.execute("SELECT staff_id FROM log_entries WHERE id = ?", [row["entry_id"]]).fetchone()
    writable_staff(db, found[0] if found else None)


def _team(db: Database, team_id) -> None:
    found = db.execute("SELECT grid_id FROM teams WHERE id = ?", [team_id]).fetchone()
    writable(db, found[0] if found else None)


_GUARDS = {
    "persons": lambda db, r: writable_household(db, r.get("household_id")),
    "households": lambda db, r: writable(db, r.get("org_id")),
    "person_tags": _person_tag,
    "household_tags": lambda db, r: writable(db, _org_of_household(db, r["household_id"]), tag="low_income",
                                             tag_label=office_tags.label(db, "low_income")),
    "contacts": lambda db, r: writable_household(db, r["household_id"]),
    "staff": _staff,
    "staff_roles": lambda db, r: (writable_staff(db, r["staff_id"]), writable(db, r.get("org_id"))),
    "teams": lambda db, r: writable(db, r["grid_id"]),
    "team_members": lambda db, r: _team(db, r["team_id"]),
    "visits": _visit,
    "visit_households": lambda db, r: writable_household(db, r["household_id"]),
    "needs": lambda db, r: writable_household(db, r["household_id"]),
    "log_entries": _log_entry,
    "log_households": lambda db, r: writable_household(db, r["household_id"]),
    "log_matters": lambda db, r: _matter(db, r["matter_id"]),
    "log_comments": _log_comment,
    "matters": lambda db, r: writable_matter(db, r.get("grid_id"), r.get("household_id")),
    "matter_events": lambda db, r: _matter(db, r["matter_id"]),
}


def _guard(db: Database, table: str, row: dict | None) -> None:
    """Refuse (PermissionDenied) a row the acting user could not have written."""
    if row is not None and acting(db) is not None:
        _GUARDS[table](db, row)
