"""One search box over persons and households: names, pinyin, ID and phone digits, addresses.

The index is the contentless FTS5 table `search_fts` (unicode61), one document per person
(rowid 2·id) and per household (rowid 2·id+1), in five columns:

- name: the name's characters one by one, then an end marker. One character is a token, a
  substring is a phrase, `^` gives "starts with" and the end marker "is exactly".
- addr: the household address as characters and digit runs (households only).
- py:   full pinyin and initials of the name, surname readings included (persons only).
- num:  the household number without punctuation (households only).
- x:    every run of 4 consecutive digits of the ID number and of the phone, each encoded as
        one private-use character, so a run of 4+ digits anywhere (head, middle, tail) is a
        phrase of such tokens; then one token each for kind, status, contact class, every
        organisation unit above the household, active tags and birth year, so the filters are
        intersections inside the index rather than row-by-row checks.

Tokens that only the program writes are private-use characters: nothing typed can produce
them, and being one character long they add nothing to the prefix indexes (2–4 characters)
that serve pinyin prefixes.

A contentless table cannot delete a row, and the core reindexes after a change, when the old
values are gone. So `reindex` inserts the new version under the same rowid with a "dirty"
token: the index then answers the union of old and new versions for that row. Searches take
clean rows from the index as they are and re-judge dirty candidates against their current
version in a scratch index; `rebuild` makes every row clean again.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zlib
from dataclasses import dataclass
from typing import Generator, Iterable

from sqlite_utils import Database

from . import pinyin, vocab
from .ages import birth_bounds
from .i18n import tr
from .normalize import clean_text

COLUMNS = ("name", "addr", "py", "num", "x")
FTS_OPTIONS = "content='', columnsize=0, tokenize='unicode61 remove_diacritics 0', prefix='2 3 4'"

PERSON = "person"
HOUSEHOLD = "household"

_END = "\ue000"
_KIND = {PERSON: "\ue001", HOUSEHOLD: "\ue002"}
_DIRTY = "\ue003"
_SEP = "\ue004"
_CLASS = {1: "\ue011", 2: "\ue012", 3: "\ue013"}
_GRAM_BASE = 0xF0000  # 4-digit runs: 0–9999, and 10000 + NNN for 'NNNx' at the end of an ID
_ORG_BASE = 0x100000
_ORG_SPILL = _GRAM_BASE + 11000  # organisation ids past plane 16's private-use range
_YEAR_BASE = 0xF100
_BATCH = 20000
# A year filter spanning more years than this is checked row by row instead.
_MAX_YEAR_TOKENS = 40


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
    """A stable one-character token for a stored code (status, tag); tests check no clashes."""
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


def _segments(text: str) -> list[str]:
    """Tokens of a name or address: each CJK character alone, runs of letters, runs of digits."""
    out: list[str] = []
    run = ""
    run_kind = ""
    for ch in text.lower():
        cat = unicodedata.category(ch)
        if cat == "Lo":
            if run:
                out.append(run)
                run = ""
            out.append(ch)
            continue
        kind = "L" if cat[0] == "L" else "N" if cat[0] == "N" else ""
        if kind and kind == run_kind:
            run += ch
            continue
        if run:
            out.append(run)
        run, run_kind = (ch, kind) if kind else ("", "")
    if run:
        out.append(run)
    return out


def _grams(digits: str) -> list[str]:
    """Tokens for every 4 consecutive characters of a digit string (an ID may end in x)."""
    out = []
    for i in range(len(digits) - 3):
        gram = digits[i : i + 4]
        if gram.isdigit():
            out.append(chr(_GRAM_BASE + int(gram)))
        elif gram[:3].isdigit() and gram[3] == "x":
            out.append(chr(_GRAM_BASE + 10000 + int(gram[:3])))
    return out


def _id_digits(number: str | None) -> str:
    return re.sub(r"[^0-9x]", "", (number or "").lower())


def _phone_digits(phone: str | None) -> str:
    """Area code and number of a stored phone; an extension is not part of what people type."""
    return re.sub(r"\D", "", "".join((phone or "").split("-")[:2]))


def _compact(text: str | None) -> str:
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", text or "").lower())


def _org_tokens(path: str | None) -> list[str]:
    return [_org_token(int(part)) for part in (path or "").split("/") if part]


class _Names:
    """Name and pinyin columns, memoised: names repeat a lot in a district."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, str]] = {}

    def columns(self, name: str | None) -> tuple[str, str]:
        name = name or ""
        got = self._cache.get(name)
        if got is None:
            got = (" ".join(_segments(name) + [_END]), " ".join(pinyin.keys(name)))
            self._cache[name] = got
        return got


def _person_doc(names: _Names, row: tuple, org_path: str | None, tags: Iterable[str], dirty: bool) -> tuple:
    pid, name, id_number, phone, status, birth_date, _household_id, contact_class = row
    name_col, py_col = names.columns(name)
    x = _grams(_id_digits(id_number))
    x.append(_SEP)
    x += _grams(_phone_digits(phone))
    x.append(_KIND[PERSON])
    x.append(_status_token(status or ""))
    if contact_class in _CLASS:
        x.append(_CLASS[contact_class])
    x += _org_tokens(org_path)
    x += [_tag_token(t) for t in tags]
    if birth_date and birth_date[:4].isdigit():
        x.append(_year_token(int(birth_date[:4])))
    if dirty:
        x.append(_DIRTY)
    return (pid * 2, name_col, "", py_col, "", " ".join(x))


def _household_doc(names: _Names, row: tuple, org_path: str | None, dirty: bool) -> tuple:
    hid, number, address, phone, status, contact_class, _org_id, head = row
    name_col, _ = names.columns(head)
    x = _grams(_phone_digits(phone))
    x.append(_KIND[HOUSEHOLD])
    x.append(_status_token(status or ""))
    if contact_class in _CLASS:
        x.append(_CLASS[contact_class])
    x += _org_tokens(org_path)
    if dirty:
        x.append(_DIRTY)
    return (hid * 2 + 1, name_col, " ".join(_segments(address or "")), "", _compact(number), " ".join(x))


# --- loading rows ---------------------------------------------------------------------------

_PERSON_SQL = (
    "SELECT p.id, p.name, p.id_number, p.phone, p.status, p.birth_date, p.household_id, h.contact_class, "
    "o.path FROM persons p LEFT JOIN households h ON h.id = p.household_id "
    "LEFT JOIN org_units o ON o.id = h.org_id"
)
_HOUSEHOLD_SQL = (
    "SELECT h.id, h.number, h.address, h.phone, h.status, h.contact_class, h.org_id, "
    "(SELECT name FROM persons m WHERE m.household_id = h.id AND m.relation = 'head' "
    "ORDER BY m.status != 'active', m.id LIMIT 1), o.path "
    "FROM households h LEFT JOIN org_units o ON o.id = h.org_id"
)
_INSERT = f"INSERT INTO {{table}}(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)"


def _today(today: dt.date | None) -> str:
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


def _docs(db: Database, person_ids: list[int], household_ids: list[int], dirty_rowids: set[int], day: str) -> list[tuple]:
    """Current documents of the given rows (any status)."""
    names = _Names()
    docs = []
    for chunk in _chunks(sorted(set(person_ids))):
        tags = _active_tags(db, chunk, day)
        rows = db.execute(f"{_PERSON_SQL} WHERE p.id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        for row in rows:
            docs.append(_person_doc(names, row[:8], row[8], tags.get(row[0], ()), row[0] * 2 in dirty_rowids))
    for chunk in _chunks(sorted(set(household_ids))):
        rows = db.execute(f"{_HOUSEHOLD_SQL} WHERE h.id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        for row in rows:
            docs.append(_household_doc(names, row[:8], row[8], row[0] * 2 + 1 in dirty_rowids))
    return docs


# --- writing the index ----------------------------------------------------------------------


def rebuild(db: Database, *, today: dt.date | None = None) -> Generator[tuple[int, int, str], None, int]:
    """Index every person and household afresh, in one transaction; returns the documents written."""
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    households = db.execute("SELECT count(*) FROM households").fetchone()[0]
    total = persons + households
    message = tr("正在建立搜索索引")
    yield 0, total, message
    day = _today(today)
    names = _Names()
    done = 0
    with db.atomic():
        db.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
        tags = _active_tags(db, None, day)
        insert = _INSERT.format(table="search_fts")
        cursor = db.conn.cursor()
        cursor.execute(f"{_PERSON_SQL} ORDER BY p.id")
        while rows := cursor.fetchmany(_BATCH):
            db.conn.executemany(
                insert, [_person_doc(names, r[:8], r[8], tags.get(r[0], ()), False) for r in rows]
            )
            done += len(rows)
            yield done, total, message
        cursor.execute(f"{_HOUSEHOLD_SQL} ORDER BY h.id")
        while rows := cursor.fetchmany(_BATCH):
            db.conn.executemany(insert, [_household_doc(names, r[:8], r[8], False) for r in rows])
            done += len(rows)
            yield done, total, message
        cursor.close()
    return total


def _indexed(db: Database, rowid: int) -> bool:
    kind = _KIND[PERSON] if rowid % 2 == 0 else _KIND[HOUSEHOLD]
    return db.execute(
        "SELECT 1 FROM search_fts WHERE search_fts MATCH ? AND rowid = ?", [f'"{kind}"', rowid]
    ).fetchone() is not None


def reindex(db: Database, person_ids: Iterable[int] = (), household_ids: Iterable[int] = (), *, today: dt.date | None = None) -> None:
    """Bring the index up to date for changed rows; call inside the change's transaction.

    A household's members are reindexed with it (they carry its grid and contact class),
    and a head's household with the head (it carries the head's name).
    """
    person_ids = {int(i) for i in person_ids}
    household_ids = {int(i) for i in household_ids}
    for chunk in _chunks(sorted(household_ids)):
        marks = ",".join("?" * len(chunk))
        person_ids.update(r[0] for r in db.execute(f"SELECT id FROM persons WHERE household_id IN ({marks})", chunk))
    for chunk in _chunks(sorted(person_ids)):
        marks = ",".join("?" * len(chunk))
        household_ids.update(
            r[0]
            for r in db.execute(
                f"SELECT household_id FROM persons WHERE id IN ({marks}) AND relation = 'head' "
                "AND household_id IS NOT NULL",
                chunk,
            )
        )
    rowids = [p * 2 for p in person_ids] + [h * 2 + 1 for h in household_ids]
    dirty = {r for r in rowids if _indexed(db, r)}
    docs = _docs(db, list(person_ids), list(household_ids), dirty, _today(today))
    db.conn.executemany(_INSERT.format(table="search_fts"), sorted(docs))


def dirty_count(db: Database) -> int:
    """Rows changed since the last rebuild; each costs a little on every search that finds it."""
    return db.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", [f'"{_DIRTY}"']).fetchone()[0]


# --- reading the query ----------------------------------------------------------------------


def _phrase(tokens: list[str]) -> str:
    return '"' + " ".join(tokens) + '"'


def _part_tiers(part: str) -> tuple[list[tuple[float, str]], str] | None:
    """Expressions for one word of the query, best tier first, and one that matches any tier."""
    plain = part.replace("-", "")
    if re.fullmatch(r"\d+x?", plain):
        exact = f"num : {_phrase([plain])}"
        broad = [f"num : {_phrase([plain])}*", f"addr : {_phrase([plain])}"]
        if len(plain) >= 4:
            broad.append(f"x : {_phrase(_grams(plain))}")
        tiers = [(2.0, exact), (1.0, " OR ".join(f"({e})" for e in broad))]
    elif re.fullmatch(r"[a-z]+", part):
        exact = f"(py : {_phrase([part])}) OR (num : {_phrase([part])})"
        if len(part) == 1:
            # A one-letter prefix would merge the postings of a tenth of all names.
            tiers = [(2.0, exact)]
        else:
            tiers = [(2.0, exact), (1.0, f"(py : {_phrase([part])}*) OR (num : {_phrase([part])}*)")]
    else:
        segs = _segments(part)
        if not segs:
            return None
        if any(unicodedata.category(s) == "Lo" for s in segs if len(s) == 1):
            tiers = [
                (3.0, f"name : ^{_phrase(segs + [_END])}"),
                (2.0, f"name : ^{_phrase(segs)}"),
                (1.0, f"{{name addr}} : {_phrase(segs)}"),
            ]
        else:
            compact = _compact(part)
            tiers = [
                (2.0, f"num : {_phrase([compact])}"),
                (1.0, f"(num : {_phrase([compact])}*) OR (addr : {_phrase(segs)})"),
            ]
    broad = " OR ".join(f"({e})" for _, e in tiers)
    return tiers, broad


def _plan(query: str) -> list[tuple[float, str]]:
    text = clean_text(query).lower()
    words = [w for w in text.split(" ") if w]
    parsed = [p for p in (_part_tiers(w) for w in words) if p is not None]
    if not parsed:
        return []
    first, *rest = parsed
    others = "".join(f" AND ({broad})" for _, broad in rest)
    return [(score, f"({expr}){others}") for score, expr in first[0]]


# --- searching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Filter:
    tokens: str  # FTS expression to AND in, '' when none
    sql: str  # extra WHERE terms with {t} standing for the table
    params: tuple


def _filter(db: Database, *, org_id, tag, contact_class, age_min, age_max, status, kind, today) -> _Filter | None:
    """The filters as index tokens plus row checks; None when no row can pass."""
    terms: list[str] = []
    sql = ""
    params: list = []
    if tag is not None or age_min is not None or age_max is not None:
        if kind == HOUSEHOLD:
            return None
        kind = PERSON
    if kind is not None:
        if kind not in _KIND:
            return None
        terms.append(_phrase([_KIND[kind]]))
    if org_id is not None:
        terms.append(_phrase([_org_token(int(org_id))]))
    if contact_class is not None:
        if contact_class not in _CLASS:
            return None
        terms.append(_phrase([_CLASS[contact_class]]))
    if status is not None:
        terms.append(_phrase([_status_token(status)]))
    day = today or dt.date.today()
    if tag is not None:
        terms.append(_phrase([_tag_token(tag)]))
        # An end date may have passed since the row was indexed.
        sql += (
            " AND EXISTS (SELECT 1 FROM person_tags g WHERE g.person_id = {t}.rowid >> 1 AND g.tag = ? "
            "AND (g.until IS NULL OR g.until > ?))"
        )
        params += [tag, day.isoformat()]
    if age_min is not None or age_max is not None:
        lo, hi = birth_bounds(age_min, age_max, day)
        if lo is not None and hi is not None and lo >= hi:
            return None
        first = int(lo[:4]) if lo else 1890
        last = int(hi[:4]) if hi else day.year
        if last - first + 1 <= _MAX_YEAR_TOKENS:
            terms.append("(" + " OR ".join(_phrase([_year_token(y)]) for y in range(first, last + 1)) + ")")
        sql += " AND EXISTS (SELECT 1 FROM persons b WHERE b.id = {t}.rowid >> 1"
        if lo is not None:
            sql += " AND b.birth_date > ?"
            params.append(lo)
        if hi is not None:
            sql += " AND b.birth_date <= ?"
            params.append(hi)
        sql += ")"
    tokens = "".join(f" AND {t}" for t in terms)
    return _Filter(tokens, sql, tuple(params))


def _scratch(db: Database) -> None:
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_scratch USING fts5({', '.join(COLUMNS)}, {FTS_OPTIONS})")
    db.execute("INSERT INTO temp.search_scratch(search_scratch) VALUES('delete-all')")


def _matches(db: Database, table: str, expr: str, flt: _Filter, limit: int | None) -> list[int]:
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ?{flt.sql.format(t=table)}"
    params = [expr, *flt.params]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [r[0] for r in db.execute(sql, params)]


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

    Age and tag filters apply to persons only. Households are found by their number,
    address, phone and head's name; persons by name, pinyin, ID number and phone.
    """
    plan = _plan(query or "")
    if not plan or limit <= 0:
        return []
    flt = _filter(
        db, org_id=org_id, tag=tag, contact_class=contact_class, age_min=age_min, age_max=age_max,
        status=status, kind=kind, today=today,
    )
    if flt is None:
        return []
    found: dict[int, float] = {}
    judged: set[int] = set()
    scratch_ready = False
    day = _today(today)
    for score, expr in plan:
        need = limit - len(found)
        if need <= 0:
            break
        full = f"({expr}){flt.tokens}"
        dirty = _matches(db, "search_fts", f"({full}) AND {_phrase([_DIRTY])}", flt, None)
        fresh = [r for r in dirty if r not in judged]
        if fresh or (dirty and scratch_ready):
            if not scratch_ready:
                _scratch(db)
                scratch_ready = True
            if fresh:
                persons = [r >> 1 for r in fresh if r % 2 == 0]
                households = [r >> 1 for r in fresh if r % 2 == 1]
                docs = _docs(db, persons, households, set(), day)
                db.conn.executemany(_INSERT.format(table="temp.search_scratch"), sorted(docs))
                judged.update(fresh)
            for rowid in _matches(db, "search_scratch", full, flt, None):
                if rowid not in found and len(found) < limit:
                    found[rowid] = score
        need = limit - len(found)
        if need <= 0:
            break
        clean = f"({full}) NOT {_phrase([_DIRTY])}"
        for rowid in _matches(db, "search_fts", clean, flt, need + len(found)):
            if rowid not in found:
                found[rowid] = score
                if len(found) >= limit:
                    break
    return _hits(db, found)


def _hits(db: Database, found: dict[int, float]) -> list[Hit]:
    hits: list[Hit] = []
    persons = [r >> 1 for r in found if r % 2 == 0]
    households = [r >> 1 for r in found if r % 2 == 1]
    for chunk in _chunks(persons):
        rows = db.execute(
            "SELECT p.id, p.name, p.household_id, p.status, p.relation, h.number, h.address "
            f"FROM persons p LEFT JOIN households h ON h.id = p.household_id WHERE p.id IN ({','.join('?' * len(chunk))})",
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
            score = found[pid * 2] + (0.5 if status == "active" else 0.0) + 0.25
            hits.append(Hit(PERSON, pid, hid, name, " · ".join(parts), score))
    for chunk in _chunks(households):
        rows = db.execute(
            "SELECT h.id, h.number, h.address, h.status, (SELECT name FROM persons m WHERE m.household_id = h.id "
            "AND m.relation = 'head' ORDER BY m.status != 'active', m.id LIMIT 1) "
            f"FROM households h WHERE h.id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for hid, number, address, status, head in rows:
            title = tr("{head}户").format(head=head) if head else tr("户号{number}").format(number=number)
            parts = [tr("户号{number}").format(number=number)]
            if address:
                parts.append(address)
            if status != "active":
                parts.append(vocab.label(vocab.HOUSEHOLD_STATUS, status))
            score = found[hid * 2 + 1] + (0.5 if status == "active" else 0.0)
            hits.append(Hit(HOUSEHOLD, hid, hid, title, " · ".join(parts), score))
    order = {rowid: i for i, rowid in enumerate(found)}
    hits.sort(key=lambda h: (-h.score, order[h.id * 2 + (h.kind == HOUSEHOLD)]))
    return hits
