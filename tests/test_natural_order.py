"""Grids sort naturally (第2 before 第10) in the 范围 list and in the workbooks: one key in the core."""

import os

import openpyxl

from commands._progress import consume
from exports import monthly_summary, workbook
from gridoffice import regions
from gridoffice.db import open_db
from gridoffice.natural import natural_key
from gridoffice.users import whole_office

# Created out of order, as an office adds grids over the years.
GRIDS = ["第10网格", "第2网格", "第1网格", "第11网格", "第3网格"]
IN_ORDER = ["第1网格", "第2网格", "第3网格", "第10网格", "第11网格"]


def test_the_key_counts_digits_and_chinese_numerals():
    assert sorted(["第10组", "第2组", "第1组"], key=natural_key) == ["第1组", "第2组", "第10组"]
    assert sorted(["第十二网格", "第二网格", "第十网格", "第一网格"], key=natural_key) == \
        ["第一网格", "第二网格", "第十网格", "第十二网格"]
    assert sorted(["幸福小区", "2号楼", "10号楼"], key=natural_key) == ["2号楼", "10号楼", "幸福小区"]
    assert natural_key("") == () and natural_key(None) == ()


def _office(path):
    db = open_db(path)
    regions.set_office(db, "东风社区居委会", None)
    community = regions.create_unit(db, None, "community", "东风社区")
    for name in GRIDS:
        regions.create_unit(db, community, "grid", name)
    # A tenth unit pushes ids to two digits, where text order of paths went wrong (/1/10/ < /1/2/).
    for n in range(5):
        regions.create_unit(db, community, "area", f"片区{n + 1}")
    return db


def test_the_summary_workbook_lists_grids_in_natural_order(tmp_path):
    db = _office(tmp_path / "office.db")
    path = tmp_path / "月度汇总.xlsx"
    consume(monthly_summary.write(db, path, "2026-10", scope=whole_office("测试员")), quiet=True)
    ws = openpyxl.load_workbook(path)["人口（按网格）"]
    first = [ws.cell(r, 1).value for r in range(workbook.header_height(ws) + 1, ws.max_row + 1)]
    assert [name for name in first if name in GRIDS] == IN_ORDER


def test_the_reports_scope_list_is_in_natural_order(qtbot, tmp_path):
    from ui.context import AppContext
    from ui.pages.reports_page import ReportsPage

    _office(tmp_path / "office.db").close()
    if os.environ.get("GRIDOFFICE_PNG"):
        from PySide6.QtWidgets import QApplication

        from ui.app import install_font

        install_font(QApplication.instance())
    ctx = AppContext(tmp_path / "office.db")
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.activated()
    items = [page.org.itemText(i).strip("　") for i in range(page.org.count())]
    assert [i for i in items if i in GRIDS] == IN_ORDER
    if os.environ.get("GRIDOFFICE_PNG"):
        page.org.showPopup()
        page.org.view().window().grab().save(os.path.join(os.environ["GRIDOFFICE_PNG"], "reports-scope-natural.png"))
        page.org.hidePopup()
    ctx.close()


def test_the_assessment_lists_grid_teams_in_natural_order(tmp_path):
    from gridoffice import staff
    from gridoffice.stats_assessment import assessment

    db = _office(tmp_path / "office.db")
    grids = dict(db.execute("SELECT name, id FROM org_units WHERE level = 'grid'").fetchall())
    for name in GRIDS:
        staff.create_team(db, grids[name], f"{name}服务团队")
    teams = assessment(db, 2026, scope=whole_office("测试员")).teams
    assert [t.unit for t in teams] == IN_ORDER
