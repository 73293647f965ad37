"""Masked ID numbers and phones, and the deliberate, logged act of revealing one.

Screens, exports and printouts show `110***********1234` and `138****8000`; the full value is
returned only by reveal(), which needs a reason and leaves an audit entry naming who, what, why.
"""

from __future__ import annotations

import re

from sqlite_utils import Database

from . import audit, users
from .errors import NotFound, ValidationError
from .i18n import tr
from .idcard import check_char, mask_id
from .normalize import clean_text

__all__ = ["mask_id", "mask_phone", "mask_field", "reveal", "find_unmasked", "REVEALABLE"]

# The fields that are masked wherever they are shown, by table.
REVEALABLE = frozenset({("persons", "id_number"), ("persons", "phone"), ("households", "phone"), ("staff", "phone")})
FIELD_LABELS = {"id_number": "身份证号", "phone": "电话"}


def mask_phone(phone: str | None) -> str:
    """138****8000; a landline keeps its area code and last four digits: 0571-****8888."""
    if not phone:
        return ""
    parts = phone.split("-")
    # Stored landlines are normalised to 0AAA-NNNNNNN[-EXT]; an extension is not shown.
    if phone.startswith("0") and len(parts) >= 2 and len(parts[1]) > 4:
        return f"{parts[0]}-{'*' * (len(parts[1]) - 4)}{parts[1][-4:]}"
    if len(phone) > 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


def mask_field(field: str, value: str | None) -> str:
    if not value:
        return ""
    return mask_id(value) if field == "id_number" else mask_phone(value)


def reveal(db: Database, table: str, row_id: int, field: str, reason: str, *, user=None) -> str:
    """The clear value of one masked field; the reason and the reader go into the audit trail.

    `user` (a users.User) is checked when given: the role must allow revealing and the row
    must lie in the user's part of the org tree.
    """
    if (table, field) not in REVEALABLE:
        raise ValidationError("field", tr("“{field}”不是需要脱敏显示的字段").format(field=field))
    reason = clean_text(reason)
    if len(reason) < 2:
        raise ValidationError("reason", tr("查看完整{what}前，请填写原因（例如“办理低保申请核对身份”）").format(
            what=tr(FIELD_LABELS[field])))
    if user is not None:
        users.require(user, "reveal")
        users.require_org(db, user, _org_of(db, table, row_id))
    row = db.execute(f"SELECT [{field}] FROM [{table}] WHERE id = ?", [row_id]).fetchone()
    if row is None:
        raise NotFound(tr("找不到编号为{id}的记录").format(id=row_id))
    with db.atomic():
        audit.record(db, "reveal", table, row_id, new={"field": field, "reason": reason})
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
