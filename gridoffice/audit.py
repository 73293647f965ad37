"""The audit trail: who did what, when, to which row, with old and new values.

Entries are written in the caller's transaction, so a change and its trace commit together.
Each entry carries the hash of the one before it; verify() walks the chain.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass
from typing import Iterator

from sqlite_utils import Database

from .db import now
from .i18n import tr

_actors: "weakref.WeakKeyDictionary[Database, str]" = weakref.WeakKeyDictionary()
GENESIS = "0" * 64


def set_actor(db: Database, name: str) -> None:
    """The user name written into every entry made through this connection."""
    _actors[db] = name


def actor(db: Database) -> str:
    return _actors.get(db, "system")


def _dump(value: dict | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _digest(prev: str, at: str, who: str, action: str, table: str | None, row_id: int | None,
            old: str | None, new: str | None) -> str:
    payload = json.dumps([prev, at, who, action, table, row_id, old, new], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(db: Database, action: str, table: str | None = None, row_id: int | None = None,
           old: dict | None = None, new: dict | None = None) -> int:
    """Append one entry. Only changed keys of old/new are kept when both are given.

    The row's own updated_at is left out: the entry has its time, and whether the stamp moved
    depends only on the clock's second turning between the row's last write and this one.
    """
    if old is not None and new is not None:
        keys = [k for k in new if k != "updated_at" and old.get(k) != new.get(k)]
        old = {k: old.get(k) for k in keys}
        new = {k: new.get(k) for k in keys}
    row = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    at, who = now(), actor(db)
    old_s, new_s = _dump(old), _dump(new)
    digest = _digest(prev, at, who, action, table, row_id, old_s, new_s)
    cur = db.execute(
        "INSERT INTO audit(at, actor, action, table_name, row_id, old, new, prev_hash, hash) "
        "VALUES(?,?,?,?,?,?,?,?,?)",
        [at, who, action, table, row_id, old_s, new_s, prev, digest],
    )
    return cur.lastrowid


@dataclass(frozen=True)
class Entry:
    id: int
    at: str
    actor: str
    action: str
    table_name: str | None
    row_id: int | None
    old: dict | None
    new: dict | None


def history(db: Database, table: str, row_id: int, limit: int = 200) -> list[Entry]:
    rows = db.execute(
        "SELECT id, at, actor, action, table_name, row_id, old, new FROM audit "
        "WHERE table_name = ? AND row_id = ? ORDER BY id DESC LIMIT ?",
        [table, row_id, limit],
    ).fetchall()
    return [Entry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None,
                  json.loads(r[7]) if r[7] else None) for r in rows]


def verify(db: Database) -> Iterator[tuple[int, int, str | None]]:
    """Walk the chain; yields progress (done, total, problem-or-None). A problem names the entry."""
    total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    prev = GENESIS
    done = 0
    for r in db.execute(
        "SELECT id, at, actor, action, table_name, row_id, old, new, prev_hash, hash FROM audit ORDER BY id"
    ):
        done += 1
        problem = None
        if r[8] != prev:
            problem = tr("第{n}条审计记录与前一条的链接断开（可能有记录被删除或插入）").format(n=r[0])
        elif _digest(prev, r[1], r[2], r[3], r[4], r[5], r[6], r[7]) != r[9]:
            problem = tr("第{n}条审计记录的内容被改动过").format(n=r[0])
        prev = r[9]
        if problem or done % 5000 == 0 or done == total:
            yield done, total, problem
