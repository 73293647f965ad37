"""The roster import wizard: file → sheet → column mapping → preview with problems → import → result.
With kind "tags" the same wizard imports a special-group list (gridoffice.archive.tag_import).

Every slow step (reading the sheet, the trial run, the import) runs through ctx.run_job, so the
window never freezes and each can be cancelled. The core job is the same one the `import`
command runs (gridoffice.roster.importer); the preview is that job with dry_run=True.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QListWidget, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
    QWizard, QWizardPage,
)

from exports.import_report import write_report
from gridoffice.archive import office_tags, tag_import
from gridoffice.org import regions
from gridoffice.errors import GridOfficeError
from gridoffice.roster.columns import FIELDS, Header, check_mapping, find_header, guess_mapping, remembered
from gridoffice.roster.importer import import_sheet
from gridoffice.roster.result import SAMPLE_COLUMNS, ImportResult
from gridoffice.roster.limits import column_letter
from gridoffice.roster.read import RawSheet, cell_text, read_sheet_job, sheet_names
from ui.context import Cancelled

ERROR_STYLE = "color: #b00020;"
FILE_FILTER = "花名册 (*.xlsx *.xls *.xlsm *.csv);;所有文件 (*)"
EXAMPLE_ROWS = 3


def _table(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(str(value))
            item.setToolTip(str(value))
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


class _Page(QWizardPage):
    def __init__(self, wizard: "ImportWizard", title: str, subtitle: str = ""):
        super().__init__()
        self.w = wizard
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


class FilePage(_Page):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__(wizard, wizard.tr("选择花名册文件"),
                         wizard.tr("支持 Excel（.xlsx、.xls）和 CSV（GBK 或 UTF-8 编码）。"))
        self.path = QLineEdit(self)
        self.path.setPlaceholderText(self.tr("花名册文件的位置"))
        self.path.textChanged.connect(self.completeChanged)
        browse = QPushButton(self.tr("浏览…"), self)
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("选择花名册"), self.path.text(), self.tr(FILE_FILTER))
        if chosen:
            self.path.setText(chosen)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        try:
            names = sheet_names(self.path.text().strip())
        except GridOfficeError as exc:
            self.show_error(exc.message)
            return False
        self.show_error("")
        self.w.set_file(Path(self.path.text().strip()), names)
        return True


class SheetPage(_Page):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__(wizard, wizard.tr("选择工作表"), wizard.tr("花名册所在的工作表；读取大表格需要几秒钟。"))
        self.sheets = QListWidget(self)
        self.sheets.currentRowChanged.connect(self.completeChanged)
        self.sheets.itemDoubleClicked.connect(lambda _item: self.w.next())
        layout = QVBoxLayout(self)
        layout.addWidget(self.sheets)
        layout.addWidget(self.error)

    def initializePage(self) -> None:
        self.sheets.clear()
        self.sheets.addItems(self.w.sheets)
        self.sheets.setCurrentRow(0)

    def isComplete(self) -> bool:
        return self.sheets.currentRow() >= 0 and not self.w.busy

    def validatePage(self) -> bool:
        name = self.sheets.currentItem().text()
        if self.w.raw is not None and self.w.raw_key == (self.w.path, name):
            return True
        self.show_error("")
        path = self.w.path

        def job(_db):
            yield 0, 0, self.tr("正在读取“{name}”……").replace("{name}", name)
            return (yield from read_sheet_job(path, name))

        def done(raw: RawSheet) -> None:
            self.w.set_raw((path, name), raw)
            self.w.next()

        self.w.run(job, self.tr("读取工作表"), done, self.show_error)
        return False


class MappingPage(_Page):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__(wizard, wizard.tr("核对各列的含义"),
                         wizard.tr("程序按列名自动对应；如有不对，请在“对应项目”中改正，下次导入会记住。"))
        self.header_row = QSpinBox(self)
        self.header_row.setMinimum(1)
        self.header_row.valueChanged.connect(self._header_row_changed)
        self.two_rows = QCheckBox(self.tr("表头占两行"), self)
        self.two_rows.toggled.connect(lambda _on: self._header_row_changed(self.header_row.value()))
        self.table = _table(self, [self.tr("列"), self.tr("表头"), self.tr("示例"), self.tr("对应项目")])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.default_grid = QComboBox(self)
        self.list_tag = QComboBox(self)
        self.create_grids = QCheckBox(self.tr("表中出现系统里没有的网格或单元时自动建立（建在本单位之下）"), self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("表头在第"), self))
        top.addWidget(self.header_row)
        top.addWidget(QLabel(self.tr("行"), self))
        top.addWidget(self.two_rows)
        top.addStretch(1)
        form = QFormLayout()
        if wizard.kind == "tags":
            form.addRow(self.tr("整份名单的类别："), self.list_tag)
            self.default_grid.hide()
            self.create_grids.hide()
        else:
            form.addRow(self.tr("没有填写网格的户归入："), self.default_grid)
            form.addRow("", self.create_grids)
            self.list_tag.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.header: Header | None = None
        self.combos: list[QComboBox] = []
        self._loading = False

    def _fields(self) -> dict[str, str]:
        return tag_import.FIELDS if self.w.kind == "tags" else FIELDS

    def _guess(self, labels) -> dict[int, str]:
        if self.w.kind == "tags":
            return tag_import.guess_mapping(labels)
        return guess_mapping(labels, remembered(self.w.ctx.reader()))

    def initializePage(self) -> None:
        raw = self.w.raw
        memory = remembered(self.w.ctx.reader())
        self.header_row.setMaximum(max(1, len(raw.rows)))
        try:
            header = (tag_import.find_header(raw.rows) if self.w.kind == "tags"
                      else find_header(raw.rows, raw.merged, memory))
            self.show_error("")
        except GridOfficeError as exc:
            header = Header(0, 1, tuple(cell_text(c) for c in raw.rows[0]) if raw.rows else ())
            self.show_error(exc.message + self.tr("。请指出表头在第几行，再逐列选择对应项目。"))
        self._loading = True
        self.header_row.setValue(header.data_row)
        self.two_rows.setChecked(header.data_row - header.first_row == 2)
        self._loading = False
        self._show(header, self._guess(header.labels))
        self.list_tag.clear()
        self.list_tag.addItem(self.tr("（按表中的“人群类别”列）"), "")
        scope = self.w.ctx.scope()
        for register in office_tags.registers(self.w.ctx.reader()):
            if scope.sees_tag(register.code):
                self.list_tag.addItem(register.label, register.label)
        self.default_grid.clear()
        self.default_grid.addItem(self.tr("（不指定：没有网格的户将被拒收）"), "")
        for unit in regions.all_units(self.w.ctx.reader()):
            if unit.level == "grid":
                self.default_grid.addItem(unit.name, unit.name)

    def _header_row_changed(self, row_number: int) -> None:
        if self._loading:
            return
        rows = self.w.raw.rows
        last = row_number - 1
        first = last - 1 if self.two_rows.isChecked() and last > 0 else last
        upper = [cell_text(c) for c in rows[first]] if first < len(rows) else []
        lower = [cell_text(c) for c in rows[last]] if last < len(rows) else []
        labels = tuple(f"{u}/{low}" if u and low and u != low and first != last else (low or u)
                       for u, low in zip(upper, lower))
        header = Header(first, last + 1, labels)
        self._show(header, self._guess(labels))

    def _show(self, header: Header, mapping: dict[int, str]) -> None:
        self.header = header
        raw = self.w.raw
        width = max([len(header.labels)] + [len(r) for r in raw.rows[header.data_row:header.data_row + 50]])
        examples = [r for r in raw.rows[header.data_row:] if any(c not in ("", None) for c in r)][:EXAMPLE_ROWS]
        self.table.setRowCount(width)
        self.combos = []
        for col in range(width):
            label = header.labels[col] if col < len(header.labels) else ""
            sample = "；".join(cell_text(r[col]) for r in examples if col < len(r) and r[col] not in ("", None))
            self.table.setItem(col, 0, QTableWidgetItem(column_letter(col)))
            self.table.setItem(col, 1, QTableWidgetItem(label))
            self.table.setItem(col, 2, QTableWidgetItem(sample))
            combo = QComboBox(self.table)
            combo.addItem(self.tr("（不导入）"), "")
            for code, text in self._fields().items():
                combo.addItem(self.tr(text), code)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(col, ""))))
            self.table.setCellWidget(col, 3, combo)
            self.combos.append(combo)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.table.setColumnWidth(3, 140)

    def mapping(self) -> dict[int, str]:
        return {col: combo.currentData() for col, combo in enumerate(self.combos) if combo.currentData()}

    def validatePage(self) -> bool:
        try:
            if self.w.kind == "tags":
                tag_import.check_mapping(self.mapping(), self.list_tag.currentData() or "")
            else:
                check_mapping(self.mapping())
        except GridOfficeError as exc:
            self.show_error(exc.message)
            return False
        self.show_error("")
        labels = tuple(self.table.item(r, 1).text() for r in range(self.table.rowCount()))
        self.w.options = {"header": Header(self.header.first_row, self.header.data_row, labels), "mapping": self.mapping()}
        if self.w.kind == "tags":
            self.w.options["tag"] = self.list_tag.currentData() or ""
        else:
            self.w.options.update(default_grid=self.default_grid.currentData() or "",
                                  create_grids=self.create_grids.isChecked())
        return True


class PreviewPage(_Page):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__(wizard, wizard.tr("预览：试导入的结果"),
                         wizard.tr("这一步没有写入任何数据。被拒收的行不会导入，可保存清单改正后再导入。"))
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        columns = tag_import.SAMPLE_COLUMNS if wizard.kind == "tags" else SAMPLE_COLUMNS
        self.sample = _table(self, [self.tr(h) for h in columns])
        self.problems = _table(self, [self.tr("行号"), self.tr("类别"), self.tr("说明")])
        save = QPushButton(self.tr("保存问题清单…"), self)
        save.clicked.connect(lambda: self.w.save_report(self.w.preview))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel(self.tr("将导入的前几行（已清理）："), self))
        layout.addWidget(self.sample, 2)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("拒收和提示："), self))
        row.addStretch(1)
        row.addWidget(save)
        layout.addLayout(row)
        layout.addWidget(self.problems, 2)
        layout.addWidget(self.error)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("导入"))

    def initializePage(self) -> None:
        self.w.preview = None
        self.summary.setText(self.tr("正在试导入……"))
        self.sample.setRowCount(0)
        self.problems.setRowCount(0)
        self.show_error("")
        raw, options = self.w.raw, dict(self.w.options)
        job = self.w.job_function()
        self.w.run(lambda db: job(db, raw, file_name=self.w.path.name, dry_run=True, **options),
                   self.tr("试导入"), self._show, self._failed)

    def _failed(self, message: str) -> None:
        self.summary.setText("")
        self.show_error(message)

    def _show(self, result: ImportResult) -> None:
        self.w.preview = result
        self.summary.setText(self.w.describe(result))
        _fill(self.sample, result.sample)
        rows = [(r.row, self.tr("拒收"), r.reason) for r in result.refused]
        rows += [(n.row, self.tr("提示"), n.message) for n in result.notices]
        _fill(self.problems, sorted(rows, key=lambda r: r[0]))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        result = self.w.preview
        return result is not None and not self.w.busy and result.accepted > 0

    def validatePage(self) -> bool:
        if self.w.result is not None:
            return True
        raw, options = self.w.raw, dict(self.w.options)

        def done(result: ImportResult) -> None:
            self.w.result = result
            self.w.next()
            # The import is committed; a bulk load's search documents are written meanwhile.
            self.w.ctx.fill_search_index()

        job = self.w.job_function()
        self.w.run(lambda db: job(db, raw, file_name=self.w.path.name, **options), self.w.windowTitle(),
                   done, lambda message: self.show_error(message + self.tr("（数据库未改动）")), writes=True)
        return False


class ResultPage(_Page):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__(wizard, wizard.tr("导入完成"))
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save = QPushButton(self.tr("保存报告（拒收的行可改正后再导入）…"), self)
        self.save.clicked.connect(lambda: self.w.save_report(self.w.result))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.save, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def initializePage(self) -> None:
        result = self.w.result
        text = self.w.describe(result)
        if result.refused:
            text += "\n\n" + self.tr("有{n}行被拒收，没有导入。请保存报告，在报告的“拒收”表中逐行改正，"
                                     "再用本向导导入这份报告。").replace("{n}", str(len(result.refused)))
        self.summary.setText(text)
        self.save.setEnabled(bool(self.w.result.refused or self.w.result.notices))


def open_import_wizard(ctx, parent: QWidget | None = None, kind: str = "roster") -> "ImportWizard":
    """The wizard, shown window-modal; the File menu and the empty archive's first steps open it.
    kind "tags" imports a special-group list instead of a roster."""
    wizard = ImportWizard(ctx, parent, kind)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.open()
    return wizard


class ImportWizard(QWizard):
    """Open with open_import_wizard(ctx, parent); ctx is the application's AppContext."""

    def __init__(self, ctx, parent: QWidget | None = None, kind: str = "roster"):
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.setWindowTitle(self.tr("导入重点人群名单") if kind == "tags" else self.tr("导入花名册"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("上一步"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("取消"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("完成"))
        self.path: Path | None = None
        self.sheets: list[str] = []
        self.raw: RawSheet | None = None
        self.raw_key: tuple | None = None
        self.options: dict = {}
        self.preview: ImportResult | None = None
        self.result: ImportResult | None = None
        self.busy = False
        self.job = None
        self.file_page = FilePage(self)
        self.sheet_page = SheetPage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.result_page = ResultPage(self)
        for page in (self.file_page, self.sheet_page, self.mapping_page, self.preview_page, self.result_page):
            self.addPage(page)
        self.resize(900, 640)

    def job_function(self):
        return tag_import.import_sheet if self.kind == "tags" else import_sheet

    def set_file(self, path: Path, sheets: list[str]) -> None:
        if path != self.path:
            self.raw = self.raw_key = None
        self.path, self.sheets = path, sheets

    def set_raw(self, key: tuple, raw: RawSheet) -> None:
        self.raw_key, self.raw = key, raw

    def run(self, job_factory, title: str, on_done, on_error, *, writes: bool = False) -> None:
        """A core job through the context; buttons wait while it runs, errors show on the page."""
        self.busy = True
        self.button(QWizard.WizardButton.NextButton).setEnabled(False)
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)

        def finish() -> None:
            self.busy = False
            self.button(QWizard.WizardButton.BackButton).setEnabled(True)
            self.currentPage().completeChanged.emit()

        def ok(result) -> None:
            finish()
            on_done(result)

        def failed(exc: BaseException) -> None:
            finish()
            if isinstance(exc, GridOfficeError):
                on_error(exc.message)
            elif isinstance(exc, Cancelled):
                on_error(self.tr("已取消"))
            else:
                on_error(self.tr("出错了：{err}").replace("{err}", str(exc)))

        self.job = self.ctx.run_job(job_factory, title, on_done=ok, on_error=failed, writes=writes,
                                    parent=self)

    def reject(self) -> None:
        """Closing the wizard cancels a running job; an import then rolls back completely."""
        if self.busy and self.job is not None:
            self.job.cancel()
        super().reject()

    def describe(self, result: ImportResult) -> str:
        head = self.tr("试导入（尚未写入）") if result.dry_run else self.tr("已导入")
        if result.kind == "tags":
            text = self.tr("{head}：数据行{rows}，加入名册{add}条，结束或补充说明{chg}条，名册无变化{same}人；"
                           "拒收{ref}行，提示{notes}条；跳过合计、说明和空行{skip}行，表内重复{dup}行。")
            values = {"head": head, "rows": result.rows, "add": result.entries_added, "chg": result.entries_changed,
                      "same": result.persons_unchanged, "ref": len(result.refused), "notes": len(result.notices),
                      "skip": result.skipped, "dup": result.duplicates}
            for key, value in values.items():
                text = text.replace("{" + key + "}", str(value))
            return text
        text = self.tr("{head}：数据行{rows}，新登记{new}人、更新{upd}人、无变化{same}人；新建{hh}户、更新{hhu}户；"
                       "拒收{ref}行，提示{notes}条；跳过合计、说明和空行{skip}行，表内重复{dup}行。")
        values = {"head": head, "rows": result.rows, "new": result.persons_new, "upd": result.persons_updated,
                  "same": result.persons_unchanged, "hh": result.households_new, "hhu": result.households_updated,
                  "ref": len(result.refused), "notes": len(result.notices), "skip": result.skipped,
                  "dup": result.duplicates}
        for key, value in values.items():
            text = text.replace("{" + key + "}", str(value))
        if result.grids_created:
            text += self.tr("新建网格和单元：") + "、".join(result.grids_created)
        return text

    def save_report(self, result: ImportResult | None) -> None:
        if result is None:
            return
        default = str(self.path.with_name(f"{self.path.stem}-导入报告.xlsx"))
        chosen, _ = QFileDialog.getSaveFileName(self, self.tr("保存报告"), default, self.tr("Excel 工作簿 (*.xlsx)"))
        if not chosen:
            return
        try:
            write_report(chosen, result)
        except OSError as exc:
            self.currentPage().show_error(self.tr("无法保存报告：{err}").replace("{err}", str(exc)))
        else:
            self.ctx.show_status(self.tr("报告已保存：{path}").replace("{path}", chosen))
