"""组织与网格: the organisation tree, its staff, the grids' service teams and contact households.

Left: the tree with household and person counts per node (children are built when a node is
opened, so a district file with thousands of grids stays quick). Right, for the chosen node:
its staff and their roles, the service team of its grid with the five roles (五个员), and
each party member's 5–10 contact households.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QMenu,
                               QMessageBox, QPushButton, QStackedWidget, QTableView, QTabWidget,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from gridoffice.changes import Changes
from gridoffice import vocab
from gridoffice.org import lists, regions, staff
from gridoffice.errors import PermissionDenied
from gridoffice.masking import mask_phone
from ui.models import Column, RowListModel
from ui.pages import Page
from ui import undo
from ui.undo import CoreCommand
from ui.widgets.contact_picker import ContactPicker
from ui.dialogs.org import MoveDialog, UnitDialog
from ui.dialogs.staff import StaffDialog, TeamDialog, TeamMemberDialog
from ui.widgets.unit_picker import SEPARATOR
from ui.widgets.tables import fill_rows, hint_label, record_table, style_records
from ui.widgets import panes

ID_ROLE = Qt.ItemDataRole.UserRole
_COUNTS = Changes.HOUSEHOLDS | Changes.PERSONS  # the counts beside the units
_RIGHT = Changes.STAFF | Changes.TEAMS | Changes.CONTACTS  # the unit's staff and teams on the right


class OrgPage(Page):
    PAGE_ID = "org"
    TITLE = "组织与网格"
    CONCERNS = Changes.ORG | _COUNTS | _RIGHT
    ORDER = 20

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self._units: dict[int, regions.OrgUnit] = {}
        self._children: dict[int | None, list[regions.OrgUnit]] = {}
        self._counts: dict[int, regions.Counts] = {}
        self._items: dict[int, QTreeWidgetItem] = {}
        self._teams: list[staff.Team] = []
        self.dialog = None  # the open dialog, if any (tests and the clerk's Esc reach it)

        # -- the tree --------------------------------------------------------------------------------
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([self.tr("名称"), self.tr("层级"), self.tr("户数"), self.tr("人数")])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 60), (2, 60), (3, 60)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.tree.setColumnWidth(column, width)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.tree.setStyleSheet("QTreeWidget::item { padding: 2px 0px; }")
        self.add_unit_action = self._action(self.tr("新增下级单元…"), "Ins", self.add_unit, self.tree)
        self.rename_action = self._action(self.tr("重命名…"), "F2", self.rename_unit, self.tree)
        self.move_action = self._action(self.tr("移动到…"), "Ctrl+M", self.move_unit, self.tree)
        self.retire_action = self._action(self.tr("撤销单元…"), "Del", self.retire_unit, self.tree)
        buttons = self._button_row(self, self.add_unit_action, self.rename_action, self.move_action,
                                   self.retire_action,
                                   # "撤销单元", never a bare "撤销": that word is Undo in the 编辑 menu.
                                   labels=(self.tr("新增"), self.tr("重命名"), self.tr("移动"), self.tr("撤销单元")))
        left = panes.column(self, self.tr("组织架构(&Z)"), (self.tree, 1), buttons)

        # -- the chosen unit ---------------------------------------------------------------------------
        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setWordWrap(True)
        font = self.caption.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.caption.setFont(font)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_staff_tab(), self.tr("工作人员(&W)"))
        self.tabs.addTab(self._build_team_tab(), self.tr("服务团队(&T)"))
        self.tabs.addTab(self._build_contact_tab(), self.tr("联系户(&C)"))
        right = panes.column(self, self.caption, (self.tabs, 1))

        layout = QVBoxLayout(self)
        layout.addWidget(panes.side_by_side(self, left, right, sizes=[330, 850], stretch=(0, 1)))

        self.tree.itemExpanded.connect(self._populate)
        self.tree.currentItemChanged.connect(lambda *_: self._show_unit())
        self.tabs.currentChanged.connect(lambda _i: self._show_tab())
        self._update_actions()

    def _action(self, text: str, shortcut: str, slot, widget: QWidget) -> QAction:
        """An action whose key works while `widget` (a list or tree) has the focus, as Ins/Del do in Excel."""
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        widget.addAction(action)
        return action

    def _button_row(self, parent: QWidget, *actions: QAction, labels: tuple[str, ...] = (),
                    keys: tuple[str, ...] = ()) -> QHBoxLayout:
        """Buttons for actions, each labelled with its key so the clerk learns it."""
        row = QHBoxLayout()
        for n, action in enumerate(actions):
            text = labels[n] if labels else action.text().rstrip("…")
            key = (keys[n] if keys else "") or action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            button = QPushButton(f"{text}({key})" if key else text, parent)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(action.trigger)
            button.setEnabled(action.isEnabled())
            action.changed.connect(lambda b=button, a=action: b.setEnabled(a.isEnabled()))
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _build_staff_tab(self) -> QWidget:
        tab = QWidget(self)
        self.staff_model = RowListModel([
            Column("", self.tr("姓名"), lambda r: r.name, width=90),
            Column("", self.tr("类别"), lambda r: vocab.label(vocab.STAFF_KINDS, r.kind), width=90),
            Column("", self.tr("电话"), lambda r: mask_phone(r.phone), width=120),
            Column("", self.tr("职务"), lambda r: "、".join(vocab.label(vocab.STAFF_ROLES, c) for c in r.roles), width=220),
            Column("", self.tr("联系户"), lambda r: str(r.contacts), True, 60),
            Column("", self.tr("所属单位"), lambda r: r.unit_name, width=140),
        ], self)
        self.staff_table = QTableView(tab)
        self.staff_table.setModel(self.staff_model)
        style_records(self.staff_table)
        for column, spec in enumerate(self.staff_model.columns):
            self.staff_table.setColumnWidth(column, spec.width)
        self.staff_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.include_below = QCheckBox(self.tr("含下级单位的人员(&B)"), tab)
        self.include_below.toggled.connect(lambda _on: self._show_staff())
        self.staff_table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.add_staff_action = self._action(self.tr("新增人员…"), "Ins", self.add_staff, self.staff_table)
        self.edit_staff_action = self._action(self.tr("编辑人员…"), "", self.edit_staff, self.staff_table)
        self.leave_staff_action = self._action(self.tr("登记离岗…"), "Del", self.staff_left, self.staff_table)
        self.staff_table.activated.connect(lambda _i: self.edit_staff())
        layout = QVBoxLayout(tab)
        layout.addWidget(self.staff_table, 1)
        buttons = self._button_row(tab, self.add_staff_action, self.edit_staff_action, self.leave_staff_action,
                                   keys=("Ins", self.tr("回车"), "Del"))
        buttons.addWidget(self.include_below)
        layout.addLayout(buttons)
        return tab

    def _build_team_tab(self) -> QWidget:
        self.team_stack = QStackedWidget(self)
        self.team_stack.addWidget(hint_label(self.tr("服务团队建在网格上：请在左侧选择一个网格（或网格下的单元）。"), self))
        page = QWidget(self)
        self.team_list = QListWidget(page)
        self.team_list.setUniformItemSizes(True)
        teams_label = QLabel(self.tr("团队(&G)："), page)
        teams_label.setBuddy(self.team_list)
        self.members_table = record_table(page, [self.tr("姓名"), self.tr("分工（五个员）"), self.tr("团队职务"),
                                           self.tr("电话"), self.tr("加入日期")], (90, 130, 100, 120, 100), 1)
        self.members_table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.team_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.new_team_action = self._action(self.tr("新建团队…"), "Ins", self.add_team, self.team_list)
        self.add_member_action = self._action(self.tr("添加成员…"), "Ins", self.add_team_member, self.members_table)
        self.end_member_action = self._action(self.tr("移出团队…"), "Del", self.end_team_member, self.members_table)
        left = QVBoxLayout()
        left.addWidget(teams_label)
        left.addWidget(self.team_list, 1)
        right = QVBoxLayout()
        members_label = QLabel(self.tr("成员(&E)："), page)
        members_label.setBuddy(self.members_table)
        right.addWidget(members_label)
        right.addWidget(self.members_table, 1)
        panes = QHBoxLayout()
        panes.addLayout(left, 1)
        panes.addLayout(right, 3)
        layout = QVBoxLayout(page)
        layout.addLayout(panes, 1)
        layout.addLayout(self._button_row(page, self.new_team_action, self.add_member_action, self.end_member_action))
        self.team_stack.addWidget(page)
        self.team_list.currentRowChanged.connect(lambda _r: self._show_members())
        return self.team_stack

    def _build_contact_tab(self) -> QWidget:
        self.contact_stack = QStackedWidget(self)
        self.contact_stack.addWidget(hint_label(self.tr("联系户从网格的户中挑选：请在左侧选择一个网格（或网格下的单元）。"), self))
        self.contacts = ContactPicker(self.ctx, self)
        self.contact_stack.addWidget(self.contacts)
        return self.contact_stack

    def menus(self) -> list[QMenu]:
        """The 组织 menu the main window shows while this page is current."""
        menu = QMenu(self.tr("组织(&O)"), self)
        menu.addActions([self.add_unit_action, self.rename_action, self.move_action, self.retire_action])
        menu.addSeparator()
        menu.addActions([self.add_staff_action, self.edit_staff_action, self.leave_staff_action])
        menu.addSeparator()
        menu.addActions([self.new_team_action, self.add_member_action, self.end_member_action])
        return [menu]

    # -- page contract -------------------------------------------------------------------------------
    def activated(self) -> None:
        if self._dirty:
            self.reload()

    def on_changed(self, changes: Changes, initiator: object = None) -> None:
        if not changes & self.CONCERNS:
            return
        if not self.isVisible():
            self._dirty = True  # catch up in activated()
        elif changes & (Changes.ORG | _COUNTS):
            self._dirty = True
            self.reload()
        else:
            self._show_unit()

    def open_record(self, table: str, row_id: int) -> bool:
        try:
            return self._open_record(table, row_id)
        except PermissionDenied as exc:  # a team or staff member outside the user's scope
            self.ctx.show_status(exc.message)
            return False

    def _open_record(self, table: str, row_id: int) -> bool:
        db = self.ctx.reader()
        scope = self.ctx.scope()
        if table == "teams":  # a scanned service-team card
            team = staff.get_team(db, row_id, scope=scope)
            self.activated()
            if not self.select_unit(team.grid_id):
                return False
            self.tabs.setCurrentIndex(1)
            self._show_teams()
            index = next((i for i, t in enumerate(self._teams) if t.id == row_id), -1)
            self.team_list.setCurrentRow(index)
            return index >= 0
        if table == "org_units":
            self.activated()
            return self.select_unit(row_id)
        if table == "staff":
            member = staff.get_staff(db, row_id, scope=scope)
            if member.org_id is None:
                return False
            self.activated()
            self.select_unit(member.org_id)
            # Party members come here from the completeness check about their contact households.
            unit = self._units.get(member.org_id)
            if member.kind == "party_member" and unit is not None and unit.grid_id is not None:
                self.tabs.setCurrentIndex(2)
                self.contacts.select_staff(row_id)
            else:
                self.tabs.setCurrentIndex(0)
                row = self.staff_model.row_of(row_id)
                if row >= 0:
                    self.staff_table.setCurrentIndex(self.staff_model.index(row, 0))
            return True
        return False

    # -- the tree ----------------------------------------------------------------------------------------
    def reload(self) -> None:
        self._dirty = False
        db = self.ctx.reader()
        # A grid worker's tree starts at their own unit.
        scope = self.ctx.scope()
        units = regions.visible_units(db, scope)
        self._units = {u.id: u for u in units}
        self._counts = regions.counts(db, scope)
        self._children = {}
        for u in units:
            parent = u.parent_id if u.parent_id in self._units else None
            self._children.setdefault(parent, []).append(u)
        current = self.current_unit_id()
        expanded = {uid for uid, item in self._items.items() if item.isExpanded()}
        self.tree.blockSignals(True)
        self.tree.clear()
        self._items = {}
        for unit in self._children.get(None, []):
            self.tree.addTopLevelItem(self._item(unit))
        for uid in sorted(expanded, key=lambda i: self._units[i].depth if i in self._units else 0):
            if uid in self._items:
                self._items[uid].setExpanded(True)
                self._populate(self._items[uid])
        if not expanded:
            # First load: open the top two levels so the clerk sees the communities.
            for r in range(self.tree.topLevelItemCount()):
                top = self.tree.topLevelItem(r)
                self._populate(top)
                top.setExpanded(True)
                for c in range(top.childCount()):
                    self._populate(top.child(c))
                    top.child(c).setExpanded(True)
        self.tree.blockSignals(False)
        if current is None or not self.select_unit(current):
            if self.tree.topLevelItemCount():
                self.tree.setCurrentItem(self.tree.topLevelItem(0))
            else:
                self._show_unit()

    def _item(self, unit: regions.OrgUnit) -> QTreeWidgetItem:
        figures = self._counts.get(unit.id, regions.Counts(0, 0))
        item = QTreeWidgetItem([unit.name, vocab.label(vocab.ORG_LEVELS, unit.level),
                                str(figures.households), str(figures.persons)])
        item.setData(0, ID_ROLE, unit.id)
        for column in (2, 3):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if self._children.get(unit.id):
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
        self._items[unit.id] = item
        return item

    def _populate(self, item: QTreeWidgetItem) -> None:
        if item.childCount():
            return
        for child in self._children.get(item.data(0, ID_ROLE), []):
            item.addChild(self._item(child))

    def select_unit(self, unit_id: int) -> bool:
        """Open the tree down to a unit and make it current."""
        unit = self._units.get(unit_id)
        if unit is None:
            return False
        for ancestor in unit.ancestor_ids:
            if ancestor not in self._units:
                continue
            item = self._items.get(ancestor)
            if item is None:
                return False
            self._populate(item)
            item.setExpanded(True)
        item = self._items.get(unit_id)
        if item is None:
            return False
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        return True

    def current_unit_id(self) -> int | None:
        item = self.tree.currentItem()
        return item.data(0, ID_ROLE) if item else None

    def current_unit(self) -> regions.OrgUnit | None:
        unit_id = self.current_unit_id()
        return self._units.get(unit_id) if unit_id is not None else None

    def _path_text(self, unit: regions.OrgUnit) -> str:
        names = [self._units[i].name for i in unit.ancestor_ids if i in self._units] + [unit.name]
        return SEPARATOR.join(names)

    def _update_actions(self) -> None:
        unit = self.current_unit()
        for action in (self.rename_action, self.move_action, self.retire_action, self.add_staff_action):
            action.setEnabled(unit is not None)
        top_level_allowed = self.ctx.scope().whole_office
        self.add_unit_action.setEnabled((top_level_allowed if unit is None else True)
                                        and (unit is None or unit.level != list(vocab.ORG_LEVELS)[-1]))

    # -- tree actions -------------------------------------------------------------------------------------
    def _open_dialog(self, dialog, on_done=None) -> None:
        self.dialog = dialog
        if on_done is not None:
            dialog.accepted.connect(lambda: on_done(dialog.result_value))
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()

    def add_unit(self) -> None:
        self._open_dialog(UnitDialog(self.ctx, parent_unit=self.current_unit(), parent=self), self._after_unit_write)

    def rename_unit(self) -> None:
        unit = self.current_unit()
        if unit is None:
            return
        dialog = UnitDialog(self.ctx, unit=unit, parent=self)

        def done(_result) -> None:
            name, code = dialog.name.text(), dialog.code.text()
            self._undoable(self.tr("重命名“{old}”为“{new}”").format(old=unit.name, new=name),
                           lambda db: regions.rename_unit(db, unit.id, name, code),
                           lambda db: regions.rename_unit(db, unit.id, unit.name, unit.code or ""))
            self._after_unit_write(unit.id)

        self._open_dialog(dialog, done)

    def move_unit(self) -> None:
        unit = self.current_unit()
        if unit is None:
            return
        households = self._counts.get(unit.id, regions.Counts(0, 0)).households
        dialog = MoveDialog(self.ctx, unit, list(self._units.values()), households, parent=self)

        def done(_result) -> None:
            target = dialog.target.current_unit()
            self._undoable(self.tr("移动“{name}”").format(name=unit.name),
                           lambda db: regions.move_unit(db, unit.id, target),
                           lambda db: regions.move_unit(db, unit.id, unit.parent_id))
            self._after_unit_write(unit.id)

        self._open_dialog(dialog, done)

    def _undoable(self, text: str, do, undo) -> None:
        """Put an edit that already succeeded on the session's undo stack (Ctrl+Z / Ctrl+Y)."""
        self.ctx.undo_stack.push(CoreCommand(self.ctx, text, do, undo))

    def _after_unit_write(self, unit_id: int) -> None:
        if self._dirty:
            self.reload()
        self.select_unit(unit_id)

    def retire_unit(self) -> None:
        unit = self.current_unit()
        if unit is None:
            return
        below = sum(1 for u in self._units.values() if u.path.startswith(unit.path)) - 1
        text = self.tr("撤销“{name}”{below}？\n\n撤销后它不再出现在组织架构中，历史记录全部保留。"
                       "仍有在册户的单元不能撤销，请先把户移到其他网格。").format(
            name=unit.name, below=self.tr("及其下级{n}个单元").format(n=below) if below else "")
        answer = QMessageBox.question(self, self.tr("撤销单元"), text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        parent_id = unit.parent_id
        self.ctx.write(regions.retire_unit, unit.id, description=self.tr("撤销单元"),
                       on_done=lambda _n: parent_id is not None and self._after_unit_write(parent_id),
                       on_error=lambda exc: self._refused(self.tr("未能撤销单元"), exc))

    def _refused(self, title: str, exc: BaseException) -> None:
        QMessageBox.warning(self, title, getattr(exc, "message", str(exc)))

    # -- the chosen unit ----------------------------------------------------------------------------------
    def _show_unit(self) -> None:
        self._update_actions()
        unit = self.current_unit()
        if unit is None:
            self.caption.setText(self.tr("还没有组织架构：按 Ins 新增第一个单元（如街道或社区）。")
                                 if not self._units else "")
        else:
            figures = self._counts.get(unit.id, regions.Counts(0, 0))
            self.caption.setText(self.tr("{path}（{level}）　在册{h}户、{p}人").format(
                path=self._path_text(unit), level=vocab.label(vocab.ORG_LEVELS, unit.level),
                h=figures.households, p=figures.persons))
        self._show_tab()

    def _show_tab(self) -> None:
        index = self.tabs.currentIndex()
        if index == 0:
            self._show_staff()
        elif index == 1:
            self._show_teams()
        else:
            self._show_contacts()

    def _subtree_ids(self, unit: regions.OrgUnit) -> list[int]:
        return [u.id for u in self._units.values() if u.path.startswith(unit.path)]

    def _show_staff(self) -> None:
        unit = self.current_unit()
        current = self._current_staff_id()
        if unit is None:
            rows = []
        else:
            # Staff attached to the unit itself by default: a street's whole tree can hold thousands.
            ids = self._subtree_ids(unit) if self.include_below.isChecked() else [unit.id]
            rows = lists.staff_rows(self.ctx.reader(), ids, scope=self.ctx.scope())
        self.staff_model.set_rows(rows)
        row = self.staff_model.row_of(current) if current is not None else -1
        if rows:
            self.staff_table.setCurrentIndex(self.staff_model.index(max(row, 0), 0))
        self.edit_staff_action.setEnabled(bool(rows))
        self.leave_staff_action.setEnabled(bool(rows))

    def _current_staff_id(self) -> int | None:
        found = self.staff_model.record(self.staff_table.currentIndex().row())
        return found.id if found is not None else None

    def _current_staff(self) -> staff.Staff | None:
        staff_id = self._current_staff_id()
        return staff.get_staff(self.ctx.reader(), staff_id, scope=self.ctx.scope()) if staff_id is not None else None

    def add_staff(self) -> None:
        unit = self.current_unit()
        if unit is not None:
            self.tabs.setCurrentIndex(0)
            self._open_dialog(StaffDialog(self.ctx, unit, parent=self))

    def edit_staff(self) -> None:
        member = self._current_staff()
        if member is not None:
            unit = self._units.get(member.org_id) or self.current_unit()
            self._open_dialog(StaffDialog(self.ctx, unit, member, parent=self))

    def staff_left(self) -> None:
        member = self._current_staff()
        if member is None:
            return
        answer = QMessageBox.question(
            self, self.tr("登记离岗"),
            self.tr("登记{name}离岗？\n\n其职务、团队成员身份和联系户将于今天结束，历史记录保留。").format(name=member.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            undo.operation(self.ctx, self.tr("登记{name}离岗").format(name=member.name),
                           lambda db: staff.update_staff(db, member.id, status="left"),
                           on_error=lambda exc: self._refused(self.tr("未能登记离岗"), exc))

    # -- teams -------------------------------------------------------------------------------------------
    def _grid(self) -> regions.OrgUnit | None:
        unit = self.current_unit()
        return self._units.get(unit.grid_id) if unit is not None and unit.grid_id is not None else None

    def _show_teams(self) -> None:
        grid = self._grid()
        for action in (self.new_team_action, self.add_member_action, self.end_member_action):
            action.setEnabled(grid is not None)
        if grid is None:
            self.team_stack.setCurrentIndex(0)
            return
        self.team_stack.setCurrentIndex(1)
        chosen = self._current_team()
        self._teams = staff.teams_of(self.ctx.reader(), grid.id, scope=self.ctx.scope())
        self.team_list.blockSignals(True)
        self.team_list.clear()
        for team in self._teams:
            item = QListWidgetItem(team.name, self.team_list)
            item.setToolTip(team.duties)
        index = next((i for i, t in enumerate(self._teams) if chosen and t.id == chosen.id), 0 if self._teams else -1)
        self.team_list.setCurrentRow(index)
        self.team_list.blockSignals(False)
        self._show_members()

    def _current_team(self) -> staff.Team | None:
        row = self.team_list.currentRow()
        return self._teams[row] if 0 <= row < len(self._teams) else None

    def _show_members(self) -> None:
        team = self._current_team()
        members = staff.team_members(self.ctx.reader(), team.id, scope=self.ctx.scope()) if team else []
        fill_rows(self.members_table, [(m.id, [m.staff_name, vocab.label(vocab.TEAM_DUTIES, m.duty), m.title or "",
                                           mask_phone(m.phone), m.since or ""]) for m in members])
        self.add_member_action.setEnabled(team is not None)
        self.end_member_action.setEnabled(bool(members))

    def add_team(self) -> None:
        grid = self._grid()
        if grid is not None:
            self.tabs.setCurrentIndex(1)
            self._open_dialog(TeamDialog(self.ctx, grid, parent=self))

    def add_team_member(self) -> None:
        team, grid = self._current_team(), self._grid()
        if team is not None and grid is not None:
            self._open_dialog(TeamMemberDialog(self.ctx, team, self._grid_staff(grid), parent=self))

    def end_team_member(self) -> None:
        row = self.members_table.currentRow()
        team = self._current_team()
        if row < 0 or team is None:
            return
        member_id = self.members_table.item(row, 0).data(ID_ROLE)
        name = self.members_table.item(row, 0).text()
        answer = QMessageBox.question(
            self, self.tr("移出团队"), self.tr("把{name}移出“{team}”？\n\n成员记录保留，结束日期为今天。").format(
                name=name, team=team.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            undo.operation(self.ctx, self.tr("把{name}移出“{team}”").format(name=name, team=team.name),
                           lambda db: staff.end_team_member(db, member_id),
                           on_error=lambda exc: self._refused(self.tr("未能移出团队"), exc))

    # -- contacts ------------------------------------------------------------------------------------------
    def _show_contacts(self) -> None:
        grid = self._grid()
        if grid is None:
            self.contact_stack.setCurrentIndex(0)
            return
        self.contact_stack.setCurrentIndex(1)
        self.contacts.load(grid.id, self._grid_staff(grid))

    def _grid_staff(self, grid: regions.OrgUnit) -> list[lists.StaffRow]:
        """Who may serve a grid: its own staff and those of the units above it (cadres, police, doctors)."""
        return lists.staff_rows(self.ctx.reader(), self._subtree_ids(grid) + list(grid.ancestor_ids),
                                    scope=self.ctx.scope())
