"""首页: the month at a glance for a leader, as charts with the number behind each.

The figures come from gridoffice.reports.dashboard in three background reads (matters, visits and
staff first; then beside each other the registers and the age pyramid, and the completeness
check), each drawn as it arrives, so changing the month or the scope never holds up the window. The charts are
exports/charts.py's drawing operations, the same the printed briefing draws. A click on a bar or a
segment opens the list behind it on its page. The completeness check's result is kept in the office
file (completeness.found / keep) and read again while the records are as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QScrollArea, QVBoxLayout, QWidget)

from exports import charts as X
from gridoffice import vocab
from gridoffice.archive import completeness
from gridoffice.changes import Changes
from gridoffice.org import regions
from gridoffice.reports import dashboard as D
from ui.background import LatestWorker
from ui.pages import Page
from ui.widgets.chart_view import ChartView, use_qt_metrics
from ui.widgets.unit_picker import UnitPicker, unit_paths

MONTHS_OFFERED = 24
WIDE_PX = 1700  # from this width the charts sit four to a row, below it three (the trend takes two)
GAP_PX = 8
# After the records changed while 首页 is not shown, and then this long without another change, the
# completeness check runs in the background and its result is kept for 首页's next opening.
KEEP_AFTER_MS = 60_000


class DashboardPage(Page):
    PAGE_ID = "dashboard"
    TITLE = "首页"
    CONCERNS = (Changes.MATTERS | Changes.VISITS | Changes.LOGS | Changes.HOUSEHOLDS | Changes.PERSONS
                | Changes.ORG | Changes.STAFF | Changes.SETTINGS)
    ORDER = 5
    SHORTCUT = "Ctrl+0"

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        use_qt_metrics()
        self.today = dt.date.today
        self.clock = dt.datetime.now
        self._reading_soon = False
        self.figures: D.Dashboard | None = None
        self.problems: tuple[D.Count, ...] | None = None
        self._workers = [LatestWorker(ctx, f"dashboard-{n}", self) for n in ("activity", "population", "problems")]
        # The slow reads are kept while the file is unchanged: going back to a month, or to another
        # month (the completeness check does not depend on it), costs nothing.
        self._memos = {"population": D.Memo(), "problems": D.Memo()}
        self._keep_timer = QTimer(self)
        self._keep_timer.setSingleShot(True)
        self._keep_timer.setInterval(KEEP_AFTER_MS)
        self._keep_timer.timeout.connect(self._keep_in_background)
        tr = self.tr
        self.month = QComboBox(self)
        self.month.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scope = UnitPicker(self, all_text=tr("全社区") if ctx.scope().whole_office else None)
        self.scope.setMinimumContentsLength(16)
        self.print_button = QPushButton(tr("打印简报(Ctrl+P)…"), self)
        self.caption = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("月份"), self))
        top.addWidget(self.month)
        top.addWidget(QLabel(tr("范围"), self))
        top.addWidget(self.scope)
        top.addWidget(self.caption, 1)
        top.addWidget(self.print_button)
        self.views: dict[str, ChartView] = {}
        for key, _w, _h in X.LAYOUT:
            view = ChartView(self)
            view.clicked.connect(self.open_list)
            self.views[key] = view
        self._grid_widget = QWidget(self)
        self._grid = QGridLayout(self._grid_widget)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(GAP_PX)
        self._columns = 0
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._grid_widget)
        self.scroll = scroll
        self._arrange()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self.month.currentIndexChanged.connect(lambda _i: self.reload())
        self.scope.unit_changed.connect(lambda _u: self.reload())
        self.print_button.clicked.connect(self.save_briefing)
        scoped = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload, context=scoped)
        QShortcut(QKeySequence("Ctrl+P"), self, self.save_briefing, context=scoped)

    # -- page contract -------------------------------------------------------------------------------
    def activated(self) -> None:
        # Read once the page has painted its frame, on the next turn of the event loop: a leader sees
        # the page at once, and a page passed on the way to another (at a start) reads nothing.
        if self._dirty and not self._reading_soon:
            self._reading_soon = True
            QTimer.singleShot(0, self, self._read_if_shown)

    def _read_if_shown(self) -> None:
        self._reading_soon = False
        if self._dirty and self.isVisible():
            self._load_choices()
            self.reload()

    def on_changed(self, changes: Changes, initiator: object = None) -> None:
        super().on_changed(changes, initiator)
        if not self.isVisible():
            # A clerk's edits, not shown here: the leader's next 首页 should not wait for the check.
            self._keep_timer.start()

    def is_loading(self) -> bool:
        return self._reading_soon or any(w.pending for w in self._workers)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        # Left for another page while reading (a leader's first page, passed on the way to the archive):
        # the reads are interrupted, so they do not hold up that page's, and are made again on return.
        if not event.spontaneous() and self.is_loading():
            for worker in self._workers:
                worker.discard()
            self._dirty = True

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    # -- layout ----------------------------------------------------------------------------------------
    def _arrange(self) -> None:
        """Place the charts in rows and give each the height its proportions ask at the column width."""
        columns = 4 if self.width() >= WIDE_PX else 3
        if columns != self._columns:
            self._columns = columns
            for view in self.views.values():
                self._grid.removeWidget(view)
            row, col = 0, 0
            for key, width, _h in X.LAYOUT:
                span = 2 if width > 100 else 1
                if col + span > columns:
                    row, col = row + 1, 0
                self._grid.addWidget(self.views[key], row, col, 1, span, Qt.AlignmentFlag.AlignTop)
                col += span
                if col >= columns:
                    row, col = row + 1, 0
            for c in range(4):
                self._grid.setColumnStretch(c, 1 if c < columns else 0)
        # From the page's own width (the scroll area's viewport is resized only after this event).
        room = self.width() - 12 - self.scroll.verticalScrollBar().sizeHint().width()
        column = (room - GAP_PX * (columns - 1)) / columns
        for key, width, height in X.LAYOUT:
            span = 2 if width > 100 else 1
            self.views[key].setFixedHeight(int((column * span + GAP_PX * (span - 1)) * height / width))

    # -- loading ---------------------------------------------------------------------------------------
    def _load_choices(self) -> None:
        first = self.today().replace(day=1)
        if self.month.count() == 0 or self.month.itemData(0) != first.isoformat()[:7]:
            self.month.blockSignals(True)
            self.month.clear()
            day = first
            for _ in range(MONTHS_OFFERED):
                self.month.addItem(self.tr("{y}年{m}月").format(y=day.year, m=day.month), day.isoformat()[:7])
                day = (day - dt.timedelta(days=1)).replace(day=1)
            self.month.blockSignals(False)
        units = regions.visible_units(self.ctx.reader(), self.ctx.scope())
        self.scope.blockSignals(True)
        self.scope.set_units(unit_paths(units, max_rank=vocab.LEVEL_RANK["grid"]))
        self.scope.blockSignals(False)

    def current_month(self) -> str:
        return self.month.currentData() or self.today().isoformat()[:7]

    def reload(self) -> None:
        """Re-read every figure for the chosen month and scope, in the background."""
        self._dirty = False
        month_text, unit = self.current_month(), self.scope.current_unit()
        today, now = self.today(), self.clock().replace(microsecond=0)
        scope = self.ctx.scope()
        self.caption.setText(self.tr("正在统计…"))
        self.figures, self.problems = None, None
        for view in self.views.values():
            view.set_chart(None, self.tr("正在统计…"))

        def read_activity(db):
            return D.activity(db, month_text, scope=scope, today=today, now=now, unit_id=unit)

        def read_population(db):
            day = D.judged_day(D.month(month_text), today)
            return self._memos["population"].get(db, (day, unit, scope), lambda: D.population(
                db, day, scope=scope, unit_id=unit))

        def read_problems(db):
            def compute():
                found = completeness.found(db, today)
                return D.problem_counts(db, today, scope=scope, unit_id=unit, found=found), found

            return self._memos["problems"].get(db, (today, unit, scope), compute)

        # The first charts alone first: on two cores the slower reads would only slow them down.
        self._later = (read_population, read_problems)
        self._workers[0].submit(read_activity, self._activity_loaded, self._failed)
        for worker in self._workers[1:]:
            worker.discard()

    def _failed(self, exc: BaseException) -> None:
        self.caption.setText(self.tr("统计失败：{e}").format(e=getattr(exc, "message", exc)))

    def _activity_loaded(self, d: D.Dashboard) -> None:
        self.figures = d
        read_population, read_problems = self._later
        self._workers[1].submit(read_population, self._population_loaded, self._failed)
        self._workers[2].submit(read_problems, self._problems_loaded, self._failed)
        m = d.this_month
        self.caption.setText(self.tr(
            "{scope}　{month}：受理事项 <b>{r}</b> 件，办结 <b>{c}</b> 件；未办结中超期 <b>{o}</b> 件；"
            "日记待点评 <b>{w}</b> 条").format(scope=d.scope, month=d.period.label, r=m.received, c=m.closed,
                                           o=d.deadlines[0].count, w=d.logs_waiting))
        for key in ("trend", "categories", "deadline", "satisfaction", "coverage", "grids", "staff"):
            self.views[key].set_chart(X.build(key, d))

    def _population_loaded(self, result) -> None:
        counts, pyramid = result
        self.figures = replace(self.figures, registers=tuple(counts), pyramid=tuple(pyramid))
        self._draw_population()

    def _draw_population(self) -> None:
        for key in ("registers", "pyramid"):
            self.views[key].set_chart(X.build(key, self.figures))

    def _problems_loaded(self, result: tuple[list[D.Count], completeness.Kept]) -> None:
        counts, found = result
        self._keep(found)  # for the next opening
        self.problems = tuple(counts)
        self.views["problems"].set_chart(X.build("problems", self.figures, problem_counts=self.problems))

    def _keep_in_background(self) -> None:
        """Bring the completeness result kept in the file up to date (nothing is read again if it holds)."""
        if self.isVisible():
            return  # shown: its own read keeps the result
        today = self.today()
        self._workers[2].submit(lambda db: completeness.found(db, today), self._keep)

    def _keep(self, found: completeness.Kept) -> None:
        if found.fresh:
            # The writer skips it if the file changed meanwhile; a file that cannot be written goes without.
            self.ctx.write(completeness.keep, found, description="", on_error=lambda _exc: None)

    # -- click-through ---------------------------------------------------------------------------------
    def open_list(self, key) -> None:
        """Show the list behind a bar or segment on its page."""
        kind, value = key[0], key[1]
        part = key[2] if len(key) > 2 else None  # a stacked segment: which series of its row
        window = self.window()
        unit = self.scope.current_unit()
        month_text = self.current_month()
        if kind == "staff":
            from ui.pages.workbench_page import WORKBENCH_RECORD

            self.ctx.navigate(WORKBENCH_RECORD, value)
            return
        target = {"month": "matters", "category": "matters", "deadline": "matters", "satisfaction": "matters",
                  "class": "visits", "grid": "visits", "register": "registers", "problem": "completeness",
                  "band": "archive"}.get(kind)
        if target is None or not window.show_page(target):
            return
        page = window.current_page()
        if kind == "month":
            page.show_list(state=None, unit=unit, text=value)
        elif kind == "category":
            page.show_list(state=None, unit=unit, text=month_text, category_id=value)
        elif kind == "satisfaction":
            page.show_list(state=None, unit=unit, text=month_text, satisfaction=value)
        elif kind == "deadline":
            page.show_list(state="open", unit=unit, urgency=value)
        elif kind == "class":
            # The row outside its bar: the overdue households, the part a leader acts on.
            page.show_class(value, overdue=part != 0, unit=unit, day=self.figures.day)
        elif kind == "grid":
            # The bar counts the households overdue on the month's day: the list is judged on it too.
            grid = next(g for g in self.figures.grids if g.grid_id == value)
            page.show_grid_on(value, grid.name, unit=unit, day=self.figures.day)
        elif kind == "register":
            page.show_group(value, unit)
        elif kind == "problem":
            page.select_kind(value)
        elif kind == "band":
            band = self.figures.pyramid[value]
            page.show_ages(band.min_age, band.max_age, unit)

    def open_list_keys(self) -> list:
        """Every click target the charts shown now offer (tests walk them)."""
        keys = []
        for view in self.views.values():
            if view.chart is not None:
                keys += [op[5] for op in view.chart.ops if op[0] == "hit"]
        return keys

    # -- the briefing ----------------------------------------------------------------------------------
    def save_briefing(self) -> None:
        month_text = self.current_month()
        default = str(Path.home() / self.tr("工作简报-{m}.pdf").format(m=month_text))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存工作简报"), default, self.tr("PDF 文件 (*.pdf)"))
        if not path:
            return
        from exports.briefing import export_briefing  # reportlab only when printing

        unit, scope = self.scope.current_unit(), self.ctx.scope()
        today, now = self.today(), self.clock().replace(microsecond=0)
        self.ctx.run_job(lambda db: export_briefing(db, path, month_text, scope=scope, today=today, now=now,
                                                    unit_id=unit),
                         self.tr("正在生成工作简报"), writes=True, parent=self, on_done=lambda _r: self.ctx.show_status(
                             self.tr("已保存工作简报：{p}").format(p=path)),
                         on_error=lambda exc: QMessageBox.warning(self, self.tr("简报没有保存"),
                                                                  getattr(exc, "message", str(exc))))
