"""Codes stored in the database and the Chinese labels shown for them.

The database keeps stable English codes; labels pass through tr() where they are shown.
"""

from __future__ import annotations

from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_text

ORG_LEVELS = {
    "district": "区县",
    "street": "镇街",
    "community": "村社区",
    "area": "片区",
    "grid": "网格",
    "estate": "小区",
    "building": "楼栋",
    "unit": "单元",
}
# The order a tree follows from top to bottom; an office may skip any level.
LEVEL_RANK = {code: rank for rank, code in enumerate(ORG_LEVELS)}

SEX = {"M": "男", "F": "女"}

RELATIONS = {
    "head": "户主",
    "spouse": "配偶",
    "son": "子",
    "daughter": "女",
    "son_in_law": "女婿",
    "daughter_in_law": "儿媳",
    "grandson": "孙子",
    "granddaughter": "孙女",
    "father": "父亲",
    "mother": "母亲",
    "grandfather": "祖父",
    "grandmother": "祖母",
    "sibling": "兄弟姐妹",
    "other_relative": "其他亲属",
    "other": "其他",
}

POLITICAL_STATUS = {
    "party_member": "中共党员",
    "probationary": "中共预备党员",
    "league_member": "共青团员",
    "democratic_party": "民主党派",
    "masses": "群众",
}

RESIDENCE = {
    "registered": "户籍人口",
    "floating": "流动人口",
    "separated": "人户分离",
}

PERSON_STATUS = {"active": "在册", "moved_out": "已迁出", "deceased": "已死亡"}
HOUSEHOLD_STATUS = {"active": "在册", "moved_out": "已迁出", "dissolved": "已注销"}

# Yaolin town's three classes (seed 000), in its words; "村" reads "社区" in a city community.
CONTACT_CLASSES = {
    1: "一类户（困难和问题多的群体，由村主要干部重点联系）",
    2: "二类户（低收入户、发展大户、活跃群体，由村两委班子成员重点关注）",
    3: "三类户（其他群众，由普通党员联系）",
}
CONTACT_CLASS_SHORT = {1: "一类", 2: "二类", 3: "三类"}

# Special groups kept as tags; age-based groups are derived (see ages.py).
TAGS = {
    "disabled": "残疾人",
    "low_income": "低保/困难家庭",
    "three_nos": "三无人员",
    "special_care": "优抚对象",
    "correction": "帮教/社区矫正",
    "floating": "流动人口",
    "flood_evacuation": "防汛转移人员",
    "left_behind_child": "留守儿童",
    "left_behind_elderly": "留守老人",
    "empty_nest": "空巢老人",
    "living_alone": "独居老人",
    "serious_illness": "重病患者",
}
# Tags that reveal health or hardship: shown only to roles that need them.
SENSITIVE_TAGS = {"disabled", "low_income", "three_nos", "correction", "serious_illness"}

# Hardship recorded for a whole household (the sources' 低保户 and 困难户); sensitive like low_income.
HOUSEHOLD_TAGS = {"low_income_household": "低保户", "hardship_household": "困难户"}
# An office's own registers are stored with codes of this prefix (office_tags.code); a sensitive
# one's code begins with the longer prefix, so a role's scope knows it without the database.
OFFICE_TAG_PREFIX = "office_"
SENSITIVE_OFFICE_PREFIX = "office_s"

STAFF_KINDS = {
    "town_cadre": "镇街干部",
    "village_cadre": "村社区干部",
    "grid_worker": "网格员",
    "party_member": "党员",
    "police": "民警",
    "doctor": "医生",
    "teacher": "教师",
    "technician": "农技/渔技员",
    "deputy": "人大代表",
    "veteran_member": "老党员",
    "volunteer": "志愿者",
}

STAFF_ROLES = {
    "principal_cadre": "村主要干部",
    "committee_member": "村两委班子成员",
    "area_head": "片长",
    "group_head": "组长",
    "grid_head": "网格长",
    "grid_worker_a": "专职网格员（A岗）",
    "grid_worker_b": "专业网格员（B岗）",
    "proxy_agent": "代办员",
    "liaison": "联络员",
    "building_head": "楼栋长",
    "informant": "维稳信息员",
}

# The "five roles" (五个员) a team member plays, in Zhoushan's exact words (seed 001).
TEAM_DUTIES = {
    "survey": "社情民意调研员",
    "mediation": "矛盾纠纷化解员",
    "publicity": "政策法规宣传员",
    "supervision": "民主制度监督员",
    "prosperity": "富民强市服务员",
}


def label(table: dict, code) -> str:
    """The Chinese label of a code, or the code itself when unknown (never an empty cell)."""
    if code is None or code == "":
        return ""
    text = table.get(code)
    return tr(text) if text else str(code)


def code_for(table: dict, text: str) -> str | None:
    """The code whose label (or code) is `text`; used by forms and imports."""
    if text in table:
        return text
    for code, name in table.items():
        if name == text or tr(name) == text:
            return code
    return None


def code_of(table: dict, value: str, field: str, label: str, *, required: bool = False,
            default: str | None = None) -> str | None:
    """The code a clerk's text names, refused with the choices when it names none; an empty text is
    refused when required, else gives default."""
    text = clean_text(value)
    if not text:
        if required:
            raise ValidationError(field, tr("{label}不能为空").format(label=tr(label)))
        return default
    code = code_for(table, text)
    if code is None:
        raise ValidationError(field, tr("{label}“{text}”无法识别，可选：{options}").format(
            label=tr(label), text=text, options="、".join(tr(v) for v in table.values())))
    return code
