"""The window's table models: columns described once, rows from one of two sources.

IdTableModel holds an array('q') of ids (filtered and sorted by SQL in gridoffice.archive.browse) and a
small LRU cache of row blocks; data() never runs a query per cell: a cache miss loads the whole
block of BLOCK rows around it in one query (STYLE.md: Anki's browser table, calibre's library).
RowListModel shows a list the core returned whole (staff of a unit, team members): data() costs
no query, and a list of tens of thousands shows as fast as ten.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt, Signal
from sqlite_utils import Database

from gridoffice import vocab
from gridoffice.archive import browse
from gridoffice.access.scope import Scope

BLOCK = 200
MAX_BLOCKS = 12
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def tr(text: str) -> str:
    return QCoreApplication.translate("models", text)


@dataclass(frozen=True)
class Column:
    key: str  # the sort key in gridoffice.archive.browse, or "" when the column cannot be sorted
    title: str
    text: Callable[[Any], str]
    align_right: bool = False
    width: int = 100


class ColumnModel(QAbstractTableModel):
    """Cells, alignment and headers from the columns; a subclass says how many rows and what record each shows."""

    def __init__(self, columns: Sequence[Column], parent=None):
        super().__init__(parent)
        self.columns = list(columns)

    def record(self, row: int) -> Any:
        raise NotImplementedError

    def missing_text(self, column: int) -> str:
        return ""

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            rec = self.record(index.row())
            if rec is None:
                return self.missing_text(index.column())
            return self.columns[index.column()].text(rec)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            column = self.columns[index.column()]
            horizontal = Qt.AlignmentFlag.AlignRight if column.align_right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title
        return str(section + 1)


class RowListModel(ColumnModel):
    """Rows are records in memory, each with an `id`."""

    def __init__(self, columns: Sequence[Column], parent=None):
        super().__init__(columns, parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def record(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, row_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == row_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)


class IdTableModel(ColumnModel):
    """Rows are ids; `fetch(db, ids) -> {id: row}` loads a block; `reader()` gives the connection."""

    sort_requested = Signal(str, bool)  # sort key, descending

    def __init__(self, columns: Sequence[Column], fetch: Callable[[Database, Sequence[int]], dict],
                 reader: Callable[[], Database], parent=None):
        super().__init__(columns, parent)
        self._fetch = fetch
        self._reader = reader
        self._ids = array("q")
        self._cache: OrderedDict[int, dict] = OrderedDict()
        self.queries = 0  # block loads so far: lets tests check there is no query per cell

    # -- ids -----------------------------------------------------------------------------------
    def set_ids(self, ids: array) -> None:
        """Show these ids; an unchanged list only refreshes the cells, keeping selection and scroll."""
        if ids == self._ids:
            self.refresh()
            return
        self.beginResetModel()
        self._ids = ids
        self._cache.clear()
        self.endResetModel()

    def refresh(self) -> None:
        """Drop cached rows (after an edit) and repaint what is in view."""
        self._cache.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self.columns) - 1))

    def ids(self) -> array:
        return self._ids

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, row_id: int) -> int:
        """The row showing row_id, or -1 (a linear scan in C; fine for a click, not for a loop)."""
        try:
            return self._ids.index(row_id)
        except ValueError:
            return -1

    def record(self, row: int):
        """The fetched record shown at a row (loading its block if needed)."""
        if not 0 <= row < len(self._ids):
            return None
        block = row // BLOCK
        rows = self._cache.get(block)
        if rows is None:
            start = block * BLOCK
            wanted = self._ids[start:start + BLOCK]
            rows = self._fetch(self._reader(), wanted)
            self.queries += 1
            self._cache[block] = rows
            if len(self._cache) > MAX_BLOCKS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(block)
        return rows.get(self._ids[row])

    # -- Qt model ------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def missing_text(self, column: int) -> str:
        return tr("（已不存在）") if column == 0 else ""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == ID_ROLE and index.isValid():
            return self._ids[index.row()]
        return super().data(index, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is SQL's job: ask the owner to reload the ids in the new order."""
        key = self.columns[column].key
        if key:
            self.sort_requested.emit(key, order == Qt.SortOrder.DescendingOrder)


def household_columns() -> list[Column]:
    return [
        Column("number", tr("户号"), lambda r: r.number, width=110),
        Column("head", tr("户主"), lambda r: r.head, width=80),
        Column("members", tr("人数"), lambda r: str(r.members), align_right=True, width=50),
        Column("address", tr("地址"), lambda r: r.address, width=260),
        Column("grid", tr("网格"), lambda r: r.grid, width=110),
        Column("contact_class", tr("联系类别"), lambda r: vocab.label(vocab.CONTACT_CLASS_SHORT, r.contact_class), width=70),
        Column("phone", tr("电话"), lambda r: r.phone, width=110),
        Column("status", tr("状态"), lambda r: vocab.label(vocab.HOUSEHOLD_STATUS, r.status), width=60),
    ]


def person_columns() -> list[Column]:
    return [
        Column("name", tr("姓名"), lambda r: r.name, width=80),
        Column("sex", tr("性别"), lambda r: vocab.label(vocab.SEX, r.sex), width=40),
        Column("age", tr("年龄"), lambda r: "" if r.age is None else str(r.age), align_right=True, width=45),
        Column("birth_date", tr("出生年月"), lambda r: r.birth_date, width=90),
        Column("id_number", tr("身份证号"), lambda r: r.id_masked, width=160),
        Column("relation", tr("与户主关系"), lambda r: vocab.label(vocab.RELATIONS, r.relation), width=80),
        Column("household", tr("户号"), lambda r: r.household_number, width=110),
        Column("grid", tr("网格"), lambda r: r.grid, width=110),
        Column("phone", tr("电话"), lambda r: r.phone, width=110),
        Column("political_status", tr("政治面貌"), lambda r: vocab.label(vocab.POLITICAL_STATUS, r.political_status), width=80),
        Column("status", tr("状态"), lambda r: vocab.label(vocab.PERSON_STATUS, r.status), width=60),
    ]


class HouseholdModel(IdTableModel):
    """`scope()` gives the user's Scope when a block is read: rows outside it are not fetched."""

    def __init__(self, reader: Callable[[], Database], scope: Callable[[], Scope], parent=None):
        super().__init__(household_columns(), lambda db, ids: browse.household_rows(db, ids, scope=scope()),
                         reader, parent)


class PersonModel(IdTableModel):
    def __init__(self, reader: Callable[[], Database], scope: Callable[[], Scope], parent=None):
        super().__init__(person_columns(), lambda db, ids: browse.person_rows(db, ids, scope=scope()), reader, parent)
