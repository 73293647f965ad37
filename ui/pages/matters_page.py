"""民情事项: the matters page. Lists by state, grid and assignee with overdue and due-soon first,
search by number or words, one matter's page with its whole history as a timeline, the steps it
can legally take as buttons, its dossier, and the weekly analysis meeting with its decisions; the
teams' monthly review and the message board and carbon-copy slip registers are tabs of their own.

The ordered id list is read in the background (only the newest request counts); the table
fetches the visible rows a window at a time. Due soon / overdue come from matters.timeliness().
"""

from __future__ import annotations

import datetime as dt
from array import array
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QTableView, QTabWidget, QVBoxLayout, QWidget)

from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice import vocab
from gridoffice.activity import logs
from gridoffice.matters import settings
from gridoffice.org import regions
from gridoffice.changes import Changes
from gridoffice.errors import GridOfficeError, NotFound, ValidationError
from gridoffice.masking import mask_text
from gridoffice.reports.dashboard import DEADLINES
from ui.background import LatestWorker
from ui.dialogs.matters import IntakeDialog, SettingsDialog, StepDialog
from ui.models import ID_ROLE, Column, IdTableModel
from ui.pages import Page
from ui.board_slip_view import BoardSlipView
from ui.matter_views import COLOURS, MatterView, MeetingView
from ui.team_review_view import TeamReviewView
from ui.widgets.unit_picker import UnitPicker, unit_paths
from ui.widgets.tables import ColumnFitter, style_records
from ui.widgets import panes

_SEARCH_DELAY_MS = 250
# Closed matters listed at most (newest first); searching and filtering reach the older ones.
CLOSED_LIMIT = 5000


class MatterModel(IdTableModel):
    """The list; the first column shows the time limit, coloured when overdue or due soon.

    A block of rows is turned into display texts once when it is fetched, so painting (which asks
    for every role of every cell) costs a dictionary look-up per cell."""

    def __init__(self, page: "MattersPage"):
        self.page = page
        tr = page.tr
        super().__init__([
            Column("", tr("时限"), lambda m, t: t.short, width=170),
            Column("", tr("编号"), lambda m, t: m.number, width=100),
            Column("", tr("受理时间"), lambda m, t: m.received_at[:16], width=120),
            Column("", tr("状态"), lambda m, t: tr(M.STATES[m.state]), width=70),
            Column("", tr("等级"), lambda m, t: tr(M.GRADES[m.grade]), width=64),
            Column("", tr("类别"), lambda m, t: m.category, width=90),
            Column("", tr("诉求事项"), lambda m, t: mask_text(m.title), width=200),
            Column("", tr("居民"), lambda m, t: m.resident_name, width=70),
            Column("", tr("网格"), lambda m, t: m.grid, width=90),
            Column("", tr("承办"), lambda m, t: m.assignee, width=110),
        ], lambda db, ids: self._rows(db, ids), page.ctx.reader, page)
        self._brushes = {kind: QBrush(QColor(colour)) for kind, colour in COLOURS.items()}

    def _rows(self, db, ids) -> dict:
        rows = {}
        for m in Q.matters_by_ids(db, list(ids), scope=self.page.ctx.scope()):
            t = M.timeliness(m, self.page.now)
            rows[m.id] = (tuple(c.text(m, t) for c in self.columns), self._brushes.get(t.kind))
        return rows

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            row = self.record(index.row())
            return row[0][index.column()] if row else ""
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == 0:
            row = self.record(index.row())
            return row[1] if row else None
        if role == ID_ROLE:
            return self.id_at(index.row())
        return None


class MattersPage(Page):
    PAGE_ID = "matters"
    TITLE = "民情事项"
    CONCERNS = (Changes.MATTERS | Changes.ORG | Changes.STAFF | Changes.HOUSEHOLDS | Changes.PERSONS
                | Changes.TEAMS | Changes.NEEDS)
    ORDER = 50

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        # Where "now" comes from: due soon and overdue are judged against it (tests fix it).
        self.clock = dt.datetime.now
        self.now = self.clock().replace(microsecond=0)
        self._units_dirty = True
        self.org_scope: set[int] | None = ctx.org_scope()  # the user's units; None: every matter
        self._pending_select: int | None = None
        # The dashboard's narrowing, set by show_list(); any change of the filters clears it.
        self.category_id: int | None = None
        self.satisfaction: str | None = None
        self.urgency: str | None = None
        self._ids_worker = LatestWorker(ctx, "matter-ids", self)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("编号或内容、居民姓名（Ctrl+F）"))
        self.search.setClearButtonEnabled(True)
        self.state = QComboBox(self)
        self.state.addItem(self.tr("未办结"), "open")
        self.state.addItem(self.tr("全部状态"), None)
        self.state.addItem(self.tr("已办结"), "closed")
        for code, label in M.STATES.items():
            self.state.addItem(self.tr(label), code)
        self.scope = UnitPicker(self, all_text=self.tr("全部网格"))
        self.scope.setMinimumContentsLength(14)
        self.assignee = QComboBox(self)
        self.grade = QComboBox(self)
        self.grade.addItem(self.tr("全部等级"), None)
        for code, label in M.GRADES.items():
            self.grade.addItem(self.tr(label), code)
        self.new_button = QPushButton(self.tr("登记事项(Ctrl+N)"), self)
        self.settings_button = QPushButton(self.tr("类别与时限…"), self)
        top = QHBoxLayout()
        for widget in (self.search, self.state, self.scope, self.assignee, self.grade, self.new_button,
                       self.settings_button):
            top.addWidget(widget)
        top.setStretch(0, 1)
        self.counts = QLabel(self)
        self.counts.setTextFormat(Qt.TextFormat.RichText)

        self.model = MatterModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        style_records(self.table)
        ColumnFitter(self.table, 6)  # the matter's text takes what the others leave
        self.view = MatterView(self)
        list_side = panes.column(self, self.counts, (self.table, 1))
        splitter = panes.side_by_side(self, list_side, self.view, sizes=[900, 400], stretch=(3, 2))
        list_tab = panes.column(self, top, (splitter, 1), margins=(0, 4, 0, 0))
        self.meeting = MeetingView(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(list_tab, self.tr("事项列表"))
        self.tabs.addTab(self.meeting, self.tr("每周民情分析会"))
        self.reviews = TeamReviewView(self)
        self.tabs.addTab(self.reviews, self.tr("团队月度点评"))
        self.board = BoardSlipView(self)
        self.tabs.addTab(self.board, self.tr("留言板与抄送单"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(_SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        # Connected before the reloads, so a clerk's own change of a filter drops the dashboard's narrowing first.
        for signal in (self.search.textChanged, self.state.currentIndexChanged, self.assignee.currentIndexChanged,
                       self.grade.currentIndexChanged, self.scope.unit_changed):
            signal.connect(self._drop_narrowing)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.reload)
        for box in (self.state, self.assignee, self.grade):
            box.currentIndexChanged.connect(lambda _i: self.reload())
        self.scope.unit_changed.connect(lambda _u: self.reload())
        self.new_button.clicked.connect(lambda: self.open_intake())
        self.settings_button.clicked.connect(lambda: SettingsDialog(self.ctx, self).exec())
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self._row_chosen(current.row()))
        self.tabs.currentChanged.connect(self._tab_shown)
        # Ctrl+F belongs to the main window (it calls focus_search). Ctrl+N and F5 only while the focus
        # is on this page, so another page's own Ctrl+N never competes with them.
        scoped = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+N"), self, lambda: self.open_intake(), context=scoped)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload, context=scoped)
        self.setTabOrder(self.search, self.state)
        self.setTabOrder(self.state, self.scope)
        self.setTabOrder(self.scope, self.assignee)
        self.setTabOrder(self.assignee, self.grade)
        self.setTabOrder(self.grade, self.table)

    # -- page contract -------------------------------------------------------------------------------
    def activated(self) -> None:
        if self._dirty:
            self._load_choices()
            self.reload()

    def mark_stale(self, changes: Changes) -> None:
        self._units_dirty = self._units_dirty or bool(changes & Changes.ORG)
        self._dirty = True

    def is_loading(self) -> bool:
        return self._ids_worker.pending

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def open_record(self, table: str, row_id: int) -> bool:
        if table != "matters":
            return False
        self.show_matter(row_id)
        return True

    # -- loading -----------------------------------------------------------------------------------
    def _load_choices(self) -> None:
        db = self.ctx.reader()
        # A grid worker sees the matters of their grid (by grid or household) only, everywhere on this page.
        self.org_scope = self.ctx.org_scope()
        if self._units_dirty:
            # Grids and what lies above them: matters are filed by grid, not by building.
            units = regions.all_units(db)
            if self.org_scope is not None:
                units = [u for u in units if u.id in self.org_scope]
            self.scope.set_units(unit_paths(units, max_rank=vocab.LEVEL_RANK["grid"]))
            self._units_dirty = False
        current = self.assignee.currentData()
        self.assignee.blockSignals(True)
        self.assignee.clear()
        self.assignee.addItem(self.tr("全部承办人"), None)
        self.assignee.setToolTip(self.tr("列出有未办结事项的承办人"))
        for staff_id, name in Q.assignees(db, scope=self.ctx.scope()):
            self.assignee.addItem(name, staff_id)
        self.assignee.setCurrentIndex(max(0, self.assignee.findData(current)))
        self.assignee.blockSignals(False)

    def current_filter(self) -> M.MatterFilter:
        return M.MatterFilter(state=self.state.currentData(), grid_id=self.scope.current_unit(),
                              assignee_staff_id=self.assignee.currentData(), grade=self.grade.currentData(),
                              category_id=self.category_id, text=self.search.text(),
                              satisfaction=self.satisfaction, urgency=self.urgency)

    def _drop_narrowing(self, *_args) -> None:
        self.category_id = self.satisfaction = self.urgency = None

    def show_list(self, *, state: str | None = None, unit: int | None = None, text: str = "",
                  category_id: int | None = None, satisfaction: str | None = None,
                  urgency: str | None = None) -> None:
        """Show the list a dashboard chart points at: a state ('open'; None for all), a unit, the start of
        a number (a month: '2026-10'), a category, an evaluation and a deadline state of open matters;
        the other filters are cleared."""
        self.tabs.setCurrentIndex(0)
        widgets = (self.state, self.assignee, self.grade, self.search, self.scope)
        for widget in widgets:
            widget.blockSignals(True)
        self.state.setCurrentIndex(1 if state is None else max(0, self.state.findData(state)))
        self.assignee.setCurrentIndex(0)
        self.grade.setCurrentIndex(0)
        self.search.setText(text)
        self.scope.set_current_unit(unit)
        for widget in widgets:
            widget.blockSignals(False)
        self.category_id, self.satisfaction, self.urgency = category_id, satisfaction, urgency
        self.reload()

    def reload(self) -> None:
        """Re-read the list for the current filter, in the background."""
        self._dirty = False
        self._search_timer.stop()
        self.now = self.clock().replace(microsecond=0)
        flt, now, scope = self.current_filter(), self.now, self.ctx.scope()
        self.counts.setText(self.tr("正在读取…"))
        self._ids_worker.submit(lambda db: Q.matter_list(db, flt, scope=scope, now=now, closed_limit=CLOSED_LIMIT),
                                self._show_ids)
        self._tab_shown(self.tabs.currentIndex())

    def _tab_shown(self, index: int) -> None:
        if index == 1:
            self.meeting.reload()
        elif index == 2:
            self.reviews.reload()
        elif index == 3:
            self.board.reload()

    def _show_ids(self, result: Q.MatterList) -> None:
        ids, counts = result.ids, result.counts
        selected = self._pending_select or (self.view.matter.id if self.view.matter else None)
        self._pending_select = None
        self.model.set_ids(array("q", ids))
        self.counts.setText(self.tr(
            "共 {n} 件　<span style='color:#b00020'>超期 {o}</span>　<span style='color:#8a6d00'>即将到期 {s}</span>"
            "　期限内 {i}　已办结 {c}").format(n=sum(counts.values()), o=counts["overdue"], s=counts["due_soon"],
                                            i=counts["in_time"], c=counts["closed"])
            + self._narrowing_note()
            + (self.tr("　（已办结的只列出最近{k}件，查找更早的请用搜索或筛选）").format(k=CLOSED_LIMIT)
               if result.truncated else ""))
        row = self.model.row_of(selected) if selected is not None else -1
        if row >= 0:
            self.table.selectRow(row)
            self._row_chosen(row)
        elif selected is not None and self.view.matter is not None:
            self._refresh_view(selected)

    def _narrowing_note(self) -> str:
        """What the dashboard's narrowing leaves in the list, in words ('' without one)."""
        parts = []
        if self.category_id is not None:
            parts.append(self.tr("类别“{c}”").format(c=self._category_name()))
        if self.satisfaction is not None:
            parts.append(self.tr("居民评价“{s}”").format(s=self.tr(M.SATISFACTION.get(self.satisfaction, ""))))
        if self.urgency is not None:
            parts.append(self.tr("期限“{u}”").format(u=self.tr(DEADLINES.get(self.urgency, ""))))
        if not parts:
            return ""
        return self.tr("　（只列出{what}的事项，更改筛选即取消）").format(what=self.tr("、").join(parts))

    def _category_name(self) -> str:
        try:
            return settings.get_category(self.ctx.reader(), self.category_id).name
        except ValidationError:  # no such category (the chart was drawn from an older file)
            return ""

    def _row_chosen(self, row: int) -> None:
        matter_id = self.model.id_at(row)
        if matter_id is not None:
            self._refresh_view(matter_id)

    def _refresh_view(self, matter_id: int) -> None:
        db, scope = self.ctx.reader(), self.ctx.scope()
        try:
            matter = Q.get_matter(db, matter_id, scope=scope)
        except NotFound:  # an intake taken back (Ctrl+Z) while it was shown
            self.view.show_matter(None, [])
            return
        self.view.show_matter(matter, Q.events(db, matter_id, scope=scope),
                              logs.need_of_matter(db, matter_id, scope=scope))

    # -- actions -------------------------------------------------------------------------------------
    def show_matter(self, matter_id: int) -> None:
        """Show one matter, widening the filter to everything when it is not in the current list."""
        if not Q.in_scope(self.ctx.reader(), matter_id, self.ctx.scope()):
            self.ctx.show_status(self.tr("这件事项不在您负责的网格内，不能查看"))
            return
        self.tabs.setCurrentIndex(0)
        row = self.model.row_of(matter_id)
        if row >= 0:
            self.table.selectRow(row)
            self._row_chosen(row)
            return
        self._pending_select = matter_id
        self._refresh_view(matter_id)
        for widget, index in ((self.state, 1), (self.assignee, 0), (self.grade, 0)):
            widget.blockSignals(True)
            widget.setCurrentIndex(index)
            widget.blockSignals(False)
        self.scope.set_current_unit(None)
        self.search.blockSignals(True)
        self.search.setText(Q.get_matter(self.ctx.reader(), matter_id, scope=self.ctx.scope()).number)
        self.search.blockSignals(False)
        self.reload()

    def open_intake(self, *, household_id: int | None = None, person_id: int | None = None) -> None:
        dialog = IntakeDialog(self.ctx, household_id=household_id, person_id=person_id, now=self.clock(),
                              parent=self)
        if dialog.exec():
            self.select_after_reload(dialog.result_value)

    def select_after_reload(self, matter_id: int) -> None:
        """Re-read the list and select this matter (e.g. the one just registered)."""
        self._pending_select = matter_id
        self.reload()

    def open_step(self, action: str) -> None:
        if self.view.matter is None:
            return
        dialog = StepDialog(self.ctx, self.view.matter, action, now=self.clock(), parent=self)
        dialog.exec()

    def export_dossier(self) -> None:
        m = self.view.matter
        if m is None:
            return
        default = str(Path.home() / self.tr("事项档案-{n}.pdf").format(n=m.number))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存事项档案"), default, self.tr("PDF 文件 (*.pdf)"))
        if not path:
            return
        from exports.matter_dossier import write_dossier  # reportlab: see print_agenda

        db = self.ctx.reader()
        try:
            write_dossier(path, Q.dossier(db, m.id, scope=self.ctx.scope()), office_name=regions.office(db).name)
        except GridOfficeError as exc:
            QMessageBox.warning(self, self.tr("档案没有保存"), exc.message)
            return
        except OSError as exc:
            QMessageBox.warning(self, self.tr("档案没有保存"), self.tr("无法写入{p}：{e}").format(p=path, e=exc))
            return
        self.ctx.show_status(self.tr("已保存事项{n}的档案：{p}").format(n=m.number, p=path))
