"""Age groups derived from birth dates on a given day; never stored, so never stale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gridoffice.i18n import tr


@dataclass(frozen=True)
class AgeGroup:
    code: str
    label: str
    min_age: int | None  # inclusive
    max_age: int | None  # exclusive


AGE_GROUPS = (
    AgeGroup("under_3", "3岁以下婴幼儿", None, 3),
    AgeGroup("under_6", "学龄前儿童", None, 6),
    AgeGroup("under_14", "14岁以下儿童", None, 14),
    AgeGroup("minor", "未成年人", None, 18),
    AgeGroup("elderly_60", "60岁以上老人", 60, None),
    AgeGroup("elderly_80", "80岁以上高龄老人", 80, None),
)
AGE_GROUP_BY_CODE = {g.code: g for g in AGE_GROUPS}


def age_on(birth: dt.date, day: dt.date) -> int:
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def birth_bounds(min_age: int | None, max_age: int | None, day: dt.date) -> tuple[str | None, str | None]:
    """ISO bounds so that `birth_date <= hi AND birth_date > lo` selects min_age <= age < max_age.

    Lets SQL filter on the birth_date index instead of computing an age per row.
    """
    hi = _years_before(day, min_age).isoformat() if min_age is not None else None
    lo = _years_before(day, max_age).isoformat() if max_age is not None else None
    return lo, hi


def birth_conditions(column: str, min_age: int | None, max_age: int | None, day: dt.date,
                     *, known: bool = False, marker: str = "?") -> tuple[list[str], list[str]]:
    """SQL conditions on a birth-date column selecting min_age <= age < max_age on day, and their
    parameters; known=True also requires a birth date, as an open band would otherwise take NULLs.
    marker is the parameter's placeholder: SQLite's '?', or PostgreSQL's '%s' with its collation."""
    lo, hi = birth_bounds(min_age, max_age, day)
    conditions, params = [f"{column} IS NOT NULL"] if known else [], []
    if hi is not None:
        conditions.append(f"{column} <= {marker}")
        params.append(hi)
    if lo is not None:
        conditions.append(f"{column} > {marker}")
        params.append(lo)
    return conditions, params


def groups_of(birth: dt.date, day: dt.date) -> list[AgeGroup]:
    age = age_on(birth, day)
    return [
        g for g in AGE_GROUPS
        if (g.min_age is None or age >= g.min_age) and (g.max_age is None or age < g.max_age)
    ]


def label(group: AgeGroup) -> str:
    return tr(group.label)
