"""Registers an office adds beside the built-in ones, and hardship recorded per household."""

import openpyxl
import pytest

from commands._progress import consume
from exports import roster
from gridoffice.archive import households, office_tags, people, registers, tag_import
from gridoffice.audit import history, revert
from gridoffice.roster import importer
from gridoffice.errors import PermissionDenied, RuleViolation, ValidationError
from gridoffice.access.scope import bind
from gridoffice.access.users import whole_office
from tests._domain import TODAY, man, tree, woman

ADMIN = whole_office("测试员")

CLERK = whole_office("测试员", "clerk")


def _grid_worker(db, grid):
    scope = whole_office("测试员", "grid_worker")
    path = db.execute("SELECT path FROM org_units WHERE id = ?", [grid]).fetchone()[0]
    return type(scope)(**{**scope.__dict__, "org_ids": frozenset({grid}), "root": grid, "path": path})


@pytest.fixture
def office(db):
    t = tree(db)
    h = households.create_household(db, org_id=t.grid, head=man("张伟"))
    head = households.get_household(db, h, scope=ADMIN).head.id
    spouse = households.add_member(db, h, woman("李娜"), "spouse")
    return db, t, h, head, spouse


def test_an_office_register_is_used_like_a_built_in_one(office):
    db, t, h, head, spouse = office
    code = office_tags.add_register(db, "失业人员")
    assert code.startswith("office_") and not code.startswith("office_s")
    people.add_tag(db, head, "失业人员", since="2025-02-01", today=TODAY)
    with pytest.raises(RuleViolation, match="已在“失业人员”名册中"):
        people.add_tag(db, head, "失业人员", today=TODAY)
    assert [t.tag for t in people.visible_tags_of(db, [head], CLERK)] == [code]
    assert registers.counts(db, scope=CLERK, today=TODAY)[code] == 1
    assert registers.person_ids(db, code, scope=CLERK, today=TODAY) == [head]
    assert [g.label for g in registers.groups(db) if g.code == code] == ["失业人员"]
    # The history names it, never by its code.
    told = [x.text for x in history.tell(db, history.household_entries(db, h, CLERK), scope=CLERK)]
    assert any("失业人员" in text for text in told) and not any(code in text for text in told)
    with pytest.raises(ValidationError, match="已有名为“失业人员”的名册"):
        office_tags.add_register(db, "失业人员")
    with pytest.raises(ValidationError, match="已有名为“残疾人”的名册"):
        office_tags.add_register(db, "残疾人")
    office_tags.retire_register(db, code)
    with pytest.raises(ValidationError, match="人群类别“失业人员”不存在"):
        people.add_tag(db, spouse, "失业人员", today=TODAY)
    assert office_tags.label(db, code) == "失业人员"  # its entries are still named


def test_a_sensitive_office_register_is_hidden_from_roles_without_sensitive_tags(office):
    db, t, h, head, _ = office
    code = office_tags.add_register(db, "计划生育特殊家庭", sensitive=True)
    people.add_tag(db, head, code, since="2024-01-01", today=TODAY)
    worker = _grid_worker(db, t.grid)
    assert CLERK.sees_tag(code) and not worker.sees_tag(code)
    assert people.visible_tags_of(db, [head], worker) == []
    assert code not in registers.counts(db, scope=worker, today=TODAY)
    with pytest.raises(PermissionDenied):
        registers.person_ids(db, code, scope=worker, today=TODAY)
    bind(db, worker)
    with pytest.raises(PermissionDenied):
        office_tags.add_register(db, "失能老人")


def test_office_registers_travel_in_the_roster_and_in_lists(office, tmp_path):
    db, t, h, head, spouse = office
    code = office_tags.add_register(db, "失土农民")
    people.add_tag(db, head, code, since="2019-05-01", today=TODAY)
    path = tmp_path / "花名册.xlsx"
    consume(roster.write(db, path, scope=whole_office("测试员"), full_numbers=True, reason="核对"), quiet=True)
    ws = openpyxl.load_workbook(path).worksheets[0]
    head_row = [c.value for c in ws[2]]
    cells = [r[head_row.index("人群类别")] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert "失土农民 2019-05-01起" in cells
    result = consume(importer.import_file(db, path, today=TODAY), quiet=True)
    assert result.persons_updated == 0 and not result.refused

    from test_tag_import import _list

    spouse_id = people.get_person(db, spouse, scope=ADMIN).id_number
    lst = _list(tmp_path / "名单.xlsx", [("李娜", spouse_id, "失土农民", "2020-01-01", "", "")])
    added = consume(tag_import.import_file(db, lst, today=TODAY), quiet=True)
    assert added.entries_added == 1
    assert [t.tag for t in people.tags_of(db, spouse, scope=ADMIN)] == [code]


def test_hardship_is_recorded_per_household_and_undone(office):
    db, t, h, *_ = office
    office_tags.add_household_tag(db, h, "低保户", since="2024-03-01", today=TODAY)
    assert [(x.tag, x.since, x.until) for x in office_tags.household_tags_of(db, h, scope=ADMIN)] == [
        ("low_income_household", "2024-03-01", None)]
    with pytest.raises(RuleViolation, match="已登记为低保户"):
        office_tags.add_household_tag(db, h, "低保户", today=TODAY)
    with pytest.raises(ValidationError, match="户的困难类别只能是"):
        office_tags.add_household_tag(db, h, "富裕户", today=TODAY)
    with pytest.raises(ValidationError, match="早于开始日期"):
        office_tags.end_household_tag(db, h, "低保户", until="2023-01-01", today=TODAY)
    office_tags.end_household_tag(db, h, "低保户", until="2026-06-30", today=TODAY)
    assert office_tags.household_tags_of(db, h, scope=ADMIN) == []
    assert office_tags.household_tags_of(db, h, include_ended=True, scope=ADMIN)[0].until == "2026-06-30"
    bind(db, _grid_worker(db, t.grid))
    with pytest.raises(PermissionDenied):
        office_tags.add_household_tag(db, h, "困难户", today=TODAY)


def test_a_household_tag_is_taken_back(office):
    db, t, h, *_ = office
    _, run = revert.run_of(db, office_tags.add_household_tag, h, "困难户", since="2024-03-01", today=TODAY)
    revert.revert(db, run)
    assert office_tags.household_tags_of(db, h, include_ended=True, scope=ADMIN) == []


def test_the_migration_makes_the_tables(db):
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"office_tags", "household_tags"} <= names


def test_office_registers_are_counted_in_the_monthly_summary_and_on_the_dashboard(office, tmp_path):
    """The office's own registers stand beside the fixed ones in the summary's 重点人群 columns and
    the 首页 register chart; a sensitive one only for the roles that see sensitive tags."""
    from commands._progress import consume
    from exports import monthly_summary
    from gridoffice.reports import monthly, dashboard

    db, t, h, head, spouse = office
    jobless = office_tags.add_register(db, "失业人员")
    special = office_tags.add_register(db, "计划生育特殊家庭", sensitive=True)
    people.add_tag(db, head, jobless, since="2025-02-01", today=TODAY)
    people.add_tag(db, spouse, jobless, since="2025-03-01", today=TODAY)
    people.add_tag(db, spouse, special, since="2025-03-01", today=TODAY)
    summary = monthly.monthly_summary(db, "2026-11", scope=CLERK)
    labels = [g.label for g in summary.groups]
    assert labels[-2:] == ["失业人员", "计划生育特殊家庭"]
    grid = next(f for f in summary.grids if f.key == t.grid)
    assert (grid.groups[-2], grid.groups[-1]) == (2, 1) and summary.total.groups[-2:] == (2, 1)
    worker = _grid_worker(db, t.grid)
    assert [g.label for g in monthly.monthly_summary(db, "2026-11", scope=worker).groups][-1] == "失业人员"
    path = tmp_path / "summary.xlsx"
    consume(monthly_summary.write(db, path, "2026-11", scope=CLERK), quiet=True)
    cells = [c.value for row in openpyxl.load_workbook(path).worksheets[0].iter_rows() for c in row]
    assert "失业人员" in cells and "计划生育特殊家庭" in cells
    shown = {c.label: c.count for c in dashboard.population(db, TODAY, scope=CLERK)[0]}
    assert (shown["失业人员"], shown["计划生育特殊家庭"]) == (2, 1)
    hidden = {c.label for c in dashboard.population(db, TODAY, scope=worker)[0]}
    assert "失业人员" in hidden and "计划生育特殊家庭" not in hidden
