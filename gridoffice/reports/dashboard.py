"""The leader's month at a glance: the figures behind the dashboard page and the printed briefing.

One computation serves both (the page draws it, exports/briefing.py prints it), and every figure
follows the definitions of stats.py: matters by stats.matter_sql, the visit schedule by
visits.schedule_sql, the deadline state of open matters by matters_query.urgency_sql (the list the
matters page shows), the registers by registers' age bounds and open tags.

The public functions take the user's Scope and a unit within it (scope_ids makes the set of unit ids
the figures below are computed over, None for the whole office): a household, matter, visit or log
entry is in scope when its unit is, as in visits.py and matters_query.py.

- The month's visit figures are judged on its last day, or today while it runs (`day`): the schedule
  as it stood then (a later visit does not cover it).
- Staff activity: visits (distinct visits touching a household in scope) and log entries (linked to
  a household in scope, or written by a staff member placed in scope) dated in the month; waiting:
  those entries without any leader's comment.
- Registers and the age pyramid: active persons on `day`; tags open then, only the tags in `tags`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlite_utils import Database

from gridoffice import ages, vocab
from gridoffice.archive import completeness, registers
from gridoffice.i18n import tr
from gridoffice.matters.rules import OPEN_STATES, SATISFACTION
from gridoffice.matters.query import urgency_sql
from gridoffice.natural import natural_key
from gridoffice.org.regions import office
from gridoffice.access.scope import Scope, household_in, org_in
from gridoffice.reports.monthly import Period, matter_sql, month, previous
from gridoffice.activity.visits import class_sql, schedule_sql

MONTHS = 12  # the trend shows the chosen month and the eleven before it
BAND_YEARS = 5  # the age pyramid's bands: 0–4, 5–9, … and the last one open
TOP_BAND = 85
DEADLINES = {"overdue": "超期", "due_soon": "即将到期", "in_time": "期限内"}
T = TypeVar("T")


@dataclass(frozen=True)
class MonthMatters:
    month: str  # '2026-10'
    label: str  # '10月'
    received: int
    closed: int
    on_time: int
    overdue: int


@dataclass(frozen=True)
class CategoryCount:
    category_id: int
    name: str
    count: int
    before: int  # the month before

    @property
    def change(self) -> int:
        return self.count - self.before


@dataclass(frozen=True)
class ClassCoverage:
    contact_class: int
    label: str
    households: int
    covered: int  # not overdue on the day judged

    @property
    def overdue(self) -> int:
        return self.households - self.covered


@dataclass(frozen=True)
class GridOverdue:
    grid_id: int
    name: str
    households: int
    overdue: int


@dataclass(frozen=True)
class StaffActivity:
    staff_id: int
    name: str
    visits: int
    logs: int
    waiting: int  # log entries without a leader's comment


@dataclass(frozen=True)
class Count:
    code: str  # what a click opens: a register, a deadline state, a satisfaction level, a problem kind
    label: str
    count: int


@dataclass(frozen=True)
class AgeBand:
    label: str
    min_age: int
    max_age: int | None
    men: int
    women: int


@dataclass(frozen=True)
class Dashboard:
    office: str
    scope: str  # the unit's name, or the office's
    period: Period
    day: dt.date  # the day the schedule and the registers are judged
    months: tuple[MonthMatters, ...]  # oldest first, the chosen month last
    categories: tuple[CategoryCount, ...]  # most received first
    deadlines: tuple[Count, ...]  # open matters now, in DEADLINES order
    satisfaction: tuple[Count, ...]  # the month's evaluated matters, in SATISFACTION order
    coverage: tuple[ClassCoverage, ...]  # per contact class
    grids: tuple[GridOverdue, ...]  # most overdue households first
    staff: tuple[StaffActivity, ...]  # most active first
    registers: tuple[Count, ...] = ()  # in registers.groups() order (population())
    pyramid: tuple[AgeBand, ...] = ()  # youngest first (population())

    @property
    def this_month(self) -> MonthMatters:
        return self.months[-1]

    @property
    def logs_waiting(self) -> int:
        return sum(s.waiting for s in self.staff)


def judged_day(p: Period, today: dt.date) -> dt.date:
    """A month is judged on its last day; the running month on today."""
    return min(p.last_day, today)


def months_back(p: Period, n: int = MONTHS) -> list[Period]:
    out = [p]
    while len(out) < n:
        out.append(previous(out[-1]))
    return out[::-1]


def _matter_scope(org_ids: Collection[int] | None) -> str:
    """A matter is in scope when its grid or its household is (matters_query's rule)."""
    if org_ids is None:
        return "1"
    return f"({org_in('m.grid_id', org_ids)} OR {household_in('m.household_id', org_ids)})"


def _matter_months(db: Database, p: Period, org_ids: Collection[int] | None = None) -> list[MonthMatters]:
    out = []
    # stats.matter_sql groups by a key: grouping by "in scope" keeps its definitions whole.
    key = _matter_scope(org_ids)
    for q in months_back(p):
        sql, params = matter_sql(q, f"({key})", "1")
        row = next((r for r in db.execute(sql, params) if r[0] == 1), None)
        received, closed, on_time, overdue = row[1:5] if row else (0, 0, 0, 0)
        first = dt.date.fromisoformat(q.start)
        out.append(MonthMatters(q.start[:7], tr("{m}月").format(m=first.month), received, closed, on_time, overdue))
    return out


def _matter_categories(db: Database, p: Period, org_ids: Collection[int] | None = None) -> list[CategoryCount]:
    """Matters received in the month per category, with the month before; categories with neither left out."""
    prev = previous(p)
    counts: dict[int, list[int]] = {}
    for index, q in enumerate((p, prev)):
        for cat, n in db.execute(
                f"SELECT m.category_id, COUNT(*) FROM matters m WHERE m.received_at >= ? AND m.received_at < ? "
                f"AND {_matter_scope(org_ids)} GROUP BY 1", [q.start, q.end + " 00:00:00"]):
            counts.setdefault(cat, [0, 0])[index] = n
    names = dict(db.execute("SELECT id, name FROM matter_categories"))
    rows = [CategoryCount(cat, names.get(cat) or tr("未分类"), n, before)
            for cat, (n, before) in counts.items()]
    return sorted(rows, key=lambda c: (-c.count, -c.before, c.name))


def _deadline_counts(db: Database, now: dt.datetime, org_ids: Collection[int] | None = None) -> list[Count]:
    """Open matters now by their deadline state, as the matters page counts its list."""
    urgency, params = urgency_sql(now)
    marks = ",".join("?" * len(OPEN_STATES))
    found = dict(db.execute(
        f"SELECT {urgency} AS u, COUNT(*) FROM matters m WHERE m.state IN ({marks}) AND {_matter_scope(org_ids)} "
        "GROUP BY 1", [*params, *OPEN_STATES]))
    return [Count(code, tr(label), found.get(i, 0)) for i, (code, label) in enumerate(DEADLINES.items())]


def _satisfaction_counts(db: Database, p: Period, org_ids: Collection[int] | None = None) -> list[Count]:
    """The month's received matters by the residents' evaluation (stats' satisfaction rate's base)."""
    found = dict(db.execute(
        f"SELECT m.satisfaction, COUNT(*) FROM matters m WHERE m.received_at >= ? AND m.received_at < ? "
        f"AND {_matter_scope(org_ids)} AND m.satisfaction IS NOT NULL GROUP BY 1", [p.start, p.end + " 00:00:00"]))
    return [Count(code, tr(label), found.get(code, 0)) for code, label in SATISFACTION.items()]


def _schedule(db: Database, day: dt.date, org_ids: Collection[int] | None, select: str) -> list:
    sql, params = schedule_sql(db, day, until=day)
    return db.execute(f"WITH s AS ({sql}) {select.format(scope=org_in('s.org_id', org_ids))}", params).fetchall()


def _visit_figures(db: Database, day: dt.date,
                  org_ids: Collection[int] | None = None) -> tuple[list[ClassCoverage], list[GridOverdue]]:
    """Coverage per contact class and overdue households per grid (most first) on `day`, from one
    pass over the schedule grouped by both."""
    rows = _schedule(db, day, org_ids, f"SELECT s.grid_id, {class_sql('s.contact_class')}, COUNT(*), "
                                       "SUM(NOT s.overdue) FROM s WHERE {scope} GROUP BY 1, 2")
    classes: dict[int, list[int]] = {}
    grids: dict[int, list[int]] = {}
    for grid, cls, n, covered in rows:
        covered = covered or 0
        c = classes.setdefault(cls, [0, 0])
        c[0] += n
        c[1] += covered
        g = grids.setdefault(grid or 0, [0, 0])
        g[0] += n
        g[1] += n - covered
    coverage = [ClassCoverage(c, tr(short), *classes.get(c, (0, 0))) for c, short in vocab.CONTACT_CLASS_SHORT.items()]
    names = dict(db.execute("SELECT id, name FROM org_units"))
    out = [GridOverdue(g, names.get(g) or tr("（未分网格）"), n, overdue) for g, (n, overdue) in grids.items()]
    return coverage, sorted(out, key=lambda g: (-g.overdue, -g.households, natural_key(g.name)))


def _staff_activity(db: Database, p: Period, org_ids: Collection[int] | None = None) -> list[StaffActivity]:
    """Visits and log entries of the month per staff member, most active first."""
    values: dict[int, list[int]] = {}
    for staff_id, n in db.execute(
            # CROSS JOIN: from the month's visits, not from every household's visits.
            "SELECT v.staff_id, COUNT(DISTINCT v.id) FROM visits v CROSS JOIN visit_households vh ON vh.visit_id = v.id "
            "AND vh.voided = 0 WHERE v.status = 'active' AND v.visited_on >= ? AND v.visited_on < ? "
            f"AND {household_in('vh.household_id', org_ids)} GROUP BY 1", [p.start, p.end]):
        values.setdefault(staff_id, [0, 0, 0])[0] = n
    in_scope = "1" if org_ids is None else (
        f"(e.staff_id IN (SELECT id FROM staff WHERE {org_in('org_id', org_ids)}) OR e.id IN "
        f"(SELECT lh.entry_id FROM log_households lh WHERE {household_in('lh.household_id', org_ids)}))")
    for staff_id, n, waiting in db.execute(
            "SELECT e.staff_id, COUNT(*), SUM(NOT EXISTS (SELECT 1 FROM log_comments k WHERE k.entry_id = e.id)) "
            f"FROM log_entries e WHERE e.status = 'active' AND e.entry_date >= ? AND e.entry_date < ? AND {in_scope} "
            "GROUP BY 1", [p.start, p.end]):
        v = values.setdefault(staff_id, [0, 0, 0])
        v[1], v[2] = n, waiting or 0
    names = dict(db.execute("SELECT id, name FROM staff"))
    out = [StaffActivity(s, names.get(s, ""), *v) for s, v in values.items() if s is not None]
    return sorted(out, key=lambda s: (-(s.visits + s.logs), s.name, s.staff_id))


def _population(db: Database, day: dt.date, org_ids: Collection[int] | None,
                tags: Collection[str] | None) -> tuple[list[Count], list[AgeBand]]:
    """The registers (age groups and the tags in `tags`, None: all, the office's own registers after
    the built-in ones) and the age pyramid, from one grouped pass over the active persons' birth
    dates and one over the open tags."""
    # Grouped by birth date only (about a third as many groups as with the sex too); the whole office
    # from the index that holds birth date, sex and status (schema.DASHBOARD_INDEXES), in its order.
    whole = " INDEXED BY idx_persons_birth_sex_status" if org_ids is None else ""
    by_birth = {birth: (m, f, n - m - f) for birth, m, f, n in db.execute(
        f"SELECT p.birth_date, SUM(p.sex = 'M'), SUM(p.sex = 'F'), COUNT(*) FROM persons p{whole} "
        f"WHERE p.status = 'active' AND {household_in('p.household_id', org_ids)} GROUP BY 1") if birth}
    n_bands = TOP_BAND // BAND_YEARS + 1
    men, women = [0] * n_bands, [0] * n_bands
    group_counts = [0] * len(ages.AGE_GROUPS)
    bounds = [ages.birth_bounds(g.min_age, g.max_age, day) for g in ages.AGE_GROUPS]
    iso = day.isoformat()
    # A band's youngest birth date: born on or before it makes one at least that old (ages' own bounds).
    starts = [ages.birth_bounds(band * BAND_YEARS, None, day)[1] for band in range(n_bands - 1, 0, -1)]
    for birth, (m, f, other) in by_birth.items():
        for i, (lo, hi) in enumerate(bounds):
            if (lo is None or birth > lo) and (hi is None or birth <= hi):
                group_counts[i] += m + f + other
        if birth > iso:
            continue
        band = len(starts) - bisect_left(starts, birth)
        men[band] += m
        women[band] += f
    counts = [Count(registers.AGE_PREFIX + g.code, ages.label(g), n) for g, n in zip(ages.AGE_GROUPS, group_counts)]
    open_tags = dict(db.execute(
        f"SELECT t.tag, COUNT(DISTINCT t.person_id) FROM person_tags t JOIN persons p {registers.BY_ID} "
        f"ON p.id = t.person_id WHERE {registers.ACTIVE} AND (t.until IS NULL OR t.until = '' OR t.until > ?) "
        f"AND {household_in('p.household_id', org_ids)} GROUP BY 1", [iso]))
    counts += [Count(g.code, g.label, open_tags.get(g.code, 0)) for g in registers.groups(db)
               if g.kind == "tag" and (tags is None or g.code in tags)]
    pyramid = []
    for band in range(n_bands):
        lo = band * BAND_YEARS
        last = band == n_bands - 1
        label = tr("{a}岁以上").format(a=lo) if last else f"{lo}–{lo + BAND_YEARS - 1}"
        pyramid.append(AgeBand(label, lo, None if last else lo + BAND_YEARS - 1, men[band], women[band]))
    return counts, pyramid


class Memo:
    """The last few answers read on one connection, kept while the file is unchanged.

    SQLite's `PRAGMA data_version` on a connection changes whenever another connection (the window's
    writer, a command, another program) has committed since, so an answer is reused only when no
    write of any kind came between; this connection itself only reads. Not for writing connections."""

    def __init__(self, size: int = 6):
        self.size = size
        self._answers: dict[tuple, object] = {}

    def get(self, db: Database, key: tuple, compute: Callable[[], T]) -> T:
        version = db.execute("PRAGMA data_version").fetchone()[0]
        full = (db.conn, version, *key)
        if full in self._answers:
            self._answers[full] = self._answers.pop(full)  # the newest at the end
            return self._answers[full]
        answer = compute()
        self._answers[full] = answer
        while len(self._answers) > self.size:
            del self._answers[next(iter(self._answers))]
        return answer


def scope_ids(db: Database, unit_id: int | None, scope: Scope) -> set[int] | None:
    """The units of a scope: the subtree of `unit_id` (None: the office), within the user's Scope
    (a unit outside it is refused)."""
    visible = scope.org_ids
    if unit_id is None:
        return None if visible is None else set(visible)
    scope.require_org(unit_id)
    path = db.execute("SELECT path FROM org_units WHERE id = ?", [unit_id]).fetchone()
    ids = {r[0] for r in db.execute("SELECT id FROM org_units WHERE path >= ? AND path < ?",
                                    [path[0], path[0][:-1] + "0"])} if path else set()
    return ids if visible is None else ids & set(visible)


def _scope_name(db: Database, unit_id: int | None) -> str:
    name = office(db).name
    if unit_id is not None:
        row = db.execute("SELECT name FROM org_units WHERE id = ?", [unit_id]).fetchone()
        return row[0] if row else name
    return name


def activity(db: Database, month_text: str, *, scope: Scope, today: dt.date, now: dt.datetime | None = None,
             unit_id: int | None = None) -> Dashboard:
    """The matters, visits and staff figures of the dashboard (registers and pyramid left empty): the
    subtree of `unit_id` (None: the office) within the user's Scope."""
    org_ids = scope_ids(db, unit_id, scope)
    p = month(month_text)
    now = now or dt.datetime.combine(today, dt.time(12))
    day = judged_day(p, today)
    coverage, grids = _visit_figures(db, day, org_ids)
    return Dashboard(
        office=office(db).name, scope=_scope_name(db, unit_id), period=p, day=day,
        months=tuple(_matter_months(db, p, org_ids)),
        categories=tuple(_matter_categories(db, p, org_ids)),
        deadlines=tuple(_deadline_counts(db, now, org_ids)),
        satisfaction=tuple(_satisfaction_counts(db, p, org_ids)),
        coverage=tuple(coverage),
        grids=tuple(grids),
        staff=tuple(_staff_activity(db, p, org_ids)),
    )


def visible_tags(db: Database, scope: Scope) -> list[str]:
    """The registers' tag codes the user may see: the built-in ones of the role and the office's own."""
    return [g.code for g in registers.groups(db) if g.kind == "tag" and scope.sees_tag(g.code)]


def dashboard(db: Database, month_text: str, *, scope: Scope, today: dt.date, now: dt.datetime | None = None,
              unit_id: int | None = None) -> Dashboard:
    """Every figure of the dashboard for a month: the subtree of `unit_id` (None: the office) within
    the user's Scope, with only the registers the user may see."""
    d = activity(db, month_text, scope=scope, today=today, now=now, unit_id=unit_id)
    counts, pyramid = population(db, d.day, scope=scope, unit_id=unit_id)
    return replace(d, registers=tuple(counts), pyramid=tuple(pyramid))


def population(db: Database, day: dt.date, *, scope: Scope, unit_id: int | None = None) -> tuple[list[Count], list[AgeBand]]:
    """The registers the user may see and the age pyramid on `day`, of the subtree of `unit_id`
    (None: the office) within the user's Scope."""
    return _population(db, day, scope_ids(db, unit_id, scope), visible_tags(db, scope))


def problem_counts(db: Database, today: dt.date, *, scope: Scope, unit_id: int | None = None,
                   found: completeness.Kept | None = None) -> list[Count]:
    """The completeness check's problems per kind (completeness.KINDS order), of the subtree of `unit_id`
    within the user's Scope (completeness.in_scope says which rows a unit holds): from `found`, else from
    completeness.found (the result kept in the file while it holds, else every rule run)."""
    org_ids = scope_ids(db, unit_id, scope)
    found = found or completeness.found(db, today)
    counts: dict[str, int] = {}
    for p in completeness.in_scope(db, list(found.found), org_ids):
        counts[p.kind] = counts.get(p.kind, 0) + 1
    return [Count(kind, tr(label), counts.get(kind, 0)) for kind, label in completeness.KINDS.items()]
