"""Draws the program's icon (our own drawing: a grid of nine blocks, one lit, on a rounded square)
and writes it where the build and the window take it:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icon.py

- gridoffice/resources/icons/gridoffice.png (256 px): the window's icon, shipped inside the package;
- packaging/windows/gridoffice.ico: the Windows programs' and installer's icon, PNG images of
  16 to 256 px in an ICO container (Windows Vista and later read PNG entries).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

ROOT = Path(__file__).resolve().parent.parent
PNG = ROOT / "gridoffice" / "resources" / "icons" / "gridoffice.png"
ICO = ROOT / "packaging" / "windows" / "gridoffice.ico"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#1f6fb2"))
    p.drawRoundedRect(QRectF(0, 0, s, s), s * 0.18, s * 0.18)
    margin, gap = s * 0.16, s * 0.06
    cell = (s - 2 * margin - 2 * gap) / 3
    for row in range(3):
        for col in range(3):
            lit = (row, col) == (1, 1)
            p.setBrush(QColor("#f2b233") if lit else QColor("#ffffff"))
            x, y = margin + col * (cell + gap), margin + row * (cell + gap)
            p.drawRoundedRect(QRectF(x, y, cell, cell), cell * 0.15, cell * 0.15)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """ICONDIR, one ICONDIRENTRY per image (width and height 0 mean 256), then the PNG data."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, data = b"", b""
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + entries + data


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    images = {size: png_bytes(draw(size)) for size in SIZES}
    PNG.parent.mkdir(parents=True, exist_ok=True)
    PNG.write_bytes(images[256])
    ICO.write_bytes(ico_bytes(images))
    print(f"{PNG.relative_to(ROOT)}, {ICO.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
