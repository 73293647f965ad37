"""A household's page: its fields, contact staff, members with relation and tags, and history."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QSizePolicy,
                               QTableWidget, QTableWidgetItem, QTabWidget, QToolButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from gridoffice import ages, vocab
from gridoffice.archive import office_tags, people
from gridoffice.audit import history
from gridoffice.org import regions, staff
from gridoffice.errors import NotFound, PermissionDenied
from gridoffice.archive.households import Household, get_household
from gridoffice.masking import mask_id, mask_phone, mask_text

INACTIVE = QColor("#9e9e9e")


def tr(text: str) -> str:
    return QCoreApplication.translate("HouseholdView", text)


class MembersTable(QTableWidget):
    activated_person = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            item = self.item(self.currentRow(), 0)
            if item is not None:
                self.activated_person.emit(item.data(Qt.ItemDataRole.UserRole))
                return
        super().keyPressEvent(event)


class HouseholdView(QWidget):
    """Shows one household; the page supplies the actions (buttons and context menus)."""

    person_activated = Signal(int)  # Enter or double-click on a member

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.household: Household | None = None
        self.title = QLabel(tr("请在列表中选择一户"))
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.title.setWordWrap(True)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, label in (("address", tr("地址")), ("grid", tr("所属网格")), ("contact_class", tr("联系类别")),
                           ("contacts", tr("联系人")), ("phone", tr("电话")), ("notes", tr("备注"))):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.fields[key] = value
            if key == "phone":
                # Masked by default; the full number is a deliberate, logged act (masking.reveal).
                self.reveal_phone = QToolButton()
                self.reveal_phone.setText(tr("显示完整号码"))
                self.reveal_phone.setAutoRaise(True)
                self.reveal_phone.clicked.connect(self.reveal_household_phone)
                row = QHBoxLayout()
                row.setContentsMargins(0, 0, 0, 0)
                row.addWidget(value, 1)
                row.addWidget(self.reveal_phone)
                form.addRow(label, row)
            else:
                form.addRow(label, value)
        self.buttons = QHBoxLayout()
        self.members = MembersTable(0, 7)
        self.members.setHorizontalHeaderLabels([tr("姓名"), tr("关系"), tr("性别"), tr("年龄"), tr("身份证号"),
                                                tr("人群"), tr("状态")])
        self.members.verticalHeader().setVisible(False)
        self.members.verticalHeader().setDefaultSectionSize(24)
        self.members.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.members.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.members.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.members.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.members.itemDoubleClicked.connect(
            lambda item: self.person_activated.emit(self.members.item(item.row(), 0).data(Qt.ItemDataRole.UserRole)))
        self.members.activated_person.connect(self.person_activated)
        self.history = QTreeWidget()
        self.history.setHeaderLabels([tr("时间"), tr("操作人"), tr("对象"), tr("操作"), tr("内容")])
        self.history.setRootIsDecorated(False)
        self.history.setUniformRowHeights(True)
        self.history.setWordWrap(False)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.members, tr("成员"))
        self.tabs.addTab(self.history, tr("变更历史"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addLayout(self.buttons)
        layout.addWidget(self.tabs, 1)
        self._enable(False)

    def add_button(self, action) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.buttons.addWidget(button)
        return button

    def finish_buttons(self) -> None:
        self.buttons.addStretch(1)

    def _enable(self, on: bool) -> None:
        self.tabs.setEnabled(on)

    # -- content -------------------------------------------------------------------------------
    def clear(self) -> None:
        self.household = None
        self.title.setText(tr("请在列表中选择一户"))
        for label in self.fields.values():
            label.clear()
        self.members.setRowCount(0)
        self.history.clear()
        self._enable(False)

    def show_household(self, household_id: int | None, select_person: int | None = None) -> None:
        if household_id is None:
            self.clear()
            return
        db = self.ctx.reader()
        try:
            h = get_household(db, household_id, scope=self.ctx.scope())
        except (NotFound, PermissionDenied):
            self.clear()
            return
        keep = select_person if select_person is not None else (
            self.current_person_id() if self.household and self.household.id == household_id else None)
        self.household = h
        head = h.head
        status = vocab.label(vocab.HOUSEHOLD_STATUS, h.status)
        if h.status != "active" and h.status_date:
            status += f" {h.status_date}"
        title = tr("户号 {n}　户主 {head}　【{status}】").format(
            n=h.number, head=head.name if head else tr("（无）"), status=status)
        hardship = [vocab.label(vocab.HOUSEHOLD_TAGS, t.tag)  # none for the roles that do not see hardship
                    for t in office_tags.household_tags_of(db, h.id, scope=self.ctx.scope())]
        title += "　" + "、".join(hardship) if hardship else ""
        self.title.setText(title)
        self.fields["address"].setText(h.address or tr("（未填）"))
        self.fields["grid"].setText(self._unit_path(db, h.org_id))
        self.fields["contact_class"].setText(vocab.label(vocab.CONTACT_CLASSES, h.contact_class))
        contacts = staff.contact_staff_of(db, h.id, scope=self.ctx.scope())
        self.fields["contacts"].setText("、".join(c.staff_name for c in contacts) or tr("（未落实联系人）"))
        self.fields["phone"].setText(mask_phone(h.phone) if h.phone else tr("（未填）"))
        self.reveal_phone.setVisible(bool(h.phone) and self.ctx.can("reveal"))
        self.fields["notes"].setText(mask_text(h.notes))
        self._fill_members(db, h, keep)
        self._fill_history(db, h)
        self._enable(True)

    def reveal_household_phone(self) -> None:
        from .dialogs.reveal import ask_reveal

        h = self.household
        if h is None or not h.phone:
            return
        value = ask_reveal(self.ctx, "households", h.id, "phone", mask_phone(h.phone), self)
        if value is not None and self.household is not None and self.household.id == h.id:
            self.fields["phone"].setText(value)
            self.reveal_phone.hide()

    def _unit_path(self, db, org_id: int | None) -> str:
        if org_id is None:
            return tr("（不在任何网格）")
        unit = regions.get_unit(db, org_id)
        ids = [*unit.ancestor_ids, unit.id]
        names = regions.unit_names(db)
        return " / ".join(names.get(i, "?") for i in ids)

    def _fill_members(self, db, h: Household, keep: int | None) -> None:
        today = dt.date.today()
        ids = [p.id for p in h.members]
        tags: dict[int, list[str]] = {}
        # Only the tags the user's role may see: the core leaves the sensitive ones out for the others.
        labels = office_tags.labels(db)
        for tag in people.visible_tags_of(db, ids, self.ctx.scope()):
            tags.setdefault(tag.person_id, []).append(labels.get(tag.tag, tag.tag))
        self.members.setRowCount(len(h.members))
        select_row = 0
        for row, p in enumerate(h.members):
            age = ""
            if p.birth_date:
                age = str(ages.age_on(dt.date.fromisoformat(p.birth_date), today))
            status = vocab.label(vocab.PERSON_STATUS, p.status)
            if p.status != "active" and p.status_date:
                status += f" {p.status_date}"
            relation = vocab.label(vocab.RELATIONS, p.relation)
            if p.id == h.representative_id and p.status == "active":
                relation += tr("（户代表）")
            values = [p.name, relation, vocab.label(vocab.SEX, p.sex), age,
                      mask_id(p.id_number), "、".join(tags.get(p.id, [])), status]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, p.id)
                if p.status != "active":
                    item.setForeground(QBrush(INACTIVE))
                self.members.setItem(row, col, item)
            if p.id == keep:
                select_row = row
        if h.members:
            self.members.selectRow(select_row)

    def _fill_history(self, db, h: Household) -> None:
        self.history.clear()
        items = []
        scope = self.ctx.scope()
        for t in history.tell(db, history.household_entries(db, h.id, scope), scope=scope):
            item = QTreeWidgetItem([t.at, t.actor, t.subject, t.action, t.text])
            item.setToolTip(4, t.text)
            items.append(item)
        self.history.addTopLevelItems(items)
        for col in range(4):
            self.history.resizeColumnToContents(col)

    def current_person_id(self) -> int | None:
        row = self.members.currentRow()
        item = self.members.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def current_person(self):
        pid = self.current_person_id()
        if self.household is None or pid is None:
            return None
        return next((p for p in self.household.members if p.id == pid), None)
