"""Household operations done in the window as a clerk does them: a member leaves, dies, moves to
another household, the whole household moves out, and the representative (户代表) is chosen; each
is checked, then taken back with the Edit menu's undo, which names it."""

import datetime as dt

from PySide6.QtCore import QDate

from gridoffice.archive import households, people
from test_ui_archive import head_of, settle, window, with_dialog  # noqa: F401 - the window fixture
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")

# A day these people were all alive (the office's ages count from today, and a move-out or death
# before one's birth is refused), told as text the way the window tells it.
DAY = dt.date.today() - dt.timedelta(days=40)
D = DAY.isoformat()


def _member(win, person_id):
    return people.get_person(win.ctx.reader(), person_id, scope=ADMIN)


def _undo(qtbot, win, text):
    """Edit → 撤销, which says what it takes back."""
    assert win.undo_action.isEnabled() and win.undo_action.text() == "撤销 " + text
    win.undo_action.trigger()
    settle(qtbot, win)


def test_a_member_moves_out(qtbot, window):
    page = window.current_page()
    office = window.office
    page.show_household(office.h_zhang, office.zhang_xiaolong)

    def handle(dialog):
        assert dialog.new_head is None  # a member who is not the head: no new head to choose
        dialog.day.setDate(QDate(DAY))
        dialog.accept()

    with_dialog(qtbot, page.actions["remove_member"].trigger, handle)
    settle(qtbot, window)
    title, text, undoable = window.confirmations[-1]
    assert title == "成员迁出" and f"张小龙于{D}从户" in text and undoable is True
    person = _member(window, office.zhang_xiaolong)
    assert (person.status, person.status_date, person.household_id) == ("moved_out", D, office.h_zhang)
    row = next(r for r in range(page.detail.members.rowCount()) if page.detail.members.item(r, 0).text() == "张小龙")
    assert page.detail.members.item(row, 6).text() == f"已迁出 {D}"
    _undo(qtbot, window, text[:-1])
    person = _member(window, office.zhang_xiaolong)
    assert (person.status, person.status_date) == ("active", None)
    window.redo_action.trigger()
    settle(qtbot, window)
    assert _member(window, office.zhang_xiaolong).status == "moved_out"


def test_the_head_dies_and_the_spouse_becomes_head(qtbot, window):
    page = window.current_page()
    office = window.office
    page.show_household(office.h_zhang, office.zhang_wei)

    def handle(dialog):
        dialog.day.setDate(QDate(DAY))
        dialog.new_head.setCurrentIndex(dialog.new_head.findData(office.li_na))
        dialog.others.combos[office.zhang_xiaolong].setCurrentIndex(
            dialog.others.combos[office.zhang_xiaolong].findData("son"))
        dialog.accept()

    with_dialog(qtbot, page.actions["death"].trigger, handle)
    settle(qtbot, window)
    assert f"登记张伟于{D}死亡，李娜成为新户主" in window.confirmations[-1][1]
    assert _member(window, office.zhang_wei).status == "deceased"
    assert head_of(window, office.h_zhang) == "李娜"
    # The representative was the head: the new head takes the part.
    assert households.get_household(window.ctx.reader(), office.h_zhang, scope=ADMIN).representative_id == office.li_na
    assert "李娜" in page.detail.title.text()
    _undo(qtbot, window, window.confirmations[-1][1][:-1])
    assert _member(window, office.zhang_wei).status == "active" and head_of(window, office.h_zhang) == "张伟"
    assert _member(window, office.li_na).relation == "spouse"
    assert households.get_household(window.ctx.reader(), office.h_zhang, scope=ADMIN).representative_id == office.zhang_wei


def test_the_whole_household_moves_out(qtbot, window):
    page = window.current_page()
    office = window.office
    page.show_household(office.h_wang)

    def handle(dialog):
        dialog.day.setDate(QDate(DAY))
        dialog.accept()

    with_dialog(qtbot, page.actions["move_out"].trigger, handle)
    settle(qtbot, window)
    h = households.get_household(window.ctx.reader(), office.h_wang, scope=ADMIN)
    assert (h.status, h.status_date) == ("moved_out", D)
    assert all(p.status == "moved_out" for p in h.members)
    assert "已迁出" in page.detail.title.text()
    assert not page.actions["add_member"].isEnabled()
    _undo(qtbot, window, f"户{h.number}整户迁出")
    h = households.get_household(window.ctx.reader(), office.h_wang, scope=ADMIN)
    assert (h.status, h.status_date) == ("active", None) and all(p.status == "active" for p in h.members)


def test_a_member_moves_to_another_household(qtbot, window):
    page = window.current_page()
    office = window.office
    reader = window.ctx.reader()
    number = households.get_household(reader, office.h_wang, scope=ADMIN).number
    own = households.get_household(reader, office.h_zhang, scope=ADMIN).number
    page.show_household(office.h_zhang, office.zhang_xiaolong)

    def handle(dialog):
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        qtbot.keyClicks(dialog.number, own)
        assert "不能是原户" in dialog.found.text()
        dialog.number.clear()
        qtbot.keyClicks(dialog.number, number)
        assert "王芳" in dialog.found.text()
        assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.relation.setCurrentIndex(dialog.relation.findData("other_relative"))
        dialog.accept()

    with_dialog(qtbot, page.actions["transfer"].trigger, handle)
    settle(qtbot, window)
    title, text, undoable = window.confirmations[-1]
    assert title == "转入其他户" and "张小龙从户" in text and "王芳" in text and undoable
    person = _member(window, office.zhang_xiaolong)
    assert (person.household_id, person.relation, person.status) == (office.h_wang, "other_relative", "active")
    assert [p.name for p in households.get_household(reader, office.h_zhang, scope=ADMIN).active_members] == ["张伟", "李娜"]
    _undo(qtbot, window, text[:-1])
    person = _member(window, office.zhang_xiaolong)
    assert (person.household_id, person.relation) == (office.h_zhang, "son")


def test_the_head_moves_to_another_household_and_leaves_a_new_head(qtbot, window):
    page = window.current_page()
    office = window.office
    number = households.get_household(window.ctx.reader(), office.h_wang, scope=ADMIN).number
    page.show_household(office.h_zhang, office.zhang_wei)

    def handle(dialog):
        qtbot.keyClicks(dialog.number, number)
        dialog.new_head.setCurrentIndex(dialog.new_head.findData(office.zhang_xiaolong))
        dialog.others.combos[office.li_na].setCurrentIndex(dialog.others.combos[office.li_na].findData("mother"))
        dialog.relation.setCurrentIndex(dialog.relation.findData("father"))
        dialog.accept()

    with_dialog(qtbot, page.actions["transfer"].trigger, handle)
    settle(qtbot, window)
    assert "张小龙成为户" in window.confirmations[-1][1]
    assert head_of(window, office.h_zhang) == "张小龙"
    assert _member(window, office.li_na).relation == "mother"
    assert (_member(window, office.zhang_wei).household_id, _member(window, office.zhang_wei).relation) == (
        office.h_wang, "father")
    _undo(qtbot, window, window.confirmations[-1][1][:-1])
    assert head_of(window, office.h_zhang) == "张伟" and _member(window, office.li_na).relation == "spouse"
    assert (_member(window, office.zhang_wei).household_id, _member(window, office.zhang_wei).relation) == (
        office.h_zhang, "head")
    assert [p.name for p in households.get_household(window.ctx.reader(), office.h_wang, scope=ADMIN).members] == ["王芳", "王小明"]


def test_choosing_the_representative_and_undoing_it(qtbot, window):
    page = window.current_page()
    office = window.office
    page.show_household(office.h_zhang, office.li_na)
    assert page.actions["representative"].isEnabled()
    page.actions["representative"].trigger()
    settle(qtbot, window)
    reader = window.ctx.reader()
    assert households.get_household(reader, office.h_zhang, scope=ADMIN).representative_id == office.li_na
    relations = [page.detail.members.item(r, 1).text() for r in range(page.detail.members.rowCount())]
    assert relations.count("配偶（户代表）") == 1 and "户主（户代表）" not in relations
    assert window.undo_action.text() == "撤销 李娜成为户{n}的户代表".format(
        n=households.get_household(reader, office.h_zhang, scope=ADMIN).number)
    window.undo_action.trigger()
    settle(qtbot, window)
    assert households.get_household(reader, office.h_zhang, scope=ADMIN).representative_id == office.zhang_wei
    qtbot.waitUntil(lambda: "户主（户代表）" in [page.detail.members.item(r, 1).text()
                                              for r in range(page.detail.members.rowCount())])


def test_a_new_member_is_taken_back(qtbot, window):
    from PySide6.QtWidgets import QDialogButtonBox

    from tests.ui_helpers import pid, years_ago

    page = window.current_page()
    office = window.office
    page.show_household(office.h_wang)

    def handle(form):
        form.edits["name"].insert("王小花")
        qtbot.keyClicks(form.edits["id_number"], pid(years_ago(2), 26))
        form.edits["relation"].setCurrentIndex(form.edits["relation"].findData("daughter"))
        form.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    with_dialog(qtbot, page.actions["add_member"].trigger, handle)
    settle(qtbot, window)
    reader = window.ctx.reader()
    assert len(households.get_household(reader, office.h_wang, scope=ADMIN).active_members) == 3
    _undo(qtbot, window, "添加成员王小花")
    assert [p.name for p in households.get_household(reader, office.h_wang, scope=ADMIN).members] == ["王芳", "王小明"]
    assert not reader.execute("SELECT 1 FROM persons WHERE name = '王小花'").fetchone()
    qtbot.waitUntil(lambda: page.detail.members.rowCount() == 2)


def test_a_split_and_a_merge_are_taken_back(qtbot, window):
    page = window.current_page()
    office = window.office
    reader = window.ctx.reader()
    number = households.get_household(reader, office.h_zhang, scope=ADMIN).number
    page.show_household(office.h_zhang, office.zhang_xiaolong)
    with_dialog(qtbot, page.actions["split"].trigger, lambda dialog: dialog.accept())
    settle(qtbot, window)
    new_household = _member(window, office.zhang_xiaolong).household_id
    assert new_household != office.h_zhang
    _undo(qtbot, window, f"户{number}分户")
    assert _member(window, office.zhang_xiaolong).household_id == office.h_zhang
    assert reader.execute("SELECT count(*) FROM households WHERE id = ?", [new_household]).fetchone()[0] == 0

    page.show_household(office.h_wang)

    def merge(dialog):
        qtbot.keyClicks(dialog.number, number)
        dialog.accept()

    with_dialog(qtbot, page.actions["merge"].trigger, merge)
    settle(qtbot, window)
    assert households.get_household(reader, office.h_wang, scope=ADMIN).status == "dissolved"
    assert window.undo_action.text().startswith("撤销 户")
    window.undo_action.trigger()
    settle(qtbot, window)
    h = households.get_household(reader, office.h_wang, scope=ADMIN)
    assert h.status == "active" and [p.name for p in h.active_members] == ["王芳", "王小明"]
    assert head_of(window, office.h_wang) == "王芳"


def test_a_tag_is_taken_back(qtbot, window):
    page = window.current_page()
    office = window.office
    page.show_household(office.h_zhang, office.zhang_xiaolong)

    def handle(dialog):
        dialog.boxes["floating"].setChecked(True)
        dialog.accept()

    with_dialog(qtbot, page.actions["tags"].trigger, handle)
    settle(qtbot, window)
    reader = window.ctx.reader()
    assert [t.tag for t in people.tags_of(reader, office.zhang_xiaolong, scope=ADMIN)] == ["floating"]
    _undo(qtbot, window, "修改张小龙的人群标签")
    assert people.tags_of(reader, office.zhang_xiaolong, include_ended=True, scope=ADMIN) == []


def test_hardship_of_the_household_is_recorded_and_taken_back(qtbot, window):
    from gridoffice.archive import office_tags

    page = window.current_page()
    office = window.office
    page.show_household(office.h_wang)
    assert page.actions["hardship"].isEnabled()

    def handle(dialog):
        assert [b.text() for b in dialog.boxes.values()] == ["低保户", "困难户"]
        dialog.boxes["low_income_household"].setChecked(True)
        dialog.accept()

    with_dialog(qtbot, page.actions["hardship"].trigger, handle)
    settle(qtbot, window)
    reader = window.ctx.reader()
    assert [t.tag for t in office_tags.household_tags_of(reader, office.h_wang, scope=ADMIN)] == ["low_income_household"]
    assert page.detail.title.text().endswith("低保户")
    number = households.get_household(reader, office.h_wang, scope=ADMIN).number
    _undo(qtbot, window, f"修改户{number}的困难登记")
    assert office_tags.household_tags_of(reader, office.h_wang, include_ended=True, scope=ADMIN) == []


def test_an_office_register_is_added_on_the_registers_page_and_offered_for_tags(qtbot, window):
    from ui.dialogs.tags import RegisterDialog  # noqa: F401 - the dialog the button opens

    window.show_page("registers")
    registers_page = window.current_page()

    def handle(dialog):
        dialog.name.setText("失能老人")
        dialog.accept()

    with_dialog(qtbot, registers_page.add_register.click, handle)
    settle(qtbot, window)
    labels = [registers_page.groups.topLevelItem(1).child(i).text(0)
              for i in range(registers_page.groups.topLevelItem(1).childCount())]
    assert labels[-1] == "失能老人"
    window.show_page("archive")
    page = window.current_page()
    page.show_household(window.office.h_zhang, window.office.zhang_wei)

    def tick(dialog):
        box = next(b for b in dialog.boxes.values() if b.text() == "失能老人")
        box.setChecked(True)
        dialog.accept()

    with_dialog(qtbot, page.actions["tags"].trigger, tick)
    settle(qtbot, window)
    row = next(r for r in range(page.detail.members.rowCount()) if page.detail.members.item(r, 0).text() == "张伟")
    assert page.detail.members.item(row, 5).text() == "失能老人"


def test_a_new_household_is_taken_back(qtbot, window):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from tests.ui_helpers import pid, years_ago

    page = window.current_page()
    office = window.office
    page.tree.setCurrentItem(page._tree_items[office.grid_a])
    qtbot.waitUntil(lambda: not page.is_loading() and page.household_model.rowCount() == 1)

    def head():
        form = QApplication.activeModalWidget()
        form.edits["name"].insert("陈静")
        form.edits["id_number"].setText(pid(years_ago(30), 28))
        form.accept()

    def household(dialog):
        dialog.address.setText("幸福小区5幢501室")
        QTimer.singleShot(0, head)
        dialog.accept()

    with_dialog(qtbot, page.actions["new_household"].trigger, household)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: page.household_model.rowCount() == 2)
    reader = window.ctx.reader()
    new_id = page.detail.household.id
    _undo(qtbot, window, "新建户（户主陈静）")
    assert not reader.execute("SELECT 1 FROM households WHERE id = ?", [new_id]).fetchone()
    assert not reader.execute("SELECT 1 FROM persons WHERE name = '陈静'").fetchone()
    qtbot.waitUntil(lambda: page.household_model.rowCount() == 1)


def test_moving_a_household_to_another_grid_is_taken_back(qtbot, window):
    page = window.current_page()
    office = window.office
    page.show_household(office.h_wang)
    number = households.get_household(window.ctx.reader(), office.h_wang, scope=ADMIN).number

    def handle(dialog):
        tree = dialog.picker
        item = next(i for i in _items(tree) if i.data(0, 0x0100) == office.grid_a)
        tree.setCurrentItem(item)
        dialog.accept()

    with_dialog(qtbot, page.actions["move"].trigger, handle)
    settle(qtbot, window)
    assert households.get_household(window.ctx.reader(), office.h_wang, scope=ADMIN).org_id == office.grid_a
    assert "第一网格" in window.confirmations[-1][1]
    _undo(qtbot, window, f"户{number}迁移到第一网格（网格）")
    assert households.get_household(window.ctx.reader(), office.h_wang, scope=ADMIN).org_id == office.grid_b


def _items(tree):
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        yield item
        stack += [item.child(i) for i in range(item.childCount())]
