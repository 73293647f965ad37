"""组织与网格 page driven through its real widgets: tree edits, staff, teams, contact households."""


import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QMessageBox

from gridoffice.audit import trail
from gridoffice.org import regions, staff
from gridoffice.store.db import open_db
from ui.context import AppContext
from ui.pages.org_page import OrgPage
from tests.ui_helpers import copy_of, shown_page
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A community with an area, two grids (12 households in the first) and three staff; built once."""
    path = tmp_path_factory.mktemp("org") / "office.db"
    db = open_db(path)
    trail.set_actor(db, "测试员")
    community = regions.create_unit(db, None, "community", "东港社区")
    area = regions.create_unit(db, community, "area", "第一片区")
    grid1 = regions.create_unit(db, area, "grid", "第一网格")
    grid2 = regions.create_unit(db, community, "grid", "第二网格")
    with db.atomic():
        # Households are only the material contacts are picked from: plain rows are enough here.
        households = [db.execute("INSERT INTO households(number, org_id, address) VALUES(?,?,?)",
                                 [f"H{n:03d}", grid1, f"东港路{n}号"]).lastrowid for n in range(1, 13)]
    party = staff.add_staff(db, "吴党员", "party_member", phone="13812340000", org_id=grid1)
    cadre = staff.add_staff(db, "陈书记", "village_cadre", phone="13905710001", org_id=community)
    doctor = staff.add_staff(db, "郑医生", "doctor", phone="13812340001", org_id=grid1)
    for household_id in households[:3]:
        staff.link_contact(db, party, household_id)
    db.close()
    return {"path": path, "community": community, "area": area, "grid1": grid1, "grid2": grid2,
            "households": households, "party": party, "cadre": cadre, "doctor": doctor}


@pytest.fixture
def office(template, tmp_path):
    return copy_of(template, tmp_path)


@pytest.fixture
def page(office, qtbot):
    widget, ctx = shown_page(qtbot, OrgPage, office["path"])
    qtbot.waitExposed(widget)
    widget.activated()
    yield widget
    ctx.close()


@pytest.fixture
def answers(monkeypatch):
    """Message boxes answer from a list and record what they said."""
    said = {"question": [], "warning": [], "reply": QMessageBox.StandardButton.Yes}

    def question(parent, title, text, *args, **kwargs):
        said["question"].append(text)
        return said["reply"]

    def warning(parent, title, text, *args, **kwargs):
        said["warning"].append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    return said


def names_under(page, unit_id):
    item = page._items[unit_id]
    page._populate(item)
    return [item.child(i).text(0) for i in range(item.childCount())]


def press(qtbot, widget, key):
    """A key where the clerk's focus is: keys bound to a list work only while it has the focus."""
    # Offscreen, a closed dialog leaves no window active (a window manager would reactivate the page).
    widget.window().activateWindow()
    qtbot.waitUntil(widget.window().isActiveWindow)
    widget.setFocus()
    qtbot.keyClick(widget, key)


def ok(dialog):
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def staff_cells(page):
    model = page.staff_model
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def unit_rows(page):
    return page.ctx.reader().execute("SELECT count(*) FROM org_units").fetchone()[0]


def test_tree_shows_units_with_level_and_counts(page, office):
    top = page.tree.topLevelItem(0)
    assert (top.text(0), top.text(1), top.text(2)) == ("东港社区", "村社区", "12")
    assert names_under(page, office["community"]) == ["第一片区", "第二网格"]
    assert page.select_unit(office["grid1"])
    assert "东港社区 › 第一片区 › 第一网格" in page.caption.text()
    assert "在册12户" in page.caption.text()


def test_insert_adds_a_child_unit_of_an_allowed_level(page, office, qtbot):
    page.select_unit(office["area"])
    press(qtbot, page.tree, Qt.Key.Key_Insert)
    dialog = page.dialog
    assert dialog is not None
    levels = [dialog.level.itemData(i) for i in range(dialog.level.count())]
    assert levels == ["grid", "estate", "building", "unit"]  # only levels below a 片区
    dialog.name.setText("第三网格")
    ok(dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    assert names_under(page, office["area"]) == ["第一网格", "第三网格"]
    assert page.current_unit().name == "第三网格"
    assert page.current_unit().level == "grid"


def test_a_duplicate_name_is_refused_in_the_dialog_and_nothing_is_written(page, office, qtbot):
    page.select_unit(office["community"])
    before = unit_rows(page)
    page.add_unit()
    dialog = page.dialog
    dialog.level.setCurrentIndex(dialog.level.findData("grid"))
    dialog.name.setText("第二网格")
    ok(dialog)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "同一上级下已有名为“第二网格”的单元" in dialog.error.text()
    assert dialog.isVisible()
    assert unit_rows(page) == before
    dialog.name.setText("")
    ok(dialog)
    qtbot.waitUntil(lambda: dialog.error.text() == "名称不能为空")
    qtbot.waitUntil(dialog.name.hasFocus)
    dialog.reject()


def test_f2_renames(page, office, qtbot):
    page.select_unit(office["grid2"])
    press(qtbot, page.tree, Qt.Key.Key_F2)
    dialog = page.dialog
    assert dialog.name.text() == "第二网格"
    dialog.name.setText("滨海网格")
    ok(dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    # Siblings sort by name (naturally, gridoffice.natural), so the renamed grid moves up.
    assert names_under(page, office["community"]) == ["滨海网格", "第一片区"]
    assert regions.get_unit(page.ctx.reader(), office["grid2"]).name == "滨海网格"


def test_move_puts_a_grid_under_an_area(page, office, qtbot):
    page.select_unit(office["grid2"])
    page.move_unit()
    dialog = page.dialog
    targets = [dialog.target.itemText(i) for i in range(dialog.target.count())]
    assert targets == ["（作为顶级单元）", "东港社区", "东港社区 › 第一片区"]  # no grid may hold a grid
    dialog.target.set_current_unit(office["area"])
    ok(dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    assert names_under(page, office["area"]) == ["第一网格", "第二网格"]
    assert page.current_unit().id == office["grid2"]


def test_retire_asks_first_and_is_refused_while_households_remain(page, office, qtbot, answers):
    page.select_unit(office["grid1"])
    answers["reply"] = QMessageBox.StandardButton.No
    press(qtbot, page.tree, Qt.Key.Key_Delete)
    assert "撤销“第一网格”" in answers["question"][0]
    answers["reply"] = QMessageBox.StandardButton.Yes
    page.retire_unit()
    qtbot.waitUntil(lambda: bool(answers["warning"]))
    assert "还有12个在册户" in answers["warning"][0]
    assert regions.get_unit(page.ctx.reader(), office["grid1"]).status == "active"


def test_retire_an_empty_grid(page, office, qtbot, answers):
    page.select_unit(office["grid2"])
    page.retire_unit()
    qtbot.waitUntil(lambda: "第二网格" not in names_under(page, office["community"]))
    assert regions.get_unit(page.ctx.reader(), office["grid2"]).status == "retired"
    assert page.current_unit().id == office["community"]


def test_staff_with_a_bad_phone_sees_the_chinese_message_and_nothing_is_saved(page, office, qtbot):
    page.select_unit(office["grid1"])
    press(qtbot, page.staff_table, Qt.Key.Key_Insert)
    dialog = page.dialog
    dialog.name.setText("钱志愿")
    dialog.kind.setCurrentIndex(dialog.kind.findData("volunteer"))
    dialog.phone.setText("1381234")
    ok(dialog)
    assert "手机号“1381234”应为以1开头的11位数字，现在是7位" in dialog.error.text()
    qtbot.waitUntil(dialog.phone.hasFocus)
    assert not page.ctx.busy
    assert [s.name for s in staff.staff_list(page.ctx.reader(), scope=ADMIN)].count("钱志愿") == 0
    dialog.phone.setText("138 1234 5678")
    dialog.roles.findItems("联络员", Qt.MatchFlag.MatchExactly)[0].setCheckState(Qt.CheckState.Checked)
    ok(dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    added = [s for s in staff.staff_list(page.ctx.reader(), scope=ADMIN) if s.name == "钱志愿"][0]
    assert (added.phone, added.kind, added.org_id) == ("13812345678", "volunteer", office["grid1"])
    assert [r.role for r in staff.roles_of(page.ctx.reader(), added.id, scope=ADMIN)] == ["liaison"]
    assert ["钱志愿", "志愿者", "138****5678", "联络员", "0", "第一网格"] in staff_cells(page)


def test_editing_staff_changes_roles(page, office, qtbot):
    page.select_unit(office["community"])
    row = [cells[0] for cells in staff_cells(page)].index("陈书记")
    page.staff_table.setCurrentIndex(page.staff_model.index(row, 0))
    page.staff_table.setFocus()
    qtbot.keyClick(page.staff_table, Qt.Key.Key_Return)  # Enter opens the edit form
    dialog = page.dialog
    assert dialog.name.text() == "陈书记"
    for i in range(dialog.roles.count()):
        if dialog.roles.item(i).text() in ("村主要干部", "片长"):
            dialog.roles.item(i).setCheckState(Qt.CheckState.Checked)
    ok(dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    assert sorted(r.role for r in staff.roles_of(page.ctx.reader(), office["cadre"], scope=ADMIN)) == ["area_head", "principal_cadre"]


def test_staff_of_the_unit_itself_or_with_the_units_below(page, office):
    page.select_unit(office["community"])
    assert [cells[0] for cells in staff_cells(page)] == ["陈书记"]
    page.include_below.setChecked(True)
    assert sorted(cells[0] for cells in staff_cells(page)) == ["吴党员", "郑医生", "陈书记"]
    party = [cells for cells in staff_cells(page) if cells[0] == "吴党员"][0]
    assert party[1:] == ["党员", "138****0000", "", "3", "第一网格"]


def test_a_team_with_members_and_their_duties(page, office, qtbot, answers):
    page.select_unit(office["community"])
    page.tabs.setCurrentIndex(1)
    assert page.team_stack.currentIndex() == 0  # teams live on grids
    page.select_unit(office["grid1"])
    assert page.team_stack.currentIndex() == 1
    press(qtbot, page.team_list, Qt.Key.Key_Insert)
    page.dialog.name.setText("第一网格服务团队")
    ok(page.dialog)
    qtbot.waitUntil(lambda: page.team_list.count() == 1)
    page.add_team_member()
    dialog = page.dialog
    dialog.member.setCurrentIndex(dialog.member.findData(office["doctor"]))
    dialog.duty.setCurrentIndex(dialog.duty.findData("mediation"))
    dialog.title.setText("副团长")
    ok(dialog)
    qtbot.waitUntil(lambda: page.members_table.rowCount() == 1)
    assert [page.members_table.item(0, c).text() for c in range(3)] == ["郑医生", "矛盾纠纷化解员", "副团长"]
    page.add_team_member()
    page.dialog.member.setCurrentIndex(page.dialog.member.findData(office["doctor"]))
    ok(page.dialog)
    qtbot.waitUntil(lambda: page.dialog.error.isVisible())
    assert "郑医生已是“第一网格服务团队”的成员" in page.dialog.error.text()
    page.dialog.reject()
    page.members_table.setCurrentCell(0, 0)
    press(qtbot, page.members_table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: page.members_table.rowCount() == 0)
    assert "把郑医生移出“第一网格服务团队”" in answers["question"][0]


def test_picking_five_to_ten_contacts_with_a_live_count(page, office, qtbot, answers):
    page.select_unit(office["grid1"])
    page.tabs.setCurrentIndex(2)
    picker = page.contacts
    assert picker.select_staff(office["party"])
    assert picker.households.rowCount() == 12
    assert picker.checked_ids() == set(office["households"][:3])
    assert "已选3户：少于5户，还差2户" in picker.count.text()
    picker.households.setFocus()
    for row, column in ((3, 1), (4, 0)):  # on the tick box itself too: one press, one toggle
        picker.households.setCurrentCell(row, column)
        qtbot.keyClick(picker.households, Qt.Key.Key_Space)
    assert "已选5户：符合每人联系5–10户（未保存）" == picker.count.text()
    qtbot.mouseClick(picker.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(staff.contacts_of(page.ctx.reader(), office["party"], scope=ADMIN)) == 5)
    qtbot.waitUntil(lambda: picker.count.text() == "已选5户：符合每人联系5–10户")
    assert answers["question"] == []  # within 5–10 nothing is asked


def test_more_than_ten_warns_and_asks_before_saving(page, office, qtbot, answers):
    page.select_unit(office["grid1"])
    page.tabs.setCurrentIndex(2)
    picker = page.contacts
    picker.select_staff(office["party"])
    for row in range(12):
        picker.households.item(row, 0).setCheckState(Qt.CheckState.Checked)
    assert picker.count.text().startswith("已选12户：超过10户，请减少2户")
    answers["reply"] = QMessageBox.StandardButton.No
    picker.save()
    assert "联系户将是12户，不在每人5–10户之间" in answers["question"][0]
    assert not page.ctx.busy
    assert len(staff.contacts_of(page.ctx.reader(), office["party"], scope=ADMIN)) == 3


def test_unticking_ends_the_link_and_keeps_it_in_history(page, office, qtbot, answers):
    page.select_unit(office["grid1"])
    page.tabs.setCurrentIndex(2)
    picker = page.contacts
    picker.select_staff(office["party"])
    picker.households.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    picker.save()  # 2 households: asked, answered yes
    qtbot.waitUntil(lambda: len(staff.contacts_of(page.ctx.reader(), office["party"], scope=ADMIN)) == 2)
    history = staff.contacts_of(page.ctx.reader(), office["party"], include_ended=True, scope=ADMIN)
    assert len(history) == 3 and sum(1 for c in history if c.until) == 1


def test_filter_and_only_uncontacted(page, office, qtbot):
    page.select_unit(office["grid1"])
    page.tabs.setCurrentIndex(2)
    picker = page.contacts
    picker.select_staff(office["doctor"])
    assert picker.count.text() == "已选0户"  # the 5–10 rule binds party members only
    picker.uncontacted.setChecked(True)
    visible = [r for r in range(12) if not picker.households.isRowHidden(r)]
    assert len(visible) == 9  # the party member's three are taken
    picker.filter.setText("H012")
    assert [r for r in range(12) if not picker.households.isRowHidden(r)] == [11]


def test_completeness_problem_about_a_party_member_opens_the_contacts(page, office):
    assert page.open_record("staff", office["party"])
    assert page.tabs.currentIndex() == 2
    assert page.current_unit().id == office["grid1"]
    assert page.contacts.current_staff_id() == office["party"]
    assert page.open_record("org_units", office["grid2"])
    assert page.current_unit().id == office["grid2"]
    assert not page.open_record("households", office["households"][0])


def test_rename_move_and_contacts_can_be_undone_and_redone(page, office, qtbot, answers):
    stack = page.ctx.undo_stack
    page.select_unit(office["grid2"])
    page.rename_unit()
    page.dialog.name.setText("滨海网格")
    ok(page.dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    page.move_unit()
    page.dialog.target.set_current_unit(office["area"])
    ok(page.dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    assert stack.undoText() == "移动“滨海网格”"
    assert regions.get_unit(page.ctx.reader(), office["grid2"]).parent_id == office["area"]
    stack.undo()
    qtbot.waitUntil(lambda: regions.get_unit(page.ctx.reader(), office["grid2"]).parent_id == office["community"])
    stack.undo()
    qtbot.waitUntil(lambda: regions.get_unit(page.ctx.reader(), office["grid2"]).name == "第二网格")
    stack.redo()
    qtbot.waitUntil(lambda: regions.get_unit(page.ctx.reader(), office["grid2"]).name == "滨海网格")

    page.select_unit(office["grid1"])
    page.tabs.setCurrentIndex(2)
    page.contacts.select_staff(office["party"])
    for row in (3, 4):
        page.contacts.households.item(row, 0).setCheckState(Qt.CheckState.Checked)
    page.contacts.save()
    qtbot.waitUntil(lambda: stack.undoText() == "保存联系户")
    assert len(staff.contacts_of(page.ctx.reader(), office["party"], scope=ADMIN)) == 5
    stack.undo()
    qtbot.waitUntil(lambda: len(staff.contacts_of(page.ctx.reader(), office["party"], scope=ADMIN)) == 3)


def test_a_change_made_while_the_page_was_hidden_shows_on_return(page, office, qtbot):
    page.select_unit(office["grid1"])
    page.hide()
    page.ctx.write(lambda db: staff.add_staff(db, "冯新人", "volunteer", org_id=office["grid1"]),
                   description="新增人员")
    qtbot.waitUntil(lambda: page._dirty)
    assert "冯新人" not in [cells[0] for cells in staff_cells(page)]
    page.show()
    page.activated()
    assert page.current_unit().id == office["grid1"]
    assert "冯新人" in [cells[0] for cells in staff_cells(page)]


def test_an_empty_office_starts_its_tree_with_insert(qtbot, tmp_path):
    ctx = AppContext(tmp_path / "empty.db")
    page = OrgPage(ctx)
    qtbot.addWidget(page)
    ctx.changed.connect(page.on_changed)
    page.show()
    page.activated()
    try:
        assert "还没有组织架构" in page.caption.text()
        press(qtbot, page.tree, Qt.Key.Key_Insert)
        dialog = page.dialog
        assert dialog.level.itemData(0) == "district"  # a root may be of any level
        dialog.level.setCurrentIndex(dialog.level.findData("community"))
        dialog.name.setText("东港社区")
        ok(dialog)
        qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1)
        assert page.current_unit().name == "东港社区"
    finally:
        ctx.close()


def test_moving_staff_to_another_unit_ends_the_roles_held_at_the_old_one(page, office, qtbot):
    reader = page.ctx.reader()
    page.ctx.write(lambda db: staff.add_role(db, office["doctor"], "liaison", office["grid1"]),
                   description="任职")
    qtbot.waitUntil(lambda: [r.role for r in staff.roles_of(reader, office["doctor"], scope=ADMIN)] == ["liaison"])
    page.select_unit(office["grid1"])
    row = [cells[0] for cells in staff_cells(page)].index("郑医生")
    page.staff_table.setCurrentIndex(page.staff_model.index(row, 0))
    page.edit_staff()
    dialog = page.dialog
    assert dialog.roles.findItems("联络员", Qt.MatchFlag.MatchExactly)[0].checkState() == Qt.CheckState.Checked
    dialog.unit.set_current_unit(office["grid2"])
    ok(dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    assert staff.get_staff(reader, office["doctor"], scope=ADMIN).org_id == office["grid2"]
    roles = staff.roles_of(reader, office["doctor"], include_ended=True, scope=ADMIN)
    assert [(r.role, r.org_id, r.until is None) for r in roles] == [
        ("liaison", office["grid1"], False), ("liaison", office["grid2"], True)]
    assert "郑医生" not in [cells[0] for cells in staff_cells(page)]


def test_a_staff_member_leaving_is_taken_back(page, office, qtbot, answers):
    stack = page.ctx.undo_stack
    reader = page.ctx.reader()
    party = office["party"]
    page.select_unit(office["grid1"])
    page.tabs.setCurrentIndex(0)
    row = next(r for r in range(page.staff_model.rowCount()) if page.staff_model.record(r).id == party)
    page.staff_table.setCurrentIndex(page.staff_model.index(row, 0))
    page.staff_left()
    qtbot.waitUntil(lambda: staff.get_staff(reader, party, scope=ADMIN).status == "left")
    assert staff.contacts_of(reader, party, scope=ADMIN) == []
    # The undo step is pushed when the write's result reaches the window, a moment after the commit.
    name = staff.get_staff(reader, party, scope=ADMIN).name
    qtbot.waitUntil(lambda: stack.undoText() == f"登记{name}离岗")
    stack.undo()
    qtbot.waitUntil(lambda: staff.get_staff(reader, party, scope=ADMIN).status == "active")
    assert len(staff.contacts_of(reader, party, scope=ADMIN)) == 3


def test_the_staff_form_links_a_member_to_the_resident_they_are(page, office, qtbot):
    from gridoffice.archive import households
    from tests._domain import man

    done = []
    page.ctx.write(lambda db: households.create_household(
        db, org_id=office["grid1"], head=man("陈书记", political_status="party_member"), number="H-900"),
        description="建户", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done))
    page.select_unit(office["community"])
    row = [cells[0] for cells in staff_cells(page)].index("陈书记")
    page.staff_table.setCurrentIndex(page.staff_model.index(row, 0))
    page.staff_table.setFocus()
    qtbot.keyClick(page.staff_table, Qt.Key.Key_Return)
    dialog = page.dialog
    assert dialog.resident.text() == ""
    dialog.resident.setText("H-901 陈书记")
    ok(dialog)
    qtbot.waitUntil(lambda: "户号H-901中没有在册的“陈书记”" in dialog.error.text())
    assert staff.get_staff(page.ctx.reader(), office["cadre"], scope=ADMIN).person_id is None
    dialog.resident.setText("H-900 陈书记")
    ok(dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    assert staff.resident_of(page.ctx.reader(), office["cadre"], scope=ADMIN) == ("H-900 陈书记", "中共党员")
    qtbot.keyClick(page.staff_table, Qt.Key.Key_Return)
    again = page.dialog
    assert again.resident.text() == "H-900 陈书记"
    assert any(label.text() == "政治面貌：中共党员" for label in again.findChildren(QLabel))
    again.reject()
