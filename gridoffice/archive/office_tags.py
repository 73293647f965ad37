"""The registers an office keeps beside the built-in ones, and hardship recorded per household.

vocab.TAGS holds the registers every office has. An office adds its own (the sources name 失业人员,
失土农民, 计划生育特殊家庭, 失能老人, 离退休人员, 外来务工人员…): each gets a code of its own
(`office_<n>`), is used by persons' tags like any built-in one, and may be marked sensitive, so only
the roles that see health and hardship see it. A register is retired, never deleted: its entries
stay in the archive and its name in the history.

Hardship as the sources mean it (低保户, 困难户) belongs to a household: household_tags keeps it with
its days, beside the persons' own low_income entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.audit import records
from gridoffice.errors import PermissionDenied, RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_field
from gridoffice.access.scope import Scope, acting, readable_household, writable
from gridoffice.vocab import HOUSEHOLD_TAGS, OFFICE_TAG_PREFIX, SENSITIVE_OFFICE_PREFIX, SENSITIVE_TAGS, TAGS
from gridoffice.changes import Changes, writes


@dataclass(frozen=True)
class Register:
    code: str
    label: str
    sensitive: bool
    own: bool  # the office's own, not built in
    active: bool


def registers(db: Database, *, include_retired: bool = False) -> list[Register]:
    """Every register: the built-in ones first, then the office's own in their order."""
    out = [Register(code, tr(label), code in SENSITIVE_TAGS, False, True) for code, label in TAGS.items()]
    where = "" if include_retired else "WHERE status = 'active'"
    out += [Register(code, name, bool(flag), True, status == "active") for code, name, flag, status in
            db.execute(f"SELECT code, label, sensitive, status FROM office_tags {where} ORDER BY sort, id")]
    return out


def labels(db: Database, *, active: bool = False) -> dict[str, str]:
    """Code -> the name shown; retired registers too (their entries are still shown) unless `active`."""
    return {r.code: r.label for r in registers(db, include_retired=not active)}


def sensitive(db: Database) -> frozenset[str]:
    return frozenset(r.code for r in registers(db, include_retired=True) if r.sensitive)


def label(db: Database, code: str) -> str:
    return labels(db).get(code, code)


def _office_wide(db: Database) -> None:
    """The office's registers are the whole office's: set by those who edit every unit."""
    scope = acting(db)
    if scope is not None and not (scope.whole_office and scope.edit):
        raise PermissionDenied(tr("增设或停用名册会影响全部网格，请由负责全部网格的工作人员办理"))


@writes(Changes.TAGS)
def add_register(db: Database, name: str, *, sensitive: bool = False) -> str:
    """A register of the office's own; returns its code."""
    name = clean_field(name, "register_name", "name")
    if not name:
        raise ValidationError("name", tr("名册名称不能为空"))
    with db.atomic():
        _office_wide(db)
        if name in {tr(v) for v in TAGS.values()} or name in TAGS.values() or db.execute(
                "SELECT 1 FROM office_tags WHERE label = ?", [name]).fetchone():
            raise ValidationError("name", tr("已有名为“{name}”的名册，请换一个名称").format(name=name))
        serial = db.execute("SELECT coalesce(max(id), 0) + 1 FROM office_tags").fetchone()[0]
        code = f"{SENSITIVE_OFFICE_PREFIX if sensitive else OFFICE_TAG_PREFIX}{serial}"
        records.insert(db, "office_tags", {"code": code, "label": name, "sensitive": int(bool(sensitive)),
                                           "status": "active", "sort": serial}, "add_register")
    return code


@writes(Changes.TAGS)
def retire_register(db: Database, code: str) -> None:
    """The register takes no new entries; the ones it has stay."""
    with db.atomic():
        _office_wide(db)
        row = db.execute("SELECT id, status FROM office_tags WHERE code = ?", [code]).fetchone()
        if row is None:
            raise RuleViolation(tr("只能停用本单位自己增设的名册"))
        records.update(db, "office_tags", row[0], {"status": "retired"}, "retire_register")


# ---- hardship per household ----------------------------------------------------------------

@dataclass(frozen=True)
class HouseholdTag:
    id: int
    household_id: int
    tag: str
    since: str | None
    until: str | None
    note: str


def household_tags_of(db: Database, household_id: int, *, scope: Scope,
                      include_ended: bool = False) -> list[HouseholdTag]:
    """A household's 低保户/困难户 entries, for the roles that see hardship (none for the others); a
    household outside the user's scope is refused."""
    readable_household(db, scope, household_id)
    if not scope.sees_tag("low_income"):
        return []
    where = "" if include_ended else " AND until IS NULL"
    return [HouseholdTag(*r) for r in db.execute(
        f"SELECT id, household_id, tag, since, until, coalesce(note, '') FROM household_tags WHERE household_id = ?"
        f"{where} ORDER BY since, id", [household_id])]


def all_household_tags(db: Database, scope: Scope) -> list[HouseholdTag]:
    """Every 低保户/困难户 entry of the user's scope, ended ones too, by household then since; none for
    the roles that do not see hardship."""
    if not scope.sees_tag("low_income"):
        return []
    return [HouseholdTag(*r) for r in db.execute(
        "SELECT id, household_id, tag, since, until, coalesce(note, '') FROM household_tags "
        f"WHERE {scope.households('household_id')} ORDER BY household_id, since, id")]


def _household_code(tag: str) -> str:
    from gridoffice.vocab import code_for

    code = code_for(HOUSEHOLD_TAGS, tag)
    if code is None:
        raise ValidationError("tag", tr("户的困难类别只能是：{options}").format(
            options="、".join(tr(v) for v in HOUSEHOLD_TAGS.values())))
    return code


def _household_for_write(db: Database, household_id: int) -> dict:
    household = records.require(db, "households", household_id, "户")
    # Hardship is as sensitive as a person's low_income register.
    writable(db, household["org_id"], tag="low_income", tag_label=tr(TAGS["low_income"]))
    return household


@writes(Changes.HOUSEHOLDS | Changes.TAGS)
def add_household_tag(db: Database, household_id: int, tag: str, *, since: str | None = None, note: str = "",
                      today: dt.date | None = None) -> int:
    """Record the household as 低保户 or 困难户 from `since` (default today)."""
    code = _household_code(tag)
    since = records.parse_day(since, "since", "开始日期", today=today) or (today or dt.date.today()).isoformat()
    with db.atomic():
        household = _household_for_write(db, household_id)
        if household["status"] != "active":
            raise RuleViolation(tr("户{n}已不在册，不能登记").format(n=household["number"]))
        if db.execute("SELECT 1 FROM household_tags WHERE household_id = ? AND tag = ? AND until IS NULL",
                      [household_id, code]).fetchone():
            raise RuleViolation(tr("户{n}已登记为{tag}").format(n=household["number"], tag=tr(HOUSEHOLD_TAGS[code])))
        return records.insert(db, "household_tags", {
            "household_id": household_id, "tag": code, "since": since, "until": None,
            "note": clean_field(note, "tag_note", "note")}, "add_household_tag")


@writes(Changes.HOUSEHOLDS | Changes.TAGS)
def end_household_tag(db: Database, household_id: int, tag: str, *, until: str | None = None,
                      today: dt.date | None = None) -> None:
    code = _household_code(tag)
    until = records.parse_day(until, "until", "结束日期", today=today) or (today or dt.date.today()).isoformat()
    with db.atomic():
        household = _household_for_write(db, household_id)
        found = db.execute("SELECT id, since FROM household_tags WHERE household_id = ? AND tag = ? AND until IS NULL",
                           [household_id, code]).fetchone()
        if not found:
            raise RuleViolation(tr("户{n}没有登记为{tag}").format(n=household["number"], tag=tr(HOUSEHOLD_TAGS[code])))
        if found[1] and until < found[1]:
            raise ValidationError("until", tr("结束日期{until}早于开始日期{since}").format(until=until, since=found[1]))
        records.update(db, "household_tags", found[0], {"until": until}, "end_household_tag")
