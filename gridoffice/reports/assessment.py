"""The year-end assessment (年终考核): indicators per staff member and per team from the year's records,
and the editable assessment template (each indicator's full-marks target and its weight).

The assessment formula lives here once: an indicator scores weight × min(value / target, 1); a rate
with nothing to rate (no matters closed, no evaluations, no contact households) scores nothing: marks
are earned by work done, so a member with no activity does not collect the rates' weights. A team is judged on its
grid's figures (as the monthly summary counts them), a member on their own. The workbook writes
the same formula as live Excel formulas."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.activity import team_reviews
from gridoffice.audit import trail
from gridoffice.reports import monthly
from gridoffice.store.db import get_setting, set_setting
from gridoffice.errors import PermissionDenied, ValidationError
from gridoffice.i18n import tr
from gridoffice.org.regions import office, tree_keys
from gridoffice.access.scope import Scope, acting
from gridoffice.changes import Changes, writes

TEMPLATE_KEY = "assessment_template"


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    target: float  # the value that earns full marks
    weight: float  # the full marks
    kind: str  # "count", "rate" (a fraction 0..1) or "score" (a mean of 0..100 scores)

    @property
    def rate(self) -> bool:
        return self.kind == "rate"


INDICATORS = {  # code -> (label, kind)
    "visits": ("走访次数", "count"),
    "households_visited": ("走访户数", "count"),
    "coverage": ("联系户按期走访率", "rate"),
    "log_entries": ("民情日志条数", "count"),
    "needs_solved": ("解决群众需求件数", "count"),
    "matters": ("承办诉求件数", "count"),
    "on_time_rate": ("诉求按期办结率", "rate"),
    "satisfaction_rate": ("群众满意率", "rate"),
    # 一事一诺一评价 (seed 004): “团队自评、团队互评、群众评分”, means of the monthly scores.
    "resident_score": ("群众评分", "score"),
    "team_self": ("团队自评", "score"),
    "team_peer": ("团队互评", "score"),
}
DEFAULT_TEMPLATE = (("visits", 96, 20), ("households_visited", 30, 10), ("coverage", 1, 15), ("log_entries", 48, 10),
                    ("needs_solved", 5, 5), ("matters", 10, 5), ("on_time_rate", 1, 10),
                    ("satisfaction_rate", 1, 10), ("resident_score", 90, 5), ("team_self", 90, 5),
                    ("team_peer", 90, 5))
# What each kind of indicator is, said on the workbook's weights sheet and in the window's editor.
KIND_TEXT = {"count": "件数，按完成比例得分，封顶满分",
             "rate": "比率，达到满分标准得满分；无可评事项得0分",
             "score": "平均分（0到100分），达到满分标准得满分；无评分得0分"}


def template(db: Database) -> list[Indicator]:
    stored = get_setting(db, TEMPLATE_KEY)
    items = json.loads(stored) if stored else [{"code": c, "target": t, "weight": w} for c, t, w in DEFAULT_TEMPLATE]
    return [Indicator(i["code"], tr(INDICATORS[i["code"]][0]), float(i["target"]), float(i["weight"]),
                      INDICATORS[i["code"]][1]) for i in items if i["code"] in INDICATORS]


def kind_text(ind: Indicator) -> str:
    return tr(KIND_TEXT[ind.kind])


@writes(Changes.SETTINGS)
def set_template(db: Database, items: list[tuple[str, object, object]]) -> None:
    """Replace the template with (code, target, weight) rows; checked before anything is written.
    The template scores every member and team of the office: only an administrator sets it."""
    user = acting(db)
    if user is not None and user.role != "admin":
        raise PermissionDenied(tr("只有系统管理员可以设置考核模板，请用管理员账号登录"))
    clean = []
    for code, target, weight in items:
        if code not in INDICATORS:
            raise ValidationError("code", tr("没有名为“{code}”的考核指标").format(code=code))
        label = tr(INDICATORS[code][0])
        t, w = _number(target), _number(weight)
        kind = INDICATORS[code][1]
        if t is None or t <= 0 or (kind == "rate" and t > 1) or (kind == "score" and t > 100):
            raise ValidationError("target", tr("“{label}”的满分标准请填大于0的数{rate}").format(
                label=label, rate={"rate": tr("（比率不超过1，如0.95）"), "score": tr("（评分不超过100，如90）")}.get(kind, "")))
        if any(c["code"] == code for c in clean):
            raise ValidationError("code", tr("考核指标“{label}”重复了").format(label=label))
        if w is None or not 0 <= w <= 100:
            raise ValidationError("weight", tr("“{label}”的权重请填0到100之间的数").format(label=label))
        clean.append({"code": code, "target": t, "weight": w})
    if not clean:
        raise ValidationError("template", tr("考核模板至少要有一项指标"))
    with db.atomic():
        old = [{"code": i.code, "target": i.target, "weight": i.weight} for i in template(db)]
        set_setting(db, TEMPLATE_KEY, json.dumps(clean))
        trail.record(db, "set_assessment_template", "settings", None, old={"template": old}, new={"template": clean})


def _number(value: object) -> float | None:
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def score(ind: Indicator, value: float | None) -> float:
    if value is None:
        return 0.0
    return ind.weight * min(value / ind.target, 1.0)


@dataclass(frozen=True)
class Assessed:
    key: int
    name: str
    unit: str  # the member's unit, or the team's grid
    counts: tuple[int, ...]  # numerators and denominators, in COUNT_FIELDS order

    def value(self, code: str) -> float | None:
        c = dict(zip(COUNT_FIELDS, self.counts))
        ratio = {"coverage": ("covered", "rule_households"), "on_time_rate": ("closed_on_time", "closed"),
                 "satisfaction_rate": ("satisfied", "evaluated"), "resident_score": ("resident_sum", "resident_n"),
                 "team_self": ("self_sum", "self_n"), "team_peer": ("peer_sum", "peer_n")}
        if code in ratio:
            num, den = ratio[code]
            if not c[den]:
                return None
            return round(c[num] / c[den], 2) if INDICATORS[code][1] == "score" else c[num] / c[den]
        return c[code]


COUNT_FIELDS = ("visits", "households_visited", "rule_households", "covered", "log_entries", "needs_solved",
                "matters", "closed", "closed_on_time", "evaluated", "satisfied", "resident_sum", "resident_n",
                "self_sum", "self_n", "peer_sum", "peer_n")


@dataclass(frozen=True)
class Assessment:
    office: str
    period: monthly.Period
    indicators: tuple[Indicator, ...]
    staff: tuple[Assessed, ...]
    teams: tuple[Assessed, ...]


def assessment(db: Database, year_text: object, *, scope: Scope, org_id: int | None = None,
               today: dt.date | None = None) -> Assessment:
    """Indicators of every active staff member and every active team within the user's scope (and
    the subtree `org_id`), for one year, counting the scope's records only."""
    p = monthly.year(year_text)
    today = today or dt.date.today()
    # Coverage is judged on the last day of the year, or today while the year is still running.
    cover_day = min(p.last_day, today)
    cover = monthly.Period(p.start, (cover_day + dt.timedelta(days=1)).isoformat(), p.label)
    per = _counts(db, p, cover, "staff", scope)
    units = dict(db.execute("SELECT id, name FROM org_units"))
    staff_rows = [Assessed(sid, name, units.get(org, ""), tuple(per.get(sid, {}).get(f, 0) for f in COUNT_FIELDS))
                  for sid, name, org in _staff(db, scope, org_id)]
    # A team serves its grid: it is judged on the grid's visits, coverage, logs, needs and matters.
    by_grid = _counts(db, p, cover, "grid", scope)
    grid_where, sparams = monthly.grid_scope(db, scope, org_id)
    keys = tree_keys(db)
    rows = db.execute(
        "SELECT t.id, t.name, t.grid_id, u.name FROM teams t JOIN org_units u ON u.id = t.grid_id "
        f"WHERE t.status = 'active'{' AND t.grid_id' + grid_where if grid_where else ''}", sparams).fetchall()
    reviews = team_reviews.year_scores(db, p, "team")
    teams = [Assessed(team_id, name, grid, tuple({**by_grid.get(grid_id, {}), **reviews.get(team_id, {})}.get(f, 0)
                                                 for f in COUNT_FIELDS))
             for team_id, name, grid_id, grid in sorted(rows, key=lambda r: (keys[r[2]], r[0]))]
    return Assessment(office(db).name, p, tuple(template(db)), tuple(staff_rows), tuple(teams))


def _counts(db: Database, p: monthly.Period, cover: monthly.Period, by: str, scope: Scope) -> dict[int, dict[str, int]]:
    """Per staff member or per grid: the counts behind the indicators, the summary's definitions."""
    per: dict[int, dict[str, int]] = {}

    def put(key, **values):
        per.setdefault(key, {}).update(values)

    for k, (v, hv) in monthly.visits_by(db, p, by, scope).items():
        put(k, visits=v, households_visited=hv)
    for k, (n, c) in monthly.coverage_by(db, cover, by, scope).items():
        put(k, rule_households=n, covered=c)
    for k, (e, _) in monthly.logs_by(db, p, by, scope).items():
        put(k, log_entries=e)
    needs_key, join = ("n.staff_id", "") if by == "staff" else (
        monthly.GRID, "JOIN households h ON h.id = n.household_id JOIN org_units u ON u.id = h.org_id")
    for k, n in db.execute(f"SELECT {needs_key}, COUNT(*) FROM needs n {join} WHERE n.status = 'solved' "
                           f"AND n.solved_on >= ? AND n.solved_on < ? AND {scope.households('n.household_id')} "
                           "GROUP BY 1", [p.start, p.end]):
        put(k, needs_solved=n)
    sql, params = monthly.matter_sql(p, "m.assignee_staff_id" if by == "staff" else "m.grid_id", scope.matters())
    for k, received, closed, on_time, _, evaluated, satisfied in db.execute(sql, params):
        put(k, matters=received, closed=closed, closed_on_time=on_time, evaluated=evaluated, satisfied=satisfied)
    for k, (total, n) in team_reviews.resident_scores(db, p, by, scope).items():
        put(k, resident_sum=total, resident_n=n)
    if by == "staff":
        for k, values in team_reviews.year_scores(db, p, "staff").items():
            put(k, **values)
    return per


def _staff(db: Database, scope: Scope, org_id: int | None) -> list[tuple[int, str, int]]:
    keep = {sid for sid, _ in monthly.staff_in_scope(db, scope, org_id)}
    return [tuple(r) for r in db.execute("SELECT id, name, org_id FROM staff WHERE status = 'active' ORDER BY org_id, id")
            if r[0] in keep]


def total_score(a: Assessed, indicators) -> float:
    return sum(score(i, a.value(i.code)) for i in indicators)


def office_counts(db: Database, year_text: object, *, scope: Scope, today: dt.date | None = None
                  ) -> tuple[tuple[int, ...], int]:
    """The whole office's counts behind the indicators (COUNT_FIELDS order), made as a team's are: its
    grids' figures summed and its teams' reviews pooled; and its number of active staff. The street
    ranks its communities by them (consolidation.street_view.ranked), each count per staff member so
    that a member's full-marks targets apply."""
    p = monthly.year(year_text)
    today = today or dt.date.today()
    cover_day = min(p.last_day, today)
    cover = monthly.Period(p.start, (cover_day + dt.timedelta(days=1)).isoformat(), p.label)
    total = dict.fromkeys(COUNT_FIELDS, 0)
    for values in _counts(db, p, cover, "grid", scope).values():
        for field, value in values.items():
            total[field] += value
    for values in team_reviews.year_scores(db, p, "team").values():
        for field, value in values.items():
            if field in total:
                total[field] += value
    return tuple(total[f] for f in COUNT_FIELDS), len(_staff(db, scope, None))
