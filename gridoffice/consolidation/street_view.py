"""What the street's window reads from the store: its communities at a glance and a search across
them. Read-only; numbers are masked by the one rule (`gridoffice.masking`) before they leave here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg

from .. import masking
from ..errors import ValidationError
from ..i18n import tr
from ..normalize import clean_text
from ..search import query_problem


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


def search(conn: psycopg.Connection, text: str, *, limit: int = 100) -> list[Hit]:
    """Persons by name and households by address or number, across every community. Three or more
    characters are found anywhere in a name or address (the trigram indexes); fewer from its start."""
    if problem := query_problem(text):
        raise ValidationError("query", problem)
    query = clean_text(text).strip()
    if not query:
        return []
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    anywhere = len(query) >= 3
    pattern = f"%{escaped}%" if anywhere else f"{escaped}%"
    # From the start: ordered by the b-tree itself, so the scan stops at `limit`.
    persons = conn.execute("""
        SELECT p.data->>'name', o.name, p.data->>'id_number', p.data->>'birth_date', h.data->>'address'
        FROM records_persons p
        JOIN offices o ON o.uuid = p.office
        LEFT JOIN records_households h ON h.office = p.office AND h.gid = (p.data->>'household_gid')::uuid
        WHERE p.data->>'name' LIKE %s AND p.data->>'status' = 'active'
        ORDER BY p.data->>'name' LIMIT %s""", [pattern, limit]).fetchall()
    # An address is searched anywhere only with a trigram to look up; a household number from its start.
    households = conn.execute("""
        SELECT h.data->>'number', o.name, h.data->>'address'
        FROM records_households h JOIN offices o ON o.uuid = h.office
        WHERE (h.data->>'number' LIKE %s OR (%s AND h.data->>'address' LIKE %s)) AND h.data->>'status' = 'active'
        ORDER BY h.data->>'number' LIMIT %s""", [f"{escaped}%", anywhere, f"%{escaped}%", limit]).fetchall()
    hits = [Hit("person", name, community, tr("{id}，{birth}").format(
                id=masking.mask_id(id_number) or tr("无身份证号"), birth=masking.mask_birth(birth) or tr("出生年月不详")),
                address or "")
            for name, community, id_number, birth, address in persons]
    hits += [Hit("household", number, community, address or "", address or "")
             for number, community, address in households]
    return hits[:limit]
