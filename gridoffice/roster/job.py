"""The roster import's job: the file cut into parts that end between households, each part checked
and planned on a worker thread (roster.check, roster.plan) while the job's thread writes the parts
already checked (roster.write), both inside the caller's one transaction; then the result."""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import sys
import threading
from typing import Generator

from sqlite_utils import Database

from gridoffice.archive import office_tags
from gridoffice.audit import trail
from gridoffice.search import index
from gridoffice.i18n import tr
from gridoffice.roster.check import Checker
from gridoffice.roster.columns import Header
from gridoffice.roster.plan import Planner
from gridoffice.roster.read import RawSheet, cell_text, no_collection
from gridoffice.roster.result import SAMPLE_ROWS, ImportResult, Notice, Refused
from gridoffice.roster.write import Part, Writer
from gridoffice.access.scope import acting
from gridoffice.vocab import RELATIONS

PART_ROWS = 10000  # rows checked and written at a time


class Job:
    def __init__(self, db: Database, raw: RawSheet, header: Header, mapping: dict[int, str], today: dt.date,
                 create_grids: bool, default_grid: str):
        self.db, self.raw, self.header, self.mapping, self.today = db, raw, header, mapping, today
        self.col = {f: c for c, f in mapping.items()}
        self.notices: list[Notice] = []
        labels = office_tags.labels(db, active=True)
        self.checker = Checker(self.col, today, labels, acting(db), self.notices)
        self.planner = Planner(db, self.col, self.notices, labels, create_grids=create_grids,
                               default_grid=default_grid)
        self.writer: Writer | None = None  # made once the rows are counted, before the first part
        self.total = 1
        self.width = 0  # the widest row's cells

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
            for share, message in self.writer.finish():
                yield done + int(share * (self.total - 1 - done)), self.total, message
        return self.planner.counts

    def _check_and_write(self, dry_run: bool) -> Generator[tuple[int, int, str], None, int]:
        checker = self.checker
        kept = checker.data_rows(checker.filled_rows(self.raw, self.header))
        self.width = max(map(len, (cells for _, cells in kept)), default=0)
        self.total = (1 if dry_run else 3) * len(kept) + 1
        parts = self._parts(kept)
        writer = self.writer = Writer(self.db, self.planner, self.col, self.today, checker.numbers, rows=len(kept),
                                      dry_run=dry_run)
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
            with contextlib.nullcontext() if dry_run or writer.defer else index.bulk_load(self.db):
                while (part := out.get()) is not None:
                    if isinstance(part, BaseException):
                        raise part
                    if isinstance(part, _NewGrid):
                        part.answer(writer.create_path(part.name))
                        continue
                    done += part.checked
                    yield done, self.total, tr("正在检查第{n}行……").format(n=part.last_line)
                    if not dry_run:
                        writer.write(part)
                        done += part.checked
                        yield done, self.total, tr("正在写入：已登记{n}人……").format(
                            n=self.planner.counts["persons_new"])
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

        Households are found as roster.plan.Planner.group() finds them, from the household
        numbers and relations alone.
        """
        heads = self.checker.households_of(kept)
        by_number: dict[str, int] = {}
        has_head: list[bool] = []
        last: list[int] = []  # each household's last row
        owner: list[int] = []  # each row's household
        current = None
        for i, (number, head) in enumerate(zip(self.checker.numbers, heads)):
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

    def _work(self, kept: list, parts: list[tuple[int, int]], out: queue.Queue, stop: threading.Event,
              dry_run: bool) -> None:
        def hand_over(item) -> None:
            while not stop.is_set():
                try:
                    out.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def ask(name: str) -> tuple[int, str]:
            request = _NewGrid(name)
            hand_over(request)
            while not request.done.wait(0.1):
                if stop.is_set():
                    raise _Stopped
            return request.result

        checker, planner, writer = self.checker, self.planner, self.writer
        try:
            for start, end in parts:
                if stop.is_set():
                    return
                rows = checker.check_rows(kept, start, end)
                blocks = planner.group(rows)
                planner.match(rows, blocks)
                planner.check_blocks(blocks)
                new_blocks, new_rows = planner.plan(blocks)
                part = Part(end - start, kept[end - 1][0])
                if not dry_run:
                    writer.prepare(part, new_blocks, new_rows, ask)
                    writer.release(rows)
                hand_over(part)
        except _Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread, which raises it
            hand_over(exc)
            return
        hand_over(None)

    def result(self, file_name: str, dry_run: bool, counts: dict[str, int]) -> ImportResult:
        rows = self.checker.rows
        width = max(self.width, len(self.header.labels))
        refused = tuple(
            Refused(r.line, tuple(cell_text(c) for c in r.cells) + ("",) * (width - len(r.cells)), r.reason,
                    (r.block.household.number if r.block and r.block.household else r.number))
            for r in rows if r.reason)
        changes = {r.line: tr("更新") for r, _ in self.planner.person_updates}
        sample = []
        for row in rows:
            if len(sample) >= SAMPLE_ROWS:
                break
            if row.reason or row.duplicate_of:
                continue
            v = row.values
            state = changes.get(row.line) or (tr("新增") if row.match is None else tr("不变"))
            sample.append((str(row.line), row.block.household.number if row.block.household else row.number,
                           v.name, v.id_number, tr(RELATIONS[v.relation]),
                           tr("男") if v.sex == "M" else tr("女"), v.birth_date, v.phone, row.address, row.grid,
                           state))
        # A trial run makes nothing: it names the units an import would make.
        created = tuple(self.planner.planned) if dry_run else tuple(self.writer.grids_created)
        if not dry_run and (counts["persons_new"] or counts["persons_updated"] or counts["households_updated"]):
            trail.record(self.db, "import", "persons", None, new={
                "file": file_name, "sheet": self.raw.name, **counts, "refused": len(refused),
                "grids_created": list(created)})
        return ImportResult(
            file=file_name, sheet=self.raw.name, labels=self.header.labels, mapping=tuple(sorted(self.mapping.items())),
            dry_run=dry_run, rows=len(rows), skipped=self.checker.skipped,
            duplicates=sum(1 for r in rows if r.duplicate_of), grids_created=created,
            refused=refused, notices=tuple(sorted(self.notices, key=lambda n: n.row)), sample=tuple(sample), **counts)


class _NewGrid:
    """The worker's request for a planned path's units, answered by the job's thread."""

    def __init__(self, name: str):
        self.name = name
        self.done = threading.Event()
        self.result: tuple[int, str] | None = None

    def answer(self, result: tuple[int, str]) -> None:
        self.result = result
        self.done.set()


class _Stopped(Exception):
    """The job's thread stopped (cancel or error) while the worker waited for it."""
