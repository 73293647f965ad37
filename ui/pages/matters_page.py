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
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDateEdit, QFileDialog, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QMessageBox, QPlainTextEdit, QPushButton, QSplitter, QTableView, QTableWidget, QTableWidgetItem, QTabWidget,
    QTextBrowser, QVBoxLayout, QWidget,
)

from gridoffice import matters as M
from gridoffice import matters_query as Q
from gridoffice import logs, matter_settings, regions, vocab
from gridoffice.changes import Changes, of_module
from gridoffice.errors import GridOfficeError, NotFound, ValidationError
from gridoffice.masking import mask_phone, mask_text
from gridoffice.stats_dashboard import DEADLINES
from ui.background import LatestWorker
from ui.dialogs.matters import IntakeDialog, SettingsDialog, StepDialog
from ui.models import ID_ROLE, Column, IdTableModel
from ui.pages import Page
from ui.board_slip_view import BoardSlipView
from ui.team_review_view import TeamReviewView
from ui.widgets.unit_picker import UnitPicker, unit_paths
from ui.widgets.tables import ColumnFitter, style_records

# Background colours of the time-limit column, by timeliness kind.
_COLOURS = {"overdue": "#f8d7da", "due_soon": "#fff3cd", "closed_late": "#f1e4f3"}
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
        self._brushes = {kind: QBrush(QColor(colour)) for kind, colour in _COLOURS.items()}

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


class MatterView(QWidget):
    """One matter: its facts, the legal steps as buttons, its timeline, the dossier button."""

    def __init__(self, page: "MattersPage"):
        super().__init__(page)
        self.page = page
        self.matter: M.Matter | None = None
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.facts = QLabel(self)
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[str, QPushButton] = {}
        self.button_grid = QGridLayout()
        self.button_grid.setSpacing(4)
        for action in M.RULES:
            if action == "meeting":
                continue
            button = QPushButton(self.tr(M.ACTIONS[action]), self)
            button.clicked.connect(lambda _c=False, a=action: page.open_step(a))
            self.buttons[action] = button
        self.dossier_button = QPushButton(self.tr("导出档案PDF…"), self)
        self.dossier_button.setShortcut(QKeySequence("Ctrl+P"))
        self.dossier_button.clicked.connect(page.export_dossier)
        self.timeline = QTextBrowser(self)
        self.timeline.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)
        layout.addLayout(self.button_grid)
        layout.addWidget(QLabel(self.tr("办理过程"), self))
        layout.addWidget(self.timeline, 1)
        layout.addWidget(self.dossier_button)
        self.show_matter(None, [])

    def show_matter(self, m: M.Matter | None, events: list[M.Event], need: logs.Need | None = None) -> None:
        self.matter = m
        # Only the steps the state machine allows are offered, packed four to a row.
        legal = [a for a in M.legal_actions(m.state) if a in self.buttons] if m else []
        for action, button in self.buttons.items():
            self.button_grid.removeWidget(button)
            button.setVisible(action in legal)
        for n, action in enumerate(legal):
            self.button_grid.addWidget(self.buttons[action], n // 4, n % 4)
        self.dossier_button.setEnabled(m is not None)
        if m is None:
            self.heading.setText(self.tr("<p>在左侧选择一个事项，查看它的全部办理过程。</p>"))
            self.facts.clear()
            self.timeline.clear()
            return
        t = M.timeliness(m, self.page.now)
        colour = {"overdue": "#b00020", "due_soon": "#8a6d00", "closed_late": "#7b1fa2"}.get(t.kind, "#2e7d32")
        self.heading.setText(
            f"<h3 style='margin:0'>{escape(m.number)}　{escape(mask_text(m.title))}</h3>"
            f"<p style='margin:2px 0'><b>{escape(self.tr(M.STATES[m.state]))}</b>　"
            f"<span style='color:{colour}'>{escape(t.label)}</span></p>")
        rows = [
            (self.tr("居民"), "　".join(x for x in (m.resident_name or self.tr("（未留姓名）"), mask_phone(m.resident_phone),
                                                  m.household_number and self.tr("户号 ") + m.household_number) if x)),
            (self.tr("渠道/类别"), f"{self.tr(M.SOURCES[m.source])} · {m.category} · {self.tr(M.GRADES[m.grade])}"),
            (self.tr("网格"), m.grid or self.tr("未指定")),
            (self.tr("受理"), f"{m.taker_name} {m.received_at[:16]}"),
            (self.tr("承办"), m.assignee or self.tr("尚未交办")),
            (self.tr("时限"), self.tr("答复 {a}，办结 {b}").format(a=m.respond_due[:16], b=m.resolve_due[:16])),
        ]
        if need:
            # The other direction of the need-to-matter link: where the matter came from.
            rows.append((self.tr("来源需求"), self.tr("{day} {staff}走访户号{number}（{head}）时记录：{content}").format(
                day=need.raised_on, staff=need.staff_name, number=need.household_number, head=need.head_name,
                content=mask_text(need.content))))
        if m.promise:
            rows.append((self.tr("承诺"), f"{m.promise}（{m.promise_date}）"))
        if m.satisfaction:
            rows.append((self.tr("评价"), self.tr(M.SATISFACTION[m.satisfaction])))
        if m.content:
            rows.append((self.tr("内容"), mask_text(m.content)))
        self.facts.setText("<table cellspacing=2>" + "".join(
            f"<tr><td style='color:#555'>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows) + "</table>")
        items = []
        for e in reversed(events):
            change = f" → {escape(self.tr(M.STATES[e.to_state]))}" if e.to_state and e.to_state != e.from_state else ""
            note = escape(mask_text(e.note)).replace("\n", "<br>") if e.note else ""
            if e.action == "evaluate" and e.data.get("satisfaction"):
                note = escape(self.tr(M.SATISFACTION[e.data["satisfaction"]])) + (f"　{note}" if note else "")
            items.append(f"<p style='margin:0 0 6px 0'><span style='color:#555'>{escape(e.at[:16])}</span>　"
                         f"<b>{escape(self.tr(M.ACTIONS.get(e.action, e.action)))}</b>{change}　"
                         f"<span style='color:#555'>{escape(e.actor)}</span>{'<br>' + note if note else ''}</p>")
        self.timeline.setHtml("".join(items))


class MeetingView(QWidget):
    """每周民情分析会: the week's difficult and overdue matters, the decision on each, the printout."""

    def __init__(self, page: "MattersPage"):
        super().__init__(page)
        self.page = page
        self.items: list[M.MeetingItem] = []
        self.week = QDateEdit(QDate.currentDate(), self)
        self.week.setCalendarPopup(True)
        self.week.setDisplayFormat("yyyy-MM-dd")
        self.caption = QLabel(self)
        self.print_button = QPushButton(self.tr("打印清单PDF…"), self)
        top = QHBoxLayout()
        week_label = QLabel(self.tr("分析会所在周(&W)："), self)
        week_label.setBuddy(self.week)
        top.addWidget(week_label)
        top.addWidget(self.week)
        top.addWidget(self.caption, 1)
        top.addWidget(self.print_button)
        self.table = QTableWidget(0, 7, self)
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in (
            "编号", "诉求事项", "等级", "状态", "时限", "列入原因", "分析会决定")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((100, 240, 70, 70, 180, 90)):
            self.table.setColumnWidth(column, width)
        self.decision = QPlainTextEdit(self)
        self.decision.setPlaceholderText(self.tr("分析会对所选事项的决定，例如“由城建办牵头，周五前现场处理”"))
        self.decision.setFixedHeight(70)
        self.decision.setTabChangesFocus(True)
        self.save_button = QPushButton(self.tr("记录决定"), self)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020;")
        bottom = QHBoxLayout()
        bottom.addWidget(self.decision, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.error)
        self.week.dateChanged.connect(lambda _d: self.reload())
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(lambda index: page.show_matter(self.items[index.row()].matter.id))
        self.save_button.clicked.connect(self.save_decision)
        self.print_button.clicked.connect(self.print_agenda)

    def monday(self) -> dt.date:
        return M.week_start(self.week.date().toPython())

    def reload(self) -> None:
        current = self.current()
        self.items = Q.meeting_list(self.page.ctx.reader(), self.monday(), scope=self.page.ctx.scope(),
                                    now=self.page.now)
        self.table.setRowCount(len(self.items))
        reasons = {"difficult": self.tr("疑难"), "overdue": self.tr("超期")}
        for row, item in enumerate(self.items):
            m = item.matter
            t = M.timeliness(m, self.page.now)
            cells = (m.number, mask_text(m.title), self.tr(M.GRADES[m.grade]), self.tr(M.STATES[m.state]), t.short,
                     "、".join(reasons[r] for r in item.reasons), item.decision)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if t.kind in _COLOURS:
                self.table.item(row, 4).setBackground(QBrush(QColor(_COLOURS[t.kind])))
        sunday = self.monday() + dt.timedelta(days=6)
        self.caption.setText(self.tr("{a} 至 {b}：疑难 {d} 件，超期 {o} 件").format(
            a=self.monday().isoformat(), b=sunday.isoformat(), d=sum("difficult" in i.reasons for i in self.items),
            o=sum("overdue" in i.reasons for i in self.items)))
        ids = [i.matter.id for i in self.items]
        if current in ids:
            self.table.selectRow(ids.index(current))
        self._selected()

    def current(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()].matter.id if rows and rows[0].row() < len(self.items) else None

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        item = self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None
        self.decision.setPlainText(item.decision if item else "")
        self.decision.setEnabled(item is not None)
        self.save_button.setEnabled(item is not None)
        self.error.clear()

    def save_decision(self) -> None:
        matter_id, week, text = self.current(), self.monday(), self.decision.toPlainText()
        if matter_id is None:
            return
        self.save_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.error.setText(exc.message if isinstance(exc, GridOfficeError) else str(exc))

        self.page.ctx.write(lambda db: M.record_decision(db, matter_id, week, text),
                            description=self.tr("记录分析会决定"), changes=of_module(M), on_error=failed)

    def print_agenda(self) -> None:
        default = str(Path.home() / self.tr("民情分析会清单-{d}.pdf").format(d=self.monday().isoformat()))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存分析会清单"), default, self.tr("PDF 文件 (*.pdf)"))
        if not path:
            return
        # reportlab costs about a second to import: only when a clerk prints, not when the window starts.
        from exports.meeting_agenda import write_agenda

        office = regions.office(self.page.ctx.reader()).name
        write_agenda(path, self.monday(), self.items, [M.timeliness(i.matter, self.page.now) for i in self.items],
                     office_name=office)
        self.page.ctx.show_status(self.tr("已保存分析会清单：{p}").format(p=path))


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
        self._dirty = True
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
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        list_side = QWidget(self)
        list_layout = QVBoxLayout(list_side)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.counts)
        list_layout.addWidget(self.table, 1)
        splitter.addWidget(list_side)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([900, 400])
        splitter.setChildrenCollapsible(False)
        list_tab = QWidget(self)
        list_tab_layout = QVBoxLayout(list_tab)
        list_tab_layout.setContentsMargins(0, 4, 0, 0)
        list_tab_layout.addLayout(top)
        list_tab_layout.addWidget(splitter, 1)
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
            return matter_settings.get_category(self.ctx.reader(), self.category_id).name
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
