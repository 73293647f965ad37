"""Grids sort naturally (第2 before 第10) in the 范围 list and in the workbooks: one key in the core."""

import os

import openpyxl

from commands._progress import consume
from exports import monthly_summary, workbook
from gridoffice.org import regions
from gridoffice.store.db import open_db
from gridoffice.natural import natural_key
from gridoffice.access.users import whole_office

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
    from gridoffice.org import staff
    from gridoffice.reports.assessment import assessment

    db = _office(tmp_path / "office.db")
    grids = dict(db.execute("SELECT name, id FROM org_units WHERE level = 'grid'").fetchall())
    for name in GRIDS:
        staff.create_team(db, grids[name], f"{name}服务团队")
    teams = assessment(db, 2026, scope=whole_office("测试员")).teams
    assert [t.unit for t in teams] == IN_ORDER


def _households_per_grid(db):
    """One household with a staff member serving it, and one disabled person, in each grid."""
    import datetime as dt

    from gridoffice.archive import households
    from gridoffice.org import staff
    from gridoffice.idcard import make_id
    from gridoffice.archive.people import PersonInput

    grids = dict(db.execute("SELECT name, id FROM org_units WHERE level = 'grid'").fetchall())
    names = "甲乙丙丁戊"
    for n, name in enumerate(GRIDS, start=1):
        born = dt.date(1950, 1, n)
        hid = households.create_household(db, org_id=grids[name], head=PersonInput(
            f"王{names[n - 1]}", make_id("330102", born, 11), "M", born.isoformat(), "head"), number=f"H{n:03d}")
        pid = db.execute("SELECT id FROM persons WHERE household_id = ?", [hid]).fetchone()[0]
        db.execute("INSERT INTO person_tags(person_id, tag, since) VALUES(?,?,?)", [pid, "disabled", "2020-01-01"])
        member = staff.add_staff(db, f"李{names[n - 1]}", "grid_worker", org_id=grids[name])
        staff.link_contact(db, member, hid, since="2020-01-01")
        staff.create_team(db, grids[name], f"{name}服务团队")
    db.conn.commit()
    return grids


def test_the_register_by_grid_the_workbench_picker_and_the_village_file_follow_natural_order(tmp_path):
    import datetime as dt

    from gridoffice.activity import visits
    from gridoffice.archive import registers
    from gridoffice.reports import archives

    db = _office(tmp_path / "office.db")
    _households_per_grid(db)
    admin = whole_office("测试员")
    ids = registers.person_ids(db, "disabled", scope=admin, sort="grid")
    found = registers.rows(db, ids, scope=admin)
    assert [found[i].grid for i in ids] == IN_ORDER
    back = registers.person_ids(db, "disabled", scope=admin, sort="grid", descending=True)
    assert back == list(reversed(ids))
    assert [c.unit for c in visits.contact_staff(db, scope=admin)] == IN_ORDER
    # No visits yet: every grid equally overdue, so the grids stand in their natural order.
    overdue = visits.overdue_by_grid(db, scope=admin, today=dt.date(2026, 10, 15))
    assert [g.name for g in overdue] == IN_ORDER
    community = db.execute("SELECT id FROM org_units WHERE level = 'community'").fetchone()[0]
    village = archives.village_file(db, community, scope=admin, today=dt.date(2026, 10, 15))
    assert [g[0] for g in village.grids] == IN_ORDER
    assert [t[1] for t in village.teams] == IN_ORDER


def test_the_summary_lists_staff_by_their_grids_natural_order(tmp_path):
    db = _office(tmp_path / "office.db")
    _households_per_grid(db)
    path = tmp_path / "月度汇总.xlsx"
    consume(monthly_summary.write(db, path, "2026-10", scope=whole_office("测试员")), quiet=True)
    ws = openpyxl.load_workbook(path)["人口（按人员）"]
    names = [ws.cell(r, 1).value for r in range(workbook.header_height(ws) + 1, ws.max_row + 1)]
    # 李丙 serves 第1网格, 李乙 第2网格, 李戊 第3网格, 李甲 第10网格, 李丁 第11网格 (GRIDS' order of creation).
    assert [n for n in names if n and n.startswith("李")] == ["李丙", "李乙", "李戊", "李甲", "李丁"]
