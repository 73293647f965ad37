"""Pick a party member's contact households (联系户) from the households of a grid.

Each party member should contact 5 to 10 households: the count updates while the clerk ticks
and warns outside that range; saving outside it asks once more. Saving links the newly
ticked households and ends (never deletes) the links that were unticked, in one transaction.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from gridoffice import vocab
from gridoffice.org import lists, staff
from ui.undo import CoreCommand
from ui.widgets import panes

MIN_CONTACTS = 5
MAX_CONTACTS = 10
RULED_KINDS = frozenset({"party_member"})
WARN_STYLE = "color: #b00020; font-weight: bold;"
OK_STYLE = "color: #1b5e20; font-weight: bold;"


class ContactPicker(QWidget):
    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._staff: list[lists.StaffRow] = []
        self._saved: set[int] = set()  # contacts of the chosen member inside this grid, as stored
        self._elsewhere = 0  # the chosen member's contacts outside this grid
        self._loading = False

        self.members = QListWidget(self)
        self.members.setUniformItemSizes(True)
        left = panes.column(self, self.tr("联系人(&M)："), self.members)

        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("输入户号、户主或地址筛选"))
        self.filter.setClearButtonEnabled(True)
        filter_label = QLabel(self.tr("筛选(&F)："), self)
        filter_label.setBuddy(self.filter)
        self.households = QTableWidget(0, 5, self)
        self.households.setHorizontalHeaderLabels(
            [self.tr("户号"), self.tr("户主"), self.tr("住址"), self.tr("类别"), self.tr("现联系人")])
        self.households.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.households.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.households.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.households.setTabKeyNavigation(False)
        self.households.verticalHeader().setVisible(False)
        self.households.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.households.horizontalHeader()
        header.setHighlightSections(False)
        for column, width in enumerate((110, 70, 200, 44, 100)):
            self.households.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.count = QLabel(self)
        self.save_button = QPushButton(self.tr("保存联系户(&S)"), self)
        self.revert_button = QPushButton(self.tr("还原(&U)"), self)
        self.uncontacted = QCheckBox(self.tr("只看无人联系的户(&N)"), self)
        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter, 1)
        top.addWidget(self.uncontacted)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.revert_button)
        bottom.addWidget(self.save_button)
        hint = QLabel(self.tr("空格键勾选或取消当前户；每名党员联系5–10户；保存后才生效"), self)
        hint.setEnabled(False)
        right = panes.column(self, top, (self.households, 1), hint, bottom)

        layout = QVBoxLayout(self)
        layout.addWidget(panes.side_by_side(self, left, right, sizes=[190, 700], stretch=(0, 1)))
        self.setTabOrder(self.members, self.filter)
        self.setTabOrder(self.filter, self.households)
        self.setTabOrder(self.households, self.revert_button)
        self.setTabOrder(self.revert_button, self.save_button)

        self.members.currentItemChanged.connect(self._member_chosen)
        self.filter.textChanged.connect(lambda _t: self._apply_filter())
        self.uncontacted.toggled.connect(lambda _on: self._apply_filter())
        self.households.itemChanged.connect(lambda _item: self._update_count())
        QShortcut(QKeySequence(Qt.Key.Key_Space), self.households, self.toggle_current,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self._load_member_contacts)
        self._update_count()

    # -- loading ------------------------------------------------------------------------------------
    def load(self, grid_id: int | None, members: list[lists.StaffRow]) -> None:
        """Show the households of a grid and the staff who may contact them."""
        chosen = self.current_staff_id()
        self._staff = members
        self.members.blockSignals(True)
        self.members.clear()
        for person in members:
            item = QListWidgetItem(self._member_text(person), self.members)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
        self.members.blockSignals(False)
        choices = lists.grid_households(self.ctx.reader(), grid_id, scope=self.ctx.scope()) if grid_id is not None else []
        self._loading = True
        self.households.setRowCount(0)
        self.households.setRowCount(len(choices))
        for r, choice in enumerate(choices):
            number = QTableWidgetItem(choice.number)
            number.setData(Qt.ItemDataRole.UserRole, choice.id)
            number.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            number.setCheckState(Qt.CheckState.Unchecked)
            self.households.setItem(r, 0, number)
            texts = (choice.head, choice.address, vocab.label(vocab.CONTACT_CLASS_SHORT, choice.contact_class),
                     "、".join(choice.contact_names))
            for column, text in enumerate(texts, 1):
                self.households.setItem(r, column, QTableWidgetItem(text))
        self._loading = False
        self._apply_filter()
        index = next((i for i in range(self.members.count())
                      if self.members.item(i).data(Qt.ItemDataRole.UserRole) == chosen), 0 if members else -1)
        self.members.setCurrentRow(index)
        self._load_member_contacts()

    def select_staff(self, staff_id: int) -> bool:
        for i in range(self.members.count()):
            if self.members.item(i).data(Qt.ItemDataRole.UserRole) == staff_id:
                self.members.setCurrentRow(i)
                return True
        return False

    def _member_text(self, person: lists.StaffRow) -> str:
        return self.tr("{name}（{kind}）  {n}户").format(
            name=person.name, kind=vocab.label(vocab.STAFF_KINDS, person.kind), n=person.contacts)

    def current_staff_id(self) -> int | None:
        item = self.members.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _member_chosen(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if previous is not None and self.is_dirty():
            name = next((s.name for s in self._staff if s.id == previous.data(Qt.ItemDataRole.UserRole)), "")
            answer = QMessageBox.question(
                self, self.tr("联系户未保存"), self.tr("{name}的联系户改动还没有保存。要保存吗？").format(name=name),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard, QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Save:
                self._write(previous.data(Qt.ItemDataRole.UserRole), self.checked_ids())
        self._load_member_contacts()

    def _load_member_contacts(self) -> None:
        staff_id = self.current_staff_id()
        linked = ({c.household_id for c in staff.contacts_of(self.ctx.reader(), staff_id, scope=self.ctx.scope())}
                  if staff_id else set())
        in_grid = {self.households.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.households.rowCount())}
        self._saved = linked & in_grid
        self._elsewhere = len(linked - in_grid)
        self._loading = True
        for r in range(self.households.rowCount()):
            item = self.households.item(r, 0)
            state = Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in self._saved else Qt.CheckState.Unchecked
            item.setCheckState(state)
        self._loading = False
        enabled = staff_id is not None
        self.households.setEnabled(enabled)
        self.filter.setEnabled(enabled)
        self._update_count()

    # -- ticking ------------------------------------------------------------------------------------
    def checked_ids(self) -> set[int]:
        return {self.households.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.households.rowCount())
                if self.households.item(r, 0).checkState() == Qt.CheckState.Checked}

    def is_dirty(self) -> bool:
        return self.checked_ids() != self._saved

    def total(self) -> int:
        return len(self.checked_ids()) + self._elsewhere

    def toggle_current(self) -> None:
        row = self.households.currentRow()
        if row < 0:
            return
        item = self.households.item(row, 0)
        item.setCheckState(Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
                           else Qt.CheckState.Checked)

    def _update_count(self) -> None:
        if self._loading:
            return
        dirty = self.current_staff_id() is not None and self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        if self.current_staff_id() is None:
            self.count.setText(self.tr("请先在左侧选择联系人") if self._staff else self.tr("本单位还没有工作人员"))
            self.count.setStyleSheet("")
            return
        n = self.total()
        elsewhere = self.tr("（含其他网格{m}户）").format(m=self._elsewhere) if self._elsewhere else ""
        ruled = self._ruled()
        if not ruled:
            text = self.tr("已选{n}户{elsewhere}").format(n=n, elsewhere=elsewhere)
        elif n < MIN_CONTACTS:
            text = self.tr("已选{n}户{elsewhere}：少于5户，还差{k}户").format(n=n, elsewhere=elsewhere, k=MIN_CONTACTS - n)
        elif n > MAX_CONTACTS:
            text = self.tr("已选{n}户{elsewhere}：超过10户，请减少{k}户").format(n=n, elsewhere=elsewhere, k=n - MAX_CONTACTS)
        else:
            text = self.tr("已选{n}户{elsewhere}：符合每人联系5–10户").format(n=n, elsewhere=elsewhere)
        if dirty:
            text += self.tr("（未保存）")
        self.count.setText(text)
        self.count.setStyleSheet("" if not ruled else OK_STYLE if MIN_CONTACTS <= n <= MAX_CONTACTS else WARN_STYLE)

    def _ruled(self) -> bool:
        """The 5–10 rule binds party members (as the completeness check counts it), not cadres or doctors."""
        chosen = self.current_staff_id()
        return any(s.id == chosen and s.kind in RULED_KINDS for s in self._staff)

    def _apply_filter(self) -> None:
        needle = self.filter.text().strip()
        only_free = self.uncontacted.isChecked()
        for r in range(self.households.rowCount()):
            hay = " ".join(self.households.item(r, c).text() for c in range(3))
            ticked = self.households.item(r, 0).checkState() == Qt.CheckState.Checked
            hidden = (bool(needle) and needle not in hay) or (
                only_free and not ticked and bool(self.households.item(r, 4).text()))
            self.households.setRowHidden(r, hidden)

    # -- saving -------------------------------------------------------------------------------------
    def save(self) -> None:
        staff_id = self.current_staff_id()
        if staff_id is None or not self.is_dirty():
            return
        n = self.total()
        if self._ruled() and not MIN_CONTACTS <= n <= MAX_CONTACTS:
            answer = QMessageBox.question(
                self, self.tr("联系户数量"),
                self.tr("联系户将是{n}户，不在每人5–10户之间。仍要保存吗？").format(n=n),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._write(staff_id, self.checked_ids())

    def _write(self, staff_id: int, checked: set[int]) -> None:
        add = sorted(checked - self._saved)
        remove = sorted(self._saved - checked)
        self.save_button.setEnabled(False)
        text = self.tr("保存联系户")

        def done(_result) -> None:
            # Undo ends the links just made and makes the ended ones again (with today's date).
            self.ctx.undo_stack.push(CoreCommand(
                self.ctx, text, lambda db: staff.set_contacts(db, staff_id, add=add, remove=remove),
                lambda db: staff.set_contacts(db, staff_id, add=remove, remove=add)))

        self.ctx.write(lambda db: staff.set_contacts(db, staff_id, add=add, remove=remove), description=text,
                       on_done=done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._update_count()
        QMessageBox.warning(self, self.tr("未能保存联系户"), getattr(exc, "message", str(exc)))
