"""Limits a roster file must keep, checked before any reader touches it and again while it is read.

Whoever sends a spreadsheet writes its structure: a 5 KB .xlsx declaring a cell at XFD1048576
made the reader allocate 512 GB and abort the program; a 4.4 MB .xlsx inflated to 2.7 GB. What
the file's size, its first bytes, its ZIP directory and the head of each sheet tell is checked
here, in the program's own process, in milliseconds and without a native reader. What only the
reader knows (the real extent of a sheet, the cells) is checked by the reading child process
(roster_child) against the same limits, and the CSV reader checks them as it goes.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
from pathlib import Path, PurePosixPath

from gridoffice.errors import ValidationError
from gridoffice.i18n import tr

MAX_FILE_BYTES = 64 * 2**20
# All parts of a workbook together, unpacked: a 200,000-row roster written by openpyxl is ~130 MB.
MAX_UNPACKED_BYTES = 320 * 2**20
# A large part packed more tightly than this is a ZIP bomb: sheets pack 5 to 15 times.
MAX_RATIO = 100
RATIO_FLOOR = 16 * 2**20
MAX_ZIP_ENTRIES = 2000
# A roster of a big community has ~150,000 persons; these keep any accepted file well under 1 GB.
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELLS = 4_000_000
# Far above any field's own limit (normalize.LIMITS, by which a row is refused into the report):
# a cell this long is not a roster's, and the file is refused naming it, never cut and stored.
MAX_CELL_CHARS = 10_000
EXCEL_CELL_CHARS = 32767

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EOCD = b"PK\x05\x06"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]{1,3})(\d{1,7})(?::([A-Za-z]{1,3})(\d{1,7}))?\"")
_SHEET_TAG = re.compile(r"<(?:\w+:)?(sheet|Relationship)\b([^>]*)>")
_ATTR = re.compile(r"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_HEAD_BYTES = 64 * 1024
_WORKBOOK_BYTES = 4 * 2**20


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how Excel names a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _megabytes(n: int) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


def _refuse(message: str, **values) -> ValidationError:
    return ValidationError("file", tr(message).format(**values))


def _limits() -> str:
    return tr("最多{rows}行、{cols}列、共{cells}格").format(
        rows=f"{MAX_ROWS:,}", cols=MAX_COLUMNS, cells=f"{MAX_CELLS:,}")


def extent_problem(rows: int, columns: int, where: str) -> str | None:
    """A Chinese sentence when a sheet of rows x columns is beyond the limits, else None."""
    if rows > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        return tr("{where}的使用范围有{rows}行×{cols}列，超过了一次导入的上限（{limits}）。若表格下方或右侧有"
                  "多余的内容或格式，请删除这些行列后另存；人数很多时请按村或网格分成几个文件导入。").format(
            where=where, rows=f"{rows:,}", cols=f"{columns:,}", limits=_limits())
    return None


def text_problem(rows: int, columns: int, cells: int) -> str | None:
    """The same limits for a CSV file read so far (its length is known only at its end)."""
    if rows > MAX_ROWS or columns > MAX_COLUMNS or cells > MAX_CELLS:
        return tr("CSV文件超过了一次导入的上限（{limits}），在第{row}行停止读取。人数很多时请按村或网格"
                  "分成几个文件导入。").format(limits=_limits(), row=f"{rows:,}")
    return None


def cell_problem(length: int, row: int, column: int) -> str:
    """The message for a cell of `length` characters at 0-based (row, column)."""
    # calamine stops a cell at Excel's own limit, so that many means at least that many.
    count = tr("至少{n}") if length == EXCEL_CELL_CHARS else "{n}"
    return tr("第{row}行{col}列的内容有{count}个字，超过了一格最多{max}个字的上限。"
              "请在表格中改正这一格（花名册的任何一项都用不了这么长）后再导入。").format(
        row=row + 1, col=column_letter(column), count=count.format(n=f"{length:,}"), max=f"{MAX_CELL_CHARS:,}")


def check_file(path: Path) -> str:
    """Check what can be known without reading the cells; returns the kind: 'zip', 'ole' or 'text'.

    Raises ValidationError with a Chinese message saying what to do.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _refuse("文件“{name}”有{size}，超过了{max}的上限。请按村或网格把花名册分成几个文件再导入。",
                      name=path.name, size=_megabytes(size), max=_megabytes(MAX_FILE_BYTES))
    if size == 0:
        raise _refuse("文件“{name}”是空的（0字节），可能没有保存或复制完整。", name=path.name)
    with path.open("rb") as f:
        head = f.read(8)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "text"
    if head.startswith(ZIP_MAGIC):
        if suffix == ".xls":
            raise _refuse("文件“{name}”的扩展名是.xls，内容却是新版的.xlsx格式。请把扩展名改为.xlsx，"
                          "或在Excel中打开后另存为.xlsx再导入。", name=path.name)
        _check_zip(path, size)
        return "zip"
    if head == OLE_MAGIC:
        if suffix != ".xls":
            raise _refuse("文件“{name}”加了打开密码，或是改了扩展名的旧版.xls文件。请在Excel中打开它，"
                          "去掉密码后另存为“Excel工作簿(.xlsx)”再导入。", name=path.name)
        return "ole"
    if _looks_like_text(path):
        raise _refuse("文件“{name}”的扩展名是{suffix}，内容却是文本（可能是网页或其他系统导出的表格）。"
                      "请用Excel打开它，另存为“Excel工作簿(.xlsx)”或“CSV UTF-8”后再导入。",
                      name=path.name, suffix=suffix)
    raise _refuse("文件“{name}”不是Excel表格（内容与{suffix}格式不符），也可能已损坏。"
                  "请在Excel中打开确认，另存为.xlsx后再导入。", name=path.name, suffix=suffix)


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as f:
        sample = f.read(4096)
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            # The sample may end inside a character.
            sample[: len(sample) - 4 if len(sample) == 4096 else None].decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _damaged(path: Path) -> ValidationError:
    return _refuse("文件“{name}”不完整或已损坏（可能没有下载或复制完）。请重新获取原文件，"
                   "或在Excel中打开它另存一份后再导入。", name=path.name)


def _directory_entries(path: Path, size: int) -> int:
    """The entry count of the ZIP's end record, read before zipfile builds one object per entry."""
    with path.open("rb") as f:
        tail_size = min(size, 22 + 65535)
        f.seek(size - tail_size)
        tail = f.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or at + 22 > len(tail):
        raise _damaged(path)
    return struct.unpack("<H", tail[at + 10 : at + 12])[0]


def _check_zip(path: Path, size: int) -> None:
    entries = _directory_entries(path, size)
    if entries > MAX_ZIP_ENTRIES:
        raise _refuse("文件“{name}”内部有{n}个部件，不是正常的Excel表格。请在Excel中打开它另存一份后再导入。",
                      name=path.name, n=f"{entries:,}")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names and "content.xml" not in names:
                raise _refuse("文件“{name}”是一个压缩包，里面却没有Excel工作表。请确认选择的是花名册表格，"
                              "而不是压缩后的文件夹。", name=path.name)
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise _refuse("文件“{name}”只有{size}，其中一部分解压后却有{unpacked}（压缩了{ratio}倍），"
                                  "是异常构造的文件，为保护电脑不予读取。请向发来文件的单位要一份正常的表格。",
                                  name=path.name, size=_megabytes(size), unpacked=_megabytes(info.file_size),
                                  ratio=f"{info.file_size // max(info.compress_size, 1):,}")
            if total > MAX_UNPACKED_BYTES:
                raise _refuse("文件“{name}”解压后有{unpacked}，超过了{max}的上限。请按村或网格把花名册分成几个"
                              "文件再导入。", name=path.name, unpacked=_megabytes(total),
                              max=_megabytes(MAX_UNPACKED_BYTES))
            for part, sheet in _worksheets(z, names).items():
                _check_dimension(z, part, sheet)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError):
        # RuntimeError: an encrypted member; NotImplementedError: a compression Excel never uses.
        raise _damaged(path) from None


def _attributes(text: str) -> dict[str, str]:
    return {m.group(1).split(":")[-1]: html.unescape(m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTR.finditer(text)}


def _worksheets(z: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Worksheet part -> sheet name, from workbook.xml and its relationships (regex: no XML parser
    ever sees the file). Parts the workbook does not name are checked under their file name."""
    sheets = {n: PurePosixPath(n).name for n in names
              if n.startswith("xl/worksheets/") and n.endswith(".xml") and "/_rels/" not in n}
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return sheets
    with z.open("xl/workbook.xml") as f:
        workbook = f.read(_WORKBOOK_BYTES).decode("utf-8", "replace")
    with z.open("xl/_rels/workbook.xml.rels") as f:
        rels = f.read(_WORKBOOK_BYTES).decode("utf-8", "replace")
    targets = {}
    for m in _SHEET_TAG.finditer(rels):
        if m.group(1) == "Relationship":
            a = _attributes(m.group(2))
            target = a.get("Target", "")
            targets[a.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    for m in _SHEET_TAG.finditer(workbook):
        if m.group(1) == "sheet":
            a = _attributes(m.group(2))
            part = targets.get(a.get("id"))
            if part in sheets:
                sheets[part] = a.get("name", sheets[part])
    return sheets


def _check_dimension(z: zipfile.ZipFile, part: str, sheet: str) -> None:
    """The extent a sheet declares in <dimension ref>, near its start (readers size their grids by it)."""
    with z.open(part) as f:
        head = f.read(_HEAD_BYTES)
    m = _DIMENSION.search(head)
    if not m:
        return
    last_col, last_row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
    problem = extent_problem(int(last_row), _column_number(last_col.decode()),
                             tr("工作表“{sheet}”声明").format(sheet=sheet))
    if problem:
        raise ValidationError("file", problem)
