"""Reading the audit trail, and recording what the trail must show besides changes.

Views of unmasked data (masking.reveal), exports and printouts are entries like any change,
so a leader sees who took which residents' data out of the program, when.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

from sqlite_utils import Database

from . import audit
from .audit import Entry
from .i18n import tr

ACTION_LABELS = {
    "create": "新增",
    "update": "修改",
    "reveal": "查看完整号码",
    "export": "导出",
    "print": "打印",
    "login": "登录",
    "login_failed": "登录失败",
    "restore": "从备份恢复",
    "user_create": "新建用户",
    "user_role": "更改角色",
    "user_password": "修改密码",
    "user_password_reset": "重置密码",
    "user_disable": "停用用户",
}


def action_label(code: str) -> str:
    text = ACTION_LABELS.get(code)
    return tr(text) if text else code


def record_export(db: Database, kind: str, path: str, rows: int, *, unmasked: bool = False) -> int:
    """One entry per written file: what kind, where, how many records, and whether numbers were clear."""
    with db.atomic():
        return audit.record(db, "export", None, None, new={"kind": kind, "path": str(path), "rows": rows,
                                                           "unmasked": unmasked})


def record_print(db: Database, kind: str, rows: int, *, table: str | None = None, row_id: int | None = None) -> int:
    with db.atomic():
        return audit.record(db, "print", table, row_id, new={"kind": kind, "rows": rows})


@dataclass(frozen=True)
class Filter:
    actor: str | None = None
    table: str | None = None
    row_id: int | None = None
    person_id: int | None = None  # the person's own row and their tags
    action: str | None = None
    date_from: str | None = None  # 'YYYY-MM-DD', inclusive
    date_to: str | None = None  # 'YYYY-MM-DD', inclusive


def _where(f: Filter) -> tuple[str, list]:
    clauses, params = [], []
    if f.actor:
        clauses.append("actor = ?")
        params.append(f.actor)
    if f.table:
        clauses.append("table_name = ?")
        params.append(f.table)
    if f.row_id is not None:
        clauses.append("row_id = ?")
        params.append(f.row_id)
    if f.person_id is not None:
        clauses.append("((table_name = 'persons' AND row_id = ?) OR (table_name = 'person_tags' AND row_id IN "
                       "(SELECT id FROM person_tags WHERE person_id = ?)))")
        params += [f.person_id, f.person_id]
    if f.action:
        clauses.append("action = ?")
        params.append(f.action)
    if f.date_from:
        clauses.append("at >= ?")
        params.append(f.date_from)
    if f.date_to:
        # 'at' is 'YYYY-MM-DD HH:MM:SS'; every time on the last day sorts below date + '~'.
        clauses.append("at < ?")
        params.append(f.date_to + "~")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def query(db: Database, f: Filter = Filter(), *, limit: int = 500, offset: int = 0) -> list[Entry]:
    """Matching entries, newest first."""
    where, params = _where(f)
    rows = db.execute(
        f"SELECT id, at, actor, action, table_name, row_id, old, new FROM audit{where} "
        "ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return [Entry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None,
                  json.loads(r[7]) if r[7] else None) for r in rows]


def count(db: Database, f: Filter = Filter()) -> int:
    where, params = _where(f)
    return db.execute(f"SELECT count(*) FROM audit{where}", params).fetchone()[0]


def actors(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT actor FROM audit ORDER BY actor")]


def actions(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT action FROM audit ORDER BY action")]


def check_job(db: Database) -> Iterator[tuple[int, int, str]]:
    """Progress generator walking the whole chain; returns the problems, each naming its entry."""
    problems: list[str] = []
    for done, total, problem in audit.verify(db):
        if problem:
            problems.append(problem)
        yield done, total, tr("正在校验操作记录")
    return problems


def check(db: Database) -> tuple[int, list[str]]:
    """Walk the whole chain: (entries checked, problems naming the broken entries)."""
    job = check_job(db)
    checked = 0
    while True:
        try:
            checked = next(job)[0]
        except StopIteration as stop:
            return checked, stop.value
