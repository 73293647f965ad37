"""首页 (the dashboard page): its charts show the figures, a click opens the list behind a bar, a grid
worker sees their grid, and the briefing PDF prints the same numbers, staff masked."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from exports import briefing
from gridoffice.access import users
from gridoffice.audit import trail, anchors
from gridoffice.reports import monthly
from gridoffice.matters import rules as M
from gridoffice.reports import dashboard as D
from gridoffice.store.db import open_db
from gridoffice.masking import find_unmasked, mask_name
from gridoffice.access.users import whole_office
from tests._reports import MONTH, TODAY
from ui import app as app_module
from ui.context import AppContext, User
from ui.main_window import MainWindow

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

NOW = dt.datetime(2026, 11, 1, 12, 0)
SHOTS = os.environ.get("GRIDOFFICE_SHOTS")  # a folder: the tests leave their screenshots there


@pytest.fixture
def office_path(activity_template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(activity_template, path)
    return path


def _window(path, qtbot, user, size=(1366, 768)):
    app_module.install_font(QApplication.instance())
    ctx = AppContext(path, user=user)
    win = MainWindow(ctx, persist=False)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    page = win.current_page()
    assert page.PAGE_ID == "dashboard"
    page.today, page.clock = (lambda: TODAY), (lambda: NOW)
    page._load_choices()
    page.month.setCurrentIndex(page.month.findData(MONTH))
    qtbot.waitUntil(lambda: not page.is_loading() and page.problems is not None, timeout=20000)
    return ctx, win, page


def _click(qtbot, view, key):
    """Click the middle of the hit region that carries key."""
    chart = view.chart
    op = next(op for op in chart.ops if op[0] == "hit" and op[5] == key)
    s, ox, oy = view._geometry()
    x = ox + (op[1] + op[3] / 2) * s
    y = oy + (chart.height - (op[2] + op[4] / 2)) * s
    view.parentWidget().parentWidget().parentWidget().ensureWidgetVisible(view)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPointF(x, y).toPoint())


def test_a_leader_starts_on_the_dashboard_and_its_charts_show_the_figures(office_path, qtbot):
    ctx, win, page = _window(office_path, qtbot, User("书记", "leader"))
    expected = D.dashboard(ctx.reader(), MONTH, today=TODAY, now=NOW, scope=ADMIN)
    assert page.figures == expected
    texts = [op[3] for op in page.views["trend"].chart.ops if op[0] == "text"]
    for m in expected.months:
        assert str(m.received) in texts and m.label in texts
    assert all(v.chart is not None for v in page.views.values())
    assert "受理事项 <b>{}</b> 件".format(expected.this_month.received) in page.caption.text()
    # Ctrl+0 comes back to it from another page; the other pages keep Ctrl+1….
    win.show_page("archive")
    actions = {a.text(): a.shortcut().toString() for a in win._page_actions}
    assert actions["首页"] == "Ctrl+0" and actions["户籍档案"] == "Ctrl+1"
    if SHOTS:
        win.show_page("dashboard")
        win.wait_until_settled()
        win.grab().save(str(Path(SHOTS) / "dashboard-1366.png"))
        win.resize(1920, 1080)
        win.wait_until_settled()
        win.grab().save(str(Path(SHOTS) / "dashboard-1920.png"))
    win.close()
    ctx.close()


def test_clicking_a_bar_opens_the_list_behind_it(office_path, qtbot):
    ctx, win, page = _window(office_path, qtbot, User("书记", "leader"))
    d = page.figures
    # A month of the trend: that month's matters on the matters page.
    _click(qtbot, page.views["trend"], ("month", "2026-09"))
    matters = win.current_page()
    assert matters.PAGE_ID == "matters"
    assert matters.search.text() == "2026-09" and matters.state.currentData() is None
    qtbot.waitUntil(lambda: not matters.is_loading() if hasattr(matters, "is_loading") else True)
    qtbot.waitUntil(lambda: matters.model.rowCount() == monthly.monthly_summary(ctx.reader(), "2026-09", scope=ADMIN).total.received,
                    timeout=5000)
    # A category: this month's matters of that category.
    win.show_page("dashboard")
    top = d.categories[0]
    _click(qtbot, page.views["categories"], ("category", top.category_id))
    assert win.current_page() is matters and matters.category_id == top.category_id
    qtbot.waitUntil(lambda: matters.model.rowCount() == top.count, timeout=5000)
    # A grid's bar: the 走访督查 page on that grid, its households overdue on the day the month is judged
    # (the month's last day, not today: the bar's number).
    win.show_page("dashboard")
    worst = d.grids[0]
    assert d.day < TODAY and worst.overdue
    _click(qtbot, page.views["grids"], ("grid", worst.grid_id))
    visits = win.current_page()
    assert visits.PAGE_ID == "visits"
    qtbot.waitUntil(lambda: not visits.is_loading(), timeout=5000)
    row = visits.grids.currentIndex().row()
    assert visits.grid_rows[row].id == worst.grid_id
    assert visits.households.model().rowCount() == worst.overdue
    assert visits.detail_caption.text() == f"{worst.name}截至{d.day.isoformat()}超期未走访的户：共 {worst.overdue} 户"
    # A staff member: their workbench.
    win.show_page("dashboard")
    busiest = d.staff[0]
    _click(qtbot, page.views["staff"], ("staff", busiest.staff_id))
    assert win.current_page().PAGE_ID == "workbench"
    # A register: the 重点人群 page on it.
    win.show_page("dashboard")
    _click(qtbot, page.views["registers"], ("register", "age:elderly_60"))
    registers_page = win.current_page()
    assert registers_page.PAGE_ID == "registers" and registers_page.current_group() == "age:elderly_60"
    # A band of the age pyramid: the persons of those ages in the archive.
    win.show_page("dashboard")
    band = d.pyramid[13]  # 65–69
    assert band.label == "65–69"
    _click(qtbot, page.views["pyramid"], ("band", 13))
    archive = win.current_page()
    assert archive.PAGE_ID == "archive" and archive.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: not archive.is_loading(), timeout=5000)
    assert (archive.age_min.value(), archive.age_max.value()) == (band.min_age, band.max_age)
    # The archive judges ages today; the same band counted today holds as many.
    now_band = D.population(ctx.reader(), dt.date.today(), scope=ADMIN)[1][13]
    assert archive.person_model.rowCount() == now_band.men + now_band.women
    # A deadline segment: the open matters, most urgent first.
    win.show_page("dashboard")
    page.open_list(("deadline", "overdue"))
    assert win.current_page() is matters and matters.state.currentData() == "open"
    # A kind of completeness problem: that kind on the completeness page.
    win.show_page("dashboard")
    page.open_list(("problem", "no_head"))
    assert win.current_page().PAGE_ID == "completeness"
    win.close()
    ctx.close()


def _opened(qtbot, page):
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=10000)
    return page


def test_each_part_of_the_satisfaction_deadline_and_coverage_charts_lists_exactly_its_rows(office_path, qtbot):
    """A click on a segment opens the list of the rows that segment counts, not the whole list."""
    db = open_db(office_path)
    trail.set_actor(db, "测试员")
    grid = db.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY path LIMIT 1").fetchone()[0]
    # Open matters at NOW in every deadline state (urgent: answered within 2 hours, done within 24).
    for hours, started in ((5, False), (3, True), (1, False), (1.5, False), (1, True)):
        at = NOW - dt.timedelta(hours=hours)
        matter = M.intake(db, source="phone", category_id=1, grade="urgent", title=f"{hours}小时前受理",
                          grid_id=grid, received_at=at, now=at)
        if started:  # answered: due when it must be done, tomorrow
            M.transition(db, matter, "start", now=at + dt.timedelta(minutes=10))
    # And a matter of the month evaluated at every level, whatever the generated year holds.
    for day, (level, score) in enumerate((("satisfied", 95), ("basic", 80), ("unsatisfied", 40)), start=20):
        at = dt.datetime(2026, 10, day, 9, 0)
        matter = M.intake(db, source="phone", category_id=1, grade="urgent", title="楼道灯不亮", grid_id=grid,
                          received_at=at, now=at)
        for step, minutes, extra in (("start", 10, {}), ("resolve", 60, {"note": "已修好"}),
                                     ("answer", 70, {"note": "电话告知"}),
                                     ("evaluate", 120, {"satisfaction": level, "resident_score": score})):
            M.transition(db, matter, step, now=at + dt.timedelta(minutes=minutes), **extra)
    db.close()
    ctx, win, page = _window(office_path, qtbot, User("书记", "leader"))
    d = page.figures
    assert all(c.count for c in d.deadlines) and all(c.count for c in d.satisfaction)
    # The matters page judges deadlines when it lists them: at the same moment as the dashboard here.
    win.show_page("matters")
    win.current_page().clock = lambda: NOW
    for c in d.deadlines:
        win.show_page("dashboard")
        _click(qtbot, page.views["deadline"], ("deadline", c.code))
        matters = _opened(qtbot, win.current_page())
        assert matters.PAGE_ID == "matters" and matters.model.rowCount() == c.count, c
        urgency = {"overdue": "超期", "due_soon": "即将到期", "in_time": "期限内"}[c.code]
        assert f"只列出期限“{urgency}”的事项" in matters.counts.text()
    for c in d.satisfaction:
        win.show_page("dashboard")
        _click(qtbot, page.views["satisfaction"], ("satisfaction", c.code))
        matters = _opened(qtbot, win.current_page())
        assert matters.model.rowCount() == c.count, c
        assert f"只列出居民评价“{c.label}”的事项" in matters.counts.text()
    if SHOTS:
        win.grab().save(str(Path(SHOTS) / "dashboard-satisfaction-click-1366.png"))
    # A clerk's own change of a filter drops the narrowing: the month's matters of every evaluation.
    matters.state.setCurrentIndex(matters.state.findData("closed"))
    _opened(qtbot, matters)
    assert matters.satisfaction is None and "只列出" not in matters.counts.text()
    assert matters.model.rowCount() > c.count
    # Each part of a contact class's bar: that class's households visited in time, or overdue.
    assert all(c.covered for c in d.coverage) and any(c.overdue for c in d.coverage)
    for c in d.coverage:
        for part, number in ((0, c.covered), (1, c.overdue)):
            win.show_page("dashboard")
            if number:
                _click(qtbot, page.views["coverage"], ("class", c.contact_class, part))
            else:  # an empty segment is a sliver too thin to aim at
                page.open_list(("class", c.contact_class, part))
            visits = _opened(qtbot, win.current_page())
            assert visits.PAGE_ID == "visits" and visits.households.model().rowCount() == number, (c, part)
            assert f"共 {number} 户" in visits.detail_caption.text()
            shown = {visits.households.model().index(r, 4).data() for r in range(number)}
            assert shown <= {c.label}
    if SHOTS:
        win.grab().save(str(Path(SHOTS) / "dashboard-class-click-1366.png"))
    # Choosing a grid there leaves the class's list for the grid's.
    visits.grids.selectRow(0)
    _opened(qtbot, visits)
    assert visits.detail_caption.text().endswith("超期未走访的户") and visits.households.model().rowCount() == \
        visits.grid_rows[0].overdue
    win.close()
    ctx.close()


def test_a_grid_worker_sees_their_grid(office_path, qtbot):
    db = open_db(office_path)
    trail.set_actor(db, "测试员")
    grid_id = db.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY path LIMIT 1").fetchone()[0]
    user = users.get_user(db, users.create_user(db, "gw", "pass1234", "grid_worker", by=ADMIN, display_name="网格员甲",
                                                org_id=grid_id))
    db.close()
    ctx = AppContext(office_path, user=user)
    app_module.install_font(QApplication.instance())
    win = MainWindow(ctx, persist=False, first_page="dashboard")
    qtbot.addWidget(win)
    win.show()
    page = win.current_page()
    page.today, page.clock = (lambda: TODAY), (lambda: NOW)
    page._load_choices()
    page.month.setCurrentIndex(page.month.findData(MONTH))
    # The window's own first load, on the real day, may still be on its way: read the month again.
    page.reload()
    qtbot.waitUntil(lambda: not page.is_loading() and page.problems is not None, timeout=20000)
    assert page.scope.findData(None) == -1  # no "whole office" for a grid worker
    assert {g.grid_id for g in page.figures.grids} <= {grid_id}
    mine = D.dashboard(ctx.reader(), MONTH, today=TODAY, now=NOW, unit_id=grid_id,
                       scope=users.scope_of(ctx.reader(), user))
    assert page.figures.months == mine.months
    win.close()
    ctx.close()


def test_briefing_pdf_prints_the_numbers_masked(office_path, tmp_path):
    db = open_db(office_path)
    trail.set_actor(db, "测试员")
    head = anchors.head(db)
    out = tmp_path / "简报.pdf"
    job = briefing.export_briefing(db, out, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    try:
        while True:
            next(job)
    except StopIteration as stop:
        pages = stop.value
    d = D.dashboard(db, MONTH, today=TODAY, now=NOW, scope=ADMIN)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert pages >= 2 and text.count("\f") == pages
    assert f"{d.office}工作简报" in text and "2026年10月" in text
    for m in d.months:
        assert str(m.received) in text
    for s in d.staff[:10]:
        assert s.name not in text  # staff only masked
        assert mask_name(s.name) in text
    assert find_unmasked(text) == []
    entry = db.execute("SELECT id, action, new FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert entry[1] == "export" and "briefing" in entry[2]
    # Every page carries the head of the trail as it stood before the briefing's own entry.
    codes = [re.findall(r"操作记录锚定码：(\S+)", page) for page in text.split("\f")[:pages]]
    assert codes == [[head.code]] * pages and entry[0] == head.entry + 1
    assert [problem for *_, problem in trail.verify(db, [anchors.parse(head.code)]) if problem] == []
    if SHOTS:
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(out), str(Path(SHOTS) / "briefing")], check=True)
    db.close()


def test_export_briefing_command(office_path, tmp_path):
    from tests.conftest import give_accounts

    give_accounts(office_path)  # the command runs in its own process and logs in as GRIDOFFICE_USER
    out = tmp_path / "b.pdf"
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "main.py", "export", "briefing", "--db", str(office_path), "--month", MONTH,
                          "-q", "-o", str(out)], cwd=root, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert out.read_bytes().startswith(b"%PDF")
    bad = subprocess.run([sys.executable, "main.py", "export", "briefing", "--db", str(office_path), "--month",
                          "2026-13", "-q", "-o", str(tmp_path / "c.pdf")], cwd=root, capture_output=True, text=True)
    assert bad.returncode == 2 and "月份“2026-13”无效" in bad.stderr
    assert not (tmp_path / "c.pdf").exists()


def test_changing_month_and_scope_keeps_only_the_newest_answer(office_path, qtbot):
    ctx, win, page = _window(office_path, qtbot, User("书记", "leader"))
    grid_id = ctx.reader().execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY path LIMIT 1").fetchone()[0]
    page.month.setCurrentIndex(page.month.findData("2026-08"))
    page.scope.set_current_unit(grid_id)
    page.month.setCurrentIndex(page.month.findData("2026-09"))
    assert page.is_loading()  # the window is free while the figures are read
    qtbot.waitUntil(lambda: not page.is_loading() and page.problems is not None, timeout=20000)
    expected = D.dashboard(ctx.reader(), "2026-09", today=TODAY, now=NOW, unit_id=grid_id, scope=ADMIN)
    assert page.figures == expected
    assert page.views["pyramid"].chart is not None and page.views["problems"].chart is not None
    win.close()
    ctx.close()


def test_a_read_still_running_when_the_month_changes_is_interrupted(office_path, qtbot, monkeypatch):
    """A slow read (here one that never ends by itself) gives way at once to the month chosen after it,
    and the window answers meanwhile."""
    ctx, win, page = _window(office_path, qtbot, User("书记", "leader"))
    real = D.population
    stuck = []

    def population(db, day, **kwargs):
        if not stuck:  # the first read after the change hangs inside SQLite until it is interrupted
            stuck.append(day)
            db.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
        return real(db, day, **kwargs)

    monkeypatch.setattr(D, "population", population)
    page.month.setCurrentIndex(page.month.findData("2026-08"))
    qtbot.waitUntil(lambda: bool(stuck), timeout=20000)
    QApplication.processEvents()  # the window is not frozen by the read
    page.month.setCurrentIndex(page.month.findData("2026-07"))
    qtbot.waitUntil(lambda: not page.is_loading() and page.problems is not None, timeout=20000)
    assert page.figures == D.dashboard(ctx.reader(), "2026-07", today=TODAY, now=NOW, scope=ADMIN)
    win.close()
    ctx.close()


def test_leaving_the_page_while_it_reads_stops_its_reads_until_it_is_shown_again(office_path, qtbot):
    ctx, win, page = _window(office_path, qtbot, User("书记", "leader"))
    page.month.setCurrentIndex(page.month.findData("2026-08"))
    assert page.is_loading()
    win.show_page("archive")  # before the figures of 2026-08 arrived
    assert not page.is_loading()
    qtbot.wait(200)
    assert page.figures is None
    win.show_page("dashboard")
    qtbot.waitUntil(lambda: not page.is_loading() and page.problems is not None, timeout=20000)
    assert page.figures == D.dashboard(ctx.reader(), "2026-08", today=TODAY, now=NOW, scope=ADMIN)
    win.close()
    ctx.close()


def test_the_completeness_chart_is_kept_in_the_file_and_follows_a_change_at_once(office_path, qtbot, monkeypatch):
    """The check's whole-office result is kept in the office file after 首页 first reads it, so the next
    opening reads no rule; a change of the archive made in the window shows on the chart at once."""
    from gridoffice.archive import completeness, households
    from tests._domain import man

    ctx, win, page = _window(office_path, qtbot, User("书记", "leader"))
    qtbot.waitUntil(lambda: not ctx.busy, timeout=20000)  # the writer keeps the result
    assert ctx.reader().execute("SELECT 1 FROM settings WHERE key = ?", [completeness.KEPT_SETTING]).fetchone()
    before = {c.code: c.count for c in page.problems}
    assert before == {c.code: c.count for c in D.problem_counts(ctx.reader(), TODAY, scope=ADMIN)}
    win.close()
    ctx.close()

    rules_run = []
    real = completeness._every_rule
    monkeypatch.setattr(completeness, "_every_rule", lambda db, day: rules_run.append(day) or real(db, day))
    ctx, win, page = _window(office_path, qtbot, User("书记", "leader"))
    assert rules_run == [] and {c.code: c.count for c in page.problems} == before
    area = ctx.reader().execute("SELECT id FROM org_units WHERE level != 'grid' AND grid_id IS NULL "
                                "AND status = 'active' ORDER BY path DESC LIMIT 1").fetchone()[0]
    ctx.write(lambda db: households.create_household(db, org_id=area, head=man("赵六", serial=41), number="K-1"),
              description="新建户")
    qtbot.waitUntil(lambda: page.problems is not None and dict(
        (c.code, c.count) for c in page.problems)["outside_grid"] == before["outside_grid"] + 1, timeout=20000)
    assert rules_run == [TODAY.isoformat()]
    texts = [op[3] for op in page.views["problems"].chart.ops if op[0] == "text"]
    assert f"{before['outside_grid'] + 1}处" in texts
    win.close()
    ctx.close()


def test_after_a_clerks_edits_elsewhere_the_check_is_kept_in_the_background(office_path, qtbot, monkeypatch):
    """Records changed while 首页 is not shown: after a pause the check runs in the background and keeps
    its result, so the leader's next 首页 reads no rule and shows the change."""
    from gridoffice.archive import completeness, households
    from tests._domain import man

    ctx, win, page = _window(office_path, qtbot, User("书记", "leader"))
    qtbot.waitUntil(lambda: not ctx.busy, timeout=20000)
    before = {c.code: c.count for c in page.problems}
    win.show_page("archive")
    page._keep_timer.setInterval(50)
    area = ctx.reader().execute("SELECT id FROM org_units WHERE level != 'grid' AND grid_id IS NULL "
                                "AND status = 'active' ORDER BY path DESC LIMIT 1").fetchone()[0]
    ctx.write(lambda db: households.create_household(db, org_id=area, head=man("赵六", serial=41), number="K-1"),
              description="新建户")
    reader = ctx.reader()
    qtbot.waitUntil(lambda: not ctx.busy and completeness._read_kept(reader) is not None
                    and completeness._read_kept(reader).key == completeness.state_key(reader), timeout=20000)
    rules_run = []
    real = completeness._every_rule
    monkeypatch.setattr(completeness, "_every_rule", lambda db, day: rules_run.append(day) or real(db, day))
    win.show_page("dashboard")
    qtbot.waitUntil(lambda: not page.is_loading() and page.problems is not None, timeout=20000)
    assert rules_run == []
    assert {c.code: c.count for c in page.problems}["outside_grid"] == before["outside_grid"] + 1
    win.close()
    ctx.close()


def test_a_leader_passing_on_to_the_archive_reads_nothing_for_the_dashboard(office_path, qtbot, monkeypatch):
    """首页 reads once it has painted its frame: a start that goes on to 户籍档案 at once (a leader
    looking for a household) does not pay for its charts; shown again, it reads."""
    from ui.background import LatestWorker

    submitted = []
    submit = LatestWorker.submit
    monkeypatch.setattr(LatestWorker, "submit", lambda worker, *args: submitted.append(worker._thread.name)
                        or submit(worker, *args))
    win = MainWindow(AppContext(office_path, user=User("领导", "leader")), persist=False)
    qtbot.addWidget(win)
    dashboard = win.current_page()
    assert dashboard.PAGE_ID == "dashboard"
    win.show()
    win.show_page("archive")
    qtbot.waitUntil(lambda: win.is_settled(), timeout=20000)
    assert not [name for name in submitted if "dashboard" in name] and dashboard.figures is None
    win.show_page("dashboard")
    qtbot.waitUntil(lambda: not dashboard.is_loading() and dashboard.problems is not None, timeout=20000)
    assert len([name for name in submitted if "dashboard" in name]) == 3 and dashboard.figures is not None
    win.close()
