"""完整性检查 ("格不漏户、户不漏人"): run the core's check, list each problem, open the record to fix.

The check runs as a background job (progress after ~600 ms, cancellable). Problems are held in
memory (the check returns them all), grouped by kind with a count each; Enter or a double click
asks the main window to open the record the problem points to.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton,
    QTableView, QVBoxLayout, QWidget,
)

from gridoffice.changes import Changes
from gridoffice.archive import completeness
from gridoffice.store.db import now
from ui.context import Cancelled
from ui.pages import Page
from ui.widgets.tables import style_records
from ui.widgets import panes

# Kinds of change after which the last result may be out of date.
ALL = ""


class ProblemModel(QAbstractTableModel):
    """The problems of one kind (or all), in the order the check reported them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._problems: list[completeness.Problem] = []
        self._headers = [self.tr("类别"), self.tr("问题与处理办法")]

    def set_problems(self, problems: list[completeness.Problem]) -> None:
        self.beginResetModel()
        self._problems = list(problems)
        self.endResetModel()

    def problem(self, row: int) -> completeness.Problem | None:
        return self._problems[row] if 0 <= row < len(self._problems) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._problems)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 2

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        problem = self._problems[index.row()]
        if index.column() == 0:
            return self.tr(completeness.KINDS.get(problem.kind, problem.kind))
        return problem.message

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._headers[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)


class CompletenessPage(Page):
    PAGE_ID = "completeness"
    TITLE = "完整性检查"
    CONCERNS = Changes.ORG | Changes.HOUSEHOLDS | Changes.PERSONS | Changes.STAFF | Changes.CONTACTS
    ORDER = 40

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.problems: list[completeness.Problem] | None = None  # None until the first check ran
        self.job = None
        self.stale = False

        self.run_button = QPushButton(self.tr("开始检查(F5)"), self)
        self.run_button.setDefault(True)
        self.status = QLabel(self.tr("检查户是否都在网格内、人是否都在户内、户主、身份证号码和联系户安排。"
                                     "按 F5 开始。"), self)
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.run_button)
        top.addWidget(self.status, 1)

        self.kinds = QListWidget(self)
        self.kinds.setUniformItemSizes(True)
        self.kinds.setStyleSheet("QListWidget::item { padding: 3px 2px; }")
        left = panes.column(self, self.tr("问题类别(&K)："), (self.kinds, 1))

        self.model = ProblemModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        style_records(self.table)
        self.table.setColumnWidth(0, 250)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        right = panes.column(self, self.tr("问题(&P)：回车或双击打开要修改的记录"), (self.table, 1))

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(panes.side_by_side(self, left, right, sizes=[270, 930], stretch=(0, 1)), 1)
        self.setTabOrder(self.run_button, self.kinds)
        self.setTabOrder(self.kinds, self.table)

        self.run_button.clicked.connect(self.run_check)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.run_check,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.kinds.currentItemChanged.connect(lambda *_: self._show_kind())
        self.kinds.itemActivated.connect(lambda *_: self.table.setFocus())
        self.table.activated.connect(self._open)
        self._fill_kinds()

    # -- page contract ---------------------------------------------------------------------------------
    def activated(self) -> None:
        """The first visit runs the check at once: an empty list would only make the clerk press F5."""
        if self.problems is None and self.job is None:
            self.run_check()

    def on_changed(self, changes: Changes, initiator: object = None) -> None:
        # A re-check may take seconds on a big file: say the list may be stale instead of re-running.
        if self.problems is not None and changes & self.CONCERNS and not self.stale:
            self.stale = True
            self.status.setText(self.status.text() + self.tr("（数据已有改动，按 F5 重新检查）"))

    # -- running ---------------------------------------------------------------------------------------
    def run_check(self) -> None:
        if self.job is not None:
            return
        self.run_button.setEnabled(False)
        self.status.setText(self.tr("正在检查…"))
        scope = self.ctx.scope()
        self.job = self.ctx.run_job(lambda db: completeness.completeness(db, scope=scope), self.tr("完整性检查"),
                                    on_done=self._finished, on_error=self._failed, parent=self)

    def _finished(self, problems: list[completeness.Problem]) -> None:
        self.job = None
        self.stale = False
        self.run_button.setEnabled(True)
        self.problems = problems
        if problems:
            self.status.setText(self.tr("{at} 检查完毕：发现{n}个问题。").format(at=now(), n=len(problems)))
            self.status.setStyleSheet("color: #b00020;")
        else:
            self.status.setText(self.tr("{at} 检查完毕：没有发现问题，格不漏户、户不漏人。").format(at=now()))
            self.status.setStyleSheet("color: #1b5e20;")
        self._fill_kinds()
        if problems:
            self.table.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self.job = None
        self.run_button.setEnabled(True)
        self.status.setStyleSheet("")
        if isinstance(exc, Cancelled):
            self.status.setText(self.tr("检查已取消。按 F5 重新开始。"))
        else:
            self.status.setText(self.tr("检查没有完成：{e}").format(e=getattr(exc, "message", str(exc))))

    # -- showing ---------------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        result = {kind: 0 for kind in completeness.KINDS}
        for problem in self.problems or []:
            result[problem.kind] = result.get(problem.kind, 0) + 1
        return result

    def _fill_kinds(self) -> None:
        chosen = self.current_kind()
        counts = self.counts()
        known = self.problems is not None
        self.kinds.blockSignals(True)
        self.kinds.clear()
        entries = [(ALL, self.tr("全部问题"), len(self.problems or []))]
        entries += [(kind, self.tr(label), counts.get(kind, 0)) for kind, label in completeness.KINDS.items()]
        for kind, label, n in entries:
            item = QListWidgetItem(f"{label}（{n}）" if known else label, self.kinds)
            item.setData(Qt.ItemDataRole.UserRole, kind)
            if known and n == 0 and kind != ALL:
                item.setForeground(self.palette().color(self.palette().ColorGroup.Disabled,
                                                        self.palette().ColorRole.Text))
        rows = [self.kinds.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.kinds.count())]
        self.kinds.setCurrentRow(rows.index(chosen) if chosen in rows else 0)
        self.kinds.blockSignals(False)
        self._show_kind()

    def current_kind(self) -> str:
        item = self.kinds.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else ALL

    def select_kind(self, kind: str) -> None:
        for i in range(self.kinds.count()):
            if self.kinds.item(i).data(Qt.ItemDataRole.UserRole) == kind:
                self.kinds.setCurrentRow(i)

    def _show_kind(self) -> None:
        kind = self.current_kind()
        problems = self.problems or []
        self.model.set_problems([p for p in problems if kind == ALL or p.kind == kind])
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _open(self, index) -> None:
        problem = self.model.problem(index.row())
        if problem is not None:
            self.ctx.navigate(problem.table, problem.row_id)
