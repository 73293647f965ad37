"""必访情形 and 集中走访 (seeds 000 and 003): a situation recorded on a household makes a visit due within
its days until the household is visited; campaigns are planned per unit, assigned per grid and
tracked for coverage."""

import datetime as dt

import pytest

from tests._domain import contact_office
from gridoffice.access import users
from gridoffice.activity import must_visits, visits
from gridoffice.archive import households
from gridoffice.access import scope as scopes
from gridoffice.errors import PermissionDenied, RuleViolation, ValidationError
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def office(db):
    return contact_office(db, TODAY)


def test_a_situation_makes_a_visit_due_until_the_household_is_visited(db, office):
    t, worker, member, (h1, h2, h3) = office
    must_visits.record(db, h1, "重病或住院", noted_on="2026-11-18", note="户主住院", today=TODAY)
    must_visits.record(db, h3, "发生矛盾纠纷", noted_on="2026-11-21", today=TODAY)
    due = must_visits.pending(db, today=TODAY, scope=ADMIN)
    assert [(m.number, m.head_name, m.situation, m.noted_on, m.due_on, m.days_overdue, m.contacts) for m in due] == [
        (due[0].number, "张一", "重病或住院", "2026-11-18", "2026-11-21", 1, "王网格"),
        (due[1].number, "张三", "发生矛盾纠纷", "2026-11-21", "2026-11-23", -1, "李党员")]
    # The workbench of the contact shows theirs only; 走访督查 of a grid only that grid's.
    assert [m.household_id for m in must_visits.pending(db, staff_id=worker, today=TODAY, scope=ADMIN)] == [h1]
    grid2 = users.scope_of(db, users.User(0, "网格员", "", "grid_worker", t.grid2, "active"))
    assert [m.household_id for m in must_visits.pending(db, scope=grid2, today=TODAY)] == [h3]
    # A visit before the day it was noted does not count; one on or after it does.
    visits.record_visit(db, staff_id=worker, household_ids=[h1], visited_on="2026-11-17", today=TODAY)
    assert h1 in [m.household_id for m in must_visits.pending(db, today=TODAY, scope=ADMIN)]
    visit = visits.record_visit(db, staff_id=member, household_ids=[h1], visited_on="2026-11-22", today=TODAY)
    assert [m.household_id for m in must_visits.pending(db, today=TODAY, scope=ADMIN)] == [h3]
    # Voiding that visit makes it due again.
    visits.void_visit(db, visit, "录错了户")
    assert h1 in [m.household_id for m in must_visits.pending(db, today=TODAY, scope=ADMIN)]


def test_the_situations_are_the_offices_own_list(db, office):
    t, worker, member, (h1, h2, h3) = office
    assert len(must_visits.situations(db)) == 10
    must_visits.set_situations(db, [("独居老人生病", "2"), ("家中失火", 1)])
    assert [(s.name, s.days) for s in must_visits.situations(db)] == [("独居老人生病", 2), ("家中失火", 1)]
    with pytest.raises(ValidationError, match="请选择必访情形：独居老人生病、家中失火"):
        must_visits.record(db, h1, "重病或住院", noted_on="2026-11-18", today=TODAY)
    assert must_visits.record(db, h1, "家中失火", noted_on="2026-11-20", today=TODAY)
    assert must_visits.pending(db, today=TODAY, scope=ADMIN)[0].due_on == "2026-11-21"


@pytest.mark.parametrize("items, words", [
    ([], "至少"), ([("生病", "0")], "1到30"), ([("生病", "三")], "1到30"), ([(" ", 3)], "不能为空"),
    ([("生病", 3), ("生病", 2)], "重复"),
])
def test_a_bad_list_is_refused_and_nothing_written(db, items, words):
    with pytest.raises(ValidationError, match=words):
        must_visits.set_situations(db, items)
    assert db.execute("SELECT COUNT(*) FROM settings WHERE key = ?", [must_visits.SITUATIONS_KEY]).fetchone()[0] == 0


def test_bad_records_are_refused(db, office):
    t, worker, member, (h1, h2, h3) = office
    with pytest.raises(ValidationError, match="发生日期"):
        must_visits.record(db, h1, "重病或住院", noted_on="2026-11-30", today=TODAY)
    households.move_out(db, h2, day="2026-11-01", today=TODAY)
    with pytest.raises(RuleViolation, match="已不在册"):
        must_visits.record(db, h2, "重病或住院", noted_on="2026-11-20", today=TODAY)
    assert db.execute("SELECT COUNT(*) FROM must_visits").fetchone()[0] == 0


def test_cancel_with_a_reason(db, office):
    t, worker, member, (h1, h2, h3) = office
    mv = must_visits.record(db, h1, "生活遇到困难", noted_on="2026-11-20", today=TODAY)
    with pytest.raises(ValidationError, match="原因"):
        must_visits.cancel(db, mv, " ")
    must_visits.cancel(db, mv, "登记错了户")
    assert must_visits.pending(db, today=TODAY, scope=ADMIN) == []
    with pytest.raises(RuleViolation, match="已撤销"):
        must_visits.cancel(db, mv, "再撤一次")


def test_a_grid_worker_records_only_in_their_grid_and_cannot_change_the_list(db, office):
    t, worker, member, (h1, h2, h3) = office
    scopes.bind(db, users.scope_of(db, users.User(0, "网格员", "", "grid_worker", t.grid, "active")))
    assert must_visits.record(db, h1, "重病或住院", noted_on="2026-11-20", today=TODAY)
    with pytest.raises(PermissionDenied):
        must_visits.record(db, h3, "重病或住院", noted_on="2026-11-20", today=TODAY)
    with pytest.raises(PermissionDenied, match="全单位通用"):
        must_visits.set_situations(db, [("生病", 3)])


def test_a_campaign_is_planned_assigned_and_tracked_for_coverage(db, office):
    t, worker, member, (h1, h2, h3) = office
    cid = must_visits.plan_campaign(db, "春节前集中走访", start_on="2026-01-10", end_on="2026-02-10",
                                    org_id=t.community)
    must_visits.assign(db, cid, t.grid, worker)
    visits.record_visit(db, staff_id=worker, household_ids=[h1], visited_on="2026-01-15", today=TODAY)
    visits.record_visit(db, staff_id=worker, household_ids=[h2], visited_on="2026-03-01", today=TODAY)  # after it
    cover = must_visits.coverage(db, cid, scope=ADMIN)
    assert [(c.grid, c.staff_name, c.households, c.visited) for c in cover] == [
        ("第一网格", "王网格", 2, 1), ("第二网格", "", 1, 0)]
    must_visits.assign(db, cid, t.grid, member)  # reassigned
    assert must_visits.coverage(db, cid, scope=ADMIN)[0].staff_name == "李党员"
    assert [c.name for c in must_visits.campaigns(db, 2026, scope=ADMIN)] == ["春节前集中走访"]
    assert must_visits.campaigns(db, 2025, scope=ADMIN) == []
    must_visits.plan_campaign(db, "全单位秋季走访", start_on="2026-09-01", end_on="2026-09-30")
    assert [c.unit for c in must_visits.campaigns(db, 2026, scope=ADMIN)] == ["宝石社区", "全部"]


@pytest.mark.parametrize("kwargs, field, words", [
    (dict(name=" ", start_on="2026-01-01", end_on="2026-01-31"), "name", "名称"),
    (dict(name="走访", start_on="2026-02-01", end_on="2026-01-31"), "end_on", "早于"),
    (dict(name="走访", start_on="2026-01-01", end_on="2026-12-31"), "end_on", "三个月"),
    (dict(name="走访", start_on="1月1日", end_on="2026-01-31"), "start_on", "无效"),
])
def test_bad_campaigns_are_refused(db, kwargs, field, words):
    with pytest.raises(ValidationError) as e:
        must_visits.plan_campaign(db, kwargs.pop("name"), **kwargs)
    assert e.value.field == field and words in str(e.value)
    assert db.execute("SELECT COUNT(*) FROM visit_campaigns").fetchone()[0] == 0


def test_a_grid_outside_the_campaign_cannot_be_assigned(db, office):
    from gridoffice.org import regions

    t, worker, member, _ = office
    other = regions.create_unit(db, t.street, "community", "别的社区", "C02")
    grid = regions.create_unit(db, other, "grid", "别的网格", "G09")
    cid = must_visits.plan_campaign(db, "走访", start_on="2026-01-01", end_on="2026-01-31", org_id=t.community)
    with pytest.raises(ValidationError, match="不在这次集中走访的范围内"):
        must_visits.assign(db, cid, grid, worker)
