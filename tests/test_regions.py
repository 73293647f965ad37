import pytest

from tests._domain import dump, man, tree, woman
from gridoffice.archive import households
from gridoffice.audit import trail
from gridoffice.org import regions, staff
from gridoffice.errors import NotFound, RuleViolation, ValidationError
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


def test_create_keeps_path_and_grid(db):
    t = tree(db)
    grid = regions.get_unit(db, t.grid)
    estate = regions.get_unit(db, t.estate)
    assert grid.path == f"/{t.district}/{t.street}/{t.community}/{t.area}/{t.grid}/"
    assert grid.grid_id == t.grid
    assert estate.grid_id == t.grid and estate.parent_id == t.grid
    assert regions.get_unit(db, t.area).grid_id is None
    assert estate.depth == 5 and estate.ancestor_ids[-1] == t.grid
    entry = trail.history(db, "org_units", t.grid)[0]
    assert entry.action == "create_unit" and entry.new["path"] == grid.path and entry.actor == "测试员"


def test_levels_may_be_skipped(db):
    street = regions.create_unit(db, None, "street", "城关镇")
    village = regions.create_unit(db, street, "community", "东村")
    grid = regions.create_unit(db, village, "grid", "一组")
    unit = regions.create_unit(db, grid, "unit", "1单元")
    assert regions.get_unit(db, unit).grid_id == grid
    assert [u.id for u in regions.children(db, village)] == [grid]
    assert [u.id for u in regions.children(db, None)] == [street]


@pytest.mark.parametrize("parent_level, level", [("grid", "grid"), ("grid", "area"), ("building", "estate")])
def test_child_must_rank_below_parent(db, parent_level, level):
    parent = regions.create_unit(db, None, parent_level, "上级")
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        regions.create_unit(db, parent, level, "下级")
    assert err.value.field == "level" and "下级的层级必须低于上级" in err.value.message
    assert dump(db) == before


@pytest.mark.parametrize("name, level, field, text", [
    ("  ", "grid", "name", "名称不能为空"),
    ("网" * 61, "grid", "name", "名称过长"),
    ("第三网格", "village", "level", "层级“village”不存在"),
])
def test_bad_unit_input(db, name, level, field, text):
    t = tree(db)
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        regions.create_unit(db, t.area, level, name)
    assert err.value.field == field and text in err.value.message
    assert dump(db) == before


def test_sibling_names_are_unique_and_text_is_cleaned(db):
    t = tree(db)
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        regions.create_unit(db, t.area, "grid", " 第一\u200b网格 ")
    assert "已有名为“第一网格”" in err.value.message
    assert dump(db) == before
    other = regions.create_unit(db, t.area, "grid", "第三网格", code=" G03 ")
    assert regions.get_unit(db, other).code == "G03"


def test_unknown_parent(db):
    with pytest.raises(NotFound):
        regions.create_unit(db, 999, "grid", "第一网格")


def test_rename(db):
    t = tree(db)
    regions.rename_unit(db, t.grid, "一号网格", code="G1", sort=3)
    unit = regions.get_unit(db, t.grid)
    assert (unit.name, unit.code, unit.sort) == ("一号网格", "G1", 3)
    entry = trail.history(db, "org_units", t.grid)[0]
    assert entry.action == "rename_unit" and entry.old["name"] == "第一网格" and entry.new["name"] == "一号网格"
    with pytest.raises(ValidationError):
        regions.rename_unit(db, t.grid, "第二网格")


def test_move_subtree_updates_paths_and_grids(db):
    t = tree(db)
    building = regions.create_unit(db, t.estate, "building", "1幢")
    other_community = regions.create_unit(db, t.street, "community", "玉泉社区")
    other_grid = regions.create_unit(db, other_community, "grid", "玉泉一格")
    # The estate (with its building) leaves the first grid for another community's grid.
    regions.move_unit(db, t.estate, other_grid)
    estate, b = regions.get_unit(db, t.estate), regions.get_unit(db, building)
    assert estate.path == f"/{t.district}/{t.street}/{other_community}/{other_grid}/{t.estate}/"
    assert b.path == estate.path + f"{building}/"
    assert estate.grid_id == other_grid and b.grid_id == other_grid
    entry = trail.history(db, "org_units", building)[0]
    assert entry.action == "move_unit" and entry.old["grid_id"] == t.grid and entry.new["grid_id"] == other_grid
    # A grid moved to another area keeps itself as the grid of its subtree.
    regions.move_unit(db, t.grid, other_community)
    assert regions.get_unit(db, t.grid).grid_id == t.grid
    # The estate moved up directly under a community: now outside any grid.
    regions.move_unit(db, t.estate, t.community)
    assert regions.get_unit(db, building).grid_id is None
    assert set(regions.subtree_ids(db, t.estate)) == {t.estate, building}


def test_move_refusals(db):
    t = tree(db)
    retired = regions.create_unit(db, t.area, "grid", "旧网格")
    regions.retire_unit(db, retired)
    before = dump(db)
    with pytest.raises(RuleViolation, match="自己或它的下级"):
        regions.move_unit(db, t.area, t.grid)
    with pytest.raises(RuleViolation, match="自己或它的下级"):
        regions.move_unit(db, t.area, t.area)
    with pytest.raises(ValidationError, match="下级的层级必须低于上级"):
        regions.move_unit(db, t.grid, t.grid2)
    with pytest.raises(RuleViolation, match="已撤销"):
        regions.move_unit(db, t.estate, retired)
    with pytest.raises(RuleViolation, match="已撤销"):
        regions.move_unit(db, retired, t.community)
    assert dump(db) == before


def test_retire_refused_with_active_households(db):
    t = tree(db)
    households.create_household(db, org_id=t.estate, head=man("王建国"))
    before = dump(db)
    with pytest.raises(RuleViolation) as err:
        regions.retire_unit(db, t.grid)
    assert "还有1个在册户" in err.value.message
    assert dump(db) == before


def test_retire_takes_the_subtree_and_what_served_it(db):
    t = tree(db)
    hid = households.create_household(db, org_id=t.estate, head=man("王建国"))
    households.move_household(db, hid, t.grid2)
    worker = staff.add_staff(db, "网格员甲", "grid_worker")
    role = staff.add_role(db, worker, "grid_head", t.grid, since="2025-01-01")
    other_role = staff.add_role(db, worker, "grid_head", t.grid2, since="2025-01-01")
    team = staff.create_team(db, t.grid, "第一网格团队")
    staff.add_team_member(db, team, worker, since="2025-01-01")
    with pytest.raises(ValidationError) as err:
        regions.retire_unit(db, t.grid, day="2026-13-01")
    assert err.value.field == "day"
    assert regions.retire_unit(db, t.grid, day="2026-01-01") == 2
    assert [(r.id, r.until) for r in staff.roles_of(db, worker, include_ended=True, scope=ADMIN)] == [
        (role, "2026-01-01"), (other_role, None)]
    assert staff.teams_of(db, t.grid, scope=ADMIN) == [] and staff.team_members(db, team, scope=ADMIN) == []
    assert regions.get_unit(db, t.estate).status == "retired"
    assert regions.get_unit(db, t.estate).retired_at == "2026-01-01"
    assert [u.id for u in regions.children(db, t.area)] == [t.grid2]
    assert t.grid in [u.id for u in regions.all_units(db, include_retired=True)]
    assert t.grid not in [u.id for u in regions.all_units(db)]
    with pytest.raises(RuleViolation, match="已经撤销"):
        regions.retire_unit(db, t.grid)
    with pytest.raises(RuleViolation, match="已撤销"):
        regions.create_unit(db, t.grid, "estate", "新小区")


def test_all_units_parents_first(db):
    t = tree(db)
    late = regions.create_unit(db, t.district, "street", "灵隐街道", sort=-1)
    ids = [u.id for u in regions.all_units(db)]
    assert ids.index(t.district) < ids.index(t.street) < ids.index(t.grid) < ids.index(t.estate)
    assert ids.index(late) < ids.index(t.street)


def test_counts_aggregate_the_subtree(db):
    t = tree(db)
    a = households.create_household(db, org_id=t.grid, head=man("王建国"))
    households.add_member(db, a, woman("李秀英"), "spouse")
    b = households.create_household(db, org_id=t.estate, head=man("赵强", serial=13))
    households.create_household(db, org_id=t.grid2, head=man("钱伟", serial=15))
    households.move_out(db, b)
    c = regions.counts(db, ADMIN)
    assert c[t.grid] == regions.Counts(1, 2)
    assert c[t.estate] == regions.Counts(0, 0)
    assert c[t.grid2] == regions.Counts(1, 1)
    assert c[t.district] == regions.Counts(2, 3)


def test_office_setting(db):
    t = tree(db)
    assert regions.office(db) == regions.Office("", None)
    regions.set_office(db, " 宝石社区居委会 ", t.community)
    assert regions.office(db) == regions.Office("宝石社区居委会", t.community)
    new = db.execute("SELECT new FROM audit WHERE action = 'set_office'").fetchone()[0]
    assert "宝石社区居委会" in new
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        regions.set_office(db, "  ", t.community)
    assert err.value.field == "office_name"
    with pytest.raises(NotFound):
        regions.set_office(db, "某办", 999)
    assert dump(db) == before
