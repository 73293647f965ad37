"""Dialogs of the 组织与网格 page for people: staff with their roles, service teams and their members.

Each dialog writes through the core in one transaction; the core's Chinese refusals are shown
in the dialog next to the field they name.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QWidget,
)

from gridoffice import vocab
from gridoffice.org import lists, regions, staff
from gridoffice.errors import ValidationError
from gridoffice.normalize import normalize_phone
from ui.dialogs.common import vocab_combo
from ui.dialogs.write import WriteDialog
from ui.widgets.unit_picker import UnitPicker, unit_paths


class StaffDialog(WriteDialog):
    """A staff member of a unit (their own unit when editing): name, kind, phone checked as typed, roles there."""

    def __init__(self, ctx, unit: regions.OrgUnit, member: staff.Staff | None = None, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("编辑工作人员") if member else self.tr("新增工作人员"), parent)
        self.unit_id = unit.id
        self.member = member
        self.unit = UnitPicker(self)
        self.unit.set_units(unit_paths(regions.all_units(ctx.reader())))
        self.unit.set_current_unit(unit.id)
        self.add_field(self.tr("所属单位(&U)："), self.unit, "org_id")
        self.name = QLineEdit(member.name if member else "", self)
        self.add_field(self.tr("姓名(&N)："), self.name, "name")
        self.kind = vocab_combo(self, vocab.STAFF_KINDS)
        # Party members are by far the most numerous staff of a grid; cadres sit higher up.
        default = "party_member" if unit.grid_id is not None else "village_cadre"
        self.kind.setCurrentIndex(max(self.kind.findData(member.kind if member else default), 0))
        self.add_field(self.tr("类别(&K)："), self.kind, "kind")
        self.phone = QLineEdit(member.phone if member else "", self)
        self.phone.setPlaceholderText(self.tr("手机11位，或带区号的固定电话"))
        self.phone.editingFinished.connect(self.check_phone)
        self.add_field(self.tr("电话(&P)："), self.phone, "phone")
        # The resident this member is: a cadre whose political status is 中共党员 counts as a party member.
        linked = staff.resident_of(ctx.reader(), member.id, scope=ctx.scope()) if member else None
        self.resident = QLineEdit(linked[0] if linked else "", self)
        self.resident.setPlaceholderText(self.tr("户号 姓名，如“01200101010001 张三”；可不填"))
        self.resident.setToolTip(self.tr("关联后按居民的政治面貌判断是否党员：中共党员、预备党员计入“每名党员联系5到10户”"))
        self.add_field(self.tr("本人户籍(&H)："), self.resident, "resident")
        if linked and linked[1]:
            self.add_field("", QLabel(self.tr("政治面貌：{s}").format(s=self.tr(linked[1])), self))
        self.roles = QListWidget(self)
        held = set()
        if member:
            held = {r.role for r in staff.roles_of(ctx.reader(), member.id, scope=ctx.scope()) if r.org_id == self.unit_id}
        for code in vocab.STAFF_ROLES:
            item = QListWidgetItem(vocab.label(vocab.STAFF_ROLES, code), self.roles)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if code in held else Qt.CheckState.Unchecked)
        # All eleven roles in view: a clerk should not scroll to find 网格长.
        self.roles.setFixedHeight(self.roles.sizeHintForRow(0) * self.roles.count() + 2 * self.roles.frameWidth() + 2)
        self.add_field(self.tr("职务(&R)："), self.roles, "role")
        self.notes = QPlainTextEdit(member.notes if member else "", self)
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().height() * 3 + 12)
        self.add_field(self.tr("备注："), self.notes, "notes")
        self.name.setFocus()

    def check_phone(self) -> bool:
        """The core's phone rule, applied as soon as the clerk leaves the field."""
        try:
            cleaned = normalize_phone(self.phone.text())
        except ValidationError as exc:
            self.show_error(exc.message, "phone")
            return False
        if cleaned != self.phone.text():
            self.phone.setText(cleaned)
        self.show_error("")
        return True

    def checked_roles(self) -> set[str]:
        return {self.roles.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.roles.count())
                if self.roles.item(i).checkState() == Qt.CheckState.Checked}

    def save(self) -> None:
        if not self.check_phone():
            return
        fields = {"name": self.name.text(), "kind": self.kind.currentData(), "phone": self.phone.text(),
                  "notes": self.notes.toPlainText(), "resident": self.resident.text()}
        org_id = self.unit.current_unit()
        if org_id is None:
            self.show_error(self.tr("请从列表中选择所属单位"), "org_id")
            return
        staff_id, roles = (self.member.id if self.member else None), self.checked_roles()
        # The values are read here: the lambda runs on the writer thread, which must not touch widgets.
        name = fields["name"].strip()
        self.submit(lambda db: staff.save_staff(db, staff_id, org_id=org_id, roles=roles, **fields),
                    description=(self.tr("新增工作人员{name}") if staff_id is None else self.tr("修改工作人员{name}")).format(
                        name=name), undoable=True)


class TeamDialog(WriteDialog):
    def __init__(self, ctx, grid: regions.OrgUnit, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("新建服务团队"), parent)
        self.grid = grid
        self.add_field(self.tr("网格："), QLabel(grid.name, self))
        self.name = QLineEdit(self.tr("{grid}服务团队").format(grid=grid.name), self)
        self.add_field(self.tr("团队名称(&N)："), self.name, "name")
        self.duties = QPlainTextEdit(self)
        self.duties.setTabChangesFocus(True)
        self.duties.setPlaceholderText(self.tr("服务内容，如：民情走访、矛盾调解、政策宣传"))
        self.duties.setMaximumHeight(self.fontMetrics().height() * 4 + 12)
        self.add_field(self.tr("服务内容(&D)："), self.duties, "duties")
        self.name.setFocus()
        self.name.selectAll()

    def save(self) -> None:
        self.submit(lambda db, grid_id, name, duties: staff.create_team(db, grid_id, name, duties=duties),
                    self.grid.id, self.name.text(), self.duties.toPlainText(),
                    description=self.tr("新建服务团队{name}").format(name=self.name.text().strip()),
                    undoable=True)


class TeamMemberDialog(WriteDialog):
    """Add a staff member to a team with one of the five roles (五个员)."""

    def __init__(self, ctx, team: staff.Team, candidates: list[lists.StaffRow], parent: QWidget | None = None):
        super().__init__(ctx, self.tr("添加团队成员"), parent)
        self.team = team
        self.add_field(self.tr("团队："), QLabel(team.name, self))
        self.member = QComboBox(self)
        self.member.setEditable(True)
        self.member.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.member.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.member.completer().setCompletionMode(self.member.completer().CompletionMode.PopupCompletion)
        for person in candidates:
            self.member.addItem(f"{person.name}（{vocab.label(vocab.STAFF_KINDS, person.kind)}）", person.id)
        self.member.setCurrentIndex(-1)
        self.add_field(self.tr("人员(&M)："), self.member, "staff_id")
        self.duty = vocab_combo(self, vocab.TEAM_DUTIES, blank=self.tr("（未分工）"))
        self.add_field(self.tr("分工(&D)："), self.duty, "duty")
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(self.tr("如：团长、副团长，可不填"))
        self.add_field(self.tr("团队职务(&T)："), self.title, "title")
        self.member.setFocus()

    def save(self) -> None:
        index = self.member.findText(self.member.currentText())
        if index < 0:
            self.show_error(self.tr("请从列表中选择一名工作人员；不在列表中的请先在“工作人员”中新增"), "staff_id")
            return
        staff_id = self.member.itemData(index)
        self.submit(lambda db, team_id, sid, duty, title: staff.add_team_member(db, team_id, sid, duty=duty, title=title),
                    self.team.id, staff_id, self.duty.currentData(), self.title.text(),
                    description=self.tr("{name}加入{team}").format(name=self.member.currentText().split("（")[0],
                                                                  team=self.team.name), undoable=True)
