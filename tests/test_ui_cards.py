"""联系卡打印 page: choosing grids and households, the preview, saving the PDF, printing, the offset."""

import json
import shutil
import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog, QMessageBox

from gridoffice.audit import trail
from gridoffice.org import regions, staff
from gridoffice.reports import cards as C
from gridoffice.store.db import open_db
from ui.context import AppContext
from ui.pages.cards_page import CardsPage

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


@pytest.fixture
def office(tmp_path):
    path = tmp_path / "office.db"
    db = open_db(path)
    trail.set_actor(db, "测试员")
    community = regions.create_unit(db, None, "community", "东港社区")
    regions.set_office(db, "东港社区居委会", community)
    grid1 = regions.create_unit(db, community, "grid", "第一网格")
    grid2 = regions.create_unit(db, community, "grid", "第二网格")
    with db.atomic():
        ids = []
        for n, (grid, head) in enumerate([(grid1, "郑桂兰"), (grid1, "吴文华"), (grid2, "钱秀梅")], 1):
            hh = db.execute("INSERT INTO households(number, org_id, address, phone) VALUES(?, ?, ?, '13900009999')",
                            [f"H{n:03d}", grid, f"东港路{n}号"]).lastrowid
            db.execute("INSERT INTO persons(household_id, name, relation, phone) VALUES(?, ?, 'head', '13900008888')",
                       [hh, head])
            ids.append(hh)
    worker = staff.add_staff(db, "周海燕", "grid_worker", phone="13812340000", org_id=grid1)
    team = staff.create_team(db, grid1, "第一网格服务团队")
    staff.add_team_member(db, team, worker, title="网格长")
    staff.link_contact(db, worker, ids[0])
    C.set_hotline(db, "12345")
    db.close()
    return {"path": path, "grid1": grid1, "grid2": grid2, "households": ids}


@pytest.fixture
def page(office, qtbot):
    ctx = AppContext(office["path"])
    widget = CardsPage(ctx)
    ctx.changed.connect(widget.on_changed)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    widget.activated()
    yield widget
    ctx.close()


def check(page, name):
    for i in range(page.grids.count()):
        if page.grids.item(i).text().startswith(name):
            page.grids.item(i).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(name)


def test_grids_listed_with_counts_and_settings_shown(page):
    assert [page.grids.item(i).text() for i in range(page.grids.count())] == ["第一网格（2户）", "第二网格（1户）"]
    assert page.hotline.text() == "12345" and page.offset_x.value() == 0


def test_preview_draws_the_first_sheet_front_and_back(page, tmp_path):
    check(page, "第一网格")
    page.numbers.setText("H003")
    page.preview_button.click()
    pixmap = page.preview.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    assert pixmap.width() > 2 * pixmap.height() * 0.6  # two A4 pages side by side
    assert "共3张卡片" in page.status.text()
    page.grab().save(str(tmp_path / "cards_page.png"))


def test_unknown_household_number_is_said_in_chinese(page, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    page.numbers.setText("H999")
    page.preview_button.click()
    assert shown == ["没有户号为“H999”的户，请核对户号"]


@needs_poppler
def test_save_pdf_in_background_and_logged(page, office, qtbot, tmp_path, monkeypatch):
    out = tmp_path / "cards.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF (*.pdf)"))
    check(page, "第一网格")
    page.layout_box.setCurrentIndex(page.layout_box.findData("contact"))
    page.save_button.click()
    qtbot.waitUntil(lambda: "已保存2张卡片" in page.status.text(), timeout=10000)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "民情联系卡" in text and "郑桂兰" in text and "吴文华" in text and "周海燕" in text
    assert "13900008888" not in text and "13900009999" not in text
    db = open_db(office["path"])
    entry = db.execute("SELECT action, new FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    db.close()
    assert entry[0] == "export" and json.loads(entry[1])["kind"] == "cards:contact"


@needs_poppler
def test_print_draws_the_same_cards_and_is_logged(page, office, qtbot, tmp_path):
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    page.numbers.setText("H001, H003")
    page.print_cards(printer)
    qtbot.waitUntil(lambda: "已送打印2张卡片，共2页" in page.status.text(), timeout=10000)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "郑桂兰" in text and "钱秀梅" in text and "13812340000" in text and "13900008888" not in text

    def logged():
        db = open_db(office["path"])
        try:
            return db.execute("SELECT action FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0] == "print"
        finally:
            db.close()

    qtbot.waitUntil(logged, timeout=5000)


def test_offset_saved_through_the_writer(page, office, qtbot):
    page.offset_x.setValue(1.5)
    page.offset_y.setValue(-0.5)
    page.save_offset()
    qtbot.waitUntil(lambda: "打印机偏移已保存" in page.status.text(), timeout=5000)
    assert C.printer_offset(page.ctx.reader()) == (1.5, -0.5)


def test_preview_says_what_to_choose_pages_through_the_sheets_and_fits_the_window(page, qtbot):
    """Nothing ticked: a sentence instead of a blank sheet. Three households on A6 (one card a sheet):
    three sheets to page through, shown whole in the preview area, or at full size when the clerk
    unticks 适合窗口."""
    page.preview_button.click()
    assert "请勾选网格，或输入户号" in page.preview.text() and page.preview.pixmap().isNull()
    assert not page.next_button.isEnabled()
    page.sheet_box.setCurrentIndex(page.sheet_box.findData("a6"))
    check(page, "第一网格")
    check(page, "第二网格")
    page.preview_button.click()
    assert page.sheet_label.text() == "第1/3页" and not page.previous_button.isEnabled()
    page.next_button.click()
    page.next_button.click()
    assert page.sheet_label.text() == "第3/3页" and not page.next_button.isEnabled()
    assert "预览为第3页" in page.status.text()
    page.sheet_box.setCurrentIndex(page.sheet_box.findData("a4-10"))
    page.preview_button.click()
    assert page.sheet_label.text() == "第1/1页"
    natural = page.render_sheet()
    qtbot.waitUntil(lambda: page.preview.pixmap().height() < natural.height())  # the A4 sheet is shrunk to fit
    room = page.scroll.viewport().size()
    assert page.preview.pixmap().width() <= room.width() and page.preview.pixmap().height() <= room.height()
    page.fit_box.setChecked(False)
    assert page.preview.pixmap().size() == natural.size()


def test_a_household_without_a_contact_person_is_told_on_its_card_and_in_the_status(page, office):
    from exports import cards as X

    check(page, "第一网格")
    check(page, "第二网格")
    page.layout_box.setCurrentIndex(page.layout_box.findData("contact"))
    page.preview_button.click()
    assert "其中2户还没有联系人" in page.status.text()
    db = page.ctx.reader()
    layout, office_info = C.load_layout("contact"), C.office_for_cards(db)
    texts = {}
    for card in C.household_cards(db, office["households"], page.ctx.scope()):
        texts[card.number] = [op[3] for op in X.front(card, layout, office_info).own if op[0] == "text"]
    assert any(t.startswith("联系人：") and "周海燕" in t for t in texts["H001"])
    assert "联系人：暂未安排，请拨打服务热线" in texts["H002"] and "联系人：暂未安排，请拨打服务热线" in texts["H003"]
