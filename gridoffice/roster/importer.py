"""Importing a roster (花名册): trust nothing, lose nothing, all or nothing.

A sheet is read (roster_read), its header found and mapped (roster_columns), every row cleaned
and checked, rows grouped into households, households and persons matched against the
database by household number and ID number, and the result written in ONE transaction.
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
import itertools
import queue
import re
import sqlite3
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generator

from sqlite_utils import Database

from gridoffice.archive import households, office_tags, tag_entries
from gridoffice.audit import trail, records
from gridoffice.org import regions
from gridoffice.search import finder, index
from gridoffice.store.db import now, refresh_statistics
from gridoffice.store.schema import new_gids
from gridoffice.errors import PermissionDenied, ValidationError
from gridoffice.i18n import tr
from gridoffice.idcard import PLAIN_ID, check_consistency, parse_ids
from gridoffice.normalize import check_length, clean_text, normalize_phone, require_name
from gridoffice.roster.columns import (FIELDS, Header, check_mapping, find_header, guess_mapping, parse_date,
                                       political_code, relation_code, remember, remembered, residence_code, sex_code, yes_no)
from gridoffice.roster.read import RawSheet, cell_text, clean_cell, looks_like_id, no_collection, read_sheet_job
from gridoffice.access.scope import acting
from gridoffice.vocab import HOUSEHOLD_TAGS, LEVEL_RANK, ORG_LEVELS, PERSON_STATUS, RELATIONS

Progress = Generator[tuple[int, int, str], None, "ImportResult"]

PART_ROWS = 10000  # rows checked and written at a time
HOUSEHOLD_LABELS = {code: tr(label) for code, label in HOUSEHOLD_TAGS.items()}
SAMPLE_ROWS = 200
# normalize_phone() returns such a number unchanged, so the call is skipped for it.
_CANONICAL_MOBILE = re.compile(r"1[3-9]\d{9}")
_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数", "汇总")
_NOTE_WORDS = ("注", "说明", "备注", "制表", "填表", "审核", "负责人", "填报", "统计", "日期", "联系人")
_MARKER_STARTS = {w[0] for w in _TOTAL_WORDS + _NOTE_WORDS}
# Columns the persons table takes from a row, in the order of the INSERT below.
_PERSON_FIELDS = ("name", "ethnicity", "political_status", "education", "occupation", "phone", "residence", "notes")


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


@dataclass(eq=False, slots=True)
class _Row:
    line: int
    cells: tuple
    relation: str | None
    number: str
    grid: str
    address: str
    values: dict = field(default_factory=dict)
    reason: str | None = None
    duplicate_of: int | None = None
    match: tuple | None = None  # the persons row with the same ID number
    block: "_Block | None" = None
    person_id: int | None = None  # a new person's id, given when the part is prepared


@dataclass(eq=False, slots=True)
class _Block:
    number: str
    rows: list = field(default_factory=list)
    household: tuple | None = None  # the matching households row
    org_id: int | None = None
    new_grid: str = ""  # the path of units this import creates for the household (a grid's name alone)
    reason: str | None = None


def import_file(db: Database, path: str | Path, *, sheet: str | None = None, **options) -> Progress:
    """Read a roster file and import it; see import_sheet for the options."""
    yield 0, 0, tr("正在读取“{name}”……").format(name=Path(path).name)
    raw = yield from read_sheet_job(path, sheet)
    return (yield from import_sheet(db, raw, file_name=Path(path).name, **options))


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
    with db.atomic():
        job = _Job(db, raw, header, mapping, today, create_grids, clean_text(default_grid))
        counts = yield from job.run(dry_run)
        if not dry_run:
            remember(db, header.labels, mapping)
        result = job.result(file_name, dry_run, counts)
    return result


class _Job:
    def __init__(self, db: Database, raw: RawSheet, header: Header, mapping: dict[int, str], today: dt.date,
                 create_grids: bool, default_grid: str):
        self.db, self.raw, self.header, self.mapping, self.today = db, raw, header, mapping, today
        self.create_grids, self.default_grid = create_grids, default_grid
        self.col = {f: c for c, f in mapping.items()}
        self.rows: list[_Row] = []
        self.skipped = 0
        self.notices: list[Notice] = []
        self.grids_created: list[str] = []
        self.planned: dict[str, list[tuple[str, str]]] = {}  # path -> its (name, level) pairs to make
        self.grid_ids: dict[str, int] = {}
        self.total = 1
        self.tables: dict[str, dict] = {}  # each column's distinct cells, cleaned once for the whole file
        self.seen: dict[str, _Row] = {}  # ID number -> the first row naming it, across parts
        self.person_updates: list[tuple[_Row, dict]] = []
        self.household_updates: list[tuple[_Block, dict]] = []
        self.tag_updates: list[tuple[_Row, tag_entries.TagPlan]] = []
        self.hardship_updates: list[tuple[_Block, tag_entries.TagPlan]] = []
        self.hardship_on_record: dict[int, list[tuple]] = {}
        self.tags_on_record: dict[int, list[tuple]] = {}
        self.new_tags: dict[int, list[str]] = {}  # new persons' open tags, for their search documents
        self.scope = acting(db)
        self.labels = office_tags.labels(db, active=True)
        self.new_heads: set[int] = set()  # households on record that gain a head from the file
        self.documents = index.Documents(self.new_tags)
        self.sample_left = SAMPLE_ROWS  # accepted rows that keep their values for the result's sample
        self.width = 0  # the widest row's cells
        self.counts = dict.fromkeys(("persons_new", "persons_updated", "persons_unchanged", "households_new",
                                     "households_updated"), 0)

    # -- reading and cleaning ------------------------------------------------------------------
    def _filled_rows(self) -> list[tuple[int, tuple]]:
        """Data rows (line number, cells) with merged ranges filled from their top-left cell."""
        start, raw_rows = self.header.data_row, self.raw.rows
        rows = list(raw_rows[start:])
        for top, left, bottom, right in self.raw.merged:
            if bottom < start or top >= len(raw_rows):
                continue
            source = raw_rows[top]
            value = source[left] if left < len(source) else ""
            for i in range(max(top, start), min(bottom, len(raw_rows) - 1) + 1):
                row = list(rows[i - start])
                row.extend([""] * (right + 1 - len(row)))
                row[left:right + 1] = [value] * (right + 1 - left)
                rows[i - start] = tuple(row)
        return [(start + n + 1, cells) for n, cells in enumerate(rows)]

    def _data_rows(self, filled: list[tuple[int, tuple]]) -> list[tuple[int, tuple]]:
        """The rows naming a person: blank rows, totals and notes are counted as skipped."""
        id_col, name_col = self.col["id_number"], self.col["name"]
        last_id = next((n for n in range(len(filled) - 1, -1, -1)
                        if id_col < len(filled[n][1]) and looks_like_id(filled[n][1][id_col])), -1)
        # A clean ID number marks a person's row: only other rows may be blank, totals or notes.
        plain = PLAIN_ID.fullmatch
        clean = [v.__class__ is str and plain(v) is not None
                 for v in (cells[id_col] if id_col < len(cells) else "" for _, cells in filled)]
        kept = []
        for n, (row, ok) in enumerate(zip(filled, clean)):
            if ok or self._names_person(row[1], id_col, name_col, n > last_id):
                kept.append(row)
            else:
                self.skipped += 1
        # Short rows (a CSV line may end early) are padded to the last mapped column.
        width = max(self.col.values()) + 1
        if all(len(cells) >= width for _, cells in kept):
            return kept
        return [(line, cells) if len(cells) >= width else (line, tuple(cells) + ("",) * (width - len(cells)))
                for line, cells in kept]

    @staticmethod
    def _names_person(cells, id_col: int, name_col: int, after_last_id: bool) -> bool:
        """A row without a clean ID number: not blank, not totals or notes, and naming someone."""
        id_value = cells[id_col] if id_col < len(cells) else ""
        if not any(cells) and not any(c not in ("", None) for c in cells):
            return False
        # Totals and notes start with a marker word in one of the first cells; look closer only then.
        if any(isinstance(c, str) and c.lstrip()[:1] in _MARKER_STARTS for c in cells[:4]):
            texts = [clean_text(c).replace(" ", "") for c in cells[:4] if isinstance(c, str) and c.strip()]
            if any(t.startswith(_TOTAL_WORDS) for t in texts) or (
                    texts[0].startswith(_NOTE_WORDS) and not looks_like_id(id_value)):
                return False
        return not (id_value in ("", None) and (after_last_id or not clean_cell(
            cells[name_col] if name_col < len(cells) else "")))

    # -- the job: checking on a worker thread, writing on this one ------------------------------
    def run(self, dry_run: bool) -> Generator[tuple[int, int, str], None, dict[str, int]]:
        """Check the roster part by part on a worker thread while this thread writes the parts
        already checked: the Python checks and SQLite's writing each keep a core busy.

        Parts end between households, so every check sees a whole household; all writes are
        in the caller's transaction, and the worker is stopped before this generator ends.
        """
        yield 0, 1, tr("正在检查……")
        # The collector's passes over the sheet's cells and the checked rows would stop both
        # threads again and again; the rows' few reference cycles (a row and its household)
        # are collected when the job is over.
        with no_collection():
            done = yield from self._check_and_write(dry_run)
        if not dry_run:
            # Checking, writing and finishing take a third of the bar each.
            for share, message in self._finish():
                yield done + int(share * (self.total - 1 - done)), self.total, message
        return self.counts

    def _check_and_write(self, dry_run: bool) -> Generator[tuple[int, int, str], None, int]:
        kept = self._data_rows(self._filled_rows())
        self.width = max(map(len, (cells for _, cells in kept)), default=0)
        self.total = (1 if dry_run else 3) * len(kept) + 1
        parts = self._parts(kept)
        self._begin(len(kept), dry_run)
        out: queue.Queue = queue.Queue(maxsize=2)
        stop = threading.Event()
        worker = threading.Thread(target=self._work, args=(kept, parts, out, stop, dry_run), name="import-check",
                                  daemon=True)
        # After each statement the writing thread waits for the GIL until the checking thread's
        # turn ends: 1 ms turns (Python's default: 5) keep SQLite busier, about 0.4 s in 12.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(0.001)
        worker.start()
        done = 0
        try:
            with contextlib.nullcontext() if dry_run or self.defer else index.bulk_load(self.db):
                while (part := out.get()) is not None:
                    if isinstance(part, BaseException):
                        raise part
                    if isinstance(part, _NewGrid):
                        part.answer(self._create_path(part.name))
                        continue
                    done += part.checked
                    yield done, self.total, tr("正在检查第{n}行……").format(n=part.last_line)
                    if not dry_run:
                        self._write(part)
                        done += part.checked
                        yield done, self.total, tr("正在写入：已登记{n}人……").format(n=self.counts["persons_new"])
        finally:
            stop.set()
            while worker.is_alive():  # a part the worker is handing over: take it, so it sees the stop
                try:
                    out.get(timeout=0.05)
                except queue.Empty:
                    pass
            sys.setswitchinterval(switch)
        return done

    def _parts(self, kept: list[tuple[int, tuple]]) -> list[tuple[int, int]]:
        """(start, end) of parts of about PART_ROWS rows, cut only where no household goes on.

        Households are found as _group() finds them, from the household numbers and relations
        alone, which are cleaned here once for the whole file.
        """
        def cells(field: str) -> list:
            col = self.col.get(field)
            return [c[col] if col is not None and col < len(c) else "" for _, c in kept]

        self.numbers = _column(cells("household_number"), clean_cell)
        heads = _column(cells("relation"), lambda v: relation_code(clean_cell(v)) == "head")
        by_number: dict[str, int] = {}
        has_head: list[bool] = []
        last: list[int] = []  # each household's last row
        owner: list[int] = []  # each row's household
        current = None
        for i, (number, head) in enumerate(zip(self.numbers, heads)):
            if number:
                current = by_number.get(number)
                if current is None:
                    current = by_number[number] = len(last)
                    has_head.append(False)
                    last.append(i)
            elif current is None or (head and has_head[current]):
                current = len(last)
                has_head.append(False)
                last.append(i)
            if head:
                has_head[current] = True
            last[current] = i
            owner.append(current)
        parts, start, reach = [], 0, -1
        small = max(PART_ROWS // 5, 1)
        for i, household in enumerate(owner):
            # Small parts first and last: the writing thread starts sooner, and the worker's
            # last part leaves it less to write alone.
            size = PART_ROWS if parts and len(owner) - i > PART_ROWS else small
            if i > start and i - start >= size and reach < i:
                parts.append((start, i))
                start = i
            reach = max(reach, last[household])
        if start < len(kept):
            parts.append((start, len(kept)))
        return parts

    def _begin(self, rows: int, dry_run: bool) -> None:
        db = self.db
        self.units: dict[str, list[tuple]] = {}
        for unit_id, name, level in db.execute(
                "SELECT id, name, level FROM org_units WHERE status = 'active' ORDER BY level != 'grid', id"):
            self.units.setdefault(name, []).append((unit_id, level))
        persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
        self.empty = persons == 0 and not db.execute("SELECT 1 FROM households LIMIT 1").fetchone()
        self.next_person = (db.execute("SELECT max(id) FROM persons").fetchone()[0] or 0) + 1
        self.next_household = (db.execute("SELECT max(id) FROM households").fetchone()[0] or 0) + 1
        self.household_numbers = _Numbers(db, {n for n in self.numbers if n})
        self.paths = dict(db.execute("SELECT id, path FROM org_units").fetchall())
        self.finder = regions.PathFinder(db)
        self.stamp = now()
        self.bulk = not dry_run and rows > persons
        # A bulk load's new rows get their search documents after the commit (search_index.fill):
        # they were half of the import's work, and the office is in use meanwhile.
        self.defer = self.bulk
        self.first_person, self.first_household = self.next_person, self.next_household
        # Keys that arrive in order (household, status) are cheap to keep; names, birth dates and
        # ID numbers arrive in any order, and one sorted build of those indexes is cheaper. The
        # ID numbers' index serves matching, which an empty office does not need.
        # The global ids (m010) are random too: their unique indexes cost a third of the rows'
        # inserts kept up row by row, and a sorted build after the load still refuses a duplicate.
        random = ("idx_persons_name", "idx_persons_birth_sex_status", "idx_persons_gid") + (
            ("idx_persons_id_number_sex_birth",) if self.empty else ())
        self.rebuilt = (_drop_indexes(db, "persons", random) + _drop_indexes(db, "households", ("idx_households_gid",))
                        if self.bulk else [])

    def _work(self, kept: list, parts: list[tuple[int, int]], out: queue.Queue, stop: threading.Event,
              dry_run: bool) -> None:
        def hand_over(item) -> None:
            while not stop.is_set():
                try:
                    out.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def ask(request: _NewGrid):
            hand_over(request)
            while not request.done.wait(0.1):
                if stop.is_set():
                    raise _Stopped
            return request.result

        self.ask = ask
        try:
            for start, end in parts:
                if stop.is_set():
                    return
                rows = self._check_rows(kept, start, end)
                blocks = self._group(rows)
                self._match(rows, blocks)
                self._check_blocks(blocks)
                new_blocks, new_rows = self._plan(blocks)
                part = _Part(end - start, kept[end - 1][0])
                if not dry_run:
                    self._prepare(part, new_blocks, new_rows)
                    self._release(rows)
                hand_over(part)
        except _Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread, which raises it
            hand_over(exc)
            return
        hand_over(None)

    def _check_rows(self, kept: list[tuple[int, tuple]], start: int, end: int) -> list[_Row]:
        """Rows start to end checked and cleaned, column by column: most columns repeat a few
        dozen spellings, and each distinct cell is cleaned once."""
        kept = kept[start:end]
        rows: list[_Row] = []
        # The sheet's columns (every kept row reaches the last mapped column); a field not mapped
        # reads blanks.
        by_index = list(zip(*[cells for _, cells in kept]))
        blank = ("",) * len(kept)
        columns = {name: by_index[self.col[name]] if name in self.col else blank for name in FIELDS}

        def column(name: str, make) -> list:
            if name not in self.col:
                return [make("")] * len(kept)
            return _column(columns[name], make, self.tables.setdefault(name, {}))

        texts = {name: column(name, _LIMITED.get(name, clean_cell))
                 for name in ("grid", "address", "education", "occupation", "relation")}
        texts["household_number"] = self.numbers[start:end]
        relations = _column(texts["relation"], relation_code, self.tables.setdefault("relation codes", {}))
        sexes = column("sex", lambda v: sex_code(clean_cell(v)))
        births = column("birth_date", parse_date)
        ethnicities = column("ethnicity", _ethnicity)
        # A text over its field's limit refuses its row; the cell reads blank meanwhile.
        too_long: dict[int, ValidationError] = {}
        for values in (texts["grid"], texts["address"], texts["education"], texts["occupation"], ethnicities):
            for k, value in enumerate(values):
                if value.__class__ is ValidationError:
                    too_long.setdefault(k, value)
                    values[k] = ""
        political = column("political_status", lambda v: _code_or_notice("political_status", v, political_code))
        residence = column("residence", lambda v: _code_or_notice("residence", v, residence_code))
        tags = column("tags", lambda v: tag_entries.parse_cell(v, today=self.today, labels=self.labels))
        hardship = column("household_tags", lambda v: tag_entries.parse_cell(v, today=self.today,
                                                                              labels=HOUSEHOLD_LABELS))
        household = {
            "household_phone": column("household_phone", normalize_phone),
            "contact_class": column("contact_class", lambda v: households.contact_class_code(v) if clean_cell(v) else None),
            "representative": column("representative", lambda v: yes_no(clean_cell(v))),
            "household_notes": column("household_notes", _notes),
            "unit_path": column("unit_path", clean_cell),
            "unit_levels": column("unit_levels", clean_cell),
        }
        ids = parse_ids(columns["id_number"], today=self.today)
        notice = self.notices.append
        for i, (line, cells), rel_text, relation, number, grid, address, id_value, info, sex, birth in zip(
                itertools.count(), kept, texts["relation"], relations, texts["household_number"], texts["grid"],
                texts["address"], columns["id_number"], ids, sexes, births):
            row = _Row(line, cells, relation, number, grid, address)
            rows.append(row)
            try:
                if i in too_long:
                    raise too_long[i]
                name = require_name(columns["name"][i])
                if isinstance(id_value, (int, float)) and not isinstance(id_value, bool):
                    raise ValidationError("id_number", tr(
                        "身份证号码存成了数字（{v}），表格只保留15位有效数字，后几位已经丢失；"
                        "请把该列设为文本格式后重新录入这个号码").format(v=cell_text(id_value)))
                if info.__class__ is ValidationError:
                    raise info
                if sex.__class__ is ValidationError:
                    raise sex
                if birth.__class__ is ValidationError:
                    notice(Notice(line, tr("{msg}；已按身份证号码中的出生日期登记").format(msg=birth.message)))
                    birth = None
                if (sex and sex != info.sex) or (birth and birth != info.birth_date):
                    check_consistency(info, sex=sex or None, birth_date=birth)
                if not rel_text:
                    raise ValidationError("relation", tr("“与户主关系”为空，无法确定此人在户内的身份"))
                notes = columns["notes"][i]
                notes = check_length(clean_text(cell_text(notes), multiline=True), "notes") if notes else ""
                for field_ in ("contact_class", "representative", "household_notes"):
                    if household[field_][i].__class__ is ValidationError:
                        raise household[field_][i]
                for cell in (tags[i], hardship[i]):
                    if cell.__class__ is ValidationError:
                        raise cell
                self._check_tag_scope(tags[i])
                if hardship[i]:  # a household's hardship is as sensitive as a person's low_income
                    self._check_tag_scope([tag_entries.TagEntry("low_income", None, None)])
            except ValidationError as exc:
                row.reason = exc.message
                continue
            for warning in info.warnings:
                notice(Notice(line, warning))
            if info.upgraded_from:
                notice(Notice(line, tr("15位旧身份证号码{old}已升级为18位{new}").format(
                    old=info.upgraded_from, new=info.number)))
            if relation is None:
                row.relation = relation = "other"
                notice(Notice(line, tr("与户主关系“{t}”无法识别，已登记为“其他”").format(t=rel_text)))
            phone = columns["phone"][i]
            if not (phone.__class__ is str and _CANONICAL_MOBILE.fullmatch(phone)):
                try:
                    phone = normalize_phone(phone)
                except ValidationError as exc:
                    phone = ""
                    notice(Notice(line, tr("{msg}；电话未导入").format(msg=exc.message)))
            (political_code_, political_notice), (residence_code_, residence_notice) = political[i], residence[i]
            for message in (political_notice, residence_notice):
                if message:
                    notice(Notice(line, message))
            household_phone = household["household_phone"][i]
            if household_phone.__class__ is ValidationError:
                notice(Notice(line, tr("{msg}；户联系电话未导入").format(msg=household_phone.message)))
                household_phone = ""
            row.values = {
                "tags": tags[i],
                "household_tags": hardship[i],
                "household_phone": household_phone,
                "contact_class": household["contact_class"][i],
                "representative": household["representative"][i],
                "household_notes": household["household_notes"][i],
                "unit_path": household["unit_path"][i],
                "unit_levels": household["unit_levels"][i],
                "name": name,
                "id_number": info.number,
                "sex": info.sex,
                "birth_date": info.birth_date.isoformat(),
                "relation": relation,
                "ethnicity": ethnicities[i],
                "political_status": political_code_,
                "education": texts["education"][i],
                "occupation": texts["occupation"][i],
                "phone": phone,
                "residence": residence_code_,
                "notes": notes,
            }
        self.rows.extend(rows)
        return rows

    def _check_tag_scope(self, entries) -> None:
        """A role that may not see a sensitive register may not fill it from a file either."""
        for entry in entries:
            if self.scope is not None and not self.scope.sees_tag(entry.tag):
                raise ValidationError("tags", tr("“{role}”角色不能导入“{tag}”这类敏感信息").format(
                    role=tr(self.scope.role_label), tag=tag_entries.label_of(entry.tag, self.labels)))

    # -- households in the file ----------------------------------------------------------------
    def _group(self, rows: list[_Row]) -> list[_Block]:
        """Rows into households: by household number; rows without one follow the head above them."""
        by_number: dict[str, _Block] = {}
        blocks: list[_Block] = []
        current: _Block | None = None
        for row in rows:
            if row.number:
                block = by_number.get(row.number)
                if block is None:
                    block = by_number[row.number] = _Block(row.number)
                    blocks.append(block)
                current = block
            elif current is None or (row.relation == "head" and any(r.relation == "head" for r in current.rows)):
                current = _Block("")
                blocks.append(current)
            current.rows.append(row)
            row.block = current
        seen = self.seen
        for row in rows:
            if row.reason:
                continue
            first = seen.get(row.values["id_number"])
            if first is None:
                seen[row.values["id_number"]] = row
            elif first.block is row.block:
                row.duplicate_of = first.line
                self.notices.append(Notice(row.line, tr("与第{n}行是同一人，已合并，不重复登记").format(n=first.line)))
            else:
                row.reason = tr("身份证号码与第{n}行相同，但在另一户；同一人不能属于两户，请核对").format(n=first.line)
        return blocks

    # -- the database ----------------------------------------------------------------------------
    def _select_in(self, sql: str, values: list) -> list[tuple]:
        out: list[tuple] = []
        for i in range(0, len(values), 500):
            chunk = values[i:i + 500]
            out.extend(self.db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall())
        return out

    def _match(self, rows: list[_Row], blocks: list[_Block]) -> None:
        """Persons on record by ID number, households by number, for one part.

        Runs on the worker thread; the connection is shared (sqlite3.threadsafety is 3) and the
        reads see this import's own writes, which no later part can match: a household never
        spans two parts and an ID number met before is settled by _group.
        """
        self.households, self.by_number, self.heads = {}, {}, {}
        if self.empty:
            return
        ids = [r.values["id_number"] for r in rows if not r.reason]
        found: dict[str, tuple] = {}
        for rec in self._select_in(
            "SELECT id, household_id, relation, status, name, ethnicity, political_status, education, occupation, "
            "phone, residence, notes, id_number, updated_at FROM persons WHERE id_number IN ({marks}) "
            "ORDER BY status = 'active'",
            ids,
        ):
            found[rec[12]] = rec  # the active record wins: it is read last
        for row in rows:
            if not row.reason:
                row.match = found.get(row.values["id_number"])
        tagged = [r.match[0] for r in rows if r.match and r.values["tags"]]
        self.tags_on_record = {}
        for rec in self._select_in("SELECT person_id, id, tag, since, until, coalesce(note, '') FROM person_tags "
                                   "WHERE person_id IN ({marks}) ORDER BY since, id", tagged):
            self.tags_on_record.setdefault(rec[0], []).append(rec[1:])
        numbers = sorted({b.number for b in blocks if b.number})
        member_hh = sorted({r.match[1] for r in rows if r.match and r.match[1] is not None})
        hh_cols = ("SELECT id, number, org_id, address, phone, status, updated_at, contact_class, representative_id, "
                   "notes FROM households WHERE ")
        self.households = {h[0]: h for h in self._select_in(hh_cols + "number IN ({marks})", numbers)}
        self.households.update({h[0]: h for h in self._select_in(hh_cols + "id IN ({marks})", member_hh)})
        self.by_number = {h[1]: h for h in self.households.values()}
        self.heads = {p[0]: p for p in self._select_in(
            "SELECT household_id, id, name FROM persons WHERE relation = 'head' AND status = 'active' "
            "AND household_id IN ({marks})", list(self.households))}
        self.hardship_on_record = {}
        for rec in self._select_in("SELECT household_id, id, tag, since, until, coalesce(note, '') FROM household_tags "
                                   "WHERE household_id IN ({marks}) ORDER BY since, id", list(self.households)):
            self.hardship_on_record.setdefault(rec[0], []).append(rec[1:])

    def _check_blocks(self, blocks: list[_Block]) -> None:
        for block in blocks:
            reason = self._block_reason(block)
            if reason:
                block.reason = reason
                for row in block.rows:
                    if not row.reason:
                        row.reason = reason

    def _block_reason(self, block: _Block) -> str | None:
        members = [r for r in block.rows if r.duplicate_of is None]
        heads = [r for r in members if r.relation == "head"]
        if len(heads) > 1:
            return tr("该户有{n}个户主（第{rows}行），一户只能有一个户主，请核对“与户主关系”").format(
                n=len(heads), rows="、".join(str(r.line) for r in heads))
        head = heads[0] if heads else None
        if len(block.number) > 30:
            return tr("户号“{n}”过长（最多30个字符），请核对是否填错了列").format(n=block.number)
        for row in members:
            if row.match and row.match[3] != "active":
                row.reason = tr("此人在系统中已是“{s}”状态，导入不能恢复；如需恢复请在程序中办理").format(
                    s=tr(PERSON_STATUS.get(row.match[3], row.match[3])))
            elif row.match and row.match[1] is None:
                row.reason = tr("此人在系统中已登记但尚未入户；请在程序中把他加入该户")
        hh = self.by_number.get(block.number) if block.number else None
        matched = [r for r in members if not r.reason and r.match]
        homes = {r.match[1] for r in matched}
        if hh is not None:
            for row in matched:
                if row.match[1] != hh[0]:
                    row.reason = tr("此人在系统中属于户号{x}，表中写的是户号{y}；迁户请在程序中办理").format(
                        x=self.households[row.match[1]][1], y=block.number)
        elif homes:
            if len(homes) > 1:
                return tr("本户成员在系统中分属不同的户（户号{x}），请先在程序中处理").format(
                    x="、".join(sorted(self.households[h][1] for h in homes)))
            hh = self.households[homes.pop()]
            if block.number and hh[1] != block.number:
                return tr("表中户号{y}与系统中该户的户号{x}不一致，请核对").format(x=hh[1], y=block.number)
        if head is not None and head.reason:
            return tr("户主（第{n}行）被拒收：{why}；本户其他成员一并暂缓导入").format(n=head.line, why=head.reason)
        if hh is None:
            if head is None:
                return tr("该户没有户主：“与户主关系”中没有“户主”或“本人”")
            return self._resolve_grid(block, head)
        block.household = hh
        if hh[5] != "active":
            return tr("系统中户号{x}已不在册，不能导入成员").format(x=hh[1])
        db_head = self.heads.get(hh[0])
        if head is not None and db_head is not None and (head.match is None or head.match[0] != db_head[1]):
            return tr("系统中该户的户主是{a}，表中户主是{b}；更换户主请在程序中办理").format(
                a=db_head[2], b=head.values["name"])
        for row in (r for r in matched if not r.reason):
            if (row.match[2] == "head") != (row.relation == "head") and row.match[1] == hh[0]:
                return tr("系统中{name}的“与户主关系”是“{a}”，表中是“{b}”；更换户主请在程序中办理").format(
                    name=row.values["name"], a=tr(RELATIONS.get(row.match[2], "")), b=tr(RELATIONS[row.relation]))
        path = _household_value(members, "unit_path")
        grid = next((r.grid for r in members if r.grid), "")
        if path:
            if self.finder.find(path) != hh[2]:
                self.notices.append(Notice(members[0].line, tr(
                    "所属单元“{p}”与系统中该户的单元不同，未改动；调整请在程序中办理").format(p=path)))
        elif grid and self._unit_id(grid) not in (None, hh[2]):
            self.notices.append(Notice(members[0].line, tr(
                "所属网格“{g}”与系统中该户的网格不同，未改动；调整网格请在程序中办理").format(g=grid)))
        block.org_id = hh[2]
        return None

    def _unit_id(self, name: str) -> int | None:
        units = self.units.get(name)
        return units[0][0] if units and len(units) == 1 else None

    def _resolve_path(self, block: _Block, path: str) -> str | None:
        """A new household's unit by its path of names (所属单元); missing units are made when the
        clerk allows it and the 单元层级 says what each one is."""
        names = regions.split_path(path)
        node, used = self.finder.walk(names)
        if used == len(names):
            block.org_id = node
            return None
        if not self.create_grids:
            return tr("找不到单元“{p}”；请先在组织架构中建立，或在导入时勾选“自动创建缺少的网格”").format(p=path)
        levels_text = _household_value([r for r in block.rows if not r.reason], "unit_levels")
        try:
            levels = regions.level_codes(levels_text)
            for name in names[used:]:
                check_length(name, "unit_name", "unit_path")
        except ValidationError as exc:
            return exc.message
        if not levels and len(names) - used == 1:
            levels = [""] * used + ["grid"]  # a grid's name alone, as rosters before 所属单元 gave it
        if len(levels) != len(names):
            return tr("“单元层级”应与所属单元“{p}”一一对应（用“/”分隔），才能建立缺少的单元").format(p=path)
        parent = self.finder.level_of(node)
        for level in levels[used:]:
            if parent is not None and LEVEL_RANK[level] <= LEVEL_RANK[parent]:
                return tr("所属单元“{p}”中“{child}”不能放在“{parent}”之下，请核对“单元层级”").format(
                    p=path, child=tr(ORG_LEVELS[level]), parent=tr(ORG_LEVELS[parent]))
            parent = level
        key = regions.PATH_SEPARATOR.join(names)
        self.planned[key] = list(zip(names, levels))
        block.new_grid = key
        return None

    def _resolve_grid(self, block: _Block, head: _Row) -> str | None:
        path = head.values.get("unit_path") or _household_value([r for r in block.rows if not r.reason], "unit_path")
        if path:
            return self._resolve_path(block, path)
        grid = head.grid or next((r.grid for r in block.rows if r.grid), "") or self.default_grid
        if not grid:
            return tr("该户没有填写“所属网格”，请在表中填写或在导入时选择默认网格")
        if grid in self.planned:
            block.new_grid = grid
            return None
        units = self.units.get(grid)
        if units and len(units) > 1:
            grids = [u for u in units if u[1] == "grid"]
            if len(grids) != 1:
                return tr("名为“{g}”的单元不止一个，无法确定是哪一个；请在组织架构中改名后再导入").format(g=grid)
            units = grids
        if units:
            block.org_id = units[0][0]
            return None
        if not self.create_grids:
            return tr("找不到名为“{g}”的网格；请先在组织架构中建立，或在导入时勾选“自动创建缺少的网格”").format(g=grid)
        self.planned[grid] = [(grid, "grid")]
        block.new_grid = grid
        return None

    # -- what changes ----------------------------------------------------------------------------
    def _plan(self, blocks: list[_Block]) -> tuple[list[_Block], list[_Row]]:
        """The part's new households and persons; updates are kept for the end."""
        new_blocks = [b for b in blocks if not b.reason and b.household is None]
        new_rows: list[_Row] = []
        counts = self.counts
        for block in blocks:
            if block.reason:
                continue
            live = [r for r in block.rows if not r.reason and r.duplicate_of is None]
            for row in live:
                if row.match is None:
                    new_rows.append(row)
                    continue
                changes = self._person_changes(row)
                tags = self._tag_plan(row)
                if row.reason:
                    continue
                if changes or tags:
                    self.person_updates.append((row, changes))
                else:
                    counts["persons_unchanged"] += 1
            if block.household is not None:
                changes = self._household_changes(block, [r for r in live if not r.reason])
                hardship = self._hardship_plan(block, [r for r in live if not r.reason])
                if changes or hardship:
                    self.household_updates.append((block, changes))
                if any(r.relation == "head" and r.match is None for r in live):
                    self.new_heads.add(block.household[0])
        counts["persons_new"] += len(new_rows)
        counts["households_new"] += len(new_blocks)
        counts["persons_updated"] = len(self.person_updates)
        counts["households_updated"] = len(self.household_updates)
        return new_blocks, new_rows

    @staticmethod
    def _person_changes(row: _Row) -> dict:
        rec = row.match
        current = dict(zip(("name", "ethnicity", "political_status", "education", "occupation", "phone", "residence",
                            "notes"), rec[4:12]))
        changes = {k: row.values[k] for k in _PERSON_FIELDS if row.values[k] and row.values[k] != current[k]}
        if row.relation != rec[2] and "head" not in (row.relation, rec[2]):
            changes["relation"] = row.relation
        return changes

    def _tag_plan(self, row: _Row) -> tag_entries.TagPlan | None:
        """What the row's tag cell changes on the person's registers; a conflict refuses the row."""
        if not row.values["tags"]:
            return None
        try:
            plan = tag_entries.reconcile(self.tags_on_record.get(row.match[0], ()), row.values["tags"], self.labels)
        except ValidationError as exc:
            row.reason = exc.message
            return None
        for message in plan.notices:
            self.notices.append(Notice(row.line, message))
        if not (plan.added or plan.changed):
            return None
        self.tag_updates.append((row, plan))
        return plan

    def _hardship_plan(self, block: _Block, live: list[_Row]) -> tag_entries.TagPlan | None:
        """What the household's 户困难登记 cell changes on record; a conflict is noted, nothing changed."""
        entries = _household_value(live, "household_tags")
        if not entries:
            return None
        try:
            plan = tag_entries.reconcile(self.hardship_on_record.get(block.household[0], ()), entries,
                                         HOUSEHOLD_LABELS)
        except ValidationError as exc:
            self.notices.append(Notice(live[0].line, tr("{msg}；户困难登记未改动").format(msg=exc.message)))
            return None
        for message in plan.notices:
            self.notices.append(Notice(live[0].line, message))
        if not (plan.added or plan.changed):
            return None
        self.hardship_updates.append((block, plan))
        return plan

    def _household_phone(self, live: list[_Row]) -> str:
        """The household's own phone where the file has the column, else its head's."""
        if "household_phone" in self.col:
            return _household_value(live, "household_phone") or ""
        head = next((r for r in live if r.relation == "head"), None)
        return head.values["phone"] if head is not None else ""

    def _household_changes(self, block: _Block, live: list[_Row]) -> dict:
        """A household on record: what the file's non-empty household cells change."""
        hh = block.household
        address = next((r.address for r in live if r.relation == "head" and r.address), "") or next(
            (r.address for r in live if r.address), "")
        phone = self._household_phone(live)
        contact_class = _household_value(live, "contact_class")
        notes = _household_value(live, "household_notes")
        changes = {}
        if address and address != hh[3]:
            changes["address"] = address
        if phone and phone != hh[4]:
            changes["phone"] = phone
        if contact_class and contact_class != hh[7]:
            changes["contact_class"] = contact_class
        if notes and notes != hh[9]:
            changes["notes"] = notes
        representative = self._representative(live)
        if representative is not None and (representative.match is None or representative.match[0] != hh[8]):
            changes["representative_id"] = representative  # a new member's id is known once inserted
        return changes

    def _representative(self, live: list[_Row]) -> _Row | None:
        marked = [r for r in live if r.values["representative"]]
        if len(marked) > 1:
            self.notices.append(Notice(marked[1].line, tr("本户有{n}人标为户代表，以第{line}行为准").format(
                n=len(marked), line=marked[0].line)))
        return marked[0] if marked else None

    # -- writing -----------------------------------------------------------------------------------
    def _prepare(self, part: "_Part", new_blocks: list[_Block], new_rows: list[_Row]) -> None:
        """The part's rows to insert and its search documents, on the worker thread."""
        stamp = self.stamp
        person_ids: dict[int, int] = {}  # row line -> new person id, known before the insert
        for row in new_rows:
            person_ids[row.line] = row.person_id = self.next_person
            self.next_person += 1
            if not self.defer:
                open_tags = [e.tag for e in row.values["tags"] if e.until is None or e.until > self.today.isoformat()]
                if open_tags:
                    self.new_tags[row.person_id] = open_tags
            part.tags.extend((row.person_id, e.tag, e.since, e.until, e.note) for e in row.values["tags"])
        household_gids = iter(new_gids(len(new_blocks)))
        for block in new_blocks:
            if block.new_grid and block.new_grid not in self.grid_ids:
                self.grid_ids[block.new_grid], path = self.ask(_NewGrid(block.new_grid))
                self.paths[self.grid_ids[block.new_grid]] = path
            live = [r for r in block.rows if not r.reason and r.duplicate_of is None]
            head = next(r for r in live if r.relation == "head")
            org_id = self.grid_ids[block.new_grid] if block.new_grid else block.org_id
            block.number = block.number or self.household_numbers.next(org_id)
            address = head.address or next((r.address for r in live if r.address), "")
            if "household_phone" in self.col:
                phone = self._household_phone(live)
            else:
                phone = head.values["phone"] or next((r.values["phone"] for r in live if r.values["phone"]), "")
            contact_class = _household_value(live, "contact_class") or 3
            notes = _household_value(live, "household_notes") or ""
            representative = person_ids[(self._representative(live) or head).line]
            block.household = (self.next_household, block.number, org_id, address, phone, "active", stamp,
                               contact_class, representative, notes)
            part.households.append((self.next_household, block.number, org_id, address, phone, representative,
                                    contact_class, notes, stamp, stamp, next(household_gids)))
            if not self.defer:
                part.household_docs.append((self.next_household, block.number, address, phone, "active",
                                            contact_class, head.values["name"], self.paths.get(org_id)))
            part.hardship.extend((self.next_household, e.tag, e.since, e.until, e.note)
                                 for e in _household_value(live, "household_tags") or ())
            self.next_household += 1
        for row, gid in zip(new_rows, new_gids(len(new_rows))):
            v, hh = row.values, row.block.household
            part.persons.append((person_ids[row.line], hh[0], v["name"], v["id_number"], v["sex"], v["birth_date"],
                                 v["relation"], v["ethnicity"], v["political_status"] or "masses", v["education"],
                                 v["occupation"], v["phone"], v["residence"] or "registered", v["notes"], stamp, stamp,
                                 gid))
            if not self.defer:
                part.person_docs.append((person_ids[row.line], v["name"], v["id_number"], v["phone"], "active",
                                         v["birth_date"], hh[7], self.paths.get(hh[2])))
        # Tags get their gids here too: the rows' own insert trigger would write each row twice.
        part.tags = [(*t, gid) for t, gid in zip(part.tags, new_gids(len(part.tags)))]
        part.hardship = [(*t, gid) for t, gid in zip(part.hardship, new_gids(len(part.hardship)))]
        part.person_batch = self.documents.persons(part.person_docs) if part.person_docs else ""
        part.household_batch = self.documents.households(part.household_docs) if part.household_docs else ""

    def _release(self, rows: list[_Row]) -> None:
        """Drop what a new person's row no longer needs once its part is prepared: the result keeps
        the cells of refused rows and the values of the sample's rows, and updates keep theirs. A
        roster's rows would otherwise all be held twice until the end (as cells and as values)."""
        for row in rows:
            if row.reason or row.duplicate_of is not None:
                continue
            if self.sample_left:
                self.sample_left -= 1
            elif row.match is None:
                row.values = row.cells = None

    def _create_path(self, key: str) -> tuple[int, str]:
        """The units of a path the roster names, made on the job's thread: SQLite's last inserted
        row id is one per connection, so rows are inserted on one thread only. Another path may
        have made the first of them already."""
        plan = self.planned[key]
        node, used = self.finder.walk([name for name, _ in plan])
        for n, (name, level) in enumerate(plan[used:], start=used):
            parent, node = node, regions.create_unit(self.db, node, level, name)
            self.finder.add(parent, name, node, level)
            self.grids_created.append(regions.PATH_SEPARATOR.join(name for name, _ in plan[:n + 1]))
        return node, self.db.execute("SELECT path FROM org_units WHERE id = ?", [node]).fetchone()[0]

    def _write(self, part: "_Part") -> None:
        """The part's inserts, a few large statements each: SQLite works without the GIL meanwhile."""
        _insert_rows(self.db, "households(id, number, org_id, address, phone, representative_id, contact_class, "
                     "notes, status, created_at, updated_at, gid)", "(?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
                     part.households)
        _insert_rows(self.db, "persons(id, household_id, name, id_number, sex, birth_date, relation, ethnicity, "
                     "political_status, education, occupation, phone, residence, status, notes, created_at, "
                     "updated_at, gid)", "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)", part.persons)
        _insert_rows(self.db, "person_tags(person_id, tag, since, until, note, gid)", "(?, ?, ?, ?, ?, ?)", part.tags)
        _insert_rows(self.db, "household_tags(household_id, tag, since, until, note, gid)", "(?, ?, ?, ?, ?, ?)",
                     part.hardship)
        for batch in (part.person_batch, part.household_batch):
            if batch:
                index.write_documents(self.db, batch)

    def _finish(self) -> Generator[tuple[float, str], None, None]:
        """Indexes, updates of persons and households on record, the search index; yields the
        share done (0 to 1) and what is being done."""
        db = self.db
        yield 0.0, tr("正在整理人员表……")
        if self.rebuilt:
            _create_indexes(db, self.rebuilt)
        touched_hh = set(self.new_heads)
        touched_people: list[int] = []
        updates = len(self.person_updates) + len(self.household_updates)
        message = tr("正在更新已登记的人员和户……")
        for n, (row, changes) in enumerate(self.person_updates):
            if n % 1000 == 0:
                yield 0.5 * n / updates, message
            old = dict(zip(("relation", "name", "ethnicity", "political_status", "education", "occupation", "phone",
                            "residence", "notes", "updated_at"), (row.match[2], *row.match[4:12], row.match[13])))
            if changes:
                records.update(db, "persons", row.match[0], changes, "import_update", old=old)
            touched_people.append(row.match[0])
            touched_hh.add(row.block.household[0])
        for n, (block, changes) in enumerate(self.household_updates, start=len(self.person_updates)):
            if n % 1000 == 0:
                yield 0.5 * n / updates, message
            hh = block.household
            if not changes:
                continue  # only its hardship changes, below
            if isinstance(changes.get("representative_id"), _Row):
                row = changes["representative_id"]
                changes["representative_id"] = row.match[0] if row.match else row.person_id
            records.update(db, "households", hh[0], changes, "import_update",
                           old={"address": hh[3], "phone": hh[4], "updated_at": hh[6], "contact_class": hh[7],
                                "representative_id": hh[8], "notes": hh[9]})
            touched_hh.add(hh[0])
        for row, plan in self.tag_updates:
            for entry in plan.added:
                records.insert(db, "person_tags", {"person_id": row.match[0], "tag": entry.tag, "since": entry.since,
                                                   "until": entry.until, "note": entry.note}, "import_tag")
            for tag_id, change in plan.changed:
                records.update(db, "person_tags", tag_id, change, "import_tag")
        for block, plan in self.hardship_updates:
            for entry in plan.added:
                records.insert(db, "household_tags", {"household_id": block.household[0], "tag": entry.tag,
                                                      "since": entry.since, "until": entry.until, "note": entry.note},
                               "import_tag")
            for tag_id, change in plan.changed:
                records.update(db, "household_tags", tag_id, change, "import_tag")
        if self.defer:
            index.defer(db, persons=(self.first_person, self.next_person - 1),
                               households=(self.first_household, self.next_household - 1))
        indexed = db.execute("SELECT (SELECT count(*) FROM persons) + (SELECT count(*) FROM households)").fetchone()[0]
        if 4 * (len(touched_people) + len(touched_hh)) > indexed:
            # A roster that changes much of the office: every changed row would stay dirty in the
            # index and be re-checked by every search that finds it; one rebuild leaves none.
            for part, whole, message in finder.rebuild(db, today=self.today):
                yield 0.5 + 0.5 * part / max(whole, 1), message
        elif touched_people or touched_hh:
            yield 0.5, tr("正在更新搜索索引……")
            finder.reindex(db, person_ids=touched_people, household_ids=sorted(touched_hh), today=self.today)
        if self.bulk:
            refresh_statistics(db)

    # -- the result ------------------------------------------------------------------------------
    def result(self, file_name: str, dry_run: bool, counts: dict[str, int]) -> ImportResult:
        width = max(self.width, len(self.header.labels))
        refused = tuple(
            Refused(r.line, tuple(cell_text(c) for c in r.cells) + ("",) * (width - len(r.cells)), r.reason,
                    (r.block.household[1] if r.block and r.block.household else r.number))
            for r in self.rows if r.reason)
        changes = {r.line: tr("更新") for r, _ in self.person_updates}
        sample = []
        for row in self.rows:
            if len(sample) >= SAMPLE_ROWS:
                break
            if row.reason or row.duplicate_of:
                continue
            v = row.values
            state = changes.get(row.line) or (tr("新增") if row.match is None else tr("不变"))
            sample.append((str(row.line), row.block.household[1] if row.block.household else row.number, v["name"],
                           v["id_number"], tr(RELATIONS[v["relation"]]), tr("男") if v["sex"] == "M" else tr("女"),
                           v["birth_date"], v["phone"], row.address, row.grid, state))
        # A trial run makes nothing: it names the units an import would make.
        created = tuple(self.planned) if dry_run else tuple(self.grids_created)
        if not dry_run and (counts["persons_new"] or counts["persons_updated"] or counts["households_updated"]):
            trail.record(self.db, "import", "persons", None, new={
                "file": file_name, "sheet": self.raw.name, **counts, "refused": len(refused),
                "grids_created": list(created)})
        return ImportResult(
            file=file_name, sheet=self.raw.name, labels=self.header.labels, mapping=tuple(sorted(self.mapping.items())),
            dry_run=dry_run, rows=len(self.rows), skipped=self.skipped,
            duplicates=sum(1 for r in self.rows if r.duplicate_of), grids_created=created,
            refused=refused, notices=tuple(sorted(self.notices, key=lambda n: n.row)), sample=tuple(sample), **counts)


# Cells of these types are equal only to cells of the same type; True, 1 and 1.0 are not.
_KEYED = {str, dt.datetime, dt.date, type(None)}


def _column(cells, make, table: dict | None = None) -> list:
    """make(cell) for each cell, computed once per distinct cell (table keeps them across
    calls); a ValidationError is returned in place of the value."""

    def made(value):
        try:
            return make(value)
        except ValidationError as exc:
            return exc

    table = {} if table is None else table
    for value in {c for c in cells if c.__class__ in _KEYED}:
        if value not in table:
            table[value] = made(value)
    return [table[c] if c.__class__ in _KEYED else made(c) for c in cells]


def _household_value(rows, name: str):
    """A household's field from its members' rows: the head's cell, else the first one filled."""
    first = None
    for row in rows:
        value = row.values.get(name)
        if value not in ("", None):
            if row.relation == "head":
                return value
            if first is None:
                first = value
    return first


def _notes(value: object) -> str:
    return check_length(clean_text(cell_text(value), multiline=True), "notes") if value else ""


def _ethnicity(value: object) -> str:
    text = clean_cell(value)
    return check_length(text + "族" if len(text) == 1 else text, "ethnicity")  # 汉 -> 汉族: rosters often drop the 族


def _limited(what: str):
    """clean_cell() and the length limit of a field (normalize.LIMITS)."""
    return lambda value: check_length(clean_cell(value), what)


_LIMITED = {"grid": _limited("grid"), "address": _limited("address"), "education": _limited("education"),
            "occupation": _limited("occupation")}


def _code_or_notice(name: str, value: object, lookup) -> tuple[str, str | None]:
    text = clean_cell(value)
    if not text:
        return "", None
    code = lookup(text)
    if code is None:
        return "", tr("{f}“{t}”无法识别，未导入该项").format(f=tr(FIELDS[name]), t=text)
    return code, None


@dataclass(eq=False, slots=True)
class _Part:
    """One part of the roster, checked on the worker thread and written on the job's thread."""

    checked: int  # data rows in the part
    last_line: int
    households: list = field(default_factory=list)
    persons: list = field(default_factory=list)
    household_docs: list = field(default_factory=list)
    person_docs: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    hardship: list = field(default_factory=list)
    person_batch: str = ""
    household_batch: str = ""


class _NewGrid:
    """The worker's request for a grid, answered by the job's thread."""

    def __init__(self, name: str):
        self.name = name
        self.done = threading.Event()
        self.result: tuple[int, str] | None = None

    def answer(self, result: tuple[int, str]) -> None:
        self.result = result
        self.done.set()


class _Stopped(Exception):
    """The job's thread stopped (cancel or error) while the worker waited for it."""


def _variable_limit(db: Database) -> int:
    # SQLCipher's module has no getlimit(); its SQLite keeps the default of 3.32 and later.
    getlimit = getattr(db.conn, "getlimit", None)
    return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 32766


def _insert_rows(db: Database, target: str, one: str, rows: list[tuple]) -> None:
    """INSERT with many rows per statement (as many as SQLite takes parameters for): the
    statement runs without the GIL, so the worker thread's checks go on meanwhile."""
    if not rows:
        return
    per = max(1, _variable_limit(db) // len(rows[0]))
    for start in range(0, len(rows), per):
        chunk = rows[start:start + per]
        db.execute(f"INSERT INTO {target} VALUES {','.join([one] * len(chunk))}",
                   list(itertools.chain.from_iterable(chunk)))


def _drop_indexes(db: Database, table: str, names: tuple[str, ...]) -> list[str]:
    """Drop some of a table's indexes for a bulk load; returns the statements that remake them.

    The drop is part of the transaction: a failure brings the indexes back.
    """
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                      [table]).fetchall()
    rows = [(name, sql) for name, sql in rows if name in names]
    for name, _ in rows:
        db.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def _create_indexes(db: Database, statements: list[str]) -> None:
    db.execute("PRAGMA threads = 2")  # the index sort may use a second core
    try:
        for sql in statements:
            db.execute(sql)
    finally:
        db.execute("PRAGMA threads = 0")


class _Numbers:
    """Household numbers for households the roster gave none, in the domain's format.

    households.next_number() is asked once per unit; later serials count on from it, skipping
    numbers the roster itself uses, so 50,000 households do not cost 50,000 look-ups.
    """

    def __init__(self, db: Database, taken: set[str]):
        self.db, self.taken = db, taken
        self.prefix: dict[int | None, str] = {}
        self.serial: dict[str, int] = {}  # keyed by prefix: units without a code share plain serials

    def next(self, org_id: int | None) -> str:
        if org_id not in self.prefix:
            first = households.next_number(self.db, org_id)
            prefix = first.rstrip("0123456789")
            self.prefix[org_id] = prefix
            self.serial.setdefault(prefix, int(first[len(prefix):]))
        prefix = self.prefix[org_id]
        serial = self.serial[prefix]
        while f"{prefix}{serial:04d}" in self.taken:
            serial += 1
        self.serial[prefix] = serial + 1
        number = f"{prefix}{serial:04d}"
        self.taken.add(number)
        return number
