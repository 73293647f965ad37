"""走访督查's tabs for 必访情形 (“八个一、十必访”) and 集中走访 (“每年组织的2次以上集中性走访”).

The rules (what is due when, what counts as covered) live in gridoffice.activity.must_visits; these views list
what it returns and hand a clerk's inputs to it."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox, QDateEdit, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from gridoffice.activity import must_visits as MV
from gridoffice.reports import monthly
from gridoffice.masking import mask_text
from ui.dialogs.write import WriteDialog
from ui.widgets import panes
from ui.widgets.tables import fill, make_table, selected_row


def _date_edit(parent: QWidget, day: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day), parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class MustVisitDialog(WriteDialog):
    """登记必访情形: a household by its number, the situation, the day it happened."""

    def __init__(self, ctx, today: dt.date, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("登记必访情形"))
        self.today = today
        self.household = self.add_field(self.tr("户号"), QLineEdit(self), "household")
        self.situation = QComboBox(self)
        for s in MV.situations(ctx.reader()):
            self.situation.addItem(self.tr("{name}（{days}天内走访）").format(name=s.name, days=s.days), s.name)
        self.add_field(self.tr("必访情形"), self.situation, "situation")
        self.noted_on = self.add_field(self.tr("发生日期"), _date_edit(self, today), "noted_on")
        self.note = QPlainTextEdit(self)
        self.note.setFixedHeight(60)
        self.add_field(self.tr("情况说明"), self.note, "note")

    def save(self) -> None:
        number, situation = self.household.text(), self.situation.currentData()
        day, note, today = self.noted_on.date().toPython(), self.note.toPlainText(), self.today
        self.submit(lambda db: MV.record_for_number(db, number, situation, noted_on=day, note=note, today=today),
                    description=self.tr("登记必访情形"))


class SituationsDialog(WriteDialog):
    """必访情形清单: the office's own list of situations and their days."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("必访情形清单"))
        note = QLabel(self.tr("来源文章（淳安县）只提出“八个一、十必访”走访群众制度，没有列出十种情形；"
                              "下面的情形和走访期限是本办自定的，可按实际增删修改。"), self)
        note.setWordWrap(True)
        self.add_field("", note)
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("情形"), self.tr("几天内走访")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        for s in MV.situations(ctx.reader()):
            self._add_row(s.name, s.days)
        self.add_field("", self.table, "name")
        add, remove = QPushButton(self.tr("增加一行"), self), QPushButton(self.tr("删除所选行"), self)
        add.clicked.connect(lambda: self._add_row("", 3))
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()) if self.table.currentRow() >= 0
                               else None)
        row = QWidget(self)
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(add)
        row_layout.addWidget(remove)
        row_layout.addStretch(1)
        self.add_field("", row)
        self.resize(520, 520)

    def _add_row(self, name: str, days: int) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(name))
        spin = QSpinBox(self.table)
        spin.setRange(1, 30)
        spin.setValue(days)
        self.table.setCellWidget(r, 1, spin)

    def save(self) -> None:
        items = [((self.table.item(r, 0).text() if self.table.item(r, 0) else ""), self.table.cellWidget(r, 1).value())
                 for r in range(self.table.rowCount())]
        self.submit(lambda db: MV.set_situations(db, items), description=self.tr("修改必访情形清单"))


class MustVisitView(QWidget):
    """The must-visits not yet followed by a visit, in the user's units, soonest due first."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.rows: list[MV.MustVisit] = []
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.record_button = QPushButton(self.tr("登记必访情形(&N)…"), self)
        self.cancel_button = QPushButton(self.tr("撤销所选…"), self)
        self.list_button = QPushButton(self.tr("必访情形清单…"), self)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        for button in (self.record_button, self.cancel_button, self.list_button):
            top.addWidget(button)
        self.table = make_table(self, [self.tr(h) for h in ("应访日期", "状态", "户号", "户主", "必访情形", "发生日期",
                                                             "联系人", "情况说明")], 7)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        editable = page.ctx.can("edit")
        self.record_button.setEnabled(editable)
        self.cancel_button.setEnabled(editable)
        self.list_button.setEnabled(editable and page.ctx.org_scope() is None)
        self.record_button.clicked.connect(self.record)
        self.cancel_button.clicked.connect(self.cancel)
        self.list_button.clicked.connect(lambda: SituationsDialog(page.ctx, self).exec() and self.reload())

    def reload(self) -> None:
        today = self.page.today()
        self.rows = MV.pending(self.page.ctx.reader(), scope=self.page.ctx.scope(), today=today)
        tr = self.tr
        fill(self.table, [(m.due_on, tr("超期{n}天").format(n=m.days_overdue) if m.days_overdue > 0 else
                           tr("今天到期") if m.days_overdue == 0 else tr("还有{n}天").format(n=-m.days_overdue),
                           m.number, m.head_name, m.situation, m.noted_on, m.contacts, mask_text(m.note))
                          for m in self.rows])
        overdue = sum(m.days_overdue > 0 for m in self.rows)
        self.caption.setText(tr("遇有必访情形待走访 {n} 户，其中超期 {o} 户。登记后，在期限内走访该户即为完成"
                                "（“八个一、十必访”，淳安县；情形和期限为本办自定）").format(n=len(self.rows), o=overdue))

    def record(self) -> None:
        if MustVisitDialog(self.page.ctx, self.page.today(), self).exec():
            self.reload()

    def cancel(self) -> None:
        row = selected_row(self.table)
        if row is None or row >= len(self.rows):
            return
        m = self.rows[row]
        reason, ok = QInputDialog.getText(self, self.tr("撤销必访情形"), self.tr("撤销户{n}的“{s}”的原因：").format(
            n=m.number, s=m.situation))
        if ok:
            self.page.ctx.write(lambda db: MV.cancel(db, m.id, reason), description=self.tr("撤销必访情形"),
                                on_error=lambda exc: self.caption.setText(getattr(exc, "message", str(exc))))


class CampaignDialog(WriteDialog):
    """安排集中走访: name, the unit it covers, the dates."""

    def __init__(self, ctx, today: dt.date, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("安排集中走访"))
        self.name = self.add_field(self.tr("名称"), QLineEdit(self), "name")
        self.name.setPlaceholderText(self.tr("例如：春节前集中走访"))
        self.unit = QComboBox(self)
        scope = ctx.scope()
        if scope.whole_office:
            self.unit.addItem(self.tr("全部"), None)
        for unit in monthly.report_units(ctx.reader(), scope):
            self.unit.addItem(unit.detail + unit.name, unit.id)
        self.add_field(self.tr("范围"), self.unit, "org_id")
        self.start = self.add_field(self.tr("开始日期"), _date_edit(self, today), "start_on")
        self.end = self.add_field(self.tr("结束日期"), _date_edit(self, today + dt.timedelta(days=14)), "end_on")
        self.note = QPlainTextEdit(self)
        self.note.setFixedHeight(60)
        self.add_field(self.tr("走访重点"), self.note, "note")

    def save(self) -> None:
        name, org_id, note = self.name.text(), self.unit.currentData(), self.note.toPlainText()
        start, end = self.start.date().toPython(), self.end.date().toPython()
        self.submit(lambda db: MV.plan_campaign(db, name, start_on=start, end_on=end, org_id=org_id, note=note),
                    description=self.tr("安排集中走访"))


class AssignDialog(WriteDialog):
    """分派: the staff member who answers for one grid in a campaign."""

    def __init__(self, ctx, campaign: MV.Campaign, grid: MV.GridCoverage, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("分派：{c}　{g}").format(c=campaign.name, g=grid.grid))
        self.campaign, self.grid = campaign, grid
        self.staff = QComboBox(self)
        for member in monthly.report_staff(ctx.reader(), ctx.scope()):
            self.staff.addItem(f"{member.name}（{member.detail}）" if member.detail else member.name, member.id)
        if grid.staff_id is not None:
            self.staff.setCurrentIndex(max(0, self.staff.findData(grid.staff_id)))
        self.add_field(self.tr("负责人"), self.staff, "staff_id")

    def save(self) -> None:
        staff_id, campaign_id, grid_id = self.staff.currentData(), self.campaign.id, self.grid.grid_id
        self.submit(lambda db: MV.assign(db, campaign_id, grid_id, staff_id), description=self.tr("分派集中走访"))


class CampaignView(QWidget):
    """The year's campaigns and, for the chosen one, each grid's coverage."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.campaigns: list[MV.Campaign] = []
        self.cover: list[MV.GridCoverage] = []
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(page.today().year)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.plan_button = QPushButton(self.tr("安排集中走访(&P)…"), self)
        self.assign_button = QPushButton(self.tr("分派所选网格…"), self)
        top = QHBoxLayout()
        year_label = QLabel(self.tr("年度(&Y)："), self)
        year_label.setBuddy(self.year)
        top.addWidget(year_label)
        top.addWidget(self.year)
        top.addWidget(self.caption, 1)
        top.addWidget(self.plan_button)
        top.addWidget(self.assign_button)
        self.list = make_table(self, [self.tr(h) for h in ("名称", "范围", "开始", "结束", "走访重点")], 4)
        self.grids = make_table(self, [self.tr(h) for h in ("网格", "负责人", "在册户", "已走访", "覆盖率")], 0)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(panes.side_by_side(self, self.list, self.grids), 1)
        editable = page.ctx.can("edit")
        self.plan_button.setEnabled(editable)
        self.assign_button.setEnabled(editable)
        self.year.valueChanged.connect(lambda _v: self.reload())
        self.list.selectionModel().selectionChanged.connect(lambda *_: self._chosen())
        self.plan_button.clicked.connect(self.plan)
        self.assign_button.clicked.connect(self.assign)

    def reload(self) -> None:
        current = self.current()
        self.campaigns = MV.campaigns(self.page.ctx.reader(), self.year.value(), scope=self.page.ctx.scope())
        fill(self.list, [(c.name, c.unit, c.start_on, c.end_on, mask_text(c.note)) for c in self.campaigns])
        n = len(self.campaigns)
        short = n < MV.CAMPAIGNS_A_YEAR
        self.caption.setText(self.tr("{y}年已安排集中走访 {n} 次{warn}（来源文章：“每年组织的2次以上集中性走访”）").format(
            y=self.year.value(), n=n, warn=self.tr("，少于2次") if short else ""))
        self.caption.setStyleSheet("color: #b00020;" if short else "")
        ids = [c.id for c in self.campaigns]
        if ids:  # the selection's change reads the chosen campaign's coverage (_chosen)
            self.list.selectRow(ids.index(current) if current in ids else 0)
        else:
            self._chosen()

    def current(self) -> int | None:
        row = selected_row(self.list)
        return self.campaigns[row].id if row is not None and row < len(self.campaigns) else None

    def _chosen(self) -> None:
        cid = self.current()
        self.cover = MV.coverage(self.page.ctx.reader(), cid, scope=self.page.ctx.scope()) if cid else []
        fill(self.grids, [(g.grid, g.staff_name or self.tr("未分派"), g.households, g.visited,
                           f"{g.visited / g.households:.0%}" if g.households else "") for g in self.cover])

    def plan(self) -> None:
        if CampaignDialog(self.page.ctx, self.page.today(), self).exec():
            self.reload()

    def assign(self) -> None:
        cid, row = self.current(), selected_row(self.grids)
        if cid is None or row is None or row >= len(self.cover):
            return
        campaign = next(c for c in self.campaigns if c.id == cid)
        if AssignDialog(self.page.ctx, campaign, self.cover[row], self).exec():
            self._chosen()
