"""报表: pick the kind, the period and the scope, see the figures on the page, write the file as a
background job, open its folder.

The figures shown are the ones the workbook gets (gridoffice.reports.monthly, arranged by the writers'
own row functions), read in the background whenever a choice changes; only the newest request counts.
The roster masks ID numbers and phones; full numbers (needed to import the file back) are a
deliberate choice with a reason, offered only to roles that may reveal numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QSpinBox, QTableView, QVBoxLayout, QWidget)

from gridoffice.changes import Changes
from gridoffice.reports import assessment as A, monthly
from gridoffice.roster.columns import FIELDS
from ..background import LatestWorker
from ..context import Cancelled
from ..dialogs.common import save_path
from ..widgets.tables import ColumnFitter, TextRowsModel, style_records

from . import Page

# kind -> (label, file suffix, needs: month / year / org / staff / columns)
# The choices (units, staff) are read again for these; the figures for the others.
_CHOICES = Changes.ORG | Changes.STAFF
_FIGURES = (Changes.MATTERS | Changes.VISITS | Changes.LOGS | Changes.HOUSEHOLDS | Changes.PERSONS
            | Changes.TAGS)

KINDS = {
    "summary": ("月度汇总表", "xlsx", {"month", "org"}),
    "notice": ("公示表（按网格服务团队）", "xlsx", {"month", "org"}),
    "assessment": ("年终考核表", "xlsx", {"year", "org"}),
    "roster": ("花名册", "xlsx", {"org", "columns", "full"}),
    "village-file": ("一村一档（PDF）", "pdf", {"org"}),
    "member-file": ("一党员一档（PDF）", "pdf", {"staff", "year"}),
}


class FiguresModel(TextRowsModel):
    """The figures shown before exporting: numbers to the right, the rows of totals in bold."""

    def __init__(self, parent=None):
        super().__init__([], parent)
        self.totals: set[int] = set()
        self.bold = QFont()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.TextAlignmentRole:
            text = self.rows[index.row()][index.column()]
            if index.column() > 0 and text and (text[0].isdigit() or text[0] in "+-"):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self.bold if index.row() in self.totals else None
        return super().data(index, role)


class ReportsPage(Page):
    PAGE_ID = "reports"
    TITLE = "报表"
    CONCERNS = _CHOICES | _FIGURES
    ORDER = 55

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.today = dt.date.today
        self.last_path: Path | None = None
        self._loaded = False
        self.kind = QComboBox()
        for code, (label, _, _) in KINDS.items():
            self.kind.addItem(self.tr(label), code)
        self.month = QComboBox()
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.org = QComboBox()
        self.staff = QComboBox()
        self.staff.setEditable(True)
        self.staff.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.columns = QListWidget()
        for code, label in FIELDS.items():
            item = QListWidgetItem(self.tr(label))
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.columns.addItem(item)
        self.columns.setMaximumHeight(180)
        self.full_numbers = QCheckBox(self.tr("写入完整的身份证号和电话（可再导入；记入操作记录）"))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("原因，例如“迁移到新电脑”"))
        self.reason.setEnabled(False)
        self.full_numbers.toggled.connect(self.reason.setEnabled)
        if not ctx.can("reveal"):
            self.full_numbers.setEnabled(False)
            self.full_numbers.setToolTip(self.tr("您的角色不能查看完整号码"))
        full = QWidget()
        full_row = QHBoxLayout(full)
        full_row.setContentsMargins(0, 0, 0, 0)
        full_row.addWidget(self.full_numbers)
        full_row.addWidget(self.reason, 1)
        self.export_button = QPushButton(self.tr("导出(&E)…"))
        self.export_button.setShortcut("Ctrl+Return")
        self.template_button = QPushButton(self.tr("考核指标与权重(&W)…"))
        self.open_folder = QPushButton(self.tr("打开所在文件夹(&O)"))
        self.open_folder.setEnabled(False)
        self.result = QLabel()
        self.result.setWordWrap(True)
        # The figures of the report chosen, before anything is exported.
        self._figures_worker = LatestWorker(ctx, "report-figures", self)
        self._figures: tuple | None = None
        self.figures_caption = QLabel()
        self.figures_caption.setWordWrap(True)
        self.section = QComboBox()
        self.section_label = QLabel(self.tr("显示(&D)："))
        self.section_label.setBuddy(self.section)
        self.figures_model = FiguresModel(self)
        self.figures = QTableView()
        self.figures.setModel(self.figures_model)
        style_records(self.figures)
        self.figures.verticalHeader().setVisible(False)
        ColumnFitter(self.figures, 0, 80)

        form = QFormLayout()
        form.addRow(self.tr("报表种类(&K)："), self.kind)
        self.rows = {"month": (self.tr("月份(&M)："), self.month), "year": (self.tr("年度(&Y)："), self.year),
                     "org": (self.tr("范围(&S)："), self.org), "staff": (self.tr("人员(&P)："), self.staff),
                     "columns": (self.tr("花名册列(&C)："), self.columns),
                     "full": (self.tr("号码："), full)}
        for label, widget in self.rows.values():
            form.addRow(label, widget)
        self.form = form
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.open_folder)
        buttons.addStretch(1)
        buttons.addWidget(self.template_button)
        figures_head = QHBoxLayout()
        figures_head.addWidget(self.figures_caption, 1)
        figures_head.addWidget(self.section_label)
        figures_head.addWidget(self.section)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addLayout(figures_head)
        layout.addWidget(self.figures, 1)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        for combo in (self.month, self.org):
            combo.currentIndexChanged.connect(lambda _i: self.refresh_figures())
        self.year.valueChanged.connect(lambda _v: self.refresh_figures())
        self.section.currentIndexChanged.connect(lambda _i: self._show_figures())
        self.export_button.clicked.connect(self.export)
        self.open_folder.clicked.connect(self._open_folder)
        self.template_button.clicked.connect(self.edit_template)
        self._kind_changed()

    # -- loading ------------------------------------------------------------------------------------
    def activated(self) -> None:
        if not self._loaded:
            self._load()

    def on_changed(self, changes: Changes, initiator: object = None) -> None:
        if self._loaded and changes & _CHOICES:
            self._load()
        elif self._loaded and changes & _FIGURES:
            self.refresh_figures()

    def is_loading(self) -> bool:
        return self._figures_worker.pending

    def _load(self) -> None:
        self._loaded = True
        today = self.today()
        # Filled quietly: the figures are read once, when every choice is in place.
        for combo in (self.month, self.org, self.year):
            combo.blockSignals(True)
        self.month.clear()
        first = today.replace(day=1)
        for _ in range(24):
            self.month.addItem(self.tr("{y}年{m}月").format(y=first.year, m=first.month), first.isoformat()[:7])
            first = (first - dt.timedelta(days=1)).replace(day=1)
        # Offices hand in the month just ended: select it.
        self.month.setCurrentIndex(1 if today.day < 25 else 0)
        self.year.setValue(today.year if today.month > 6 else today.year - 1)
        db, scope = self.ctx.reader(), self.ctx.scope()
        self.org.clear()
        # "All" is the whole office, or for a grid worker everything in their own scope.
        self.org.addItem(self.tr("全部") if scope.whole_office else self.tr("全部（负责范围）"), None)
        for unit in monthly.report_units(db, scope):
            self.org.addItem(unit.detail + unit.name, unit.id)
        self.staff.clear()
        for member in monthly.report_staff(db, scope):
            self.staff.addItem(f"{member.name}（{member.detail}）" if member.detail else member.name, member.id)
        for combo in (self.month, self.org, self.year):
            combo.blockSignals(False)
        self.refresh_figures()

    def edit_template(self) -> None:
        from ..dialogs.assessment import AssessmentTemplateDialog

        AssessmentTemplateDialog(self.ctx, self).exec()

    def _kind_changed(self) -> None:
        self.template_button.setVisible(self.kind.currentData() == "assessment")
        needs = KINDS[self.kind.currentData()][2]
        for key, (_, widget) in self.rows.items():
            # Full numbers are offered only to roles that may reveal them (users.ROLES).
            self.form.setRowVisible(widget, key in needs and (key != "full" or self.ctx.can("reveal")))
        self.refresh_figures()

    # -- the figures on screen ----------------------------------------------------------------------
    def refresh_figures(self) -> None:
        """Read the chosen report's figures in the background (the workbook's own numbers)."""
        if not self._loaded:
            return
        kind, month, year, org_id = self.kind.currentData(), self.month.currentData(), self.year.value(), \
            self.org.currentData()
        scope = self.ctx.scope()
        self._figures = None
        self.figures_model.set_rows([], headers=[])
        if kind not in ("summary", "notice", "assessment") or (kind != "assessment" and not month):
            self.section.clear()
            self.section_label.setVisible(False)
            self.section.setVisible(False)
            self.figures.setVisible(False)
            self.figures_caption.setText(self.tr("{what}导出后查看；本页不预先显示内容。").format(
                what=self.tr(KINDS[kind][0])))
            return
        self.figures.setVisible(True)
        self.section_label.setVisible(False)  # shown again with the sheets of what was read
        self.section.setVisible(False)
        self.figures_caption.setText(self.tr("正在统计……（数据多时需要一些时间，可以先做别的）"))

        def load(db):
            if kind == "summary":
                return kind, monthly.monthly_summary(db, month, scope=scope, org_id=org_id)
            if kind == "notice":
                return kind, monthly.public_notice(db, month, scope=scope, org_id=org_id)
            return kind, A.assessment(db, str(year), scope=scope, org_id=org_id)

        self._figures_worker.submit(load, self._figures_loaded, self._figures_failed)

    def _figures_failed(self, exc: BaseException) -> None:
        self.figures_caption.setText(self.tr("统计失败：{m}").format(m=getattr(exc, "message", "") or str(exc)))

    def _figures_loaded(self, result) -> None:
        self._figures = result
        kind, data = result
        from exports import monthly_summary

        names = ([name for name, _, _ in monthly_summary.sections(data)] if kind == "summary"
                 else [self.tr("个人考核"), self.tr("团队考核")] if kind == "assessment" else [])
        keep = self.section.currentText()
        self.section.blockSignals(True)
        self.section.clear()
        self.section.addItems(names)
        if keep in names:
            self.section.setCurrentText(keep)
        self.section.blockSignals(False)
        self.section_label.setVisible(bool(names))
        self.section.setVisible(bool(names))
        self._show_figures()

    def figure_rows(self) -> tuple[str, list[str], list[list[str]], set[int]]:
        """(caption, headers, rows of text, indexes of total rows) of the figures read."""
        # The writers' row functions, imported when figures are first shown (they bring openpyxl).
        from exports import monthly_summary, public_notice

        kind, data = self._figures
        def percent(v: float) -> str:
            return f"{v:.1%}"
        if kind == "summary":
            section = max(0, self.section.currentIndex())
            headers, rows, totals = monthly_summary.figure_rows(data, section, self.tr("网格"))
            caption = self.tr("{office}月度汇总表·{name}（按网格）（{period}），共{n}个网格").format(
                office=data.office, name=monthly_summary.sections(data)[section][0], period=data.period.label,
                n=len(data.grids))
            return caption, headers, rows, totals
        if kind == "notice":
            rows = [[str(v) if i < 9 else ("" if v is None else percent(v)) for i, v in enumerate(r)]
                    for r in public_notice.team_rows(data)]
            caption = self.tr("{office}网格服务团队工作公示（{period}），共{n}个团队").format(
                office=data.office, period=data.period.label, n=len(rows))
            return caption, [self.tr(h) for h in public_notice.TEAM_HEADERS], rows, set()
        teams = self.section.currentIndex() == 1
        items = data.teams if teams else data.staff

        def value(item, ind) -> str:
            v = item.value(ind.code)
            return "" if v is None else percent(v) if ind.rate else (f"{v:.2f}" if ind.kind == "score" else str(v))

        rows = [[i.name, i.unit] + [value(i, ind) for ind in data.indicators] for i in items]
        caption = self.tr("{office}年终考核表·{what}（{period}）指标完成情况，共{n}项；得分和排名按权重在导出的工作簿中计算").format(
            office=data.office, what=self.section.currentText(), period=data.period.label, n=len(rows))
        first = self.tr("服务团队") if teams else self.tr("姓名")
        return caption, [first, self.tr("所属单位")] + [ind.label for ind in data.indicators], rows, set()

    def _show_figures(self) -> None:
        if self._figures is None:
            return
        caption, headers, rows, totals = self.figure_rows()
        self.figures_caption.setText(caption)
        self.figures_model.bold = QFont(self.font())
        self.figures_model.bold.setBold(True)
        self.figures_model.totals = set(totals)
        self.figures_model.set_rows(rows, headers=headers)

    # -- exporting ----------------------------------------------------------------------------------
    def _default_name(self, kind: str) -> str:
        label, suffix, needs = KINDS[kind]
        scope = self.org.currentText().strip() if self.org.currentData() else ""
        period = self.month.currentData() if "month" in needs else (str(self.year.value()) if "year" in needs else "")
        who = self.staff.currentText().split("（")[0] if kind == "member-file" else ""
        parts = [p for p in (scope, who, label.split("（")[0], period) if p]
        return "-".join(parts) + "." + suffix

    def selected_columns(self) -> list[str]:
        return [self.columns.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.columns.count())
                if self.columns.item(i).checkState() == Qt.CheckState.Checked]

    def job_factory(self, kind: str, path: Path):
        """The export job for the current choices, to run on the writer (exports record themselves)."""
        # The writers bring openpyxl, lxml and reportlab (~15 MB resident): only once a clerk exports.
        from exports import archives, assessment, monthly_summary, public_notice, roster

        month, year, org_id = self.month.currentData(), self.year.value(), self.org.currentData()
        columns, staff_id = self.selected_columns(), self.staff.currentData()
        full = self.full_numbers.isEnabled() and self.full_numbers.isChecked()
        reason = self.reason.text() if full else ""
        scope = self.ctx.scope()
        factories = {
            "summary": lambda db: monthly_summary.write(db, path, month, scope=scope, org_id=org_id),
            "notice": lambda db: public_notice.write(db, path, month, scope=scope, org_id=org_id),
            "assessment": lambda db: assessment.write(db, path, str(year), scope=scope, org_id=org_id),
            "roster": lambda db: roster.write(db, path, scope=scope, org_id=org_id, columns=columns,
                                              full_numbers=full, reason=reason),
            "village-file": lambda db: archives.write_village(db, path, org_id, scope=scope),
            "member-file": lambda db: archives.write_member(db, path, staff_id, scope=scope, year=year),
        }
        return factories[kind]

    def export(self) -> None:
        kind = self.kind.currentData()
        if kind == "village-file" and self.org.currentData() is None:
            self.result.setText(self.tr("一村一档请先在“范围”中选择一个村或社区"))
            return
        if kind == "member-file" and self.staff.currentData() is None:
            self.result.setText(self.tr("一党员一档请先选择一位人员"))
            return
        suffix = KINDS[kind][1]
        start = (self.last_path.parent if self.last_path else Path.home()) / self._default_name(kind)
        path = save_path(self, self.tr("保存报表"), start, suffix)
        if path is None:
            return
        self.export_button.setEnabled(False)
        self.result.setText(self.tr("正在导出……"))
        self.ctx.run_job(self.job_factory(kind, path), self.tr("导出{what}").format(what=self.tr(KINDS[kind][0])),
                         writes=True, parent=self, on_done=lambda _r: self._done(path),
                         on_error=self._failed)

    def _done(self, path: Path) -> None:
        self.last_path = path
        self.export_button.setEnabled(True)
        self.open_folder.setEnabled(True)
        self.result.setText(self.tr("已导出：{path}").format(path=path))

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        if isinstance(exc, Cancelled):
            message = self.tr("已取消")
        else:
            message = getattr(exc, "message", "") or str(exc)
        self.result.setText(self.tr("导出未完成：{m}").format(m=message))

    def _open_folder(self) -> None:
        if self.last_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_path.parent)))
