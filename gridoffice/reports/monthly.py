"""The figures of the monthly summary and the public notice, computed from the records.

Every figure is set-based SQL grouped by grid or by staff member, so an office of 50,000 households
costs a handful of scans, not a query per row. The definitions (also written in the README):

- A month is [first day, first day of the next month). Households and persons are those on the
  register now (status 'active'); special groups are registers.groups(), counted on the last day
  of the month (age groups) and as tags open then.
- Visits: active visits with at least one covered household that month; households visited:
  distinct households in them. Per grid, a visit counts once for each grid it touched.
- Coverage of the visit rules: households whose next due date (visits.schedule_sql, the one rule)
  is not yet passed on the last day of the month, over all active households (per staff member:
  over the households they are the current contact of). The schedule is judged as of that day
  (visits.schedule_sql's `until`): a visit made after the month does not cover it.
- Log entries: active entries dated in the month (per grid: those linked to a household of the
  grid); leaders' comments: comments on those entries.
- Matters: received in the month (per grid by the matter's grid, per staff member by assignee);
  closed: closed before the month ended; closed on time: closed no later than the resolve deadline;
  overdue: still open at the month's end with the deadline it had to meet passed; completion rate
  closed / received; satisfaction rate (satisfied + basically satisfied) / evaluated.
- The public notice: per active grid team, its grid's visits and log entries (as above) and the
  grid's matters of the month with their state now; residents only as a masked surname.
- Scope: every figure is computed within the acting user's Scope (a grid worker: their subtree's
  households, visits, log entries and matters only), and the special groups of sensitive tags are
  left out for roles that may not see them. The scope is a condition inside each grouped query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice import ages
from gridoffice.archive import registers
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.masking import mask_name, mask_text
from gridoffice.matters.rules import CLOSED_STATES, OPEN_STATES, SATISFACTION, SOURCES, STATES
from gridoffice.org.regions import get_unit, office, tree_keys
from gridoffice.access.scope import Scope
from gridoffice.activity.visits import schedule_sql

GRID = "coalesce(u.grid_id, u.id)"


@dataclass(frozen=True)
class Period:
    start: str  # first day, inclusive
    end: str  # first day after, exclusive
    label: str

    @property
    def last_day(self) -> dt.date:
        return dt.date.fromisoformat(self.end) - dt.timedelta(days=1)


def month(value: object) -> Period:
    """'2026-10' -> the month; a bad value raises a Chinese ValidationError."""
    text = str(value or "").strip()
    try:
        first = dt.date.fromisoformat(text + "-01") if len(text) == 7 else None
    except ValueError:
        first = None
    if first is None:
        raise ValidationError("month", tr("月份“{v}”无效，请写成“2026-10”的样子").format(v=text))
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(first.isoformat(), nxt.isoformat(), tr("{y}年{m}月").format(y=first.year, m=first.month))


def year(value: object) -> Period:
    text = str(value or "").strip()
    if not (text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100):
        raise ValidationError("year", tr("年份“{v}”无效，请写成“2026”的样子").format(v=text))
    y = int(text)
    return Period(f"{y}-01-01", f"{y + 1}-01-01", tr("{y}年度").format(y=y))


def previous(period: Period) -> Period:
    """The month before a month."""
    return month((dt.date.fromisoformat(period.start) - dt.timedelta(days=1)).isoformat()[:7])


@dataclass(frozen=True)
class Figures:
    """One row of the summary: a grid, a staff member, or the total."""

    key: int | None
    name: str
    households: int = 0
    persons: int = 0
    groups: tuple[int, ...] = ()  # in the order of Summary.groups
    visits: int = 0
    households_visited: int = 0
    rule_households: int = 0  # households under the visit rules
    covered: int = 0  # of them not overdue at the month's end
    log_entries: int = 0
    comments: int = 0
    received: int = 0
    by_category: tuple[int, ...] = ()  # in the order of Summary.categories
    by_source: tuple[int, ...] = ()  # in the order of Summary.sources
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    evaluated: int = 0
    satisfied: int = 0  # satisfied or basically satisfied

    @property
    def coverage(self) -> float | None:
        return self.covered / self.rule_households if self.rule_households else None

    @property
    def completion_rate(self) -> float | None:
        return self.closed / self.received if self.received else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.evaluated if self.evaluated else None


_COUNTS = ("households", "persons", "visits", "households_visited", "rule_households", "covered", "log_entries",
           "comments", "received", "closed", "closed_on_time", "overdue", "evaluated", "satisfied")
_VECTORS = ("groups", "by_category", "by_source")


def add_up(rows, key=None, name: str = "") -> Figures:
    """The sum of rows (a total); rates follow from the summed counts."""
    rows = list(rows)
    values = {f: sum(getattr(r, f) for r in rows) for f in _COUNTS}
    for f in _VECTORS:
        vectors = [getattr(r, f) for r in rows if getattr(r, f)]
        values[f] = tuple(map(sum, zip(*vectors))) if vectors else ()
    return Figures(key, name, **values)


@dataclass(frozen=True)
class Summary:
    office: str
    period: Period
    previous: Period
    groups: tuple[registers.Group, ...]
    categories: tuple[tuple[int, str], ...]
    sources: tuple[tuple[str, str], ...]
    grids: tuple[Figures, ...]
    staff: tuple[Figures, ...]
    total: Figures
    previous_total: Figures  # activity figures of the month before (population figures are today's)


def _in_subtree(db: Database, org_id: int | None, alias: str = "u") -> tuple[str, list]:
    if org_id is None:
        return "", []
    return f" AND {alias}.path >= ? AND {alias}.path < ?", list(get_unit(db, org_id).subtree)


def grids(db: Database, scope: Scope, org_id: int | None = None) -> list[tuple[int, str]]:
    """The active grids (of a subtree) within the scope, in tree order; a subtree outside the scope
    is refused, as the roster refuses it, rather than answered with an empty report under its name."""
    if org_id is not None:
        scope.require_org(org_id)
    where, params = _in_subtree(db, org_id)
    keys = tree_keys(db)
    return sorted((tuple(r) for r in db.execute(
        f"SELECT u.id, u.name FROM org_units u WHERE u.level = 'grid' AND u.status = 'active'{where} "
        f"AND {scope.units('u.id')}", params)), key=lambda r: keys[r[0]])


@dataclass(frozen=True)
class Choice:
    id: int
    name: str
    detail: str  # a unit's depth below the street as indent, or a staff member's unit


def report_units(db: Database, scope: Scope) -> list[Choice]:
    """The units a report may be limited to (street down to grid) within the scope, in tree order;
    `detail` is the indent that shows the depth."""
    keys = tree_keys(db)
    rows = db.execute(
        "SELECT id, name, length(path) - length(replace(path, '/', '')) FROM org_units "
        f"WHERE status = 'active' AND level IN ('street', 'community', 'area', 'grid') AND {scope.units('id')}")
    return [Choice(uid, name, "　" * max(0, depth - 2)) for uid, name, depth in sorted(rows, key=lambda r: keys[r[0]])]


def report_staff(db: Database, scope: Scope) -> list[Choice]:
    """The members a 一党员一档 can be made for, within the scope (placed in it or serving its
    households), by name; `detail` is their unit."""
    mine = "" if scope.whole_office else f" AND s.id IN ({','.join(str(i) for i, _ in staff_in_scope(db, scope)) or '0'})"
    return [Choice(*r) for r in db.execute(
        "SELECT s.id, s.name, coalesce(u.name, '') FROM staff s LEFT JOIN org_units u ON u.id = s.org_id "
        "WHERE s.status = 'active' AND s.kind IN ('party_member', 'veteran_member', 'village_cadre', "
        f"'town_cadre', 'grid_worker'){mine} ORDER BY s.name")]


def grid_scope(db: Database, scope: Scope, org_id: int | None) -> tuple[str, list]:
    """Restricts a row with a grid key expression `g` to the grids of a subtree within the scope."""
    if org_id is None and scope.whole_office:
        return "", []
    ids = [g for g, _ in grids(db, scope, org_id)] or [-1]
    return f" IN ({','.join('?' * len(ids))})", ids


# ---- population ------------------------------------------------------------------------------

def _group_exprs(db: Database, day: dt.date) -> tuple[list[str], list, list[str]]:
    """SUM expressions over persons p for the age groups, and the tag codes counted separately (the
    built-in registers and the office's own, in registers.groups(db) order)."""
    exprs, params = [], []
    for g in ages.AGE_GROUPS:
        cond, bounds = ages.birth_conditions("p.birth_date", g.min_age, g.max_age, day, known=True)
        exprs.append(f"COALESCE(SUM({' AND '.join(cond)}), 0)")
        params += bounds
    return exprs, params, [g.code for g in registers.groups(db) if g.kind == "tag"]


def household_population(db: Database, day: dt.date, scope: Scope) -> dict[int, list[int]]:
    """Active household id (within the scope) -> [persons, group counts...] in registers.groups()
    order: two grouped passes (persons, open tags); grids and staff members then add up the
    households they hold."""
    exprs, params, tags = _group_exprs(db, day)
    width = 1 + len(exprs) + len(tags)
    out = {hid: [0] * width for (hid,) in db.execute(
        f"SELECT id FROM households WHERE status = 'active' AND {scope.units('org_id')}")}
    # The whole office reads the table in its own order and groups aside: walking the household index
    # looked every person up in the table, 40 % longer. A scope's few households come by that index.
    every = "NOT INDEXED " if scope.whole_office else ""
    for r in db.execute(
            f"SELECT p.household_id, COUNT(*), {', '.join(exprs)} FROM persons p {every}WHERE {registers.ACTIVE} "
            f"AND {scope.households('p.household_id')} GROUP BY p.household_id", params):
        vector = out.get(r[0])
        if vector is not None:
            vector[:len(r) - 1] = r[1:]
    index = {t: 1 + len(exprs) + i for i, t in enumerate(tags)}
    for hid, tag, n in db.execute(
            "SELECT p.household_id, t.tag, COUNT(DISTINCT t.person_id) FROM person_tags t "
            f"JOIN persons p ON p.id = t.person_id WHERE {registers.ACTIVE} AND {scope.households('p.household_id')} "
            "AND (t.until IS NULL OR t.until = '' OR t.until > ?) GROUP BY 1, 2", [day.isoformat()]):
        if hid in out and tag in index:
            out[hid][index[tag]] = n
    return out


def _population(pairs, per_household: dict[int, list[int]]) -> dict[int, tuple[int, int, tuple[int, ...]]]:
    """key -> (households, persons, group counts) from (key, household id) pairs."""
    members: dict[int, set[int]] = {}
    for key, hid in pairs:
        if hid in per_household:
            members.setdefault(key, set()).add(hid)
    out = {}
    for key, hids in members.items():
        # zip(*) adds the columns in C: a grid of a thousand households costs microseconds.
        sums = [sum(col) for col in zip(*(per_household[h] for h in hids))]
        out[key] = (len(hids), sums[0], tuple(sums[1:]))
    return out


# ---- activity --------------------------------------------------------------------------------

_BY_GRID = "JOIN org_units u ON u.id = h.org_id"


def visits_by(db: Database, p: Period, by: str, scope: Scope) -> dict[int, tuple[int, int]]:
    """Per grid or staff member: visits and households visited, counting households in the scope only."""
    if by == "grid":
        sql = (f"SELECT {GRID}, COUNT(DISTINCT vh.visit_id), COUNT(DISTINCT vh.household_id) FROM visit_households vh "
               "JOIN visits v ON v.id = vh.visit_id JOIN households h ON h.id = vh.household_id "
               f"{_BY_GRID} WHERE vh.voided = 0 AND v.status = 'active' AND vh.visited_on >= ? AND vh.visited_on < ? "
               f"AND {scope.units('h.org_id')} GROUP BY 1")
    else:
        # The month's visits first, then their households by visit: planner statistics taken before a
        # year of visits (an office's first import) had SQLite walk every household's visits instead (15x
        # as long), and a scope's households (the unary +) into each visit's seek (3,000x).
        sql = ("SELECT v.staff_id, COUNT(DISTINCT v.id), COUNT(DISTINCT vh.household_id) FROM visits v "
               "CROSS JOIN visit_households vh ON vh.visit_id = v.id AND vh.voided = 0 "
               f"WHERE v.status = 'active' AND v.visited_on >= ? AND v.visited_on < ? "
               f"AND {scope.households('+vh.household_id')} GROUP BY 1")
    return {r[0]: (r[1], r[2]) for r in db.execute(sql, [p.start, p.end])}


def household_coverage(db: Database, p: Period, scope: Scope) -> dict[int, tuple[int | None, bool]]:
    """Active household (within the scope) -> (its grid, covered by the visit rules at the month's end)."""
    sql, params = schedule_sql(db, p.last_day, until=p.last_day)
    return {hid: (grid, bool(covered)) for hid, grid, covered in db.execute(
        f"WITH s AS ({sql}) SELECT s.household_id, s.grid_id, s.days_overdue <= 0 FROM s "
        f"WHERE {scope.units('s.org_id')}", params)}


def current_contacts(db: Database) -> set[tuple[int, int]]:
    """(staff id, household id) of every current contact."""
    return set(db.execute("SELECT staff_id, household_id FROM contacts WHERE until IS NULL").fetchall())


def coverage_by(db: Database, p: Period, by: str, scope: Scope, *,
                households: dict[int, tuple[int | None, bool]] | None = None,
                contacts: set[tuple[int, int]] | None = None) -> dict[int, tuple[int, int]]:
    """Per grid or staff member (of the households they are the current contact of): households under the
    visit rules and those covered. `households`, a household_coverage() of the same month and scope, and
    `contacts`, current_contacts(), save reading them again for the second dimension."""
    if households is None:
        households = household_coverage(db, p, scope)
    if by == "grid":
        pairs = ((grid, hid) for hid, (grid, _) in households.items())
    else:
        pairs = current_contacts(db) if contacts is None else contacts
    out: dict[int, list[int]] = {}
    for key, hid in pairs:
        found = households.get(hid)
        if found is not None:
            counts = out.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += found[1]
    return {key: (n, covered) for key, (n, covered) in out.items()}


def logs_by(db: Database, p: Period, by: str, scope: Scope) -> dict[int, tuple[int, int]]:
    """Per grid or staff member: log entries and comments; within a scope, per staff member only the
    entries with a household in it (as the summary counts them per grid)."""
    if by == "grid":
        sql = (f"SELECT {GRID}, COUNT(DISTINCT e.id), COUNT(DISTINCT k.id) FROM log_entries e "
               "JOIN log_households lh ON lh.entry_id = e.id JOIN households h ON h.id = lh.household_id "
               f"{_BY_GRID} LEFT JOIN log_comments k ON k.entry_id = e.id "
               f"WHERE e.status = 'active' AND e.entry_date >= ? AND e.entry_date < ? AND {scope.units('h.org_id')} "
               "GROUP BY 1")
    else:
        mine = "" if scope.whole_office else (
            f" AND e.id IN (SELECT lh.entry_id FROM log_households lh WHERE {scope.households('lh.household_id')})")
        sql = ("SELECT e.staff_id, COUNT(DISTINCT e.id), COUNT(k.id) FROM log_entries e "
               "LEFT JOIN log_comments k ON k.entry_id = e.id "
               f"WHERE e.status = 'active' AND e.entry_date >= ? AND e.entry_date < ?{mine} GROUP BY 1")
    return {r[0]: (r[1], r[2]) for r in db.execute(sql, [p.start, p.end])}


def matter_sql(p: Period, key: str, where: str) -> tuple[str, list]:
    """Per key: received, closed, closed on time, overdue, evaluated, satisfied (the month's intake
    of matters meeting `where`, e.g. a Scope's matters())."""
    end = p.end + " 00:00:00"
    sql = (f"SELECT {key}, COUNT(*), "
           "COALESCE(SUM(m.closed_at IS NOT NULL AND m.closed_at < ?), 0), "
           "COALESCE(SUM(m.closed_at IS NOT NULL AND m.closed_at < ? AND m.closed_at <= m.resolve_due), 0), "
           "COALESCE(SUM((m.closed_at IS NULL OR m.closed_at >= ?) AND CASE WHEN m.responded_at IS NULL "
           "OR m.responded_at >= ? THEN m.respond_due ELSE m.resolve_due END < ?), 0), "
           "COALESCE(SUM(m.satisfaction IN ('satisfied', 'basic', 'unsatisfied')), 0), "
           "COALESCE(SUM(m.satisfaction IN ('satisfied', 'basic')), 0) "
           f"FROM matters m WHERE m.received_at >= ? AND m.received_at < ? AND {where} GROUP BY 1")
    return sql, [end, end, end, end, end, p.start, end]


def _matters(db: Database, p: Period, key: str, categories, sources, scope: Scope) -> dict[int, tuple]:
    sql, params = matter_sql(p, key, scope.matters())
    out = {r[0]: list(r[1:]) + [[0] * len(categories), [0] * len(sources)] for r in db.execute(sql, params)}
    cat_index = {c: i for i, (c, _) in enumerate(categories)}
    src_index = {s: i for i, (s, _) in enumerate(sources)}
    for k, cat, src, n in db.execute(
            f"SELECT {key}, m.category_id, m.source, COUNT(*) FROM matters m WHERE m.received_at >= ? "
            f"AND m.received_at < ? AND {scope.matters()} GROUP BY 1, 2, 3", [p.start, p.end + " 00:00:00"]):
        if k in out:
            if cat in cat_index:
                out[k][6][cat_index[cat]] += n
            if src in src_index:
                out[k][7][src_index[src]] += n
    return out


def _activity(db: Database, p: Period, by: str, categories, sources, scope: Scope,
              coverage: dict[int, tuple[int | None, bool]] | None = None,
              contacts: set[tuple[int, int]] | None = None) -> dict[int, dict]:
    """key -> the activity fields of Figures (`coverage`: household_coverage() of the month, and
    `contacts`: current_contacts(), when read)."""
    out: dict[int, dict] = {}

    def put(key, **values):
        out.setdefault(key, {}).update(values)

    for k, (v, hv) in visits_by(db, p, by, scope).items():
        put(k, visits=v, households_visited=hv)
    for k, (n, c) in coverage_by(db, p, by, scope, households=coverage, contacts=contacts).items():
        put(k, rule_households=n, covered=c)
    for k, (e, c) in logs_by(db, p, by, scope).items():
        put(k, log_entries=e, comments=c)
    key = "m.grid_id" if by == "grid" else "m.assignee_staff_id"
    for k, r in _matters(db, p, key, categories, sources, scope).items():
        put(k, received=r[0], closed=r[1], closed_on_time=r[2], overdue=r[3], evaluated=r[4], satisfied=r[5],
            by_category=tuple(r[6]), by_source=tuple(r[7]))
    return out


def staff_in_scope(db: Database, scope: Scope, org_id: int | None = None) -> list[tuple[int, str]]:
    """Active staff members: those placed in the subtree, or contacts of households in it; both
    within the user's scope."""
    where, params = _in_subtree(db, org_id)
    where += f" AND {scope.units('u.id')}"
    rows = db.execute(
        "SELECT s.id, s.name, s.org_id FROM staff s WHERE s.status = 'active' AND (s.org_id IN "
        f"(SELECT u.id FROM org_units u WHERE 1{where}) OR s.id IN (SELECT c.staff_id FROM contacts c "
        f"JOIN households h ON h.id = c.household_id JOIN org_units u ON u.id = h.org_id WHERE c.until IS NULL{where}))",
        params + params).fetchall()
    # By unit in tree order (第2网格's staff before 第10网格's), then as they were added.
    keys = tree_keys(db)
    rows.sort(key=lambda r: (r[2] not in keys, keys.get(r[2], []), r[0]))
    return [(r[0], r[1]) for r in rows]


def _rows(keys, population, activity, n_groups, n_cat, n_src, shown=None) -> list[Figures]:
    """Figures per key; `shown` keeps only those special-group columns (the user's visible groups)."""
    rows = []
    for key, name in keys:
        hh, persons, groups = population.get(key, (0, 0, (0,) * n_groups))
        if shown is not None:
            groups = tuple(groups[i] for i in shown)
        values = {"by_category": (0,) * n_cat, "by_source": (0,) * n_src, **activity.get(key, {})}
        rows.append(Figures(key, name, households=hh, persons=persons, groups=groups, **values))
    return rows


def visible_groups(db: Database, scope: Scope) -> tuple[list[registers.Group], list[int] | None]:
    """The special groups the user may see, the office's own registers included, and their positions
    in registers.groups(db) (None: all)."""
    every = registers.groups(db)
    shown = [i for i, g in enumerate(every) if g.kind != "tag" or scope.sees_tag(g.code)]
    return [every[i] for i in shown], None if len(shown) == len(every) else shown


def monthly_summary(db: Database, month_text: str, *, scope: Scope, org_id: int | None = None) -> Summary:
    """The monthly summary per grid and per staff member within the user's scope (and of the
    subtree `org_id` when given), with totals and the month before's."""
    p = month(month_text)
    prev = previous(p)
    visible, shown = visible_groups(db, scope)
    groups = tuple(visible)
    categories = tuple(tuple(r) for r in db.execute("SELECT id, name FROM matter_categories ORDER BY sort, id"))
    sources = tuple((code, tr(label)) for code, label in SOURCES.items())
    n = (len(registers.groups(db)), len(categories), len(sources))
    grid_keys = grids(db, scope, org_id)
    per_household = household_population(db, p.last_day, scope)
    grid_pairs = db.execute(f"SELECT {GRID}, h.id FROM households h {_BY_GRID} WHERE h.status = 'active'")
    coverage = household_coverage(db, p, scope)  # judged once for the grids and the staff
    grid_rows = _rows(grid_keys, _population(grid_pairs, per_household),
                      _activity(db, p, "grid", categories, sources, scope, coverage), *n, shown)
    staff_keys = staff_in_scope(db, scope, org_id)
    contacts = current_contacts(db)
    staff_rows = _rows(staff_keys, _population(contacts, per_household),
                       _activity(db, p, "staff", categories, sources, scope, coverage, contacts), *n, shown)
    prev_activity = _activity(db, prev, "grid", categories, sources, scope)
    prev_rows = _rows(grid_keys, {}, prev_activity, *n, shown)
    total = add_up(grid_rows, None, tr("合计"))
    return Summary(office(db).name, p, prev, groups, categories, sources, tuple(grid_rows), tuple(staff_rows),
                   total, add_up(prev_rows, None, tr("上月合计")))


def change(current: float | int | None, before: float | int | None) -> float | None:
    """Month-on-month change as a fraction (0.25 = +25%); None when the month before had none."""
    if current is None or not before:
        return None
    return (current - before) / before


# ---- the public notice ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeMatter:
    """One line of the wall (seed 004: "每一件网格服务的内容、解决情况和最终打分"; "对已解决的，及时公示解决的
    成效和时间；对暂时没处理好的，及时告知解决时间")."""
    number: str
    received_on: str
    category: str
    resident: str  # masked: surname and stars
    state: str  # Chinese label of the result
    satisfaction: str  # Chinese label, '' when not evaluated
    promise_date: str  # for unresolved ones
    content: str  # the matter's title, masked: the resident's name and every number in it
    outcome: str  # what was done (or the explanation), masked likewise; '' while open
    resolved_on: str  # the day it was closed; '' while open
    score: int | None  # the resident's score (最终打分)
    carried: bool  # received in an earlier month and still open when this month began


@dataclass(frozen=True)
class NoticeTeam:
    team_id: int
    team: str
    grid: str
    members: tuple[str, ...]  # staff names (public servants, not residents)
    visits: int
    households_visited: int
    log_entries: int
    received: int
    closed: int
    satisfied: int
    evaluated: int
    matters: tuple[NoticeMatter, ...]


@dataclass(frozen=True)
class Notice:
    office: str
    period: Period
    teams: tuple[NoticeTeam, ...]


def _masked(text: str | None, resident: str | None) -> str:
    """A matter's text for the wall: the resident's own name as on the notice, every number masked."""
    text = text or ""
    if resident and len(resident) > 1:
        text = text.replace(resident, mask_name(resident))
    return mask_text(text)


def public_notice(db: Database, month_text: str, *, scope: Scope, org_id: int | None = None) -> Notice:
    """Per active grid team within the user's scope: its grid's visits, log entries and matters of the month."""
    p = month(month_text)
    where, params = grid_scope(db, scope, org_id)
    keys = tree_keys(db)
    teams = sorted(db.execute(
        "SELECT t.id, t.name, t.grid_id, u.name FROM teams t JOIN org_units u ON u.id = t.grid_id "
        f"WHERE t.status = 'active'{' AND t.grid_id' + where if where else ''}",
        params).fetchall(), key=lambda r: (keys[r[2]], r[0]))
    members: dict[int, list[tuple[int, str]]] = {}
    for team_id, staff_id, name in db.execute(
            "SELECT m.team_id, s.id, s.name FROM team_members m JOIN staff s ON s.id = m.staff_id "
            "WHERE (m.until IS NULL OR m.until = '' OR m.until >= ?) AND (m.since IS NULL OR m.since < ?) "
            "ORDER BY m.team_id, m.id", [p.start, p.end]):
        members.setdefault(team_id, []).append((staff_id, name))
    # The team serves its grid: the wall shows the grid's visits and log entries, as the summary counts them.
    visits = visits_by(db, p, "grid", scope)
    logs = logs_by(db, p, "grid", scope)
    by_grid: dict[int, list[NoticeMatter]] = {}
    counts: dict[int, list[int]] = {}
    # The month's intake, and the matters of earlier months still open when it began: they stay on the
    # wall with their promised date until resolved.
    for row in db.execute(
            "SELECT m.grid_id, m.number, substr(m.received_at, 1, 10), c.name, m.resident_name, m.state, "
            "m.satisfaction, m.promise_date, m.closed_at, m.title, m.outcome, m.resident_score FROM matters m "
            "LEFT JOIN matter_categories c ON c.id = m.category_id "
            "WHERE m.received_at < ? AND (m.received_at >= ? OR m.closed_at IS NULL OR m.closed_at >= ?) "
            f"AND {scope.matters()} ORDER BY m.received_at, m.id", [p.end + " 00:00:00", p.start, p.start]):
        (grid_id, number, received, category, resident, state, satisfaction, promise, closed_at, title, outcome,
         score) = row
        unresolved = state in OPEN_STATES or state == "unresolvable"
        carried = received < p.start
        by_grid.setdefault(grid_id, []).append(NoticeMatter(
            number, received, category or "", mask_name(resident), tr(STATES.get(state, state)),
            tr(SATISFACTION[satisfaction]) if satisfaction in SATISFACTION else "",
            (promise or "") if unresolved else "", _masked(title, resident),
            _masked(outcome, resident) if closed_at else "", (closed_at or "")[:10], score, carried))
        if carried:
            continue
        c = counts.setdefault(grid_id, [0, 0, 0, 0])
        c[0] += 1
        c[1] += state in CLOSED_STATES and state != "unresolvable"
        c[2] += satisfaction in ("satisfied", "basic")
        c[3] += satisfaction in SATISFACTION
    result = []
    for team_id, name, grid_id, grid_name in teams:
        v, hv = visits.get(grid_id, (0, 0))
        c = counts.get(grid_id, [0, 0, 0, 0])
        result.append(NoticeTeam(team_id, name, grid_name, tuple(n for _, n in members.get(team_id, [])), v, hv,
                                 logs.get(grid_id, (0, 0))[0], c[0], c[1], c[2], c[3], tuple(by_grid.get(grid_id, []))))
    return Notice(office(db).name, p, tuple(result))
