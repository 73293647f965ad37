"""A chart of exports/charts.py on screen: its drawing operations painted with QPainter, scaled to fit,
and a click on a bar or segment reported with the key of the list behind it."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from exports import charts as X
from gridoffice import shipped

# exports/fonts.py names the file but imports reportlab; the path is the same.
FONT_FILE = shipped.path(shipped.FONT)
MEASURE_PX = 1000  # text measured at this pixel size, so hinting rounds nothing that matters


@cache
def chart_font_family() -> str:
    """The shipped font, so text on screen has the widths the layout measured."""
    font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    return families[0] if families else QFont().family()


def use_qt_metrics() -> None:
    """Lay charts out with Qt's measure of the shipped font (what reportlab measures, without reportlab)."""
    font = QFont(chart_font_family())
    font.setPixelSize(MEASURE_PX)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    metrics = QFontMetricsF(font)
    X.set_measure(lambda text: metrics.horizontalAdvance(text) / MEASURE_PX)


def paint_ops(p: QPainter, ops, s: float, height_mm: float, ox: float = 0.0, oy: float = 0.0) -> None:
    """Draw operations at s pixels per mm; (ox, oy) is the chart's top-left corner in pixels."""
    font = QFont(chart_font_family())
    font.setPixelSize(100)

    def xy(x: float, y: float) -> QPointF:
        return QPointF(ox + x * s, oy + (height_mm - y) * s)

    for op in ops:
        kind = op[0]
        if kind == "rect":
            _, x, y, w, h, fill, stroke = op
            corner = xy(x, y + h)
            rect = QRectF(corner.x(), corner.y(), w * s, h * s)
            if fill:
                p.fillRect(rect, QColor(fill))
            if stroke:
                pen = QPen(QColor(stroke))
                pen.setWidthF(max(0.3 / X.PT_PER_MM * s, 1.0))
                p.setPen(pen)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(rect)
        elif kind == "line":
            _, x1, y1, x2, y2, width, colour = op
            pen = QPen(QColor(colour))
            pen.setWidthF(max(width / X.PT_PER_MM * s, 0.8))
            p.setPen(pen)
            p.drawLine(xy(x1, y1), xy(x2, y2))
        elif kind == "text":
            _, x, y, text, size, colour, align = op
            width = X.text_width(text, size)
            x -= {"l": 0.0, "r": width, "c": width / 2}[align]
            height_px = size / X.PT_PER_MM * s
            p.save()
            p.translate(xy(x, y))
            p.scale(height_px / 100, height_px / 100)
            p.setFont(font)
            p.setPen(QColor(colour))
            p.drawText(QPointF(0, 0), text)
            p.restore()


class ChartView(QWidget):
    """Paints one chart, as large as the widget allows at the chart's proportions."""

    clicked = Signal(object)  # the key of the bar or segment clicked

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.chart: X.Chart | None = None
        self.placeholder = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def set_chart(self, chart: X.Chart | None, placeholder: str = "") -> None:
        self.chart = chart
        self.placeholder = placeholder
        self.setAccessibleName(chart.title if chart else placeholder)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 380)

    def _geometry(self) -> tuple[float, float, float]:
        """Pixels per mm and the chart's top-left corner in the widget."""
        c = self.chart
        s = min(self.width() / c.width, self.height() / c.height)
        return s, (self.width() - c.width * s) / 2, (self.height() - c.height * s) / 2

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if self.chart is None:
            p.setPen(QColor("#666666"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        s, ox, oy = self._geometry()
        paint_ops(p, self.chart.ops, s, self.chart.height, ox, oy)

    def key_at(self, pos: QPointF):
        if self.chart is None:
            return None
        s, ox, oy = self._geometry()
        return self.chart.hit((pos.x() - ox) / s, self.chart.height - (pos.y() - oy) / s)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hot = self.key_at(event.position()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if hot else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            key = self.key_at(event.position())
            if key is not None:
                self.clicked.emit(key)
