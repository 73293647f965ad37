"""完整性检查 page: run the check in the background, count per kind, jump to the record, cancel."""

import datetime as dt
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from gridoffice.changes import Changes, report
from gridoffice.audit import trail
from gridoffice.org import regions, staff
from gridoffice.store.db import open_db
from gridoffice.idcard import make_id
from ui.pages import completeness_page
from ui.pages.completeness_page import CompletenessPage
from tests.ui_helpers import copy_of, shown_page


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Known faults: a household outside any grid, one without a head, a party member with 1 contact,
    and the two class-3 households he does not contact."""
    path = tmp_path_factory.mktemp("completeness") / "office.db"
    db = open_db(path)
    trail.set_actor(db, "测试员")
    ids = {}
    with db.atomic():  # one commit for the whole fixture keeps the test fast
        community = regions.create_unit(db, None, "community", "东港社区")
        grid = regions.create_unit(db, community, "grid", "第一网格")
        # Faulty rows cannot be made through the domain API (it refuses them): plain SQL makes them.
        for serial, (number, org_id, relation) in enumerate(
                (("0001", grid, "head"), ("0002", community, "head"), ("0003", grid, "son")), start=5):
            hid = db.execute("INSERT INTO households(number, org_id, address) VALUES(?,?,?)",
                             [number, org_id, "东港路"]).lastrowid
            birth = dt.date(1970, 1, 1)
            db.execute("INSERT INTO persons(household_id, name, id_number, sex, birth_date, relation) "
                       "VALUES(?,?,?,?,?,?)", [hid, f"户{number}成员", make_id("330102", birth, serial * 2 + 1), "M",
                                                birth.isoformat(), relation])
            ids[number] = hid
        party = staff.add_staff(db, "吴党员", "party_member", org_id=grid)
        staff.link_contact(db, party, ids["0001"])
    db.close()
    return {"path": path, "households": ids, "party": party}


@pytest.fixture
def office(template, tmp_path):
    return copy_of(template, tmp_path)


@pytest.fixture
def page(office, qtbot):
    widget, ctx = shown_page(qtbot, CompletenessPage, office["path"])
    yield widget
    ctx.close()


def kind_texts(page):
    return [page.kinds.item(i).text() for i in range(page.kinds.count())]


def test_before_the_first_run_nothing_is_counted(page):
    assert page.problems is None
    assert kind_texts(page)[:2] == ["全部问题", "不在网格内的户"]
    assert page.model.rowCount() == 0


def test_the_first_visit_runs_the_check(page, qtbot):
    page.activated()
    qtbot.waitUntil(lambda: page.problems is not None)
    assert len(page.problems) == 5
    page.activated()  # later visits keep the result until F5
    assert page.job is None


def test_f5_runs_the_check_and_counts_per_kind(page, office, qtbot):
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: page.problems is not None)
    texts = kind_texts(page)
    assert "全部问题（5）" == texts[0]
    assert "不在网格内的户（1）" in texts
    assert "没有户主的户（1）" in texts
    assert "联系户数不在5至10户的党员（1）" in texts
    assert "联系人中没有党员的三类户（2）" in texts
    assert "重复的身份证号码（0）" in texts
    assert "发现5个问题" in page.status.text()
    assert page.model.rowCount() == 5
    assert "户0002" in page.model.data(page.model.index(0, 1))


def test_enter_on_a_problem_opens_its_record(page, office, qtbot):
    page.run_check()
    qtbot.waitUntil(lambda: page.problems is not None)
    page.select_kind("no_head")
    assert page.model.rowCount() == 1
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 1))
    with qtbot.waitSignal(page.ctx.navigate_requested) as blocker:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert blocker.args == ["households", office["households"]["0003"]]
    page.select_kind("party_member_contacts")
    with qtbot.waitSignal(page.ctx.navigate_requested) as blocker:
        page.table.activated.emit(page.model.index(0, 0))
    assert blocker.args == ["staff", office["party"]]


def test_a_change_marks_the_result_stale_and_a_rerun_clears_it(page, office, qtbot):
    page.run_check()
    qtbot.waitUntil(lambda: page.problems is not None)

    def move_into_grid(db, household_id):
        with db.atomic():
            db.execute("UPDATE households SET org_id = (SELECT id FROM org_units WHERE level = 'grid') WHERE id = ?",
                       [household_id])
        report(Changes.HOUSEHOLDS)  # a raw write says what it changed, as a core function's declaration would

    page.ctx.write(move_into_grid, office["households"]["0002"], description="移入网格")
    qtbot.waitUntil(lambda: page.stale)
    assert "按 F5 重新检查" in page.status.text()
    page.run_check()
    qtbot.waitUntil(lambda: not page.stale and page.problems is not None and len(page.problems) == 4)
    assert "不在网格内的户（0）" in kind_texts(page)


def test_the_check_can_be_cancelled(page, qtbot, monkeypatch):
    release = threading.Event()

    def endless(db, today=None, *, scope):
        done = 0
        while not release.wait(0.01):
            done += 1
            yield done, 0, "正在检查"
        return []

    monkeypatch.setattr(completeness_page.completeness, "completeness", endless)
    page.run_check()
    assert not page.run_button.isEnabled()
    qtbot.waitUntil(lambda: page.job.dialog is not None and page.job.dialog.isVisible(), timeout=3000)
    cancel = page.job.dialog.findChild(QPushButton)
    assert cancel.text() == "取消"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.job is None)
    release.set()
    assert page.status.text() == "检查已取消。按 F5 重新开始。"
    assert page.run_button.isEnabled()
    assert page.problems is None
