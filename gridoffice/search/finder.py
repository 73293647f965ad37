"""One search box over persons and households: names, pinyin, ID and phone digits, addresses.

The index and how rows get into it are in search_index.py (rebuild, reindex and dirty_count
are re-exported here, the names the rest of the program uses). This module reads a query
into index expressions in tiers (exact name, name prefix, anything else), applies the
filters, confirms on the row what the index cannot tell, and ranks the hits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from sqlite_utils import Database

from gridoffice import vocab
from gridoffice.archive import office_tags
from gridoffice.audit import trail
from gridoffice.ages import age_on, birth_bounds
from gridoffice.errors import PermissionDenied, ValidationError
from gridoffice.i18n import tr
from gridoffice.masking import mask_id, mask_phone
from gridoffice.normalize import clean_text
from gridoffice.access.scope import Scope
from gridoffice.search.index import (
    _CLASS,
    _DIRTY,
    _GRAMS,
    _HEAD_SQL,
    _HOME,
    _INACTIVE,
    _INSERT,
    _KIND,
    _NAME,
    _NUMBER,
    FTS_OPTIONS,
    HOUSEHOLD,
    PERSON,
    _chunks,
    _compact,
    _docs,
    _is_han,
    _org_token,
    _pairs,
    _segments,
    _status_token,
    _tag_token,
    _year_token,
    dirty_count,
    fill,
    pending,
    rebuild,
    reindex,
)
from gridoffice.changes import Changes, writes

__all__ = ["FTS_OPTIONS", "HOUSEHOLD", "NUMBER_DIGITS", "PERSON", "Hit", "dirty_count", "fill", "number_digits",
           "number_refusal", "pending", "pending_notice", "query_problem", "rebuild", "reindex", "search"]

# Longer or wider queries only cost time: every term is one more index expression, and a 40 KB
# paste took 2.8 s and 1.26 GB before these bounds. A name, an address and a number fit well within.
MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 8

# A search is an oracle: whoever may search can confirm a guessed number by whether it finds the
# person, without ever seeing it. More digits than this in one query (counted over all its number
# words, so a guess typed in groups counts whole) are a number search, unless every number word
# begins a household number (those are searched as household numbers only): refused to roles that
# may not reveal full numbers, and recorded like a reveal, with the query and the match count, for
# those that may. Four is the tail by which people find a caller (a phone's last four, which the
# masked phone shows anyway); a guessed ID's first ten digits or a full phone are far more. For a
# role that may not reveal, digits match only a phone's tail (_digits_check): four at a time found
# anywhere would rebuild the ID its masked form hides.
NUMBER_DIGITS = 4
_NUMBER_WORD = re.compile(r"\d+x?")

_JUDGE_BATCH = 200
# An age filter spanning more birth years than this is checked on the row only.
_MAX_YEAR_TOKENS = 40
_PERSONS_ONLY = f" AND f.rowid < {_HOME}"


@dataclass(frozen=True)
class Hit:
    kind: str  # 'person' | 'household'
    id: int
    household_id: int | None
    title: str
    subtitle: str
    score: float
    # Why it matched where the title and subtitle do not show it: the masked phone or ID number that
    # holds the digits typed, and a person's age.
    why: str = ""


# --- reading the query ----------------------------------------------------------------------


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


def _digits_check(digits: str, shown_only: bool = False) -> _SqlCheck:
    """Rows whose ID, phone, address or household number hold the digits. With shown_only (a role
    that may not reveal full numbers) a phone matches by its tail only and an ID not at all: digits
    found anywhere in a number would tell, four at a time, the ones its masked form hides."""
    if shown_only:
        person, home = ("substr(replace(p.phone, '-', ''), -length(?)) = ?",
                        "substr(replace(h.phone, '-', ''), -length(?)) = ?")
        person_params = home_params = (digits, digits)
    else:
        person = "instr(lower(p.id_number), ?) OR instr(replace(p.phone, '-', ''), ?)"
        home = "instr(replace(h.phone, '-', ''), ?)"
        person_params, home_params = (digits, digits), (digits,)
    sql = (
        f" AND CASE WHEN f.rowid < {_HOME} THEN (SELECT {person} FROM persons p WHERE p.id = f.rowid) "
        f"ELSE (SELECT {home} OR instr(h.address, ?) "
        f"OR replace(lower(h.number), '-', '') LIKE ? FROM households h WHERE h.id = f.rowid - {_HOME}) END"
    )
    return _SqlCheck(sql, person_params + home_params + (digits, digits + "%"))


def _word(word: str, household_numbers: bool = False, shown_only: bool = False
          ) -> tuple[list[tuple[float, str, Check | None]], str, Check | None] | None:
    """Tiers for one word of the query (score, expression, row check), best first; then the
    expression and check of the widest tier, which matches every row the others match. With
    household_numbers, a number word is looked for among household numbers only."""
    plain = word.replace("-", "")
    if household_numbers and _NUMBER_WORD.fullmatch(plain):
        number = _q(_NUMBER + plain)
        tiers = [(2.0, number, None), (1.0, f"{number}*", None)]
    elif re.fullmatch(r"\d+x?", plain):
        number = _q(_NUMBER + plain)
        broad = [f"{number}*"]
        if plain.isdigit():
            broad.append(_q(plain))
        runs = _digit_runs(plain)
        if runs:
            broad.append(f"({runs})")
        tiers = [(2.0, number, None), (1.0, " OR ".join(broad), _digits_check(plain, shown_only))]
    elif re.fullmatch(r"[a-z]+", word):
        exact = f"{_q(word)} OR {_q(_NUMBER + word)}"
        tiers = [(2.0, exact, None)]
        # A one-letter prefix would merge the postings of a tenth of all names.
        if len(word) > 1:
            # FTS5 keeps prefix indexes of 2 to 6 letters (FTS_OPTIONS); a longer prefix
            # reads its range of terms straight from the main index, with the same results.
            tiers.append((1.0, f"{_q(word)}* OR {_q(_NUMBER + word)}*", None))
    else:
        segs = _segments(word)
        if not segs:
            return None
        open_end = not _is_han(segs[-1])
        if len(segs) == 1:
            fragment = f"{_q(segs[0])}*" if open_end else _q(segs[0])
        else:
            pairs = _pairs(segs)
            # A fragment ending in a digit or letter run may end inside the indexed run.
            tokens = [_q(p) for p in pairs[:-1]] + [_q(pairs[-1]) + ("*" if open_end else "")]
            fragment = "(" + " AND ".join(tokens) + ")"
        check = None if len(segs) <= 2 and not open_end else _fragment_check(segs, open_end)
        if any(_is_han(s) for s in segs):
            whole = _q(_NAME + "".join(segs))
            tiers = [(3.0, whole, None), (2.0, f"{whole}*", None), (1.0, fragment, check)]
        else:
            number = _NUMBER + _compact(word)
            in_address = _fragment_check(segs, open_end)
            tiers = [
                (2.0, _q(number), None),
                (
                    1.0,
                    f"{_q(number)}* OR {fragment}",
                    lambda r: _compact(r.number).startswith(number[1:]) or in_address(r),
                ),
            ]
    _, broad, broad_check = tiers[-1]
    return tiers, broad, broad_check


def query_problem(query: str) -> str | None:
    """A Chinese sentence saying how to shorten the query, or None when it can be searched.

    Counted on the raw text before any cleaning, so a huge paste is answered at once."""
    if len(query) > MAX_QUERY_CHARS:
        return tr("查找内容太长（{n}个字）：最多{max}个字。请只输入姓名、拼音、号码或地址中的一段。").format(
            n=f"{len(query):,}", max=MAX_QUERY_CHARS)
    terms = len(query.split())
    if terms > MAX_QUERY_TERMS:
        return tr("查找内容分成了{n}段：最多{max}段（用空格隔开）。请去掉一些词再查找。").format(
            n=terms, max=MAX_QUERY_TERMS)
    return None


def _number_words(query: str) -> list[str]:
    words = (w.replace("-", "") for w in clean_text(query).lower().split(" "))
    return [w for w in words if _NUMBER_WORD.fullmatch(w)]


def number_digits(query: str) -> int:
    """How many digits the query's number words hold: the words matched against ID and phone digits."""
    return sum(len(w) for w in _number_words(query))


def _household_numbers(db: Database, query: str) -> bool:
    """Whether every number word of the query begins some household number (one index probe each)."""
    return all(db.execute("SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT 1",
                          [f"{_q(_NUMBER + w)}*"]).fetchone() for w in _number_words(query))


def number_search(db: Database, query: str) -> bool:
    """Whether the query is a number search (NUMBER_DIGITS): refused or recorded by role."""
    return number_digits(query) > NUMBER_DIGITS and not _household_numbers(db, query)


def number_refusal(db: Database, query: str, scope: Scope) -> str | None:
    """A Chinese sentence refusing a number search to a role that may not reveal full numbers, or None."""
    if scope.reveal or not number_search(db, query):
        return None
    return tr("“{role}”角色用号码查找时最多输入{n}位数字（例如电话的后{n}位）；更长的号码只有可以查看完整号码"
              "的角色才能查找").format(role=tr(scope.role_label), n=NUMBER_DIGITS)


def _plan(query: str, household_numbers: bool = False, shown_only: bool = False) -> list[tuple[float, str, list[Check]]]:
    if problem := query_problem(query):
        raise ValidationError("query", problem)
    words = [w for w in clean_text(query).lower().split(" ") if w]
    parsed = [p for p in (_word(w, household_numbers, shown_only) for w in words) if p is not None]
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


def _filter(*, scope: Scope, org_id, tag, contact_class, age_min, age_max, status, kind,
            today: dt.date) -> _Filter | None:
    """The filters as index tokens plus row checks; None when no row can pass."""
    terms: list[str] = []
    if not scope.whole_office:
        # Every document carries a token for each unit on its path: the scope's root is one more term.
        if scope.root is None or scope.path is None:
            return None
        terms.append(_q(_org_token(int(scope.root))))
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


def _candidates(
    db: Database, table: str, expr: str, flt: _Filter, checks: list[Check], need: int, skip: dict
) -> list[int]:
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


def pending_notice(db: Database) -> str | None:
    """What to tell beside the hits while a bulk import's rows wait for their documents."""
    waiting = pending(db)
    if not waiting:
        return None
    return tr("索引建立中：新导入的{n}条人员和户记录还搜不到，请稍候再搜").format(n=waiting)


@writes(Changes.NONE)
def search(
    db: Database,
    query: str,
    *,
    scope: Scope,
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
    persons by name, pinyin, ID number and phone. Age and tag filters select persons only. Only rows
    of the user's scope are found; a sensitive tag the role may not see is refused. A query longer
    than MAX_QUERY_CHARS or with more than MAX_QUERY_TERMS terms raises ValidationError (see
    query_problem). A number search (number_search: more than NUMBER_DIGITS digits, not all of
    them the start of a household number) is refused to a role that may not reveal full numbers
    and, for one that may, leaves an audit entry on `db`, which must then be writable.
    """
    if tag is not None and not scope.sees_tag(tag):
        raise PermissionDenied(tr("“{role}”角色不能查看或修改“{tag}”这类敏感信息").format(
            role=tr(scope.role_label), tag=office_tags.label(db, tag)))
    query = query or ""
    if problem := query_problem(query):
        raise ValidationError("query", problem)
    probing = number_search(db, query)
    if probing and not scope.reveal:
        raise PermissionDenied(number_refusal(db, query, scope))
    began = db.conn.in_transaction
    try:
        hits = _search(db, query, scope=scope, org_id=org_id, tag=tag, contact_class=contact_class,
                       age_min=age_min, age_max=age_max, status=status, kind=kind, limit=limit, today=today,
                       household_numbers=number_digits(query) > NUMBER_DIGITS and not probing, shown_only=not scope.reveal)
    finally:
        if not began and db.conn.in_transaction:
            # Judging changed rows fills the temp scratch table, which opens a transaction; left
            # open it would hold a reader's snapshot and swallow the audit entry's commit below.
            db.conn.commit()
    if probing:
        # Before the caller sees the hits, as a reveal's entry comes before the number.
        with db.atomic():
            trail.record(db, "search_numbers", "persons", None,
                         new={"query": clean_text(query), "matches": len(hits)})
    return hits


def _search(db: Database, query: str, *, scope: Scope, org_id, tag, contact_class, age_min, age_max, status, kind,
            limit: int, today: dt.date | None, household_numbers: bool, shown_only: bool) -> list[Hit]:
    plan = _plan(query, household_numbers, shown_only)
    if not plan or limit <= 0:
        return []
    day = today or dt.date.today()
    flt = _filter(
        scope=scope, org_id=org_id, tag=tag, contact_class=contact_class, age_min=age_min, age_max=age_max,
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
        sql = "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"
        dirty = [r for (r,) in db.execute(sql, [f"({full}) AND {dirty_mark}"])]
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
        clean = f"({full}) NOT {dirty_mark}"
        for rowid in _candidates(db, "search_fts", clean, flt, checks, limit - len(found), found):
            found[rowid] = score
        if len(found) >= limit:
            break
    return _hits(db, found, re.findall(r"\d+x?", clean_text(query or "").lower().replace("-", "")),
                 today or dt.date.today())


def _why(digits: list[str], phone: str | None, id_number: str | None) -> list[str]:
    """The masked number that holds each run of digits typed (the phone first, as a caller's tail)."""
    reasons = []
    for run in digits:
        if phone and run in re.sub(r"\D", "", phone):
            reasons.append(tr("电话{phone}").format(phone=mask_phone(phone)))
        elif id_number and run in id_number.lower():
            reasons.append(tr("身份证号{id}").format(id=mask_id(id_number)))
    return list(dict.fromkeys(reasons))


def _hits(db: Database, found: dict[int, float], digits: list[str], today: dt.date) -> list[Hit]:
    hits: list[Hit] = []
    persons = [r for r in found if r < _HOME]
    households = [r - _HOME for r in found if r > _HOME]
    for chunk in _chunks(persons):
        rows = db.execute(
            "SELECT p.id, p.name, p.household_id, p.status, p.relation, h.number, h.address, p.phone, "
            "p.id_number, p.birth_date FROM persons p "
            f"LEFT JOIN households h ON h.id = p.household_id WHERE p.id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for pid, name, hid, status, relation, number, address, phone, id_number, birth in rows:
            parts = [tr("户号{number}").format(number=number) if number else tr("无户")]
            if address:
                parts.append(address)
            if relation:
                parts.append(vocab.label(vocab.RELATIONS, relation))
            if status != "active":
                parts.append(vocab.label(vocab.PERSON_STATUS, status))
            # Within a tier: people still here first, a person before a household.
            score = found[pid] + (0.5 if status == "active" else 0.0) + 0.25
            why = _why(digits, phone, id_number)
            if birth:
                why.append(tr("{n}岁").format(n=age_on(dt.date.fromisoformat(birth), today)))
            hits.append(Hit(PERSON, pid, hid, name, " · ".join(parts), score, " · ".join(why)))
    for chunk in _chunks(households):
        rows = db.execute(
            f"SELECT h.id, h.number, h.address, h.status, {_HEAD_SQL}, h.phone FROM households h "
            f"WHERE h.id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for hid, number, address, status, head, phone in rows:
            title = tr("{head}户").format(head=head) if head else tr("户号{number}").format(number=number)
            parts = [tr("户号{number}").format(number=number)]
            if address:
                parts.append(address)
            if status != "active":
                parts.append(vocab.label(vocab.HOUSEHOLD_STATUS, status))
            score = found[_HOME + hid] + (0.5 if status == "active" else 0.0)
            hits.append(Hit(HOUSEHOLD, hid, hid, title, " · ".join(parts), score, " · ".join(_why(digits, phone, None))))
    order = {rowid: i for i, rowid in enumerate(found)}
    hits.sort(key=lambda h: (-h.score, order[h.id + (_HOME if h.kind == HOUSEHOLD else 0)]))
    return hits
