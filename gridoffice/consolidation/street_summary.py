"""The monthly summary across a street's (or a district's) communities, read from the store: one row
per community with the same figures as that office's own monthly summary (gridoffice/reports/monthly.py,
whole office), their total and the month before's.

Each office's counts are kept as they stand in the summary tables (summary_tables.py), recomputed for
that office in the transaction that applies its package; what depends on the month asked is kept so
that any month reads exactly: persons per birth date (the age bands on the month's last day), tags per
last open day, the covered households as a running sum over days, the activity per month. A district's
month is then a sum over a few hundred small rows per office. Matter categories are each office's own,
gathered by name across communities.
"""

from __future__ import annotations

import datetime as dt

import psycopg

from gridoffice import ages, vocab
from gridoffice.archive import registers
from gridoffice.reports import monthly
from gridoffice.i18n import tr
from gridoffice.matters.rules import SOURCES
from gridoffice.access.scope import Scope
from gridoffice.consolidation.summary_tables import ACTIVITY

C = 'COLLATE "C"'


def _population(conn: psycopg.Connection, day: dt.date) -> dict[str, tuple]:
    """Per office: active households in active grids, their active persons, then the age groups and
    the tags in registers.groups() order, on `day`."""
    exprs, params = [], []
    for g in ages.AGE_GROUPS:
        cond, bounds = ages.birth_conditions("birth_date", g.min_age, g.max_age, day, known=True, marker=f"%s {C}")
        exprs.append(" AND ".join(cond))
        params += bounds
    persons = {r[0]: r[1:] for r in conn.execute(
        f"SELECT office::text, sum(persons), {', '.join(f'coalesce(sum(persons) FILTER (WHERE {e}), 0)' for e in exprs)} "
        "FROM summary_births GROUP BY 1", params)}
    tags = list(vocab.TAGS)
    tagged = {r[0]: r[1:] for r in conn.execute(
        f"SELECT office::text, {', '.join('coalesce(sum(persons) FILTER (WHERE tag = %s), 0)' for _ in tags)} "
        f"FROM summary_tags WHERE until IS NULL OR until > %s {C} GROUP BY 1", [*tags, day.isoformat()])}
    out = {}
    for office, households in conn.execute("SELECT office::text, households FROM summary_offices"):
        people = persons.get(office, (0,) * (len(exprs) + 1))
        out[office] = (households, int(people[0]), tuple(int(n) for n in people[1:])
                       + tuple(int(n) for n in tagged.get(office, (0,) * len(tags))))
    return out


def _covered(conn: psycopg.Connection, days: tuple[dt.date, ...]) -> list[dict[str, int]]:
    """Per day, per office: the households covered by the visit rules on that day (the running sum)."""
    rows = conn.execute(
        f"SELECT office::text, {', '.join('sum(households) FILTER (WHERE day IS NULL OR day <= %s)' for _ in days)} "
        "FROM summary_coverage GROUP BY 1", list(days)).fetchall()
    return [{r[0]: int(r[1 + i] or 0) for r in rows} for i in range(len(days))]


def _activity(conn: psycopg.Connection, p: monthly.Period, categories: list[str],
              covered: dict[str, int], households: dict[str, int]) -> dict[str, dict]:
    """Per office: the activity fields of monthly.Figures for the month."""
    month = p.start[:7]
    out: dict[str, dict] = {office: {"rule_households": n, "covered": covered.get(office, 0)}
                            for office, n in households.items()}
    for office, *values in conn.execute(
            f"SELECT office::text, {', '.join(ACTIVITY)} FROM summary_months WHERE month = %s", [month]):
        out.setdefault(office, {}).update(zip(ACTIVITY, values))
    at_category = {category: i for i, category in enumerate(categories)}
    at_source = {source: i for i, source in enumerate(SOURCES)}
    kinds: dict[str, tuple[list[int], list[int]]] = {}
    for office, category, source, n in conn.execute(
            "SELECT office::text, category, source, sum(matters) FROM summary_matter_kinds WHERE month = %s "
            "GROUP BY 1, 2, 3", [month]):
        by_category, by_source = kinds.setdefault(office, ([0] * len(categories), [0] * len(at_source)))
        if category in at_category:
            by_category[at_category[category]] += int(n)
        if source in at_source:
            by_source[at_source[source]] += int(n)
    for office, (by_category, by_source) in kinds.items():
        out.setdefault(office, {}).update(by_category=tuple(by_category), by_source=tuple(by_source))
    return out


def monthly_summary(conn: psycopg.Connection, month_text: str, *, name: str | None = None,
                    scope: Scope | None = None) -> monthly.Summary:
    """The summary of `month_text` ('2026-10') with one row per enrolled community (in the order of
    their division codes), its total and the month before's; `name` heads it (default 街道汇总).
    `scope` keeps the special groups it may see (as stats.visible_groups does); None: all of them."""
    p = monthly.month(month_text)
    prev = monthly.previous(p)
    with conn.transaction():
        return _summary(conn, p, prev, name, scope)


def _summary(conn: psycopg.Connection, p: monthly.Period, prev: monthly.Period, name: str | None,
             scope: Scope | None) -> monthly.Summary:
    offices = conn.execute("SELECT uuid::text, name FROM offices ORDER BY division_code, name").fetchall()
    # Each office's categories in its own order; the store's, by name, in the order they first appear.
    # An order that is not a whole number (a hostile office's) sorts last rather than failing the cast
    # for every community.
    categories = list(dict.fromkeys(category for (category,) in conn.execute(
        "SELECT data->>'name' FROM records_matter_categories c JOIN offices o ON o.uuid = c.office "
        "ORDER BY o.division_code, o.name, CASE WHEN c.data->>'sort' ~ '^-?[0-9]{1,9}$' "
        "THEN (c.data->>'sort')::int END, c.data->>'created_at', c.gid")))
    # The built-in registers: an office's own ones are its own codes, which no two offices share.
    every = registers.groups()
    shown = None if scope is None else [i for i, g in enumerate(every) if g.kind != "tag" or scope.sees_tag(g.code)]
    groups = tuple(every) if shown is None else tuple(every[i] for i in shown)
    sources = tuple((code, tr(label)) for code, label in SOURCES.items())
    population = _population(conn, p.last_day)
    households = {office: figures[0] for office, figures in population.items()}
    now, then = _covered(conn, (p.last_day, prev.last_day))
    activity = _activity(conn, p, categories, now, households)
    before = _activity(conn, prev, categories, then, households)
    empty = {"by_category": (0,) * len(categories), "by_source": (0,) * len(sources)}
    rows, previous_rows = [], []
    for uuid, office in offices:
        households, persons, counts = population.get(uuid, (0, 0, (0,) * len(every)))
        if shown is not None:
            counts = tuple(counts[i] for i in shown)
        rows.append(monthly.Figures(uuid, office, households=households, persons=persons, groups=counts,
                                  **{**empty, **activity.get(uuid, {})}))
        previous_rows.append(monthly.Figures(uuid, office, groups=(0,) * len(groups), **{**empty, **before.get(uuid, {})}))
    return monthly.Summary(name or tr("街道汇总"), p, prev, groups, tuple(enumerate(categories)), sources, tuple(rows),
                         (), monthly.add_up(rows, None, tr("合计")), monthly.add_up(previous_rows, None, tr("上月合计")))
