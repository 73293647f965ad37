"""The masking rule: what every default output and screen shows of a resident's numbers.

One rule, here, for the roster, the public notice, cards, dossiers, archives, the window's tables
and detail views and the commands' output. It follows the de-identification of GB/T 35273-2020
(3.15; its display limit, 7.2: what a screen or paper shows is de-identified) read with
GB/T 37964-2019 (the risk is judged against the other data a reader holds: here, the columns
beside the number). Common practice shows 3–4 leading and 3–4 trailing characters of an ID; that
habit assumes the birth date is not printed next to it. A roster prints it, and the county code is
the office's own, so the usual 110***********1234 gave 95 % of the numbers back.

- ID number: the first 3 characters (province and the start of the prefecture) and the check
  character: 110**************X. Hidden: the county (digits 4–6), the birth date (7–14) and the
  sequence (15–17). Even a reader who knows the full birth date from elsewhere, the county, and
  the sex (the parity of digit 17) is left with 500 sequences, of which the check character keeps
  about 45.
- Birth date, wherever an ID number is masked: year and month only (1980年5月). With the county
  guessed and the sex known, about 30 days x 500 sequences / 11 = 1,300 numbers fit.
- Phone: a mobile keeps its first 3 and last 4 digits (138****8000, the operators' own practice);
  every other number hides at least 4 digits, and a landline keeps its area code (0571-****8888)
  but never its extension. Nothing else a default output shows carries a phone's digits.
- Free text (notes, a matter's content, a visit's findings) goes through mask_text(): an ID
  number or mobile typed into it, in one run or in groups, is shown masked by the same rule.

The full value is returned only by reveal(), which needs a reason and leaves an audit entry
naming who, what, why; a roster with full numbers asks for a reason likewise.
"""

from __future__ import annotations

import re

from sqlite_utils import Database

from gridoffice.audit import trail
from gridoffice.errors import NotFound, ValidationError
from gridoffice.i18n import tr
from gridoffice.idcard import check_char
from gridoffice.normalize import clean_text
from gridoffice.access.scope import Scope
from gridoffice.changes import Changes, writes

__all__ = ["mask_id", "mask_phone", "mask_birth", "mask_name", "mask_field", "mask_text", "mask_record", "reveal", "find_unmasked",
           "REVEALABLE", "BIRTH_HEADER"]

# The fields that are masked wherever they are shown, by table.
REVEALABLE = frozenset({("persons", "id_number"), ("persons", "phone"), ("households", "phone"), ("staff", "phone")})
FIELD_LABELS = {"id_number": "身份证号", "phone": "电话"}
# The column heading of a birth date shown masked.
BIRTH_HEADER = "出生年月"

ID_HEAD, ID_TAIL = 3, 1
PHONE_HIDDEN = 4  # at least this many digits of any phone stay hidden


def mask_id(number: str | None) -> str:
    """110**************X: the province, the start of the prefecture and the check character."""
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:ID_HEAD] + "*" * (len(number) - ID_HEAD - ID_TAIL) + number[-ID_TAIL:]


def _mask_digits(digits: str, head: int, tail: int) -> str:
    """Keep at most `head` leading and `tail` trailing characters, hiding PHONE_HIDDEN at least."""
    keep = max(0, len(digits) - PHONE_HIDDEN)
    tail = min(tail, keep)
    head = min(head, keep - tail)
    return digits[:head] + "*" * (len(digits) - head - tail) + (digits[-tail:] if tail else "")


def mask_phone(phone: str | None) -> str:
    """138****8000; a landline keeps its area code and its last four digits: 0571-****8888."""
    if not phone:
        return ""
    parts = phone.split("-")
    # Stored landlines are normalised to 0AAA-NNNNNNN[-EXT]; an extension is not shown.
    if phone.startswith("0") and len(parts) >= 2 and parts[1]:
        return f"{parts[0]}-{_mask_digits(parts[1], 0, 4)}"
    return _mask_digits(phone, 3, 4)


def mask_birth(value) -> str:
    """1980年5月: a birth date (date or ISO text) as it is shown beside a masked ID number."""
    if not value:
        return ""
    text = str(value)
    if len(text) < 7 or not text[:4].isdigit() or not text[5:7].isdigit():
        return ""
    return tr("{y}年{m}月").format(y=text[:4], m=int(text[5:7]))


def mask_name(name: str | None) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧阳**: a notice on the wall never names a resident."""
    name = (name or "").strip()
    if not name:
        return ""
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)


def mask_field(field: str, value: str | None) -> str:
    if not value:
        return ""
    if field == "birth_date":
        return mask_birth(value)
    return mask_id(value) if field == "id_number" else mask_phone(value)


# In free text: an ID number (18 or old 15 characters, with a plausible birth date, so household and
# matter numbers stay), a mobile, also written in groups, or a landline with its area code.
_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID_IN_TEXT = re.compile(rf"(?<![0-9A-Za-z])[1-9][0-9]{{5}}(?:(?:18|19|20)[0-9]{{2}}{_DAY}[0-9]{{3}}[0-9Xx]|[0-9]{{2}}{_DAY}[0-9]{{3}})"
                         r"(?![0-9A-Za-z])")
# Digits typed in groups ("330122 19431128 7052", "3301-2219-…"): masked when the groups joined are an ID number.
_GROUPED_DIGITS = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:[ \-][0-9]+)+[Xx]?(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9](?:[ \-]?[0-9]{4}){2}(?![0-9])")
_LANDLINE_IN_TEXT = re.compile(r"(?<![0-9])(0[1-9][0-9]{1,2})[ \-]([2-9][0-9]{6,7})(?![0-9])")


def _grouped_id(m: re.Match) -> str:
    joined = re.sub(r"[ \-]", "", m.group(0))
    return mask_id(joined) if _ID_IN_TEXT.fullmatch(joined) else m.group(0)


def mask_text(text: str | None) -> str:
    """Free text with every ID number, mobile and landline in it masked by the rule above."""
    if not text:
        return text or ""
    text = _GROUPED_DIGITS.sub(_grouped_id, text)
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(re.sub(r"[ \-]", "", m.group(0))), text)
    return _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(f"{m.group(1)}-{m.group(2)}"), text)


def mask_record(values):
    """A record's values as the audit views show them: numbers and birth dates masked by field
    name, any other text through mask_text()."""
    if isinstance(values, dict):
        out = {}
        for key, value in values.items():
            if isinstance(value, str) and value and (key == "id_number" or key.endswith("phone") or key == "birth_date"):
                out[key] = mask_field("phone" if key.endswith("phone") else key, value)
            else:
                out[key] = mask_record(value)
        return out
    if isinstance(values, list):
        return [mask_record(v) for v in values]
    return mask_text(values) if isinstance(values, str) else values


@writes(Changes.NONE)
def reveal(db: Database, table: str, row_id: int, field: str, reason: str, *, scope: Scope) -> str:
    """The clear value of one masked field; the reason and the reader go into the audit trail.

    The user's role must allow revealing and the row must lie in the user's scope.
    """
    if (table, field) not in REVEALABLE:
        raise ValidationError("field", tr("“{field}”不是需要脱敏显示的字段").format(field=field))
    reason = clean_text(reason)
    if len(reason) < 2:
        raise ValidationError("reason", tr("查看完整{what}前，请填写原因（例如“办理低保申请核对身份”）").format(
            what=tr(FIELD_LABELS[field])))
    scope.require("reveal")
    scope.require_org(_org_of(db, table, row_id))
    row = db.execute(f"SELECT [{field}] FROM [{table}] WHERE id = ?", [row_id]).fetchone()
    if row is None:
        raise NotFound(tr("找不到编号为{id}的记录").format(id=row_id))
    with db.atomic():
        trail.record(db, "reveal", table, row_id, new={"field": field, "reason": reason})
    return row[0] or ""


def _org_of(db: Database, table: str, row_id: int) -> int | None:
    if table == "persons":
        sql = "SELECT h.org_id FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id = ?"
    else:
        sql = f"SELECT org_id FROM [{table}] WHERE id = ?"
    row = db.execute(sql, [row_id]).fetchone()
    return row[0] if row else None


_ID_RE = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def find_unmasked(text: str) -> list[str]:
    """Full ID numbers (with a valid check character) and mobile numbers found in text.

    Export tests scan every cell and every PDF page with this; an empty list means all masked.
    """
    found = [m.group(0) for m in _ID_RE.finditer(text) if check_char(m.group(0)[:17]) == m.group(0)[17].upper()]
    found += _MOBILE_RE.findall(text)
    return found
