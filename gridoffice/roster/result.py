"""What a roster import tells the clerk (ImportResult): the counts, every refused row with its
reason, the notices, and a sample of the accepted rows for the preview. A special-group list's
import (tag_import) answers in the same form."""

from __future__ import annotations

from dataclasses import dataclass

SAMPLE_ROWS = 200


@dataclass(frozen=True)
class Refused:
    row: int  # the sheet's row number, as Excel shows it
    cells: tuple[str, ...]  # every cell of the row as text, in sheet order
    reason: str
    household: str  # the household number the row belongs to, when one is known


@dataclass(frozen=True)
class Notice:
    row: int
    message: str


@dataclass(frozen=True)
class ImportResult:
    file: str
    sheet: str
    labels: tuple[str, ...]
    mapping: tuple[tuple[int, str], ...]
    dry_run: bool
    rows: int  # data rows that named a person (totals, notes and blank rows excluded)
    skipped: int  # totals, notes and blank rows
    duplicates: int  # rows repeating a person already met earlier in the file
    persons_new: int
    persons_updated: int
    persons_unchanged: int
    households_new: int
    households_updated: int
    grids_created: tuple[str, ...]
    refused: tuple[Refused, ...]
    notices: tuple[Notice, ...]
    sample: tuple[tuple[str, ...], ...]  # the first accepted rows, cleaned, for a preview
    kind: str = "roster"  # or "tags": a special-group list (tag_import)
    entries_added: int = 0  # register entries a list added
    entries_changed: int = 0  # and ended or annotated
    sample_columns: tuple[str, ...] = ()  # the sample's headings; the roster's when empty

    @property
    def accepted(self) -> int:
        return self.persons_new + self.persons_updated + self.persons_unchanged


SAMPLE_COLUMNS = ("行号", "户号", "姓名", "身份证号码", "与户主关系", "性别", "出生日期", "联系电话", "住址", "所属网格", "处理")
