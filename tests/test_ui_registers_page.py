"""重点人群 page: counts per register, filter by grid, masked rows, Enter opens the household.

The office is built with the core's own functions and the page is driven through its widgets: the
register tree is clicked, counts and rows are read from what it shows. Its day is fixed (TODAY)."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from gridoffice.changes import Changes
from gridoffice.access import users
from gridoffice.archive import households, office_tags, people
from gridoffice.archive.people import PersonInput
from gridoffice.audit import trail
from gridoffice.org import regions
from gridoffice.ages import age_on
from gridoffice.store.db import open_db
from gridoffice.errors import NotFound
from gridoffice.idcard import make_id
from gridoffice.masking import mask_birth, mask_id
from ui.pages import registers_page
from ui.pages.registers_page import RegistersPage
from tests.ui_helpers import copy_of, shown_page

TODAY = dt.date(2026, 11, 22)


def _born(years_ago: int) -> dt.date:
    return dt.date(TODAY.year - years_ago, 1, 31) if years_ago else TODAY - dt.timedelta(days=30)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Two grids, three households and five persons, two of them on the disabled register."""
    path = tmp_path_factory.mktemp("registers") / "office.db"
    db = open_db(path)
    trail.set_actor(db, "测试员")
    persons, numbers = {}, {}
    with db.atomic():  # one commit for the whole fixture keeps the test fast
        community = regions.create_unit(db, None, "community", "东港社区")
        grid1 = regions.create_unit(db, community, "grid", "第一网格")
        grid2 = regions.create_unit(db, community, "grid", "第二网格")
        for number, grid, members in (
            ("0001", grid1, [("王老汉", 85, "disabled"), ("王小宝", 0, None)]),
            ("0002", grid2, [("李奶奶", 70, None), ("李娃", 1, None)]),
            ("0003", grid2, [("赵大爷", 65, "disabled")]),
        ):
            hid = None
            for serial, (name, years, tag) in enumerate(members, start=1):
                numbers[name] = make_id("330102", _born(years), serial * 2 + 1)
                person = PersonInput(name, id_number=numbers[name], phone="13812345678")
                if hid is None:
                    hid = households.create_household(db, org_id=grid, head=person, number=number,
                                                      address=f"东港路{number}号", today=TODAY)
                    pid = households.get_household(db, hid, scope=users.whole_office("测试员")).head.id
                else:
                    pid = households.add_member(db, hid, person, "grandson", today=TODAY)
                if tag:
                    people.add_tag(db, pid, tag, since="2020-01-01", today=TODAY)
                persons[name] = (pid, hid)
    db.close()
    return {"path": path, "grid1": grid1, "grid2": grid2, "people": persons, "numbers": numbers}


@pytest.fixture
def office(template, tmp_path):
    return copy_of(template, tmp_path)


@pytest.fixture
def page(office, qtbot):
    widget, ctx = shown_page(qtbot, RegistersPage, office["path"])
    widget.today = lambda: TODAY
    widget.activated()
    yield widget
    ctx.close()


def _items(page):
    """The register tree's rows as shown: (label, count, item), sections left out."""
    tree = page.groups
    for s in range(tree.topLevelItemCount()):
        section = tree.topLevelItem(s)
        for i in range(section.childCount()):
            item = section.child(i)
            yield item.text(0), item.text(1), item


def count_of(page, label):
    return next(count for text, count, _item in _items(page) if text == label)


def choose(page, qtbot, label):
    """Click a register in the tree, as a clerk does."""
    item = next(item for text, _count, item in _items(page) if text == label)
    page.groups.scrollToItem(item)
    qtbot.mouseClick(page.groups.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.groups.visualItemRect(item).center())
    assert page.groups.currentItem() is item


def cells(page, column):
    model = page.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_counts_and_the_first_register_load_in_the_background(page, qtbot):
    qtbot.waitUntil(lambda: count_of(page, "60岁以上老人") == "3")
    assert count_of(page, "3岁以下婴幼儿") == "2"
    assert count_of(page, "80岁以上高龄老人") == "1"
    assert count_of(page, "残疾人") == "2"
    assert count_of(page, "三无人员") == "0"
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert sorted(cells(page, 0)) == ["李娃", "王小宝"]
    assert "共2人" in page.caption.text()


def test_filtering_by_grid_changes_counts_and_rows(page, office, qtbot):
    qtbot.waitUntil(lambda: count_of(page, "60岁以上老人") == "3")
    choose(page, qtbot, "60岁以上老人")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    page.scope.set_current_unit(office["grid2"])
    qtbot.waitUntil(lambda: count_of(page, "60岁以上老人") == "2")
    assert count_of(page, "残疾人") == "1"
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert set(cells(page, 0)) == {"李奶奶", "赵大爷"}
    assert set(cells(page, 5)) == {"第二网格"}
    assert "第二网格" in page.caption.text()


def test_scope_can_be_typed(page, office, qtbot):
    qtbot.waitUntil(lambda: page.scope.count() == 4)  # 全部 + community + two grids
    assert page.scope.itemText(2) == "东港社区 › 第一网格"
    page.scope.setFocus()
    # Chinese arrives through the input method, not as key presses: insert it as the IME would.
    page.scope.lineEdit().selectAll()
    page.scope.lineEdit().insert("东港社区 › 第一网格")
    qtbot.keyClick(page.scope.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.scope.current_unit() == office["grid1"])
    qtbot.waitUntil(lambda: count_of(page, "60岁以上老人") == "1")


def test_rows_show_masked_numbers_and_the_age(page, office, qtbot):
    choose(page, qtbot, "残疾人")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    full_ids = [office["numbers"][n] for n in ("王老汉", "赵大爷")]
    shown = cells(page, 7)
    assert sorted(shown) == sorted(mask_id(n) for n in full_ids) and not set(shown) & set(full_ids)
    assert all(text.startswith("330") and "*" * 10 in text for text in shown)
    assert set(cells(page, 8)) == {"138****5678"}
    old = page.model.row_of(office["people"]["王老汉"][0])
    assert page.model.data(page.model.index(old, 2)) == str(age_on(_born(85), TODAY))
    assert page.model.data(page.model.index(old, 3)) == mask_birth(_born(85))


def test_sorting_by_age_is_done_by_sql(page, qtbot):
    choose(page, qtbot, "60岁以上老人")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    page.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: cells(page, 0) == ["王老汉", "李奶奶", "赵大爷"])
    page.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: cells(page, 0) == ["赵大爷", "李奶奶", "王老汉"])
    assert page.model.queries <= 3  # a window per reload, not a query per cell


def test_enter_on_a_row_opens_the_household(page, office, qtbot):
    choose(page, qtbot, "80岁以上高龄老人")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    with qtbot.waitSignal(page.ctx.navigate_requested) as blocker:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert blocker.args == ["households", office["people"]["王老汉"][1]]


def test_a_change_to_tags_recounts(page, office, qtbot):
    qtbot.waitUntil(lambda: count_of(page, "残疾人") == "2")
    pid = office["people"]["李奶奶"][0]

    def tag(db):
        with db.atomic():
            people.add_tag(db, pid, "disabled", since="2024-01-01", today=dt.date(2026, 11, 1))

    page.ctx.write(tag, description="标记")
    qtbot.waitUntil(lambda: count_of(page, "残疾人") == "3")
    assert count_of(page, "60岁以上老人") == "3"  # her age register is untouched
    choose(page, qtbot, "残疾人")
    qtbot.waitUntil(lambda: sorted(cells(page, 0)) == ["李奶奶", "王老汉", "赵大爷"])
    assert "共3人" in page.caption.text()


def test_a_failed_read_is_said_in_the_caption(page, qtbot, monkeypatch):
    def broken(*args, **kwargs):
        raise NotFound("组织单元99不存在")

    monkeypatch.setattr(registers_page.registers, "person_ids", broken)
    choose(page, qtbot, "残疾人")
    qtbot.waitUntil(lambda: page.caption.text() == "读取失败：组织单元99不存在（按 F5 重试）")


def test_the_list_shown_is_exported_to_excel_and_printed_masked_and_audited(page, office, qtbot, monkeypatch, tmp_path):
    """导出Excel / 打印PDF: the register, unit and order on screen; numbers masked; one audit entry each."""
    import subprocess

    import openpyxl
    from PySide6.QtWidgets import QFileDialog

    from gridoffice.audit import journal

    choose(page, qtbot, "残疾人")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    full = [office["numbers"][n] for n in ("王老汉", "赵大爷")]
    shown = cells(page, 0)
    for kind, button in (("xlsx", page.excel_button), ("pdf", page.pdf_button)):
        target = tmp_path / f"名单.{kind}"
        offered = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            lambda _parent, _title, start, _filter, t=target: offered.append(start) or (str(t), ""))
        with qtbot.waitSignal(page.ctx.status_message, timeout=20000) as said:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert said.args == [f"已导出：{target}"] and offered[0].endswith(f"重点人群名单-残疾人.{kind}")
    ws = openpyxl.load_workbook(tmp_path / "名单.xlsx").worksheets[0]
    assert "重点人群名单·残疾人" in ws["A1"].value and "共2人" in ws["A1"].value
    assert [c.value for c in ws[2]][:3] == ["序号", "姓名", "性别"]
    assert [ws.cell(r, 2).value for r in (3, 4)] == shown
    values = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "138****5678" in values and not any(n in values for n in full) and "13812345678" not in values
    text = subprocess.run(["pdftotext", str(tmp_path / "名单.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "残疾人" in text and all(name in text for name in shown)
    assert "138****5678" in text and not any(n in text for n in full) and "13812345678" not in text
    kinds = [e.new["kind"] for e in journal.query(page.ctx.reader(), journal.Filter(action="export"), scope=users.whole_office("测试员"))]
    assert kinds[:2] == ["register_list_pdf", "register_list"]


def test_a_register_the_role_may_not_see_cannot_be_exported(office):
    from exports import register_list
    from gridoffice.errors import PermissionDenied
    from gridoffice.access.users import whole_office

    db = open_db(office["path"])
    scope = whole_office("网格员", "grid_worker")
    assert not scope.sees_tag("disabled")
    with pytest.raises(PermissionDenied):
        list(register_list.write(db, office["path"].parent / "x.xlsx", "disabled", form="xlsx", scope=scope))
    assert not (office["path"].parent / "x.xlsx").exists()
    db.close()


def test_a_register_the_page_adds_reloads_it_once(page, qtbot, monkeypatch):
    """The page redraws after its own write; the change it announces does not redraw it again."""
    class Named:
        def __init__(self, parent):
            pass

        def exec(self):
            return 1

        def values(self):
            return "失业人员", False

    monkeypatch.setattr("ui.dialogs.tags.RegisterDialog", Named)
    qtbot.waitUntil(lambda: not page.is_loading())
    reloads = []
    reload = page.reload
    monkeypatch.setattr(page, "reload", lambda: (reloads.append(1), reload()))
    with qtbot.waitSignal(page.ctx.changed) as announced:
        page.new_register()
    assert announced.args == [Changes.TAGS, page]
    qtbot.waitUntil(lambda: any(item.text(0) == "失业人员" for item in page._group_items.values()))
    assert reloads == [1]
    # The same kind of change made elsewhere redraws the page once, through the signal.
    page.ctx.write(lambda db: office_tags.add_register(db, "失能老人", sensitive=False), description="增设名册")
    qtbot.waitUntil(lambda: len(reloads) == 2)
    qtbot.wait(50)
    assert reloads == [1, 1]
