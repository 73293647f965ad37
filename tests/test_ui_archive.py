"""The archive page driven through its real widgets: search, open, edit, operations, undo."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gridoffice.archive import households, people
from ui.context import AppContext
from ui.main_window import MainWindow
from ui import archive_search, household_operations
from ui.pages import archive_page
from tests.ui_helpers import TODAY, office_copy, pid, years_ago
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    path, office = office_copy(tmp_path)
    confirmations = []
    monkeypatch.setattr(household_operations, "confirm",
                        lambda parent, title, text, undoable: confirmations.append((title, text, undoable)) or True)
    ctx = AppContext(path)
    win = MainWindow(ctx, persist=False)
    qtbot.addWidget(win)
    win.show()
    win.show_page("archive")
    page = win.current_page()
    qtbot.waitUntil(lambda: not page.is_loading() and page.household_model.rowCount() == 2)
    win.office = office
    win.confirmations = confirmations
    yield win
    win.close()


def settle(qtbot, win):
    qtbot.waitUntil(lambda: win.is_settled(), timeout=5000)


def with_dialog(qtbot, trigger, handle):
    """Run `trigger` (which opens a modal dialog) and let `handle(dialog)` drive the dialog."""
    seen = []

    def act():
        dialog = QApplication.activeModalWidget()
        seen.append(dialog)
        handle(dialog)

    QTimer.singleShot(0, act)
    trigger()
    assert seen, "no dialog opened"
    return seen[0]


def head_of(win, household_id):
    return households.get_household(win.ctx.reader(), household_id, scope=ADMIN).head.name


def test_search_as_you_type_and_enter_opens_the_household(qtbot, window):
    page = window.current_page()
    window.focus_search()
    qtbot.keyClicks(page.search_edit, "wangf")  # typed pinyin, key by key
    qtbot.waitUntil(lambda: page.results.isVisible() and page.results.count() > 0)
    assert "王芳" in page.results.item(0).text()
    assert page.search.last_latency is not None
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert page.detail.household.id == window.office.h_wang
    assert not page.results.isVisible()
    assert page.detail.members.rowCount() == 2


def test_nothing_found_is_said(qtbot, window):
    page = window.current_page()
    page.search_edit.insert("不存在的人名")  # QTest cannot type CJK; insert() is what an input method does
    qtbot.waitUntil(lambda: page.results.isVisible())
    assert "没有找到" in page.results.item(0).text()


def test_filters_reload_the_table(qtbot, window):
    page = window.current_page()
    page.tree.setCurrentItem(page._tree_items[window.office.grid_b])
    qtbot.waitUntil(lambda: not page.is_loading() and page.household_model.rowCount() == 1)
    assert page.household_model.id_at(0) == window.office.h_wang
    page.clear_filters()
    page.group_combo.setCurrentIndex(page.group_combo.findText("残疾人"))
    qtbot.waitUntil(lambda: not page.is_loading() and page.household_model.rowCount() == 1)
    assert page.household_model.id_at(0) == window.office.h_zhang
    page.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not page.is_loading() and page.person_model.rowCount() == 1)
    assert page.person_model.record(0).name == "李娜"
    assert "共1人" in page.count_label.text()


def test_tree_shows_counts(qtbot, window):
    page = window.current_page()
    qtbot.waitUntil(lambda: page._tree_items[window.office.grid_a].text(1) == "1")
    assert page._tree_items[window.office.grid_a].text(2) == "3"
    assert page.tree.topLevelItem(0).text(1) == "2"


def test_bad_id_is_shown_at_once_and_save_stays_disabled(qtbot, window):
    page = window.current_page()
    page.show_household(window.office.h_zhang, window.office.zhang_xiaolong)
    good = pid(years_ago(41), 13)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    def handle(form):
        id_edit = form.edits["id_number"]
        id_edit.clear()
        qtbot.keyClicks(id_edit, bad[:10])
        assert "还差8位" in form.errors["id_number"].text()
        qtbot.keyClicks(id_edit, bad[10:])
        assert "校验位不符" in form.errors["id_number"].text()
        assert not form.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
        id_edit.setText(good)
        assert form.edits["birth_date"].text() == years_ago(41).isoformat()
        assert form.edits["sex"].currentData() == "M"
        assert form.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
        form.edits["name"].clear()
        assert "姓名" in form.errors["name"].text()
        assert not form.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
        form.reject()

    with_dialog(qtbot, page.actions["edit_person"].trigger, handle)
    assert people.get_person(window.ctx.reader(), window.office.zhang_xiaolong, scope=ADMIN).id_number == pid(years_ago(40), 13)


def test_edit_a_person_and_undo_redo(qtbot, window):
    page = window.current_page()
    page.show_household(window.office.h_wang, window.office.wang_fang)

    def handle(form):
        form.edits["phone"].setText("139 0000 0002")
        form.accept()

    with_dialog(qtbot, page.actions["edit_person"].trigger, handle)
    settle(qtbot, window)
    reader = window.ctx.reader()
    assert people.get_person(reader, window.office.wang_fang, scope=ADMIN).phone == "13900000002"
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    settle(qtbot, window)
    assert people.get_person(reader, window.office.wang_fang, scope=ADMIN).phone == ""
    window.redo_action.trigger()
    settle(qtbot, window)
    assert people.get_person(reader, window.office.wang_fang, scope=ADMIN).phone == "13900000002"


def test_add_member(qtbot, window):
    page = window.current_page()
    page.show_household(window.office.h_wang)
    new_id = pid(years_ago(2), 26)

    def handle(form):
        form.edits["name"].insert("王小花")
        qtbot.keyClicks(form.edits["id_number"], new_id)
        assert not form.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
        assert "与户主的关系" in form.errors["relation"].text()
        form.edits["relation"].setCurrentIndex(form.edits["relation"].findData("daughter"))
        qtbot.mouseClick(form.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)

    with_dialog(qtbot, page.actions["add_member"].trigger, handle)
    settle(qtbot, window)
    assert "王小花" in window.confirmations[-1][1] and window.confirmations[-1][2] is True
    h = households.get_household(window.ctx.reader(), window.office.h_wang, scope=ADMIN)
    assert [p.name for p in h.active_members].count("王小花") == 1
    assert page.detail.members.rowCount() == 3
    qtbot.waitUntil(lambda: page.household_model.record(page.household_model.row_of(h.id)).members == 3)


def test_change_head_then_undo_restores_relations(qtbot, window):
    page = window.current_page()
    page.show_household(window.office.h_zhang, window.office.zhang_xiaolong)

    def handle(dialog):
        dialog.new_head.setCurrentIndex(dialog.new_head.findData(window.office.zhang_xiaolong))
        dialog.old_relation.setCurrentIndex(dialog.old_relation.findData("father"))
        dialog.others.combos[window.office.li_na].setCurrentIndex(
            dialog.others.combos[window.office.li_na].findData("mother"))
        dialog.accept()

    with_dialog(qtbot, page.actions["change_head"].trigger, handle)
    settle(qtbot, window)
    reader = window.ctx.reader()
    assert head_of(window, window.office.h_zhang) == "张小龙"
    assert people.get_person(reader, window.office.li_na, scope=ADMIN).relation == "mother"
    assert page.detail.title.text().count("张小龙") == 1
    window.undo_action.trigger()
    settle(qtbot, window)
    assert head_of(window, window.office.h_zhang) == "张伟"
    assert people.get_person(reader, window.office.li_na, scope=ADMIN).relation == "spouse"
    assert people.get_person(reader, window.office.zhang_xiaolong, scope=ADMIN).relation == "son"


def test_split_then_merge_back(qtbot, window):
    page = window.current_page()
    office = window.office
    page.show_household(office.h_zhang, office.zhang_xiaolong)

    def split(dialog):
        assert dialog.table.checked_ids() == [office.zhang_xiaolong]  # the selected member is preselected
        dialog.accept()

    with_dialog(qtbot, page.actions["split"].trigger, split)
    settle(qtbot, window)
    reader = window.ctx.reader()
    new_household = people.get_person(reader, office.zhang_xiaolong, scope=ADMIN).household_id
    assert new_household != office.h_zhang
    assert head_of(window, new_household) == "张小龙"
    assert page.detail.household.id == new_household
    assert "分出张小龙" in window.confirmations[-1][1]
    qtbot.waitUntil(lambda: page.household_model.rowCount() == 3)
    number = households.get_household(reader, office.h_zhang, scope=ADMIN).number

    def merge(dialog):
        qtbot.keyClicks(dialog.number, number)
        assert "张伟" in dialog.found.text()
        dialog.table.combos[office.zhang_xiaolong].setCurrentIndex(
            dialog.table.combos[office.zhang_xiaolong].findData("son"))
        dialog.accept()

    with_dialog(qtbot, page.actions["merge"].trigger, merge)
    settle(qtbot, window)
    assert people.get_person(reader, office.zhang_xiaolong, scope=ADMIN).household_id == office.h_zhang
    assert households.get_household(reader, new_household, scope=ADMIN).status == "dissolved"
    qtbot.waitUntil(lambda: page.household_model.rowCount() == 2)


def test_refused_operation_shows_the_core_message_and_changes_nothing(qtbot, window, monkeypatch):
    shown = []
    monkeypatch.setattr("ui.main_window.QMessageBox.warning", lambda parent, title, text: shown.append(text))
    window.ctx.write(lambda db: households.change_head(db, window.office.h_zhang, window.office.zhang_wei, "son"),
                     description="更换户主")
    qtbot.waitUntil(lambda: bool(shown))
    assert "已经是户主" in shown[0]
    assert head_of(window, window.office.h_zhang) == "张伟"


def test_history_lists_changes(qtbot, window):
    page = window.current_page()
    page.show_household(window.office.h_zhang)
    actions = {page.detail.history.topLevelItem(i).text(3) for i in range(page.detail.history.topLevelItemCount())}
    assert {"新建户", "添加成员", "加入人群"} <= actions
    assert TODAY.year > 2000


def test_keyboard_enter_opens_and_escape_returns(qtbot, window):
    page = window.current_page()
    view = page.household_view
    view.setFocus()
    view.setCurrentIndex(page.household_model.index(page.household_model.row_of(window.office.h_wang), 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert page.detail.members.hasFocus()
    assert page.detail.household.id == window.office.h_wang

    def handle(form):
        assert form.person.name == "王芳"
        qtbot.waitUntil(form.isActiveWindow)
        qtbot.keyClick(form, Qt.Key.Key_Escape)
        assert not form.isVisible()

    with_dialog(qtbot, lambda: qtbot.keyClick(page.detail.members, Qt.Key.Key_Return), handle)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    page.detail.members.setFocus()
    qtbot.keyClick(page.detail.members, Qt.Key.Key_Escape)
    assert view.hasFocus()


def test_household_form_checks_phone_and_number_as_typed(qtbot, window):
    page = window.current_page()
    page.show_household(window.office.h_wang)
    other_number = households.get_household(window.ctx.reader(), window.office.h_zhang, scope=ADMIN).number

    def handle(dialog):
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.keyClicks(dialog.phone, "12345")
        assert "手机号" in dialog.message.text() and not ok.isEnabled()
        dialog.phone.setText("13912345678")
        dialog.number.setText(other_number)
        assert "已被其他户使用" in dialog.message.text() and not ok.isEnabled()
        dialog.number.setText("B-0001")
        assert ok.isEnabled()
        dialog.accept()

    with_dialog(qtbot, page.actions["edit_household"].trigger, handle)
    settle(qtbot, window)
    h = households.get_household(window.ctx.reader(), window.office.h_wang, scope=ADMIN)
    assert (h.phone, h.number) == ("13912345678", "B-0001")
    window.undo_action.trigger()
    settle(qtbot, window)
    h = households.get_household(window.ctx.reader(), window.office.h_wang, scope=ADMIN)
    assert h.phone == "" and h.number != "B-0001"


def test_first_rows_then_the_whole_list(qtbot, window, monkeypatch):
    page = window.current_page()
    monkeypatch.setattr(archive_page, "FIRST_ROWS", 1)
    counts = []
    page.household_model.modelReset.connect(lambda: counts.append(page.household_model.rowCount()))
    page.reload()
    qtbot.waitUntil(lambda: not page.is_loading() and page.household_model.rowCount() == 2)
    assert counts[:2] == [1, 2]
    assert page.first_rows_seconds is not None and page.last_load_seconds >= page.first_rows_seconds


def test_new_household_with_its_head(qtbot, window):
    page = window.current_page()
    office = window.office
    page.tree.setCurrentItem(page._tree_items[office.grid_a])
    qtbot.waitUntil(lambda: not page.is_loading())
    steps = []

    def household(dialog):
        assert dialog.picker.unit_id() == office.grid_a  # the unit selected in the tree
        dialog.address.setText("幸福小区5幢501室")
        steps.append("household")
        QTimer.singleShot(0, head)
        dialog.accept()

    def head(form=None):
        form = QApplication.activeModalWidget()
        assert form.edits["relation"].currentData() == "head" and not form.edits["relation"].isEnabled()
        form.edits["name"].insert("陈静")
        form.edits["id_number"].setText(pid(years_ago(30), 28))
        steps.append("head")
        form.accept()

    with_dialog(qtbot, page.actions["new_household"].trigger, household)
    settle(qtbot, window)
    assert steps == ["household", "head"]
    h = page.detail.household
    assert h.head.name == "陈静" and h.address == "幸福小区5幢501室" and h.org_id == office.grid_a
    qtbot.waitUntil(lambda: page.household_model.rowCount() == 2)  # grid A now holds two


@pytest.mark.parametrize("size", [40_000, 100_000])
def test_a_huge_paste_in_the_search_box_is_answered_at_once(qtbot, window, size):
    page = window.current_page()
    window.focus_search()
    page.search_edit.setMaxLength(size)
    page.search_edit.insert("张伟" * (size // 2))  # what pasting does
    # No waiting for the typing pause or a worker: the message is there when insert() returns.
    assert page.results.isVisible()
    assert page.results.count() == 1
    text = page.results.item(0).text()
    assert "查找内容太长" in text and "最多100个字" in text
    assert not page.results.item(0).flags() & Qt.ItemFlag.ItemIsEnabled


def test_a_scanned_card_opens_its_household_or_team(qtbot, window):
    from gridoffice.org import staff
    from gridoffice.reports import cards

    page = window.current_page()
    db = window.ctx.reader()
    number = households.get_household(db, window.office.h_wang, scope=ADMIN).number
    window.focus_search()
    # A scanner that cannot type Chinese types the rest of the payload, then Enter.
    qtbot.keyClicks(page.search_edit, f" 0571-88888888  {number} GO:H:{number}")
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert page.detail.household.id == window.office.h_wang and page.search_edit.text() == ""
    # The full payload, as a scanner that types Chinese (or a paste) gives it.
    page.search_edit.insert(cards.household_code("NOPE-1", "0571-88888888"))
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.results.isVisible() and "户号NOPE-1" in page.results.item(0).text())
    # A team card opens the team on 组织与网格.
    made = []
    window.ctx.write(lambda db: staff.create_team(db, window.office.grid_a, "第一网格服务团队"),
                     description="新建团队", on_done=made.append)
    qtbot.waitUntil(lambda: bool(made))
    page.search_edit.clear()
    page.search_edit.insert(cards.team_code(made[0], "第一网格服务团队"))
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page().PAGE_ID == "org")
    org = window.current_page()
    assert org.tabs.currentIndex() == 1 and org.team_list.currentItem().text() == "第一网格服务团队"

def test_leave_dates_are_picked_and_checked_before_the_confirmation(qtbot, window):
    """A clerk moves 王小明 (4 years old) out: the date is a date field (“12月1日” cannot be typed),
    a day before his birth is refused in the dialog before the irreversible confirmation, and the
    day chosen is the one saved; the whole household's move-out is checked the same way."""

    from PySide6.QtCore import QDate, QEvent
    from PySide6.QtGui import QKeyEvent

    page = window.current_page()
    office = window.office
    reader = window.ctx.reader()
    xiaoming = next(p.id for p in households.get_household(reader, office.h_wang, scope=ADMIN).active_members
                    if p.name == "王小明")
    page.show_household(office.h_wang, xiaoming)
    asked = len(window.confirmations)
    refusals = []
    day = dt.date.today() - dt.timedelta(days=3)
    seen = {}

    def leave(dialog):
        # Only looks here: an assertion failing inside the modal dialog would leave it open.
        for char in "12月1日":  # typed as a keyboard's input method sends it
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(dialog.day, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))
        seen["typed"] = dialog.day.date()
        seen["latest"] = dialog.day.maximumDate()
        dialog.day.setDate(QDate(years_ago(5)))
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        refusals.append(dialog.message.text())
        seen["open"] = dialog.isVisible() and len(window.confirmations) == asked  # nothing asked yet
        dialog.day.setDate(QDate(day))
        seen["cleared"] = dialog.message.text()
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        if dialog.isVisible():
            dialog.reject()

    with_dialog(qtbot, page.actions["remove_member"].trigger, leave)
    assert seen["typed"].isValid() and seen["typed"] <= QDate(dt.date.today())
    assert seen["latest"] == QDate(dt.date.today())  # a move-out cannot be in the future
    assert seen["open"] and seen["cleared"] == ""
    assert "迁出日期" in refusals[0] and "早于王小明的出生" in refusals[0] and "年" in refusals[0]
    assert str(years_ago(4)) not in refusals[0]  # the birth is told as year and month, as everywhere
    settle(qtbot, window)
    assert day.isoformat() in window.confirmations[-1][1]
    moved = people.get_person(reader, xiaoming, scope=ADMIN)
    assert (moved.status, moved.status_date) == ("moved_out", day.isoformat())

    page.show_household(office.h_wang)
    wang_born = people.get_person(reader, office.wang_fang, scope=ADMIN).birth_date

    def move_out(dialog):
        dialog.day.setDate(QDate(dt.date.fromisoformat(wang_born) - dt.timedelta(days=1)))
        dialog.accept()
        refusals.append(dialog.message.text())
        seen["still_open"] = dialog.isVisible()
        dialog.reject()

    with_dialog(qtbot, page.actions["move_out"].trigger, move_out)
    assert "早于王芳的出生" in refusals[-1] and seen["still_open"]
    assert households.get_household(reader, office.h_wang, scope=ADMIN).status == "active"


def test_split_proposes_relations_to_the_new_head_and_refuses_an_impossible_set(qtbot, window):
    """张小龙 (the old head's son) leaves with his wife (the old head's 儿媳) and daughter (孙女): the
    dialog proposes 配偶 and 女 toward him; a set that cannot be true is refused in the dialog,
    before the irreversible confirmation, and what is saved is what was shown."""
    office = window.office
    page = window.current_page()
    db = window.ctx.reader()
    wife_id = pid(years_ago(38), 42)
    child_id = pid(years_ago(10), 44)

    def add(conn):
        households.add_member(conn, office.h_zhang, people.PersonInput("陈静", id_number=wife_id), "daughter_in_law")
        households.add_member(conn, office.h_zhang, people.PersonInput("张小花", id_number=child_id), "granddaughter")

    window.ctx.write(add, description="添加成员")
    settle(qtbot, window)
    members = {p.name: p.id for p in households.get_household(db, office.h_zhang, scope=ADMIN).active_members}
    page.show_household(office.h_zhang, office.zhang_xiaolong)
    asked = len(window.confirmations)
    seen = {}

    def split(dialog):
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        for name in ("陈静", "张小花"):
            dialog.table.set_checked(members[name])
        combos = dialog.table.combos
        seen["new_head"] = dialog.new_head.currentData()
        seen["proposed"] = {n: combos[members[n]].currentText() for n in ("陈静", "张小花")}
        seen["staying"] = combos[members["李娜"]].isEnabled()
        combos[members["张小花"]].setCurrentIndex(combos[members["张小花"]].findData("mother"))
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen["refusal"] = dialog.message.text()
        seen["open"] = dialog.isVisible() and len(window.confirmations) == asked
        combos[members["张小花"]].setCurrentIndex(combos[members["张小花"]].findData("daughter"))
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        if dialog.isVisible():
            dialog.reject()

    with_dialog(qtbot, page.actions["split"].trigger, split)
    settle(qtbot, window)
    assert seen["new_head"] == office.zhang_xiaolong
    assert seen["proposed"] == {"陈静": "配偶", "张小花": "女"}
    assert seen["staying"] is False  # those who stay keep their relation to 张伟
    assert "张小花比户主张小龙年轻，不能是户主的母亲" in seen["refusal"] and seen["open"]
    assert "分出张小龙、陈静、张小花" in window.confirmations[-1][1]
    moved = {name: people.get_person(db, members[name], scope=ADMIN) for name in ("张小龙", "陈静", "张小花")}
    new_household = moved["张小龙"].household_id
    assert new_household != office.h_zhang
    assert {n: p.relation for n, p in moved.items()} == {"张小龙": "head", "陈静": "spouse", "张小花": "daughter"}
    assert {p.household_id for p in moved.values()} == {new_household}


def test_search_says_why_a_row_matched_and_what_it_left_out(qtbot, window, monkeypatch):
    """The drop-down shows the masked number that held the digits typed and each person's age; three
    digits that find nothing say a number needs four; a list cut at its limit says so."""
    page = window.current_page()

    def lines(text):
        page.results.clear()
        page.search_edit.clear()
        qtbot.keyClicks(page.search_edit, text)
        qtbot.waitUntil(lambda: page.results.isVisible() and page.results.count() > 0
                        and (text in page.results.item(0).text() or "张" in page.results.item(0).text()
                             or "王" in page.results.item(0).text()))
        return [page.results.item(i).text() for i in range(page.results.count())]

    tail = lines("0001")  # the last four digits of 张伟's household phone 13800000001
    assert any("张伟户" in line and "（电话138****0001）" in line for line in tail)
    assert not any("13800000001" in line for line in tail)
    person = lines("wangxiaoming")
    # His age on the run's day (the suite's clock moves): born on years_ago(4), a 1 March.
    today, born = dt.date.today(), years_ago(4)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    assert "王小明" in person[0] and f"（{age}岁）" in person[0]
    short = lines("987")
    assert short == ["没有找到“987”。按身份证号或电话查找请至少输入4位数字，如电话的后4位"]
    monkeypatch.setattr(archive_search, "SEARCH_LIMIT", 1)
    page.results.clear()
    page.search_edit.clear()
    page.search_edit.insert("幸福小区")
    qtbot.waitUntil(lambda: page.results.count() == 2)
    assert page.results.item(1).text() == "只列出最相符的前1条，请多输入几个字或数字缩小范围"
    assert not page.results.item(1).flags() & Qt.ItemFlag.ItemIsSelectable


def test_the_first_rows_come_before_the_tree_and_the_totals(qtbot, tmp_path):
    """A start reads the rows a screen shows first; the tree with its counts, the whole list and the
    status bar's totals are asked for once those rows are painted, and still arrive."""
    path, office = office_copy(tmp_path)
    win = MainWindow(AppContext(path), persist=False, first_page="archive")
    qtbot.addWidget(win)
    page = win.current_page()
    asked = []
    page.tree_worker.submit = lambda fn, done, *rest, submit=page.tree_worker.submit: (
        asked.append(page.household_model.rowCount()), submit(fn, done, *rest))[1]
    assert not win._totals_asked and not page.tree_worker.pending
    win.show()
    qtbot.waitUntil(lambda: win.is_settled(), timeout=10000)
    assert asked and asked[0] > 0  # the rows were in the model when the tree was asked for
    assert set(page._tree_items) >= {office.grid_a, office.grid_b}
    assert page.tree.topLevelItem(0).text(1) == "2"
    assert "2户" in win._totals_label.text()
    win.close()
