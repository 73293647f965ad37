"""The import wizard driven like a clerk would: file, sheet, mapping, preview, import, report."""

import openpyxl
import pytest
from PySide6.QtWidgets import QFileDialog

from gridoffice.org import regions
from gridoffice.store.db import open_db
from gridoffice.roster.columns import remembered
from test_import import messy_workbook
from ui.context import AppContext
from ui.dialogs.import_wizard import ImportWizard


@pytest.fixture
def wizard(qtbot, tmp_path):
    path = tmp_path / "office.db"
    db = open_db(path)
    community = regions.create_unit(db, None, "community", "东风社区")
    for name in ("第一网格", "第二网格"):
        regions.create_unit(db, community, "grid", name)
    db.close()
    ctx = AppContext(path)
    w = ImportWizard(ctx)
    qtbot.addWidget(w)
    w.show()
    yield w
    ctx.close()


def test_wizard_imports_the_messy_roster_and_saves_the_report(wizard, qtbot, tmp_path, monkeypatch):
    roster = messy_workbook(tmp_path / "roster.xlsx")
    wizard.file_page.path.setText(str(roster))
    wizard.next()
    assert wizard.currentPage() is wizard.sheet_page
    assert wizard.sheet_page.sheets.currentItem().text() == "花名册"
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=10000)
    page = wizard.mapping_page
    assert page.header_row.value() == 4 and page.two_rows.isChecked()
    assert page.mapping() == {0: "household_number", 1: "name", 2: "id_number", 3: "relation", 4: "sex",
                              5: "birth_date", 6: "phone", 7: "address", 8: "grid", 9: "ethnicity", 10: "notes"}
    page.combos[10].setCurrentIndex(0)  # the clerk decides not to import 备注
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=10000)
    preview = wizard.preview_page
    assert "新登记10人" in preview.summary.text() and "拒收9行" in preview.summary.text()
    assert preview.problems.rowCount() == 9 + len(wizard.preview.notices)
    assert preview.sample.item(0, 2).text() == "王建国"
    assert wizard.ctx.reader().execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.result_page, timeout=10000)
    assert "已导入" in wizard.result_page.summary.text()
    reader = wizard.ctx.reader()
    assert reader.execute("SELECT count(*) FROM persons").fetchone()[0] == 10
    assert reader.execute("SELECT notes FROM persons WHERE name = '王小明'").fetchone() == ("",)
    assert remembered(reader)["备注"] == ""
    report = tmp_path / "report.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(report), ""))
    wizard.result_page.save.click()
    assert openpyxl.load_workbook(report)["拒收"].max_row == 11


def test_wizard_refuses_a_bad_file_and_a_bad_mapping(wizard, qtbot, tmp_path):
    wizard.file_page.path.setText(str(tmp_path / "roster.docx"))
    wizard.next()
    assert wizard.currentPage() is wizard.file_page
    assert "不支持" in wizard.file_page.error.text()
    wizard.file_page.path.setText(str(messy_workbook(tmp_path / "roster.xlsx")))
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=10000)
    wizard.mapping_page.combos[2].setCurrentIndex(0)  # no ID column
    wizard.next()
    assert wizard.currentPage() is wizard.mapping_page
    assert "身份证号码" in wizard.mapping_page.error.text()


def test_cancelling_the_import_leaves_the_database_unchanged(wizard, qtbot, tmp_path, monkeypatch):
    import time

    from gridoffice.roster import write

    insert = write.insert_rows

    def slow_insert(*args):
        insert(*args)
        time.sleep(0.5)  # each part takes long enough that Cancel comes while the job writes

    monkeypatch.setattr("gridoffice.roster.job.PART_ROWS", 1)
    monkeypatch.setattr("gridoffice.roster.write.insert_rows", slow_insert)
    wizard.file_page.path.setText(str(messy_workbook(tmp_path / "roster.xlsx")))
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=10000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=10000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.job is not None and wizard.busy, timeout=5000)
    time.sleep(0.3)  # let it write persons inside its transaction
    wizard.job.cancel()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    assert wizard.currentPage() is wizard.preview_page
    assert "已取消" in wizard.preview_page.error.text() and "数据库未改动" in wizard.preview_page.error.text()
    reader = wizard.ctx.reader()
    assert reader.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    assert reader.execute("SELECT count(*) FROM households").fetchone()[0] == 0


def test_wizard_refuses_crafted_files_and_stays_usable(wizard, qtbot, tmp_path):
    from tests import crafted

    wizard.file_page.path.setText(str(crafted.zip_bomb(tmp_path / "bomb.xlsx")))
    wizard.next()
    assert wizard.currentPage() is wizard.file_page
    assert "异常构造" in wizard.file_page.error.text()
    # Declares nothing, so it passes the checks; the reader dies in its child process, not here.
    wizard.file_page.path.setText(str(crafted.far_cell_undeclared(tmp_path / "far.xlsx")))
    wizard.next()
    assert wizard.currentPage() is wizard.sheet_page
    wizard.next()
    qtbot.waitUntil(lambda: "意外退出" in wizard.sheet_page.error.text(), timeout=20000)
    assert wizard.currentPage() is wizard.sheet_page
    wizard.back()
    wizard.file_page.path.setText(str(messy_workbook(tmp_path / "roster.xlsx")))
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=20000)


def test_the_wizard_imports_a_special_group_list(qtbot, tmp_path):
    from gridoffice.archive import households
    from gridoffice.archive.people import PersonInput
    from test_tag_import import _list

    path = tmp_path / "office.db"
    db = open_db(path)
    grid = regions.create_unit(db, None, "grid", "第一网格")
    households.create_household(db, org_id=grid, head=PersonInput("王建国", "330102197001010013"))
    db.close()
    ctx = AppContext(path)
    w = ImportWizard(ctx, kind="tags")
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    lst = _list(tmp_path / "残疾人名单.xlsx", [("王建国", "330102197001010013", "", "2021-04-01", "", "二级肢体"),
                                               ("李四", "33010219700101003X", "", "2021-04-01", "", "")],
                header=("序号", "姓名", "身份证号码", "残疾类别", "认定日期", "退出日期", "备注"))
    w.file_page.path.setText(str(lst))
    w.next()
    w.next()
    qtbot.waitUntil(lambda: w.currentPage() is w.mapping_page, timeout=10000)
    page = w.mapping_page
    assert page.mapping() == {1: "name", 2: "id_number", 3: "tag", 4: "since", 5: "until", 6: "note"}
    page.combos[3].setCurrentIndex(0)  # the column names the kind of disability, not the register
    w.next()
    assert "请选定整份名单的类别" in page.error.text()
    page.list_tag.setCurrentIndex(page.list_tag.findText("残疾人"))
    w.next()
    qtbot.waitUntil(lambda: w.preview is not None, timeout=10000)
    preview = w.preview_page
    assert "加入名册1条" in preview.summary.text() and "拒收1行" in preview.summary.text()
    assert preview.sample.item(0, 3).text() == "残疾人" and preview.sample.item(0, 2).text().startswith("330***")
    w.preview_page.grab().save(str(tmp_path / "preview.png"))
    w.next()
    qtbot.waitUntil(lambda: w.currentPage() is w.result_page, timeout=10000)
    assert "已导入" in w.result_page.summary.text()
    assert ctx.reader().execute("SELECT tag, since, note FROM person_tags").fetchall() == [
        ("disabled", "2021-04-01", "二级肢体")]
    ctx.close()
