"""操作记录: a leader reads the audit trail, filtered by person, record and date, and checks the chain.

The page shows the current anchor code (gridoffice.audit.anchors) for the leader to copy onto paper
or into the street's records, and checks the chain against a code typed back from a printout.

Only roles with `read_audit` (gridoffice.access.users.ROLES) see the entries. Results come 500 at a time,
newest first; selecting one shows its old and new values; a double click opens the record.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from gridoffice.changes import Changes
from gridoffice.access import users
from gridoffice.audit import anchors, journal, history
from gridoffice.errors import GridOfficeError
from ui.pages import Page

PAGE_SIZE = 500
_OPENABLE = {"persons", "households", "org_units", "staff"}


class AuditPage(Page):
    PAGE_ID = "audit"
    TITLE = "操作记录"
    CONCERNS = ~Changes.NONE  # every change writes an entry
    ORDER = 90
    SHORTCUT = "Ctrl+Shift+R"  # R for 记录; Ctrl+Shift+A deselects in text fields

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self._entries: list = []
        self._told: list = []
        self._anchors: list = []
        self.denied = QLabel(self.tr("您的角色不能查看操作记录。如需查看，请联系系统管理员。"))
        self.denied.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.actor = QComboBox()
        self.action = QComboBox()
        self.table_kind = QComboBox()
        self.table_kind.addItem(self.tr("全部"), "")
        for code, label in journal.TABLE_LABELS.items():
            self.table_kind.addItem(self.tr(label), code)
        self.row_id = QLineEdit()
        self.row_id.setPlaceholderText(self.tr("记录编号"))
        self.person_id = QLineEdit()
        self.person_id.setPlaceholderText(self.tr("人员编号（含其标签）"))
        self.use_dates = QCheckBox(self.tr("按日期"))
        self.date_from = QDateEdit(QDate.currentDate().addDays(-30))
        self.date_to = QDateEdit(QDate.currentDate())
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.search_button = QPushButton(self.tr("查询(&Q)"))
        self.more_button = QPushButton(self.tr("显示更多"))
        self.check_button = QPushButton(self.tr("校验防篡改链(&V)"))
        self.summary = QLabel()
        self.anchor = QLineEdit()
        self.anchor.setReadOnly(True)
        self.anchor.setMinimumWidth(230)
        self.anchor.setToolTip(self.tr("当前锚定码：最新一条操作记录的编号和指纹。抄在纸上或报给街道保存，"
                                       "日后用它核对操作记录没有被删除或改写。月度汇总、公示表和备份清单上都印有当时的锚定码。"))
        self.copy_button = QPushButton(self.tr("复制锚定码(&C)"))
        self.anchor_input = QLineEdit()
        self.anchor_input.setPlaceholderText(self.tr("输入纸上的锚定码一并核对（可不填）"))

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [self.tr("时间"), self.tr("操作人"), self.tr("操作"), self.tr("对象"), self.tr("内容")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().resizeSection(0, 150)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)

        filters = QFormLayout()
        who = QHBoxLayout()
        who.addWidget(self.actor, 1)
        who.addWidget(QLabel(self.tr("操作：")))
        who.addWidget(self.action, 1)
        filters.addRow(self.tr("操作人："), who)
        what = QHBoxLayout()
        what.addWidget(self.table_kind)
        what.addWidget(self.row_id)
        what.addWidget(self.person_id)
        filters.addRow(self.tr("对象："), what)
        when = QHBoxLayout()
        when.addWidget(self.use_dates)
        when.addWidget(self.date_from)
        when.addWidget(QLabel(self.tr("至")))
        when.addWidget(self.date_to)
        when.addStretch(1)
        when.addWidget(self.search_button)
        filters.addRow(self.tr("日期："), when)
        anchor = QHBoxLayout()
        anchor.addWidget(self.anchor)
        anchor.addWidget(self.copy_button)
        anchor.addSpacing(16)
        anchor.addWidget(self.anchor_input, 1)
        anchor.addWidget(self.check_button)
        filters.addRow(self.tr("锚定码："), anchor)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(filters)
        body.addWidget(split, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.more_button)
        body.addLayout(bottom)
        layout = QVBoxLayout(self)
        layout.addWidget(self.denied)
        layout.addWidget(self.body)

        self.search_button.clicked.connect(self.search)
        self.more_button.clicked.connect(self.more)
        self.check_button.clicked.connect(self.check_chain)
        self.copy_button.clicked.connect(self.copy_anchor)
        self.anchor_input.returnPressed.connect(self.check_chain)
        for edit in (self.row_id, self.person_id):
            edit.returnPressed.connect(self.search)
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.table.cellDoubleClicked.connect(self._open)
        self._apply_permission()

    # -- permission ------------------------------------------------------------------------
    def allowed(self) -> bool:
        role = users.ROLES.get(getattr(self.ctx.user, "role", ""))
        return bool(role and role.read_audit)

    def _apply_permission(self) -> None:
        ok = self.allowed()
        self.denied.setVisible(not ok)
        self.body.setVisible(ok)

    def activated(self) -> None:
        self._apply_permission()
        if self.allowed():
            self._fill_choices()
            self.search()

    def on_changed(self, changes: Changes, initiator: object = None) -> None:
        # Every change writes an entry; refresh only while the page shows the newest ones.
        if self.isVisible() and self.allowed() and len(self._entries) <= PAGE_SIZE:
            self.search()

    # -- filters ---------------------------------------------------------------------------
    def _fill_choices(self) -> None:
        db, scope = self.ctx.reader(), self.ctx.scope()
        for combo, values, label in ((self.actor, journal.actors(db, scope=scope), str),
                                     (self.action, journal.actions(db, scope=scope), history.action_label)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("全部"), "")
            for v in values:
                combo.addItem(label(v), v)
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def current_filter(self) -> journal.Filter:
        def number(edit: QLineEdit) -> int | None:
            text = edit.text().strip()
            return int(text) if text.isdigit() else None

        dates = {}
        if self.use_dates.isChecked():
            dates = {"date_from": self.date_from.date().toString("yyyy-MM-dd"),
                     "date_to": self.date_to.date().toString("yyyy-MM-dd")}
        return journal.Filter(actor=self.actor.currentData() or None, action=self.action.currentData() or None,
                                table=self.table_kind.currentData() or None, row_id=number(self.row_id),
                                person_id=number(self.person_id), **dates)

    # -- results ---------------------------------------------------------------------------
    def search(self) -> None:
        self._entries = []
        self._told = []
        self.table.setRowCount(0)
        self.more()

    def more(self) -> None:
        db, scope = self.ctx.reader(), self.ctx.scope()
        f = self.current_filter()
        batch = journal.query(db, f, scope=scope, limit=PAGE_SIZE, offset=len(self._entries))
        start = len(self._entries)
        self._entries += batch
        self.table.setRowCount(len(self._entries))
        self._told += history.tell(db, batch, scope=scope)
        for i, t in enumerate(self._told[start:], start):
            for col, text in enumerate((t.at, t.actor, t.action, t.subject, t.text)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, col, item)
        total = journal.count(db, f, scope=scope)
        self.anchor.setText(anchors.head(db).code)
        self.summary.setText(self.tr("共 {total} 条，已显示 {shown} 条").format(total=total, shown=len(self._entries)))
        self.more_button.setEnabled(len(self._entries) < total)

    def _show_detail(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.detail.clear()
            return
        t = self._told[rows[0].row()]
        lines = [self.tr("第 {id} 条  {at}  {actor}  {action}  {subject}").format(
            id=t.entry_id, at=t.at, actor=t.actor, action=t.action, subject=t.subject)]
        lines += t.text.split("；") if t.text else []
        self.detail.setPlainText("\n".join(lines))

    def _open(self, row: int, _column: int) -> None:
        e = self._entries[row]
        if e.table_name in _OPENABLE and e.row_id is not None:
            self.ctx.navigate(e.table_name, e.row_id)

    # -- chain -----------------------------------------------------------------------------
    def copy_anchor(self) -> None:
        QGuiApplication.clipboard().setText(self.anchor.text())
        self.summary.setText(self.tr("已复制锚定码 {code}，可粘贴保存或报给街道。").format(code=self.anchor.text()))
        self.summary.setStyleSheet("")

    def check_chain(self) -> None:
        given = []
        if typed := self.anchor_input.text().strip():
            try:
                given.append(anchors.parse(typed))
            except GridOfficeError as exc:
                self.summary.setText(exc.message)
                self.summary.setStyleSheet("color: #b00020")
                return
        self.check_button.setEnabled(False)
        self._anchors = given
        self.ctx.run_job(lambda db: journal.check_job(db, given), self.tr("校验操作记录"), on_done=self._checked,
                         on_error=self._check_failed, parent=self)

    def _checked(self, problems: list[str]) -> None:
        self.check_button.setEnabled(True)
        stamp = dt.datetime.now().strftime("%H:%M")
        if problems:
            self.summary.setText(self.tr("{time} 校验发现 {n} 处问题：").format(time=stamp, n=len(problems))
                                 + "；".join(problems[:3]))
            self.summary.setStyleSheet("color: #b00020")
        else:
            text = self.tr("{time} 校验通过：操作记录链完好，没有被改动或删除。").format(time=stamp)
            for a in self._anchors:
                text += self.tr("锚定码 {code} 核对通过：第 {n} 条记录仍在、没有改动。").format(code=a.code, n=a.entry)
            self.summary.setText(text)
            self.summary.setStyleSheet("")

    def _check_failed(self, exc: BaseException) -> None:
        self.check_button.setEnabled(True)
        self.summary.setText(getattr(exc, "message", str(exc)))
