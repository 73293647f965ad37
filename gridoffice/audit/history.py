"""Audit entries told as a clerk reads them: what was done, to whom, and each change as words.

Both the household's 变更历史 and the 操作记录 page use tell(); nothing it returns is a code, a
database id or JSON. Names and household numbers replace ids; ID numbers, phones and birth dates
are masked through gridoffice.masking, and free text goes through mask_text().
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PureWindowsPath

from sqlite_utils import Database

from gridoffice import vocab
from gridoffice.archive import office_tags
from gridoffice.matters import rules
from gridoffice.audit.trail import Entry
from gridoffice.audit.journal import ACTION_LABELS
from gridoffice.i18n import tr
from gridoffice.masking import mask_field, mask_text
from gridoffice.access.scope import Scope

# Actions beside, or worded better than, audit_log.ACTION_LABELS (matters' come from matters.ACTIONS).
MORE_ACTIONS = {
    "unlink_contact": "解除联系户",
    "set_visit_rule": "修改走访周期",
    "record_visit": "登记走访",
    "void_visit": "作废走访记录",
    "add_log_entry": "写民情日志",
    "comment_log_entry": "点评民情日志",
    "add_need": "登记群众需求",
    "solve_need": "解决群众需求",
    "need_to_matter": "需求转为事项",
    "generate": "生成演示数据",
    "matters.generate": "生成演示事项",
    "visits.generate": "生成演示走访",
    "set_assessment_template": "修改考核模板",
    "record_team_review": "记录团队点评",
    "record_must_visit": "登记必访情形",
    "cancel_must_visit": "撤销必访情形",
    "set_must_visit_situations": "修改必访情形清单",
    "plan_campaign": "安排集中走访",
    "assign_campaign": "分派集中走访",
    "add_board_slip": "登记留言或抄送单",
    "answer_board_slip": "答复留言或抄送单",
    "board_slip_to_matter": "留言或抄送单转为事项",
    "board_slip_to_need": "留言或抄送单转为需求",
    "team_reviews.generate": "生成演示团队点评",
    "matter_category.add": "新增事项类别",
    "matter_category.rename": "事项类别改名",
    "matter_category.retire": "停用事项类别",
    "matter_time_limit.set": "修改办理时限",
    "matter.intake": "受理事项",
    # The household's own wording, which clerks know from the archive.
    "update_household": "修改户信息", "set_representative": "设定户代表", "add_member": "添加成员",
    "remove_member": "成员迁出", "change_head": "更换户主", "move_household": "迁移网格", "move_out": "整户迁出",
    "update_person": "修改人员信息", "add_person": "登记人员", "add_tag": "加入人群", "end_tag": "移出人群",
    "end_contact": "结束联系", "link_contact": "建立联系", "link_staff": "账号对应工作人员",
}
FIELDS = {
    "name": "姓名", "id_number": "身份证号", "sex": "性别", "birth_date": "出生日期", "relation": "与户主关系",
    "ethnicity": "民族", "political_status": "政治面貌", "education": "文化程度", "occupation": "职业",
    "phone": "电话", "residence": "户籍类别", "notes": "备注", "note": "备注", "status": "状态",
    "status_date": "状态日期", "household_id": "所在户", "number": "户号", "org_id": "所属网格",
    "address": "地址", "contact_class": "联系类别", "representative_id": "户代表", "tag": "人群",
    "since": "开始日期", "until": "结束日期", "person_id": "人员", "parent_id": "上级", "level": "层级",
    "office_name": "本单位名称", "office_org_id": "本单位", "display_name": "姓名", "role": "角色",
    "title": "标题", "content": "内容", "resident_name": "居民姓名", "resident_phone": "居民电话",
    "satisfaction": "满意度", "reason": "理由", "staff_id": "工作人员", "kind": "类别", "duty": "职责",
    "team_id": "服务团队", "reviewer_team_id": "评分团队", "month": "月份", "score": "评分",
    "situation": "必访情形", "noted_on": "发生日期", "due_on": "应访日期", "cancel_reason": "撤销原因",
    "start_on": "开始日期", "end_on": "结束日期", "grid_id": "网格", "sender": "留言人或抄送人",
    "addressee": "抄送给", "reply": "答复", "received_on": "日期",
}
VALUES = {
    "sex": vocab.SEX, "relation": vocab.RELATIONS, "political_status": vocab.POLITICAL_STATUS,
    "residence": vocab.RESIDENCE, "contact_class": vocab.CONTACT_CLASS_SHORT, "tag": vocab.TAGS,
    "level": vocab.ORG_LEVELS, "satisfaction": rules.SATISFACTION, "duty": vocab.TEAM_DUTIES,
}
STATUS = {"persons": vocab.PERSON_STATUS, "households": vocab.HOUSEHOLD_STATUS, "matters": rules.STATES}
MASKED = {"id_number", "phone", "birth_date", "resident_phone"}
EXPORTS = {
    "briefing": "工作简报", "monthly_summary": "月度汇总表", "roster": "花名册", "village_file": "村（社区）档案",
    "member_file": "成员档案", "assessment": "考核表", "public_notice": "公示表", "cards": "联系卡",
    "register_list": "重点人群名单", "register_list_pdf": "重点人群名单（打印）",
}
# Id fields and the table whose row they name.
REFERENCES = {"household_id": "households", "representative_id": "persons", "person_id": "persons",
              "org_id": "org_units", "parent_id": "org_units", "office_org_id": "org_units", "staff_id": "staff",
              "team_id": "teams", "reviewer_team_id": "teams", "grid_id": "org_units"}
SUBJECTS = {"settings": "本单位设置", "visits": "走访记录", "log_entries": "民情日志", "log_comments": "日志点评",
            "needs": "群众需求", "matter_time_limits": "办理时限", "users": "用户", "team_reviews": "团队点评",
            "must_visits": "必访情形", "visit_campaigns": "集中走访", "campaign_assignments": "集中走访分派",
            "board_slips": "留言板与抄送单"}


@dataclass(frozen=True)
class Told:
    """One audit entry in words."""

    entry_id: int
    at: str
    actor: str
    action: str  # e.g. 更换户主
    subject: str  # whom or what it concerns: a name, 户0002, 第一网格, 事项2026-0594
    text: str  # the change, e.g. 与户主关系由“子”改为“户主”


def action_label(code: str) -> str:
    if code in MORE_ACTIONS:
        return tr(MORE_ACTIONS[code])
    if code in ACTION_LABELS:
        return tr(ACTION_LABELS[code])
    if code.startswith("matter.") and code[7:] in rules.ACTIONS:
        return tr("事项") + tr(rules.ACTIONS[code[7:]])
    return tr("其他操作")


# Tables whose rows belong to a scope (the others are named for everyone: units, accounts, categories).
_SCOPED = ("persons", "households", "staff", "matters", "teams")


class _Names:
    """Names of the rows the entries mention, fetched once per table: only those of the user's scope
    (a person, a household, a staff member, a matter or a team elsewhere is not named)."""

    def __init__(self, db: Database, entries: list[Entry], scope: Scope):
        self.whole_office = scope.whole_office
        wanted: dict[str, set[int]] = {}
        for e in entries:
            if e.table_name and e.row_id is not None:
                wanted.setdefault(e.table_name, set()).add(e.row_id)
            for values in (e.old or {}, e.new or {}):
                for key, table in REFERENCES.items():
                    if isinstance(values.get(key), int):
                        wanted.setdefault(table, set()).add(values[key])
        self.tag_labels = office_tags.labels(db)  # the office's own registers are named too
        self.tag_person: dict[int, int] = {}
        if wanted.get("person_tags"):
            self.tag_person = dict(self._rows(db, "SELECT id, person_id FROM person_tags WHERE 1",
                                              wanted["person_tags"]))
            wanted.setdefault("persons", set()).update(self.tag_person.values())
        queries = {"persons": f"SELECT id, name FROM persons WHERE {scope.households('household_id')}",
                   "households": f"SELECT id, number FROM households WHERE {scope.units('org_id')}",
                   "org_units": "SELECT id, name FROM org_units WHERE 1",
                   "staff": f"SELECT id, name FROM staff WHERE {scope.colleagues('id')}",
                   "matters": f"SELECT id, number FROM matters m WHERE {scope.matters('m')}",
                   "users": "SELECT id, name FROM users WHERE 1",
                   "matter_categories": "SELECT id, name FROM matter_categories WHERE 1",
                   "teams": f"SELECT id, name FROM teams WHERE {scope.units('grid_id')}"}
        self.names = {table: dict(self._rows(db, sql, wanted.get(table, ()))) for table, sql in queries.items()}

    @staticmethod
    def _rows(db: Database, sql: str, ids) -> list[tuple]:
        ids = sorted(ids)
        rows = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows += db.execute(f"{sql} AND id IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
        return rows

    def of(self, table: str, row_id) -> str:
        name = self.names.get(table, {}).get(row_id)
        if name is None:
            return tr("（已不存在）") if self.whole_office else tr("（已不存在或不在您负责的范围内）")
        if table == "households":
            return tr("户{number}").format(number=name)
        if table == "matters":
            return tr("事项{number}").format(number=name)
        return str(name)

    def subject(self, e: Entry) -> str:
        if e.table_name == "person_tags" and e.row_id in self.tag_person:
            return self.of("persons", self.tag_person[e.row_id])
        if e.table_name in self.names and e.row_id is not None:
            return self.of(e.table_name, e.row_id)
        return tr(SUBJECTS.get(e.table_name or "", "")) if e.table_name in SUBJECTS else ""

    def outside(self, e: Entry) -> bool:
        """Whether an entry concerns a resident, a household, a staff member, a team or a matter outside
        the user's scope (or a record naming a resident or household there): its values are not told."""
        if self.whole_office:
            return False
        if e.table_name == "person_tags":
            return self.tag_person.get(e.row_id) not in self.names["persons"]
        if e.table_name in _SCOPED and e.row_id is not None:
            return e.row_id not in self.names[e.table_name]
        return any(REFERENCES.get(key) in ("persons", "households") and isinstance(value, int)
                   and value not in self.names[REFERENCES[key]]
                   for values in (e.old or {}, e.new or {}) for key, value in values.items())


def _value(key: str, value, table: str | None, names: _Names) -> str:
    if value is None or value == "":
        return tr("空")
    if isinstance(value, (dict, list)):
        return ""
    if key in MASKED:
        return mask_field("phone" if key.endswith("phone") else key, str(value))
    if key in REFERENCES:
        return names.of(REFERENCES[key], value)
    if key == "status":
        return vocab.label(STATUS.get(table or "", {}), value)
    if key == "tag":
        return names.tag_labels.get(value, str(value))
    if key in VALUES:
        return vocab.label(VALUES[key], value)
    if key == "role":
        from gridoffice.access.users import ROLE_LABELS

        return vocab.label(ROLE_LABELS, value)
    return mask_text(str(value))


def _changes(e: Entry, names: _Names) -> str:
    old, new = e.old or {}, e.new or {}
    parts = []
    for key in dict.fromkeys([*new, *old]):
        if key not in FIELDS:
            continue  # timestamps, paths, sort keys and other bookkeeping a clerk does not read
        label = tr(FIELDS[key])
        after = _value(key, new.get(key), e.table_name, names)
        if key in old:
            before = _value(key, old.get(key), e.table_name, names)
            if before != after and before and after:
                parts.append(tr("{field}由“{old}”改为“{new}”").format(field=label, old=before, new=after))
        elif key in new and new[key] not in (None, "") and after:
            parts.append(f"{label}：{after}")
    return "；".join(parts)


def _special(e: Entry, names: _Names) -> str | None:
    new = e.new or {}
    if e.action == "reveal":
        field = tr(FIELDS.get(str(new.get("field")), "号码"))
        return tr("查看了完整的{field}，理由：{reason}").format(field=field, reason=mask_text(str(new.get("reason", ""))))
    if e.action == "export":
        kind = str(new.get("kind", "")).split(":")[0]
        text = tr("导出{kind}“{file}”，{rows}条").format(
            kind=tr(EXPORTS.get(kind, "文件")), file=PureWindowsPath(str(new.get("path", ""))).name,
            rows=new.get("rows", 0))
        if new.get("unmasked"):
            text += tr("，号码完整，理由：{reason}").format(reason=mask_text(str(new.get("reason", ""))))
        return text
    if e.action == "print":
        kind = str(new.get("kind", "")).split(":")[0]
        return tr("打印{kind}，{rows}份").format(kind=tr(EXPORTS.get(kind, "")), rows=new.get("rows", 0))
    if e.action == "package":
        return tr("第{n}号上报包“{file}”，{records}条记录").format(
            n=new.get("sequence", ""), file=PureWindowsPath(str(new.get("file", ""))).name, records=new.get("records", 0))
    if e.action == "enroll":
        return tr("街道公钥 {street}，本单位签名公钥 {office}").format(street=new.get("street", ""),
                                                                 office=new.get("office", ""))
    if e.action in ("login", "login_failed"):
        return tr("账号：{name}").format(name=new.get("name", e.actor))
    return None


def tell(db: Database, entries: list[Entry], *, scope: Scope) -> list[Told]:
    """The entries in words, in the order given, naming only the rows of the user's scope."""
    names = _Names(db, entries, scope)
    told = []
    for e in entries:
        if names.outside(e):
            text = tr("（不在您负责的范围内，内容不显示）")
        else:
            text = _special(e, names)
        told.append(Told(e.id, e.at, e.actor, action_label(e.action), names.subject(e),
                         _changes(e, names) if text is None else text))
    return told


def household_entries(db: Database, household_id: int, scope: Scope, *, limit: int = 300) -> list[Entry]:
    """A household's history: its own entries and those of everyone who ever belonged to it (members
    who left after a split or a move stay in it), with the tags the scope may see; newest first."""
    from gridoffice.archive import people
    from gridoffice.audit.trail import history

    ever = {r[0] for r in db.execute(
        "SELECT id FROM persons WHERE household_id = ? UNION SELECT row_id FROM audit WHERE table_name = 'persons' "
        "AND (json_extract(old, '$.household_id') = ? OR json_extract(new, '$.household_id') = ?)",
        [household_id, household_id, household_id])}
    entries = list(history(db, "households", household_id, limit=limit))
    for person_id in ever:
        entries += history(db, "persons", person_id, limit=50)
    for tag in people.visible_tags_of(db, sorted(ever), scope, include_ended=True):
        entries += history(db, "person_tags", tag.id, limit=20)
    entries.sort(key=lambda e: e.id, reverse=True)
    return entries[:limit]
