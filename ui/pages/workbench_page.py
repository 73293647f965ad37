"""联户手册: one staff member's workbench. Their contact households with the next due visit (overdue
first, coloured), their recent visits, their daily log with the leaders' comments, the needs they
found and the matters they hold; buttons to record a visit, write a log entry, comment (leaders),
close a need or take it in as a matter, and enter a paper week fast.

Everything of one staff member is read in one background request (only the newest counts); the due
dates come from gridoffice.activity.visits, the one place the visit rules live. Phones are shown masked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QCompleter, QHBoxLayout, QLabel, QMessageBox, QPushButton,
    QTabWidget, QVBoxLayout, QWidget,
)

from gridoffice.changes import Changes
from gridoffice.access import staff_accounts
from gridoffice.activity import logs, must_visits, visits
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.masking import mask_phone, mask_text
from gridoffice.access.scope import Scope
from gridoffice.vocab import CONTACT_CLASS_SHORT
from ui.background import LatestWorker
from ui.dialogs.fast_entry import FastEntryDialog
from ui.pages import Page
from ui.dialogs.visits import CommentDialog, LogEntryDialog, NeedMatterDialog, SolveNeedDialog, VisitDialog
from ui.widgets.tables import fill, make_table, selected_row
from ui.widgets import panes

DUE_COLOURS = {"overdue": "#f8d7da", "due_soon": "#fff3cd"}
LEADER_ROLES = frozenset({"leader", "admin"})
WORKBENCH_RECORD = "staff_workbench"  # ctx.navigate(WORKBENCH_RECORD, staff_id) opens a staff member's workbench


@dataclass(frozen=True)
class Workbench:
    staff_id: int
    dues: list[visits.Due]
    visits: list[visits.Visit]
    entries: list[logs.LogEntry]
    needs: list[logs.Need]
    matters: list[M.Matter]
    visited_30: int
    must_visits: list[must_visits.MustVisit]


@dataclass(frozen=True)
class Waiting:
    """A leader's 待点评: entries of all staff in scope without a comment, and how many in all."""
    entries: list[logs.LogEntry]
    total: int


def load_workbench(db, staff_id: int, today: dt.date, now: dt.datetime, scope: Scope) -> Workbench:
    """A staff member's workbench: only what lies in the user's scope."""
    held = Q.matter_list(db, M.MatterFilter(assignee_staff_id=staff_id, state="open"), scope=scope, now=now,
                         closed_limit=0)
    since = (today - dt.timedelta(days=30)).isoformat()
    return Workbench(staff_id, visits.contacts_due(db, staff_id, scope=scope, today=today),
                     visits.visits_of_staff(db, staff_id, scope=scope, limit=50),
                     logs.entries_of(db, staff_id, scope=scope, limit=100),
                     logs.needs_list(db, scope=scope, staff_id=staff_id, status="open"),
                     Q.matters_by_ids(db, held.ids[:200], scope=scope),
                     visits.count_visits(db, staff_id, since, today.isoformat(), scope=scope),
                     must_visits.pending(db, scope=scope, today=today, staff_id=staff_id))


class WorkbenchPage(Page):
    PAGE_ID = "workbench"
    TITLE = "联户手册"
    CONCERNS = (Changes.VISITS | Changes.LOGS | Changes.NEEDS | Changes.MATTERS | Changes.STAFF
                | Changes.HOUSEHOLDS | Changes.ORG)
    ORDER = 60

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.today = dt.date.today
        self.data: Workbench | None = None
        self._dues_order: list[visits.Due] = []  # the contacts as listed (overdue first)
        self._choices_dirty = True
        self._wanted: int | None = None
        # The staff member this account is (用户管理 links them): the page opens on their record, and
        # a visit or log typed under someone else's name is asked about. None: not linked, or no log-in.
        self.own_staff: int | None = None
        self._account_id = getattr(ctx.user, "id", None)
        self._worker = LatestWorker(ctx, "workbench", self)
        self._brushes = {k: QBrush(QColor(v)) for k, v in DUE_COLOURS.items()}

        self._choice_ids: list[int] = []
        self._choice_names: list[str] = []
        self._choice_model = QStringListModel(self)
        self.staff = QComboBox(self)
        self.staff.setModel(self._choice_model)
        self.staff.setEditable(True)
        self.staff.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.staff.setMinimumContentsLength(18)
        self.staff.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.staff.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        staff_label = QLabel(self.tr("工作人员(&S)："), self)
        staff_label.setBuddy(self.staff)
        self.visit_button = QPushButton(self.tr("登记走访(Ctrl+N)"), self)
        self.log_button = QPushButton(self.tr("写日志(Ctrl+L)"), self)
        self.comment_button = QPushButton(self.tr("点评"), self)
        self.week_button = QPushButton(self.tr("快速录入一周(Ctrl+E)"), self)
        top = QHBoxLayout()
        top.addWidget(staff_label)
        top.addWidget(self.staff, 1)
        for button in (self.visit_button, self.log_button, self.comment_button, self.week_button):
            top.addWidget(button)
        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.RichText)

        tr = self.tr
        self.contacts = make_table(self, [tr("应访日期"), tr("户号"), tr("户主"), tr("类别"), tr("上次走访"),
                                          tr("电话"), tr("地址")], 6)
        self.visits_table = make_table(self, [tr("日期"), tr("类型"), tr("走访户"), tr("了解情况")], 3)
        self.log_table = make_table(self, [tr("日期"), tr("日志"), tr("点评")], 1)
        self.needs_table = make_table(self, [tr("提出日期"), tr("户"), tr("需求"), tr("事项")], 2)
        self.matters_table = make_table(self, [tr("时限"), tr("编号"), tr("诉求事项"), tr("状态")], 2)
        self.must_table = make_table(self, [tr("应访日期"), tr("户"), tr("必访情形"), tr("发生日期")], 2)
        # Leaders comment across all staff from one list instead of picking each staff member in turn.
        self.leader = ctx.user.role in LEADER_ROLES
        self.waiting: Waiting | None = None
        self.waiting_table = make_table(self, [tr("日期"), tr("工作人员"), tr("日志")], 2)
        self.solve_button = QPushButton(tr("解决注销"), self)
        self.matter_button = QPushButton(tr("转为事项"), self)
        needs_buttons = QHBoxLayout()
        needs_buttons.addStretch(1)
        needs_buttons.addWidget(self.solve_button)
        needs_buttons.addWidget(self.matter_button)
        self.needs_tab = panes.column(self, (self.needs_table, 1), needs_buttons)
        self.tabs = QTabWidget(self)
        if self.leader:
            self.tabs.addTab(self.waiting_table, tr("待点评"))
        else:  # not in a tab: it would lie loose over the page
            self.waiting_table.hide()
        self.tabs.addTab(self.log_table, tr("民情日记"))
        self.tabs.addTab(self.visits_table, tr("走访记录"))
        self.tabs.addTab(self.needs_tab, tr("居民需求"))
        self.tabs.addTab(self.matters_table, tr("承办事项"))
        self.tabs.addTab(self.must_table, tr("必访情形"))
        left = panes.column(self, tr("联系户（超期在前）"), (self.contacts, 1))
        splitter = panes.side_by_side(self, left, self.tabs, sizes=[700, 640])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.caption)
        layout.addWidget(splitter, 1)

        self.staff.activated.connect(lambda _i: self._staff_chosen())
        self.visit_button.clicked.connect(self.record_visit)
        self.log_button.clicked.connect(self.write_log)
        self.comment_button.clicked.connect(self.comment)
        self.week_button.clicked.connect(self.fast_entry)
        self.solve_button.clicked.connect(self.solve_need)
        self.matter_button.clicked.connect(self.need_to_matter)
        self.contacts.doubleClicked.connect(lambda index: self.record_visit())
        self.log_table.doubleClicked.connect(lambda index: self.comment())
        self.waiting_table.doubleClicked.connect(lambda index: self.comment())
        self.tabs.currentChanged.connect(lambda _i: self._update_buttons())
        self.matters_table.doubleClicked.connect(self._open_matter)
        scoped = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+N"), self, self.record_visit, context=scoped)
        QShortcut(QKeySequence("Ctrl+L"), self, self.write_log, context=scoped)
        QShortcut(QKeySequence("Ctrl+E"), self, self.fast_entry, context=scoped)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload, context=scoped)
        self._update_buttons()

    # -- page contract ---------------------------------------------------------------------------
    def activated(self) -> None:
        # A staff list still on its way (a request is pending) needs no second request.
        if self._dirty or (self._choices_dirty and not self._worker.pending):
            self.reload()

    def mark_stale(self, changes: Changes) -> None:
        self._choices_dirty = self._choices_dirty or bool(changes & (Changes.STAFF | Changes.ORG | Changes.HOUSEHOLDS))
        self._dirty = True

    def open_record(self, table: str, row_id: int) -> bool:
        # "staff" itself opens the org page (it comes first); this key asks for the workbench.
        if table != WORKBENCH_RECORD:
            return False
        self.select_staff(row_id)
        return True

    def focus_search(self) -> None:
        self.staff.setFocus()
        self.staff.lineEdit().selectAll()

    def is_loading(self) -> bool:
        return self._worker.pending

    # -- loading -------------------------------------------------------------------------------------
    def _set_choices(self, choices: list[visits.StaffChoice]) -> None:
        self._choice_ids = [c.id for c in choices]
        self._choice_names = [c.name for c in choices]
        self.staff.blockSignals(True)
        # One list model for thousands of staff: far cheaper than adding the items one by one.
        self._choice_model.setStringList([f"{c.name}（{c.unit}）" if c.unit else c.name for c in choices])
        self.staff.blockSignals(False)

    def current_staff(self) -> int | None:
        index = self.staff.currentIndex()
        return self._choice_ids[index] if 0 <= index < len(self._choice_ids) else None

    def staff_name(self) -> str:
        index = self.staff.currentIndex()
        return self._choice_names[index] if 0 <= index < len(self._choice_names) else ""

    def select_staff(self, staff_id: int) -> None:
        self._wanted = staff_id
        self.reload()

    def _staff_chosen(self) -> None:
        self._wanted = self.current_staff()
        self.reload()

    def reload(self) -> None:
        """Read the chosen staff member's workbench (and the staff list after a change) in the background."""
        self._dirty = False
        wanted = self._wanted if self._wanted is not None else self.current_staff()
        # The staff list stays dirty until a result carrying it arrives (a newer request may supersede this one).
        refresh, known = self._choices_dirty, list(self._choice_ids)
        today = self.today()
        now = dt.datetime.combine(today, dt.datetime.now().time())
        self.caption.setText(self.tr("正在读取…"))
        # A grid worker sees the staff serving their grid and, of each, only their grid's households.
        scope = self.ctx.scope()

        account, leader = self._account_id, self.leader

        def load(db):
            choices = visits.contact_staff(db, scope=scope) if refresh else None
            ids = [c.id for c in choices] if choices is not None else known
            own = staff_accounts.staff_of(db, account)
            staff_id = wanted if wanted in ids else own if own in ids else (ids[0] if ids else None)
            waiting = Waiting(*logs.waiting_for_comment(db, scope=scope)) if leader else None
            return (choices, own, load_workbench(db, staff_id, today, now, scope) if staff_id is not None else None,
                    waiting)

        self._worker.submit(load, self._loaded, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.caption.setText(self.tr("读取失败：{e}").format(e=exc))

    def _loaded(self, result) -> None:
        choices, self.own_staff, data, self.waiting = result
        if choices is not None:
            self._set_choices(choices)
            self._choices_dirty = False
        self.data = data
        self.staff.blockSignals(True)
        self.staff.setCurrentIndex(self._choice_ids.index(data.staff_id) if data else -1)
        self.staff.blockSignals(False)
        self._show()
        if data is None:
            self.caption.setText(self.tr("还没有工作人员联系户。请先在“组织与网格”页为工作人员设置联系户。"))

    def _show_waiting(self) -> None:
        waiting = self.waiting
        if waiting is None:
            return
        fill(self.waiting_table, [(e.entry_date, e.staff_name, mask_text(e.text).replace("\n", " "))
                                  for e in waiting.entries])
        shown = len(waiting.entries)
        label = (self.tr("待点评（{n}）").format(n=waiting.total) if shown == waiting.total
                 else self.tr("待点评（最新{shown}条，共{n}条）").format(shown=shown, n=waiting.total))
        self.tabs.setTabText(self.tabs.indexOf(self.waiting_table), label)

    def _show(self) -> None:
        self._show_waiting()
        data = self.data
        tr = self.tr
        dues = data.dues if data else []
        states = {"overdue": 0, "due_soon": 0}
        rows, brushes = [], []
        for d in dues:
            state = d.state
            if state in states:
                states[state] += 1
            when = (tr("超期{n}天").format(n=d.days_overdue) if state == "overdue"
                    else tr("{n}天后").format(n=-d.days_overdue) if d.days_overdue < 0 else tr("今天"))
            rows.append((f"{d.next_due} {when}", d.number, d.head_name,
                         tr(CONTACT_CLASS_SHORT.get(d.contact_class, "")), d.last_visit or tr("未走访"),
                         mask_phone(d.phone), d.address))
            brushes.append(self._brushes.get(state))
        # Overdue first (most overdue on top), then by due date: contacts_due sorts by due date.
        order = sorted(range(len(rows)), key=lambda i: (dues[i].state != "overdue", dues[i].next_due))
        fill(self.contacts, [rows[i] for i in order], [brushes[i] for i in order])
        self._dues_order = [dues[i] for i in order]
        if data:
            fill(self.visits_table, [(v.visited_on, tr(visits.KINDS[v.kind]),
                                      # A round's size first: the names of a big round do not fit the column.
                                      (tr("{n}户：").format(n=v.household_count) if v.household_count > 1 else "")
                                      + "、".join(f"{h.number} {h.head_name}" for h in v.households), mask_text(v.learned))
                                     for v in data.visits])
            fill(self.log_table, [(e.entry_date, mask_text(e.text).replace("\n", " "),
                                   mask_text("；".join(f"{c.author}：{c.text}" for c in e.comments))) for e in data.entries])
            fill(self.needs_table, [(n.raised_on, f"{n.household_number} {n.head_name}", mask_text(n.content),
                                     f"{n.matter_number} {tr(M.STATES[n.matter_state])}" if n.matter_id else "")
                                    for n in data.needs])
            now = dt.datetime.combine(self.today(), dt.datetime.now().time())
            fill(self.matters_table, [(M.timeliness(m, now).short, m.number, mask_text(m.title), tr(M.STATES[m.state]))
                                      for m in data.matters])
            fill(self.must_table, [(f"{m.due_on} " + (tr("超期{n}天").format(n=m.days_overdue) if m.days_overdue > 0
                                                       else tr("{n}天后").format(n=-m.days_overdue) if m.days_overdue < 0
                                                       else tr("今天")),
                                    f"{m.number} {m.head_name}", m.situation, m.noted_on) for m in data.must_visits],
                 [self._brushes["overdue"] if m.days_overdue > 0 else self._brushes["due_soon"]
                  for m in data.must_visits])
            self.caption.setText(tr(
                "联系 <b>{n}</b> 户，其中超期未走访 <b style='color:#b00020'>{o}</b> 户、7天内应访 <b>{s}</b> 户；"
                "遇有必访情形待走访 <b style='color:#b00020'>{mv}</b> 户；"
                "近30天走访 {v} 户次；未解决需求 {k} 件；承办未结事项 {m} 件").format(
                n=len(dues), o=states["overdue"], s=states["due_soon"], mv=len(data.must_visits), v=data.visited_30,
                k=len(data.needs), m=len(data.matters)))
        else:
            for table in (self.visits_table, self.log_table, self.needs_table, self.matters_table, self.must_table):
                fill(table, [])
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.data is not None
        for button in (self.visit_button, self.log_button, self.week_button, self.solve_button, self.matter_button):
            button.setEnabled(has)
        on_waiting = self.tabs.currentWidget() is self.waiting_table
        self.comment_button.setEnabled(self.leader and (bool(self.waiting and self.waiting.entries) if on_waiting
                                                        else has))
        self.comment_button.setToolTip("" if self.ctx.user.role in LEADER_ROLES else self.tr("只有领导可以点评日志"))

    # -- actions -------------------------------------------------------------------------------------
    def _run(self, dialog) -> None:
        if dialog.exec():
            self.reload()

    def _for_whom(self, what: str) -> bool:
        """A clerk typing under another staff member's name is asked first: the entry will count as
        that person's work. Accounts without a log-in (the program acting for the office) are not asked."""
        if self.data is None or self._account_id is None or self.data.staff_id == self.own_staff:
            return True
        name = self.staff_name()
        if self.own_staff is None:
            text = self.tr("您的账号还没有对应工作人员（管理员可在“文件 → 用户管理”中设置）。\n"
                           "这条{what}将记在{name}名下，确定吗？").format(what=what, name=name)
        else:
            text = self.tr("这不是您本人的联系户。\n这条{what}将记在{name}名下，确定是替{name}录入吗？").format(
                what=what, name=name)
        answer = QMessageBox.question(self, self.tr("替他人录入"), text)
        return answer == QMessageBox.StandardButton.Yes

    def record_visit(self) -> None:
        if not self.data or not self._for_whom(self.tr("走访记录")):
            return
        row = selected_row(self.contacts)
        checked = {self._dues_order[row].household_id} if row is not None else set()
        self._run(VisitDialog(self.ctx, self.data.staff_id, self.staff_name(), self._dues_order, checked, self))

    def write_log(self) -> None:
        if self.data and self._for_whom(self.tr("民情日志")):
            self._run(LogEntryDialog(self.ctx, self.data.staff_id, self.staff_name(), self._dues_order,
                                     self.data.matters, self))

    def comment(self) -> None:
        """点评 the entry selected in the tab shown: the 待点评 list of all staff, or this one's log."""
        if not self.leader:
            return
        if self.tabs.currentWidget() is self.waiting_table:
            row = selected_row(self.waiting_table)
            entries = self.waiting.entries if self.waiting else []
        else:
            row = selected_row(self.log_table)
            entries = self.data.entries if self.data else []
        if row is not None and row < len(entries):
            self._run(CommentDialog(self.ctx, entries[row], self))

    def _selected_need(self) -> logs.Need | None:
        row = selected_row(self.needs_table)
        return self.data.needs[row] if self.data and row is not None else None

    def solve_need(self) -> None:
        need = self._selected_need()
        if need:
            self._run(SolveNeedDialog(self.ctx, need, self))

    def need_to_matter(self) -> None:
        need = self._selected_need()
        if need and need.matter_id is None:
            self._run(NeedMatterDialog(self.ctx, need, self))

    def fast_entry(self) -> None:
        if not self.data or not self._for_whom(self.tr("一周的走访和日志")):
            return
        self._run(FastEntryDialog(self.ctx, self.data.staff_id, self.staff_name(), self._dues_order, self))

    def _open_matter(self, index) -> None:
        if self.data and 0 <= index.row() < len(self.data.matters):
            self.ctx.navigate("matters", self.data.matters[index.row()].id)

