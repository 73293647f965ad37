"""考核指标与权重: the year-end assessment's template, edited by an administrator and shown to everyone.

Each indicator is taken into the assessment or not, with its full-marks target and its weight. The
rules (which indicators exist, what a target may be, who may change them) live in
gridoffice.reports.assessment; this dialog only shows them and hands the rows over."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QHeaderView, QLabel, QPushButton,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from gridoffice.reports import assessment as A
from gridoffice.errors import GridOfficeError


class AssessmentTemplateDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.editable = ctx.user is not None and ctx.user.role == "admin"
        self.setWindowTitle(self.tr("年终考核指标与权重"))
        origin = QLabel(self.tr(
            "考核指标、满分标准和权重都是本办自定：来源文章只提出“落实民情联系工作考核”（桐庐县），没有给出计分办法。"
            "每项得分 = 权重 × min(完成值 ÷ 满分标准, 1)；比率或平均分没有可评的（如全年无办结事项、无点评）得0分。"
            "“群众评分、团队自评、团队互评”取自“通过团队自评、团队互评、群众评分等形式，对网格服务团队进行集中点评”（舟山）。"),
            self)
        origin.setWordWrap(True)
        self.table = QTableWidget(len(A.INDICATORS), 5, self)
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in ("计入考核", "考核指标", "满分标准", "权重（满分）", "说明")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((70, 140, 100, 100)):
            self.table.setColumnWidth(column, width)
        self.rows: list[tuple[str, QCheckBox, QDoubleSpinBox, QDoubleSpinBox]] = []
        for row, (code, (label, kind)) in enumerate(A.INDICATORS.items()):
            used = QCheckBox(self)
            target = QDoubleSpinBox(self)
            target.setDecimals(2)
            target.setRange(0.01, 1 if kind == "rate" else 100 if kind == "score" else 100000)
            target.setSingleStep(0.05 if kind == "rate" else 1)
            weight = QDoubleSpinBox(self)
            weight.setDecimals(1)
            weight.setRange(0, 100)
            self.table.setCellWidget(row, 0, used)
            self.table.setItem(row, 1, QTableWidgetItem(self.tr(label)))
            self.table.setCellWidget(row, 2, target)
            self.table.setCellWidget(row, 3, weight)
            self.table.setItem(row, 4, QTableWidgetItem(self.tr(A.KIND_TEXT[kind])))
            for widget in (used, target, weight):
                widget.setEnabled(self.editable)
            used.toggled.connect(self._update_total)
            weight.valueChanged.connect(self._update_total)
            self.rows.append((code, used, target, weight))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.total = QLabel(self)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.defaults_button = QPushButton(self.tr("恢复默认(&D)"), self)
        self.defaults_button.setEnabled(self.editable)
        self.buttons = QDialogButtonBox(self)
        if self.editable:
            self.buttons.addButton(self.tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole)
            self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
            self.buttons.addButton(self.defaults_button, QDialogButtonBox.ButtonRole.ResetRole)
        else:
            self.buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
            self.error.setStyleSheet("color: #555;")
            self.error.setText(self.tr("只有系统管理员可以修改考核指标与权重。"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.defaults_button.clicked.connect(lambda: self._show([(c, t, w) for c, t, w in A.DEFAULT_TEMPLATE]))
        layout = QVBoxLayout(self)
        layout.addWidget(origin)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(900, 560)
        self._show([(i.code, i.target, i.weight) for i in A.template(ctx.reader())])

    def _show(self, items: list[tuple[str, float, float]]) -> None:
        chosen = {code: (target, weight) for code, target, weight in items}
        defaults = {code: (target, weight) for code, target, weight in A.DEFAULT_TEMPLATE}
        for code, used, target, weight in self.rows:
            t, w = chosen.get(code) or defaults[code]
            used.setChecked(code in chosen)
            target.setValue(t)
            weight.setValue(w)
        self._update_total()

    def items(self) -> list[tuple[str, float, float]]:
        return [(code, target.value(), weight.value()) for code, used, target, weight in self.rows if used.isChecked()]

    def _update_total(self) -> None:
        total = sum(w for _, _, w in self.items())
        self.total.setText(self.tr("计入考核 {n} 项，权重合计 {w:g} 分（满分）").format(n=len(self.items()), w=total))

    def save(self) -> None:
        items = self.items()
        self.buttons.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.error.setText(exc.message if isinstance(exc, GridOfficeError) else str(exc))

        def done(_result) -> None:
            self.buttons.setEnabled(True)
            self.ctx.show_status(self.tr("已保存考核指标与权重"))
            self.accept()

        self.ctx.write(lambda db: A.set_template(db, items), description=self.tr("修改考核模板"),
                       on_done=done, on_error=failed)
