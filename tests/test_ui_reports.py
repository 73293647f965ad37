import shutil

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from gridoffice.audit import journal
from gridoffice.store.db import open_db
from tests._reports import TODAY
from ui.context import AppContext
from ui.pages.reports_page import ReportsPage
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")

AUDITOR = whole_office("测试员")  # a role that reads the audit trail


@pytest.fixture
def page(activity_template, tmp_path, qtbot):
    path = tmp_path / "office.db"
    shutil.copyfile(activity_template, path)
    ctx = AppContext(path)
    widget = ReportsPage(ctx)
    # The page offers the 24 months before its day: the activity office's year, whatever day the suite runs.
    widget.today = lambda: TODAY
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    widget.activated()
    yield widget
    ctx.close()


def _save_as(monkeypatch, target):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))


def _pick(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def test_summary_for_a_chosen_month_is_written_and_recorded(page, qtbot, monkeypatch, tmp_path):
    _pick(page.kind, "summary")
    _pick(page.month, "2026-10")
    assert page.month.isVisible() and not page.staff.isVisible() and not page.columns.isVisible()
    target = tmp_path / "汇总"
    _save_as(monkeypatch, target)
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    out = tmp_path / "汇总.xlsx"
    qtbot.waitUntil(lambda: page.open_folder.isEnabled(), timeout=20000)
    assert out.exists() and "2026年10月" in openpyxl.load_workbook(out).worksheets[0]["A1"].value
    assert str(out) in page.result.text()
    db = open_db(page.ctx.db_path)
    assert journal.query(db, journal.Filter(action="export"), scope=AUDITOR)[0].new["kind"] == "monthly_summary"
    db.close()


def test_roster_with_picked_columns_for_one_grid(page, qtbot, monkeypatch, tmp_path):
    _pick(page.kind, "roster")
    assert page.columns.isVisible() and not page.month.isVisible()
    grid = next(i for i in range(page.org.count()) if page.org.itemText(i).strip().endswith("网格"))
    page.org.setCurrentIndex(grid)
    for i in range(page.columns.count()):
        item = page.columns.item(i)
        if item.data(Qt.ItemDataRole.UserRole) not in ("household_number", "name", "sex"):
            item.setCheckState(Qt.CheckState.Unchecked)
    target = tmp_path / "r.xlsx"
    _save_as(monkeypatch, target)
    page.export()
    qtbot.waitUntil(lambda: page.open_folder.isEnabled(), timeout=20000)
    ws = openpyxl.load_workbook(target).worksheets[0]
    assert [c.value for c in ws[2]] == ["户号", "姓名", "性别"]
    assert page.org.currentText().strip() in ws["A1"].value


def test_village_file_needs_a_village_and_member_file_a_person(page, monkeypatch, tmp_path):
    called = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: called.append(1) or ("", ""))
    _pick(page.kind, "village-file")
    page.org.setCurrentIndex(0)
    page.export()
    assert "村或社区" in page.result.text() and not called
    _pick(page.kind, "member-file")
    assert page.staff.isVisible() and page.staff.count() > 0


def test_an_export_onto_a_folder_or_a_read_only_folder_is_told_plainly(page, qtbot, monkeypatch, tmp_path):
    import os
    import subprocess
    import sys

    _pick(page.kind, "summary")
    _pick(page.month, "2026-10")
    folder = tmp_path / "已有文件夹.xlsx"  # what the clerk typed names a folder
    folder.mkdir()
    _save_as(monkeypatch, folder)
    page.export()
    qtbot.waitUntil(lambda: page.export_button.isEnabled(), timeout=20000)
    assert "导出未完成" in page.result.text() and "是一个文件夹" in page.result.text()
    assert list(folder.iterdir()) == [] and [p.name for p in tmp_path.iterdir() if p.name.startswith(".~")] == []
    if sys.platform != "linux" or os.geteuid() != 0:
        return
    locked = tmp_path / "只读"
    locked.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(locked)]).returncode:
        return
    try:
        _save_as(monkeypatch, locked / "汇总.xlsx")
        page.export()
        qtbot.waitUntil(lambda: page.export_button.isEnabled(), timeout=20000)
        assert "只读" in page.result.text() and "请换一个可写的文件夹" in page.result.text()
        assert list(locked.iterdir()) == []
    finally:
        subprocess.run(["umount", "-l", str(locked)], check=True)


def test_an_administrator_edits_the_assessment_template_in_the_window(activity_template, tmp_path, qtbot):
    from gridoffice.reports import assessment
    from ui.dialogs.assessment import AssessmentTemplateDialog
    from ui.context import User

    path = tmp_path / "office.db"
    shutil.copyfile(activity_template, path)
    ctx = AppContext(path, User("管理员", "admin"))
    try:
        dialog = AssessmentTemplateDialog(ctx)
        qtbot.addWidget(dialog)
        rows = {code: (used, target, weight) for code, used, target, weight in dialog.rows}
        assert all(used.isChecked() for used, _, _ in rows.values()) and "权重合计 100 分" in dialog.total.text()
        assert "本办自定" in dialog.findChildren(type(dialog.total))[0].text()
        rows["needs_solved"][0].setChecked(False)
        rows["visits"][1].setValue(120)
        rows["visits"][2].setValue(25)
        assert "计入考核 10 项，权重合计 100 分" in dialog.total.text()
        with qtbot.waitSignal(dialog.accepted, timeout=5000):
            dialog.save()
        t = {i.code: (i.target, i.weight) for i in assessment.template(ctx.reader())}
        assert "needs_solved" not in t and t["visits"] == (120, 25) and len(t) == 10
    finally:
        ctx.close()


def test_a_clerk_sees_the_template_but_cannot_change_it(page, qtbot):
    from ui.dialogs.assessment import AssessmentTemplateDialog

    _pick(page.kind, "assessment")
    assert page.template_button.isVisible()
    dialog = AssessmentTemplateDialog(page.ctx, page)
    qtbot.addWidget(dialog)
    assert "只有系统管理员" in dialog.error.text()
    assert not any(used.isEnabled() or weight.isEnabled() for _, used, _, weight in dialog.rows)
    assert [b.text() for b in dialog.buttons.buttons()] == ["关闭"]


def _footer_maker(path) -> str:
    return openpyxl.load_workbook(path).worksheets[0].oddFooter.left.text


def test_the_maker_is_the_accounts_real_name_not_its_log_in_name(activity_template, tmp_path, qtbot, monkeypatch):
    """制表人: the name the administrator gave the account (用户管理 → 修改姓名), then, once the account
    is linked to a staff member, that member's name; never the log-in name."""
    from PySide6.QtWidgets import QInputDialog

    from gridoffice.access import staff_accounts, users
    from gridoffice.org import staff
    from tests._reports import TODAY
    from ui.dialogs.users import UsersDialog

    path = tmp_path / "office.db"
    shutil.copyfile(activity_template, path)
    db = open_db(path)
    office = users.whole_office("admin")
    leader_id = users.create_user(db, "leader", "gridoffice1", "leader", by=office)
    admin = users.get_user(db, users.create_user(db, "chief", "gridoffice2", "admin", by=office))
    member = staff.staff_list(db, scope=ADMIN)[0]
    db.close()

    admin_ctx = AppContext(path, user=admin)
    manage = UsersDialog(admin_ctx)
    qtbot.addWidget(manage)
    manage.table.selectRow(next(r for r, u in enumerate(manage.users) if u.id == leader_id))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("  李秀兰 ", True))
    with qtbot.waitSignal(admin_ctx.write_finished, timeout=5000):
        qtbot.mouseClick(manage.name_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "李秀兰" in [manage.table.item(r, 1).text() for r in range(manage.table.rowCount())])
    admin_ctx.close()

    def export_as_leader(target):
        ctx = AppContext(path, user=users.get_user(open_db(path), leader_id))
        page = ReportsPage(ctx)
        page.today = lambda: TODAY
        qtbot.addWidget(page)
        page.activated()
        _pick(page.kind, "summary")
        _save_as(monkeypatch, target)
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.open_folder.isEnabled(), timeout=20000)
        ctx.close()
        return _footer_maker(target)

    assert export_as_leader(tmp_path / "one.xlsx") == "制表人：李秀兰"
    db = open_db(path)
    staff_accounts.link(db, leader_id, member.id, by=users.whole_office("admin"))
    db.close()
    assert export_as_leader(tmp_path / "two.xlsx") == f"制表人：{member.name}"
    # The matter forms propose the same name for 受理人.
    from ui.dialogs.matters import IntakeDialog

    ctx = AppContext(path, user=users.get_user(open_db(path), leader_id))
    intake = IntakeDialog(ctx)
    qtbot.addWidget(intake)
    assert intake.taker.text() == member.name
    ctx.close()


def _shown(page) -> list[list[str]]:
    model = page.figures_model
    return [[model.text(r, c) for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_the_figures_show_on_the_page_before_anything_is_exported(page, qtbot, tmp_path):
    """月度汇总表, 公示表 and 年终考核表 show their figures as soon as they are chosen: the same numbers
    the workbook gets, for the month, year and scope picked; nothing is written."""
    from gridoffice.reports import monthly, assessment as assessment
    from gridoffice.access.users import whole_office

    admin = whole_office("测试员")
    db = page.ctx.reader()
    _pick(page.kind, "summary")
    _pick(page.month, "2026-10")
    qtbot.waitUntil(lambda: not page.is_loading() and page.figures_model.rowCount() > 0, timeout=20000)
    summary = monthly.monthly_summary(db, "2026-10", scope=admin)
    assert page.figures.isVisible() and "2026年10月" in page.figures_caption.text()
    rows = _shown(page)
    headers = page.figures_model.headers
    assert headers[:3] == ["网格", "户数", "人数"]
    assert [r[0] for r in rows] == [g.name for g in summary.grids] + ["合计"]
    assert rows[-1][1:3] == [str(summary.total.households), str(summary.total.persons)]
    model = page.figures_model
    total, first = model.index(len(rows) - 1, 1), model.index(0, 1)
    assert model.data(total, Qt.ItemDataRole.FontRole).bold() and model.data(first, Qt.ItemDataRole.FontRole) is None
    assert model.data(first, Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) is None

    page.section.setCurrentText("诉求办理")
    handling = _shown(page)
    col = page.figures_model.headers
    total = next(r for r in handling if r[0] == "合计")
    assert total[col.index("受理诉求")] == str(summary.total.received)
    assert handling[-1][0] == "环比" and handling[-2][0].startswith("上月")
    assert total[col.index("办结率")] == (f"{summary.total.completion_rate:.1%}" if summary.total.received else "")

    grid = next(i for i in range(page.org.count()) if page.org.itemText(i).strip().endswith("网格"))
    page.org.setCurrentIndex(grid)
    qtbot.waitUntil(lambda: not page.is_loading() and [r[0] for r in _shown(page)][:1] == [page.org.currentText().strip()],
                    timeout=20000)

    _pick(page.kind, "notice")
    page.org.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not page.is_loading() and "公示" in page.figures_caption.text(), timeout=20000)
    notice = monthly.public_notice(db, "2026-10", scope=admin)
    assert [r[1] for r in _shown(page)] == [t.team for t in notice.teams]

    _pick(page.kind, "assessment")
    page.year.setValue(2026)
    qtbot.waitUntil(lambda: not page.is_loading() and "年终考核" in page.figures_caption.text(), timeout=20000)
    a = assessment.assessment(db, "2026", scope=admin)
    assert [r[0] for r in _shown(page)] == [s.name for s in a.staff]
    page.grab().save(str(tmp_path / "reports-figures.png"))

    _pick(page.kind, "roster")
    assert not page.figures.isVisible() and "导出后查看" in page.figures_caption.text()
    assert not list(tmp_path.glob("*.xlsx"))
