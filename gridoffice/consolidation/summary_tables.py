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


def refresh_all(cur: psycopg.Cursor) -> None:
    for (office,) in cur.execute("SELECT uuid::text FROM offices").fetchall():
        refresh(cur, office, changed=True)


def refresh(conn: psycopg.Connection | psycopg.Cursor, office: str, *, changed: bool) -> None:
    """Recomputes the office's rows (in the caller's transaction); when no record of it `changed`, only
    if its visit rules differ from those its rows were computed with."""
    if not changed and conn.execute(
            "SELECT EXISTS (SELECT 1 FROM summary_offices s JOIN offices o ON o.uuid = s.office "
            "WHERE s.office = %s AND s.visit_rules IS NOT DISTINCT FROM o.visit_rules)", [office]).fetchone()[0]:
        return
    # Whole-office groupings in memory, and hash joins: the planner cannot estimate joins on gids and
    # would otherwise loop over an index per visit. Both settings are put back for the rest of the
    # package's transaction.
    before = conn.execute("SELECT current_setting('work_mem'), current_setting('enable_nestloop')").fetchone()
    conn.execute("SELECT set_config('work_mem', '64MB', true), set_config('enable_nestloop', 'off', true)")
    for table in TABLES:
        conn.execute(f"DELETE FROM {table} WHERE office = %s", [office])
    params = {"office": office, **{f"rule{c}": days for c, days in DEFAULT_RULES.items()}}
    for sql in _WORK:
        conn.execute(sql, params)
    for sql in (_OFFICE, _BIRTHS, _TAGS, _COVERAGE, _MONTHS, _MATTER_KINDS):
        conn.execute(sql, params)
    conn.execute("DROP TABLE summary_units, summary_households, summary_visits")
    conn.execute("SELECT set_config('work_mem', %s, true), set_config('enable_nestloop', %s, true)", list(before))


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


def _months_of(column: str, source: str, first: str = "-01") -> str:
    """SQL: a small table (t, month) of the distinct texts of `column` in `source` and their months:
    a few hundred days stand for hundreds of thousands of rows."""
    return f"(SELECT t, {_month('t', first)} AS month FROM (SELECT DISTINCT {column} AS t FROM {source}) d)"


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
    "ANALYZE summary_units, summary_households, summary_visits",
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
# up to the rule's days after it; with neither, the base is the day itself, always covered.
_COVERAGE = f"""
    INSERT INTO summary_coverage (office, day, households)
    WITH rules AS (
        SELECT coalesce((visit_rules->>'1')::int, %(rule1)s) AS r1, coalesce((visit_rules->>'2')::int, %(rule2)s) AS r2,
               coalesce((visit_rules->>'3')::int, %(rule3)s) AS r3
        FROM offices WHERE uuid = %(office)s),
    contact AS (
        SELECT household_gid AS gid, min(since {C}) AS since FROM facts_contacts
        WHERE office = %(office)s AND until IS NULL GROUP BY 1),
    hh AS (
        SELECT h.gid, CASE h.contact_class WHEN '1' THEN r.r1 WHEN '2' THEN r.r2 ELSE r.r3 END AS rule,
               coalesce(c.since, substr(h.created_at, 1, 10)) AS base
        FROM summary_households h CROSS JOIN rules r LEFT JOIN contact c ON c.gid = h.gid WHERE h.active),
    real_days AS (SELECT t, t::date AS day FROM (SELECT DISTINCT visited_on AS t FROM summary_visits) d
                  WHERE {_is_day('t')}),
    days AS (SELECT DISTINCT v.household AS gid, d.day FROM summary_visits v JOIN real_days d ON d.t = v.visited_on
             WHERE v.active),
    visits AS (
        SELECT d.day AS start, least(lead(d.day) OVER (PARTITION BY d.gid ORDER BY d.day), d.day + hh.rule + 1) AS stop
        FROM days d JOIN hh ON hh.gid = d.gid),
    firsts AS (SELECT gid, min(day) AS first FROM days GROUP BY 1),
    intervals AS (
        SELECT start, stop FROM visits WHERE start < stop
        UNION ALL
        SELECT NULL, CASE WHEN hh.base IS NULL THEN f.first ELSE least(f.first, hh.base::date + hh.rule + 1) END
        FROM hh LEFT JOIN firsts f ON f.gid = hh.gid
        WHERE CASE WHEN hh.base IS NULL THEN hh.rule >= 0 ELSE {_is_day('hh.base')} END)
    SELECT %(office)s, day, sum(n) FROM (
        SELECT start AS day, 1 AS n FROM intervals
        UNION ALL
        SELECT stop, -1 FROM intervals WHERE stop IS NOT NULL) e
    GROUP BY day HAVING sum(n) <> 0"""
# The end of a month: the first moment of the next, as matters' times are compared with it.
_END = "to_char((x.month || '-01')::date + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00'"
_MATTERS = f"""
    SELECT {_month("m.data->>'received_at'", '-01 00:00:00')} AS month, m.data FROM records_matters m
    WHERE m.office = %(office)s AND (m.data->>'grid_gid')::uuid IN (
        SELECT gid FROM facts_org_units WHERE office = %(office)s AND level = 'grid' AND status = 'active')"""
_MONTHS = f"""
    INSERT INTO summary_months (office, month, {', '.join(ACTIVITY)})
    WITH visits AS (
        SELECT month, sum(visits) AS visits, sum(households) AS households FROM (
            SELECT m.month, v.grid, count(DISTINCT v.visit) AS visits, count(DISTINCT v.household) AS households
            FROM summary_visits v JOIN {_months_of('visited_on', 'summary_visits')} m ON m.t = v.visited_on
            WHERE v.counted AND m.month IS NOT NULL GROUP BY 1, 2) g
        GROUP BY 1),
    entries AS (
        SELECT e.gid, e.entry_date FROM facts_log_entries e WHERE e.office = %(office)s AND e.status = 'active'),
    logs AS (
        SELECT month, sum(entries) AS entries, sum(comments) AS comments FROM (
            SELECT m.month, h.grid, count(DISTINCT e.gid) AS entries, count(DISTINCT k.gid) AS comments
            FROM entries e JOIN {_months_of('entry_date', 'entries')} m ON m.t = e.entry_date
            JOIN facts_log_households lh ON lh.office = %(office)s AND lh.entry_gid = e.gid
            JOIN summary_households h ON h.gid = lh.household_gid
            LEFT JOIN facts_log_comments k ON k.office = %(office)s AND k.entry_gid = e.gid
            WHERE m.month IS NOT NULL GROUP BY 1, 2) g
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
    SELECT %(office)s, month, coalesce(v.visits, 0), coalesce(v.households, 0), coalesce(l.entries, 0),
           coalesce(l.comments, 0), coalesce(m.received, 0), coalesce(m.closed, 0), coalesce(m.closed_on_time, 0),
           coalesce(m.overdue, 0), coalesce(m.evaluated, 0), coalesce(m.satisfied, 0)
    FROM visits v FULL JOIN logs l USING (month) FULL JOIN matters m USING (month)"""
_MATTER_KINDS = f"""
    INSERT INTO summary_matter_kinds (office, month, category, source, matters)
    SELECT %(office)s, x.month, c.data->>'name', x.data->>'source', count(*)
    FROM ({_MATTERS}) x
    LEFT JOIN records_matter_categories c ON c.office = %(office)s AND c.tbl = 'matter_categories'
         AND c.gid = (x.data->>'category_gid')::uuid
    WHERE x.month IS NOT NULL GROUP BY 2, 3, 4"""
