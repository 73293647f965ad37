"""Each office's monthly-summary counts, kept as they stand (store step m007), so the street's (or the
district's) summary adds up a few hundred small rows instead of scanning millions
(`street_summary.py` reads them).

What an office's summary shows depends only on that office's records and visit rules, and those change
only when one of its packages is applied: `refresh` recomputes the office's rows inside that package's
transaction, from its typed facts (`facts.py`). The definitions are reports/monthly.py's (as the
street's summary wrote them over the store before: an office's figure is the sum over its active grids
of per-grid figures, a visit touching two grids counting in each). What depends on the month asked is
kept so that any month can be read exactly:

- `summary_offices`: the active households in active grids (also the households under the visit rules)
  and the visit rules the rows were computed with.
- `summary_births`: their active persons per birth date (a text, as sent): an age band on the month's
  last day is a range of birth dates.
- `summary_tags`: per tag, persons holding it per the last day it is open (`until`; NULL when a row of
  theirs is open-ended): a tag counts on a day when that day is before it.
- `summary_coverage`: a household is covered on day D when the base date (its last visit up to D, else
  its oldest open contact's start, else its creation day, else D) is at most its class's rule of days
  before D. Over the days that makes a few intervals per household (from a visit to the next one or the
  rule's end); each interval is +1 on its first day and -1 on the day after it, added up per day
  (NULL: before any day), so the households covered on D are the sum of the rows up to D.
- `summary_months`: per month (YYYY-MM) the activity: visits and households visited, log entries and
  comments, and the matters received in it with their state at its end (closed, on time, overdue,
  evaluated, satisfied: each judged at that month's end, which is fixed by the month received).
- `summary_matter_kinds`: the month's matters per category name and source.

Dates are the program's own texts (records.parse_day: a real day as YYYY-MM-DD; a time after it for
matters): a month is the first seven characters of a date (a text before its first day, such as
'2026-10-00', belongs to the month before, as comparing the texts puts it); a visit day that is not a
real day is left out of the coverage, and a contact's start or a creation day that is not one covers
nothing.
"""

from __future__ import annotations

import psycopg

from gridoffice.activity.visits import DEFAULT_RULES

TABLES = ("summary_offices", "summary_births", "summary_tags", "summary_coverage", "summary_months",
          "summary_matter_kinds")
C = 'COLLATE "C"'
# Office tables read here from the records themselves; the others through their facts (facts.py).
WHOLE = ("matters", "matter_categories")
# The months' activity, in summary_months' column order.
ACTIVITY = ("visits", "households_visited", "log_entries", "comments", "received", "closed", "closed_on_time",
            "overdue", "evaluated", "satisfied")


def create(cur: psycopg.Cursor) -> None:
    cur.execute(f"""
        CREATE TABLE summary_offices (office uuid PRIMARY KEY, households bigint NOT NULL, visit_rules jsonb);
        CREATE TABLE summary_births (office uuid NOT NULL, birth_date text {C}, persons bigint NOT NULL);
        CREATE INDEX summary_births_office ON summary_births (office);
        CREATE TABLE summary_tags (office uuid NOT NULL, tag text {C} NOT NULL, until text {C},
                                   persons bigint NOT NULL);
        CREATE INDEX summary_tags_office ON summary_tags (office);
        CREATE TABLE summary_coverage (office uuid NOT NULL, day date, households bigint NOT NULL);
        CREATE INDEX summary_coverage_office ON summary_coverage (office);
        CREATE TABLE summary_months (office uuid NOT NULL, month text {C} NOT NULL,
                                     {', '.join(f'{c} bigint NOT NULL' for c in ACTIVITY)},
                                     PRIMARY KEY (office, month));
        CREATE TABLE summary_matter_kinds (office uuid NOT NULL, month text {C} NOT NULL, category text {C},
                                           source text {C}, matters bigint NOT NULL);
        CREATE INDEX summary_matter_kinds_office ON summary_matter_kinds (office, month);
    """)


def reads_any(conn: psycopg.Connection | psycopg.Cursor, changed: str) -> bool:
    """Whether the temporary table `changed` (tbl, gid) names a record read here whole (the matters and
    their categories have no facts)."""
    return conn.execute(f"SELECT EXISTS (SELECT 1 FROM {changed} WHERE tbl IN ({', '.join('%s' for _ in WHOLE)}))",
                        list(WHOLE)).fetchone()[0]


def refresh_all(cur: psycopg.Cursor) -> None:
    for (office,) in cur.execute("SELECT uuid::text FROM offices").fetchall():
        refresh(cur, office, changed=True)


def refresh(conn: psycopg.Connection | psycopg.Cursor, office: str, *, changed: bool) -> None:
    """Recomputes the office's rows (in the caller's transaction); when nothing they are computed from
    `changed` (no fact, no record of WHOLE), only if its visit rules differ from those its rows were
    computed with."""
    if not changed and conn.execute(
            "SELECT EXISTS (SELECT 1 FROM summary_offices s JOIN offices o ON o.uuid = s.office "
            "WHERE s.office = %s AND s.visit_rules IS NOT DISTINCT FROM o.visit_rules)", [office]).fetchone()[0]:
        return
    # Whole-office groupings in memory, hash joins (the planner cannot estimate joins on gids and
    # would otherwise loop over an index per visit), and no JIT: compiling these statements cost more
    # processor than running them (1.8 s of a 2.8 s statement at load 17). The settings are
    # put back for the rest of the package's transaction.
    before = conn.execute("SELECT current_setting('work_mem'), current_setting('enable_nestloop'), "
                          "current_setting('jit')").fetchone()
    conn.execute("SELECT set_config('work_mem', '64MB', true), set_config('enable_nestloop', 'off', true), "
                 "set_config('jit', 'off', true)")
    for table in TABLES:
        conn.execute(f"DELETE FROM {table} WHERE office = %s", [office])
    params = {"office": office, **{f"rule{c}": days for c, days in DEFAULT_RULES.items()}}
    for sql in _WORK:
        conn.execute(sql, params)
    for sql in (_OFFICE, _BIRTHS, _TAGS, _COVERAGE, _MONTHS, _MATTER_KINDS):
        conn.execute(sql, params)
    conn.execute("DROP TABLE summary_units, summary_households, summary_visits, summary_days")
    conn.execute("SELECT set_config('work_mem', %s, true), set_config('enable_nestloop', %s, true), "
                 "set_config('jit', %s, true)", list(before))


def _is_day(text: str) -> str:
    """SQL: the text is a real day written YYYY-MM-DD (so casting it to a date cannot fail)."""
    year = f"substr({text}, 1, 4)::int"
    return (f"({text} ~ '^[0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$' "
            f"OR {text} ~ '^[0-9]{{4}}-(0[13-9]|1[0-2])-(29|30)$' OR {text} ~ '^[0-9]{{4}}-(0[13578]|1[02])-31$' "
            f"OR ({text} ~ '^[0-9]{{4}}-02-29$' AND {year} %% 4 = 0 AND ({year} %% 100 <> 0 OR {year} %% 400 = 0))) "
            f"AND substr({text}, 1, 4) <> '0000'")


def _month(text: str, first: str) -> str:
    """SQL: the month (YYYY-MM) whose [first, first of the next) range holds the text, where a
    month's bound is its first day followed by `first` ('-01' for days, '-01 00:00:00' for times);
    NULL for a text that does not begin with a month."""
    ym = f"substr({text}, 1, 7)"
    return (f"CASE WHEN {text} !~ '^[0-9]{{4}}-(0[1-9]|1[0-2])' OR {text} ~ '^0000' THEN NULL "
            f"WHEN {text} >= {ym} || '{first}' {C} THEN {ym} "
            f"ELSE to_char(({ym} || '-01')::date - 1, 'YYYY-MM') END")


# The office's units with their grid (the unit's own grid, or itself) when that grid is active; its
# households in those grids (the population's are those on the register); their visits not voided.
_WORK = (
    """CREATE TEMP TABLE summary_units AS
       SELECT u.gid, g.gid AS grid FROM facts_org_units u
       JOIN facts_org_units g ON g.office = u.office AND g.gid = coalesce(u.grid_gid, u.gid)
       WHERE u.office = %(office)s AND g.level = 'grid' AND g.status = 'active'""",
    """CREATE TEMP TABLE summary_households AS
       SELECT h.gid, u.grid, h.status = 'active' AS active, h.contact_class, h.created_at
       FROM facts_households h JOIN summary_units u ON u.gid = h.org_gid WHERE h.office = %(office)s""",
    """CREATE TEMP TABLE summary_visits AS
       SELECT vh.household_gid AS household, vh.visit_gid AS visit, vh.visited_on, h.grid, h.active,
              v.status = 'active' AS counted
       FROM facts_visit_households vh JOIN summary_households h ON h.gid = vh.household_gid
       JOIN facts_visits v ON v.office = vh.office AND v.gid = vh.visit_gid
       WHERE vh.office = %(office)s AND v.office = %(office)s AND vh.voided = '0'""",
    # Each visit day's text once, with its month and, when it is a real day, its date.
    f"""CREATE TEMP TABLE summary_days AS
        SELECT t, {_month('t', '-01')} AS month, CASE WHEN {_is_day('t')} THEN t::date END AS day
        FROM (SELECT DISTINCT visited_on AS t FROM summary_visits) d""",
    "ANALYZE summary_units, summary_households, summary_visits, summary_days",
)
_OFFICE = """
    INSERT INTO summary_offices (office, households, visit_rules)
    SELECT %(office)s, (SELECT count(*) FROM summary_households WHERE active), visit_rules
    FROM offices WHERE uuid = %(office)s"""
_BIRTHS = """
    INSERT INTO summary_births (office, birth_date, persons)
    SELECT %(office)s, p.birth_date, count(*) FROM facts_persons p JOIN summary_households h ON h.gid = p.household_gid
    WHERE p.office = %(office)s AND p.status = 'active' AND h.active GROUP BY 2"""
# A person's tag is open on a day before its last open day; a row without an end keeps it open.
_TAGS = f"""
    INSERT INTO summary_tags (office, tag, until, persons)
    SELECT %(office)s, tag, until, count(*) FROM (
        SELECT t.tag, CASE WHEN bool_or(t.until IS NULL OR t.until = '') THEN NULL ELSE max(t.until {C}) END AS until
        FROM facts_person_tags t
        JOIN facts_persons p ON p.office = t.office AND p.gid = t.person_gid
        JOIN summary_households h ON h.gid = p.household_gid
        WHERE t.office = %(office)s AND p.office = %(office)s AND p.status = 'active' AND h.active
        GROUP BY t.person_gid, t.tag) x
    GROUP BY 2, 3"""
# Coverage intervals (see the module's docstring). A household's days from one of its visit days up to
# the next (exclusive) have that visit as their last: covered up to the rule's days after it. Its days
# before its first visit have the oldest open contact's start, else its creation day, as base: covered
# up to the rule's days after it; with neither, the base is the day itself, always covered. One row per
# visit (a household never visited: one row without a day) gives up to two intervals, each +1 on its
# first day and -1 after it; two visits on one day make an empty interval, which adds nothing.
_COVERAGE = f"""
    INSERT INTO summary_coverage (office, day, households)
    WITH rules AS (
        SELECT coalesce((visit_rules->>'1')::int, %(rule1)s) AS r1, coalesce((visit_rules->>'2')::int, %(rule2)s) AS r2,
               coalesce((visit_rules->>'3')::int, %(rule3)s) AS r3
        FROM offices WHERE uuid = %(office)s),
    contact AS (
        SELECT household_gid AS gid, min(since {C}) AS since FROM facts_contacts
        WHERE office = %(office)s AND until IS NULL GROUP BY 1),
    households AS MATERIALIZED (
        SELECT h.gid, CASE h.contact_class WHEN '1' THEN r.r1 WHEN '2' THEN r.r2 ELSE r.r3 END AS rule,
               coalesce(c.since, substr(h.created_at, 1, 10)) AS base
        FROM summary_households h CROSS JOIN rules r LEFT JOIN contact c ON c.gid = h.gid WHERE h.active),
    based AS MATERIALIZED (
        SELECT gid, rule, base IS NULL AS no_base, CASE WHEN {_is_day('base')} THEN base::date END AS base
        FROM households),
    visits AS MATERIALIZED (
        SELECT hh.rule, hh.no_base, CASE WHEN hh.no_base THEN hh.rule >= 0 ELSE hh.base IS NOT NULL END AS before_covers,
               hh.base + hh.rule + 1 AS base_ends, d.day, lead(d.day) OVER w AS next, row_number() OVER w = 1 AS first
        FROM based hh LEFT JOIN (SELECT v.household, d.day FROM summary_visits v JOIN summary_days d ON d.t = v.visited_on
                                 WHERE v.active AND d.day IS NOT NULL) d ON d.household = hh.gid
        WINDOW w AS (PARTITION BY hh.gid ORDER BY d.day)),
    deltas AS (
        SELECT day, count(*) AS n FROM visits WHERE day IS NOT NULL AND rule >= 0 GROUP BY 1
        UNION ALL
        SELECT least(next, day + rule + 1), -count(*) FROM visits WHERE day IS NOT NULL AND rule >= 0 GROUP BY 1
        UNION ALL
        SELECT NULL, count(*) FROM visits WHERE first AND before_covers
        UNION ALL
        SELECT CASE WHEN no_base THEN day ELSE least(day, base_ends) END, -count(*) FROM visits
        WHERE first AND before_covers AND NOT (no_base AND day IS NULL) GROUP BY 1)
    SELECT %(office)s, day, sum(n) FROM deltas GROUP BY day HAVING sum(n) <> 0"""
# The end of a month: the first moment of the next, as matters' times are compared with it.
_END = "to_char((x.month || '-01')::date + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00'"
_MATTERS = f"""
    SELECT {_month("m.data->>'received_at'", '-01 00:00:00')} AS month, m.data FROM records_matters m
    WHERE m.office = %(office)s AND (m.data->>'grid_gid')::uuid IN (
        SELECT gid FROM facts_org_units WHERE office = %(office)s AND level = 'grid' AND status = 'active')"""
_MONTHS = f"""
    INSERT INTO summary_months (office, month, {', '.join(ACTIVITY)})
    WITH seen AS NOT MATERIALIZED (
        SELECT d.month, v.grid, v.visit, v.household FROM summary_visits v JOIN summary_days d ON d.t = v.visited_on
        WHERE v.counted AND d.month IS NOT NULL),
    visits AS (SELECT month, count(*) AS visits FROM (SELECT DISTINCT month, grid, visit FROM seen) x GROUP BY 1),
    visited AS (SELECT month, count(*) AS households FROM (SELECT DISTINCT month, grid, household FROM seen) x
                GROUP BY 1),
    entries AS (
        SELECT e.gid, e.entry_date FROM facts_log_entries e WHERE e.office = %(office)s AND e.status = 'active'),
    entry_months AS MATERIALIZED (
        SELECT t, {_month('t', '-01')} AS month FROM (SELECT DISTINCT entry_date AS t FROM entries) d),
    written AS MATERIALIZED (
        SELECT DISTINCT m.month, h.grid, e.gid AS entry
        FROM entries e JOIN entry_months m ON m.t = e.entry_date
        JOIN facts_log_households lh ON lh.office = %(office)s AND lh.entry_gid = e.gid
        JOIN summary_households h ON h.gid = lh.household_gid
        WHERE m.month IS NOT NULL),
    logs AS (SELECT month, count(*) AS entries FROM written GROUP BY 1),
    comments AS (
        SELECT month, count(*) AS comments FROM (
            SELECT DISTINCT w.month, w.grid, k.gid FROM written w
            JOIN facts_log_comments k ON k.office = %(office)s AND k.entry_gid = w.entry) x
        GROUP BY 1),
    matters AS (
        SELECT month, count(*) AS received,
               count(*) FILTER (WHERE closed) AS closed,
               count(*) FILTER (WHERE closed AND data->>'closed_at' <= data->>'resolve_due' {C}) AS closed_on_time,
               count(*) FILTER (WHERE NOT closed AND due < stop {C}) AS overdue,
               count(*) FILTER (WHERE data->>'satisfaction' IN ('satisfied', 'basic', 'unsatisfied')) AS evaluated,
               count(*) FILTER (WHERE data->>'satisfaction' IN ('satisfied', 'basic')) AS satisfied
        FROM (SELECT x.month, x.data, y.stop,
                     x.data->>'closed_at' IS NOT NULL AND x.data->>'closed_at' < y.stop {C} AS closed,
                     CASE WHEN x.data->>'responded_at' IS NULL OR x.data->>'responded_at' >= y.stop {C}
                          THEN x.data->>'respond_due' ELSE x.data->>'resolve_due' END AS due
              FROM ({_MATTERS}) x CROSS JOIN LATERAL (SELECT {_END} AS stop) y WHERE x.month IS NOT NULL) z
        GROUP BY 1)
    SELECT %(office)s, month, coalesce(v.visits, 0), coalesce(h.households, 0), coalesce(l.entries, 0),
           coalesce(k.comments, 0), coalesce(m.received, 0), coalesce(m.closed, 0), coalesce(m.closed_on_time, 0),
           coalesce(m.overdue, 0), coalesce(m.evaluated, 0), coalesce(m.satisfied, 0)
    FROM visits v FULL JOIN visited h USING (month) FULL JOIN logs l USING (month) FULL JOIN comments k USING (month)
    FULL JOIN matters m USING (month)"""
_MATTER_KINDS = f"""
    INSERT INTO summary_matter_kinds (office, month, category, source, matters)
    SELECT %(office)s, x.month, c.data->>'name', x.data->>'source', count(*)
    FROM ({_MATTERS}) x
    LEFT JOIN records_matter_categories c ON c.office = %(office)s AND c.tbl = 'matter_categories'
         AND c.gid = (x.data->>'category_gid')::uuid
    WHERE x.month IS NOT NULL GROUP BY 2, 3, 4"""
