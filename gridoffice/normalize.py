"""Cleaning of every text a clerk types or a roster brings: one place, used by all inputs."""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from gridoffice.errors import ValidationError
from gridoffice.i18n import tr

# Zero-width and formatting characters that survive copy and paste from web pages and Word.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# Characters XML 1.0 forbids (C0 controls but tab, newline and carriage return; lone surrogates;
# U+FFFE, U+FFFF) and the other Unicode non-characters (U+FDD0-U+FDEF, the last two code points of
# every plane). No workbook can hold them and nobody types them: they come from broken files and
# copy and paste. The door (clean_text) and every writer remove them with this one class.
UNSAFE_CHARS = ("\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(1, 17)))
_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
_SPACES = re.compile(r"\s+")
_NAME_DOTS = re.compile("[.\u00b7\u2022\u2027\u30fb\uff0e\u22c5\u2219]")
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


# Full-width punctuation that belongs in Chinese prose; NFKC would turn "，" into ",".
_CJK_PUNCT = "，：；！？（）"
_PROTECT = str.maketrans({ch: chr(0xE000 + i) for i, ch in enumerate(_CJK_PUNCT)})
_RESTORE = str.maketrans({chr(0xE000 + i): ch for i, ch in enumerate(_CJK_PUNCT)})


def clean_text(value: object | None, *, multiline: bool = False) -> str:
    """NFKC (full-width letters and digits become ASCII; Chinese punctuation stays),
    no invisible, control or XML-forbidden characters, single spaces, trimmed."""
    if value is None:
        return ""
    text = _UNSAFE.sub("", str(value))
    text = unicodedata.normalize("NFKC", text.translate(_PROTECT)).translate(_RESTORE)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
        return "\n".join(lines).strip()
    return _SPACES.sub(" ", text).strip()


# The longest text each field takes, in characters, and the name a clerk knows the field by: every
# form, the roster import, the settings and the commands check against this one table. The limits
# fit what offices write (a name of up to 50 characters holds the longest minority names; a note
# or a matter's content is a page) and keep one cell, one card line or one search document small.
LIMITS: dict[str, tuple[str, int]] = {
    "name": ("姓名", 50),
    "ethnicity": ("民族", 20),
    "education": ("文化程度", 20),
    "occupation": ("职业", 50),
    "household_number": ("户号", 30),
    "address": ("住址", 200),
    "notes": ("备注", 2000),
    "tag_note": ("名册说明", 200),
    "register_name": ("名册名称", 20),
    "unit_name": ("名称", 60),
    "grid": ("所属网格", 60),
    "unit_code": ("编码", 30),
    "office_name": ("单位名称", 60),
    "team_name": ("团队名称", 60),
    "duties": ("职责分工", 500),
    "member_title": ("职务", 30),
    "user_name": ("用户名", 32),
    "display_name": ("显示名称", 50),
    "category_name": ("类别名称", 20),
    "matter_title": ("诉求事项", 100),
    "matter_content": ("具体内容", 5000),
    "resident_name": ("反映人姓名", 50),
    "taker_name": ("受理人", 50),
    "dept": ("承办部门名称", 40),
    "matter_note": ("办理说明", 2000),
    "decision": ("分析会决定", 2000),
    "promise": ("承诺内容", 500),
    "log_text": ("日志内容", 5000),
    "comment": ("点评", 500),
    "review_note": ("点评意见", 2000),
    "situation": ("必访情形", 30),
    "campaign_name": ("集中走访名称", 60),
    "author": ("点评人", 50),
    "need": ("需求内容", 200),
    "solution": ("解决情况", 500),
    "need_title": ("诉求事项", 100),
    "learned": ("了解情况", 2000),
    "reason": ("原因", 200),
    "card_text": ("联系卡文字", 200),
}


def clean_field(value: object | None, what: str, field: str | None = None, *, multiline: bool = False) -> str:
    """clean_text(), then the length limit of LIMITS[what]; the ValidationError names `field`
    (default `what`), the input a form highlights."""
    return check_length(clean_text(value, multiline=multiline), what, field)


def check_length(text: str, what: str, field: str | None = None) -> str:
    label, limit = LIMITS[what]
    if len(text) > limit:
        raise ValidationError(field or what, tr("{label}过长：最多{limit}个字，现在有{n}个字，请删减").format(
            label=tr(label), limit=limit, n=len(text)))
    return text


def strip_unsafe(text: str) -> str:
    """The text without the characters XML forbids: a writer's own defence for text stored before
    the door cleaned it."""
    return _UNSAFE.sub("", text)


def clean_name(value: object | None) -> str:
    """A person's name: spaces between Chinese characters dropped, the middle dot unified."""
    text = clean_text(value)
    text = _CJK_SPACE.sub("", text)
    return _NAME_DOTS.sub("\u00b7", text)


# Chinese characters only (CJK Unified Ideographs): NFKC leaves them unchanged, so a name of
# them alone is clean as it is; search and pinyin take the same fast path.
PLAIN_CHINESE = re.compile("[\u4e00-\u9fff]+")


_NAME_LIMIT = LIMITS["name"][1]


def require_name(value: object | None, field: str = "name", label: str = "姓名") -> str:
    if isinstance(value, str) and len(value) <= _NAME_LIMIT and PLAIN_CHINESE.fullmatch(value):
        return value
    name = clean_name(value)
    if not name:
        raise ValidationError(field, tr("{label}不能为空").format(label=tr(label)))
    if len(name) > _NAME_LIMIT:
        raise ValidationError(field, tr("{label}过长：最多{limit}个字，现在有{n}个字，请检查是否多填了内容").format(
            label=tr(label), limit=_NAME_LIMIT, n=len(name)))
    if any(ch.isdigit() for ch in name):
        raise ValidationError(field, tr("{label}中不应有数字，请检查是否填错了列").format(label=tr(label)))
    return name


def require_names(values: Sequence[object]) -> list[str | ValidationError]:
    """require_name() of each value, the error in place of raising it: a roster's whole column.
    The plain names (Chinese characters only, not too long) are found by C iterators; only the
    others are looked at one by one."""
    out: list = list(values)
    if {str}.issuperset(map(type, out)):
        plain = list(map(PLAIN_CHINESE.fullmatch, out))
        if None not in plain and max(map(len, out), default=0) <= _NAME_LIMIT:
            return out
        odd = [k for k, (value, fine) in enumerate(zip(out, plain)) if fine is None or len(value) > _NAME_LIMIT]
    else:
        odd = range(len(out))
    for k in odd:
        try:
            out[k] = require_name(out[k])
        except ValidationError as exc:
            out[k] = exc
    return out


_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(0[0-9]{2,3})([0-9]{7,8})")


def normalize_phone(value: object | None, field: str = "phone") -> str:
    """Mobile as 11 digits; landline as 0AAA-NNNNNNNN (extension after '-'); empty stays empty.

    Raises ValidationError with a Chinese message when the value is not a phone number.
    """
    text = clean_text(value)
    if not text:
        return ""
    raw = text
    ext = ""
    m = re.search(r"(?:转|ext\.?|x|分机)\s*([0-9]{1,6})$", text, flags=re.IGNORECASE)
    if m:
        ext = m.group(1)
        text = text[: m.start()]
    digits = re.sub(r"[\s\-()（）.]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not (digits.isascii() and digits.isdigit()):  # other scripts' digits are digits to Python
        raise ValidationError(field, tr("电话“{raw}”含有数字以外的字符，请只填号码").format(raw=raw))
    if _MOBILE.fullmatch(digits):
        return digits
    landline = _LANDLINE.fullmatch(digits)
    if landline:
        area, number = landline.groups()
        # Three-digit area codes belong to the big cities (010, 02x); the rest use four.
        if len(area) == 4 and (area.startswith("010") or area.startswith("02")):
            area, number = area[:3], area[3:] + number
        if len(number) not in (7, 8):
            raise ValidationError(field, tr("电话“{raw}”位数不对：固定电话应为区号加7或8位号码").format(raw=raw))
        result = f"{area}-{number}"
        return f"{result}-{ext}" if ext else result
    if digits.startswith("1"):
        raise ValidationError(field, tr("手机号“{raw}”应为以1开头的11位数字，现在是{n}位").format(raw=raw, n=len(digits)))
    if len(digits) in (7, 8):
        raise ValidationError(field, tr("固定电话“{raw}”缺少区号，请写成“0571-88888888”的样子").format(raw=raw))
    raise ValidationError(field, tr("“{raw}”不是有效的电话号码：手机11位，固定电话需带区号").format(raw=raw))
