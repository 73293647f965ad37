"""Dialogs of the 组织与网格 page: units, staff with roles, service teams and their members.

Each dialog writes through the core in one transaction; the core's Chinese refusals are shown
in the dialog next to the field they name.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QWidget,
)

from gridoffice import org_lists, regions, staff, vocab
from gridoffice.changes import Changes
from gridoffice.errors import ValidationError
from gridoffice.normalize import normalize_phone
from ui.widgets.unit_picker import UnitPicker, unit_paths
from ui.widgets.write_dialog import WriteDialog


def _combo(parent: QWidget, table: dict, *, blank: str | None = None) -> QComboBox:
    box = QComboBox(parent)
    if blank is not None:
        box.addItem(blank, "")
    for code in table:
        box.addItem(vocab.label(table, code), code)
    return box


class UnitDialog(WriteDialog):
    """Add a child unit (parent given) or rename one (unit given)."""

    def __init__(self, ctx, *, parent_unit: regions.OrgUnit | None = None, unit: regions.OrgUnit | None = None,
                 parent: QWidget | None = None):
        self.unit = unit
        self.parent_unit = parent_unit
        title = self.tr("重命名单元") if unit else self.tr("新增下级单元")
        super().__init__(ctx, title, parent)
        if unit is None:
            above = parent_unit.name if parent_unit else self.tr("（无，作为顶级单元）")
            self.add_field(self.tr("上级："), QLabel(above, self))
            self.level = _combo(self, self.allowed_levels(parent_unit))
            self.add_field(self.tr("层级(&L)："), self.level, "level")
        else:
            self.add_field(self.tr("层级："), QLabel(vocab.label(vocab.ORG_LEVELS, unit.level), self))
        self.name = QLineEdit(unit.name if unit else "", self)
        self.name.setMaxLength(60)
        self.add_field(self.tr("名称(&N)："), self.name, "name")
        self.code = QLineEdit((unit.code or "") if unit else "", self)
        self.code.setPlaceholderText(self.tr("可不填，如行政区划代码"))
        self.add_field(self.tr("编码(&C)："), self.code, "code")
        self.name.setFocus()

    @staticmethod
    def allowed_levels(parent_unit: regions.OrgUnit | None) -> dict:
        """Levels strictly below the parent's, the next one first (an office may skip levels)."""
        rank = vocab.LEVEL_RANK[parent_unit.level] if parent_unit else -1
        return {code: text for code, text in vocab.ORG_LEVELS.items() if vocab.LEVEL_RANK[code] > rank}

    def save(self) -> None:
        if self.unit is None:
            parent_id = self.parent_unit.id if self.parent_unit else None
            self.submit(regions.create_unit, parent_id, self.level.currentData(), self.name.text(), self.code.text(),
                        description=self.tr("新增单元"))
        else:
            self.submit(regions.rename_unit, self.unit.id, self.name.text(), self.code.text(),
                        description=self.tr("重命名单元"))


class MoveDialog(WriteDialog):
    """Hang a unit and its subtree under another parent of a higher level."""

    def __init__(self, ctx, unit: regions.OrgUnit, units: list[regions.OrgUnit], households: int = 0,
                 parent: QWidget | None = None):
        super().__init__(ctx, self.tr("移动单元"), parent)
        self.unit = unit
        rank = vocab.LEVEL_RANK[unit.level]
        candidates = [u for u in units if vocab.LEVEL_RANK[u.level] < rank and not u.path.startswith(unit.path)]
        allowed = {u.id for u in candidates}
        self.add_field(self.tr("要移动："), QLabel(self.tr("{name}（{level}）及其全部下级，在册{n}户").format(
            name=unit.name, level=vocab.label(vocab.ORG_LEVELS, unit.level), n=households), self))
        self.target = UnitPicker(self, all_text=self.tr("（作为顶级单元）"))
        self.target.set_units([(i, text) for i, text in unit_paths(units) if i in allowed])
        self.target.set_current_unit(unit.parent_id)
        self.add_field(self.tr("移到(&T)："), self.target, "parent_id")
        hint = QLabel(self.tr("户和人员随单元一起移动；只能移到层级更高的单元之下。"), self)
        hint.setWordWrap(True)
        hint.setEnabled(False)
        self.form.addRow(hint)
        self.target.setFocus()

    def save(self) -> None:
        target = self.target.current_unit()
        if target == self.unit.parent_id:
            self.show_error(self.tr("请选择一个新的上级"), "parent_id")
            return
        self.submit(regions.move_unit, self.unit.id, target, description=self.tr("移动单元"))


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
        self.kind = _combo(self, vocab.STAFF_KINDS)
        # Party members are by far the most numerous staff of a grid; cadres sit higher up.
        default = "party_member" if unit.grid_id is not None else "village_cadre"
        self.kind.setCurrentIndex(max(self.kind.findData(member.kind if member else default), 0))
        self.add_field(self.tr("类别(&K)："), self.kind, "kind")
        self.phone = QLineEdit(member.phone if member else "", self)
        self.phone.setPlaceholderText(self.tr("手机11位，或带区号的固定电话"))
        self.phone.editingFinished.connect(self.check_phone)
        self.add_field(self.tr("电话(&P)："), self.phone, "phone")
        # The resident this member is: a cadre whose political status is 中共党员 counts as a party member.
        linked = staff.resident_of(ctx.reader(), member.id) if member else None
        self.resident = QLineEdit(linked[0] if linked else "", self)
        self.resident.setPlaceholderText(self.tr("户号 姓名，如“01200101010001 张三”；可不填"))
        self.resident.setToolTip(self.tr("关联后按居民的政治面貌判断是否党员：中共党员、预备党员计入“每名党员联系5到10户”"))
        self.add_field(self.tr("本人户籍(&H)："), self.resident, "resident")
        if linked and linked[1]:
            self.add_field("", QLabel(self.tr("政治面貌：{s}").format(s=self.tr(linked[1])), self))
        self.roles = QListWidget(self)
        held = set()
        if member:
            held = {r.role for r in staff.roles_of(ctx.reader(), member.id) if r.org_id == self.unit_id}
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
                        name=name), changes=Changes.STAFF, undoable=True)


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
                    changes=Changes.TEAMS, undoable=True)


class TeamMemberDialog(WriteDialog):
    """Add a staff member to a team with one of the five roles (五个员)."""

    def __init__(self, ctx, team: staff.Team, candidates: list[org_lists.StaffRow], parent: QWidget | None = None):
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
        self.duty = _combo(self, vocab.TEAM_DUTIES, blank=self.tr("（未分工）"))
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
                                                                  team=self.team.name),
                    changes=Changes.TEAMS, undoable=True)
