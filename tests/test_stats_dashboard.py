"""The dashboard's figures against plain loops over the rows, and each chart's numbers against the figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest

from exports import charts as X
from gridoffice import ages, vocab
from gridoffice.access import users
from gridoffice.archive import completeness, registers
from gridoffice.reports import monthly
from gridoffice.store.db import connect
from gridoffice.reports import dashboard as D
from gridoffice.errors import PermissionDenied, ValidationError
from gridoffice.access.users import whole_office
from tests._reports import MONTH, TODAY, grid_of_household_all, loop_days_overdue, loop_matters

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

NOW = dt.datetime(2026, 11, 1, 12, 0)


@pytest.fixture
def office(activity_office):
    return activity_office


def _texts(chart: X.Chart) -> list[str]:
    return [op[3] for op in chart.ops if op[0] == "text"]


def test_months_match_loops_and_the_summary(office):
    d = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    assert [m.month for m in d.months] == [f"2025-{m:02d}" for m in range(11, 13)] + [
        f"2026-{m:02d}" for m in range(1, 11)]
    for m in d.months:
        p = monthly.month(m.month)
        loops = loop_matters(office, "1", p.start, p.end).get(1, Counter())
        assert (m.received, m.closed, m.on_time, m.overdue) == (
            loops["received"], loops["closed"], loops["closed_on_time"], loops["overdue"]), m.month
    assert sum(m.received for m in d.months) > 0
    total = monthly.monthly_summary(office, MONTH, scope=ADMIN).total
    assert (d.this_month.received, d.this_month.closed) == (total.received, total.closed)


def test_categories_satisfaction_and_deadlines_match_loops(office):
    # Some matters still open, with deadlines before, around and after NOW.
    # (The stored deadline follows, as matters.pending_due keeps it for an open matter.)
    office.execute("UPDATE matters SET state = 'in_progress', closed_at = NULL, due_at = CASE WHEN responded_at "
                   "IS NULL THEN respond_due ELSE resolve_due END WHERE id IN "
                   "(SELECT id FROM matters ORDER BY received_at DESC LIMIT 40)")
    d = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    this, before = Counter(), Counter()
    levels = Counter()
    for cat, received, satisfaction in office.execute("SELECT category_id, received_at, satisfaction FROM matters"):
        if received[:7] == MONTH:
            this[cat] += 1
            if satisfaction:
                levels[satisfaction] += 1
        elif received[:7] == "2026-09":
            before[cat] += 1
    assert {c.category_id: (c.count, c.before) for c in d.categories} == {
        cat: (this[cat], before[cat]) for cat in set(this) | set(before)}
    assert [c.count for c in d.categories] == sorted((c.count for c in d.categories), reverse=True)
    assert {c.code: c.count for c in d.satisfaction} == {code: levels[code] for code in ("satisfied", "basic",
                                                                                         "unsatisfied")}
    # Open matters now, by the matters module's own timeliness rule, one matter at a time.
    from gridoffice.matters import rules as M
    from gridoffice.matters import query as Q

    states = Counter()
    for (matter_id,) in office.execute("SELECT id FROM matters WHERE state IN ('received', 'assigned', "
                                       "'in_progress', 'reopened')"):
        states[M.timeliness(Q.get_matter(office, matter_id, scope=ADMIN), NOW).kind] += 1
    assert {c.code: c.count for c in d.deadlines} == {k: states[k] for k in D.DEADLINES}
    assert sum(states.values()) > 0


def test_visit_figures_match_loops(office):
    day = D.judged_day(monthly.month(MONTH), TODAY)
    assert day == dt.date(2026, 10, 31)
    d = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    overdue = loop_days_overdue(office, day)
    cls = dict(office.execute("SELECT id, contact_class FROM households"))
    grid = grid_of_household_all(office)
    by_class, by_grid = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for hid, days in overdue.items():
        by_class[cls[hid]][0] += 1
        by_class[cls[hid]][1] += days <= 0
        by_grid[grid[hid]][0] += 1
        by_grid[grid[hid]][1] += days > 0
    assert {c.contact_class: [c.households, c.covered] for c in d.coverage if c.households} == dict(by_class)
    assert {g.grid_id: [g.households, g.overdue] for g in d.grids} == dict(by_grid)
    assert [g.overdue for g in d.grids] == sorted((g.overdue for g in d.grids), reverse=True)
    # The running month is judged on today, not on its last day.
    assert D.judged_day(monthly.month("2026-11"), TODAY) == TODAY
    # The lists behind the bars (走访督查 opened from a bar) are judged on the same day: the overdue
    # households of each grid and of each class, by the loops' own numbers.
    from gridoffice.activity import visits

    for g, (n, late) in by_grid.items():
        dues, total = visits.households_on_day(office, scope=ADMIN, overdue=True, day=day, grid_id=g)
        assert total == late == len(dues) and {x.household_id for x in dues} == {
            h for h, days in overdue.items() if grid[h] == g and days > 0}, g
    for c, (n, covered) in by_class.items():
        assert visits.households_on_day(office, scope=ADMIN, overdue=False, day=day, contact_class=c)[1] == covered
        assert visits.households_on_day(office, scope=ADMIN, overdue=True, day=day, contact_class=c)[1] == n - covered


def test_staff_activity_matches_loops(office):
    d = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    vstatus = {r[0]: r[1:] for r in office.execute("SELECT id, status, staff_id FROM visits")}
    visits = defaultdict(set)
    for vid, day, voided in office.execute("SELECT visit_id, visited_on, voided FROM visit_households"):
        status, staff = vstatus[vid]
        if not voided and status == "active" and day[:7] == MONTH:
            visits[staff].add(vid)
    commented = {r[0] for r in office.execute("SELECT entry_id FROM log_comments")}
    logs, waiting = Counter(), Counter()
    for eid, staff, status, day in office.execute("SELECT id, staff_id, status, entry_date FROM log_entries"):
        if status == "active" and day[:7] == MONTH:
            logs[staff] += 1
            waiting[staff] += eid not in commented
    expected = {s: (len(visits[s]), logs[s], waiting[s]) for s in set(visits) | set(logs)}
    assert {s.staff_id: (s.visits, s.logs, s.waiting) for s in d.staff} == expected
    assert d.logs_waiting == sum(waiting.values()) > 0


def test_population_matches_loops_and_the_registers(office):
    d = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    day = d.day
    bands = defaultdict(lambda: [0, 0])
    groups = Counter()
    active_hh = {r[0] for r in office.execute("SELECT id FROM households")}
    for hid, sex, birth, status in office.execute("SELECT household_id, sex, birth_date, status FROM persons"):
        if status != "active" or not birth or hid not in active_hh:
            continue
        born = dt.date.fromisoformat(birth)
        for g in ages.groups_of(born, day):
            groups["age:" + g.code] += 1
        if born <= day:
            band = min(ages.age_on(born, day) // 5, 17)
            bands[band][0 if sex == "M" else 1] += 1
    assert [[b.men, b.women] for b in d.pyramid] == [bands[i] for i in range(18)]
    assert {c.code: c.count for c in d.registers} == registers.counts(office, scope=ADMIN, today=day)
    assert {c.code: c.count for c in d.registers if c.code.startswith("age:")} == {
        "age:" + g.code: groups["age:" + g.code] for g in ages.AGE_GROUPS}
    # A role without the sensitive tags gets none of their registers.
    plain = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=whole_office("测试员", "grid_worker"))
    assert not {c.code for c in plain.registers} & vocab.SENSITIVE_TAGS


def test_problem_counts_match_the_check(office):
    office.execute("UPDATE persons SET relation = 'son' WHERE id = (SELECT min(id) FROM persons WHERE relation = 'head')")
    job = completeness.completeness(office, TODAY, scope=ADMIN)
    problems = []
    try:
        while True:
            next(job)
    except StopIteration as stop:
        problems = stop.value
    counts = {c.code: c.count for c in D.problem_counts(office, TODAY, scope=ADMIN)}
    assert counts == {k: sum(p.kind == k for p in problems) for k in completeness.KINDS}
    assert counts["no_head"] >= 1


def test_scope_to_one_grid_and_a_users_units(office):
    grid_id = office.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY path LIMIT 1").fetchone()[0]
    d = D.dashboard(office, MONTH, today=TODAY, now=NOW, unit_id=grid_id, scope=ADMIN)
    assert {g.grid_id for g in d.grids} == {grid_id}
    hh = {r[0] for r in office.execute(
        "SELECT h.id FROM households h JOIN org_units u ON u.id = h.org_id WHERE coalesce(u.grid_id, u.id) = ?",
        [grid_id])}
    received = sum(1 for g, h, r in office.execute("SELECT grid_id, household_id, received_at FROM matters")
                   if r[:7] == MONTH and (g == grid_id or h in hh))
    assert d.this_month.received == received
    assert d.scope == office.execute("SELECT name FROM org_units WHERE id = ?", [grid_id]).fetchone()[0]
    # A grid worker of that grid gets the same figures for the whole office, without the sensitive registers.
    worker = users.scope_of(office, users.User(0, "网格员", "", "grid_worker", grid_id, "active"))
    mine = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=worker)
    assert (mine.months, mine.grids, mine.coverage) == (d.months, d.grids, d.coverage)
    assert mine.registers == tuple(c for c in d.registers if c.code not in vocab.SENSITIVE_TAGS)
    with pytest.raises(PermissionDenied):
        other = office.execute("SELECT id FROM org_units WHERE level = 'grid' AND id != ?", [grid_id]).fetchone()[0]
        D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=worker, unit_id=other)
    total = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    assert sum(b.men + b.women for b in mine.pyramid) < sum(b.men + b.women for b in total.pyramid)


@pytest.mark.parametrize("value", ["", "2026-13", "十月"])
def test_bad_month(office, value):
    with pytest.raises(ValidationError):
        D.dashboard(office, value, today=TODAY, scope=ADMIN)


def test_each_chart_shows_the_figures_numbers(office):
    d = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    problems = tuple(D.problem_counts(office, TODAY, scope=ADMIN))
    built = {key: X.build(key, d, problem_counts=problems) for key, _w, _h in X.LAYOUT}
    trend = _texts(built["trend"])
    for m in d.months:
        for value in (m.received, m.closed, m.on_time, m.overdue):
            assert str(value) in trend
    # Bars are as long as their numbers: the trend's received bars scale with the months' intake.
    heights = [op[4] for op in built["trend"].ops  # the received bars, not the legend's swatch (4 mm wide)
               if op[0] == "rect" and op[5] == X.DARK.colour and op[3] != 4.0]
    assert len(heights) == len(d.months)
    biggest = max(max(m.received, m.closed, m.on_time, m.overdue) for m in d.months)
    for h, m in zip(heights, d.months):
        assert h == pytest.approx(heights[0] * m.received / d.months[0].received if d.months[0].received
                                  else h, rel=1e-6)
    assert biggest
    cats = _texts(built["categories"])
    for c in d.categories[:X.TOP_ROWS]:
        sign = f"+{c.change}" if c.change > 0 else str(c.change)
        assert f"{c.count}件（较上月{sign}）" in cats
    for key, counts in (("deadline", d.deadlines), ("satisfaction", d.satisfaction)):
        texts = _texts(built[key])
        whole = sum(c.count for c in counts)
        for c in counts:
            assert f"{c.count}件　{c.count / whole:.1%}" in texts if whole else f"{c.count}件　—" in texts
    cov = _texts(built["coverage"])
    for c in d.coverage:
        assert any(t.startswith(f"{c.covered}/{c.households}户") for t in cov)
    grids = _texts(built["grids"])
    for g in [g for g in d.grids if g.overdue][:X.TOP_ROWS]:
        assert f"{g.overdue}户（共{g.households}户）" in grids
    staff = _texts(built["staff"])
    for s in d.staff[:X.TOP_ROWS]:
        assert f"走访{s.visits} 日记{s.logs}（待点评{s.waiting}）" in staff
    regs = _texts(built["registers"])
    for c in d.registers:
        assert f"{c.count}人" in regs
    pyr = _texts(built["pyramid"])
    for b in d.pyramid:
        assert str(b.men) in pyr and str(b.women) in pyr and b.label in pyr
    probs = _texts(built["problems"])
    for c in problems:
        assert f"{c.count}处" in probs
    # Every bar and segment leads somewhere.
    keys = {op[5][0] if not isinstance(op[5][1], tuple) else op[5][1][0]
            for chart in built.values() for op in chart.ops if op[0] == "hit"}
    assert keys >= {"month", "category", "deadline", "satisfaction", "class", "grid", "staff", "register", "problem"}


def test_hatching_stays_inside_its_bar():
    for pattern in ("diag", "back", "cross", "horiz"):
        lines = X.hatch(10.0, 20.0, 7.0, 3.0, pattern)
        assert lines
        for _, x1, y1, x2, y2, *_rest in lines:
            for x, y in ((x1, y1), (x2, y2)):
                assert 10.0 - 1e-9 <= x <= 17.0 + 1e-9 and 20.0 - 1e-9 <= y <= 23.0 + 1e-9


def test_a_memo_answers_again_until_any_other_connection_writes(office):
    """The page keeps the slow figures while the file is unchanged; a commit by any other connection
    (the window's writer, a command) makes the next read compute them again."""
    path = office.execute("PRAGMA database_list").fetchone()[2]
    reader = connect(path, readonly=True)
    memo, calls = D.Memo(size=2), []

    def problems(today):
        return memo.get(reader, (today, None, ADMIN), lambda: calls.append(today) or D.problem_counts(reader, today, scope=ADMIN))

    first = problems(TODAY)
    assert problems(TODAY) is first and calls == [TODAY]
    before = {c.code: c.count for c in first}
    # Another connection removes a household's head: the next read counts it.
    office.execute("UPDATE persons SET relation = 'spouse' WHERE id = (SELECT min(id) FROM persons "
                   "WHERE relation = 'head' AND status = 'active')")
    office.conn.commit()
    after = {c.code: c.count for c in problems(TODAY)}
    assert calls == [TODAY, TODAY] and after["no_head"] == before["no_head"] + 1
    # Other keys are kept apart, and only the newest `size` answers stay.
    other = TODAY + dt.timedelta(days=1)
    problems(other)
    problems(TODAY)
    assert calls == [TODAY, TODAY, other]
    problems(TODAY + dt.timedelta(days=2))  # pushes out `other`, the one used longest ago
    problems(TODAY)
    assert calls == [TODAY, TODAY, other, TODAY + dt.timedelta(days=2)]
    problems(other)
    assert calls[-1] == other and len(calls) == 5
    reader.close()


def test_the_whole_office_passes_read_narrow_indexes_not_the_rows(office):
    """On a district every page read is a page decrypted: the pyramid, the tag counts, the ID check, the
    heads check and the visit schedule of the whole office each walk an index that holds every column
    they need."""
    statements: list[str] = []
    office.conn.set_trace_callback(statements.append)
    try:
        D.population(office, TODAY, scope=ADMIN)
        D._visit_figures(office, TODAY, None)
        completeness._id_mismatch(office, TODAY.isoformat())
        completeness._heads(office, TODAY.isoformat())
    finally:
        office.conn.set_trace_callback(None)
    plans = " | ".join(row[3] for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))
                       for row in office.execute("EXPLAIN QUERY PLAN " + sql))
    for index in ("COVERING INDEX idx_persons_birth_sex_status", "COVERING INDEX idx_persons_id_status_household",
                  "COVERING INDEX idx_person_tags_tag_until_person",
                  "COVERING INDEX idx_households_org_status_class_created", "INDEX idx_persons_id_number_sex_birth",
                  "COVERING INDEX idx_persons_household_relation_status"):
        assert index in plans, plans
    assert "SCAN p |" not in plans + " |" and "SCAN h |" not in plans + " |", plans


def _rows(chart: X.Chart) -> dict:
    """Each row's texts (left to right) by the click key of the band across the chart that holds them."""
    bands = [op for op in chart.ops if op[0] == "hit" and op[1] == 0 and op[3] == chart.width]
    texts = [op for op in chart.ops if op[0] == "text"]
    return {key: [t[3] for t in sorted(texts, key=lambda t: t[1]) if y <= t[2] <= y + h]
            for _hit, _x, y, _w, h, key in bands}


def test_each_number_sits_in_the_row_of_its_label_and_its_click(office):
    """Not only somewhere on the chart: the number of a register, a grid, a staff member, a category, a
    contact class, a problem kind or an age band stands beside its own label, in the band a click on
    which opens that row's list; the trend's table has each month's numbers under its own column."""
    office.execute("UPDATE persons SET relation = 'son' WHERE id = (SELECT min(id) FROM persons WHERE relation = 'head')")
    d = D.dashboard(office, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    problems = tuple(D.problem_counts(office, TODAY, scope=ADMIN))
    assert sum(c.count for c in problems) >= 1
    built = {key: X.build(key, d, problem_counts=problems) for key, _w, _h in X.LAYOUT}
    expected = {
        "registers": {("register", c.code): [c.label, f"{c.count}人"] for c in d.registers},
        "problems": {("problem", c.code): [c.label, f"{c.count}处"] for c in problems},
        "grids": {("grid", g.grid_id): [g.name, f"{g.overdue}户（共{g.households}户）"]
                  for g in [g for g in d.grids if g.overdue][:X.TOP_ROWS]},
        "staff": {("staff", s.staff_id): [s.name, f"走访{s.visits} 日记{s.logs}（待点评{s.waiting}）"]
                  for s in d.staff[:X.TOP_ROWS]},
        "categories": {("category", c.category_id): [
            c.name, f"{c.count}件（较上月{f'+{c.change}' if c.change > 0 else c.change}）"] for c in d.categories[:X.TOP_ROWS]},
        "pyramid": {("band", i): [str(b.men), b.label, str(b.women)] for i, b in enumerate(d.pyramid)},
    }
    for key, rows in expected.items():
        assert rows and _rows(built[key]) == rows, key
    coverage = _rows(built["coverage"])
    for c in d.coverage:
        label, number = coverage[("class", c.contact_class)]
        assert label == c.label and number.startswith(f"{c.covered}/{c.households}户")
    # The trend: under each month's column its label, then received, closed, on time and overdue.
    trend = built["trend"]
    columns = [op for op in trend.ops if op[0] == "hit" and op[5][0] == "month"]
    assert [key[1] for *_r, key in columns] == [m.month for m in d.months]
    for (_hit, x, bottom, w, _h, _key), m in zip(columns, d.months):
        below = sorted((t for t in trend.ops if t[0] == "text" and x <= t[1] <= x + w and t[2] < bottom),
                       key=lambda t: -t[2])
        assert [t[3] for t in below] == [m.label, str(m.received), str(m.closed), str(m.on_time), str(m.overdue)]
