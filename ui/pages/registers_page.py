"""重点人群: one register per special group (tags and derived age groups), with counts.

Counts and the ordered id list are read in the background (only the newest request counts);
the table fetches the visible rows per window. ID and phone numbers are shown masked.
Enter or a double click opens the person's household. The list shown (register, unit, order) is
exported to Excel or printed as a PDF, masked and recorded in the audit trail (exports.register_list).
"""

from __future__ import annotations

import datetime as dt
from array import array
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView,
    QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from gridoffice import vocab
from gridoffice.archive import office_tags, registers
from gridoffice.org import regions
from gridoffice.changes import Changes
from ui.background import LatestWorker
from ui.context import Cancelled
from ui.dialogs.common import save_path
from ui.models import Column, IdTableModel
from ui.pages import Page
from ui.widgets.unit_picker import UnitPicker, unit_paths
from ui.widgets.tables import style_records
from ui.widgets import panes

# Kinds of change that can move a person into or out of a register.


class RegistersPage(Page):
    PAGE_ID = "registers"
    TITLE = "重点人群"
    CONCERNS = Changes.ORG | Changes.HOUSEHOLDS | Changes.PERSONS | Changes.TAGS
    ORDER = 30

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        # Where "today" comes from: ages and the age registers are judged against it (tests fix it).
        self.today = dt.date.today
        self._group = registers.groups()[0].code
        self._sort = ("household", False)
        self._count_worker = LatestWorker(ctx, "register-counts", self)
        self._ids_worker = LatestWorker(ctx, "register-ids", self)

        self.scope = UnitPicker(self, all_text=self.tr("全部（本办公室）"))
        scope_label = QLabel(self.tr("范围(&S)："), self)
        scope_label.setBuddy(self.scope)
        self.refresh_button = QPushButton(self.tr("刷新(F5)"), self)
        self.excel_button = QPushButton(self.tr("导出Excel(&X)…"), self)
        self.pdf_button = QPushButton(self.tr("打印PDF(&P)…"), self)
        for button in (self.excel_button, self.pdf_button):
            button.setToolTip(self.tr("导出当前显示的名单（身份证号和电话已遮挡），记入操作记录"))
        self.last_folder: Path | None = None
        top = QHBoxLayout()
        top.addWidget(scope_label)
        top.addWidget(self.scope)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        top.addWidget(self.excel_button)
        top.addWidget(self.pdf_button)

        self.groups = QTreeWidget(self)
        self.groups.setColumnCount(2)
        self.groups.setHeaderLabels([self.tr("人群"), self.tr("人数")])
        self.groups.setRootIsDecorated(False)
        self.groups.setUniformRowHeights(True)
        header = self.groups.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.groups.setStyleSheet("QTreeWidget::item { padding: 3px 0px; }")
        self._group_items: dict[str, QTreeWidgetItem] = {}
        sections = {"age": self.tr("按年龄"), "tag": self.tr("按类别")}
        self._sections: dict[str, QTreeWidgetItem] = {}
        bold = self.groups.font()
        bold.setBold(True)
        for kind, title in sections.items():
            # Section headings only group the list; they cannot be chosen.
            section = QTreeWidgetItem([title, ""])
            section.setFlags(Qt.ItemFlag.ItemIsEnabled)
            section.setFont(0, bold)
            self.groups.addTopLevelItem(section)
            self._sections[kind] = section
            for g in registers.groups(ctx.reader()):
                # Health, disability and hardship registers only for roles that need them (the core refuses them too).
                if g.kind == kind and (g.kind != "tag" or ctx.scope().sees_tag(g.code)):
                    self._add_group_item(section, g)
        self.groups.expandAll()
        self.groups.setItemsExpandable(False)
        self.groups.setIndentation(12)
        # An office keeps registers of its own beside the built-in ones (gridoffice.archive.office_tags).
        self.add_register = QPushButton(self.tr("增设名册…"), self)
        self.add_register.setToolTip(self.tr("增设本单位自己的人群名册，如失业人员、失能老人"))
        self.add_register.setEnabled(ctx.can_import())
        self.add_register.clicked.connect(self.new_register)
        left = panes.column(self, self.tr("选择人群(&G)："), self.groups, self.add_register)

        self.model = IdTableModel(
            [
                Column("name", self.tr("姓名"), lambda r: r.name, width=80),
                Column("", self.tr("性别"), lambda r: r.sex, width=40),
                Column("age", self.tr("年龄"), lambda r: "" if r.age is None else str(r.age), True, 44),
                # Year and month (the masking rule): they tell infants apart, where the age in years cannot.
                Column("", self.tr("出生年月"), lambda r: r.birth_date, width=92),
                Column("household", self.tr("户号"), lambda r: r.household_number, width=112),
                Column("grid", self.tr("网格"), lambda r: r.grid, width=100),
                Column("", self.tr("住址"), lambda r: r.address, width=220),
                Column("", self.tr("身份证号"), lambda r: r.id_masked, width=150),
                Column("", self.tr("电话"), lambda r: r.phone_masked, width=104),
            ],
            lambda db, ids: registers.rows(db, ids, scope=ctx.scope(), today=self.today()), ctx.reader, self,
        )
        self.table = QTableView(self)
        self.table.setModel(self.model)
        style_records(self.table)
        table_header = self.table.horizontalHeader()
        table_header.setMinimumSectionSize(40)
        for column, spec in enumerate(self.model.columns):
            self.table.setColumnWidth(column, spec.width)
        table_header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        # The indicator starts on 户号, the order person_ids() gives by default.
        table_header.setSortIndicator(4, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)

        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        font = self.caption.font()
        font.setBold(True)
        self.caption.setFont(font)
        self.hint = QLabel(self.tr("回车或双击打开所在户 · 点击列标题排序 · 身份证号和电话已遮挡"), self)
        self.hint.setEnabled(False)
        right = panes.column(self, self.caption, (self.table, 1), self.hint)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(panes.side_by_side(self, left, right, sizes=[220, 920], stretch=(0, 1)), 1)

        self.setTabOrder(self.scope, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.groups)
        self.setTabOrder(self.groups, self.table)

        self.scope.unit_changed.connect(lambda _u: self.reload())
        self.refresh_button.clicked.connect(self.reload)
        self.excel_button.clicked.connect(lambda: self.export("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.groups.setCurrentItem(self._group_items[self._group])
        self.groups.currentItemChanged.connect(self._group_chosen)
        self.groups.itemActivated.connect(lambda *_: self.table.setFocus())
        self.table.activated.connect(self._open_row)
        self.model.sort_requested.connect(self._sort_changed)
        table_header.sortIndicatorChanged.connect(self._indicator_moved)

    def _add_group_item(self, section: QTreeWidgetItem, g: registers.Group) -> None:
        item = QTreeWidgetItem([g.label, ""])
        item.setData(0, Qt.ItemDataRole.UserRole, g.code)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        section.addChild(item)
        self._group_items[g.code] = item

    def new_register(self) -> None:
        """Ask for the register's name and whether it is sensitive; the core adds it."""
        from ui.dialogs.tags import RegisterDialog

        dialog = RegisterDialog(self)
        if not dialog.exec():
            return
        name, sensitive = dialog.values()

        def added(code: str) -> None:
            self._add_group_item(self._sections["tag"], registers.group(code, self.ctx.reader()))
            self.ctx.show_status(self.tr("已增设名册“{name}”").format(name=name))
            self.reload()

        self.ctx.write(lambda db: office_tags.add_register(db, name, sensitive=sensitive),
                       description=self.tr("增设名册“{name}”").format(name=name),
                       on_done=added, initiator=self)

    # -- page contract -------------------------------------------------------------------------------
    def activated(self) -> None:
        if self._dirty:
            self._load_units()
            self.reload()

    # -- loading -----------------------------------------------------------------------------------
    def _load_units(self) -> None:
        grid_rank = vocab.LEVEL_RANK["grid"]
        units = regions.visible_units(self.ctx.reader(), self.ctx.scope())
        self.scope.set_units(unit_paths(units, max_rank=grid_rank))

    def reload(self) -> None:
        """Recount every register and reload the chosen one for the current scope."""
        self._dirty = False
        # "全部" is the whole of the user's scope: the core limits every count and list to it.
        org_id, scope, today = self.scope.current_unit(), self.ctx.scope(), self.today()
        self._count_worker.submit(lambda db: registers.counts(db, scope=scope, org_id=org_id, today=today),
                                  self._show_counts, self._failed)
        self._load_ids()

    def _load_ids(self) -> None:
        org_id, code, (sort, descending) = self.scope.current_unit(), self._group, self._sort
        scope, today = self.ctx.scope(), self.today()
        self.caption.setText(self.tr("{group}：正在读取…").format(group=registers.group(code, self.ctx.reader()).label))
        self._ids_worker.submit(
            lambda db: registers.person_ids(db, code, scope=scope, org_id=org_id, sort=sort, descending=descending,
                                            today=today),
            self._show_ids, self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        # E.g. the chosen unit was retired meanwhile: say so instead of leaving "正在读取…".
        self.caption.setText(self.tr("读取失败：{e}（按 F5 重试）").format(e=getattr(exc, "message", str(exc))))

    def _show_counts(self, counts: dict[str, int]) -> None:
        for code, item in self._group_items.items():
            item.setText(1, str(counts.get(code, 0)))

    def _show_ids(self, ids: list[int]) -> None:
        self.model.set_ids(array("q", ids))
        scope = self.scope.currentText() if self.scope.current_unit() is not None else self.tr("全部")
        self.caption.setText(self.tr("{group} · {scope} · 共{n}人").format(
            group=registers.group(self._group, self.ctx.reader()).label, scope=scope, n=len(ids)))
        if ids and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def show_group(self, code: str, unit: int | None = None) -> None:
        """Show one register within a unit (the dashboard's bar of that register)."""
        self.scope.blockSignals(True)
        self.scope.set_current_unit(unit)
        self.scope.blockSignals(False)
        item = self._group_items.get(code)
        if item is not None:
            self.groups.setCurrentItem(item)
        self.reload()

    # -- interaction -----------------------------------------------------------------------------------
    def current_group(self) -> str:
        return self._group

    def is_loading(self) -> bool:
        return self._count_worker.pending or self._ids_worker.pending

    def select_group(self, code: str) -> None:
        self.groups.setCurrentItem(self._group_items[code])

    def _group_chosen(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        if item is None:
            return
        self._group = item.data(0, Qt.ItemDataRole.UserRole)
        self.model.set_ids(array("q"))
        self._load_ids()

    def _sort_changed(self, key: str, descending: bool) -> None:
        if (key, descending) != self._sort:
            self._sort = (key, descending)
            self._load_ids()

    def _indicator_moved(self, column: int, _order) -> None:
        if self.model.columns[column].key:
            return
        # A column SQL cannot sort by: put the indicator back on the column the list follows.
        header = self.table.horizontalHeader()
        current = next(i for i, c in enumerate(self.model.columns) if c.key == self._sort[0])
        header.blockSignals(True)
        header.setSortIndicator(current, Qt.SortOrder.DescendingOrder if self._sort[1] else Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)

    # -- exporting ---------------------------------------------------------------------------------
    def export(self, kind: str) -> None:
        """Write the list shown (its register, unit and order) as a workbook or a PDF, in the background."""
        from exports import register_list

        code, org_id, (sort, descending) = self._group, self.scope.current_unit(), self._sort
        label = registers.group(code, self.ctx.reader()).label
        where = self.scope.currentText().strip() if org_id is not None else ""
        name = "-".join(p for p in (where, self.tr("重点人群名单"), label) if p) + "." + kind
        path = save_path(self, self.tr("保存名单"), (self.last_folder or Path.home()) / name, kind)
        if path is None:
            return
        scope, today = self.ctx.scope(), self.today()

        def done(_result) -> None:
            self.last_folder = path.parent
            self.ctx.show_status(self.tr("已导出：{path}").format(path=path))

        def failed(exc: BaseException) -> None:
            message = self.tr("已取消") if isinstance(exc, Cancelled) else getattr(exc, "message", "") or str(exc)
            self.ctx.show_status(self.tr("导出未完成：{m}").format(m=message))

        self.ctx.run_job(lambda db: register_list.write(db, path, code, form=kind, scope=scope, org_id=org_id, sort=sort,
                                                        descending=descending, today=today),
                         self.tr("导出重点人群名单"), writes=True, parent=self, on_done=done, on_error=failed)

    def _open_row(self, index) -> None:
        record = self.model.record(index.row())
        if record is None:
            return
        if record.household_id is None:
            self.ctx.show_status(self.tr("{name}不在任何户中，请在完整性检查中处理").format(name=record.name))
            return
        self.ctx.navigate("households", record.household_id)
