import datetime as dt
import shutil
import subprocess
from collections import Counter, defaultdict

import openpyxl
import pytest

from commands._progress import consume
from exports import assessment as assessment_xlsx
from gridoffice.org import staff
from gridoffice.reports import assessment
from gridoffice.errors import ValidationError
from gridoffice.access.users import whole_office
from tests._reports import TODAY, loop_grid_figures, loop_matters
from tests._domain import tree

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


@pytest.fixture
def office(activity_office):
    return activity_office


def _loop_staff(db) -> dict[int, Counter]:
    out = defaultdict(Counter)
    status = {r[0]: r[1:] for r in db.execute("SELECT id, staff_id, visited_on, status FROM visits")}
    hh = defaultdict(set)
    for vid, hid, voided in db.execute("SELECT visit_id, household_id, voided FROM visit_households"):
        sid, day, st = status[vid]
        if st == "active" and not voided and day.startswith("2026"):
            hh[sid].add(hid)
            out[sid]["_v" + str(vid)] = 1
    for sid in list(out):
        out[sid]["visits"] = sum(1 for k in out[sid] if k.startswith("_v"))
        out[sid]["households_visited"] = len(hh[sid])
    for sid, day, st in db.execute("SELECT staff_id, entry_date, status FROM log_entries"):
        out[sid]["log_entries"] += st == "active" and day.startswith("2026")
    for sid, st, day in db.execute("SELECT staff_id, status, solved_on FROM needs"):
        out[sid]["needs_solved"] += st == "solved" and bool(day) and day.startswith("2026")
    for sid, c in loop_matters(db, "assignee_staff_id", "2026-01-01", "2027-01-01").items():
        out[sid]["matters"] = c["received"]
        out[sid]["closed_on_time"] = c["closed_on_time"]
        out[sid]["closed"] = c["closed"]
    return out


def test_values_match_loops_and_scores_are_live_formulas(office, tmp_path):
    path = tmp_path / "考核.xlsx"
    consume(assessment_xlsx.write(office, path, "2026", scope=ADMIN, today=TODAY), quiet=True)
    wb = openpyxl.load_workbook(path)
    a = assessment.assessment(office, "2026", scope=ADMIN, today=TODAY)
    ws = wb["个人考核"]
    labels = [ws.cell(3, c).value for c in range(1, ws.max_column + 1)]
    n = len(a.indicators)
    expected = _loop_staff(office)
    checked = 0
    for r in range(4, 4 + len(a.staff)):
        sid = a.staff[r - 4].key
        assert ws.cell(r, 1).value == a.staff[r - 4].name
        row = dict(zip(labels[2:2 + n], [ws.cell(r, c).value for c in range(3, 3 + n)]))
        for code in ("visits", "households_visited", "log_entries", "needs_solved", "matters"):
            assert row[assessment.INDICATORS[code][0]] == expected[sid][code], (sid, code)
        closed = expected[sid]["closed"]
        on_time = row["诉求按期办结率"]
        assert on_time == (None if not closed else pytest.approx(expected[sid]["closed_on_time"] / closed))
        checked += bool(expected[sid]["visits"])
        assert ws.cell(r, 3 + n).value == "=IF(C%d=\"\",0,MIN(C%d/'权重'!$B$3,1)*'权重'!$C$3)" % (r, r)
        assert ws.cell(r, 3 + 2 * n + 1).value.startswith("=RANK(")
    assert checked
    weights = wb["权重"]
    assert [weights.cell(3 + k, 3).value for k in range(n)] == [i.weight for i in a.indicators]


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice recalculates the formulas")
def test_changing_a_weight_in_the_workbook_changes_scores_and_ranks(office, tmp_path):
    path = tmp_path / "a.xlsx"
    consume(assessment_xlsx.write(office, path, "2026", scope=ADMIN, today=TODAY), quiet=True)
    a = assessment.assessment(office, "2026", scope=ADMIN, today=TODAY)
    wb = openpyxl.load_workbook(path)
    # A leader puts all weight on the log entries.
    for k, ind in enumerate(a.indicators):
        wb["权重"].cell(3 + k, 3).value = 100 if ind.code == "log_entries" else 0
    wb.save(path)
    out = tmp_path / "calc"
    subprocess.run(["libreoffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120)
    ws = openpyxl.load_workbook(out / "a.xlsx", data_only=True)["个人考核"]
    n = len(a.indicators)
    target = next(i.target for i in a.indicators if i.code == "log_entries")
    totals = {}
    for r, item in enumerate(a.staff, start=4):
        expect = round(100 * min(item.value("log_entries") / target, 1), 2)
        assert ws.cell(r, 3 + 2 * n).value == pytest.approx(expect)
        totals[r] = expect
    best = max(totals.values())
    for r, total in totals.items():
        assert ws.cell(r, 4 + 2 * n).value == 1 + sum(t > total for t in totals.values())
    assert best > 0


def test_score_formula_in_python():
    ind = assessment.Indicator("visits", "走访次数", 96, 20, "count")
    assert assessment.score(ind, 48) == 10 and assessment.score(ind, 200) == 20
    rate = assessment.Indicator("coverage", "率", 1, 15, "rate")
    assert assessment.score(rate, None) == 0  # nothing to rate earns nothing, not full marks


def test_template_round_trip_and_audit(db):
    assessment.set_template(db, [("visits", "50", "60"), ("coverage", 0.9, 40)])
    t = assessment.template(db)
    assert [(i.code, i.target, i.weight) for i in t] == [("visits", 50, 60), ("coverage", 0.9, 40)]
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'set_assessment_template'").fetchone()[0] == 1


@pytest.mark.parametrize("items,field,words", [
    ([("bogus", 1, 1)], "code", "bogus"),
    ([("visits", 0, 10)], "target", "走访次数"),
    ([("coverage", 1.5, 10)], "target", "不超过1"),
    ([("visits", 10, "十")], "weight", "0到100"),
    ([("visits", 10, 120)], "weight", "0到100"),
    ([], "template", "至少"),
])
def test_bad_template_is_refused_and_nothing_written(db, items, field, words):
    with pytest.raises(ValidationError) as e:
        assessment.set_template(db, items)
    assert e.value.field == field and words in str(e.value)
    assert db.execute("SELECT COUNT(*) FROM settings WHERE key = 'assessment_template'").fetchone()[0] == 0
    assert [i.code for i in assessment.template(db)][0] == "visits"


def test_team_values_are_their_grids_figures(office):
    a = assessment.assessment(office, "2026", scope=ADMIN, today=dt.date(2026, 11, 1))
    grid_of_team = dict(office.execute("SELECT id, grid_id FROM teams"))
    loops = loop_grid_figures(office, "2026-01-01", "2027-01-01", dt.date(2026, 11, 1))
    matters = loop_matters(office, "grid_id", "2026-01-01", "2027-01-01")
    assert a.teams
    for team in a.teams:
        c = dict(zip(assessment.COUNT_FIELDS, team.counts))
        grid = grid_of_team[team.key]
        assert (c["visits"], c["households_visited"], c["log_entries"]) == (
            loops[grid]["visits"], loops[grid]["households_visited"], loops[grid]["log_entries"])
        assert (c["matters"], c["closed_on_time"]) == (matters[grid]["received"], matters[grid]["closed_on_time"])


def test_a_member_with_nothing_done_scores_nothing(db):
    # Before: the three rates with nothing to rate gave their full weights, 40 of 100 for no work at all.
    t = tree(db)
    idle = staff.add_staff(db, "闲置人员", "volunteer", org_id=t.grid)
    a = assessment.assessment(db, "2026", scope=ADMIN, today=TODAY)
    [item] = [s for s in a.staff if s.key == idle]
    assert sum(assessment.score(i, item.value(i.code)) for i in a.indicators) == 0


def test_only_an_administrator_sets_the_template(db):
    from gridoffice.access import scope as scopes
    from gridoffice.errors import PermissionDenied

    scopes.bind(db, whole_office("张文员", "clerk"))
    with pytest.raises(PermissionDenied, match="只有系统管理员"):
        assessment.set_template(db, [("visits", 50, 100)])
    assert db.execute("SELECT COUNT(*) FROM settings WHERE key = 'assessment_template'").fetchone()[0] == 0
    scopes.bind(db, whole_office("管理员"))
    assessment.set_template(db, [("visits", 50, 100)])
    assert [i.code for i in assessment.template(db)] == ["visits"]


def test_a_repeated_indicator_is_refused(db):
    with pytest.raises(ValidationError, match="重复"):
        assessment.set_template(db, [("visits", 50, 50), ("visits", 60, 50)])
