"""The monthly summary across a street's (or a district's) communities, computed on PostgreSQL from
the consolidated store: one row per community with the same figures as that office's own monthly
summary (gridoffice/reports/monthly.py, whole office), their total and the month before's.

The definitions are reports/monthly.py's, written again over the rows as they travelled (references
by gid): the tables a month adds up by the million (units, households, persons, their tags,
contacts, visits, diary entries) through their typed facts (consolidation/facts.py, exactly
`data->>field`), the small ones (matters, categories) through `data`. An office's figures are the
sum over its active grids of per-grid figures (a visit touching two grids counts in each, as the
office's total counts it); households and persons are those active now,
special groups counted on the month's last day; coverage judges each household by its office's own
visit rules (carried in the package's manifest, kept in `offices.visit_rules`) as of that day. Text
dates compare as SQLite compares them (byte order: COLLATE "C"). Matter categories are each office's
own, gathered by name across communities. Each figure is one grouped query over the whole store, so a
district's month costs a few scans, not a query per community.
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
from gridoffice.activity.visits import DEFAULT_RULES

C = 'COLLATE "C"'
# The grid of each org unit (a unit's own grid, or itself), and the active grids whose rows add up.
_UNITS = "SELECT office, gid, coalesce(grid_gid, gid) AS grid FROM facts_org_units"
_GRIDS = "SELECT office, gid AS grid FROM facts_org_units WHERE level = 'grid' AND status = 'active'"


def _per_office(conn: psycopg.Connection, width: int, sql: str, params) -> dict[str, tuple]:
    """Runs a query grouped by (office, grid) naming `width` figures c0, c1, ..., keeps the active
    grids and adds them up per office."""
    rows = conn.execute(f"""
        WITH per_grid AS ({sql})
        SELECT g.office::text, {', '.join(f'sum(x.c{i})::bigint' for i in range(width))}
        FROM per_grid x JOIN ({_GRIDS}) g ON g.office = x.office AND g.grid = x.grid
        GROUP BY g.office""", params).fetchall()
    return {r[0]: tuple(v or 0 for v in r[1:]) for r in rows}


def _population(conn: psycopg.Connection, day: dt.date) -> dict[str, tuple]:
    """Per office: active households in active grids, their active persons, then the age groups and
    the tags in registers.groups() order."""
    exprs, params = [], []
    for g in ages.AGE_GROUPS:
        cond, bounds = ages.birth_conditions("p.birth_date", g.min_age, g.max_age, day, known=True, marker=f"%s {C}")
        exprs.append(" AND ".join(cond))
        params += bounds
    n = len(exprs)
    households = _per_office(conn, 1, f"""
        SELECT h.office, u.grid, count(*) AS c0 FROM facts_households h
        JOIN ({_UNITS}) u ON u.office = h.office AND u.gid = h.org_gid
        WHERE h.status = 'active' GROUP BY 1, 2""", [])
    persons = _per_office(conn, n + 1, f"""
        SELECT h.office, u.grid, count(*) AS c0, {', '.join(f'count(*) FILTER (WHERE {e}) AS c{i + 1}'
                                                          for i, e in enumerate(exprs))}
        FROM facts_persons p
        JOIN facts_households h ON h.office = p.office AND h.gid = p.household_gid
        JOIN ({_UNITS}) u ON u.office = h.office AND u.gid = h.org_gid
        WHERE p.status = 'active' AND h.status = 'active' GROUP BY 1, 2""", params)
    tags = list(vocab.TAGS)
    # Each person once per tag (a person may hold a tag twice), then counted per tag: one grouping
    # instead of a sort per tag.
    tagged = _per_office(conn, len(tags), f"""
        SELECT office, grid, {', '.join(f"count(*) FILTER (WHERE tag = %s) AS c{i}" for i in range(len(tags)))}
        FROM (SELECT DISTINCT h.office, u.grid, t.tag, t.person_gid
              FROM facts_person_tags t
              JOIN facts_persons p ON p.office = t.office AND p.gid = t.person_gid
              JOIN facts_households h ON h.office = p.office AND h.gid = p.household_gid
              JOIN ({_UNITS}) u ON u.office = h.office AND u.gid = h.org_gid
              WHERE p.status = 'active' AND h.status = 'active'
                AND (t.until IS NULL OR t.until = '' OR t.until > %s {C})) t
        GROUP BY 1, 2""", [*tags, day.isoformat()])
    out = {}
    for office, (count,) in households.items():
        people = persons.get(office, (0,) * (n + 1))
        out[office] = (count, people[0], tuple(people[1:]) + tagged.get(office, (0,) * len(tags)))
    return out


def _coverage(conn: psycopg.Connection, days: tuple[dt.date, ...]) -> list[dict[str, tuple]]:
    """Per day, per office: the households judged by visit rules and those covered as of that day
    (visits.schedule_sql): the base date is the last visit up to the day, else the oldest open
    contact's start, else the household's creation, else the day, and a household is covered when
    the day is at most its class's rule of days after the base. Every day from one pass over the
    visits; the rule is turned into the earliest base that passes (per office, class and day), so a
    household costs a comparison of texts (dates as YYYY-MM-DD compare as they follow each other)."""
    texts = [d.isoformat() for d in days]
    earliest = ", ".join(
        f"to_char(%s::date - coalesce((visit_rules->>'{c}')::int, %s), 'YYYY-MM-DD') AS e{i}_{c}"
        for i in range(len(days)) for c in (1, 2, 3))
    params: list = [v for day in texts for c in (1, 2, 3) for v in (day, DEFAULT_RULES[c])]
    params += [*texts, max(texts), *texts]
    found = _per_office(conn, 1 + len(days), f"""
        WITH earliest AS MATERIALIZED (SELECT uuid AS office, {earliest} FROM offices),
        last_visit AS (
            SELECT office, household_gid AS household,
                   {', '.join(f'max(visited_on) FILTER (WHERE visited_on <= %s {C}) AS d{i}' for i in range(len(days)))}
            FROM facts_visit_households
            WHERE voided = '0' AND visited_on <= %s {C} GROUP BY 1, 2),
        contact AS (
            SELECT office, household_gid AS household, min(since {C}) AS day
            FROM facts_contacts WHERE until IS NULL GROUP BY 1, 2),
        s AS (
            SELECT h.office, u.grid, h.contact_class AS class,
                   {', '.join(f'coalesce(lv.d{i}, c.day, substr(h.created_at, 1, 10), %s) AS b{i}'
                              for i in range(len(days)))}
            FROM facts_households h
            JOIN ({_UNITS}) u ON u.office = h.office AND u.gid = h.org_gid
            LEFT JOIN last_visit lv ON lv.office = h.office AND lv.household = h.gid
            LEFT JOIN contact c ON c.office = h.office AND c.household = h.gid
            WHERE h.status = 'active')
        SELECT s.office, s.grid, count(*) AS c0,
               {', '.join(f"count(*) FILTER (WHERE s.b{i} >= CASE s.class WHEN '1' THEN e.e{i}_1 WHEN '2' "
                          f"THEN e.e{i}_2 ELSE e.e{i}_3 END {C} AND s.b{i} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$') "
                          f"AS c{i + 1}" for i in range(len(days)))}
        FROM s JOIN earliest e ON e.office = s.office GROUP BY 1, 2""", params)
    return [{office: (r[0], r[1 + i]) for office, r in found.items()} for i in range(len(days))]


def _activity(conn: psycopg.Connection, p: monthly.Period, categories: list[str],
              coverage: dict[str, tuple]) -> dict[str, dict]:
    """Per office: the activity fields of stats.Figures for the month; `coverage` its _coverage."""
    end = p.end + " 00:00:00"
    out: dict[str, dict] = {}

    def put(found: dict[str, tuple], names: tuple[str, ...]) -> None:
        for office, values in found.items():
            out.setdefault(office, {}).update(zip(names, values))

    put(_per_office(conn, 2, f"""
        SELECT h.office, u.grid, count(DISTINCT vh.visit_gid) AS c0, count(DISTINCT vh.household_gid) AS c1
        FROM facts_visit_households vh
        JOIN facts_visits v ON v.office = vh.office AND v.gid = vh.visit_gid
        JOIN facts_households h ON h.office = vh.office AND h.gid = vh.household_gid
        JOIN ({_UNITS}) u ON u.office = h.office AND u.gid = h.org_gid
        WHERE vh.voided = '0' AND v.status = 'active'
          AND vh.visited_on >= %s {C} AND vh.visited_on < %s {C}
        GROUP BY 1, 2""", [p.start, p.end]), ("visits", "households_visited"))
    put(coverage, ("rule_households", "covered"))
    put(_per_office(conn, 2, f"""
        SELECT h.office, u.grid, count(DISTINCT e.gid) AS c0, count(DISTINCT k.gid) AS c1
        FROM facts_log_entries e
        JOIN facts_log_households lh ON lh.office = e.office AND lh.entry_gid = e.gid
        JOIN facts_households h ON h.office = lh.office AND h.gid = lh.household_gid
        JOIN ({_UNITS}) u ON u.office = h.office AND u.gid = h.org_gid
        LEFT JOIN facts_log_comments k ON k.office = e.office AND k.entry_gid = e.gid
        WHERE e.status = 'active'
          AND e.entry_date >= %s {C} AND e.entry_date < %s {C}
        GROUP BY 1, 2""", [p.start, p.end]), ("log_entries", "comments"))
    # Matters (stats.matter_sql): the month's intake per the matter's grid.
    closed = f"m.data->>'closed_at' IS NOT NULL AND m.data->>'closed_at' < %(end)s {C}"
    due = (f"CASE WHEN m.data->>'responded_at' IS NULL OR m.data->>'responded_at' >= %(end)s {C} "
           "THEN m.data->>'respond_due' ELSE m.data->>'resolve_due' END")
    sources = list(SOURCES)
    by_category = ", ".join(f"count(*) FILTER (WHERE c.data->>'name' = %(cat{i})s) AS c{6 + i}"
                            for i in range(len(categories)))
    by_source = ", ".join(f"count(*) FILTER (WHERE m.data->>'source' = %(src{i})s) AS c{6 + len(categories) + i}"
                          for i in range(len(sources)))
    matter_sql = f"""
        SELECT m.office, (m.data->>'grid_gid')::uuid AS grid, count(*) AS c0,
               count(*) FILTER (WHERE {closed}) AS c1,
               count(*) FILTER (WHERE {closed} AND m.data->>'closed_at' <= m.data->>'resolve_due' {C}) AS c2,
               count(*) FILTER (WHERE (m.data->>'closed_at' IS NULL OR m.data->>'closed_at' >= %(end)s {C})
                                AND ({due}) < %(end)s {C}) AS c3,
               count(*) FILTER (WHERE m.data->>'satisfaction' IN ('satisfied', 'basic', 'unsatisfied')) AS c4,
               count(*) FILTER (WHERE m.data->>'satisfaction' IN ('satisfied', 'basic')) AS c5
               {', ' + by_category if by_category else ''}{', ' + by_source if by_source else ''}
        FROM records_matters m
        LEFT JOIN records_matter_categories c ON c.office = m.office AND c.tbl = 'matter_categories' AND c.gid = (m.data->>'category_gid')::uuid
        WHERE m.data->>'received_at' >= %(start)s {C} AND m.data->>'received_at' < %(end)s {C}
        GROUP BY 1, 2"""
    params = {"start": p.start, "end": end, **{f"cat{i}": c for i, c in enumerate(categories)},
              **{f"src{i}": s for i, s in enumerate(sources)}}
    for office, r in _per_office(conn, 6 + len(categories) + len(sources), matter_sql, params).items():
        out.setdefault(office, {}).update(
            received=r[0], closed=r[1], closed_on_time=r[2], overdue=r[3], evaluated=r[4], satisfied=r[5],
            by_category=tuple(r[6:6 + len(categories)]), by_source=tuple(r[6 + len(categories):]))
    return out


def monthly_summary(conn: psycopg.Connection, month_text: str, *, name: str | None = None,
                    scope: Scope | None = None) -> monthly.Summary:
    """The summary of `month_text` ('2026-10') with one row per enrolled community (in the order of
    their division codes), its total and the month before's; `name` heads it (default 街道汇总).
    `scope` keeps the special groups it may see (as stats.visible_groups does); None: all of them."""
    p = monthly.month(month_text)
    prev = monthly.previous(p)
    with conn.transaction():
        # Every query adds up whole tables: hash joins. PostgreSQL cannot estimate joins on gids
        # read out of jsonb and, left to choose, loops over an index for each of millions of rows.
        conn.execute("SET LOCAL enable_nestloop = off")
        conn.execute("SET LOCAL work_mem = '64MB'")
        return _summary(conn, p, prev, name, scope)


def _summary(conn: psycopg.Connection, p: monthly.Period, prev: monthly.Period, name: str | None,
             scope: Scope | None) -> monthly.Summary:
    offices = conn.execute("SELECT uuid::text, name FROM offices ORDER BY division_code, name").fetchall()
    # Each office's categories in its own order; the store's, by name, in the order they first appear.
    categories: list[str] = []
    for (category,) in conn.execute(
            "SELECT data->>'name' FROM records_matter_categories c JOIN offices o ON o.uuid = c.office "
            "ORDER BY o.division_code, o.name, (c.data->>'sort')::int, c.data->>'created_at', c.gid"):
        if category not in categories:
            categories.append(category)
    # The built-in registers: an office's own ones are its own codes, which no two offices share.
    every = registers.groups()
    shown = None if scope is None else [i for i, g in enumerate(every) if g.kind != "tag" or scope.sees_tag(g.code)]
    groups = tuple(every) if shown is None else tuple(every[i] for i in shown)
    sources = tuple((code, tr(label)) for code, label in SOURCES.items())
    population = _population(conn, p.last_day)
    now, then = _coverage(conn, (p.last_day, prev.last_day))
    activity = _activity(conn, p, categories, now)
    before = _activity(conn, prev, categories, then)
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
