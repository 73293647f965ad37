"""Taking an operation back (the window's Ctrl+Z) by its own audit entries.

Every write of the household operations goes through records.insert/update, whose audit entry
keeps the changed columns' old and new values; an operation is one transaction, so its entries
are one unbroken run of the trail. Reverting a run walks it backwards: an update is written back
to its old values, an inserted row is removed, a removed row is put back with its id. The revert
writes its own entries (action "undo"), so it is in the trail like any change and reverting
*it* redoes the operation. A row changed again since (its values are no longer what the entry
left) is not overwritten: the revert is refused and changes nothing.

Only the archive's own tables are reverted here (persons, households, their tags, contacts, staff
and their teams and roles), whose rows nothing else derives from; an entry of any other table
(visits, whose last visit a trigger keeps, matters with their text index) refuses the revert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlcipher3.dbapi2 as sqlite3
from sqlite_utils import Database

from . import audit, records, search_index
from .errors import RuleViolation
from .i18n import tr

TABLES = {"persons": "人员", "households": "户", "person_tags": "人群名册记录", "household_tags": "户的困难登记",
          "contacts": "联系户", "staff": "工作人员", "staff_roles": "职务", "teams": "团队", "team_members": "团队成员"}


@dataclass(frozen=True)
class Run:
    """Audit entries after `after` up to and including `upto`: one operation's."""

    after: int
    upto: int


def head(db: Database) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]


def run_of(db: Database, operation, *args, **kwargs):
    """Call operation(db, ...) in one transaction; returns (its result, the Run of its entries)."""
    with db.atomic():
        after = head(db)
        result = operation(db, *args, **kwargs)
        return result, Run(after, head(db))


def revert(db: Database, run: Run) -> Run:
    """Undo the run's changes; returns the run of the undo's own entries (revert that to redo)."""
    entries = db.execute("SELECT id, table_name, row_id, old, new FROM audit WHERE id > ? AND id <= ? ORDER BY id DESC",
                         [run.after, run.upto]).fetchall()
    try:
        with db.atomic():
            after = head(db)
            persons, homes, gone_persons, gone_homes = set(), set(), set(), set()
            for _, table, row_id, old, new in entries:
                if row_id is None:
                    continue  # a summary entry changes no row
                if table not in TABLES:
                    raise RuleViolation(tr("这项操作涉及档案以外的记录，不能撤销"))
                old, new = (json.loads(old) if old else None), (json.loads(new) if new else None)
                current = records.row(db, table, row_id)
                _check(table, current, new)
                if old is None:
                    db.execute(f"DELETE FROM [{table}] WHERE id = ?", [row_id])
                    audit.record(db, "undo", table, row_id, old=current, new=None)
                elif new is None:
                    db.execute(f"INSERT INTO [{table}] ({', '.join(f'[{k}]' for k in old)}) VALUES "
                               f"({', '.join('?' * len(old))})", list(old.values()))
                    audit.record(db, "undo", table, row_id, old=None, new=old)
                else:
                    records.update(db, table, row_id, old, "undo", old=current)
                person_id = row_id if table == "persons" else (current or old or {}).get("person_id")
                household_id = row_id if table == "households" else (current or old or {}).get("household_id")
                if person_id:
                    (gone_persons if table == "persons" and old is None else persons).add(person_id)
                if household_id:
                    (gone_homes if table == "households" and old is None else homes).add(household_id)
                if table == "persons" and new and new.get("household_id"):
                    homes.add(new["household_id"])  # a member moved back: the household it left changes too
            search_index.reindex(db, person_ids=persons - gone_persons, household_ids=homes - gone_homes)
            search_index.forget(db, gone_persons, gone_homes)
            return Run(after, head(db))
    except sqlite3.IntegrityError:
        raise RuleViolation(tr("这项操作之后已有其他记录用到了它，不能撤销")) from None


def _check(table: str, current: dict | None, new: dict | None) -> None:
    """The row still holds what the entry left (or is still absent, for a removal)."""
    if new is None:
        if current is not None:
            raise RuleViolation(tr("这之后{what}又有改动，不能撤销").format(what=tr(TABLES[table])))
        return
    if current is None or any(current.get(k) != v for k, v in new.items() if k != "updated_at"):
        raise RuleViolation(tr("这之后{what}又有改动，不能撤销").format(what=tr(TABLES[table])))
