"""What the street's window reads from the store: its communities at a glance, a search across them,
and one community's archive, registers and completeness and the communities' assessment, read from
its replica (consolidation.replica) through the office's own rules. Read-only; numbers are masked by
the one rule (`gridoffice.masking`) before they leave here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import psycopg
from sqlite_utils import Database

from gridoffice import masking
from gridoffice.access import users
from gridoffice.archive import completeness as checks, registers
from gridoffice.reports import assessment
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_text
from gridoffice.access.scope import Scope
from gridoffice.search.finder import query_problem


@dataclass(frozen=True)
class Community:
    uuid: str
    name: str
    division_code: str
    last_sequence: int
    last_applied_at: dt.datetime | None
    households: int
    persons: int
    refused: int  # packages refused since the last one applied


def communities(conn: psycopg.Connection) -> list[Community]:
    """Every enrolled office with its active households and persons and its refusals since the last
    package applied, in the order of their division codes."""
    rows = conn.execute("""
        SELECT o.uuid::text, o.name, o.division_code, o.last_sequence, o.last_applied_at,
               (SELECT count(*) FROM records_households h WHERE h.office = o.uuid AND h.data->>'status' = 'active'),
               (SELECT count(*) FROM records_persons p WHERE p.office = o.uuid AND p.data->>'status' = 'active'),
               (SELECT count(*) FROM ledger l WHERE l.office = o.uuid AND l.outcome = 'refused'
                  AND l.at > coalesce(o.last_applied_at, '-infinity'))
        FROM offices o ORDER BY o.division_code, o.name""").fetchall()
    return [Community(*row) for row in rows]


@dataclass(frozen=True)
class Hit:
    kind: str  # "person" or "household"
    name: str  # a person's name, or a household's number
    community: str
    detail: str  # masked: ID number and birth month for a person; the address for a household
    address: str


def _after(prefix: str) -> str:
    """The least text greater than every text starting with `prefix`, in byte order (~<~)."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates are no characters: the next one is U+E000
        last = 0xE000
    return prefix[:-1] + chr(last) if last <= 0x10FFFF else prefix + "\U0010ffff"


def search(conn: psycopg.Connection, text: str, *, limit: int = 100) -> list[Hit]:
    """Persons by name and households by address or number, across every community. Three or more
    characters are found anywhere in a name or address (the trigram indexes); fewer from its start.

    From the start is a range in byte order (~>=~ and ~<~, the operators of the text_pattern_ops
    b-tree indexes) read in that order up to `limit`: the trigram index answers a prefix too, but a
    surname shared by a tenth of the district then costs a sort of a hundred thousand names, and
    LIKE with a bound pattern cannot use the b-tree once PostgreSQL plans the statement generically."""
    if problem := query_problem(text):
        raise ValidationError("query", problem)
    query = clean_text(text).strip()
    if not query:
        return []
    low, high = query, _after(query)
    if len(query) >= 3:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        name_where, name_params = "p.data->>'name' LIKE %s", [pattern]
        name_order = "p.data->>'name'"
        household_where = "(h.data->>'number' ~>=~ %s AND h.data->>'number' ~<~ %s OR h.data->>'address' LIKE %s)"
        household_params = [low, high, pattern]
        household_order = "h.data->>'number'"
    else:
        name_where, name_params = "p.data->>'name' ~>=~ %s AND p.data->>'name' ~<~ %s", [low, high]
        name_order = "p.data->>'name' USING ~<~"
        household_where, household_params = "h.data->>'number' ~>=~ %s AND h.data->>'number' ~<~ %s", [low, high]
        household_order = "h.data->>'number' USING ~<~"
    # The hits first, then their community and household: each looked up by its key (the table's
    # name is part of the partition's key), never a join over every household of the district. Persons
    # and households in one statement: one round trip to the server, which on a busy machine is most
    # of a search's time.
    rows = conn.execute(f"""
        SELECT 0, row_number() OVER (ORDER BY {name_order.replace("p.data->>'name'", "p.name")}),
               p.name, o.name, p.data->>'id_number', p.data->>'birth_date', h.data->>'address'
        FROM (SELECT p.office, p.data, p.data->>'name' AS name FROM records_persons p
              WHERE {name_where} AND p.data->>'status' = 'active'
              ORDER BY {name_order} LIMIT %s) p
        JOIN offices o ON o.uuid = p.office
        LEFT JOIN records_households h ON h.office = p.office AND h.tbl = 'households'
             AND h.gid = (p.data->>'household_gid')::uuid
        UNION ALL
        SELECT 1, row_number() OVER (ORDER BY {household_order.replace("h.data->>'number'", "h.number")}),
               h.number, o.name, NULL, NULL, h.address
        FROM (SELECT h.office, h.data->>'number' AS number, h.data->>'address' AS address FROM records_households h
              WHERE {household_where} AND h.data->>'status' = 'active'
              ORDER BY {household_order} LIMIT %s) h
        JOIN offices o ON o.uuid = h.office
        ORDER BY 1, 2""", [*name_params, limit, *household_params, limit]).fetchall()
    persons = [r[2:] for r in rows if r[0] == 0]
    households = [(r[2], r[3], r[6]) for r in rows if r[0] == 1]
    hits = [Hit("person", name, community, tr("{id}，{birth}").format(
                id=masking.mask_id(id_number) or tr("无身份证号"), birth=masking.mask_birth(birth) or tr("出生年月不详")),
                address or "")
            for name, community, id_number, birth, address in persons]
    hits += [Hit("household", number, community, address or "", address or "")
             for number, community, address in households]
    return hits[:limit]


# --- one community read through the office's own rules (consolidation.replica) -----------------

def scope_for(user_name: str, *, admin: bool) -> Scope:
    """What a street account reads of a community: a street administrator as an office's leader does
    (the sensitive registers too), street staff as a grid worker does (without health, disability,
    hardship and correction); both over the whole community and never a full number (reveal_id)."""
    return users.whole_office(user_name, "leader" if admin else "grid_worker")


def archive(db: Database, *, scope: Scope, today: dt.date) -> list[registers.RegisterRow]:
    """Every active person of the community in household order, masked (registers.rows)."""
    ids = [r[0] for r in db.execute("SELECT p.id FROM persons p LEFT JOIN households h ON h.id = p.household_id "
                                    "WHERE p.status = 'active' ORDER BY h.number, p.id")]
    found = registers.rows(db, ids, scope=scope, today=today)
    return [found[i] for i in ids]


def register_groups(db: Database, scope: Scope) -> list[registers.Group]:
    """The registers the account may open: the built-in ones and the community's own."""
    return [g for g in registers.groups(db) if g.kind == "age" or scope.sees_tag(g.code)]


def register(db: Database, code: str, *, scope: Scope, today: dt.date) -> list[registers.RegisterRow]:
    ids = registers.person_ids(db, code, scope=scope, today=today)
    found = registers.rows(db, ids, scope=scope, today=today)
    return [found[i] for i in ids]


def person_gid(db: Database, person_id: int) -> str:
    return db.execute("SELECT gid FROM persons WHERE id = ?", [person_id]).fetchone()[0]


_DAY = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def masked(text: str) -> str:
    """A sentence of the completeness check as the street may read it: numbers masked by the one
    rule, and a full birth date shown as its year and month, as wherever an ID is masked."""
    return _DAY.sub(lambda m: masking.mask_birth(m.group(0)), masking.mask_text(text))


@dataclass(frozen=True)
class Completeness:
    community: str
    problems: tuple[checks.Problem, ...]  # messages masked

    def count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)


def completeness(db: Database, community: str, *, scope: Scope, today: dt.date) -> Completeness:
    """The office's completeness check (checks.completeness, 完整性检查) run on the community as the store
    holds it, with the messages masked; `scope` is the street account's (scope_for)."""
    job = checks.completeness(db, today, scope=scope)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            found = stop.value
            break
    return Completeness(community, tuple(checks.Problem(p.kind, masked(p.message), p.table, p.row_id) for p in found))


@dataclass(frozen=True)
class Ranked:
    rank: int
    community: str
    staff: int
    score: float
    assessed: assessment.Assessed  # counts per active staff member


def ranked(rows: list[tuple[str, tuple[int, ...], int]], indicators) -> list[Ranked]:
    """Communities ranked as the year-end assessment ranks staff: each community's counts
    (stats_assessment.office_counts) per active staff member, scored by the assessment's formula and
    template (assessment.total_score); the total rounded to two places and equal totals sharing a
    rank, as the assessment workbook's ROUND(…, 2) and RANK() treat staff."""
    scored = []
    for n, (community, counts, staff) in enumerate(rows):
        per = tuple(c / staff for c in counts) if staff else tuple(0 for _ in counts)
        assessed = assessment.Assessed(n, community, community, per)
        scored.append((round(assessment.total_score(assessed, indicators), 2), community, staff, assessed))
    scored.sort(key=lambda s: (-s[0], s[1]))
    result: list[Ranked] = []
    for i, (score, community, staff, assessed) in enumerate(scored):
        rank = result[-1].rank if result and result[-1].score == score else i + 1
        result.append(Ranked(rank, community, staff, score, assessed))
    return result
