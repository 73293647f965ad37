"""Picking an organisation unit: `UnitPicker`, a combo box where any part of its path is typed
("第一网格", "东港"), and `UnitTree`, the whole tree to choose from."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QTreeWidget, QTreeWidgetItem, QWidget

from gridoffice import vocab
from gridoffice.org import regions
from gridoffice.natural import natural_key

SEPARATOR = " › "


def unit_paths(units, *, max_rank: int | None = None) -> list[tuple[int, str]]:
    """(id, '社区 › 片区 › 网格') for active units in tree order; max_rank cuts finer levels."""
    by_parent: dict[int | None, list] = {}
    for u in units:
        if getattr(u, "status", "active") != "active":
            continue
        by_parent.setdefault(u.parent_id, []).append(u)
    known = {u.id for lst in by_parent.values() for u in lst}
    roots = [u for pid, lst in by_parent.items() if pid is None or pid not in known for u in lst]
    result: list[tuple[int, str]] = []

    def walk(unit, prefix: str) -> None:
        if max_rank is not None and vocab.LEVEL_RANK.get(unit.level, 0) > max_rank:
            return
        text = prefix + unit.name
        result.append((unit.id, text))
        for child in sorted(by_parent.get(unit.id, []), key=lambda c: (c.sort, natural_key(c.name), c.id)):
            walk(child, text + SEPARATOR)

    for root in sorted(roots, key=lambda c: (c.sort, natural_key(c.name), c.id)):
        walk(root, "")
    return result


class UnitPicker(QComboBox):
    """Editable: typing filters the list by any part of the path; the first entry may mean "all"."""

    unit_changed = Signal(object)  # unit id or None

    def __init__(self, parent: QWidget | None = None, *, all_text: str | None = None):
        super().__init__(parent)
        self._all_text = all_text
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(30)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(completer)
        self.currentIndexChanged.connect(lambda _i: self.unit_changed.emit(self.current_unit()))

    def set_units(self, entries: list[tuple[int, str]]) -> None:
        """Replace the list, keeping the current unit when it is still there."""
        current = self.current_unit()
        self.blockSignals(True)
        self.clear()
        if self._all_text is not None:
            self.addItem(self._all_text, None)
        for unit_id, text in entries:
            self.addItem(text, unit_id)
        index = self.findData(current) if current is not None else 0
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)
        if self.current_unit() != current:
            self.unit_changed.emit(self.current_unit())

    def current_unit(self) -> int | None:
        return self.currentData() if self.currentIndex() >= 0 else None

    def set_current_unit(self, unit_id: int | None) -> None:
        index = self.findData(unit_id) if unit_id is not None else (0 if self._all_text is not None else -1)
        if index >= 0:
            self.setCurrentIndex(index)


class UnitTree(QTreeWidget):
    """The whole organisation tree (active units) to pick one from, for a household's unit."""

    def __init__(self, db, current: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        items: dict[int, QTreeWidgetItem] = {}
        for unit in regions.all_units(db):
            parent_item = items.get(unit.parent_id)
            item = QTreeWidgetItem([f"{unit.name}（{vocab.label(vocab.ORG_LEVELS, unit.level)}）"])
            item.setData(0, Qt.ItemDataRole.UserRole, unit.id)
            (parent_item.addChild(item) if parent_item else self.addTopLevelItem(item))
            items[unit.id] = item
        self.expandToDepth(2)
        if current in items:
            self.setCurrentItem(items[current])
            self.scrollToItem(items[current])

    def unit_id(self) -> int | None:
        item = self.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item else None

    def unit_text(self) -> str:
        item = self.currentItem()
        return item.text(0) if item else ""
