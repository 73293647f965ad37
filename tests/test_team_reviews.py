"""团队集中点评 (seed 004: “通过团队自评、团队互评、群众评分等形式，对网格服务团队进行集中点评”): a team's
month holds its self-assessment, the other teams' scores and the residents' score; the year-end
assessment reads the same figures as indicators."""

import datetime as dt

import pytest

from gridoffice.matters import rules as M
from gridoffice.activity import team_reviews
from gridoffice.org import staff
from gridoffice.reports import assessment
from gridoffice.errors import RuleViolation, ValidationError
from gridoffice.access.users import whole_office
from tests._domain import tree

ADMIN = whole_office("测试员")
TODAY = dt.date(2026, 12, 10)


@pytest.fixture
def teams(db):
    t = tree(db)
    one = staff.create_team(db, t.grid, "第一网格服务团队")
    two = staff.create_team(db, t.grid2, "第二网格服务团队")
    return db, t, one, two


def _evaluated(db, grid, score, day, assignee=None):
    mid = M.intake(db, source="phone", category_id=1, grade="urgent", title="楼道灯不亮", resident_name="王秀英",
                   grid_id=grid, received_at=f"{day} 09:00", now=f"{day} 09:00")
    M.transition(db, mid, "assign", staff_id=assignee, dept="" if assignee else "城建办", now=f"{day} 09:10")
    M.transition(db, mid, "start", now=f"{day} 09:30")
    M.transition(db, mid, "resolve", note="已修好", now=f"{day} 10:00")
    M.transition(db, mid, "answer", note="电话告知", now=f"{day} 10:10")
    M.transition(db, mid, "evaluate", satisfaction="satisfied", resident_score=score, now=f"{day} 11:00")


def test_a_teams_month_has_self_peer_and_residents_scores(teams):
    db, t, one, two = teams
    team_reviews.record(db, one, "2026-11", 88, note="入户走访及时；夜间诉求响应慢；增设夜间值班", today=TODAY)
    team_reviews.record(db, one, "2026-11", 80, reviewer_team_id=two, note="台账清楚", today=TODAY)
    team_reviews.record(db, two, "2026-11", 90, reviewer_team_id=one, today=TODAY)
    _evaluated(db, t.grid, 90, "2026-11-05")
    _evaluated(db, t.grid, 70, "2026-11-20")
    _evaluated(db, t.grid, 10, "2026-10-20")  # another month: not this month's residents' score
    first, second = team_reviews.month_reviews(db, "2026-11", scope=ADMIN)
    assert (first.team, first.grid, first.self_score) == ("第一网格服务团队", "第一网格", 88)
    assert first.self_note == "入户走访及时；夜间诉求响应慢；增设夜间值班"
    assert [(p.reviewer, p.score, p.note) for p in first.peers] == [("第二网格服务团队", 80, "台账清楚")]
    assert (first.peer_average, first.resident_average, first.resident_count) == (80, 80, 2)
    assert (second.self_score, second.peer_average, second.resident_average) == (None, 90, None)


def test_recording_again_corrects_the_score_and_both_writes_are_audited(teams):
    db, _, one, _ = teams
    team_reviews.record(db, one, "2026-11", 70, note="初评", today=TODAY)
    team_reviews.record(db, one, "2026-11", 85, note="复核后", today=TODAY)
    [review, _] = team_reviews.month_reviews(db, "2026-11", scope=ADMIN)
    assert (review.self_score, review.self_note) == (85, "复核后")
    assert db.execute("SELECT COUNT(*) FROM team_reviews").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'record_team_review'").fetchone()[0] == 2


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(month="2026-13", score=80, note="x"), ValidationError, "月份"),
    (dict(month="2027-01", score=80, note="x"), ValidationError, "还没有到"),
    (dict(month="2026-11", score=101, note="x"), ValidationError, "0到100"),
    (dict(month="2026-11", score="八十", note="x"), ValidationError, "0到100"),
    (dict(month="2026-11", score=80, note=" "), ValidationError, "存在的问题"),
    (dict(month="2026-11", score=80, note="x", reviewer_team_id=999), Exception, "服务团队"),
])
def test_bad_input_is_refused_and_nothing_written(teams, kwargs, error, words):
    db, _, one, _ = teams
    with pytest.raises(error) as e:
        team_reviews.record(db, one, kwargs.pop("month"), kwargs.pop("score"), today=TODAY, **kwargs)
    assert words in str(e.value)
    assert db.execute("SELECT COUNT(*) FROM team_reviews").fetchone()[0] == 0


def test_a_retired_team_cannot_review_or_be_reviewed(teams):
    db, _, one, two = teams
    db.execute("UPDATE teams SET status = 'retired' WHERE id = ?", [two])
    with pytest.raises(RuleViolation, match="已撤销"):
        team_reviews.record(db, one, "2026-11", 80, reviewer_team_id=two, today=TODAY)
    with pytest.raises(RuleViolation, match="已撤销"):
        team_reviews.record(db, two, "2026-11", 80, note="x", today=TODAY)


def test_the_assessment_scores_teams_and_members_on_the_monthly_reviews(teams):
    db, t, one, two = teams
    worker = staff.add_staff(db, "李网格", "grid_worker", org_id=t.grid)
    staff.add_team_member(db, one, worker, since="2026-06-01", today=TODAY)
    for month, own, peer in (("2026-05", 60, 60), ("2026-07", 80, 90), ("2026-08", 90, 70)):
        team_reviews.record(db, one, month, own, note="月度自评", today=TODAY)
        team_reviews.record(db, one, month, peer, reviewer_team_id=two, today=TODAY)
    _evaluated(db, t.grid, 95, "2026-09-03", assignee=worker)
    _evaluated(db, t.grid, 85, "2026-09-04")
    a = assessment.assessment(db, "2026", scope=ADMIN, today=TODAY)
    [team] = [x for x in a.teams if x.key == one]
    assert (team.value("team_self"), team.value("team_peer"), team.value("resident_score")) == (
        pytest.approx(230 / 3, abs=0.01), pytest.approx(220 / 3, abs=0.01), 90)
    [member] = [x for x in a.staff if x.key == worker]
    # Joined in June: May's review was before the member's time.
    assert (member.value("team_self"), member.value("team_peer"), member.value("resident_score")) == (85, 80, 95)
    [other] = [x for x in a.teams if x.key == two]
    assert other.value("team_self") is None and other.value("team_peer") is None
    inds = {i.code: i for i in a.indicators}
    assert assessment.score(inds["team_self"], other.value("team_self")) == 0
    assert assessment.score(inds["resident_score"], 95) == inds["resident_score"].weight


def test_a_grid_worker_sees_only_the_teams_of_their_grid(teams):
    from gridoffice.access import users

    db, t, one, two = teams
    scope = users.scope_of(db, users.User(0, "网格员", "", "grid_worker", t.grid, "active"))
    assert [r.team_id for r in team_reviews.month_reviews(db, "2026-11", scope=scope)] == [one]


def test_the_audit_trail_tells_a_review_in_words(teams):
    from gridoffice.audit import trail, history

    db, _, one, two = teams
    row = team_reviews.record(db, one, "2026-11", 80, reviewer_team_id=two, note="台账清楚", today=TODAY)
    [told] = history.tell(db, trail.history(db, "team_reviews", row), scope=ADMIN)
    assert told.action == "记录团队点评" and told.subject == "团队点评"
    assert "服务团队：第一网格服务团队" in told.text and "评分团队：第二网格服务团队" in told.text and "评分：80" in told.text
