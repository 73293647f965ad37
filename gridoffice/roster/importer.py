"""Importing a roster (花名册): trust nothing, lose nothing, all or nothing.

A sheet is read (roster_read), its header found and mapped (roster_columns), every row cleaned
and checked (roster.check), rows grouped into households, households and persons matched against
the database by household number and ID number (roster.plan), and the result written
(roster.write) in ONE transaction, part by part (roster.job).
A row that cannot be trusted is refused with a Chinese reason and returned in the result, so
the clerk gets it back in a report workbook, fixes it and imports that workbook again.

Decisions (see the README's Design section):
- Persons are matched by ID number; a row without a valid ID is refused (it could never be
  matched again, so a second import would duplicate it).
- A non-empty cell that differs from the database updates it (audited old/new); an empty cell
  never erases. Head changes, moves between households and grid changes are domain
  operations with their own rules: the import refuses or only notes them.
- A grid name not found is refused unless the clerk allows creating missing grids; they are
  then created under the office's unit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Generator

from sqlite_utils import Database

from gridoffice.errors import PermissionDenied
from gridoffice.i18n import tr
from gridoffice.normalize import clean_text
from gridoffice.roster.columns import Header, check_mapping, find_header, guess_mapping, remember, remembered
from gridoffice.roster.job import Job
from gridoffice.roster.read import RawSheet, read_sheet_job
from gridoffice.roster.result import ImportResult
from gridoffice.access.scope import acting
from gridoffice.changes import ROSTER, writes

Progress = Generator[tuple[int, int, str], None, ImportResult]
# An import is one transaction: its new rows' pages (about 60 MB for 150,000 persons) stay dirty
# until the commit, and the connection's usual cache (store.db.CACHE_MB) spilled them to the WAL
# and read them back, each page encrypted and decrypted again on the way.
IMPORT_CACHE_MB = 256


@writes(ROSTER, unless="dry_run")
def import_file(db: Database, path: str | Path, *, sheet: str | None = None, **options) -> Progress:
    """Read a roster file and import it; see import_sheet for the options."""
    yield 0, 0, tr("正在读取“{name}”……").format(name=Path(path).name)
    raw = yield from read_sheet_job(path, sheet)
    return (yield from import_sheet(db, raw, file_name=Path(path).name, **options))


@writes(ROSTER, unless="dry_run")
def import_sheet(db: Database, raw: RawSheet, *, header: Header | None = None, mapping: dict[int, str] | None = None,
                 file_name: str = "", create_grids: bool = False, default_grid: str = "", dry_run: bool = False,
                 today: dt.date | None = None) -> Progress:
    """The import job: a progress generator returning ImportResult.

    Everything, including the checks against the database, runs in one transaction, so a
    failure or a cancel (closing the generator) leaves the database exactly as it was.
    With dry_run nothing is written; the result tells what an import would do.
    """
    scope = acting(db)
    if scope is not None and not scope.whole_office:
        # A roster may name any grid and moves households between them: it is a whole-office job.
        raise PermissionDenied(tr("导入花名册会改动全部网格的档案，请由负责全部网格的工作人员导入"))
    today = today or dt.date.today()
    memory = remembered(db)
    header = header or find_header(raw.rows, raw.merged, memory)
    mapping = dict(mapping) if mapping is not None else guess_mapping(header.labels, memory)
    check_mapping(mapping)
    with _room_for_the_load(db), db.atomic():
        job = Job(db, raw, header, mapping, today, create_grids, clean_text(default_grid))
        counts = yield from job.run(dry_run)
        if not dry_run:
            remember(db, header.labels, mapping)
        result = job.result(file_name, dry_run, counts)
    return result


@contextlib.contextmanager
def _room_for_the_load(db: Database):
    """The connection's page cache large enough for the import's transaction, then as it was."""
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = {-1024 * IMPORT_CACHE_MB}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {before}")
