"""Writing what a roster import planned (roster.plan): the new households and persons of each part
prepared as rows on the checking thread and inserted on the job's thread in a few large
statements; at the end the indexes a bulk load dropped, the updates of what is on record, and the
search index (filled after the commit for a bulk load, search.index.fill)."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from operator import itemgetter
from dataclasses import dataclass, field
from typing import Callable, Generator

from sqlite_utils import Database

from gridoffice.archive import households
from gridoffice.audit import records
from gridoffice.org import regions
from gridoffice.search import finder, index
from gridoffice.store.db import now, refresh_statistics
from gridoffice.i18n import tr
from gridoffice.roster.check import Row, Values
from gridoffice.roster.plan import HouseholdOnRecord, Block, Planner, household_value
from gridoffice.roster.result import SAMPLE_ROWS
from gridoffice.store.schema import new_gids
from gridoffice.changes import ROSTER, writes


# A new person's columns from its checked values, in the order of Writer.write's INSERT.
_PERSON_COLUMNS = itemgetter(*[Values._fields.index(name) for name in (
    "name", "id_number", "sex", "birth_date", "relation", "ethnicity", "political_status", "education", "occupation",
    "phone", "residence", "notes")])


@dataclass(eq=False, slots=True)
class Part:
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


class Writer:
    """The ids, numbers and rows of what is new, and the writes of the whole import."""

    def __init__(self, db: Database, planner: Planner, col: dict[str, int], today: dt.date, numbers: list[str], *,
                 rows: int, dry_run: bool):
        self.db, self.planner, self.col, self.today = db, planner, col, today
        self.next_person = (db.execute("SELECT max(id) FROM persons").fetchone()[0] or 0) + 1
        self.next_household = (db.execute("SELECT max(id) FROM households").fetchone()[0] or 0) + 1
        self.first_person, self.first_household = self.next_person, self.next_household
        self.household_numbers = _Numbers(db, {n for n in numbers if n})
        self.paths = dict(db.execute("SELECT id, path FROM org_units").fetchall())
        self.stamp = now()
        self.bulk = not dry_run and rows > planner.persons_on_record
        # A bulk load's new rows get their search documents after the commit (search.index.fill):
        # they were half of the import's work, and the office is in use meanwhile.
        self.defer = self.bulk
        self.grid_ids: dict[str, int] = {}  # a planned path -> the unit made for it
        self.grids_created: list[str] = []
        self.new_tags: dict[int, list[str]] = {}  # new persons' open tags, for their search documents
        self.documents = index.Documents(self.new_tags)
        self.sample_left = SAMPLE_ROWS  # accepted rows that keep their values for the result's sample
        # Keys that arrive in order (household, status) are cheap to keep; names, birth dates and
        # ID numbers arrive in any order, and one sorted build of those indexes is cheaper. The
        # ID numbers' index serves matching, which an empty office does not need.
        # The global ids (m010) are random too: their unique indexes cost a third of the rows'
        # inserts kept up row by row, and a sorted build after the load still refuses a duplicate.
        random = ("idx_persons_name", "idx_persons_birth_sex_status", "idx_persons_gid") + (
            ("idx_persons_id_number_sex_birth",) if planner.empty else ())
        self.rebuilt = (_drop_indexes(db, "persons", random) + _drop_indexes(db, "households", ("idx_households_gid",))
                        if self.bulk else [])

    # -- on the checking thread -----------------------------------------------------------------
    def prepare(self, part: Part, new_blocks: list[Block], new_rows: list[Row],
                ask: Callable[[str], tuple[int, str]]) -> None:
        """The part's rows to insert and its search documents; `ask` has a planned path's units made
        on the job's thread and returns the last one's id and path."""
        stamp = self.stamp
        for row, person_id in zip(new_rows, range(self.next_person, self.next_person + len(new_rows))):
            row.person_id = person_id  # known before the insert
        self.next_person += len(new_rows)
        for row in [r for r in new_rows if r.values.tags]:
            if not self.defer:
                open_tags = [e.tag for e in row.values.tags if e.until is None or e.until > self.today.isoformat()]
                if open_tags:
                    self.new_tags[row.person_id] = open_tags
            part.tags.extend((row.person_id, e.tag, e.since, e.until, e.note) for e in row.values.tags)
        household_gids = iter(new_gids(len(new_blocks)))
        for block in new_blocks:
            if block.new_grid and block.new_grid not in self.grid_ids:
                self.grid_ids[block.new_grid], path = ask(block.new_grid)
                self.paths[self.grid_ids[block.new_grid]] = path
            live = [r for r in block.rows if not r.reason and r.duplicate_of is None]
            head = next(r for r in live if r.relation == "head")
            org_id = self.grid_ids[block.new_grid] if block.new_grid else block.org_id
            block.number = block.number or self.household_numbers.next(org_id)
            address = head.address or next((r.address for r in live if r.address), "")
            if "household_phone" in self.col:
                phone = self.planner.household_phone(live)
            else:
                phone = head.values.phone or next((r.values.phone for r in live if r.values.phone), "")
            contact_class = household_value(live, "contact_class") or 3
            notes = household_value(live, "household_notes") or ""
            representative = (self.planner.representative(live) or head).person_id
            block.household = HouseholdOnRecord(self.next_household, block.number, org_id, address, phone, "active",
                                                stamp, contact_class, representative, notes)
            part.households.append((self.next_household, block.number, org_id, address, phone, representative,
                                    contact_class, notes, stamp, stamp, next(household_gids)))
            if not self.defer:
                part.household_docs.append((self.next_household, block.number, address, phone, "active",
                                            contact_class, head.values.name, self.paths.get(org_id)))
            hardship = household_value(live, "household_tags")
            if hardship:
                part.hardship.extend((self.next_household, e.tag, e.since, e.until, e.note) for e in hardship)
            self.next_household += 1
        # The political status and residence a blank cell leaves get their defaults in the INSERT.
        part.persons = [(row.person_id, row.block.household.id, *_PERSON_COLUMNS(row.values), stamp, stamp, gid)
                        for row, gid in zip(new_rows, new_gids(len(new_rows)))]
        if not self.defer:
            for row in new_rows:
                v, hh = row.values, row.block.household
                part.person_docs.append((row.person_id, v.name, v.id_number, v.phone, "active", v.birth_date,
                                         hh.contact_class, self.paths.get(hh.org_id)))
        # Tags get their gids here too: the rows' own insert trigger would write each row twice.
        if part.tags:
            part.tags = [(*t, gid) for t, gid in zip(part.tags, new_gids(len(part.tags)))]
        if part.hardship:
            part.hardship = [(*t, gid) for t, gid in zip(part.hardship, new_gids(len(part.hardship)))]
        part.person_batch = self.documents.persons(part.person_docs) if part.person_docs else ""
        part.household_batch = self.documents.households(part.household_docs) if part.household_docs else ""

    def release(self, rows: list[Row]) -> None:
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

    # -- on the job's thread --------------------------------------------------------------------
    def create_path(self, key: str) -> tuple[int, str]:
        """The units of a path the roster names: SQLite's last inserted row id is one per
        connection, so rows are inserted on one thread only. Another path may have made the first
        of them already."""
        plan, tree = self.planner.planned[key], self.planner.finder
        node, used = tree.walk([name for name, _ in plan])
        for n, (name, level) in enumerate(plan[used:], start=used):
            parent, node = node, regions.create_unit(self.db, node, level, name)
            tree.add(parent, name, node, level)
            self.grids_created.append(regions.PATH_SEPARATOR.join(name for name, _ in plan[:n + 1]))
        return node, self.db.execute("SELECT path FROM org_units WHERE id = ?", [node]).fetchone()[0]

    def write(self, part: Part) -> None:
        """The part's inserts, a few large statements each: SQLite works without the GIL meanwhile."""
        insert_rows(self.db, "households(id, number, org_id, address, phone, representative_id, contact_class, "
                    "notes, status, created_at, updated_at, gid)", "(?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
                    part.households)
        insert_rows(self.db, "persons(id, household_id, name, id_number, sex, birth_date, relation, ethnicity, "
                    "political_status, education, occupation, phone, residence, status, notes, created_at, "
                    "updated_at, gid)", "(?, ?, ?, ?, ?, ?, ?, ?, coalesce(nullif(?, ''), 'masses'), ?, ?, ?, "
                    "coalesce(nullif(?, ''), 'registered'), 'active', ?, ?, ?, ?)", part.persons)
        insert_rows(self.db, "person_tags(person_id, tag, since, until, note, gid)", "(?, ?, ?, ?, ?, ?)", part.tags)
        insert_rows(self.db, "household_tags(household_id, tag, since, until, note, gid)", "(?, ?, ?, ?, ?, ?)",
                    part.hardship)
        for batch in (part.person_batch, part.household_batch):
            if batch:
                index.write_documents(self.db, batch)

    def finish(self) -> Generator[tuple[float, str], None, None]:
        """Indexes, updates of persons and households on record, the search index; yields the
        share done (0 to 1) and what is being done."""
        db, planner = self.db, self.planner
        yield 0.0, tr("正在整理人员表……")
        if self.rebuilt:
            _create_indexes(db, self.rebuilt)
        touched_hh = set(planner.new_heads)
        touched_people: list[int] = []
        updates = len(planner.person_updates) + len(planner.household_updates)
        message = tr("正在更新已登记的人员和户……")
        for n, (row, changes) in enumerate(planner.person_updates):
            if n % 1000 == 0:
                yield 0.5 * n / updates, message
            rec = row.match
            old = {"relation": rec.relation, "name": rec.name, "ethnicity": rec.ethnicity,
                   "political_status": rec.political_status, "education": rec.education, "occupation": rec.occupation,
                   "phone": rec.phone, "residence": rec.residence, "notes": rec.notes, "updated_at": rec.updated_at}
            if changes:
                records.update(db, "persons", rec.id, changes, "import_update", old=old)
            touched_people.append(rec.id)
            touched_hh.add(row.block.household.id)
        for n, (block, changes) in enumerate(planner.household_updates, start=len(planner.person_updates)):
            if n % 1000 == 0:
                yield 0.5 * n / updates, message
            hh = block.household
            if not changes:
                continue  # only its hardship changes, below
            if isinstance(changes.get("representative_id"), Row):
                row = changes["representative_id"]
                changes["representative_id"] = row.match.id if row.match else row.person_id
            records.update(db, "households", hh.id, changes, "import_update",
                           old={"address": hh.address, "phone": hh.phone, "updated_at": hh.updated_at,
                                "contact_class": hh.contact_class, "representative_id": hh.representative_id,
                                "notes": hh.notes})
            touched_hh.add(hh.id)
        for row, plan in planner.tag_updates:
            for entry in plan.added:
                records.insert(db, "person_tags", {"person_id": row.match.id, "tag": entry.tag, "since": entry.since,
                                                   "until": entry.until, "note": entry.note}, "import_tag")
            for tag_id, change in plan.changed:
                records.update(db, "person_tags", tag_id, change, "import_tag")
        for block, plan in planner.hardship_updates:
            for entry in plan.added:
                records.insert(db, "household_tags", {"household_id": block.household.id, "tag": entry.tag,
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


def _variable_limit(db: Database) -> int:
    # SQLCipher's module has no getlimit(); its SQLite keeps the default of 3.32 and later.
    getlimit = getattr(db.conn, "getlimit", None)
    return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 32766


@writes(ROSTER)
def insert_rows(db: Database, target: str, one: str, rows: list[tuple]) -> None:
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
