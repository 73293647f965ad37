"""The matters page driven like a clerk would: lists, search, legal steps only, dialogs, meeting, dossier."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from gridoffice.activity import logs
from gridoffice.archive import households
from gridoffice.archive.people import PersonInput
from gridoffice.audit import trail
from gridoffice.idcard import make_id
from gridoffice.org import regions, staff
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office
from ui.context import AppContext
from ui.dialogs.matters import IntakeDialog, StepDialog
from ui.pages.matters_page import MattersPage

ADMIN = whole_office("测试员")


# A fixed "now" in the evening, so that due soon / overdue never depend on when the tests run.
NOW = dt.datetime(2026, 11, 20, 19, 0)


def ago(**kw) -> dt.datetime:
    return NOW - dt.timedelta(**kw)


@pytest.fixture
def office(tmp_path):
    path = tmp_path / "office.db"
    db = open_db(path)
    trail.set_actor(db, "测试员")
    community = regions.create_unit(db, None, "community", "东港社区")
    grid1 = regions.create_unit(db, community, "grid", "第一网格")
    grid2 = regions.create_unit(db, community, "grid", "第二网格")
    with db.atomic():
        worker = staff.add_staff(db, "周海燕", "grid_worker", org_id=grid1)
        hh = households.create_household(db, org_id=grid2, number="0001", address="东港路1号", today=NOW.date(),
                                         head=PersonInput("吴建国", id_number=make_id("330102", dt.date(1961, 4, 2), 31)))

    def add(title, received, grid=grid1, **kw):
        return M.intake(db, source="phone", category_id=6, grade="urgent", title=title, grid_id=grid,
                        received_at=received, now=received, **kw)

    ids = {
        "overdue": add("下水道堵塞", ago(days=2), resident_name="吴文华"),
        "soon": add("楼道灯不亮", ago(hours=1)),
        "fresh": add("河道漂浮垃圾", ago(minutes=10), grid=grid2),
        "closed": add("咨询医保", ago(days=3)),
    }
    for action, extra in (("start", {}), ("resolve", {"note": "已解答"})):
        M.transition(db, ids["closed"], action, now=ago(days=3) + dt.timedelta(minutes=30), **extra)
    M.transition(db, ids["fresh"], "assign", staff_id=worker, now=ago(minutes=5))
    db.close()
    return {"path": path, "ids": ids, "grid1": grid1, "grid2": grid2, "staff": worker, "household": hh}


@pytest.fixture
def page(office, qtbot):
    ctx = AppContext(office["path"])
    widget = MattersPage(ctx)
    widget.clock = lambda: NOW
    ctx.changed.connect(widget.on_changed)  # the main window's job
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    widget.activated()
    qtbot.waitUntil(lambda: widget.model.rowCount() > 0)
    yield widget
    ctx.close()


def listed(page):
    return [page.model.id_at(r) for r in range(page.model.rowCount())]


def reloaded(page, qtbot, expected):
    qtbot.waitUntil(lambda: listed(page) == expected, timeout=3000)


def test_open_matters_with_overdue_first(page, office):
    ids = office["ids"]
    # The fresh one is answered (assigned), so its pending limit is the 24 h one: after the 1-hour one.
    assert listed(page) == [ids["overdue"], ids["soon"], ids["fresh"]]
    assert "超期 1" in page.counts.text() and "即将到期 1" in page.counts.text()
    first = page.model.data(page.model.index(0, 0))
    assert first.startswith("已超期")
    colours = [page.model.data(page.model.index(r, 0), Qt.ItemDataRole.BackgroundRole) for r in range(3)]
    assert colours[0].color().name() == "#f8d7da" and colours[1].color().name() == "#fff3cd"
    assert colours[2] is None


def test_filters_and_search(page, office, qtbot):
    ids = office["ids"]
    page.state.setCurrentIndex(page.state.findData(None))
    reloaded(page, qtbot, [ids["overdue"], ids["soon"], ids["fresh"], ids["closed"]])
    page.scope.set_current_unit(office["grid2"])
    reloaded(page, qtbot, [ids["fresh"]])
    page.scope.set_current_unit(None)
    page.assignee.setCurrentIndex(page.assignee.findData(office["staff"]))
    reloaded(page, qtbot, [ids["fresh"]])
    page.assignee.setCurrentIndex(0)
    page.search.insert("吴文华")  # QTest types ASCII only; an input method would insert the text like this
    reloaded(page, qtbot, [ids["overdue"]])
    page.search.clear()
    qtbot.keyClicks(page.search, Q.get_matter(page.ctx.reader(), ids["closed"], scope=ADMIN).number)
    reloaded(page, qtbot, [ids["closed"]])


def test_a_matter_shows_its_timeline_and_only_legal_steps(page, office, qtbot):
    page.table.selectRow(2)
    view = page.view
    qtbot.waitUntil(lambda: view.matter is not None and view.matter.id == office["ids"]["fresh"])
    visible = {a for a, b in view.buttons.items() if b.isVisibleTo(view)}
    assert visible == set(M.legal_actions("assigned")) - {"meeting"} == {"start", "transfer", "regrade", "promise",
                                                                        "note"}
    html = view.timeline.toPlainText()
    assert "交办" in html and "受理" in html and "周海燕" not in view.heading.text()
    assert "周海燕" in view.facts.text()


def test_a_step_through_its_dialog_and_a_refusal_inside_it(page, office, qtbot):
    page.table.selectRow(2)
    qtbot.waitUntil(lambda: page.view.matter is not None)
    matter = page.view.matter
    dialog = StepDialog(page.ctx, matter, "start", now=NOW, parent=page)
    qtbot.addWidget(dialog)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result() == 1)
    qtbot.waitUntil(lambda: page.view.matter.state == "in_progress")
    assert "resolve" in {a for a, b in page.view.buttons.items() if b.isVisibleTo(page.view)}
    before = len(Q.events(page.ctx.reader(), matter.id, scope=ADMIN))
    refusal = StepDialog(page.ctx, page.view.matter, "resolve", now=NOW, parent=page)
    qtbot.addWidget(refusal)
    refusal.show()
    refusal.save()
    qtbot.waitUntil(lambda: refusal.error.isVisible())
    assert refusal.error.text() == "请填写办理结果" and refusal.note.hasFocus()
    assert len(Q.events(page.ctx.reader(), matter.id, scope=ADMIN)) == before
    refusal.note.insertPlainText("已疏通")
    refusal.save()
    qtbot.waitUntil(lambda: page.view.matter.state == "resolved")
    assert page.view.matter.outcome == "已疏通"
    answer = StepDialog(page.ctx, page.view.matter, "answer", now=NOW, parent=page)
    qtbot.addWidget(answer)
    answer.note.insertPlainText("电话告知居民")
    answer.save()
    qtbot.waitUntil(lambda: page.view.matter.state == "answered")
    evaluate = StepDialog(page.ctx, page.view.matter, "evaluate", now=NOW, parent=page)
    qtbot.addWidget(evaluate)
    evaluate.show()
    evaluate.satisfaction.setCurrentIndex(evaluate.satisfaction.findData("satisfied"))
    assert evaluate.resident_score.text() == "请填写"
    evaluate.save()
    qtbot.waitUntil(lambda: evaluate.error.isVisible())
    assert evaluate.error.text() == "请填写居民评分（0到100分）"
    evaluate.resident_score.setValue(95)
    evaluate.save()
    qtbot.waitUntil(lambda: page.view.matter.state == "evaluated")
    assert page.view.matter.resident_score == 95


def test_intake_from_a_household_selects_the_new_matter(page, office, qtbot):
    dialog = IntakeDialog(page.ctx, household_id=office["household"], now=NOW, parent=page)
    qtbot.addWidget(dialog)
    assert dialog.household.text() == "0001"
    dialog.title.insert("申请临时救助")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    page.select_after_reload(dialog.result_value)  # what open_intake() does once the dialog closes
    qtbot.waitUntil(lambda: page.view.matter is not None and page.view.matter.title == "申请临时救助")
    m = page.view.matter
    assert (m.household_id, m.grid_id, m.taker_name) == (office["household"], office["grid2"], page.ctx.user.name)


def test_bad_household_number_is_refused_in_the_intake_dialog(page, qtbot):
    dialog = IntakeDialog(page.ctx, now=NOW, parent=page)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.title.insert("路灯")
    qtbot.keyClicks(dialog.household, "9999")
    dialog.save()
    assert "找不到户号为“9999”的户" in dialog.error.text() and dialog.isVisible()
    assert len(Q.matter_list(page.ctx.reader(), M.MatterFilter(), scope=ADMIN, now=NOW).ids) == 4


def test_weekly_meeting_records_a_decision(page, office, qtbot):
    page.tabs.setCurrentIndex(1)
    meeting = page.meeting
    qtbot.waitUntil(lambda: meeting.table.rowCount() >= 1)
    assert [i.matter.id for i in meeting.items][0] == office["ids"]["overdue"]
    meeting.table.selectRow(0)
    meeting.decision.insertPlainText("由城建办周五前疏通")
    qtbot.mouseClick(meeting.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: meeting.table.item(0, 6) is not None and meeting.table.item(0, 6).text() == "由城建办周五前疏通")
    assert Q.events(page.ctx.reader(), office["ids"]["overdue"], scope=ADMIN)[-1].action == "meeting"


def test_dossier_button_writes_the_pdf(page, office, qtbot, monkeypatch, tmp_path):
    out = tmp_path / "dossier.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    import subprocess

    page.table.selectRow(0)
    overdue = office["ids"]["overdue"]
    qtbot.waitUntil(lambda: page.view.matter is not None and page.view.matter.id == overdue)
    number = page.view.matter.number
    with qtbot.waitSignal(page.ctx.status_message) as said:
        qtbot.mouseClick(page.view.dossier_button, Qt.MouseButton.LeftButton)
    assert said.args == [f"已保存事项{number}的档案：{out}"]
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert number in text and "下水道堵塞" in text and "吴文华" in text and "第一网格" in text


def test_open_record_widens_the_filter(page, office, qtbot):
    closed = office["ids"]["closed"]
    assert page.open_record("matters", closed) is True
    qtbot.waitUntil(lambda: listed(page) == [closed])
    assert page.view.matter.id == closed and page.open_record("households", 1) is False


def test_a_matter_taken_in_from_a_need_shows_the_need(page, office, qtbot):
    db = open_db(office["path"])
    trail.set_actor(db, "测试员")
    need = logs.add_need(db, office["household"], "屋后排水沟堵塞，雨天积水", staff_id=office["staff"],
                         raised_on="2026-11-20", today=NOW.date())
    matter = logs.need_to_matter(db, need, category_id=6, grade="urgent", now=NOW)
    db.close()
    assert page.open_record("matters", matter) is True
    qtbot.waitUntil(lambda: page.view.matter is not None and page.view.matter.id == matter)
    facts = page.view.facts.text()
    assert "来源需求" in facts and "屋后排水沟堵塞" in facts and "周海燕" in facts and "0001" in facts


def test_settings_dialog_edits_categories_and_time_limits(page, qtbot, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from ui.dialogs.matters import SettingsDialog

    dialog = SettingsDialog(page.ctx, page)
    qtbot.addWidget(dialog)
    assert dialog.categories.count() == 14 and dialog.limits.rowCount() == 3
    # The five the source names, and the nine that are the office's own.
    texts = [dialog.categories.item(i).text() for i in range(14)]
    assert texts[3] == "农业生产建设（来源文章）" and sum(t.endswith("（来源文章）") for t in texts) == 5
    assert texts[5] == "基础设施（本办自定）" and sum(t.endswith("（本办自定）") for t in texts) == 9
    rows = {dialog.limits.item(r, 0).text(): [dialog.limits.item(r, c).text() for c in range(2, 5)] for r in range(3)}
    assert rows["当场办结"][:2] == ["当天", "当天"] and "当场登记、处理并反馈" in rows["当场办结"][2]
    assert rows["疑难"][:2] == ["2", "72"] and rows["疑难"][2].startswith("来源文章：金牛区")
    dialog.grade.setCurrentIndex(dialog.grade.findData("on_spot"))
    assert not dialog.save_limit.isEnabled() and not dialog.resolve.isEnabled() and dialog.resolve.text() == "当天"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("物业服务", True))
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.categories.count() == 15)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("环境保护", True))
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() == "已有名为“环境保护”的类别")
    dialog.categories.setCurrentRow(14)
    qtbot.mouseClick(dialog.retire_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.categories.item(14).text() == "物业服务（本办自定，已停用）")
    # Renaming starts from the name itself, not the list's wording.
    seen = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: seen.append(k["text"]) or ("", False))
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    assert seen == ["物业服务"]
    dialog.grade.setCurrentIndex(dialog.grade.findData("difficult"))
    dialog.category.setCurrentIndex(dialog.category.findData(5))
    assert dialog.resolve.value() == 72
    dialog.resolve.setValue(48)
    qtbot.mouseClick(dialog.save_limit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.limits.rowCount() == 4)
    assert M.time_limit(page.ctx.reader(), "difficult", 5).resolve_hours == 48
    assert [dialog.limits.item(r, 4).text() for r in range(4) if dialog.limits.item(r, 3).text() == "48"] == ["本办自定"]
    dialog.respond.setValue(60)
    qtbot.mouseClick(dialog.save_limit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() == "答复时限不能长于办结时限")


def test_ctrl_f_in_the_main_window_focuses_the_search_and_ctrl_n_registers(office, qtbot, monkeypatch):
    from ui.main_window import MainWindow

    ctx = AppContext(office["path"])
    win = MainWindow(ctx, persist=False, first_page="matters")
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow())
    page = win.current_page()
    assert page.PAGE_ID == "matters"
    intakes = []
    monkeypatch.setattr(page, "open_intake", lambda **kw: intakes.append(kw))
    page.tabs.setCurrentIndex(1)
    page.meeting.table.setFocus()
    qtbot.keyClick(page.meeting.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.tabs.currentIndex() == 0 and page.search.hasFocus()
    qtbot.keyClick(page.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert intakes == [{}]
    win.close()
    ctx.close()


def test_importing_the_page_does_not_load_reportlab():
    # The main window imports every page after it shows; reportlab alone costs about a second.
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, ui.pages.matters_page; print(sorted(m for m in sys.modules if m.startswith('reportlab')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_numbers_typed_into_a_matter_show_masked(office, qtbot):
    """The window follows the masking rule too: a mobile or ID number typed into the title, the
    content or a step's note is shown masked in the list, the facts and the timeline."""
    from gridoffice.idcard import make_id
    from gridoffice.masking import find_unmasked, mask_id

    number = make_id("330102", dt.date(1975, 3, 9), 123)
    db = open_db(office["path"])
    trail.set_actor(db, "测试员")
    mid = M.intake(db, source="phone", category_id=6, grade="urgent", title="来电13812348000反映",
                   content=f"身份证{number}，电话138 1234 8000", grid_id=office["grid1"], received_at=ago(minutes=1),
                   now=ago(minutes=1))
    M.add_note(db, mid, f"已回电0571-88001234核实{number}", now=ago(seconds=30))
    db.close()
    ctx = AppContext(office["path"])
    page = MattersPage(ctx)
    page.clock = lambda: NOW
    qtbot.addWidget(page)
    page.show()
    page.activated()
    qtbot.waitUntil(lambda: mid in listed(page))
    page.table.selectRow(listed(page).index(mid))
    qtbot.waitUntil(lambda: page.view.matter is not None and page.view.matter.id == mid)
    row = listed(page).index(mid)
    shown = [page.model.data(page.model.index(row, c)) or "" for c in range(page.model.columnCount())]
    shown += [page.view.heading.text(), page.view.facts.text(), page.view.timeline.toPlainText()]
    text = "\n".join(shown)
    assert "138****8000" in text and mask_id(number) in text and "0571-****1234" in text
    assert not find_unmasked(text) and "88001234" not in text
    ctx.close()


def test_team_monthly_review_records_self_and_peer_scores(page, office, qtbot):
    from PySide6.QtCore import QDate

    from gridoffice.activity import team_reviews
    from gridoffice.access.users import whole_office

    db = open_db(office["path"])
    trail.set_actor(db, "测试员")
    one = staff.create_team(db, office["grid1"], "第一网格服务团队")
    two = staff.create_team(db, office["grid2"], "第二网格服务团队")
    db.close()
    view = page.reviews
    view.today = lambda: dt.date(2026, 12, 5)
    view.month.setDate(QDate(2026, 11, 1))
    page.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: view.table.rowCount() == 2)
    assert view.table.item(0, 0).text() == "第一网格服务团队" and view.reviewer.currentData() == one
    # A self-assessment without its summary is refused in the view, and nothing is written.
    view.score.setValue(88)
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "存在的问题" in view.error.text())
    view.note.setPlainText("走访及时；夜间响应慢；增设值班")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.table.item(0, 2).text() == "88")
    view.table.selectRow(0)
    view.reviewer.setCurrentIndex(view.reviewer.findData(two))
    assert view.score.value() == -1
    view.score.setValue(76)
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.table.item(0, 3).text() == "76.0（1）")
    assert view.table.item(0, 5).text() == "走访及时；夜间响应慢；增设值班"
    [first, _] = team_reviews.month_reviews(page.ctx.reader(), "2026-11", scope=whole_office("x"))
    assert (first.self_score, [p.score for p in first.peers]) == (88, [76])


def test_board_and_slip_registers_feed_matters(page, office, qtbot):
    from ui.board_slip_view import EntryDialog, ToMatterDialog

    view = page.board
    view.today = lambda: NOW.date()
    page.tabs.setCurrentIndex(3)
    assert view.table.rowCount() == 0
    dialog = EntryDialog(page.ctx, "slip", NOW.date(), view)
    qtbot.addWidget(dialog)
    dialog.content.setPlainText("东港路1号反映屋顶漏雨")
    dialog.household.setText("0001")
    dialog.save()
    qtbot.waitUntil(lambda: "抄送人" in dialog.error.text())
    dialog.sender.setText("周海燕")
    dialog.addressee.setText("城建办")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    view.kind.setCurrentIndex(view.kind.findData("slip"))
    qtbot.waitUntil(lambda: view.table.rowCount() == 1)
    assert [view.table.item(0, c).text() for c in (2, 3, 4, 5, 7)] == ["周海燕", "城建办", "0001", "第二网格", "待处理"]
    view.table.selectRow(0)
    to_matter = ToMatterDialog(page.ctx, view.current(), view)
    qtbot.addWidget(to_matter)
    with qtbot.waitSignal(to_matter.accepted, timeout=5000):
        to_matter.save()
    view.status.setCurrentIndex(0)  # 全部
    qtbot.waitUntil(lambda: view.table.rowCount() == 1 and view.table.item(0, 7).text().startswith("已转为事项"))
    matter = Q.get_matter(page.ctx.reader(), view.rows[0].matter_id, scope=ADMIN)
    assert (matter.source, matter.household_id) == ("slip", office["household"])

def test_the_handler_is_found_by_typing_part_of_a_name_among_cadres_first(page, office, qtbot):
    """A clerk assigns an unassigned matter: the 承办人 list puts cadres and grid workers before party
    members and volunteers, and typing part of a name narrows it as one types."""
    db = open_db(office["path"])
    trail.set_actor(db, "测试员")
    with db.atomic():
        for name, kind in (("张志愿", "volunteer"), ("王党员", "party_member"), ("张主任", "village_cadre")):
            staff.add_staff(db, name, kind, org_id=office["grid1"])
    db.close()
    matter = Q.get_matter(page.ctx.reader(), office["ids"]["soon"], scope=ADMIN)
    dialog = StepDialog(page.ctx, matter, "assign", now=NOW, parent=page)
    qtbot.addWidget(dialog)
    dialog.show()
    names = [dialog.staff.itemText(i) for i in range(1, dialog.staff.count())]
    assert names == ["张主任（村社区干部·第一网格）", "周海燕（网格员·第一网格）", "王党员（党员·第一网格）",
                     "张志愿（志愿者·第一网格）"]
    dialog.staff.lineEdit().setFocus()
    dialog.staff.lineEdit().insert("张")  # what an input method commits
    completer = dialog.staff.completer()
    offered = [completer.completionModel().index(r, 0).data() for r in range(completer.completionCount())]
    assert offered == ["张主任（村社区干部·第一网格）", "张志愿（志愿者·第一网格）"]
    dialog.staff.setCurrentIndex(dialog.staff.findText(offered[0]))
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result() == 1)
    assert Q.get_matter(page.ctx.reader(), matter.id, scope=ADMIN).assignee == "张主任"
