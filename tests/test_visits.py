import datetime as dt

import pytest

from tests._domain import contact_office, dump
from gridoffice.activity import logs, visits
from gridoffice.archive import households
from gridoffice.audit import trail
from gridoffice.demo import visits as visits_demo
from gridoffice.org import staff
from gridoffice.errors import RuleViolation, ValidationError
from gridoffice.access.users import whole_office

# The whole office, as an administrator reads it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def office(db):
    return contact_office(db, TODAY)


def test_due_dates_follow_the_class_rule(db, office):
    t, worker, member, (h1, h2, h3) = office
    visits.record_visit(db, staff_id=worker, household_ids=[h1, h2], visited_on="2026-09-01", today=TODAY)
    due = {d.household_id: d for d in visits.contacts_due(db, worker, today=TODAY, scope=ADMIN)}
    # Class 1: monthly (30 days) → overdue; class 3: quarterly (90 days) → due 2026-11-30.
    assert (due[h1].last_visit, due[h1].next_due, due[h1].days_overdue, due[h1].state) == (
        "2026-09-01", "2026-10-01", 52, "overdue")
    assert (due[h2].next_due, due[h2].days_overdue, due[h2].state) == ("2026-11-30", -8, "ok")
    # Never visited: counted from the start of the current contact (class 2: 60 days).
    assert visits.schedule(db, [h3], today=TODAY, scope=ADMIN)[h3].next_due == "2026-07-31"
    # A later visit by anyone moves the date; the list is sorted by due date.
    visits.record_visit(db, staff_id=member, household_ids=[h1], visited_on="2026-11-20", kind="return",
                        today=TODAY)
    assert [d.household_id for d in visits.contacts_due(db, worker, today=TODAY, scope=ADMIN)] == [h2, h1]
    assert visits.schedule(db, [h1], today=TODAY, scope=ADMIN)[h1].next_due == "2026-12-20"


def test_class_change_and_contact_change(db, office):
    t, worker, member, (h1, h2, h3) = office
    visits.record_visit(db, staff_id=worker, household_ids=[h2], visited_on="2026-10-01", today=TODAY)
    assert visits.schedule(db, [h2], today=TODAY, scope=ADMIN)[h2].state == "ok"
    households.update_household(db, h2, contact_class=1)
    d = visits.schedule(db, [h2], today=TODAY, scope=ADMIN)[h2]
    assert (d.next_due, d.state) == ("2026-10-31", "overdue")
    assert [x.household_id for x in visits.overdue_households(db, staff_id=worker, today=TODAY, scope=ADMIN)] == [h1, h2]
    # The household passes to another contact: it is theirs to visit now, with its history.
    staff.unlink_contact(db, worker, h2, until="2026-11-01", today=TODAY)
    staff.link_contact(db, member, h2, since="2026-11-01", today=TODAY)
    assert [x.household_id for x in visits.overdue_households(db, staff_id=worker, today=TODAY, scope=ADMIN)] == [h1]
    assert {x.household_id for x in visits.overdue_households(db, staff_id=member, today=TODAY, scope=ADMIN)} == {h2, h3}
    assert visits.schedule(db, [h2], today=TODAY, scope=ADMIN)[h2].last_visit == "2026-10-01"
    by_staff = {c.id: c for c in visits.overdue_by_staff(db, today=TODAY, scope=ADMIN)}
    assert (by_staff[worker].households, by_staff[worker].overdue) == (1, 1)
    assert (by_staff[member].households, by_staff[member].overdue) == (2, 2)
    by_grid = {c.id: c for c in visits.overdue_by_grid(db, today=TODAY, scope=ADMIN)}
    assert (by_grid[t.grid].households, by_grid[t.grid].overdue) == (2, 2)
    assert (by_grid[t.grid2].households, by_grid[t.grid2].overdue) == (1, 1)
    assert [x.household_id for x in visits.overdue_households(db, grid_id=t.grid2, today=TODAY, scope=ADMIN)] == [h3]
    assert {x.household_id for x in visits.overdue_households(db, grid_id=t.community, today=TODAY, scope=ADMIN)} == {h1, h2, h3}
    staff.unlink_contact(db, worker, h1, until="2026-11-02", today=TODAY)
    assert [(c.id, c.name) for c in visits.contact_staff(db, scope=ADMIN)] == [(member, "李党员")]


def test_rules_are_configurable(db, office):
    t, worker, member, (h1, h2, h3) = office
    visits.record_visit(db, staff_id=worker, household_ids=[h2], visited_on="2026-10-01", today=TODAY)
    visits.set_visit_rule(db, 3, "30")
    assert visits.visit_rules(db) == {1: 30, 2: 60, 3: 30}
    assert visits.schedule(db, [h2], today=TODAY, scope=ADMIN)[h2].next_due == "2026-10-31"
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'set_visit_rule'").fetchone()[0] == 1
    before = dump(db)
    for cls, days, field in ((4, 30, "contact_class"), (1, "x", "days"), (1, 400, "days"), (2, 3, "days")):
        with pytest.raises(ValidationError) as err:
            visits.set_visit_rule(db, cls, days)
        assert err.value.field == field
    assert dump(db) == before


def test_void_visit_stops_counting(db, office):
    t, worker, member, (h1, h2, h3) = office
    vid = visits.record_visit(db, staff_id=worker, household_ids=[h2], visited_on="2026-11-01", today=TODAY)
    visits.record_visit(db, staff_id=worker, household_ids=[h2], visited_on="2026-10-01", today=TODAY)
    visits.void_visit(db, vid, "录错了户")
    assert visits.schedule(db, [h2], today=TODAY, scope=ADMIN)[h2].last_visit == "2026-10-01"
    assert visits.get_visit(db, vid, scope=ADMIN).status == "void"
    assert [v.visited_on for v in visits.visits_of_household(db, h2, scope=ADMIN)] == ["2026-10-01"]
    with pytest.raises(RuleViolation):
        visits.void_visit(db, vid, "再次")


def test_visit_round_with_needs(db, office):
    t, worker, member, (h1, h2, h3) = office
    vid = visits.record_visit(db, staff_id=worker, household_ids=[h1, h2, h1], visited_on="2026/11/20",
                              kind="occasion", learned="  重阳节慰问 ", needs=[(h1, "屋顶漏雨")], today=TODAY)
    v = visits.get_visit(db, vid, scope=ADMIN)
    assert (v.visited_on, v.kind, v.learned, v.needs) == ("2026-11-20", "occasion", "重阳节慰问", 1)
    assert [(h.household_id, h.head_name) for h in v.households] == [(h1, "张一"), (h2, "张二")]
    [need] = logs.needs_list(db, household_id=h1, scope=ADMIN)
    assert (need.visit_id, need.staff_id, need.raised_on, need.status) == (vid, worker, "2026-11-20", "open")
    assert visits.visits_of_staff(db, worker, scope=ADMIN)[0].id == vid
    assert visits.count_visits(db, worker, "2026-11-01", "2026-11-30", scope=ADMIN) == 2
    assert trail.history(db, "visits", vid)[0].action == "record_visit"


@pytest.mark.parametrize("changes, field, text", [
    ({"staff_id": None}, "staff_id", "请选择走访人"),
    ({"staff_id": 999}, "staff_id", "找不到所选的走访人"),
    ({"household_ids": []}, "household_ids", "请至少选择一户"),
    ({"household_ids": [999]}, "household_ids", "找不到编号为999的户"),
    ({"visited_on": ""}, "visited_on", "走访日期不能为空"),
    ({"visited_on": "2026-13-01"}, "visited_on", "不是有效日期"),
    ({"visited_on": "2026-12-01"}, "visited_on", "晚于今天"),
    ({"kind": "party"}, "kind", "走访类型"),
    ({"learned": "很" * 2001}, "learned", "了解情况过长"),
    ({"needs": [(0, "修路")]}, "needs", "需求所属的户不在本次走访"),
    ({"needs": [("H1", " ")]}, "content", "请填写居民需求"),
])
def test_bad_visit_input(db, office, changes, field, text):
    t, worker, member, (h1, h2, h3) = office
    args = {"staff_id": worker, "household_ids": [h1], "visited_on": "2026-11-01", "kind": "routine", "learned": ""}
    args.update(changes)
    if "needs" in changes:
        args["needs"] = [(h1 if n[0] == "H1" else n[0], n[1]) for n in changes["needs"]]
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        visits.record_visit(db, today=TODAY, **args)
    assert err.value.field == field and text in err.value.message
    assert dump(db) == before


def test_moved_out_household_cannot_be_visited(db, office):
    t, worker, member, (h1, h2, h3) = office
    households.move_out(db, h2, day="2026-11-01", today=TODAY)
    before = dump(db)
    with pytest.raises(ValidationError, match="已不在册"):
        visits.record_visit(db, staff_id=worker, household_ids=[h2], visited_on="2026-11-02", today=TODAY)
    assert dump(db) == before
    assert h2 not in visits.schedule(db, [h2], today=TODAY, scope=ADMIN)


def test_generate_activity(small_office):
    today = dt.date(2026, 11, 1)
    counts = visits_demo.generate_activity(small_office, seed=3, today=today)
    assert counts["visits"] > 300 and counts["log_entries"] > 100 and counts["comments"] > 5
    assert counts["household_visits"] >= counts["visits"]
    db = small_office
    # Rounds fall on Tuesdays and Fridays, within the year and never in the future.
    days = [dt.date.fromisoformat(d) for (d,) in db.execute("SELECT DISTINCT visited_on FROM visits")]
    assert {d.weekday() for d in days} <= {1, 4} and max(days) <= today and min(days) >= today - dt.timedelta(365)
    grids = visits.overdue_by_grid(db, today=today, scope=ADMIN)
    total = sum(g.households for g in grids)
    overdue = sum(g.overdue for g in grids)
    assert total == db.execute("SELECT count(*) FROM households WHERE status = 'active'").fetchone()[0]
    assert 0 < overdue < total * 0.3
    solved, open_ = (db.execute("SELECT count(*) FROM needs WHERE status = ?", [s]).fetchone()[0]
                     for s in ("solved", "open"))
    assert solved > open_ > 0
    assert db.execute("SELECT count(*) FROM needs WHERE solved_on > ? OR solved_on < raised_on",
                      [today.isoformat()]).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'visits.generate'").fetchone()[0] == 1


def test_record_week_is_all_or_nothing(db, office):
    t, worker, member, (h1, h2, h3) = office
    lines = [visits.VisitInput(h1, "2026-11-16", learned="正常"),
             visits.VisitInput(h2, "2026-11-17", "return", need="申请临时救助")]
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        visits.record_week(db, worker, [*lines, visits.VisitInput(h3, "2026-12-01")], today=TODAY)
    assert err.value.field == "visited_on" and err.value.message.startswith("第3行：走访日期")
    assert dump(db) == before
    with pytest.raises(ValidationError, match="还没有录入"):
        visits.record_week(db, worker, [], today=TODAY)
    ids = visits.record_week(db, worker, lines, today=TODAY)
    assert [visits.get_visit(db, i, scope=ADMIN).kind for i in ids] == ["routine", "return"]
    assert [n.content for n in logs.needs_list(db, staff_id=worker, scope=ADMIN)] == ["申请临时救助"]


def test_lists_keep_the_first_households_of_a_big_round(db, office):
    t, worker, member, (h1, h2, h3) = office
    vid = visits.record_visit(db, staff_id=worker, household_ids=[h1, h2, h3], visited_on="2026-11-20", today=TODAY)
    [listed] = visits.visits_of_staff(db, worker, per_visit=2, scope=ADMIN)
    assert ([h.household_id for h in listed.households], listed.household_count) == ([h1, h2], 3)
    assert len(visits.get_visit(db, vid, scope=ADMIN).households) == 3


def test_schedule_as_of_a_past_day_ignores_later_visits(db, office):
    t, worker, member, (h1, h2, h3) = office
    visits.record_visit(db, staff_id=worker, household_ids=[h1], visited_on="2026-08-01", today=TODAY)
    visits.record_visit(db, staff_id=worker, household_ids=[h1], visited_on="2026-11-20", today=TODAY)
    sept = dt.date(2026, 9, 30)

    def as_of(**kw):
        sql, params = visits.schedule_sql(db, sept, **kw)
        return db.execute(f"WITH s AS ({sql}) SELECT last_visit, next_due, days_overdue FROM s "
                          "WHERE household_id = ?", [*params, h1]).fetchone()

    # Class 1 (30 days): on 30 September the August visit was 60 days old; the November one not yet made.
    assert as_of(until=sept) == ("2026-08-01", "2026-08-31", 30)
    assert as_of() == ("2026-11-20", "2026-12-20", -81)
