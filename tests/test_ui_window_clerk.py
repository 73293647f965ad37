"""What a clerk meets in the main window (issue 17): the roster import reachable from the menu and
from the empty archive's first steps."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gridoffice.org import regions
from gridoffice.store.db import open_db
from test_import import messy_workbook
from ui.context import AppContext, User
from ui.dialogs.import_wizard import ImportWizard
from ui.main_window import MainWindow
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


def grab(widget, name: str) -> None:
    """A PNG for the reviewer when GRIDOFFICE_PNG names a folder (the tests never depend on it)."""
    folder = os.environ.get("GRIDOFFICE_PNG")
    if folder:
        widget.grab().save(os.path.join(folder, name))


def empty_office(tmp_path):
    path = tmp_path / "office.db"
    db = open_db(path)
    regions.set_office(db, "东风社区居委会", None)
    community = regions.create_unit(db, None, "community", "东风社区")
    for name in ("第一网格", "第二网格"):
        regions.create_unit(db, community, "grid", name)
    db.close()
    return path


def open_window(qtbot, path, user=None):
    if os.environ.get("GRIDOFFICE_PNG"):
        from ui.app import install_font

        install_font(QApplication.instance())  # the PNG shows the shipped font, as the program does
    ctx = AppContext(path, user)
    win = MainWindow(ctx, persist=False, first_page="archive")
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    page = win.current_page()
    qtbot.waitUntil(lambda: not page.is_loading())
    return win, page


def open_wizard(qtbot) -> ImportWizard:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ImportWizard))
    return QApplication.activeModalWidget()


def test_the_empty_archive_leads_to_the_import_and_the_roster_lands_in_it(qtbot, tmp_path):
    win, page = open_window(qtbot, empty_office(tmp_path))
    qtbot.waitUntil(lambda: "导入花名册" in page.count_label.text())
    assert page.count_label.textFormat() == Qt.TextFormat.RichText
    grab(win, "archive-empty-first-steps.png")
    page.count_label.linkActivated.emit("import")  # the clerk clicks the link
    wizard = open_wizard(qtbot)
    assert wizard.windowTitle() == "导入花名册"
    wizard.file_page.path.setText(str(messy_workbook(tmp_path / "roster.xlsx")))
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=10000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=10000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.result_page, timeout=10000)
    wizard.accept()
    qtbot.waitUntil(lambda: page.household_model.rowCount() > 0, timeout=10000)
    assert "导入花名册" not in page.count_label.text()
    win.close()


def test_ctrl_i_opens_the_import_from_the_file_menu(qtbot, tmp_path):
    win, page = open_window(qtbot, empty_office(tmp_path))
    file_menu = win.menuBar().actions()[0].menu()
    assert "导入花名册(&I)…" in [a.text() for a in file_menu.actions()]
    assert win.import_action.shortcut().toString() == "Ctrl+I"
    qtbot.keyClick(win, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    wizard = open_wizard(qtbot)
    grab(wizard, "import-wizard-from-menu.png")
    wizard.reject()
    win.close()


@pytest.mark.parametrize("role", ["grid_worker"])
def test_a_grid_worker_is_not_offered_the_import(qtbot, tmp_path, role):
    win, page = open_window(qtbot, empty_office(tmp_path), User("网格员小王", role))
    qtbot.waitUntil(lambda: "还没有登记任何户" in page.count_label.text())
    assert "导入花名册" not in page.count_label.text()
    assert not win.import_action.isEnabled()
    qtbot.keyClick(win, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(100)
    assert QApplication.activeModalWidget() is None
    win.close()


def test_a_confirmation_stays_readable_and_the_count_has_its_own_place(qtbot, tmp_path):
    from test_ui_archive import settle, with_dialog
    from tests.ui_helpers import office_copy

    path, office = office_copy(tmp_path)
    win, page = open_window(qtbot, path)
    qtbot.waitUntil(lambda: win._count_label.text() == "共2户")
    page.show_household(office.h_wang, office.wang_fang)

    def handle(form):
        form.edits["phone"].setText("139 0000 0002")
        form.accept()

    with_dialog(qtbot, page.actions["edit_person"].trigger, handle)
    settle(qtbot, win)
    qtbot.wait(300)  # the archive reloads its lists after the save; its count no longer covers the message
    assert win.statusBar().currentMessage().startswith("已保存")
    assert win._count_label.text() == "共2户"
    grab(win, "status-saved-and-count.png")
    page.tabs.setCurrentIndex(1)  # the clerk looks at persons: the count follows the list
    qtbot.waitUntil(lambda: win._count_label.text() == "共5人")
    win.show_page("matters")
    assert win._count_label.text() == ""  # a page without a count shows none
    win.show_page("archive")
    assert win._count_label.text() == "共5人"
    win.close()


def test_qt_speaks_chinese_from_the_shipped_catalogue(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLineEdit, QMessageBox

    from ui import translations

    assert (translations.FOLDER / "qtbase_zh_CN.qm").is_file()
    # Nothing may come from the PC: Qt's own folder is made useless for the test.
    monkeypatch.setattr(QLibraryInfo, "path", lambda _which: str(tmp_path / "nowhere"))
    win, page = open_window(qtbot, empty_office(tmp_path))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(buttons)
    assert sorted(b.text() for b in buttons.buttons()) == sorted(["确定", "取消"])
    # The right-click menu of the search field, as the clerk sees it.
    menu = page.findChild(QLineEdit).createStandardContextMenu()
    texts = [a.text().split("\t")[0] for a in menu.actions() if a.text()]
    assert texts[:5] == ["撤消(&U)", "重做(&R)", "剪切(&T)", "复制(&C)", "粘贴(&P)"]  # Qt's own wording
    assert not any(t.startswith(("&Undo", "Undo", "&Paste", "Paste")) for t in texts)
    box = QMessageBox(QMessageBox.Icon.Information, "关于", "网格化管理", QMessageBox.StandardButton.Ok, win)
    assert box.button(QMessageBox.StandardButton.Ok).text() == "确定"
    dialog = QFileDialog(win, "打开办公室文件", str(tmp_path))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.resize(800, 500)
    dialog.show()
    labels = [b.text() for b in dialog.findChildren(QDialogButtonBox)[0].buttons()]
    assert "取消" in labels
    grab(dialog, "qt-file-dialog-chinese.png")
    dialog.close()
    menu.deleteLater()
    win.close()


CODES = ("reveal", "field", "id_number", "active", "moved_out", "head", "son", "matter.", "#", "{", "persons",
         "households")


def test_history_and_the_audit_page_read_as_sentences(qtbot, tmp_path):
    from gridoffice import masking
    from gridoffice.access import users
    from gridoffice.archive import households
    from gridoffice.store.db import open_db as open_file
    from tests.ui_helpers import office_copy

    path, office = office_copy(tmp_path)
    db = open_file(path)
    scope = users.whole_office("管理员")
    households.update_household(db, office.h_zhang, phone="13912345678")
    masking.reveal(db, "persons", office.zhang_xiaolong, "id_number", "核对低保材料", scope=scope)
    new_id = households.split_household(db, office.h_zhang, [office.zhang_xiaolong], office.zhang_xiaolong,
                                        today=households.dt.date(2026, 3, 1))
    new_number = households.get_household(db, new_id, scope=ADMIN).number
    db.close()
    win, page = open_window(qtbot, path, User("书记", "leader"))
    page.show_household(office.h_zhang)
    page.detail.tabs.setCurrentIndex(1)  # the clerk opens 变更历史
    tree = page.detail.history
    rows = [[tree.topLevelItem(i).text(c) for c in range(5)] for i in range(tree.topLevelItemCount())]
    texts = "\n".join("｜".join(r) for r in rows)
    # The son who left with the split stays in the old household's history, by name and household number.
    assert any(r[2] == "张小龙" and r[3] == "分户" and f"所在户由“户0001”改为“户{new_number}”" in r[4] for r in rows)
    assert any(r[2] == "张小龙" and r[4] == "查看了完整的身份证号，理由：核对低保材料" for r in rows)
    assert ["户0001", "修改户信息", "电话由“138****0001”改为“139****5678”"] in [r[2:] for r in rows]
    assert "13912345678" not in texts and not any(code in texts for code in CODES)
    grab(win, "household-history-sentences.png")
    win.show_page("audit")
    audit = win.current_page()
    qtbot.waitUntil(lambda: audit.table.rowCount() > 0)
    shown = "\n".join(audit.table.item(r, c).text() for r in range(audit.table.rowCount()) for c in range(5))
    assert "分户" in shown and "张小龙" in shown and not any(code in shown for code in CODES)
    assert "13912345678" not in shown
    audit.table.selectRow(0)
    assert "{" not in audit.detail.toPlainText()
    grab(win, "audit-page-sentences.png")
    win.close()


def test_the_audit_page_has_a_shortcut_and_is_not_offered_to_a_clerk(qtbot, tmp_path):
    from tests.ui_helpers import office_copy

    path, _office = office_copy(tmp_path)
    win, _page = open_window(qtbot, path, User("书记", "leader"))
    win.load_all_pages()
    qtbot.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.current_page().PAGE_ID == "audit"
    assert win.current_page().body.isVisible()
    audit_action = win._page_actions[win.pages.index(win.current_page())]
    assert audit_action.isVisible() and "Ctrl+Shift+R" in audit_action.toolTip()
    win.close()

    (tmp_path / "clerk").mkdir()
    path2, _ = office_copy(tmp_path / "clerk")
    win, page = open_window(qtbot, path2, User("小李", "clerk"))
    win.load_all_pages()
    titles = [a.text() for a in win._page_actions if a.isVisible()]
    assert "操作记录" not in titles and "户籍档案" in titles
    qtbot.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.current_page() is page
    qtbot.wait(100)  # the toolbar lays out the pages built in the background
    grab(win, "clerk-without-audit-tab.png")
    win.close()


def test_a_page_opened_by_name_is_built_alone_and_an_unknown_name_builds_the_rest(qtbot, tmp_path):
    from ui.pages import page_modules

    win = MainWindow(AppContext(empty_office(tmp_path)), persist=False, first_page="archive")
    qtbot.addWidget(win)
    # Before the window has had an event-loop turn to build the others in the background:
    # only the page asked for is imported and built beside the first one.
    assert win.show_page("org")
    assert win.current_page().PAGE_ID == "org"
    assert {p.PAGE_ID for p in win.pages} == {"archive", "org"}
    assert not win.show_page("no-such-page")
    assert len({type(p).__module__ for p in win.pages}) == len(page_modules())
    assert win.current_page().PAGE_ID == "org"


def test_f1_opens_the_manual_shipped_with_the_program_in_chinese(qtbot, tmp_path):
    """帮助 → 使用手册 (F1): the manual from the package, in a window of its own; every page is in it,
    and its find field finds a word and says when it finds none."""
    from gridoffice import shipped
    from ui.dialogs.manual import ManualDialog

    win, _page = open_window(qtbot, empty_office(tmp_path), User("小李", "clerk"))
    win.load_all_pages()
    assert win.manual_action.isEnabled() and win.manual_action.shortcut().toString() == "F1"
    qtbot.keyClick(win, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: isinstance(getattr(win, "_manual", None), ManualDialog) and win._manual.isVisible())
    manual = win._manual
    shown = manual.browser.toPlainText()
    assert shown.startswith("网格通 使用手册") and "#" not in shown.splitlines()[0]
    assert shipped.path(shipped.MANUAL).read_text(encoding="utf-8").count("\n") > 50
    for page in win.pages:
        assert page.TITLE in shown, page.TITLE
    for words in ("导入花名册", "恢复码", "待点评", "制表人", "重点人群", "Ctrl+Shift+R"):
        assert words in shown, words
    qtbot.keyClicks(manual.find, "demo1234")
    qtbot.keyClick(manual.find, Qt.Key.Key_Return)
    assert manual.browser.textCursor().selectedText() == "demo1234" and manual.status.text() == ""
    manual.find.clear()
    manual.find.insert("不存在的词语")
    qtbot.keyClick(manual.find, Qt.Key.Key_Return)
    assert "没有找到" in manual.status.text()
    grab(manual, "manual.png")
    manual.close()
    win.close()
