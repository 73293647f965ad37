"""Reading a roster file into plain rows: .xlsx/.xls through calamine, .csv in GBK or UTF-8.

calamine (Rust) reads a 150,000-row sheet in ~2.5 s where openpyxl's read-only mode needs
~30 s, and it reads the old binary .xls that openpyxl cannot open at all. It runs in a child
process (roster_child) after the file passed the checks of roster_limits.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generator, Iterator, Sequence

from gridoffice.roster import child
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import UNSAFE_CHARS, clean_text
from gridoffice.roster.limits import MAX_CELL_CHARS, cell_problem, check_file, text_problem

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt")
# What clean_text() would change besides NFKC: any whitespace, invisible, control and XML-forbidden
# characters.
_UNCLEAN = re.compile(f"[\\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x1f\x7f{UNSAFE_CHARS}]")


@dataclass(frozen=True)
class RawSheet:
    """Cells as the reader gave them: row i is the sheet's row i+1 (blank rows kept)."""

    name: str
    rows: tuple[Sequence, ...]
    merged: tuple[tuple[int, int, int, int], ...]  # (top, left, bottom, right), inclusive
    merges_known: bool  # False for CSV: no merge information exists there


def _check_path(path: Path) -> str:
    """The file's kind ('zip', 'ole', 'text') once its name and its structure pass the limits."""
    if path.suffix.lower() not in EXCEL_SUFFIXES + CSV_SUFFIXES:
        raise ValidationError(
            "file", tr("不支持“{s}”格式；请选择 .xlsx、.xls 或 .csv 文件").format(s=path.suffix or path.name)
        )
    if path.is_dir():
        raise ValidationError("file", tr("“{p}”是一个文件夹，请选择其中的花名册文件").format(p=str(path)))
    if not path.is_file():
        raise ValidationError("file", tr("找不到文件“{p}”").format(p=str(path)))
    return check_file(path)


def sheet_names(path: str | Path) -> list[str]:
    """Visible worksheets, in workbook order (a CSV has one, named after the file)."""
    path = Path(path)
    if _check_path(path) == "text":
        return [path.stem]
    return child.run(child.read(path, None, want_sheet=False))


def read_sheet_job(path: str | Path, sheet: str | None = None) -> Generator[tuple[int, int, str], None, RawSheet]:
    """A job returning one sheet's cells; `sheet` None means the first visible sheet.

    The file is checked against roster_limits first; a workbook is read in a child process
    (roster_child), a CSV here, row by row within the same limits.
    """
    path = Path(path)
    if _check_path(path) == "text":
        with no_collection():
            return RawSheet(path.stem, tuple(_csv_rows(path)), (), False)
    reply = yield from child.read(path, sheet, want_sheet=True)
    with no_collection():
        name, rows, merged = child.unpack(reply)
    return RawSheet(name, rows, merged, True)


def read_sheet(path: str | Path, sheet: str | None = None) -> RawSheet:
    """read_sheet_job() run to its end, for callers that show no progress."""
    return child.run(read_sheet_job(path, sheet))


@contextmanager
def no_collection() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a roster's rows and cells are hundreds of
    thousands of objects that all stay alive, and each full collection would walk them all."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes cleanly, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ValidationError(
            "file", tr("CSV文件既不是UTF-8也不是GBK编码；请在Excel中另存为“CSV UTF-8”后再导入")
        ) from None


def _csv_rows(path: Path) -> list[tuple[str, ...]]:
    text = decode_text(path.read_bytes())
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[tuple[str, ...]] = []
    cells = 0
    # The reader's own field limit ends in an error without a place; cells are measured below.
    field_limit = csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for row in reader:
            cells += len(row)
            if problem := text_problem(len(rows) + 1, len(row), cells):
                raise ValidationError("file", problem)
            if row and max(map(len, row)) > MAX_CELL_CHARS:
                at = next(i for i, cell in enumerate(row) if len(cell) > MAX_CELL_CHARS)
                raise ValidationError("file", cell_problem(len(row[at]), len(rows), at))
            rows.append(tuple(row))
    except csv.Error:
        raise ValidationError("file", tr("CSV文件第{line}行的格式有误（例如引号不成对）。请在Excel中打开它，"
                                         "另存为“CSV UTF-8”后再导入。").format(line=reader.line_num)) from None
    finally:
        csv.field_size_limit(field_limit)
    return rows


def cell_text(value: object) -> str:
    """A cell as the clerk saw it; a long number keeps Excel's scientific look (digits are lost)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}".upper()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def clean_cell(value: object) -> str:
    """A cell as clean text: clean_text(), skipped for the many cells that are clean already."""
    if value == "" or value is None:
        return ""
    text = value if isinstance(value, str) else cell_text(value)
    if unicodedata.is_normalized("NFKC", text) and not _UNCLEAN.search(text):
        return text
    return clean_text(text)


def looks_like_id(value: object) -> bool:
    """A number, or text with at least 15 digits: what an ID column holds (notes and totals do not)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value >= 1e14
    return isinstance(value, str) and len(value) >= 15 and sum(map(str.isdigit, value)) >= 15
