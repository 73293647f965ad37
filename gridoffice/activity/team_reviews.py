"""团队集中点评: the monthly collective review of each service team.

Seed 004 (舟山): “通过团队自评、团队互评、群众评分等形式，对网格服务团队进行集中点评，总结好的经验和做法，
找准存在的问题，积极予以改进”. A team scores itself once a month (with what went well, what did not and
what it will change), other teams score it, and the residents' score is the mean of the 居民评分 of
the matters of its grid evaluated in that month. The year-end assessment reads the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.audit import trail, records
from gridoffice.reports import monthly
from gridoffice.store.db import now as db_now
from gridoffice.errors import RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_field
from gridoffice.org.regions import tree_keys
from gridoffice.access.scope import Scope, writable
from gridoffice.changes import Changes, writes


@dataclass(frozen=True)
class PeerScore:
    reviewer_team_id: int
    reviewer: str  # the reviewing team's name
    score: int
    note: str


@dataclass(frozen=True)
class TeamReview:
    """One team's month: its self-assessment, the other teams' scores and the residents' score."""
    team_id: int
    team: str
    grid: str
    self_score: int | None
    self_note: str
    peers: tuple[PeerScore, ...]
    resident_average: float | None
    resident_count: int  # evaluated matters of the grid that month

    @property
    def peer_average(self) -> float | None:
        return sum(p.score for p in self.peers) / len(self.peers) if self.peers else None


def _score(value: object) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValidationError("score", tr("请填写评分（0到100的整数）"))
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise ValidationError("score", tr("评分应为0到100的整数，现在是“{v}”").format(v=text))
    return int(text)


def _active_team(db: Database, team_id: int) -> dict:
    team = records.require(db, "teams", team_id, "服务团队")
    if team["status"] != "active":
        raise RuleViolation(tr("服务团队“{name}”已撤销").format(name=team["name"]))
    return team


@writes(Changes.TEAMS)
def record(db: Database, team_id: int, month: str, score: object, *, reviewer_team_id: int | None = None,
           note: str = "", today: dt.date | None = None) -> int:
    """Record (or correct) one score of a team's month: its self-assessment when `reviewer_team_id` is
    None or the team itself, else another team's peer review. Returns the row id."""
    period = monthly.month(month)
    today = today or dt.date.today()
    if period.start > today.isoformat():
        raise ValidationError("month", tr("{m}还没有到，不能点评").format(m=period.label))
    value = _score(score)
    note = clean_field(note, "review_note", "note", multiline=True)
    reviewer_team_id = team_id if reviewer_team_id is None else reviewer_team_id
    with db.atomic():
        team = _active_team(db, team_id)
        writable(db, team["grid_id"])
        if reviewer_team_id != team_id:
            _active_team(db, reviewer_team_id)
        elif not note:
            raise ValidationError("note", tr("团队自评请写明好的经验做法、存在的问题和改进措施"))
        key = [team_id, period.start[:7], reviewer_team_id]
        old = db.execute("SELECT id, score, note FROM team_reviews WHERE team_id = ? AND month = ? "
                         "AND reviewer_team_id = ?", key).fetchone()
        stamp, actor = db_now(), trail.actor(db)
        if old is None:
            return records.insert(db, "team_reviews", {
                "team_id": team_id, "month": key[1], "reviewer_team_id": reviewer_team_id, "score": value,
                "note": note, "recorded_at": stamp, "recorded_by": actor}, "record_team_review")
        records.update(db, "team_reviews", old[0], {"score": value, "note": note, "recorded_at": stamp,
                                                    "recorded_by": actor}, "record_team_review")
        return old[0]


def month_reviews(db: Database, month: str, *, scope: Scope, org_id: int | None = None) -> list[TeamReview]:
    """Every active team of the scope's grids (of subtree `org_id`), in tree order, with its month."""
    period = monthly.month(month)
    where, params = monthly.grid_scope(db, scope, org_id)
    teams = db.execute(
        "SELECT t.id, t.name, t.grid_id, u.name FROM teams t JOIN org_units u ON u.id = t.grid_id "
        f"WHERE t.status = 'active'{' AND t.grid_id' + where if where else ''}", params).fetchall()
    keys = tree_keys(db)
    teams.sort(key=lambda r: (keys.get(r[2], ()), r[0]))
    names = dict(db.execute("SELECT id, name FROM teams"))
    scores: dict[int, list] = {}
    for team_id, reviewer, score, note in db.execute(
            "SELECT team_id, reviewer_team_id, score, note FROM team_reviews WHERE month = ? ORDER BY id",
            [period.start[:7]]):
        scores.setdefault(team_id, []).append((reviewer, score, note))
    residents = resident_scores(db, period, "grid", scope)
    out = []
    for team_id, name, grid_id, grid in teams:
        own = [(s, n) for r, s, n in scores.get(team_id, []) if r == team_id]
        peers = tuple(PeerScore(r, names.get(r, ""), s, n) for r, s, n in scores.get(team_id, []) if r != team_id)
        total, count = residents.get(grid_id, (0, 0))
        out.append(TeamReview(team_id, name, grid, own[0][0] if own else None, own[0][1] if own else "", peers,
                              total / count if count else None, count))
    return out


def resident_scores(db: Database, period: monthly.Period, by: str, scope: Scope) -> dict[int, tuple[int, int]]:
    """Sum and count of the residents' scores (居民评分) of the scope's matters evaluated in the period,
    per grid (`by` 'grid') or per handling staff member ('staff')."""
    key = "m.grid_id" if by == "grid" else "m.assignee_staff_id"
    return {k: (total, n) for k, total, n in db.execute(
        f"SELECT {key}, SUM(m.resident_score), COUNT(*) FROM matters m WHERE m.resident_score IS NOT NULL "
        f"AND m.evaluated_at >= ? AND m.evaluated_at < ? AND {key} IS NOT NULL AND {scope.matters()} GROUP BY 1",
        [period.start, period.end])}


def year_scores(db: Database, period: monthly.Period, by: str) -> dict[int, dict[str, int]]:
    """For the assessment: per team ('team') or per staff member ('staff'), the sums and counts of the
    monthly self-assessments and peer scores of the period. A member is credited with the scores of
    the teams they belonged to in the month reviewed."""
    first, last = period.start[:7], (dt.date.fromisoformat(period.end) - dt.timedelta(days=1)).isoformat()[:7]
    if by == "team":
        sql = ("SELECT r.team_id, r.reviewer_team_id = r.team_id, SUM(r.score), COUNT(*) FROM team_reviews r "
               "WHERE r.month >= ? AND r.month <= ? GROUP BY 1, 2")
    else:
        sql = ("SELECT m.staff_id, r.reviewer_team_id = r.team_id, SUM(r.score), COUNT(*) FROM team_reviews r "
               "JOIN team_members m ON m.team_id = r.team_id AND (m.since IS NULL OR m.since < date(r.month || '-01', "
               "'+1 month')) AND (m.until IS NULL OR m.until >= r.month || '-01') "
               "WHERE r.month >= ? AND r.month <= ? GROUP BY 1, 2")
    out: dict[int, dict[str, int]] = {}
    for key, own, total, n in db.execute(sql, [first, last]):
        kind = "self" if own else "peer"
        out.setdefault(key, {}).update({f"{kind}_sum": total, f"{kind}_n": n})
    return out
