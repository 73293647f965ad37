"""One search box over persons and households: names, pinyin, ID and phone digits, addresses.

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
  even offsets and the last: any 4+ digits (head, middle, tail) are found (see _digit_runs);
- one token each for kind, status (unless active), contact class, every organisation unit
  above the household, active tags and birth year: filters are intersections in the index.

Tokens only the program writes start with a private-use character, so nothing typed can
produce them; the one-character ones add nothing to the prefix indexes (2 to 8 characters)
that serve pinyin and name prefixes.

A contentless table cannot delete a row, and the core reindexes after a change, when the old
values are gone. So `reindex` inserts the new version under the same rowid with a "dirty"
token, and the index answers the union of old and new versions for that row. A search takes
clean rows from the index as they are and judges dirty candidates on their current version
in a scratch index; `rebuild` makes every row clean again.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import re
import unicodedata
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Generator, Iterable

from sqlite_utils import Database

from . import pinyin, vocab
from .ages import birth_bounds
from .i18n import tr
from .normalize import clean_text

FTS_OPTIONS = "content='', columnsize=0, detail=none, tokenize='ascii', prefix='2 3 4 5 6 7 8'"

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
_JUDGE_BATCH = 200
_HASH_SIZE = 32 * 1024 * 1024
# An age filter spanning more birth years than this is checked on the row only.
_MAX_YEAR_TOKENS = 40
_INSERT = "INSERT INTO {table}(rowid, terms) VALUES (?, ?)"
_HOME = 1 << 40  # households' rowids start here
_PERSONS_ONLY = f" AND f.rowid < {_HOME}"


@dataclass(frozen=True)
class Hit:
    kind: str  # 'person' | 'household'
    id: int
    household_id: int | None
    title: str
    subtitle: str
    score: float


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
    found through the indexed runs either side of them (see _digit_runs).
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


def _one_of(runs: Iterable[str]) -> str | None:
    tokens = [_q(g) for g in (_GRAMS.get(r) for r in runs) if g]
    return "(" + " OR ".join(tokens) + ")" if tokens else None


def _both(*parts: str | None) -> str | None:
    return None if None in parts else "(" + " AND ".join(parts) + ")"


def _digit_runs(digits: str) -> str | None:
    """An expression for rows whose ID or phone may hold the digits (4+) anywhere; the row
    check then confirms. Offsets are relative to where the digits start in the number."""
    runs = [_GRAMS.get(digits[i : i + 4]) for i in range(len(digits) - 3)]
    if not runs or not all(runs):
        return None
    n = len(digits)
    at = [_q(r) for r in runs]
    # The indexed run that starts one digit before, or ends past the last of, the digits.
    before = _one_of(d + digits[:3] for d in "0123456789")
    after = _one_of(digits[n - 3 :] + e for e in "0123456789x")
    if n == 4:
        # At an even offset (or the last) the run itself; at an odd one its two neighbours.
        branches = [at[0], _both(before, after)]
    elif n == 5:
        # The run at +2, past the end, exists unless the digits end the number; then +1 is the last run.
        branches = [_both(at[0], f"({after} OR {at[1]})" if after else at[1]), _both(at[1], before)]
    elif n == 6:
        branches = [_both(at[0], at[2]), _both(at[1], before)]
    else:
        # Starting at an even offset, runs +0, +2, +4 ... are indexed; at an odd one +1, +3 ...
        # Every other one of those still covers the digits: fewer lists to intersect.
        branches = []
        for parity in (0, 1):
            same = at[parity::2]
            branches.append(_both(*(same[::2] + ([same[-1]] if (len(same) - 1) % 2 else []))))
    found = [b for b in branches if b]
    return " OR ".join(found) if found else None


_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SEGMENT = re.compile(f"[{_HAN}]|[^\\W\\d_{_HAN}]+|\\d+")
_IS_HAN = re.compile(f"[{_HAN}]")
_NOT_HAN = re.compile(f"[^\\W\\d_{_HAN}]+|\\d+")


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
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", text or "").lower())


class _Builder:
    """Documents from rows, with the parts that repeat (names, grids) memoised."""

    def __init__(self) -> None:
        self._names: tuple[dict[str, str], dict[str, str]] = ({}, {})
        self._places: dict[tuple, str] = {}
        self._years: dict[str, str] = {}

    def name(self, name: str | None, with_pinyin: bool) -> str:
        cache = self._names[with_pinyin]
        key = name or ""
        got = cache.get(key)
        if got is None:
            text = name or ""
            segs = _segments(text)
            parts = segs + _pairs(segs)
            if segs:
                parts.append(_NAME + "".join(segs))
            if with_pinyin:
                parts += pinyin.keys(text)
            got = " ".join(dict.fromkeys(parts))
            cache[key] = got
        return got

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

    def person(self, row: tuple, tags: Iterable[str], dirty: bool) -> tuple[int, str]:
        pid, name, id_number, phone, status, birth_date, contact_class, path = row
        parts = [self.name(name, True), self.place(PERSON, status, contact_class, path), _gram_text(_id_digits(id_number))]
        if phone:
            parts.append(_gram_text(_phone_digits(phone)))
        if tags:
            parts += [_tag_token(t) for t in tags]
        year = (birth_date or "")[:4]
        token = self._years.get(year)
        if token is None:
            token = self._years[year] = _year_token(int(year)) if year.isdigit() else ""
        parts.append(token)
        if dirty:
            parts.append(_DIRTY)
        return pid, " ".join(parts)

    def household(self, row: tuple, dirty: bool) -> tuple[int, str]:
        hid, number, address, phone, status, contact_class, head, path = row
        parts = [self.name(head, False), self.place(HOUSEHOLD, status, contact_class, path)]
        text = (address or "").lower()
        parts += _NOT_HAN.findall(text) + _pairs(_SEGMENT.findall(text))
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


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _docs(db: Database, person_ids: Iterable[int], household_ids: Iterable[int], dirty: set[int], day: str) -> list[tuple]:
    """Current documents of the given rows (any status), sorted by rowid."""
    build = _Builder()
    docs = []
    for chunk in _chunks(sorted(set(person_ids))):
        tags = _active_tags(db, chunk, day)
        for row in db.execute(f"{_PERSON_SQL} WHERE p.id IN ({','.join('?' * len(chunk))})", chunk):
            docs.append(build.person(row, tags.get(row[0], ()), row[0] in dirty))
    for chunk in _chunks(sorted(set(household_ids))):
        for row in db.execute(f"{_HOUSEHOLD_SQL} WHERE h.id IN ({','.join('?' * len(chunk))})", chunk):
            docs.append(build.household(row, _HOME + row[0] in dirty))
    docs.sort()
    return docs


# --- writing the index ----------------------------------------------------------------------


def rebuild(db: Database, *, today: dt.date | None = None) -> Generator[tuple[int, int, str], None, int]:
    """Index every person and household afresh, in one transaction; returns the documents written.

    A second thread builds the documents of one batch while SQLite indexes the previous one.
    Each batch goes to SQLite as one JSON text in one statement, so SQLite holds the GIL-free
    stretch for the whole batch instead of handing the GIL back and forth for every row.
    """
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    households = db.execute("SELECT count(*) FROM households").fetchone()[0]
    total = persons + households
    message = tr("正在建立搜索索引")
    yield 0, total, message
    day = _iso(today)
    build = _Builder()
    insert = "INSERT INTO search_fts(rowid, terms) SELECT CAST(key AS INTEGER), value FROM json_each(?)"
    done = 0
    with db.atomic(), ThreadPoolExecutor(1) as pool:
        db.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
        # FTS5 buffers 1 MB of postings before writing a segment, then merges segments over and
        # over; 32 MB (a memory cap, not a reservation) makes the load a third faster.
        db.execute("INSERT INTO search_fts(search_fts, rank) VALUES('hashsize', ?)", [_HASH_SIZE])
        tags = _active_tags(db, None, day)

        def people(rows: list[tuple]) -> tuple[int, str]:
            return len(rows), json.dumps(dict(build.person(r, tags.get(r[0], ()), False) for r in rows), ensure_ascii=False)

        def homes(rows: list[tuple]) -> tuple[int, str]:
            return len(rows), json.dumps(dict(build.household(r, False) for r in rows), ensure_ascii=False)

        for sql, make in ((f"{_PERSON_SQL} ORDER BY p.id", people), (f"{_HOUSEHOLD_SQL} ORDER BY h.id", homes)):
            cursor = db.conn.execute(sql)
            ready = None
            while True:
                # Read while the builder is idle: reading also takes the GIL row by row.
                rows = cursor.fetchmany(_BATCH)
                building = pool.submit(make, rows) if rows else None
                if ready is not None:
                    db.execute(insert, [ready[1]])
                    done += ready[0]
                    yield done, total, message
                if building is None:
                    break
                ready = building.result()
    return total


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
        sql = f"SELECT household_id FROM persons WHERE id IN ({marks}) AND relation = 'head' AND household_id IS NOT NULL"
        household_ids.update(r[0] for r in db.execute(sql, chunk))
    rowids = [*person_ids, *(_HOME + h for h in household_ids)]
    dirty = {r for r in rowids if _indexed(db, r)}
    db.conn.executemany(_INSERT.format(table="search_fts"), _docs(db, person_ids, household_ids, dirty, _iso(today)))


def dirty_count(db: Database) -> int:
    """Rows changed since the last rebuild; each costs a little on every search that finds it."""
    return db.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", [f'"{_DIRTY}"']).fetchone()[0]


# --- reading the query ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """What a candidate's order-sensitive checks need; person or household fields are None."""

    name: str | None
    id_number: str | None
    phone: str | None
    number: str | None
    address: str | None
    head: str | None


@dataclass(frozen=True)
class _SqlCheck:
    """A row check SQLite runs while it reads the candidates: far cheaper per row than Python,
    which matters for digits, whose candidates can run into thousands."""

    sql: str  # a WHERE term on the candidate f
    params: tuple


Check = Callable[[_Row], bool] | _SqlCheck


def _q(token: str) -> str:
    return '"' + token + '"'


def _all(tokens: list[str]) -> str:
    return "(" + " AND ".join(_q(t) for t in dict.fromkeys(tokens)) + ")"


def _run_in(needle: list[str], text: str | None, open_end: bool) -> bool:
    """Whether the segments of `text` hold `needle` in a row (the last one as a prefix if open)."""
    if not text:
        return False
    hay = _segments(text)
    n = len(needle)
    for i in range(len(hay) - n + 1):
        if hay[i : i + n - 1] == needle[:-1] and (
            hay[i + n - 1].startswith(needle[-1]) if open_end else hay[i + n - 1] == needle[-1]
        ):
            return True
    return False


def _fragment_check(segs: list[str], open_end: bool) -> Check:
    return lambda r: (
        _run_in(segs, r.name, False) or _run_in(segs, r.head, False) or _run_in(segs, r.address, open_end)
    )


def _latin_check(prefix: str) -> Check:
    def check(r: _Row) -> bool:
        if r.name and any(key.startswith(prefix) for key in pinyin.keys(r.name)):
            return True
        if _compact(r.number).startswith(prefix):
            return True
        return any(s.startswith(prefix) for text in (r.name, r.head, r.address) if text for s in _segments(text))

    return check


def _digits_check(digits: str) -> _SqlCheck:
    sql = (
        f" AND CASE WHEN f.rowid < {_HOME} THEN (SELECT instr(lower(p.id_number), ?) "
        "OR instr(replace(p.phone, '-', ''), ?) FROM persons p WHERE p.id = f.rowid) "
        "ELSE (SELECT instr(replace(h.phone, '-', ''), ?) OR instr(h.address, ?) "
        f"OR replace(lower(h.number), '-', '') LIKE ? FROM households h WHERE h.id = f.rowid - {_HOME}) END"
    )
    return _SqlCheck(sql, (digits, digits, digits, digits, digits + "%"))


# Prefix lengths the index keeps (see FTS_OPTIONS); a longer prefix is looked up by its first
# eight characters and checked on the row.
_PREFIXES = (2, 3, 4, 5, 6, 7, 8)


def _word(word: str) -> tuple[list[tuple[float, str, Check | None]], str, Check | None] | None:
    """Tiers for one word of the query (score, expression, row check), best first; then the
    expression and check of the widest tier, which matches every row the others match."""
    plain = word.replace("-", "")
    if re.fullmatch(r"\d+x?", plain):
        number = _q(_NUMBER + plain)
        broad = [f"{number}*"]
        if plain.isdigit():
            broad.append(_q(plain))
        runs = _digit_runs(plain)
        if runs:
            broad.append(f"({runs})")
        tiers = [(2.0, number, None), (1.0, " OR ".join(broad), _digits_check(plain))]
    elif re.fullmatch(r"[a-z]+", word):
        exact = f"{_q(word)} OR {_q(_NUMBER + word)}"
        tiers = [(2.0, exact, None)]
        # A one-letter prefix would merge the postings of a tenth of all names.
        if len(word) > 1:
            kept = max(n for n in _PREFIXES if n <= len(word))
            check = None if kept == len(word) else _latin_check(word)
            tiers.append((1.0, f"{_q(word[:kept])}* OR {_q(_NUMBER + word)}*", check))
    else:
        segs = _segments(word)
        if not segs:
            return None
        open_end = not _is_han(segs[-1])
        if len(segs) == 1:
            fragment = f"{_q(segs[0])}*" if open_end else _q(segs[0])
        else:
            pairs = _pairs(segs)
            fragment = "(" + " AND ".join([_q(p) for p in pairs[:-1]] + [_q(pairs[-1]) + ("*" if open_end else "")]) + ")"
        check = None if len(segs) <= 2 and not open_end else _fragment_check(segs, open_end)
        if any(_is_han(s) for s in segs):
            whole = _q(_NAME + "".join(segs))
            tiers = [(3.0, whole, None), (2.0, f"{whole}*", None), (1.0, fragment, check)]
        else:
            number = _NUMBER + _compact(word)
            in_address = _fragment_check(segs, open_end)
            tiers = [
                (2.0, _q(number), None),
                (1.0, f"{_q(number)}* OR {fragment}", lambda r: _compact(r.number).startswith(number[1:]) or in_address(r)),
            ]
    _, broad, broad_check = tiers[-1]
    return tiers, broad, broad_check


def _plan(query: str) -> list[tuple[float, str, list[Check]]]:
    words = [w for w in clean_text(query).lower().split(" ") if w]
    parsed = [p for p in (_word(w) for w in words) if p is not None]
    if not parsed:
        return []
    (tiers, _, _), *rest = parsed
    others = "".join(f" AND ({broad})" for _, broad, _ in rest)
    rest_checks = [check for _, _, check in rest if check is not None]
    return [
        (score, f"({expr}){others}", ([check] if check else []) + rest_checks) for score, expr, check in tiers
    ]


# --- searching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Filter:
    tokens: str  # ANDed into the expression; '' when none
    exclude: tuple[str, ...]  # rows holding any of these fail
    sql: str  # further WHERE terms on the candidate f
    params: tuple


def _filter(*, org_id, tag, contact_class, age_min, age_max, status, kind, today: dt.date) -> _Filter | None:
    """The filters as index tokens plus row checks; None when no row can pass."""
    terms: list[str] = []
    exclude: list[str] = []
    sql = ""
    params: list = []
    if kind is not None and kind not in _KIND:
        return None
    if tag is not None or age_min is not None or age_max is not None:
        if kind == HOUSEHOLD:
            return None
        # Only persons carry tags and birth dates.
        sql += _PERSONS_ONLY
    elif kind == PERSON:
        sql += _PERSONS_ONLY
    elif kind == HOUSEHOLD:
        sql += f" AND f.rowid > {_HOME}"
    if org_id is not None:
        terms.append(_q(_org_token(int(org_id))))
    if contact_class is not None:
        if contact_class not in _CLASS:
            return None
        terms.append(_q(_CLASS[contact_class]))
    if status == "active":
        exclude.append(_q(_INACTIVE))
    elif status is not None:
        terms.append(_q(_status_token(status)))
    if tag is not None:
        terms.append(_q(_tag_token(tag)))
        # An end date may have passed since the row was indexed; a shared token is not the tag.
        sql += (
            " AND EXISTS (SELECT 1 FROM person_tags g WHERE g.person_id = f.rowid AND g.tag = ? "
            "AND (g.until IS NULL OR g.until > ?))"
        )
        params += [tag, today.isoformat()]
    if age_min is not None or age_max is not None:
        lo, hi = birth_bounds(age_min, age_max, today)
        if lo is not None and hi is not None and lo >= hi:
            return None
        first = int(lo[:4]) if lo else 1890
        last = int(hi[:4]) if hi else today.year
        if last - first < _MAX_YEAR_TOKENS:
            terms.append("(" + " OR ".join(_q(_year_token(y)) for y in range(first, last + 1)) + ")")
        sql += " AND EXISTS (SELECT 1 FROM persons b WHERE b.id = f.rowid"
        if lo is not None:
            sql += " AND b.birth_date > ?"
            params.append(lo)
        if hi is not None:
            sql += " AND b.birth_date <= ?"
            params.append(hi)
        sql += ")"
    return _Filter("".join(f" AND {t}" for t in terms), tuple(exclude), sql, tuple(params))


def _candidates(db: Database, table: str, expr: str, flt: _Filter, checks: list[Check], need: int, skip: dict) -> list[int]:
    """Up to `need` rows of `table` matching the expression, the filters and the row checks."""
    hidden = table.split(".")[-1]
    where = flt.sql + "".join(c.sql for c in checks if isinstance(c, _SqlCheck))
    params = [expr, *flt.params, *(v for c in checks if isinstance(c, _SqlCheck) for v in c.params)]
    checks = [c for c in checks if not isinstance(c, _SqlCheck)]
    if checks:
        sql = (
            f"SELECT f.rowid, p.name, p.id_number, coalesce(p.phone, h.phone), h.number, h.address, "
            f"CASE WHEN h.id IS NOT NULL THEN {_HEAD_SQL} END FROM {table} f "
            f"LEFT JOIN persons p ON f.rowid < {_HOME} AND p.id = f.rowid "
            f"LEFT JOIN households h ON f.rowid > {_HOME} AND h.id = f.rowid - {_HOME} "
            f"WHERE f.{hidden} MATCH ?{where}"
        )
    else:
        sql = f"SELECT f.rowid FROM {table} f WHERE f.{hidden} MATCH ?{where} LIMIT ?"
        params.append(need + len(skip))
    out: list[int] = []
    for row in db.execute(sql, params):
        rowid = row[0]
        if rowid in skip:
            continue
        if checks:
            data = _Row(*row[1:])
            if not all(check(data) for check in checks):
                continue
        out.append(rowid)
        if len(out) >= need:
            break
    return out


def _scratch(db: Database) -> None:
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_scratch USING fts5(terms, {FTS_OPTIONS})")
    db.execute("INSERT INTO temp.search_scratch(search_scratch) VALUES('delete-all')")


def search(
    db: Database,
    query: str,
    *,
    org_id: int | None = None,
    tag: str | None = None,
    contact_class: int | None = None,
    age_min: int | None = None,
    age_max: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    today: dt.date | None = None,
) -> list[Hit]:
    """Persons and households matching the query and the filters, best first.

    Households are found by number, address (two characters or more), phone and head's name;
    persons by name, pinyin, ID number and phone. Age and tag filters select persons only.
    """
    plan = _plan(query or "")
    if not plan or limit <= 0:
        return []
    day = today or dt.date.today()
    flt = _filter(
        org_id=org_id, tag=tag, contact_class=contact_class, age_min=age_min, age_max=age_max,
        status=status, kind=kind, today=day,
    )
    if flt is None:
        return []
    found: dict[int, float] = {}
    judged: set[int] = set()
    dirty_mark = _q(_DIRTY)
    for score, expr, checks in plan:
        full = f"({expr}){flt.tokens}"
        for token in flt.exclude:
            full = f"({full}) NOT {token}"
        # Changed rows: judged on their current version, since the index also holds the old one.
        dirty = [r for (r,) in db.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ?", [f"({full}) AND {dirty_mark}"])]
        # A batch at a time: after a big change (a grid moved) most candidates are dirty.
        for start in range(0, len(dirty), _JUDGE_BATCH):
            fresh = [r for r in dirty[start : start + _JUDGE_BATCH] if r not in judged]
            if fresh:
                if not judged:
                    _scratch(db)
                persons = [r for r in fresh if r < _HOME]
                households = [r - _HOME for r in fresh if r > _HOME]
                docs = _docs(db, persons, households, set(), day.isoformat())
                db.conn.executemany(_INSERT.format(table="temp.search_scratch"), docs)
                judged.update(fresh)
            for rowid in _candidates(db, "temp.search_scratch", full, flt, checks, limit - len(found), found):
                found[rowid] = score
            if len(found) >= limit:
                break
        if len(found) >= limit:
            break
        for rowid in _candidates(db, "search_fts", f"({full}) NOT {dirty_mark}", flt, checks, limit - len(found), found):
            found[rowid] = score
        if len(found) >= limit:
            break
    return _hits(db, found)


def _hits(db: Database, found: dict[int, float]) -> list[Hit]:
    hits: list[Hit] = []
    persons = [r for r in found if r < _HOME]
    households = [r - _HOME for r in found if r > _HOME]
    for chunk in _chunks(persons):
        rows = db.execute(
            "SELECT p.id, p.name, p.household_id, p.status, p.relation, h.number, h.address FROM persons p "
            f"LEFT JOIN households h ON h.id = p.household_id WHERE p.id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for pid, name, hid, status, relation, number, address in rows:
            parts = [tr("户号{number}").format(number=number) if number else tr("无户")]
            if address:
                parts.append(address)
            if relation:
                parts.append(vocab.label(vocab.RELATIONS, relation))
            if status != "active":
                parts.append(vocab.label(vocab.PERSON_STATUS, status))
            # Within a tier: people still here first, a person before a household.
            score = found[pid] + (0.5 if status == "active" else 0.0) + 0.25
            hits.append(Hit(PERSON, pid, hid, name, " · ".join(parts), score))
    for chunk in _chunks(households):
        rows = db.execute(
            f"SELECT h.id, h.number, h.address, h.status, {_HEAD_SQL} FROM households h "
            f"WHERE h.id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for hid, number, address, status, head in rows:
            title = tr("{head}户").format(head=head) if head else tr("户号{number}").format(number=number)
            parts = [tr("户号{number}").format(number=number)]
            if address:
                parts.append(address)
            if status != "active":
                parts.append(vocab.label(vocab.HOUSEHOLD_STATUS, status))
            score = found[_HOME + hid] + (0.5 if status == "active" else 0.0)
            hits.append(Hit(HOUSEHOLD, hid, hid, title, " · ".join(parts), score))
    order = {rowid: i for i, rowid in enumerate(found)}
    hits.sort(key=lambda h: (-h.score, order[h.id + (_HOME if h.kind == HOUSEHOLD else 0)]))
    return hits
