"""联系卡打印: service, contact and proxy cards for chosen grids or households.

The preview and the printer draw the card's own drawing operations (exports.cards) with
QPainter, the same operations the PDF writer draws, so what the clerk sees is what the file and
the printer get. (PySide6-Essentials has no QtPdf to show the PDF itself.) Saving writes the PDF
in the background; both saving and printing are logged.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QMarginsF, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPageLayout, QPageSize, QPainter, QPen, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QMessageBox, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from exports import card_qr
from exports import cards as X
from gridoffice.audit import journal
from gridoffice.reports import cards as C
from gridoffice.changes import Changes
from gridoffice.errors import GridOfficeError
from ui.context import Cancelled
from ui.pages import Page
from ui.widgets import panes

PREVIEW_PX_PER_MM = 4.0
PAGE_MM = {"a4-10": (210.0, 297.0), "a6": (105.0, 148.0)}


@cache
def card_font_family() -> str:
    """The shipped font's family, so on-screen text has the metrics the layout measured with."""
    font_id = QFontDatabase.addApplicationFont(str(X.fonts.FONT_FILE))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    return families[0] if families else QFont().family()


class CardPainter:
    """Draws card pages with QPainter in millimetres (origin: the paper's top-left corner)."""

    def __init__(self, painter: QPainter, px_per_mm: float, page_h_mm: float, offset: tuple[float, float]):
        self.p = painter
        self.s = px_per_mm
        self.h = page_h_mm
        self.offset = offset
        self.font = QFont(card_font_family())
        self.font.setPixelSize(100)

    def xy(self, x_mm: float, y_mm_from_bottom: float) -> QPointF:
        return QPointF((x_mm + self.offset[0]) * self.s, (self.h - y_mm_from_bottom + self.offset[1]) * self.s)

    def crop_marks(self) -> None:
        pen = QPen(QColor("#000000"))
        pen.setWidthF(max(0.25 / 72 * 25.4 * self.s, 1.0))
        self.p.setPen(pen)
        left, bottom = X.A4_LEFT, X.A4_BOTTOM
        right, top = left + X.A4_COLS * X.CARD_W, bottom + X.A4_ROWS * X.CARD_H
        g, n = X.CROP_GAP, X.CROP_LEN
        for i in range(X.A4_COLS + 1):
            x = left + i * X.CARD_W
            self.p.drawLine(self.xy(x, top + g), self.xy(x, top + g + n))
            self.p.drawLine(self.xy(x, bottom - g), self.xy(x, bottom - g - n))
        for j in range(X.A4_ROWS + 1):
            y = bottom + j * X.CARD_H
            self.p.drawLine(self.xy(left - g, y), self.xy(left - g - n, y))
            self.p.drawLine(self.xy(right + g, y), self.xy(right + g + n, y))

    def card(self, ops: list[tuple], ox: float, oy: float, k: float) -> None:
        p = self.p
        for op in ops:
            kind = op[0]
            if kind == "rect":
                _, x, y, w, h, colour = op
                top_left = self.xy(ox + x * k, oy + (y + h) * k)
                p.fillRect(QRectF(top_left, QSizeF(w * k * self.s, h * k * self.s)), QColor(colour))
            elif kind == "line":
                _, x1, y1, x2, y2, width, colour = op
                pen = QPen(QColor(colour))
                pen.setWidthF(width / 72 * 25.4 * k * self.s)
                p.setPen(pen)
                p.drawLine(self.xy(ox + x1 * k, oy + y1 * k), self.xy(ox + x2 * k, oy + y2 * k))
            elif kind == "text":
                _, x, y, text, size, colour, align = op
                width = X.text_width(text, size) * k
                x = ox + x * k - {"l": 0, "r": width, "c": width / 2}[align]
                height_px = size * k / 72 * 25.4 * self.s
                p.save()
                p.translate(self.xy(x, oy + y * k))
                p.scale(height_px / 100, height_px / 100)
                p.setFont(self.font)
                p.setPen(QColor(colour))
                p.drawText(QPointF(0, 0), text)
                p.restore()
            elif kind == "qr":
                _, x, y, size, payload = op
                n, runs = card_qr.runs(payload)
                m = size * k / n
                top_left = self.xy(ox + x * k, oy + (y + size) * k)
                black = QColor("#000000")
                for row, start, length in runs:
                    p.fillRect(QRectF(top_left.x() + start * m * self.s, top_left.y() + row * m * self.s,
                                      length * m * self.s, m * self.s), black)

    def page(self, cards: list, layout: C.Layout, office: C.Office, sheet: str, back: bool) -> None:
        if sheet == "a4-10":
            self.crop_marks()
        static = X.back_ops(layout, office) if back else X.front_static(layout, office)
        for i, card in enumerate(cards):
            x, y, k = X.slot_origin(sheet, i, back)
            self.card(static, x, y, k)
            if not back:
                self.card(X.front_variable(card, layout, office), x, y, k)


class CardsPage(Page):
    PAGE_ID = "cards"
    TITLE = "联系卡打印"
    CONCERNS = Changes.ORG | Changes.STAFF | Changes.HOUSEHOLDS | Changes.PERSONS | Changes.SETTINGS
    ORDER = 70

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self._loaded = False
        tr = self.tr

        self.grids = QListWidget()
        self.grids.setMinimumWidth(180)
        all_button, none_button = QPushButton(tr("全选")), QPushButton(tr("全不选"))
        all_button.clicked.connect(lambda: self._check_all(Qt.CheckState.Checked))
        none_button.clicked.connect(lambda: self._check_all(Qt.CheckState.Unchecked))
        self.numbers = QLineEdit()
        self.numbers.setPlaceholderText(tr("户号，多个用空格或逗号分开"))
        self.teams = QCheckBox(tr("每个网格服务团队一张（不按户）"))

        self.layout_box = QComboBox()
        for key, title in C.LAYOUTS.items():
            self.layout_box.addItem(tr(title), key)
        self.sheet_box = QComboBox()
        for key, text in X.SHEETS.items():
            self.sheet_box.addItem(tr(text), key)
        self.duplex = QCheckBox(tr("双面（正面页后接背面页，长边翻转）"))
        self.duplex.setChecked(True)

        self.hotline = QLineEdit()
        save_hotline = QPushButton(tr("保存热线"))
        save_hotline.clicked.connect(self.save_hotline)
        self.offset_x, self.offset_y = QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.offset_x, self.offset_y):
            box.setRange(-C.MAX_OFFSET_MM, C.MAX_OFFSET_MM)
            box.setDecimals(1)
            box.setSingleStep(0.5)
            box.setSuffix(tr(" 毫米"))
        save_offset = QPushButton(tr("保存偏移"))
        save_offset.clicked.connect(self.save_offset)
        calibration = QPushButton(tr("保存校准页…"))
        calibration.clicked.connect(self.save_calibration)

        self.preview_button = QPushButton(tr("预览"))
        self.preview_button.clicked.connect(lambda: self.refresh_preview(0))
        self.sheet_index = 0
        self.sheets = 0
        self._image: QImage | None = None
        self.previous_button = QPushButton(tr("上一页"))
        self.next_button = QPushButton(tr("下一页"))
        self.previous_button.clicked.connect(lambda: self.refresh_preview(self.sheet_index - 1))
        self.next_button.clicked.connect(lambda: self.refresh_preview(self.sheet_index + 1))
        self.sheet_label = QLabel()
        self.fit_box = QCheckBox(tr("适合窗口"))
        self.fit_box.setChecked(True)
        self.fit_box.toggled.connect(lambda _on: self._show_image())
        self.save_button = QPushButton(tr("保存PDF…"))
        self.save_button.clicked.connect(self.save_pdf)
        self.print_button = QPushButton(tr("打印…"))
        self.print_button.clicked.connect(self.print_dialog)
        self.status = QLabel()
        self.status.setWordWrap(True)

        choose = QGroupBox(tr("发给谁"))
        grid_buttons = QHBoxLayout()
        grid_buttons.addWidget(all_button)
        grid_buttons.addWidget(none_button)
        box = QVBoxLayout(choose)
        box.addWidget(QLabel(tr("网格（该网格每个在册户一张）")))
        box.addWidget(self.grids, 1)
        box.addLayout(grid_buttons)
        box.addWidget(QLabel(tr("或指定户号")))
        box.addWidget(self.numbers)
        box.addWidget(self.teams)

        form_group = QGroupBox(tr("卡片与纸张"))
        form = QFormLayout(form_group)
        form.addRow(tr("卡片样式"), self.layout_box)
        form.addRow(tr("纸张"), self.sheet_box)
        form.addRow("", self.duplex)
        hot = QHBoxLayout()
        hot.addWidget(self.hotline, 1)
        hot.addWidget(save_hotline)
        form.addRow(tr("服务热线"), hot)
        form.addRow(tr("打印机左右偏移"), self.offset_x)
        form.addRow(tr("打印机上下偏移"), self.offset_y)
        offset_buttons = QHBoxLayout()
        offset_buttons.addWidget(save_offset)
        offset_buttons.addWidget(calibration)
        form.addRow("", offset_buttons)

        actions = QHBoxLayout()
        for button in (self.preview_button, self.save_button, self.print_button):
            actions.addWidget(button)

        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.addWidget(choose, 1)
        left_box.addWidget(form_group)
        left_box.addLayout(actions)
        left_box.addWidget(self.status)

        self.preview = QLabel(tr("选择网格或户号后点“预览”"))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll = scroll = QScrollArea()
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll.viewport().installEventFilter(self)
        pager = QHBoxLayout()
        for widget in (self.previous_button, self.sheet_label, self.next_button):
            pager.addWidget(widget)
        pager.addStretch(1)
        pager.addWidget(self.fit_box)
        right = panes.column(self, pager, (scroll, 1))
        self._update_pager()

        outer = QVBoxLayout(self)
        # The left column as wide as its longest line (the sheet's name, the duplex note), not cut at 1366×768.
        outer.addWidget(panes.side_by_side(self, left, right, sizes=[max(left.sizeHint().width(), 440), 900],
                                           stretch=(0, 1)))

    # ---- page contract --------------------------------------------------------------------

    def activated(self) -> None:
        if not self._loaded:
            self.load()

    def mark_stale(self, changes: Changes) -> None:
        self._loaded = False

    def open_record(self, table: str, row_id: int) -> bool:
        """A household or grid opened from elsewhere becomes the selection."""
        if table == "households":
            number = C.household_number(self.ctx.reader(), row_id, self.ctx.scope())
            if number:
                self.numbers.setText(number)
                return True
        if table == "org_units":
            self.activated()
            for i in range(self.grids.count()):
                item = self.grids.item(i)
                if item.data(Qt.ItemDataRole.UserRole) == row_id:
                    item.setCheckState(Qt.CheckState.Checked)
                    return True
        return False

    def load(self) -> None:
        db = self.ctx.reader()
        checked = set(self.checked_grids())
        self.grids.clear()
        for grid in C.card_grids(db, self.ctx.scope()):
            item = QListWidgetItem(self.tr("{name}（{n}户）").format(name=grid.name, n=grid.households))
            item.setData(Qt.ItemDataRole.UserRole, grid.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if grid.id in checked else Qt.CheckState.Unchecked)
            self.grids.addItem(item)
        info = C.office_for_cards(db)
        self.hotline.setText(info.hotline)
        x, y = C.printer_offset(db)
        self.offset_x.setValue(x)
        self.offset_y.setValue(y)
        self._loaded = True

    # ---- choices --------------------------------------------------------------------------

    def _check_all(self, state: Qt.CheckState) -> None:
        for i in range(self.grids.count()):
            self.grids.item(i).setCheckState(state)

    def checked_grids(self) -> list[int]:
        return [self.grids.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.grids.count())
                if self.grids.item(i).checkState() == Qt.CheckState.Checked]

    def selection(self, db) -> tuple[list[int], list[int]]:
        """(grid ids, household ids); raises the core's Chinese ValidationError for an unknown number."""
        numbers = [n for n in self.numbers.text().replace("，", ",").replace(",", " ").split() if n]
        return self.checked_grids(), C.households_numbered(db, numbers, self.ctx.scope())

    def options(self) -> dict:
        return {"layout": self.layout_box.currentData(), "sheet": self.sheet_box.currentData(),
                "duplex": self.duplex.isChecked()}

    def _fail(self, exc: BaseException) -> None:
        message = exc.message if isinstance(exc, GridOfficeError) else str(exc)
        self.status.setText(message)
        QMessageBox.warning(self, self.tr("联系卡"), message)

    # ---- preview and printing -------------------------------------------------------------

    def first_sheet(self, index: int = 0) -> tuple[list, C.Layout, C.Office, int] | None:
        """The cards of sheet `index` (the first by default), the layout, the office and how many cards
        there are in all; also counts the sheets and the households printed without a contact person."""
        db = self.ctx.reader()
        try:
            grids, households = self.selection(db)
            layout = C.load_layout(self.options()["layout"])
        except GridOfficeError as exc:
            self._fail(exc)
            return None
        per_page = X.per_page(self.options()["sheet"])
        scope = self.ctx.scope()
        window = slice(index * per_page, (index + 1) * per_page)
        self.uncontacted = 0
        if self.teams.isChecked():
            cards = C.team_cards(db, grids, scope)
            total = len(cards)
            cards = cards[window]
        else:
            ids = list(dict.fromkeys(C.households_in_grids(db, grids, scope) + households))
            total = len(ids)
            cards = C.household_cards(db, ids[window], scope)
            if "contacts" in layout.fields:
                self.uncontacted = C.without_contact(db, ids, scope)
        self.sheets = -(-total // per_page)
        return cards[:per_page], layout, C.office_for_cards(db), total

    def render_sheet(self, px_per_mm: float = PREVIEW_PX_PER_MM, index: int = 0) -> QImage | None:
        """Sheet `index`'s front page (and its back when duplex) side by side, as the printer will get them."""
        found = self.first_sheet(index)
        if found is None:
            return None
        cards, layout, office, total = found
        sheet = self.options()["sheet"]
        w, h = PAGE_MM[sheet]
        sides = (False, True) if self.options()["duplex"] else (False,)
        gap = 6.0
        image = QImage(int((w * len(sides) + gap * (len(sides) - 1)) * px_per_mm), int(h * px_per_mm),
                       QImage.Format.Format_RGB32)
        image.fill(QColor("#808080"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        for n, back in enumerate(sides):
            painter.save()
            painter.translate(n * (w + gap) * px_per_mm, 0)
            painter.fillRect(QRectF(0, 0, w * px_per_mm, h * px_per_mm), QColor("#FFFFFF"))
            CardPainter(painter, px_per_mm, h, (0.0, 0.0)).page(cards, layout, office, sheet, back)
            painter.restore()
        painter.end()
        status = self.tr("共{n}张卡片，{p}页；预览为第{i}页{sides}").format(
            n=total, p=self.sheets, i=index + 1, sides=self.tr("的正面和背面") if len(sides) == 2 else "")
        if self.uncontacted:
            status += self.tr("。其中{n}户还没有联系人，卡片上印“联系人：暂未安排”；可在“组织与网格”页为它们设置联系人").format(
                n=self.uncontacted)
        self.status.setText(status)
        return image

    def refresh_preview(self, index: int = 0) -> None:
        """Show sheet `index`; with nothing chosen, say what to choose instead of a blank sheet."""
        if not self.checked_grids() and not self.numbers.text().strip():
            self._image, self.sheets = None, 0
            self.preview.setPixmap(QPixmap())
            self.preview.setText(self.tr("还没有选择要印卡片的户：请勾选网格，或输入户号，再点“预览”"))
            self.status.setText(self.tr("请先勾选网格或输入户号"))
            self._update_pager()
            return
        index = max(index, 0)
        image = self.render_sheet(index=index)
        if image is not None and 0 < self.sheets <= index:  # the choice shrank since: its last sheet
            index = self.sheets - 1
            image = self.render_sheet(index=index)
        if image is None:
            return
        if self.sheets == 0:
            self._image = None
            self.preview.setPixmap(QPixmap())
            self.preview.setText(self.tr("所选网格里没有在册户，没有卡片可印"))
        else:
            self.sheet_index = min(index, self.sheets - 1)
            self._image = image
            self._show_image()
        self._update_pager()

    def _update_pager(self) -> None:
        self.sheet_label.setText(self.tr("第{i}/{n}页").format(i=self.sheet_index + 1, n=self.sheets)
                                 if self.sheets else "")
        self.previous_button.setEnabled(self.sheets > 0 and self.sheet_index > 0)
        self.next_button.setEnabled(self.sheet_index + 1 < self.sheets)

    def _show_image(self) -> None:
        """The sheet at full size (scroll to see it), or shrunk to fit the preview area."""
        if self._image is None:
            return
        pixmap = QPixmap.fromImage(self._image)
        room = self.scroll.viewport().size() - QSize(8, 8)
        if self.fit_box.isChecked() and (pixmap.width() > room.width() or pixmap.height() > room.height()):
            pixmap = pixmap.scaled(room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pixmap)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize and self.fit_box.isChecked():
            self._show_image()
        return False

    def save_pdf(self, *, calibration: bool = False) -> None:
        db = self.ctx.reader()
        try:
            grids, households = ([], []) if calibration else self.selection(db)
        except GridOfficeError as exc:
            self._fail(exc)
            return
        if not calibration and not (grids or households):
            self._fail(GridOfficeError(self.tr("请先勾选网格或填写户号")))
            return
        name = self.tr("打印机校准页.pdf") if calibration else self.tr("联系卡.pdf")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存PDF"), str(Path.home() / name), "PDF (*.pdf)")
        if not path:
            return
        options = self.options()
        teams = self.teams.isChecked()
        scope = self.ctx.scope()

        def job(write_db):
            if calibration:
                return _calibration_job(write_db, path, options)
            return X.export_cards(write_db, path, scope=scope, household_ids=households, grid_ids=grids, teams=teams,
                                  **options)

        def done(written) -> None:
            self.status.setText(self.tr("已保存{n}张卡片，共{p}页：{path}").format(n=written.cards, p=written.pages,
                                                                                 path=path))

        self.ctx.run_job(job, self.tr("正在生成联系卡"), writes=True, on_done=done,
                         on_error=lambda exc: None if isinstance(exc, Cancelled) else self._fail(exc),
                         parent=self)

    def save_calibration(self) -> None:
        self.save_pdf(calibration=True)

    def print_dialog(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.print_cards(printer)

    def print_cards(self, printer: QPrinter) -> None:
        """Send every selected card to the printer at actual size with the office's offset.

        The pages are painted in the background (QPainter may paint on a QPrinter outside the GUI
        thread) with a progress dialog and Cancel, so ten thousand cards never freeze the window."""
        db = self.ctx.reader()
        try:
            grids, households = self.selection(db)
            options = self.options()
            layout = C.load_layout(options["layout"])
            cards = X.select_cards(db, scope=self.ctx.scope(), household_ids=households, grid_ids=grids,
                                   teams=self.teams.isChecked())
        except GridOfficeError as exc:
            self._fail(exc)
            return
        if not cards:
            self._fail(GridOfficeError(self.tr("没有可打印的卡片：请先勾选网格或填写户号")))
            return
        office, offset = C.office_for_cards(db), C.printer_offset(db)
        sheet = options["sheet"]
        w, h = PAGE_MM[sheet]
        printer.setFullPage(True)  # coordinates from the paper's edge, as the PDF's
        printer.setPageLayout(QPageLayout(QPageSize(QSizeF(w, h), QPageSize.Unit.Millimeter),
                                          QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
        if options["duplex"]:
            printer.setDuplex(QPrinter.DuplexMode.DuplexLongSide)
        self._printer = printer  # alive until the job has ended

        def done(pages: int) -> None:
            self.ctx.write(journal.record_print, f"cards:{layout.key}", len(cards),
                           description=self.tr("记录打印联系卡"))
            self.status.setText(self.tr("已送打印{n}张卡片，共{p}页").format(n=len(cards), p=pages))

        self.ctx.run_job(lambda _db: _print_job(printer, cards, layout, office, offset, sheet, options["duplex"]),
                         self.tr("正在打印联系卡"), on_done=done,
                         on_error=lambda exc: None if isinstance(exc, Cancelled) else self._fail(exc), parent=self)

    # ---- settings -------------------------------------------------------------------------

    def save_hotline(self) -> None:
        def done(value: str) -> None:
            self.hotline.setText(value)
            self.status.setText(self.tr("服务热线已保存"))

        self.ctx.write(C.set_hotline, self.hotline.text(), description=self.tr("保存服务热线"), on_done=done,
                       on_error=self._fail)

    def save_offset(self) -> None:
        self.ctx.write(C.set_printer_offset, self.offset_x.value(), self.offset_y.value(),
                       description=self.tr("保存打印机偏移"),
                       on_done=lambda _v: self.status.setText(self.tr("打印机偏移已保存，以后每页都按此校正")),
                       on_error=self._fail)


def _calibration_job(db, path: str, options: dict):
    written = yield from X.write_cards(path, [], C.load_layout(options["layout"]), C.office_for_cards(db),
                                       sheet=options["sheet"], calibration=True, offset=C.printer_offset(db))
    journal.record_export(db, "cards:calibration", path, 0)
    return written


def _print_job(printer: QPrinter, cards: list, layout: C.Layout, office: C.Office, offset: tuple[float, float],
               sheet: str, duplex: bool):
    """Paint the pages on the printer, one progress step a page; a cancelled run is aborted, not half-sent."""
    painter = QPainter()
    if not painter.begin(printer):
        raise GridOfficeError(QCoreApplication.translate("CardsPage", "打印机无法开始打印，请检查打印机"))
    draw = CardPainter(painter, printer.resolution() / 25.4, PAGE_MM[sheet][1], offset)
    per_page, pages = X.per_page(sheet), 0
    try:
        for first in range(0, len(cards), per_page):
            for back in ((False, True) if duplex else (False,)):
                if pages:
                    printer.newPage()
                draw.page(cards[first:first + per_page], layout, office, sheet, back)
                pages += 1
            done = min(first + per_page, len(cards))
            yield done, len(cards), QCoreApplication.translate("CardsPage", "已打印{d}/{t}张").format(
                d=done, t=len(cards))
    except GeneratorExit:
        printer.abort()
        raise
    finally:
        painter.end()
    return pages
