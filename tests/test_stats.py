from collections import Counter, defaultdict

import pytest

from gridoffice.archive import registers
from gridoffice.reports import monthly
from gridoffice.errors import ValidationError
from gridoffice.masking import find_unmasked, mask_name
from gridoffice.access.users import whole_office
from tests._reports import MONTH, loop_grid_figures, loop_matters

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


@pytest.fixture
def office(activity_office):
    return activity_office


def _figure_dict(f: monthly.Figures, s: monthly.Summary) -> dict:
    d = {name: getattr(f, name) for name in ("households", "persons", "visits", "households_visited",
                                             "rule_households", "covered", "log_entries", "comments", "received",
                                             "closed", "closed_on_time", "overdue", "evaluated", "satisfied")}
    d.update({g.code: n for g, n in zip(s.groups, f.groups)})
    d.update({"cat:%s" % cid: n for (cid, _), n in zip(s.categories, f.by_category)})
    d.update({"src:%s" % code: n for (code, _), n in zip(s.sources, f.by_source)})
    return {k: v for k, v in d.items() if v}


def test_grid_figures_match_loops_over_the_rows(office):
    s = monthly.monthly_summary(office, MONTH, scope=ADMIN)
    assert s.total.visits and s.total.received and s.total.log_entries and s.total.persons
    expected = loop_grid_figures(office, s.period.start, s.period.end, s.period.last_day)
    for row in s.grids:
        assert _figure_dict(row, s) == {k: v for k, v in expected[row.key].items() if v}, row.name
    assert s.total.households == sum(r.households for r in s.grids)


def test_previous_month_and_change(office):
    s = monthly.monthly_summary(office, MONTH, scope=ADMIN)
    prev = monthly.previous(s.period)
    assert (prev.start, prev.end) == ("2026-09-01", "2026-10-01")
    loops = loop_grid_figures(office, prev.start, prev.end, prev.last_day)
    assert s.previous_total.visits == sum(v["visits"] for v in loops.values())
    assert s.previous_total.received == sum(v["received"] for v in loops.values())
    # Coverage of September from the visits up to its end: October's visits do not cover it.
    assert (s.previous_total.rule_households, s.previous_total.covered) == (
        sum(v["rule_households"] for v in loops.values()), sum(v["covered"] for v in loops.values()))
    assert monthly.change(12, 10) == pytest.approx(0.2)
    assert monthly.change(5, 0) is None


def test_staff_figures_match_loops(office):
    s = monthly.monthly_summary(office, MONTH, scope=ADMIN)
    visits, households = Counter(), defaultdict(set)
    vstaff = {r[0]: r[1:] for r in office.execute("SELECT id, staff_id, visited_on, status FROM visits")}
    for vid, hid, voided in office.execute("SELECT visit_id, household_id, voided FROM visit_households"):
        staff_id, day, status = vstaff[vid]
        if status == "active" and not voided and s.period.start <= day < s.period.end:
            households[staff_id].add(hid)
    for vid, (staff_id, day, status) in vstaff.items():
        if status == "active" and s.period.start <= day < s.period.end and vid in {
                r[0] for r in office.execute("SELECT visit_id FROM visit_households WHERE voided = 0 AND visit_id = ?",
                                             [vid])}:
            visits[staff_id] += 1
    entries = Counter(r[0] for r in office.execute(
        "SELECT staff_id FROM log_entries WHERE status = 'active' AND entry_date >= ? AND entry_date < ?",
        [s.period.start, s.period.end]))
    contacts = defaultdict(set)
    for staff_id, hid in office.execute("SELECT c.staff_id, c.household_id FROM contacts c JOIN households h "
                                        "ON h.id = c.household_id WHERE c.until IS NULL AND h.status = 'active'"):
        contacts[staff_id].add(hid)
    matters = loop_matters(office, "assignee_staff_id", s.period.start, s.period.end)
    checked = 0
    for row in s.staff:
        assert row.visits == visits[row.key], row.name
        assert row.households_visited == len(households[row.key])
        assert row.log_entries == entries[row.key]
        assert row.households == len(contacts[row.key])
        assert row.received == matters[row.key]["received"]
        assert row.closed_on_time == matters[row.key]["closed_on_time"]
        checked += bool(row.visits)
    assert checked


def test_scope_to_one_grid(office):
    full = monthly.monthly_summary(office, MONTH, scope=ADMIN)
    one = full.grids[0]
    scoped = monthly.monthly_summary(office, MONTH, scope=ADMIN, org_id=one.key)
    assert [g.key for g in scoped.grids] == [one.key]
    assert scoped.total.received == one.received


def test_special_groups_agree_with_registers(office):
    s = monthly.monthly_summary(office, MONTH, scope=ADMIN)
    counts = registers.counts(office, scope=ADMIN, today=s.period.last_day)
    assert dict(zip((g.code for g in s.groups), s.total.groups)) == counts


@pytest.mark.parametrize("value", ["2026-13", "2026/10", "", "十月", "2026-1"])
def test_bad_month(db, value):
    with pytest.raises(ValidationError) as e:
        monthly.monthly_summary(db, value, scope=ADMIN)
    assert e.value.field == "month" and "2026-10" in str(e.value)


@pytest.mark.parametrize("value", ["26", "1999", "二〇二六", ""])
def test_bad_year(value):
    with pytest.raises(ValidationError) as e:
        monthly.year(value)
    assert e.value.field == "year"


def test_rates():
    f = monthly.Figures(None, "", rule_households=4, covered=3, received=0, evaluated=5, satisfied=4)
    assert (f.coverage, f.completion_rate, f.satisfaction_rate) == (0.75, None, 0.8)


def test_notice_counts_and_masking(office):
    notice = monthly.public_notice(office, MONTH, scope=ADMIN)
    assert notice.teams
    by_grid = loop_matters(office, "grid_id", "2026-10-01", "2026-11-01")
    names = {r[0] for r in office.execute("SELECT name FROM persons")} | {
        r[0] for r in office.execute("SELECT resident_name FROM matters WHERE resident_name != ''")}
    grid_of_team = dict(office.execute("SELECT id, grid_id FROM teams"))
    for team in notice.teams:
        assert team.received == len(team.matters) == by_grid[grid_of_team[team.team_id]]["received"]
        for m in team.matters:
            for text in (m.resident, m.number, m.category, m.state, m.satisfaction, m.promise_date):
                assert not find_unmasked(text)
                assert text not in names or not text
    loops = loop_grid_figures(office, "2026-10-01", "2026-11-01", monthly.month(MONTH).last_day)
    assert any(team.visits for team in notice.teams)
    for team in notice.teams:
        grid = loops[grid_of_team[team.team_id]]
        assert (team.visits, team.households_visited, team.log_entries) == (
            grid["visits"], grid["households_visited"], grid["log_entries"])


@pytest.mark.parametrize("name,masked", [("张三", "张*"), ("欧阳娜娜", "欧阳**"), ("", ""), ("李", "李")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked
