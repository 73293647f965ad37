"""When a matter is due: its deadlines from the time limits, "due soon", the public promise every
matter carries, and the timestamps the matters' rules write ('YYYY-MM-DD HH:MM:SS', the office's clock)."""

from __future__ import annotations

import datetime as dt

from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.matters.settings import TimeLimit
from gridoffice.normalize import clean_text
from gridoffice.store.db import now as db_now

DUE_SOON_HOURS = 4


def parse_ts(value: str | dt.datetime | None, field: str, label: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0, tzinfo=None)
    text = clean_text(value).replace("T", " ")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, tr("{label}“{v}”不是有效的时间，请写成“2026-11-05 09:30”的样子")
                              .format(label=tr(label), v=value)) from None
    return parsed.replace(microsecond=0, tzinfo=None)


def fmt_ts(value: dt.datetime) -> str:
    return value.isoformat(" ", "seconds")


def as_now(now: dt.datetime | str | None) -> dt.datetime:
    return parse_ts(now, "now", "当前时间") if now is not None else parse_ts(db_now(), "now", "当前时间")


def soon_limit(now: dt.datetime) -> dt.datetime:
    """A deadline before this moment is 'due soon': today, or within the next few hours."""
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time())
    return max(midnight, now + dt.timedelta(hours=DUE_SOON_HOURS))


def urgency_sql(now: dt.datetime) -> tuple[str, list[str]]:
    """SQL twin of timeliness() for sorting: 0 overdue, 1 due soon, 2 in time, 3 closed."""
    return ("CASE WHEN m.due_at IS NULL THEN 3 WHEN m.due_at < ? THEN 0 WHEN m.due_at < ? THEN 1 ELSE 2 END",
            [fmt_ts(now), fmt_ts(soon_limit(now))])


def standard_promise(grade: str, resolve_due: str) -> tuple[str, str]:
    """The public promise every matter carries from intake (seed 004: "对为民服务的每一事项，都要实行
    公开承诺"): the time limit, told to the resident; a handler's own promise replaces it."""
    day = resolve_due[:10]
    if grade == "on_spot":
        return tr("当场办理并答复居民"), day
    return tr("按时限于{date}前办结并答复居民").format(date=day), day


def deadlines(limit: TimeLimit, start: dt.datetime) -> tuple[str, str]:
    """(respond by, resolve by). An on-the-spot matter is "当场登记、处理并反馈" (seed 000): both fall at
    the end of the day it was taken (or reopened), whatever hours a row says."""
    if limit.grade == "on_spot":
        end = fmt_ts(dt.datetime.combine(start.date(), dt.time(23, 59, 59)))
        return end, end
    return (fmt_ts(start + dt.timedelta(hours=limit.respond_hours)),
            fmt_ts(start + dt.timedelta(hours=limit.resolve_hours)))
