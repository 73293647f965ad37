"""走访督查's 必访情形 and 集中走访 tabs and the workbench's 必访情形, driven like a clerk would."""

import datetime as dt
import shutil

import pytest

from gridoffice.activity import must_visits, visits
from gridoffice.audit import trail
from gridoffice.org import staff
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office
from tests.ui_helpers import opened_page
from ui.must_visit_views import AssignDialog, CampaignDialog, MustVisitDialog, SituationsDialog
from ui.pages.visits_page import VisitsPage
from ui.pages.workbench_page import WorkbenchPage

ADMIN = whole_office("测试员")

TODAY = dt.date(2026, 11, 1)  # the small office's day


@pytest.fixture
def office(small_office_template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(small_office_template, path)
    db = open_db(path)
    trail.set_actor(db, "测试员")
    # A contact household and its staff member.
    staff_id, household_id = db.execute("SELECT staff_id, household_id FROM contacts WHERE until IS NULL "
                                        "ORDER BY id LIMIT 1").fetchone()
    number = db.execute("SELECT number FROM households WHERE id = ?", [household_id]).fetchone()[0]
    db.close()
    return path, staff_id, household_id, number


def open_page(cls, path, qtbot, role="clerk"):
    return opened_page(cls, path, qtbot, user="张文员", role=role, today=TODAY)


def test_a_must_visit_is_recorded_listed_and_done_by_a_visit(office, qtbot):
    path, staff_id, household_id, number = office
    ctx, page = open_page(VisitsPage, path, qtbot)
    try:
        page.tabs.setCurrentIndex(1)
        view = page.must_visits
        assert view.table.model().rowCount() == 0 and "本办自定" in view.caption.text()
        dialog = MustVisitDialog(ctx, TODAY, view)
        qtbot.addWidget(dialog)
        dialog.household.setText("没有这户")
        dialog.save()
        qtbot.waitUntil(lambda: "找不到户号" in dialog.error.text())
        dialog.household.setText(number)
        dialog.situation.setCurrentIndex(dialog.situation.findData("重病或住院"))
        dialog.noted_on.setDate(dt.date(2026, 10, 28))
        with qtbot.waitSignal(dialog.accepted, timeout=5000):
            dialog.save()
        qtbot.waitUntil(lambda: view.table.model().rowCount() == 1)
        assert [view.table.model().text(0, c) for c in (0, 1, 2, 4)] == ["2026-10-31", "超期1天", number, "重病或住院"]
    finally:
        ctx.close()
    # The contact's workbench shows it too, until a visit after the day it happened completes it.
    ctx, bench = open_page(WorkbenchPage, path, qtbot)
    try:
        bench.select_staff(staff_id)
        qtbot.waitUntil(lambda: bench.data is not None and bench.data.staff_id == staff_id and not bench.is_loading())
        assert bench.must_table.model().rowCount() == 1
        assert "必访情形待走访 <b style='color:#b00020'>1</b>" in bench.caption.text()
        ctx.write(lambda db: visits.record_visit(db, staff_id=staff_id, household_ids=[household_id],
                                                 visited_on="2026-10-30", today=TODAY), description="走访")
        qtbot.waitUntil(lambda: bench.data is not None and bench.data.must_visits == [] and not bench.is_loading())
        assert bench.must_table.model().rowCount() == 0
    finally:
        ctx.close()


def test_the_situation_list_is_edited_in_its_dialog(office, qtbot):
    path, *_ = office
    ctx, page = open_page(VisitsPage, path, qtbot, role="leader")
    try:
        dialog = SituationsDialog(ctx, page)
        qtbot.addWidget(dialog)
        assert dialog.table.rowCount() == 10
        dialog.table.item(0, 0).setText("")
        dialog.save()
        qtbot.waitUntil(lambda: "名称不能为空" in dialog.error.text())
        dialog.table.removeRow(0)
        with qtbot.waitSignal(dialog.accepted, timeout=5000):
            dialog.save()
        assert len(must_visits.situations(ctx.reader())) == 9
    finally:
        ctx.close()


def test_a_campaign_is_planned_assigned_and_its_coverage_shown(office, qtbot):
    path, staff_id, household_id, number = office
    ctx, page = open_page(VisitsPage, path, qtbot)
    try:
        page.tabs.setCurrentIndex(2)
        view = page.campaigns
        view.year.setValue(2026)
        assert "已安排集中走访 0 次，少于2次" in view.caption.text()
        dialog = CampaignDialog(ctx, TODAY, view)
        qtbot.addWidget(dialog)
        dialog.save()
        qtbot.waitUntil(lambda: "名称" in dialog.error.text())
        dialog.name.setText("国庆前集中走访")
        dialog.start.setDate(dt.date(2026, 9, 15))
        dialog.end.setDate(dt.date(2026, 9, 30))
        with qtbot.waitSignal(dialog.accepted, timeout=5000):
            dialog.save()
        qtbot.waitUntil(lambda: view.list.model().rowCount() == 1)
        assert "已安排集中走访 1 次" in view.caption.text()
        cid = view.current()
        expected = must_visits.coverage(ctx.reader(), cid, scope=ADMIN)
        assert view.grids.model().rowCount() == len(expected) > 0 and sum(g.visited for g in expected) == 0
        with qtbot.waitSignal(ctx.changed, timeout=5000):
            ctx.write(lambda db: visits.record_visit(db, staff_id=staff_id, household_ids=[household_id],
                                                     visited_on="2026-09-20", today=TODAY), description="走访")
        qtbot.waitUntil(lambda: sum(int(view.grids.model().text(r, 3)) for r in range(view.grids.model().rowCount())) == 1)
        view.grids.selectRow(0)
        assign = AssignDialog(ctx, view.campaigns[0], view.cover[0], view)
        qtbot.addWidget(assign)
        assign.staff.setCurrentIndex(assign.staff.findData(staff_id))
        with qtbot.waitSignal(assign.accepted, timeout=5000):
            assign.save()
        view._chosen()
        name = staff.get_staff(ctx.reader(), staff_id, scope=ADMIN).name
        assert view.grids.model().text(0, 1) == name
    finally:
        ctx.close()
