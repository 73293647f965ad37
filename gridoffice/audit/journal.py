"""Reading the audit trail, and recording what the trail must show besides changes.

Views of unmasked data (masking.reveal), exports and printouts are entries like any change,
so a leader sees who took which residents' data out of the program, when.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

from sqlite_utils import Database

from gridoffice.audit import trail
from gridoffice.audit.trail import Entry
from gridoffice.i18n import tr
from gridoffice.access.scope import Scope
from gridoffice.store.where import Where
from gridoffice.changes import Changes, writes

ACTION_LABELS = {
    "create": "新增",
    "update": "修改",
    "reveal": "查看完整号码",
    "search_numbers": "按号码查找",
    "export": "导出",
    "print": "打印",
    "login": "登录",
    "login_failed": "登录失败",
    "restore": "从备份恢复",
    "user_create": "新建用户",
    "user_role": "更改角色",
    "user_password": "修改密码",
    "user_password_reset": "重置密码",
    "user_password_recovered": "用恢复码重设管理员密码",
    "office_encrypted": "数据文件加密",
    "dossier": "生成档案",
    "backup": "备份",
    "package": "生成上报包",
    "enroll": "登记到街道",
    "user_disable": "停用用户",
    "user_display_name": "修改用户姓名",
    "add_person": "新增人员",
    "update_person": "修改人员",
    "add_member": "添加家庭成员",
    "remove_member": "移出家庭成员",
    "transfer_member": "成员转户",
    "change_head": "变更户主",
    "create_household": "新建户",
    "update_household": "修改户",
    "move_household": "户调整网格",
    "split_household": "分户",
    "merge_households": "合户",
    "move_out": "迁出",
    "record_death": "登记死亡",
    "set_representative": "设置户代表",
    "add_tag": "添加标签",
    "end_tag": "结束标签",
    "create_unit": "新建组织单元",
    "rename_unit": "组织单元改名",
    "move_unit": "移动组织单元",
    "retire_unit": "撤销组织单元",
    "set_office": "设置本单位",
    "add_staff": "新增工作人员",
    "update_staff": "修改工作人员",
    "add_role": "任职",
    "end_role": "卸任",
    "create_team": "新建团队",
    "add_team_member": "加入团队",
    "end_team_member": "退出团队",
    "link_contact": "建立联系户",
    "end_contact": "结束联系户",
    "import_update": "导入更新",
    "import": "导入",
    "import_tag": "导入名册记录",
    "undo": "撤销或重做",
    "add_register": "增设名册",
    "retire_register": "停用名册",
    "add_household_tag": "登记低保户或困难户",
    "end_household_tag": "结束低保户或困难户登记",
}


TABLE_LABELS = {
    "persons": "人员",
    "person_tags": "人员标签",
    "households": "户",
    "org_units": "组织单元",
    "staff": "工作人员",
    "staff_roles": "工作人员职务",
    "teams": "团队",
    "team_members": "团队成员",
    "contacts": "联系户",
    "office_tags": "本单位名册",
    "household_tags": "户的困难登记",
    "users": "用户",
    "settings": "设置",
}


def table_label(table: str | None) -> str:
    if not table:
        return ""
    text = TABLE_LABELS.get(table)
    return tr(text) if text else table


def action_label(code: str) -> str:
    text = ACTION_LABELS.get(code)
    return tr(text) if text else code


@writes(Changes.NONE)
def record_export(db: Database, kind: str, path: str, rows: int, *, unmasked: bool = False,
                  reason: str = "") -> int:
    """One entry per written file: what kind, where, how many records, whether numbers were clear and why."""
    new = {"kind": kind, "path": str(path), "rows": rows, "unmasked": unmasked}
    if reason:
        new["reason"] = reason
    with db.atomic():
        return trail.record(db, "export", None, None, new=new)


@writes(Changes.NONE)
def record_print(db: Database, kind: str, rows: int, *, table: str | None = None, row_id: int | None = None) -> int:
    with db.atomic():
        return trail.record(db, "print", table, row_id, new={"kind": kind, "rows": rows})


@dataclass(frozen=True)
class Filter:
    actor: str | None = None
    table: str | None = None
    row_id: int | None = None
    person_id: int | None = None  # the person's own row and their tags
    action: str | None = None
    date_from: str | None = None  # 'YYYY-MM-DD', inclusive
    date_to: str | None = None  # 'YYYY-MM-DD', inclusive


def _where(f: Filter) -> Where:
    where = Where().equal("actor", f.actor).equal("table_name", f.table).equal("row_id", f.row_id)
    if f.person_id is not None:
        where.add("((table_name = 'persons' AND row_id = ?) OR (table_name = 'person_tags' AND row_id IN "
                  "(SELECT id FROM person_tags WHERE person_id = ?)))", f.person_id, f.person_id)
    where.equal("action", f.action)
    if f.date_from:
        where.add("at >= ?", f.date_from)
    if f.date_to:
        # 'at' is 'YYYY-MM-DD HH:MM:SS'; every time on the last day sorts below date + '~'.
        where.add("at < ?", f.date_to + "~")
    return where


def query(db: Database, f: Filter = Filter(), *, scope: Scope, limit: int = 500, offset: int = 0) -> list[Entry]:
    """Matching entries, newest first; for a role that reads the audit trail (the entries hold the
    old and new values of residents' records, of every grid)."""
    scope.require("read_audit")
    where = _where(f)
    rows = db.execute(
        f"SELECT id, at, actor, action, table_name, row_id, old, new FROM audit{where.clause} "
        "ORDER BY id DESC LIMIT ? OFFSET ?",
        [*where.params, limit, offset],
    ).fetchall()
    return [Entry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None,
                  json.loads(r[7]) if r[7] else None) for r in rows]


def count(db: Database, f: Filter = Filter(), *, scope: Scope) -> int:
    scope.require("read_audit")
    where = _where(f)
    return db.execute(f"SELECT count(*) FROM audit{where.clause}", where.params).fetchone()[0]


def actors(db: Database, *, scope: Scope) -> list[str]:
    scope.require("read_audit")
    return [r[0] for r in db.execute("SELECT DISTINCT actor FROM audit ORDER BY actor")]


def actions(db: Database, *, scope: Scope) -> list[str]:
    scope.require("read_audit")
    return [r[0] for r in db.execute("SELECT DISTINCT action FROM audit ORDER BY action")]


def check_job(db: Database, anchors=()) -> Iterator[tuple[int, int, str]]:
    """Progress generator walking the whole chain; returns the problems, each naming its entry.

    `anchors` are audit_anchor.Anchor values read off a printout or a backup's manifest.
    """
    problems: list[str] = []
    for done, total, problem in trail.verify(db, anchors):
        if problem:
            problems.append(problem)
        yield done, total, tr("正在校验操作记录")
    return problems


def check(db: Database, anchors=()) -> tuple[int, list[str]]:
    """Walk the whole chain: (entries checked, problems naming the broken entries)."""
    job = check_job(db, anchors)
    checked = 0
    while True:
        try:
            checked = next(job)[0]
        except StopIteration as stop:
            return checked, stop.value
