"""走访督查: households overdue for a visit, per grid and per staff member, for the office's leaders;
the must-visit situations waiting for a visit and the year's collective visit campaigns (their tabs).

Grids are listed most overdue first; choosing one lists its staff and its overdue households,
choosing a staff member narrows to theirs. The figures come from gridoffice.activity.visits (the visit rules
live there); the rules themselves are set in 走访周期…. Reads run in the background.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from gridoffice.changes import Changes
from gridoffice.activity import visits
from gridoffice.access.scope import Scope
from gridoffice.vocab import CONTACT_CLASS_SHORT
from ui.background import LatestWorker
from ui.pages import Page
from ui.pages.workbench_page import WORKBENCH_RECORD
from ui.widgets.tables import fill, make_table, selected_row
from ui.must_visit_views import CampaignView, MustVisitView
from ui.dialogs.visits import VisitRulesDialog
from ui.widgets import panes



class VisitsPage(Page):
    PAGE_ID = "visits"
    TITLE = "走访督查"
    CONCERNS = Changes.VISITS | Changes.STAFF | Changes.HOUSEHOLDS | Changes.ORG
    ORDER = 62

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.today = dt.date.today
        self.grid_rows: list[visits.OverdueCount] = []
        self.staff_rows: list[visits.OverdueCount] = []
        # A list judged on a past day (show_class(), show_grid_on()) stands until a grid or staff member is
        # chosen: what it lists and the caption it gets.
        self._day_view: tuple[dict, str] | None = None
        self._scope: Scope | None = None  # the user's reach (a grid worker: their grid), set by reload()
        self._grid_worker = LatestWorker(ctx, "visits-grids", self)
        self._detail_worker = LatestWorker(ctx, "visits-detail", self)
        tr = self.tr
        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.rules_button = QPushButton(tr("走访周期…"), self)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.rules_button)
        # The visit rules hold for the whole office: not a grid worker's to change.
        if ctx.org_scope() is not None:
            self.rules_button.setEnabled(False)
            self.rules_button.setToolTip(tr("走访周期全社区通用，只有工作人员、领导和管理员可以修改"))
        self.grids = make_table(self, [tr("网格"), tr("在册户"), tr("超期户"), tr("超期率"), tr("最早应访")], 0)
        self.staff_table = make_table(self, [tr("联系人"), tr("联系户"), tr("超期户"), tr("最早应访")], 0)
        self.households = make_table(self, [tr("应访日期"), tr("超期"), tr("户号"), tr("户主"), tr("类别"), tr("上次走访"),
                                            tr("地址")], 6)
        self.detail_caption = QLabel(self)
        right = panes.column(self, tr("本网格联系人（超期多的在前）"), (self.staff_table, 2), self.detail_caption,
                       (self.households, 3))
        left = panes.column(self, tr("各网格（超期多的在前）"), (self.grids, 1))
        overdue_tab = panes.column(self, top, (panes.side_by_side(self, left, right, sizes=[460, 880]), 1), margins=(0, 4, 0, 0))
        self.must_visits = MustVisitView(self)
        self.campaigns = CampaignView(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(overdue_tab, tr("超期未走访"))
        self.tabs.addTab(self.must_visits, tr("必访情形"))
        self.tabs.addTab(self.campaigns, tr("集中走访"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(lambda _i: self._reload_tab())
        self.grids.selectionModel().currentRowChanged.connect(lambda current, _p: self._grid_chosen(current.row()))
        self.staff_table.selectionModel().currentRowChanged.connect(
            lambda current, _p: self._staff_chosen(current.row()))
        self.staff_table.doubleClicked.connect(self._open_workbench)
        self.rules_button.clicked.connect(self.edit_rules)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- page contract -------------------------------------------------------------------------------
    def activated(self) -> None:
        if self._dirty:
            self.reload()

    def is_loading(self) -> bool:
        return self._grid_worker.pending or self._detail_worker.pending

    # -- loading -------------------------------------------------------------------------------------
    def reload(self) -> None:
        self._dirty = False
        today = self.today()
        self.caption.setText(self.tr("正在统计…"))
        scope = self._scope = self.ctx.scope()
        self._grid_worker.submit(lambda db: visits.overdue_by_grid(db, scope=scope, today=today), self._grids_loaded,
                                 lambda exc: self.caption.setText(self.tr("统计失败：{e}").format(e=exc)))
        if self._day_view is not None:
            self._load_day_view()
        self._reload_tab()

    def _reload_tab(self) -> None:
        view = {1: self.must_visits, 2: self.campaigns}.get(self.tabs.currentIndex())
        if view is not None:
            view.reload()

    def _grids_loaded(self, rows: list[visits.OverdueCount]) -> None:
        chosen = selected_row(self.grids)
        current = self.grid_rows[chosen].id if chosen is not None and chosen < len(self.grid_rows) else None
        self.grid_rows = rows
        fill(self.grids, [(g.name or self.tr("（未分网格）"), g.households, g.overdue,
                           f"{g.overdue / g.households:.1%}" if g.households else "", g.oldest_due or "")
                          for g in rows])
        total = sum(g.households for g in rows)
        overdue = sum(g.overdue for g in rows)
        rules = visits.visit_rules(self.ctx.reader())
        self.caption.setText(self.tr(
            "在册 <b>{n}</b> 户，超期未走访 <b style='color:#b00020'>{o}</b> 户（{p}）。"
            "走访周期：一类户 {r1} 天、二类户 {r2} 天、三类户 {r3} 天").format(
            n=total, o=overdue, p=f"{overdue / total:.1%}" if total else "0%", r1=rules[1], r2=rules[2], r3=rules[3]))
        if self._day_view is not None:
            self._mark_grid(self._day_view[0].get("grid_id"))
            return
        ids = [g.id for g in rows]
        row = ids.index(current) if current in ids else (0 if rows else -1)
        model = self.grids.selectionModel()
        model.blockSignals(True)
        if row >= 0:
            self.grids.selectRow(row)
        model.blockSignals(False)
        self._grid_chosen(row)

    def _grid_chosen(self, row: int) -> None:
        self._day_view = None
        if not 0 <= row < len(self.grid_rows):
            fill(self.staff_table, [])
            fill(self.households, [])
            return
        grid = self.grid_rows[row]
        today = self.today()
        self.detail_caption.setText(self.tr("{grid}超期未走访的户").format(grid=grid.name))
        scope = self._scope

        def load(db):
            return (visits.overdue_by_staff(db, scope=scope, grid_id=grid.id or None, today=today),
                    visits.overdue_households(db, scope=scope, grid_id=grid.id or None, today=today))

        self._detail_worker.submit(load, self._grid_detail)

    def _grid_detail(self, result) -> None:
        self.staff_rows, overdue = result
        # Refilling must not count as choosing a staff member (that would narrow the list below).
        model = self.staff_table.selectionModel()
        model.blockSignals(True)
        fill(self.staff_table, [(s.name, s.households, s.overdue, s.oldest_due or "") for s in self.staff_rows])
        self.staff_table.clearSelection()
        model.blockSignals(False)
        self._show_households(overdue)

    def _staff_chosen(self, row: int) -> None:
        if not 0 <= row < len(self.staff_rows):
            return
        self._day_view = None
        person = self.staff_rows[row]
        today = self.today()
        self.detail_caption.setText(self.tr("{name}超期未走访的联系户").format(name=person.name))
        scope = self._scope
        self._detail_worker.submit(
            lambda db: visits.overdue_households(db, scope=scope, staff_id=person.id, today=today),
            self._show_households)

    def _show_households(self, dues: list[visits.Due]) -> None:
        fill(self.households, [(d.next_due, self.tr("{n}天").format(n=d.days_overdue), d.number, d.head_name,
                                self.tr(CONTACT_CLASS_SHORT.get(d.contact_class, "")), d.last_visit or self.tr("未走访"),
                                d.address) for d in dues])

    def show_class(self, contact_class: int, *, overdue: bool, unit: int | None, day: dt.date) -> None:
        """List the households of one contact class in the subtree of `unit` (None: all the user's) that
        were overdue on `day` (overdue=False: visited in time), as the dashboard's coverage bar counts them."""
        what = self.tr("超期未走访") if overdue else self.tr("按期走访")
        label = self.tr(CONTACT_CLASS_SHORT.get(contact_class, ""))
        self._show_day_view(dict(contact_class=contact_class, overdue=overdue, unit_id=unit, day=day),
                            self.tr("{c}户中截至{d}{what}的户").format(c=label, d=day.isoformat(), what=what))

    def show_grid_on(self, grid_id: int, name: str, *, unit: int | None, day: dt.date) -> None:
        """List one grid's households (0: those in no grid) in the subtree of `unit` that were overdue on
        `day`, as the dashboard's bar of that grid counts them (a month gone by is judged on its last day)."""
        self._show_day_view(dict(grid_id=grid_id, overdue=True, unit_id=unit, day=day),
                            self.tr("{grid}截至{d}超期未走访的户").format(grid=name, d=day.isoformat()))

    def _show_day_view(self, what: dict, caption: str) -> None:
        self.tabs.setCurrentIndex(0)
        self._day_view = (what, caption)
        for table in (self.grids, self.staff_table):
            table.selectionModel().blockSignals(True)
            table.clearSelection()
            table.selectionModel().blockSignals(False)
        self._mark_grid(what.get("grid_id"))
        fill(self.staff_table, [])
        self.staff_rows = []
        self._load_day_view()

    def _mark_grid(self, grid_id: int | None) -> None:
        """Highlight a grid's row without taking it as a choice (which would list it as of today)."""
        ids = [g.id for g in self.grid_rows]
        if grid_id is None or grid_id not in ids:
            return
        model = self.grids.selectionModel()
        model.blockSignals(True)
        self.grids.selectRow(ids.index(grid_id))
        model.blockSignals(False)
        self.grids.viewport().update()

    def _load_day_view(self) -> None:
        what, caption = self._day_view
        scope = self.ctx.scope()

        def load(db):
            return visits.households_on_day(db, scope=scope, **what)

        def loaded(result) -> None:
            dues, total = result
            self.detail_caption.setText(self.tr("{what}：共 {n} 户{more}").format(
                what=caption, n=total,
                more=self.tr("（列出其中{k}户）").format(k=len(dues)) if len(dues) < total else ""))
            self._show_households(dues)

        self.detail_caption.setText(self.tr("正在读取…"))
        self._detail_worker.submit(load, loaded)

    # -- actions ---------------------------------------------------------------------------------------
    def edit_rules(self) -> None:
        if self.rules_button.isEnabled() and VisitRulesDialog(self.ctx, self).exec():
            self.reload()

    def _open_workbench(self, index) -> None:
        if 0 <= index.row() < len(self.staff_rows):
            self.ctx.navigate(WORKBENCH_RECORD, self.staff_rows[index.row()].id)
