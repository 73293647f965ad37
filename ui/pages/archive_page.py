"""户籍档案: the organisation tree, the household and person tables, search, and the household page."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QMenu, QPushButton, QSpinBox,
                               QStyledItemDelegate, QTableView, QToolButton, QTabWidget, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from gridoffice.changes import Changes
from gridoffice import ages, vocab
from gridoffice.archive import browse, office_tags, people
from gridoffice.org import regions
from gridoffice.errors import GridOfficeError

from ..background import LatestWorker
from ..archive_search import ArchiveSearch
from ..household_operations import HouseholdOperations
from ..household_view import HouseholdView
from ..models import HouseholdModel, IdTableModel, PersonModel
from ..widgets import panes
from ..widgets.tables import ROW_HEIGHT, ColumnFitter, style_records
from . import Page

FIRST_ROWS = 300


def tr(text: str) -> str:
    return QCoreApplication.translate("ArchivePage", text)


class CountsDelegate(QStyledItemDelegate):
    """Right-aligns the count columns (cheaper than an alignment on each of 10,000 items)."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        if index.column() > 0:
            option.displayAlignment = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ArchivePage(Page):
    PAGE_ID = "archive"
    TITLE = "户籍档案"
    CONCERNS = Changes.HOUSEHOLDS | Changes.PERSONS | Changes.TAGS | Changes.ORG | Changes.CONTACTS | Changes.STAFF
    ORDER = 10
    # How many rows the list holds ("共N户"): the window shows it in the status bar's permanent part,
    # so it never covers a confirmation such as "已保存…".
    count_changed = Signal(str)

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self._loaded_once = False
        self._tree_asked = False
        self._following = 0  # calls waiting for the rows just shown to be painted
        self._reloads = {"households": 0, "persons": 0}
        self._dirty = {"households": True, "persons": True}
        self._sort = {"households": ("number", False), "persons": ("entry", False)}
        self.last_load_seconds: float | None = None
        self.first_rows_seconds: float | None = None
        self.id_workers = {"households": LatestWorker(ctx, "households", self),
                           "persons": LatestWorker(ctx, "persons", self)}
        self.counts_worker = LatestWorker(ctx, "counts", self)
        self.tree_worker = LatestWorker(ctx, "tree", self)
        # What the user's role lets them see (the core limits every list to it): a grid worker their
        # grid's units, no sensitive tags.
        self.scope = ctx.scope()
        self._build_filters()
        self._build_tree()
        self._build_tables()
        self.detail = HouseholdView(ctx)
        self.ops = HouseholdOperations(self)
        self.detail.person_activated.connect(lambda _pid: self.ops.edit_person())
        self.detail.members.customContextMenuRequested.connect(self._member_menu)
        self.detail.members.itemSelectionChanged.connect(self._update_actions)
        # The tree grows a little with the window too: a district's town names and 7-digit counts.
        self.splitter = panes.side_by_side(self, self.tree, self.tables_box, self.detail, sizes=[215, 700, 435],
                                           stretch=(1, 4, 3))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self.filter_row)
        layout.addWidget(self.splitter, 1)
        self._build_actions()
        self._update_actions()

    # -- building ------------------------------------------------------------------------------
    def _build_filters(self) -> None:
        self.search = ArchiveSearch(self)
        self.search_edit, self.results = self.search.edit, self.search.results

        self.class_combo = QComboBox()
        self.class_combo.addItem(tr("全部类别"), None)
        for code in vocab.CONTACT_CLASS_SHORT:
            self.class_combo.addItem(vocab.label(vocab.CONTACT_CLASS_SHORT, code) + tr("户"), code)
        self.group_combo = QComboBox()
        self.group_combo.addItem(tr("全部人群"), None)
        for group in ages.AGE_GROUPS:
            self.group_combo.addItem(ages.label(group), ("age", group.min_age, group.max_age))
        for register in office_tags.registers(self.ctx.reader()):
            if self.scope.sees_tag(register.code):
                self.group_combo.addItem(register.label, ("tag", register.code))
        self.age_min = QSpinBox()
        self.age_max = QSpinBox()
        for spin in (self.age_min, self.age_max):
            spin.setRange(-1, 130)
            spin.setSpecialValueText(tr("不限"))
            spin.setValue(-1)
            spin.setKeyboardTracking(False)
        self.status_combo = QComboBox()
        for code, text in (("active", tr("在册")), ("moved_out", tr("已迁出")), ("deceased", tr("已死亡")),
                           ("dissolved", tr("已注销")), (None, tr("全部状态"))):
            self.status_combo.addItem(text, code)
        self.clear_button = QPushButton(tr("清除筛选"))
        self.clear_button.clicked.connect(self.clear_filters)
        row = QHBoxLayout()
        row.addWidget(self.search_edit, 3)
        row.addSpacing(12)
        row.addWidget(self.class_combo)
        row.addWidget(self.group_combo)
        row.addWidget(QLabel(tr("年龄")))
        row.addWidget(self.age_min)
        row.addWidget(QLabel(tr("至")))
        row.addWidget(self.age_max)
        row.addWidget(self.status_combo)
        row.addWidget(self.clear_button)
        self.filter_row = row
        self.group_combo.currentIndexChanged.connect(self._group_chosen)
        for combo in (self.class_combo, self.status_combo):
            combo.currentIndexChanged.connect(self._filters_changed)
        for spin in (self.age_min, self.age_max):
            spin.valueChanged.connect(self._filters_changed)

    def _build_tree(self) -> None:
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr("组织"), tr("户"), tr("人")])
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setMinimumWidth(180)
        self.tree.setItemDelegate(CountsDelegate(self.tree))
        self.tree.currentItemChanged.connect(lambda *_: self._filters_changed())
        self._tree_items: dict[int, QTreeWidgetItem] = {}

    def _make_view(self, model: IdTableModel, sorted_column: int) -> QTableView:
        view = style_records(QTableView())
        view.setModel(model)
        view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        hheader = view.horizontalHeader()
        hheader.setSortIndicatorShown(True)
        hheader.setSectionsClickable(True)
        hheader.setSortIndicator(sorted_column, Qt.SortOrder.AscendingOrder)
        hheader.sortIndicatorChanged.connect(lambda col, order, m=model: m.sort(col, order))
        hheader.setStretchLastSection(True)
        for col, column in enumerate(model.columns):
            view.setColumnWidth(col, column.width)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        return view

    def _build_tables(self) -> None:
        self.household_model = HouseholdModel(self.ctx.reader, self.ctx.scope, self)
        self.person_model = PersonModel(self.ctx.reader, self.ctx.scope, self)
        self.models = {"households": self.household_model, "persons": self.person_model}
        self.household_view = self._make_view(self.household_model, 0)
        self.person_view = self._make_view(self.person_model, -1)  # entry order until a header is clicked
        self.views = {"households": self.household_view, "persons": self.person_view}
        # The address, and for persons the grid, take what the other columns leave.
        ColumnFitter(self.household_view, 3)
        ColumnFitter(self.person_view, 7, 70)
        for kind, model in self.models.items():
            model.sort_requested.connect(lambda key, desc, k=kind: self._sort_changed(k, key, desc))
            view = self.views[kind]
            view.selectionModel().currentRowChanged.connect(lambda cur, _prev, k=kind: self._row_changed(k, cur.row()))
            view.activated.connect(lambda _index: self.open_current())
            view.customContextMenuRequested.connect(lambda pos, k=kind: self._table_menu(k, pos))
        self.tabs = QTabWidget()
        self.tabs.addTab(self.household_view, tr("户"))
        self.tabs.addTab(self.person_view, tr("人"))
        self.tabs.currentChanged.connect(self._tab_changed)
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        self.count_label.linkActivated.connect(self._first_step)
        self.new_button = QToolButton()
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.new_button)
        self.tables_box = panes.column(self, (self.tabs, 1), bottom)

    def _build_actions(self) -> None:
        specs = self.ops.actions() + [("refresh", tr("刷新(&F)"), "F5", self.refresh, False)]
        self.actions: dict[str, QAction] = {}
        for key, text, shortcut, slot, needs_household in specs:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _c=False, s=slot: s())
            action.setData(needs_household)
            self.addAction(action)
            self.actions[key] = action
        self.new_button.setDefaultAction(self.actions["new_household"])
        for key in ("edit_household", "add_member", "edit_person", "change_head"):
            self.detail.add_button(self.actions[key])
        more = QMenu(tr("更多办理"), self)
        for key in ("tags", "representative", "hardship", "remove_member", "transfer", "death", "move", "split",
                    "merge", "move_out"):
            more.addAction(self.actions[key])
        more_button = self.detail.add_button(more.menuAction())
        more_button.setPopupMode(more_button.ToolButtonPopupMode.InstantPopup)
        self.detail.finish_buttons()
        self.escape = QAction(self)
        self.escape.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.escape.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.escape.triggered.connect(self.back_to_table)
        self.detail.addAction(self.escape)

    def menus(self) -> list[QMenu]:
        menu = QMenu(tr("户籍(&H)"), self)
        for key in ("new_household", "edit_household", None, "add_member", "edit_person", "tags", "change_head",
                    "representative", "hardship", "remove_member", "transfer", "death", None, "move", "split", "merge",
                    "move_out", None, "refresh"):
            if key is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions[key])
        return [menu]

    # -- page contract -------------------------------------------------------------------------
    def activated(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self.reload()  # the tree and its counts follow the first rows (_after_paint)
        self.views[self._current_kind()].setFocus()

    def on_changed(self, changes: Changes, initiator: object = None) -> None:
        if not self._loaded_once or not changes & self.CONCERNS:
            return
        if changes & Changes.ORG:
            self._load_tree()
        else:
            self._load_counts()
        self._dirty = {"households": True, "persons": True}
        self._reload_kind(self._current_kind())
        # The page's own operations that show a household when they finish (initiator=self) are not
        # shown here first.
        if self.detail.household is not None and initiator is not self:
            self.detail.show_household(self.detail.household.id)
        self._update_actions()

    def open_record(self, table: str, row_id: int) -> bool:
        if not self._loaded_once:
            self.activated()
        if table == "households":
            self.show_household(row_id)
            return True
        if table == "persons":
            try:
                person = people.get_person(self.ctx.reader(), row_id, scope=self.scope)
            except GridOfficeError as exc:
                self.ctx.show_status(exc.message)
                return False
            if person.household_id is None:
                self.ctx.show_status(tr("{name}还没有入户").format(name=person.name))
                return False
            self.show_household(person.household_id, person.id)
            return True
        if table == "org_units" and row_id in self._tree_items:
            self.tree.setCurrentItem(self._tree_items[row_id])
            return True
        return False

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def is_loading(self) -> bool:
        return (any(w.pending for w in self.id_workers.values()) or self.search.worker.pending
                or self.counts_worker.pending or self.tree_worker.pending or self._following > 0)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("archive/splitter", self.splitter.saveState())
        settings.setValue("archive/tab", self.tabs.currentIndex())
        for kind, view in self.views.items():
            settings.setValue(f"archive/{kind}/columns", view.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value("archive/splitter")
        if state is not None:
            self.splitter.restoreState(state)
        self.tabs.setCurrentIndex(int(settings.value("archive/tab", 0) or 0))
        for kind, view in self.views.items():
            columns = settings.value(f"archive/{kind}/columns")
            if columns is not None:
                view.horizontalHeader().restoreState(columns)

    # -- tree ----------------------------------------------------------------------------------
    def _load_tree(self) -> None:
        """Units are read off the GUI thread (a district has over 10,000); counts follow separately."""
        self._tree_asked = True
        scope = self.ctx.scope()
        self.tree_worker.submit(lambda db: (regions.office(db).name, regions.visible_units(db, scope)), self._fill_tree)

    def _fill_tree(self, loaded) -> None:
        office_name, units = loaded
        current = self.current_org_id()
        self.tree.setUpdatesEnabled(False)
        self.tree.blockSignals(True)
        self.tree.clear()
        self._tree_items = {}
        # "全部" also covers households outside every unit, which no unit's subtree would show.
        root = QTreeWidgetItem(self.tree, [tr("全部"), "", ""])
        root.setToolTip(0, office_name)
        root.setData(0, Qt.ItemDataRole.UserRole, None)
        items = self._tree_items
        for unit in units:
            item = QTreeWidgetItem(items.get(unit.parent_id, root), [unit.name, "", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, unit.id)
            items[unit.id] = item
        root.setExpanded(True)
        self.tree.expandToDepth(2 if len(items) < 300 else 1)
        self.tree.setCurrentItem(items.get(current, root))
        self.tree.blockSignals(False)
        self.tree.setUpdatesEnabled(True)
        self._load_counts()

    def _load_counts(self) -> None:
        scope = self.scope
        self.counts_worker.submit(lambda db: regions.counts(db, scope), self._show_counts)

    def _show_counts(self, counts: dict) -> None:
        total_h = total_p = 0
        for unit_id, item in self._tree_items.items():
            c = counts.get(unit_id)
            item.setText(1, str(c.households) if c else "0")
            item.setText(2, str(c.persons) if c else "0")
            if c and item.parent() is self.tree.topLevelItem(0):
                total_h += c.households
                total_p += c.persons
        root = self.tree.topLevelItem(0)
        if root is not None:
            root.setText(1, str(total_h))
            root.setText(2, str(total_p))
        self.tree.resizeColumnToContents(1)
        self.tree.resizeColumnToContents(2)

    def current_org_id(self) -> int | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item else None

    # -- filters and loading -------------------------------------------------------------------
    def current_filter(self) -> browse.Filter:
        group = self.group_combo.currentData()
        tag = group[1] if group and group[0] == "tag" else None
        status = self.status_combo.currentData()
        return browse.Filter(
            org_id=self.current_org_id(),
            tag=tag,
            contact_class=self.class_combo.currentData(),
            age_min=self.age_min.value() if self.age_min.value() >= 0 else None,
            age_max=self.age_max.value() + 1 if self.age_max.value() >= 0 else None,
            status=status,
        )

    def _group_chosen(self) -> None:
        group = self.group_combo.currentData()
        if group and group[0] == "age":
            for spin, value in ((self.age_min, group[1]), (self.age_max, None if group[2] is None else group[2] - 1)):
                spin.blockSignals(True)
                spin.setValue(-1 if value is None else value)
                spin.blockSignals(False)
        self._filters_changed()

    def clear_filters(self) -> None:
        for widget in (self.class_combo, self.group_combo, self.status_combo, self.age_min, self.age_max):
            widget.blockSignals(True)
        self.class_combo.setCurrentIndex(0)
        self.group_combo.setCurrentIndex(0)
        self.status_combo.setCurrentIndex(0)
        self.age_min.setValue(-1)
        self.age_max.setValue(-1)
        for widget in (self.class_combo, self.group_combo, self.status_combo, self.age_min, self.age_max):
            widget.blockSignals(False)
        if self.tree.topLevelItem(0) is not None:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._filters_changed()

    def show_ages(self, min_age: int, max_age: int | None, unit: int | None = None) -> None:
        """The persons of an age range (max_age inclusive, None: open), within a unit when given, and no
        other filter: a band of the dashboard's age pyramid."""
        widgets = (self.class_combo, self.group_combo, self.status_combo, self.age_min, self.age_max, self.tree)
        for widget in widgets:
            widget.blockSignals(True)
        self.class_combo.setCurrentIndex(0)
        self.group_combo.setCurrentIndex(0)
        self.status_combo.setCurrentIndex(0)
        self.age_min.setValue(min_age)
        self.age_max.setValue(-1 if max_age is None else max_age)
        item = self._tree_items.get(unit) if unit is not None else self.tree.topLevelItem(0)
        if item is not None:
            self.tree.setCurrentItem(item)
        for widget in widgets:
            widget.blockSignals(False)
        self.tabs.setCurrentIndex(1)
        self._filters_changed()

    def _filters_changed(self) -> None:
        if not self._loaded_once:
            return
        self._dirty = {"households": True, "persons": True}
        self._reload_kind(self._current_kind())

    def reload(self) -> None:
        self._dirty = {"households": True, "persons": True}
        self._reload_kind(self._current_kind())

    def refresh(self) -> None:
        self._load_tree()
        self.reload()

    def _current_kind(self) -> str:
        return "persons" if self.tabs.currentIndex() == 1 else "households"

    def _tab_changed(self, _index: int) -> None:
        kind = self._current_kind()
        if self._loaded_once and self._dirty[kind]:
            self._reload_kind(kind)
        self._show_count(kind)
        self._update_actions()

    def _sort_changed(self, kind: str, key: str, descending: bool) -> None:
        self._sort[kind] = (key, descending)
        if self._loaded_once:
            self._reload_kind(kind)

    def _reload_kind(self, kind: str) -> None:
        flt = self.current_filter()
        key, descending = self._sort[kind]
        loader = browse.household_ids if kind == "households" else browse.person_ids
        scope = self.scope
        self.count_label.setText(tr("正在加载……"))
        started = time.perf_counter()
        worker = self.id_workers[kind]
        self._reloads[kind] += 1
        serial = self._reloads[kind]

        def whole_list() -> None:
            if self._reloads[kind] == serial:  # not when the filter changed meanwhile
                worker.submit(lambda db: loader(db, flt, scope=scope, sort=key, descending=descending),
                              lambda all_ids: self._ids_loaded(kind, all_ids, started, complete=True))

        # First the rows a screen shows, at once; once painted, the whole list (seconds on a district
        # file) and, the first time, the tree with its counts.
        def first_rows(ids) -> None:
            self._ids_loaded(kind, ids, started, complete=len(ids) < FIRST_ROWS)
            if len(ids) >= FIRST_ROWS:
                self._after_paint(whole_list)
            if not self._tree_asked:
                self._after_paint(self._load_tree)

        worker.submit(lambda db: loader(db, flt, scope=scope, sort=key, descending=descending, limit=FIRST_ROWS),
                      first_rows)

    def _after_paint(self, fn) -> None:
        """fn on the next turn of the event loop, after the paint the rows just set have asked for: on a
        start, the clerk sees rows before any other read competes for the processor."""
        self._following += 1

        def run() -> None:
            self._following -= 1
            fn()

        QTimer.singleShot(0, self, run)

    def _ids_loaded(self, kind: str, ids, started: float, complete: bool) -> None:
        view = self.views[kind]
        model = self.models[kind]
        selected = model.id_at(view.currentIndex().row()) if view.currentIndex().isValid() else None
        model.set_ids(ids)
        self._dirty[kind] = False
        if selected is not None:
            row = model.row_of(selected)
            if row >= 0:
                view.selectionModel().blockSignals(True)
                view.setCurrentIndex(model.index(row, 0))
                view.selectionModel().blockSignals(False)
        elif self.detail.household is None and len(ids):
            view.setCurrentIndex(model.index(0, 0))
        if complete:
            self.last_load_seconds = time.perf_counter() - started
            self._show_count(kind)
        else:
            self.first_rows_seconds = time.perf_counter() - started

    def _show_count(self, kind: str) -> None:
        n = self.models[kind].rowCount()
        text = (tr("共{n}户") if kind == "households" else tr("共{n}人")).format(n=n)
        self.count_text = text
        self.count_changed.emit(text)
        rich = False
        if n == 0 and self.current_filter() == browse.Filter() and not self._tree_has_households():
            text = tr("还没有登记任何户。先在“组织与网格”页建立网格，再点右边的“新建户”登记第一户。")
            if self.ctx.can_import():
                rich = True
                text = tr("还没有登记任何户。已有Excel花名册的，<a href=\"import\">导入花名册</a>"
                          "（文件菜单，Ctrl+I）；没有的，先在“组织与网格”页建立网格，再点右边的“新建户”登记第一户。")
        self.count_label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        self.count_label.setText(text)

    def _first_step(self, link: str) -> None:
        if link == "import" and self.ctx.can_import():
            from ui.dialogs.import_wizard import open_import_wizard

            self.import_wizard = open_import_wizard(self.ctx, self.window())

    def _tree_has_households(self) -> bool:
        root = self.tree.topLevelItem(0)
        return root is not None and root.text(1) not in ("", "0")

    # -- selection and opening -----------------------------------------------------------------
    def _row_changed(self, kind: str, row: int) -> None:
        model = self.models[kind]
        if kind == "households":
            self.detail.show_household(model.id_at(row))
        else:
            rec = model.record(row)
            if rec is not None:
                self.detail.show_household(rec.household_id, rec.id)
        self._update_actions()

    def open_current(self) -> None:
        """Enter on a row: go into the household's members (Esc comes back)."""
        if self.detail.household is not None:
            self.detail.members.setFocus()

    def _may_see(self, household_id: int) -> bool:
        return browse.in_scope(self.ctx.reader(), household_id, self.scope)

    def back_to_table(self) -> None:
        """Esc in the household pane or the search box."""
        self.views[self._current_kind()].setFocus()

    def show_household(self, household_id: int, person_id: int | None = None) -> None:
        """Show a household in the detail pane and select its row if the current table has it."""
        if not self._may_see(household_id):
            self.ctx.show_status(tr("这一户不在您负责的范围内"))
            return
        self.detail.show_household(household_id, person_id)
        kind = self._current_kind()
        target = household_id if kind == "households" else person_id
        if target is not None:
            row = self.models[kind].row_of(target)
            view = self.views[kind]
            if row >= 0:
                view.selectionModel().blockSignals(True)
                view.setCurrentIndex(self.models[kind].index(row, 0))
                view.scrollTo(self.models[kind].index(row, 0))
                view.selectionModel().blockSignals(False)
        self._update_actions()

    def _update_actions(self) -> None:
        self.ops.enable(self.actions)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.search.place()

    # -- context menus -------------------------------------------------------------------------
    def _table_menu(self, kind: str, pos) -> None:
        view = self.views[kind]
        index = view.indexAt(pos)
        if index.isValid():
            view.setCurrentIndex(index)
        menu = QMenu(self)
        for key in ("edit_household", "add_member", "change_head", "move", "split", "merge", "move_out", None,
                    "new_household"):
            menu.addSeparator() if key is None else menu.addAction(self.actions[key])
        if kind == "persons":
            menu.insertActions(menu.actions()[0], [self.actions["edit_person"], self.actions["tags"],
                                                   self.actions["remove_member"], self.actions["death"]])
        menu.exec(view.viewport().mapToGlobal(pos))

    def _member_menu(self, pos) -> None:
        self._update_actions()
        menu = QMenu(self)
        set_head = menu.addAction(tr("设为户主…"))
        person = self.detail.current_person()
        set_head.setEnabled(bool(person and person.status == "active" and person.relation != "head"
                                 and self.actions["change_head"].isEnabled()))
        set_head.triggered.connect(lambda: self.ops.change_head(person.id if person else None))
        for key in ("edit_person", "tags", "representative", "remove_member", "transfer", "death", "split"):
            menu.addAction(self.actions[key])
        menu.exec(self.detail.members.viewport().mapToGlobal(pos))
