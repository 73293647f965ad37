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

from gridoffice.store.db import now
from gridoffice.i18n import tr
from gridoffice.normalize import clean_text

_actors: "weakref.WeakKeyDictionary[Database, str]" = weakref.WeakKeyDictionary()
GENESIS = "0" * 64


def set_actor(db: Database, name: str) -> None:
    """The user name written into every entry made through this connection (a command's --user
    comes in here, so it is cleaned like any other text)."""
    _actors[db] = clean_text(name)


def actor(db: Database) -> str:
    return _actors.get(db, "system")


def _dump(value: dict | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def digest(prev: str, at: str, who: str, action: str, table: str | None, row_id: int | None,
           old: str | None, new: str | None) -> str:
    """An entry's hash: the one a receiver of a package recomputes too."""
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
    hashed = digest(prev, at, who, action, table, row_id, old_s, new_s)
    cur = db.execute(
        "INSERT INTO audit(at, actor, action, table_name, row_id, old, new, prev_hash, hash) "
        "VALUES(?,?,?,?,?,?,?,?,?)",
        [at, who, action, table, row_id, old_s, new_s, prev, hashed],
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


def verify(db: Database, anchors=()) -> Iterator[tuple[int, int, str | None]]:
    """Walk the chain; yields progress (done, total, problem-or-None). A problem names the entry.

    `anchors` (audit_anchor.Anchor) are heads copied outside the file: each entry they name must
    still be there with the same hash. After the walk come the signs of a cut tail that the file
    keeps on its own (see tail_problems).
    """
    total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    waiting: dict = {}
    restores: list = []
    for a in anchors:
        waiting.setdefault(a.entry, []).append(a)
    prev = GENESIS
    done = 0
    last = 0
    for r in db.execute(
        "SELECT id, at, actor, action, table_name, row_id, old, new, prev_hash, hash FROM audit ORDER BY id"
    ):
        done += 1
        problems = []
        if r[8] != prev:
            problems.append(tr("第{n}条审计记录与前一条的链接断开（可能有记录被删除或插入）").format(n=r[0]))
        elif digest(prev, r[1], r[2], r[3], r[4], r[5], r[6], r[7]) != r[9]:
            problems.append(tr("第{n}条审计记录的内容被改动过").format(n=r[0]))
        if r[3] == "restore":
            restores.append(r)
        for a in waiting.pop(r[0], ()):
            if not a.matches(r[9]):
                problems.append(tr("锚定码 {code} 对应的第{n}条审计记录与锚定时不同：这条或更早的记录被改写过").format(
                    code=a.code, n=r[0]) + _restore_hint(restores))
        prev, last = r[9], r[0]
        for problem in problems:
            yield done, total, problem
        if not problems and (done % 5000 == 0 or done == total):
            yield done, total, None
    for entry, missing in sorted(waiting.items()):
        for a in missing:
            if entry == 0:
                # Every trail starts from the genesis hash; a code of entry 0 holds only if it names it.
                if not a.matches(GENESIS):
                    yield done, total, tr("锚定码 {code} 不是空操作记录的锚定码：第 0 条只能是 0-0000-0000-0000-0，"
                                          "请对照纸上的锚定码重新输入").format(code=a.code)
                continue
            if entry > last:
                text = tr("锚定码 {code} 指向第{n}条审计记录，但文件里的记录只到第{last}条：第{first}条及以后的记录被删除了，"
                          "或这份文件是锚定之前的备份").format(code=a.code, n=entry, last=last, first=last + 1)
            else:
                text = tr("锚定码 {code} 指向的第{n}条审计记录不见了").format(code=a.code, n=entry)
            yield done, total, text + _restore_hint(restores)
    for problem in tail_problems(db, last, prev):
        yield done, total, problem


def _restore_hint(restores: list) -> str:
    """After a restore the trail carries on from the backup's entries: an anchor printed before the
    restore names the replaced file's trail, which the restore kept aside under another name."""
    if not restores:
        return ""
    r = restores[-1]
    detail = json.loads(r[7]) if r[7] else {}
    return tr("。但第{n}条记录表明文件在{at}用备份“{backup}”恢复过，此锚定码可能印于恢复之前："
              "恢复前的文件另存为“{kept}”，请用此锚定码核对那份文件").format(
        n=r[0], at=r[1], backup=detail.get("backup") or "?", kept=detail.get("kept_aside") or "?")


def tail_problems(db: Database, last: int, last_hash: str) -> list[str]:
    """What the file alone tells of a cut or rewritten trail: its guards, its sequence and its recorded head.

    A file of a version before these guards (not yet migrated, e.g. an old backup) has none to read;
    one whose record of the guards' step was deleted while their traces stay is reported.
    """
    problems: list[str] = []
    guards = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")}
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit'").fetchone()[0]
    has_sequence = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone() is not None
    if not db.execute("SELECT 1 FROM _sqlite_migrations WHERE name = 'm007_audit_sequence'").fetchone():
        # The migrations table is the file's own word, which an insider can edit: a file the guards'
        # step never ran on has none of its traces.
        traces = ("AUTOINCREMENT" in sql.upper() or bool(guards & {"audit_no_update", "audit_no_delete", "audit_head"})
                  or (has_sequence and db.execute("SELECT 1 FROM sqlite_sequence WHERE name = 'audit'").fetchone())
                  or db.execute("SELECT 1 FROM settings WHERE key = 'audit_head'").fetchone())
        if not traces:
            return problems
        problems.append(tr("操作记录的防删改保护曾经装好，记下它的升级步骤却被删除了：记录可能被删除过"))
    if not {"audit_no_update", "audit_no_delete", "audit_head"} <= guards:
        problems.append(tr("操作记录的防删改保护被拆除过：记录可能被改动或删除了"))
    if "AUTOINCREMENT" not in sql.upper():
        problems.append(tr("操作记录表被重建过，失去了编号保护：记录可能被删除了"))
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone() if has_sequence else None
    if seq is None:
        if last:
            problems.append(tr("操作记录的编号记录被删除了：记录可能被删除过"))
    elif seq[0] > last:
        problems.append(tr("操作记录的最后{k}条（第{first}至{n}条）被删除了").format(k=seq[0] - last, first=last + 1, n=seq[0]))
    row = db.execute("SELECT value FROM settings WHERE key = 'audit_head'").fetchone()
    if row is None:
        if last:
            problems.append(tr("记录最后一条操作记录的设置被删除了：记录可能被删除过"))
        return problems
    entry_text, _, recorded = row[0].partition(" ")
    entry = int(entry_text) if entry_text.isdigit() else -1
    if entry > last:
        problems.append(tr("文件记下的最后一条操作记录是第{n}条，但现在只到第{last}条：第{first}至{n}条被删除了").format(
            n=entry, last=last, first=last + 1))
    elif entry < last:
        problems.append(tr("第{first}至{last}条操作记录不是由本程序写入的（文件记下的最后一条是第{n}条）").format(
            first=entry + 1, last=last, n=entry))
    elif recorded != last_hash:
        problems.append(tr("最后一条（第{n}条）操作记录与文件记下的不同：它被改写过").format(n=last))
    return problems
