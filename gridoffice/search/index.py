"""The search index: what each person and household document holds, and writing it.

The index is the contentless FTS5 table `search_fts` (detail=none: it stores which rows hold
a token, not where, which keeps it about a third of the size). One document per person
(rowid = id) and per household (rowid = 2⁴⁰ + id, so persons come first in index order and a
kind is a rowid range) holds these tokens:

- each character of the name (a household: its head's name) and each pair of neighbouring
  characters of the name and of the address (digit and letter runs count as one character):
  one character finds a name; a longer fragment finds the rows holding all its pairs, and
  the row itself confirms the order when that is not implied;
- the whole name behind a marker: exact name, and name prefix through the prefix index;
- full pinyin and initials of a person's name, surname readings included (see pinyin.py);
- the household number behind a marker, and the address's digit and letter runs;
- runs of 4 digits of the ID number and of the phone, each as one private-use character, at
  even offsets and the last: any 4+ digits (head, middle, tail) are found (search._digit_runs);
- one token each for kind, status (unless active), contact class, every organisation unit
  above the household, active tags and birth year: filters are intersections in the index.

Tokens only the program writes start with a private-use character, so nothing typed can
produce them; the one-character ones add nothing to the prefix indexes. Those are kept for 2
and 3 characters only, the prefixes that span thousands of terms (a surname, "zh"); a longer
prefix spans few, and FTS5 reads their terms directly about as fast. Prefixes 4 to 8 cost a
quarter of the FTS5 build time and measured no faster at 1.4 million persons.

A bulk import leaves its new rows out of the index and names them in a backlog (rowid ranges in
the settings table, written in the import's own transaction); `fill` indexes them afterwards in
batches that each commit with the backlog shortened, so the office is in use meanwhile and a
process killed half way leaves every row either indexed or still in the backlog, which the next
opening fills. Until then `pending` says how many rows a search cannot find yet; `reindex` and
`forget` leave rows in the backlog to the filler, which reads their current values.

A contentless table cannot delete a row, and the core reindexes after a change, when the old
values are gone. So `reindex` inserts the new version under the same rowid with a "dirty"
token, and the index answers the union of old and new versions for that row. A search takes
clean rows from the index as they are and judges dirty candidates on their current version
in a scratch index; `rebuild` makes every row clean again.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
import re
import unicodedata
import zlib
from itertools import repeat
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Container, Generator, Iterable, Iterator

from sqlite_utils import Database

from gridoffice.search import pinyin
from gridoffice.normalize import PLAIN_CHINESE
from gridoffice.i18n import tr
from gridoffice.changes import Changes, writes

# Prefix indexes up to six letters: a surname typed in pinyin ('zhang', 'wang') otherwise merges
# the postings of thousands of full-name terms (12 ms at 50,000 households, 80 ms at 500,000).
FTS_OPTIONS = "content='', columnsize=0, detail=none, tokenize='ascii', prefix='2 3 4 5 6'"

PERSON = "person"
HOUSEHOLD = "household"

_KIND = {PERSON: "\ue001", HOUSEHOLD: "\ue002"}
_DIRTY = "\ue003"
_INACTIVE = "\ue006"
_NAME = "\ue004"  # before a whole name
_NUMBER = "\ue005"  # before a household number
_CLASS = {1: "\ue011", 2: "\ue012", 3: "\ue013"}
_GRAM_BASE = 0xF0000  # 4-digit runs: 0–9999, and 10000 + NNN for 'NNNx' at the end of an ID
_ORG_BASE = 0x100000
_ORG_SPILL = _GRAM_BASE + 11000  # organisation ids past plane 16's private-use range
_YEAR_BASE = 0xF100
_BATCH = 20000
_HASH_SIZE = 32 * 1024 * 1024
_AUTOMERGE = 4  # FTS5's default
_LOAD_AUTOMERGE = 16
_NAME_CACHE = 100_000
_INSERT = "INSERT INTO {table}(rowid, terms) VALUES (?, ?)"
_HOME = 1 << 40  # households' rowids start here


# --- tokens -------------------------------------------------------------------------------


def _code_token(group: str, code: str) -> str:
    """A stable one-character token for a stored code (status, tag); a test checks no clashes."""
    return chr(0xE100 + zlib.crc32(f"{group}:{code}".encode()) % 0x800)


def _status_token(status: str) -> str:
    return _code_token("status", status)


def _tag_token(tag: str) -> str:
    return _code_token("tag", tag)


def _org_token(org_id: int) -> str:
    if org_id < 0xFFFE:
        return chr(_ORG_BASE + org_id)
    spill = org_id - 0xFFFE
    if spill < 0xFFFE - 11000:
        return chr(_ORG_SPILL + spill)
    return chr(_ORG_BASE + org_id % 0xFFFE) + chr(_ORG_BASE + org_id // 0xFFFE)


def _year_token(year: int) -> str:
    return chr(_YEAR_BASE + min(max(year - 1890, 0), 0x7FF))


_GRAMS = {f"{n:04d}": chr(_GRAM_BASE + n) for n in range(10000)}
_GRAMS.update({f"{n:03d}x": chr(_GRAM_BASE + 10000 + n) for n in range(1000)})


def _offsets(n: int) -> list[int]:
    """Where runs of 4 are indexed in a string of n: the even offsets and the last one.

    Half the tokens of every offset, and still exact: a query of 5+ digits has all its runs at
    even or all at odd offsets of its own lying on indexed ones; 4 digits at an odd offset are
    found through the indexed runs either side of them (search._digit_runs).
    """
    return sorted({*range(0, n - 3, 2), n - 4})


# Slicing the runs at C speed: a rebuild cuts 1.5 million ID numbers into runs.
_RUNS = {n: operator.itemgetter(*[slice(i, i + 4) for i in _offsets(n)]) for n in range(5, 33)}


def _grams(digits: str) -> list[str]:
    """Tokens for the indexed runs of 4 of a digit string (an ID may end in x)."""
    n = len(digits)
    if n < 4:
        return []
    runs = (digits,) if n == 4 else _RUNS[n](digits) if n in _RUNS else [digits[i : i + 4] for i in _offsets(n)]
    try:
        return list(map(_GRAMS.__getitem__, runs))
    except KeyError:
        return [g for g in map(_GRAMS.get, runs) if g]


def _gram_text(digits: str) -> str:
    """_grams() as document text; the common case (all digits) without a list in between."""
    runs = _RUNS.get(len(digits))
    if runs is not None:
        try:
            return " ".join(map(_GRAMS.__getitem__, runs(digits)))
        except KeyError:
            pass
    return " ".join(_grams(digits))

# An ID number as stored: 18 characters, the last maybe X.
_PLAIN_ID = re.compile("[0-9]{17}[0-9Xx]")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SEGMENT = re.compile(f"[{_HAN}]|[^\\W\\d_{_HAN}]+|\\d+")
_IS_HAN = re.compile(f"[{_HAN}]")


def _segments(text: str) -> list[str]:
    """Tokens of a name or address: each Chinese character alone, runs of letters, runs of digits."""
    return _SEGMENT.findall(text.lower())


def _is_han(segment: str) -> bool:
    return _IS_HAN.match(segment) is not None


def _pairs(segs: list[str]) -> list[str]:
    """Neighbouring segments joined: a fragment of 2+ segments is then found by its pairs,
    which keeps the rows whose order must be checked few."""
    return [a + b for a, b in zip(segs, segs[1:])]


def _id_digits(number: str | None) -> str:
    digits = (number or "").lower()
    return digits if digits.isdigit() or digits[:-1].isdigit() else re.sub(r"[^0-9x]", "", digits)


def _phone_digits(phone: str | None) -> str:
    """Area code and number of a stored phone; an extension is not part of what people type."""
    if phone is None or phone.isdigit():
        return phone or ""
    return re.sub(r"\D", "", "".join(phone.split("-")[:2]))


def _compact(text: str | None) -> str:
    text = (text or "").lower()
    if text.isascii() and text.isalnum():
        return text
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", text))


class _Builder:
    """Documents from rows, with the parts that repeat (names, grids, years) memoised."""

    def __init__(self) -> None:
        # name -> (its tokens, its tokens with pinyin): a head's household reuses the person's work.
        self._names: dict[str, tuple[str, str]] = {}
        self._places: dict[tuple, str] = {}
        self._years: dict[str, str] = {}

    def _name(self, name: str | None) -> tuple[str, str]:
        key = name or ""
        got = self._names.get(key)
        if got is None:
            if PLAIN_CHINESE.fullmatch(key) and len(set(key)) == len(key):
                # Chinese characters, none repeated: the characters, pairs and whole name are
                # distinct tokens already, and no regex or lower-casing is needed.
                text = " ".join(key)
                if len(key) > 1:
                    text += " " + " ".join(map(operator.add, key, key[1:]))
                text += " " + _NAME + key
                spelt = pinyin.keys(key)  # ASCII: never one of the tokens above
                got = (text, f"{text} {' '.join(spelt)}") if spelt else (text, text)
            else:
                segs = _segments(key)
                parts = segs + _pairs(segs)
                if segs:
                    parts.append(_NAME + "".join(segs))
                plain = dict.fromkeys(parts)
                text = " ".join(plain)
                got = text, " ".join({**plain, **dict.fromkeys(pinyin.keys(key))})
            if len(self._names) >= _NAME_CACHE:
                # A district has about half a million distinct names: bound the memory.
                self._names.clear()
            self._names[key] = got
        return got

    def name(self, name: str | None, with_pinyin: bool) -> str:
        return self._name(name)[with_pinyin]

    def place(self, kind: str, status: str | None, contact_class: int | None, path: str | None) -> str:
        key = (kind, status, contact_class, path)
        got = self._places.get(key)
        if got is None:
            parts = [_KIND[kind]]
            # Nearly every row is active: a token for that would be a long list to intersect;
            # the rest carry a shared marker, and "active" is the rows without it.
            if status != "active":
                parts += [_INACTIVE, _status_token(status or "")]
            if contact_class in _CLASS:
                parts.append(_CLASS[contact_class])
            parts += [_org_token(int(p)) for p in (path or "").split("/") if p]
            got = " ".join(parts)
            self._places[key] = got
        return got

    @staticmethod
    def _id_text(id_number: str | None) -> str:
        if id_number and len(id_number) == 18 and id_number.isascii() and id_number[:17].isdigit():
            g = _GRAMS  # the runs at the even offsets, written out: a rebuild cuts 1.5 million numbers
            try:
                return " ".join((g[id_number[0:4]], g[id_number[2:6]], g[id_number[4:8]], g[id_number[6:10]],
                                 g[id_number[8:12]], g[id_number[10:14]], g[id_number[12:16]],
                                 g[id_number[14:18].lower()]))
            except KeyError:
                pass  # a last character other than a digit or X: the general path drops it
        return _gram_text(_id_digits(id_number))

    def persons(self, rows: list[tuple], tags: dict[int, list[str]], dirty: Container[int] = ()) -> list[str]:
        """The documents of persons' rows, made a column at a time: each distinct name, place and
        birth year once, the ID numbers' runs by C iterators, the parts joined by C too (a roster
        of 150,000 persons took 14 µs a person row by row)."""
        if not rows:
            return []
        pids, names, numbers, phones, statuses, births, classes, paths = zip(*rows)
        name_of = {name: self._name(name)[1] for name in set(names)}
        places = list(zip(statuses, classes, paths))
        place_of = {key: self.place(PERSON, *key) for key in set(places)}
        year_of = {birth: self._year((birth or "")[:4]) for birth in set(births)}
        phone_texts = [_gram_text(_phone_digits(phone)) if phone else "" for phone in phones]
        tag_texts = ([" ".join([_tag_token(t) for t in tags[pid]]) if tags.get(pid) else "" for pid in pids]
                     if tags else repeat(""))
        marks = [_DIRTY if pid in dirty else "" for pid in pids] if dirty else repeat("")
        return list(map(" ".join, map(filter, repeat(None), zip(
            map(name_of.__getitem__, names), map(place_of.__getitem__, places), self._id_texts(numbers), phone_texts,
            tag_texts, map(year_of.__getitem__, births), marks))))

    def _year(self, year: str) -> str:
        token = self._years.get(year)
        if token is None:
            token = self._years[year] = _year_token(int(year)) if year.isdigit() else ""
        return token

    def _id_texts(self, numbers: tuple) -> list[str]:
        """_id_text() of each number; the usual 18 characters by C iterators, 8 runs each."""
        if all(map(_PLAIN_ID.fullmatch, map(str, numbers))):
            runs = map(_RUNS[18], map(str.lower, numbers))
            return list(map(" ".join, map(map, repeat(_GRAMS.__getitem__), runs)))
        return list(map(self._id_text, numbers))

    def household(self, row: tuple, dirty: bool) -> tuple[int, str]:
        hid, number, address, phone, status, contact_class, head, path = row
        segs = _SEGMENT.findall(address.lower()) if address else []
        # Runs of digits or letters (never a single Chinese character) are tokens by themselves.
        parts = [self._name(head)[0], self.place(HOUSEHOLD, status, contact_class, path)]
        parts += [s for s in segs if len(s) > 1 or s < "\u3400"]
        parts += map(operator.add, segs, segs[1:])
        number = _compact(number)
        if number:
            parts.append(_NUMBER + number)
        if phone:
            parts.append(_gram_text(_phone_digits(phone)))
        if dirty:
            parts.append(_DIRTY)
        return _HOME + hid, " ".join(parts)


# --- loading rows ---------------------------------------------------------------------------

_PERSON_SQL = (
    "SELECT p.id, p.name, p.id_number, p.phone, p.status, p.birth_date, h.contact_class, o.path "
    "FROM persons p LEFT JOIN households h ON h.id = p.household_id LEFT JOIN org_units o ON o.id = h.org_id"
)
# The head still living here, else the last head on record; two index lookups, no sorting.
_HEAD_SQL = (
    "coalesce((SELECT name FROM persons m WHERE m.household_id = h.id AND m.relation = 'head' "
    "AND m.status = 'active' LIMIT 1), (SELECT name FROM persons m WHERE m.household_id = h.id "
    "AND m.relation = 'head' LIMIT 1))"
)
_HOUSEHOLD_SQL = (
    f"SELECT h.id, h.number, h.address, h.phone, h.status, h.contact_class, {_HEAD_SQL}, o.path "
    "FROM households h LEFT JOIN org_units o ON o.id = h.org_id"
)


def _iso(today: dt.date | None) -> str:
    return (today or dt.date.today()).isoformat()


def _active_tags(db: Database, person_ids: list[int] | None, day: str) -> dict[int, list[str]]:
    sql = "SELECT person_id, tag FROM person_tags WHERE (until IS NULL OR until > ?)"
    params: list = [day]
    if person_ids is not None:
        sql += f" AND person_id IN ({','.join('?' * len(person_ids))})"
        params += person_ids
    tags: dict[int, list[str]] = {}
    for pid, tag in db.execute(sql, params):
        tags.setdefault(pid, []).append(tag)
    return tags


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _docs(
    db: Database, person_ids: Iterable[int], household_ids: Iterable[int], dirty: set[int], day: str
) -> list[tuple]:
    """Current documents of the given rows (any status), sorted by rowid."""
    build = _Builder()
    docs = []
    for chunk in _chunks(sorted(set(person_ids))):
        tags = _active_tags(db, chunk, day)
        rows = db.execute(f"{_PERSON_SQL} WHERE p.id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        if rows:
            docs.extend(zip([row[0] for row in rows], build.persons(rows, tags, dirty)))
    for chunk in _chunks(sorted(set(household_ids))):
        for row in db.execute(f"{_HOUSEHOLD_SQL} WHERE h.id IN ({','.join('?' * len(chunk))})", chunk):
            docs.append(build.household(row, _HOME + row[0] in dirty))
    docs.sort()
    return docs


# --- writing the index ----------------------------------------------------------------------


@writes(Changes.NONE)
def rebuild(db: Database, *, today: dt.date | None = None) -> Generator[tuple[int, int, str], None, int]:
    """Index every person and household afresh, in one transaction; returns the documents written."""
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    households = db.execute("SELECT count(*) FROM households").fetchone()[0]
    total = persons + households
    message = tr("正在建立搜索索引")
    yield 0, total, message
    day = _iso(today)

    def batches(sql: str) -> Iterable[list[tuple]]:
        cursor = db.conn.execute(sql)
        while rows := cursor.fetchmany(_BATCH):
            yield rows

    with db.atomic():
        db.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
        _set_backlog(db, [])  # every row is indexed below
        yield from _load(db, batches(f"{_PERSON_SQL} ORDER BY p.id"), batches(f"{_HOUSEHOLD_SQL} ORDER BY h.id"),
                         _active_tags(db, None, day), total, message)
    return total


class Documents:
    """Search documents as JSON batches for write_documents(), built from rows in hand.

    Rows are shaped as _PERSON_SQL and _HOUSEHOLD_SQL select them. Building is Python work
    that may run on another thread than the database's, while SQLite indexes a batch.
    """

    def __init__(self, tags: dict[int, list[str]] | None = None):
        self._build = _Builder()
        self._tags = tags if tags is not None else {}

    def persons(self, rows: list[tuple], tags: dict[int, list[str]] | None = None) -> str:
        """`tags` (person id -> open tags) for these rows, else those given when made."""
        texts = self._build.persons(rows, self._tags if tags is None else tags)
        return json.dumps(dict(zip([r[0] for r in rows], texts)), ensure_ascii=False)

    def households(self, rows: list[tuple]) -> str:
        return json.dumps(dict(self._build.household(r, False) for r in rows), ensure_ascii=False)


@writes(Changes.NONE)
def write_documents(db: Database, batch: str) -> None:
    """Index a batch from Documents: one statement, so SQLite holds the GIL-free stretch for
    the whole batch instead of handing the GIL back and forth for every row. The rows must
    not be in the index yet (rebuild starts empty; an import adds new rows)."""
    db.execute("INSERT INTO search_fts(rowid, terms) SELECT CAST(key AS INTEGER), value FROM json_each(?)", [batch])


@contextmanager
@writes(Changes.NONE)
def bulk_load(db: Database) -> Iterator[None]:
    """Index settings for loading many documents in the caller's transaction."""
    # FTS5 buffers 1 MB of postings before writing a segment, then merges segments over and
    # over; 32 MB (a memory cap, not a reservation) makes the load a third faster.
    db.execute("INSERT INTO search_fts(search_fts, rank) VALUES('hashsize', ?)", [_HASH_SIZE])
    # Merging only every 16 segments of a level (FTS5 default: 4) rewrites the postings fewer
    # times during the load; the default comes back at the end for everyday writes.
    db.execute("INSERT INTO search_fts(search_fts, rank) VALUES('automerge', ?)", [_LOAD_AUTOMERGE])
    yield
    db.execute("INSERT INTO search_fts(search_fts, rank) VALUES('automerge', ?)", [_AUTOMERGE])


def _load(db: Database, persons: Iterable[list[tuple]], households: Iterable[list[tuple]],
          tags: dict[int, list[str]], total: int, message: str) -> Generator[tuple[int, int, str], None, None]:
    """Write documents in bulk: a second thread builds one batch while SQLite indexes the previous."""
    docs = Documents(tags)
    done = 0
    with ThreadPoolExecutor(1) as pool, bulk_load(db):
        for source, make in ((persons, docs.persons), (households, docs.households)):
            ready = None
            for rows in itertools.chain(source, [None]):
                # Read while the builder is idle: reading also takes the GIL row by row.
                building = pool.submit(lambda r=rows: (len(r), make(r))) if rows else None
                if ready is not None:
                    write_documents(db, ready[1])
                    done += ready[0]
                    yield done, total, message
                if building is None:
                    break
                ready = building.result()


def _indexed(db: Database, rowid: int) -> bool:
    kind = _KIND[PERSON] if rowid < _HOME else _KIND[HOUSEHOLD]
    sql = "SELECT 1 FROM search_fts WHERE search_fts MATCH ? AND rowid = ?"
    return db.execute(sql, [f'"{kind}"', rowid]).fetchone() is not None


def reindex(
    db: Database,
    person_ids: Iterable[int] = (),
    household_ids: Iterable[int] = (),
    *,
    unit_ids: Iterable[int] = (),
    today: dt.date | None = None,
) -> None:
    """Bring the index up to date for changed rows; call it inside the change's transaction.

    A household's members are reindexed with it (they carry its grid, class and status),
    a head's household with the head (it carries the head's name), and every household under
    the given organisation units (moving a unit changes what lies above them).
    """
    person_ids = {int(i) for i in person_ids}
    household_ids = {int(i) for i in household_ids}
    for unit_id in unit_ids:
        row = db.execute("SELECT path FROM org_units WHERE id = ?", [int(unit_id)]).fetchone()
        if row:
            sql = "SELECT h.id FROM households h JOIN org_units o ON o.id = h.org_id WHERE o.path >= ? AND o.path < ?"
            household_ids.update(r[0] for r in db.execute(sql, [row[0], row[0][:-1] + "0"]))
    for chunk in _chunks(sorted(household_ids)):
        marks = ",".join("?" * len(chunk))
        person_ids.update(r[0] for r in db.execute(f"SELECT id FROM persons WHERE household_id IN ({marks})", chunk))
    for chunk in _chunks(sorted(person_ids)):
        marks = ",".join("?" * len(chunk))
        sql = (
            f"SELECT household_id FROM persons WHERE id IN ({marks}) AND relation = 'head' "
            "AND household_id IS NOT NULL"
        )
        household_ids.update(r[0] for r in db.execute(sql, chunk))
    if waiting := backlog(db):  # the filler indexes them as they will be then
        person_ids = {i for i in person_ids if not _waiting(waiting, i)}
        household_ids = {h for h in household_ids if not _waiting(waiting, _HOME + h)}
    rowids = [*person_ids, *(_HOME + h for h in household_ids)]
    dirty = {r for r in rowids if _indexed(db, r)}
    db.conn.executemany(_INSERT.format(table="search_fts"), _docs(db, person_ids, household_ids, dirty, _iso(today)))


# --- the backlog: rows written without their documents ---------------------------------------

BACKLOG = "search_backlog"  # settings key: JSON list of [first, last] rowid ranges not yet indexed


def backlog(db: Database) -> list[list[int]]:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [BACKLOG]).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def _set_backlog(db: Database, ranges: list[list[int]]) -> None:
    if ranges:
        db.execute("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [BACKLOG, json.dumps(ranges)])
    else:
        db.execute("DELETE FROM settings WHERE key = ?", [BACKLOG])


@writes(Changes.NONE)
def defer(db: Database, persons: tuple[int, int] | None = None, households: tuple[int, int] | None = None) -> None:
    """Leave new rows (ids first to last, inclusive) to `fill`; call it in the transaction that
    inserts them."""
    ranges = backlog(db)
    if persons and persons[0] <= persons[1]:
        ranges.append([persons[0], persons[1]])
    if households and households[0] <= households[1]:
        ranges.append([_HOME + households[0], _HOME + households[1]])
    _set_backlog(db, ranges)


def pending(db: Database) -> int:
    """Rows waiting for their documents (at most: an id in a range may have been removed since)."""
    return sum(last - first + 1 for first, last in backlog(db))


def _waiting(ranges: list[list[int]], rowid: int) -> bool:
    return any(first <= rowid <= last for first, last in ranges)


@writes(Changes.NONE)
def fill(db: Database, *, today: dt.date | None = None, batch: int = _BATCH
         ) -> Generator[tuple[int, int, str], None, int]:
    """Index the backlog, one committed transaction per batch; returns the rows indexed.

    Call it outside a transaction. Each batch reads its rows as they are then, so an edit made
    since the import is indexed with its new values."""
    day = _iso(today)
    total = pending(db)
    message = tr("正在建立搜索索引")
    done = 0
    documents = Documents()  # one for every batch: a household's head is spelt as a person already
    while True:
        with db.atomic():
            ranges = backlog(db)  # read again in the transaction: what is committed is what counts
            if not ranges:
                break
            first, last = ranges[0]
            end = min(last, first + batch - 1)
            if first < _HOME:
                tags: dict[int, list[str]] = {}
                for pid, tag in db.execute("SELECT person_id, tag FROM person_tags WHERE person_id BETWEEN ? AND ? "
                                           "AND (until IS NULL OR until > ?)", [first, end, day]):
                    tags.setdefault(pid, []).append(tag)
                rows = db.execute(f"{_PERSON_SQL} WHERE p.id BETWEEN ? AND ? ORDER BY p.id", [first, end]).fetchall()
                text = documents.persons(rows, tags) if rows else ""
            else:
                rows = db.execute(f"{_HOUSEHOLD_SQL} WHERE h.id BETWEEN ? AND ? ORDER BY h.id",
                                  [first - _HOME, end - _HOME]).fetchall()
                text = documents.households(rows) if rows else ""
            if text:
                with bulk_load(db):
                    write_documents(db, text)
            ranges[0:1] = [[end + 1, last]] if end < last else []
            _set_backlog(db, ranges)
        done += end - first + 1
        yield min(done, total), total, message
    return done


def dirty_count(db: Database) -> int:
    """Rows changed since the last rebuild; each costs a little on every search that finds it."""
    return db.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", [f'"{_DIRTY}"']).fetchone()[0]


def forget(db: Database, person_ids: Iterable[int] = (), household_ids: Iterable[int] = ()) -> None:
    """Rows removed (an undone insert): a document of the dirty mark alone makes every search
    re-check them against their rows, which are gone, so they are never found again."""
    rowids = [int(i) for i in person_ids] + [_HOME + int(h) for h in household_ids]
    waiting = backlog(db)  # never indexed: the filler finds no row to index
    db.conn.executemany(_INSERT.format(table="search_fts"), [(r, _DIRTY) for r in rowids if not _waiting(waiting, r)])
