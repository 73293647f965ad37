"""Hostile and broken roster files, made in milliseconds; used by tests/test_import_limits.py and
bench/bench_crafted.py. Each maker writes one file at `path` and returns it."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from openpyxl import Workbook

HEADER = ["户号", "姓名", "性别", "身份证号码", "与户主关系", "现住址", "所属网格", "备注"]
ROWS = [["H001", "张伟", "男", "330106198501011234", "户主", "和平路1号", "第1网格", ""],
        [None, "李娜", "女", "330106198703052345", "妻", None, None, ""]]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def _roster(path: Path, extra=None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    for row in [HEADER, *ROWS]:
        ws.append(row)
    if extra:
        extra(ws)
    wb.save(path)
    return path


def far_cell(path: Path) -> Path:
    """A 5 KB roster with one more cell, at XFD1048576: its <dimension> claims 17 billion cells."""
    return _roster(path, lambda ws: ws.cell(row=1048576, column=16384, value="x"))


def far_cell_undeclared(path: Path) -> Path:
    """The same without <dimension>: only a reader's own extent, in the child, can see it."""
    import re
    import zipfile

    far_cell(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb"<dimension [^>]*/>", b"", parts[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def long_xlsx_cell(path: Path, chars: int = 1_000_000) -> Path:
    """A roster whose second person's notes hold a million characters."""
    return _roster(path, lambda ws: ws.cell(row=3, column=8, value="很长的备注" * (chars // 5)))


def long_csv_cell(path: Path, chars: int = 1_000_000) -> Path:
    lines = [",".join(HEADER)] + [",".join(c or "" for c in row) for row in ROWS]
    lines[2] += "很长的备注" * (chars // 5)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def not_a_zip(path: Path) -> Path:
    """Named .xlsx, but random-looking bytes (what a half-finished download or a wrong file gives)."""
    path.write_bytes(bytes((i * 151 + 7) % 256 for i in range(40_000)))
    return path


def zip_without_workbook(path: Path) -> Path:
    """A real ZIP (say, a folder of scans) renamed to .xlsx."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("说明.txt", "这是一个压缩包，不是表格。\n" * 50)
        z.writestr("照片/001.jpg", bytes(range(256)) * 40)
    return path


def truncated(path: Path) -> Path:
    """A good roster cut after half its bytes."""
    whole = _roster(path)
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def text_as_xls(path: Path) -> Path:
    """What many systems export as "Excel": an HTML table named .xls."""
    cells = "".join(f"<td>{c}</td>" for c in HEADER)
    path.write_text(f"<html><head><meta charset='utf-8'></head><body><table><tr>{cells}</tr></table>"
                    "</body></html>\n" * 20, encoding="utf-8")
    return path


def zip_bomb(path: Path, unpacked: int = 2_700_000_000, *, honest: bool = True) -> Path:
    """An .xlsx whose sheet inflates to `unpacked` bytes of rows; written in well under a second.

    One chunk of rows is deflated once, ending on a byte boundary (Z_SYNC_FLUSH), and the same
    compressed bytes are written again and again: a valid DEFLATE stream of the repeated rows.
    With honest=False the ZIP directory claims the sheet is 1 MB, as a bomb made to slip past a
    check of the declared sizes would.
    """
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>').encode()
    tail = b"</sheetData></worksheet>"
    row = '<row><c t="inlineStr"><is><t>张伟</t></is></c><c t="inlineStr"><is><t>和平路1号</t></is></c></row>'
    chunk = row.encode() * (4 * 2**20 // len(row.encode()))
    repeats = max(1, (unpacked - len(head) - len(tail)) // len(chunk))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed_head = packer.compress(head) + packer.flush(zlib.Z_SYNC_FLUSH)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed_chunk = packer.compress(chunk) + packer.flush(zlib.Z_SYNC_FLUSH)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed_tail = packer.compress(tail) + packer.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + repeats * len(chunk) + len(tail)
    packed_size = len(packed_head) + repeats * len(packed_chunk) + len(packed_tail)
    assert size < 2**32, "no ZIP64 here"

    def sheet(f):
        f.write(packed_head)
        for _ in range(repeats):
            f.write(packed_chunk)
        f.write(packed_tail)

    small = [(name, text.encode()) for name, text in (
        ("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WORKBOOK),
        ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS))]
    entries = []
    with path.open("wb") as f:
        for name, data in small:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            packed = packer.compress(data) + packer.flush()
            entries.append(_local(f, name, zlib.crc32(data), len(packed), len(data), lambda f, p=packed: f.write(p)))
        entries.append(_local(f, "xl/worksheets/sheet1.xml", crc, packed_size, size if honest else 2**20, sheet))
        directory = f.tell()
        for name, offset, crc_, packed_len, length in entries:
            encoded = name.encode()
            f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, 0, 0x21, crc_, packed_len,
                                length, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        end = f.tell()
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - directory,
                            directory, 0))
    return path


def _local(f, name: str, crc: int, packed: int, size: int, write) -> tuple:
    offset = f.tell()
    encoded = name.encode()
    f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, packed, size, len(encoded), 0)
            + encoded)
    write(f)
    return name, offset, crc, packed, size


MAKERS = {
    "far-cell.xlsx": far_cell,
    "far-cell-undeclared.xlsx": far_cell_undeclared,
    "zip-bomb.xlsx": zip_bomb,
    "zip-bomb-lying.xlsx": lambda path: zip_bomb(path, honest=False),
    "long-cell.csv": long_csv_cell,
    "long-cell.xlsx": long_xlsx_cell,
    "not-a-zip.xlsx": not_a_zip,
    "zip-not-xlsx.xlsx": zip_without_workbook,
    "truncated.xlsx": truncated,
    "text.xls": text_as_xls,
}
