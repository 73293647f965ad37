"""What a roster's columns mean: finding the header row, mapping headers to fields,
remembering the clerk's corrections, and reading the cells of each kind of column."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice import vocab
from gridoffice.store.db import get_setting, set_setting
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_text
from gridoffice.changes import Changes, writes

# Field code -> the label the wizard shows. Order is the order of the mapping list.
FIELDS = {
    "household_number": "户号",
    "name": "姓名",
    "id_number": "身份证号码",
    "relation": "与户主关系",
    "sex": "性别",
    "birth_date": "出生日期",
    "ethnicity": "民族",
    "political_status": "政治面貌",
    "education": "文化程度",
    "occupation": "职业",
    "phone": "联系电话",
    "address": "住址",
    "grid": "所属网格",
    "residence": "人口类型",
    "notes": "备注",
    "tags": "人群类别",
    "household_phone": "户联系电话",
    "contact_class": "联系类别",
    "representative": "户代表",
    "household_notes": "户备注",
    "unit_path": "所属单元",
    "unit_levels": "单元层级",
    "household_tags": "户困难登记",
}
# Fields of the household, repeated on each member's row: the head's row is read first.
HOUSEHOLD_FIELDS = ("household_phone", "contact_class", "household_notes", "unit_path", "unit_levels", "household_tags")

# Exact header texts seen on rosters, after _norm_header.
_EXACT = {
    "household_number": ("户号", "户编号", "户籍号", "户口号", "家庭编号", "户代码", "编户号"),
    "name": ("姓名", "成员姓名", "人员姓名", "居民姓名", "名字"),
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "公民身份证号码", "身份证", "证件号码", "身份证件号码"),
    "relation": ("与户主关系", "关系", "与户主的关系", "家庭关系", "户内关系"),
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "生日"),
    "ethnicity": ("民族",),
    "political_status": ("政治面貌",),
    "education": ("文化程度", "学历", "文化"),
    "occupation": ("职业", "工作单位", "职业或工作单位", "工作单位及职务"),
    "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"),
    "address": ("住址", "现住址", "家庭住址", "居住地址", "地址", "现居住地址", "详细地址"),
    "grid": ("所属网格", "网格", "网格名称", "所在网格"),
    "residence": ("人口类型", "户籍类型", "居住类型", "人员类型"),
    "notes": ("备注", "说明"),
    "tags": ("人群类别", "特殊人群", "重点人群", "人员类别", "名册类别"),
    "household_phone": ("户联系电话", "户电话", "家庭电话", "住宅电话"),
    "contact_class": ("联系类别", "户类别", "联系户类别"),
    "representative": ("户代表", "是否户代表"),
    "household_notes": ("户备注", "户说明"),
    "unit_path": ("所属单元", "单元路径", "所在单元"),
    "unit_levels": ("单元层级",),
    "household_tags": ("户困难登记", "困难类别", "低保户困难户"),
}
# Fallback: a header containing the keyword (checked in this order, so the specific wins).
_CONTAINS = (
    ("id_number", ("身份证", "身份号码", "证件号")),
    ("relation", ("关系",)),
    ("household_number", ("户号", "户编号")),
    ("birth_date", ("出生",)),
    ("phone", ("电话", "手机")),
    ("address", ("住址", "地址")),
    ("grid", ("网格",)),
    ("political_status", ("政治",)),
    ("education", ("文化", "学历")),
    ("occupation", ("职业",)),
    ("ethnicity", ("民族",)),
    ("sex", ("性别",)),
    ("notes", ("备注",)),
)
_EXACT_LOOKUP = {text: field for field, texts in _EXACT.items() for text in texts}

SETTING_KEY = "import.column_map"
# The remembered headers: the longest kept and how many (oldest dropped first).
HEADER_LIMIT, MEMORY_SIZE = 60, 300
SCAN_ROWS = 40


def norm_header(value: object) -> str:
    """A header as compared: no spaces, marks of required fields or bracketed hints."""
    text = clean_text(value if not isinstance(value, float) else "")
    text = re.sub(r"[\s*:：]", "", text)
    return re.sub(r"[(（\[【][^)）\]】]*[)）\]】]", "", text)


def guess_field(label: str) -> str | None:
    text = norm_header(label)
    if not text:
        return None
    if text in _EXACT_LOOKUP:
        return _EXACT_LOOKUP[text]
    # "户主姓名" on a member row names the head, not the member: never the person's name.
    if "户主" in text and "关系" not in text:
        return None
    for field, keys in _CONTAINS:
        if any(k in text for k in keys):
            return field
    if text.endswith("姓名"):
        return "name"
    return None


@dataclass(frozen=True)
class Header:
    first_row: int  # index of the header's first row
    data_row: int  # index of the first row after the header
    labels: tuple[str, ...]  # one per column; a two-row header reads "联系方式/电话"


def _fill_merged_across(row: list[str], idx: int, merged) -> list[str]:
    """A group label merged across several columns applies to each of them."""
    out = list(row)
    for top, left, bottom, right in merged:
        if top <= idx <= bottom:
            for col in range(left, right + 1):
                if col < len(out) and not out[col]:
                    out[col] = out[left] if left < len(out) else ""
    return out


def find_header(rows, merged=(), memory: dict[str, str] | None = None) -> Header:
    """The row (or two rows) naming the columns: the one matching most known field names.

    `memory` (see remembered()) adds the header texts the clerk mapped by hand before.
    """
    memory = memory or {}
    best, best_score = None, 0
    for i, row in enumerate(rows[:SCAN_ROWS]):
        fields = {memory.get(norm_header(c)) or guess_field(c) for c in row if isinstance(c, str)} - {None}
        score = len(fields) + (2 if {"name", "id_number"} <= fields else 0)
        if score > best_score:
            best, best_score = i, score
    if best is None or best_score < 3:
        raise ValidationError(
            "header",
            tr("在前{n}行中找不到表头：请确认表中有“姓名”“身份证号码”等列名").format(n=SCAN_ROWS),
        )
    width = max(len(r) for r in rows[: best + 2]) if rows else 0

    def texts(i: int) -> list[str]:
        row = list(rows[i]) + [""] * (width - len(rows[i]))
        return _fill_merged_across([clean_text(c) if isinstance(c, str) else "" for c in row], i, merged)

    lower = texts(best)
    first = best
    # A two-row header: the other row fills columns this one leaves empty or shares a group label.
    for other in (best + 1, best - 1):
        if not 0 <= other < len(rows):
            continue
        cells = texts(other)
        # A data row is no header: it holds numbers, or digit runs of IDs, phones and dates.
        if any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in rows[other]) or any(
                re.search(r"\d{4}", c) for c in cells):
            continue
        extra = [c for c, mine in zip(cells, lower)
                 if c and ((not mine and guess_field(c)) or norm_header(c) in _EXACT_LOOKUP)]
        if not extra:
            continue
        upper, lower2 = (lower, cells) if other == best + 1 else (cells, lower)
        labels = []
        for up, low in zip(upper, lower2):
            if up and low and up != low:
                labels.append(f"{up}/{low}")
            else:
                labels.append(low or up)
        first = min(best, other)
        return Header(first, max(best, other) + 1, tuple(labels))
    return Header(first, best + 1, tuple(lower))


def _label_field(label: str) -> str | None:
    """The field of a (possibly two-part) label: the lower part names the column."""
    parts = label.split("/")
    for part in reversed(parts):
        field = guess_field(part)
        if field:
            return field
    return None


def remembered(db: Database) -> dict[str, str]:
    """Header text -> field ('' for a column the clerk chose to ignore)."""
    raw = get_setting(db, SETTING_KEY)
    return json.loads(raw) if raw else {}


@writes(Changes.SETTINGS)
def remember(db: Database, labels, mapping: dict[int, str]) -> None:
    """Keep the clerk's mapping for the next file; runs inside the caller's transaction.

    Headers come from whoever wrote the file: one longer than HEADER_LIMIT is no column name a clerk
    meets again and is not kept, and the memory holds the MEMORY_SIZE most recent names (the mapped
    columns of this file last, so trimming drops them last), so no file makes it grow without end."""
    memory = remembered(db)
    for col in sorted(range(len(labels)), key=lambda c: c in mapping):
        key = norm_header(labels[col])
        if key and len(key) <= HEADER_LIMIT:
            memory.pop(key, None)
            memory[key] = mapping.get(col, "")
    recent = dict(list(memory.items())[-MEMORY_SIZE:])
    set_setting(db, SETTING_KEY, json.dumps(recent, ensure_ascii=False))


def guess_mapping(labels, memory: dict[str, str] | None = None) -> dict[int, str]:
    """Column index -> field. A remembered choice wins; each field is taken once, leftmost first."""
    memory = memory or {}
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for col, label in enumerate(labels):
        key = norm_header(label)
        if key in memory:
            field = memory[key] or None
        else:
            field = _label_field(label)
        if field and field in FIELDS and field not in taken:
            mapping[col] = field
            taken.add(field)
    return mapping


def check_mapping(mapping: dict[int, str]) -> None:
    fields = list(mapping.values())
    for field in set(fields):
        if fields.count(field) > 1:
            raise ValidationError(
                "mapping", tr("“{f}”对应了{n}列，每个项目只能对应一列").format(f=tr(FIELDS[field]), n=fields.count(field))
            )
    for field in ("name", "id_number"):
        if field not in fields:
            raise ValidationError("mapping", tr("必须指定哪一列是“{f}”").format(f=tr(FIELDS[field])))
    if "relation" not in fields:
        raise ValidationError("mapping", tr("必须指定哪一列是“与户主关系”，否则无法分户"))


# ---- reading cells -------------------------------------------------------------------------

_SON = re.compile(r"^(长|次|二|三|四|五|六|七|八|独|养|继)?子$|^儿子$")
_DAUGHTER = re.compile(r"^(长|次|二|三|四|五|六|七|八|独|养|继)?女$|^女儿$")
_RELATION_TEXT = {
    "head": ("户主", "本人", "户主本人", "本人户主", "家长"),
    "spouse": ("妻", "妻子", "夫", "丈夫", "配偶", "爱人", "老伴"),
    "son_in_law": ("女婿",),
    "daughter_in_law": ("儿媳", "媳妇", "长媳", "次媳", "儿媳妇"),
    "grandson": ("孙子", "孙", "长孙", "次孙", "外孙", "外孙子"),
    "granddaughter": ("孙女", "长孙女", "次孙女", "外孙女"),
    "father": ("父亲", "父", "爸爸"),
    "mother": ("母亲", "母", "妈妈"),
    "grandfather": ("祖父", "爷爷", "外祖父", "外公"),
    "grandmother": ("祖母", "奶奶", "外祖母", "外婆"),
    "sibling": ("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟姐妹", "兄弟", "姐妹"),
    "other_relative": (
        "侄子", "侄女", "外甥", "外甥女", "孙媳", "孙女婿", "曾孙", "曾孙女", "公公", "婆婆", "岳父",
        "岳母", "嫂子", "弟媳", "姐夫", "妹夫", "叔叔", "伯父", "姑姑", "舅舅", "姨", "其他亲属", "亲属",
    ),
    "other": ("其他", "其它", "非亲属", "保姆", "租客", "借住"),
}
_RELATION_LOOKUP = {text: code for code, texts in _RELATION_TEXT.items() for text in texts}


@functools.lru_cache(maxsize=1024)  # a roster repeats a few dozen spellings
def relation_code(text: str) -> str | None:
    """The vocab.RELATIONS code for a relation as rosters write it; None when unknown."""
    text = re.sub(r"\s", "", text)
    if not text:
        return None
    if text in _RELATION_LOOKUP:
        return _RELATION_LOOKUP[text]
    if _SON.match(text):
        return "son"
    if _DAUGHTER.match(text):
        return "daughter"
    return vocab.code_for(vocab.RELATIONS, text)


@functools.lru_cache(maxsize=1024)  # a roster repeats a few dozen spellings
def sex_code(text: str) -> str:
    """'M'/'F' from 男/女 (and M/F); '' when blank; raises for anything else."""
    text = text.strip().upper()
    if not text:
        return ""
    if text in ("男", "M", "男性", "MALE", "1"):
        return "M"
    if text in ("女", "F", "女性", "FEMALE", "2"):
        return "F"
    raise ValidationError("sex", tr("性别“{t}”无法识别，应填“男”或“女”").format(t=text))


@functools.lru_cache(maxsize=64)
def yes_no(text: str) -> bool:
    """户代表: 是/否 (or 1/0, √, blank for no); raises for anything else."""
    text = re.sub(r"\s", "", text).upper()
    if text in ("是", "1", "√", "Y", "YES", "户代表"):
        return True
    if text in ("", "否", "0", "N", "NO"):
        return False
    raise ValidationError("representative", tr("“户代表”一列应填“是”或留空，现在是“{t}”").format(t=text))


_POLITICAL_TEXT = {
    "party_member": ("党员", "中共党员", "中国共产党党员", "共产党员"),
    "probationary": ("预备党员", "中共预备党员"),
    "league_member": ("团员", "共青团员", "中国共产主义青年团团员"),
    "masses": ("群众", "无", "普通群众"),
    "democratic_party": ("民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟", "民主党派"),
}
_POLITICAL_LOOKUP = {text: code for code, texts in _POLITICAL_TEXT.items() for text in texts}


@functools.lru_cache(maxsize=1024)  # a roster repeats a few dozen spellings
def political_code(text: str) -> str | None:
    text = re.sub(r"\s", "", text)
    return _POLITICAL_LOOKUP.get(text) or vocab.code_for(vocab.POLITICAL_STATUS, text)


_RESIDENCE_TEXT = {
    "registered": ("户籍", "户籍人口", "常住", "本地"),
    "floating": ("流动", "流动人口", "外来", "外来人口", "暂住"),
    "separated": ("人户分离", "户在人不在", "空挂户"),
}
_RESIDENCE_LOOKUP = {text: code for code, texts in _RESIDENCE_TEXT.items() for text in texts}


@functools.lru_cache(maxsize=1024)  # a roster repeats a few dozen spellings
def residence_code(text: str) -> str | None:
    text = re.sub(r"\s", "", text)
    return _RESIDENCE_LOOKUP.get(text) or vocab.code_for(vocab.RESIDENCE, text)


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
# Text that clean_text() leaves as it is (ASCII digits and 年月日 only), cleaned without the call.
_CLEAN_DATE = re.compile(r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{8}")
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*月?$")


def parse_date(value: object, field: str = "birth_date") -> dt.date | None:
    """A date from a date cell, an Excel serial number, or text like 1950年3月2日, 1950.3.2, 19500302.

    Month-only text (1950年3月) gives None: it can be neither checked against an ID nor stored.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not float(value).is_integer() or not 1 <= value < 30000000:
            raise ValidationError(field, tr("出生日期“{v}”不是有效日期").format(v=value))
        if value < 2958466:  # an Excel serial day number (1900 date system)
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        value = str(int(value))  # 19500302 typed as a number
    clean = value.__class__ is str and _CLEAN_DATE.fullmatch(value)
    return _parse_date_text(value if clean else clean_text(value), field)


@functools.lru_cache(maxsize=65536)  # birth dates repeat across a large roster
def _parse_date_text(text: str, field: str) -> dt.date | None:
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        m = _DATE_TEXT.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValidationError(field, tr("出生日期“{v}”不存在，请核对").format(v=text)) from None
    if _MONTH_TEXT.match(text):
        return None
    raise ValidationError(
        field, tr("出生日期“{v}”无法识别，请写成“1950-03-02”或“1950年3月2日”").format(v=text)
    )
