"""Row writes that leave their audit trace: the one way the domain modules change a row.

Each helper runs inside the caller's transaction; the caller opens it with `db.atomic()`.
"""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from gridoffice.audit import trail
from gridoffice.store.db import now
from gridoffice.access.scope import writable
from gridoffice.errors import NotFound, RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_text

# Tables whose rows carry created_at/updated_at (see schema.m001_initial).
_STAMPED = {"org_units", "households", "persons", "staff", "teams", "office_tags"}


def row(db: Database, table: str, row_id: int) -> dict | None:
    cur = db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])
    values = cur.fetchone()
    if values is None:
        return None
    return dict(zip([c[0] for c in cur.description], values))


def require(db: Database, table: str, row_id: int | None, what: str) -> dict:
    """The row, or NotFound naming what was looked for (e.g. '户', '人员')."""
    found = row(db, table, row_id) if row_id is not None else None
    if found is None:
        raise NotFound(tr("找不到编号为{id}的{what}").format(id=row_id, what=tr(what)))
    return found


def require_writable(db: Database, table: str, row_id: int | None, what: str, *, unit: str, status: str,
                     refusal: str, labels: dict[str, str] | None = None) -> dict:
    """The row, when the user may change it (its `unit` column in their scope) and it is in `status`.

    Scope is checked first: whether a row outside the user's scope is still open is not theirs to
    learn. Otherwise RuleViolation with `refusal` (already translated), formatted with the row's
    columns, its status in words when `labels` names them.
    """
    found = require(db, table, row_id, what)
    writable(db, found[unit])
    if found["status"] != status:
        state = tr(labels[found["status"]]) if labels else found["status"]
        raise RuleViolation(refusal.format_map({**found, "status": state}))
    return found


def insert(db: Database, table: str, values: dict, action: str) -> int:
    values = dict(values)
    if table in _STAMPED:
        values.setdefault("created_at", now())
        values.setdefault("updated_at", values["created_at"])
    cols = ", ".join(f"[{k}]" for k in values)
    marks = ", ".join("?" for _ in values)
    new_id = db.execute(f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", list(values.values())).lastrowid
    trail.record(db, action, table, new_id, old=None, new=values)
    return new_id


def update(db: Database, table: str, row_id: int, changes: dict, action: str, *, old: dict | None = None) -> bool:
    """Write only the columns that differ; returns False (and writes nothing) when none does."""
    old = old if old is not None else row(db, table, row_id)
    changed = {k: v for k, v in changes.items() if old.get(k) != v}
    if not changed:
        return False
    if table in _STAMPED:
        changed["updated_at"] = now()
    sets = ", ".join(f"[{k}] = ?" for k in changed)
    db.execute(f"UPDATE [{table}] SET {sets} WHERE id = ?", [*changed.values(), row_id])
    trail.record(db, action, table, row_id, old={k: old.get(k) for k in changed}, new=changed)
    return True


def parse_day(value: object | None, field: str, label: str, *, today: dt.date | None = None,
              required: bool = False) -> str | None:
    """A date typed as 2024-03-05, 2024/3/5, 2024.3.5 or 20240305, as ISO text; never in the future."""
    if value is None or value == "":
        if required:
            raise ValidationError(field, tr("{label}不能为空").format(label=tr(label)))
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = clean_text(value)
        day = None
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
            try:
                day = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if day is None:
            raise ValidationError(
                field, tr("{label}“{text}”不是有效日期，请写成“2024-03-05”的样子").format(label=tr(label), text=text)
            )
    if day > (today or dt.date.today()):
        raise ValidationError(field, tr("{label}{day}晚于今天，请核对").format(label=tr(label), day=day.isoformat()))
    if day.year < 1890:
        raise ValidationError(field, tr("{label}的年份{y}不可能，请核对").format(label=tr(label), y=day.year))
    return day.isoformat()
