"""Dialogs of the 组织与网格 page for units: a new unit, a new name, a new place in the tree.

Each dialog writes through the core in one transaction; the core's Chinese refusals are shown
in the dialog next to the field they name.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from gridoffice import vocab
from gridoffice.org import regions
from ui.dialogs.common import vocab_combo
from ui.dialogs.write import WriteDialog
from ui.widgets.unit_picker import UnitPicker, unit_paths


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
            self.level = vocab_combo(self, self.allowed_levels(parent_unit))
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
