"""Entering a worker's paper week fast: one screen, keyboard only.

One line per household visited: the date (kept from the line before), the household picked by
number, head's name or address as you type (the worker's contact households first, any household of
the office through the search index), the kind, what was learned and a need. Enter adds the line and
goes back to the household for the next one; Delete removes a line from the list; Ctrl+S saves the
whole week in one write (all lines or none: a refused line is named and selected).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QEvent, QStringListModel, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QCompleter, QDialog, QHBoxLayout, QLabel, QLineEdit, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from gridoffice.activity import visits
from gridoffice.search import finder
from gridoffice.errors import GridOfficeError
from ui import undo
from ui.background import LatestWorker
from ui.widgets.dates import date_edit

_SEARCH_DELAY_MS = 150


class FastEntryDialog(QDialog):
    def __init__(self, ctx, staff_id: int, staff_name: str, dues: list[visits.Due], parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.staff_id, self.staff_name = staff_id, staff_name
        self.setWindowTitle(self.tr("快速录入一周走访 — {name}").format(name=staff_name))
        self.lines: list[visits.VisitInput] = []
        self.picked: int | None = None
        # label → household id of every household offered so far (the contacts from the start).
        self.known: dict[str, int] = {}
        self.numbers: dict[str, int] = {}
        self._worker = LatestWorker(ctx, "fast-entry", self)

        monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday() + 7)
        self.day = date_edit(self, monday)
        self.household = QLineEdit(self)
        self.household.setPlaceholderText(self.tr("户号、户主姓名或地址"))
        self.kind = QComboBox(self)
        for code, label in visits.KINDS.items():
            self.kind.addItem(self.tr(label), code)
        self.learned = QLineEdit(self)
        self.learned.setPlaceholderText(self.tr("了解情况"))
        self.need = QLineEdit(self)
        self.need.setPlaceholderText(self.tr("发现需求（可不填）"))
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setMaxVisibleItems(12)
        # The offered list is built here (contacts, then search hits), so the completer must not filter it.
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.household.setCompleter(self.completer)
        self._local: list[str] = []
        self._add_choices([(d.household_id, d.number, d.head_name, d.address) for d in dues])

        entry = QHBoxLayout()
        for label, widget, stretch in ((self.tr("日期(&D)"), self.day, 0), (self.tr("户(&H)"), self.household, 3),
                                       (self.tr("类型(&K)"), self.kind, 0), (self.tr("了解情况(&L)"), self.learned, 4),
                                       (self.tr("需求(&N)"), self.need, 2)):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            entry.addWidget(caption)
            entry.addWidget(widget, stretch)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in ("日期", "户", "类型", "了解情况", "需求")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((90, 300, 80, 320)):
            self.table.setColumnWidth(column, width)
        self.hint = QLabel(self.tr("Enter 添加一行　Tab 下一项　Delete 删除所选行　Ctrl+S 全部保存　Esc 放弃"), self)
        self.hint.setStyleSheet("color: #555;")
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.count = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(entry)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint, 1)
        bottom.addWidget(self.count)
        layout.addLayout(bottom)
        self.resize(1100, 560)

        self.setTabOrder(self.day, self.household)
        self.setTabOrder(self.household, self.kind)
        self.setTabOrder(self.kind, self.learned)
        self.setTabOrder(self.learned, self.need)
        self.setTabOrder(self.need, self.table)
        for widget in (self.day, self.household, self.kind, self.learned, self.need, self.table):
            widget.installEventFilter(self)
        self.completer.activated[str].connect(self._picked_label)
        self.household.textEdited.connect(self._typed)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(_SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self._update_count()
        self.household.setFocus()

    # -- choosing the household ---------------------------------------------------------------------
    def _add_choices(self, rows) -> list[str]:
        labels = []
        for hid, number, head, address in rows:
            label = " ".join(x for x in (number, head, address) if x)
            self.known.setdefault(label, hid)
            self.numbers.setdefault(number, hid)
            labels.append(label)
        return labels

    def _offer(self, labels: list[str]) -> None:
        self.model.setStringList(labels)
        if labels and self.household.hasFocus():
            self.completer.complete()
        elif not labels:
            self.completer.popup().hide()

    def _picked_label(self, label: str) -> None:
        self.picked = self.known.get(label)

    def _typed(self, text: str) -> None:
        """Contact households whose label contains the text at once; the search index (names in
        pinyin, phones, any household of the office) a moment later."""
        self.picked = None
        needle = text.strip().lower()
        self._local = [label for label in self.known if needle and needle in label.lower()][:20]
        self._offer(self._local)
        if needle and not finder.query_problem(needle):
            self._search_timer.start()

    def _search(self) -> None:
        text = self.household.text().strip()
        # A grid worker finds only households of their own grid (searched there, and checked again).
        scope = self.ctx.scope()

        def find(db):
            if finder.number_search(db, text):
                # A guessed ID or phone is recorded, or refused to some roles: the archive's search
                # box takes it, not the picking of a household (household numbers still find theirs).
                return []
            hits = finder.search(db, text, status="active", limit=20, scope=scope)
            ids = list(dict.fromkeys(h.household_id or h.id for h in hits if (h.household_id or h.id)))
            dues = visits.schedule(db, ids, scope=scope) if ids else {}
            return [dues[i] for i in ids if i in dues]

        def found(dues: list[visits.Due]) -> None:
            if self.household.text().strip() != text:
                return
            labels = self._add_choices([(d.household_id, d.number, d.head_name, d.address) for d in dues])
            self._offer(list(dict.fromkeys([*self._local, *labels])))

        self._worker.submit(find, found)

    def resolve(self) -> int | None:
        """The household the clerk means: the one picked, or the only one offered for the text."""
        if self.picked is not None:
            return self.picked
        text = self.household.text().strip()
        if not text:
            return None
        if text in self.known:
            return self.known[text]
        if text in self.numbers:
            return self.numbers[text]
        offered = {self.known[label] for label in self.model.stringList()}
        return offered.pop() if len(offered) == 1 else None

    # -- keys ----------------------------------------------------------------------------------------
    def eventFilter(self, watched, event) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if watched is self.table and key == Qt.Key.Key_Delete:
            self.remove_selected()
            return True
        if key not in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or watched is self.table:
            return False
        if watched is self.household:
            if self.resolve() is None:
                self.show_error(self.tr("请从提示中选择户：输入户号、户主姓名或地址的一部分，用↓选中后按Enter"))
            else:
                self.show_error("")
                self.learned.setFocus()
            return True
        self.add_line()
        return True

    def keyPressEvent(self, event) -> None:
        # Enter must not close the dialog (the default button behaviour); Esc still does.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return
        super().keyPressEvent(event)

    # -- lines -----------------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        self.error.setText(message)

    def add_line(self) -> bool:
        hid = self.resolve()
        if hid is None:
            self.show_error(self.tr("请先选择走访的户"))
            self.household.setFocus()
            return False
        label = next((lbl for lbl, h in self.known.items() if h == hid), str(hid))
        line = visits.VisitInput(hid, self.day.date().toPython().isoformat(), self.kind.currentData(),
                                 self.learned.text().strip(), self.need.text().strip())
        self.lines.append(line)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate((line.visited_on, label, self.kind.currentText(), line.learned, line.need)):
            self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.scrollToBottom()
        for widget in (self.household, self.learned, self.need):
            widget.clear()
        self.picked = None
        self.show_error("")
        self._update_count()
        self.household.setFocus()
        return True

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
            del self.lines[row]
        self.show_error("")
        self._update_count()

    def _update_count(self) -> None:
        self.count.setText(self.tr("待保存 {n} 条").format(n=len(self.lines)))

    # -- saving ----------------------------------------------------------------------------------------
    def save(self) -> None:
        if not self.lines:
            self.show_error(self.tr("还没有录入任何走访记录"))
            return
        self.show_error("")
        self.setEnabled(False)
        lines = list(self.lines)
        staff_id = self.staff_id
        undo.operation(self.ctx, self.tr("录入{name}的一周走访（{n}条）").format(name=self.staff_name, n=len(lines)),
                       lambda db: visits.record_week(db, staff_id, lines),
                       on_done=self._saved, on_error=self._failed)

    def _saved(self, ids: list[int]) -> None:
        self.setEnabled(True)
        self.ctx.show_status(self.tr("已保存 {n} 条走访记录").format(n=len(ids)))
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        if not isinstance(exc, GridOfficeError):
            self.show_error(self.tr("保存没有完成，数据没有改动：{e}").format(e=exc))
            return
        self.show_error(exc.message)
        prefix = exc.message.split("：", 1)[0]
        if prefix.startswith("第") and prefix.endswith("行") and prefix[1:-1].isdigit():
            self.table.selectRow(int(prefix[1:-1]) - 1)
        self.table.setFocus()
