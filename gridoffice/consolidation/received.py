"""What the store keeps of each office table as the last package applied carried it, so that the
next package costs what changed in the office rather than the whole office.

A package carries every record every time (package.py), in the office's own order (its rowids),
which an edit does not change and new rows only extend. Each table's lines are cut, in that order,
into runs of RUN lines, and a run's hash is SHA-256 of its lines' digests. The store keeps, per
office and table (`received`), the count and table hash of the manifest it last applied, which the
rows it held were checked against, and the hashes of that package's runs. In a later package a run
whose hash is the one at the same place last time holds the same lines in the same order: its rows
are the store's already, so it never leaves the street's computer. The runs that differ are staged
and compared row by row; the tables none of whose runs differ keep their count and hash, and the
others' are recomputed from the rows after writing.

A record that vanished shows by count: the store writes every row sent and deletes none, so after
writing it holds the union of what it had and what the package holds, and that union is larger than
the package exactly by the records the package lacks. Nothing here is trusted from the office: the
runs are hashed by the street from the lines it read, whose signature it checked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable, Iterator

import psycopg

from gridoffice.consolidation.tables import AUDIT

# Lines per run: an edit sends its run's 64 lines; a month's edits scattered over a table of
# 140,000 persons (one in a thousand) send a tenth of it. The hashes are 32 bytes per run.
RUN = 64
_DIGEST = 32


@dataclass(frozen=True)
class Received:
    count: int
    hash: str
    runs: bytes  # the runs' hashes, 32 bytes each, in the package's order


def create(cur: psycopg.Cursor) -> None:
    cur.execute("""
        CREATE TABLE received (
            office uuid NOT NULL,
            tbl text NOT NULL,
            rows bigint NOT NULL,
            hash text NOT NULL,
            runs bytea NOT NULL,
            PRIMARY KEY (office, tbl)
        )""")


def held(conn: psycopg.Connection, office_uuid: str) -> dict[str, Received]:
    """Per table, what the last package applied from the office left (nothing for a store that
    predates this table: then every run of the next package is staged)."""
    return {table: Received(count, digest, bytes(runs)) for table, count, digest, runs in conn.execute(
        "SELECT tbl, rows, hash, runs FROM received WHERE office = %s", [office_uuid])}


def keep(conn: psycopg.Connection, office_uuid: str, tables: dict, runs: dict[str, bytes]) -> None:
    """What this package leaves, for every table its manifest names but the audit trail (which is
    append-only and travels only from the head held)."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO received (office, tbl, rows, hash, runs) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (office, tbl) DO UPDATE SET rows = EXCLUDED.rows, hash = EXCLUDED.hash, runs = EXCLUDED.runs",
            [(office_uuid, table, state.count, state.hash, runs.get(table, b""))
             for table, state in tables.items() if table != AUDIT])


def runs(batches: Iterable[tuple[str, list[bytes], list[bytes]]], before: dict[str, Received] | None,
         found: dict[str, bytes]) -> Iterator[tuple[str, tuple[list[bytes], list[bytes]] | None, int]]:
    """Cuts each table's lines (batches of (table, lines, their digests), Package.batches) into runs
    and yields (table, (its lines, their digests), lines read so far) for each run to send, or
    (table, None, lines read) for a run the store holds already: one at the same place as an equal
    run of the package before (`before`; None sends every run). The audit's runs are always sent.
    Each table's run hashes end up in `found`."""
    table: str | None = None
    lines: list[bytes] = []
    digests: list[bytes] = []
    hashes: list[bytes] = []
    read = 0
    for name, batch, batch_digests in batches:
        if name != table:
            if lines:  # the table's last run, shorter
                read += len(lines)
                yield _settled(table, lines, digests, read, hashes, before)
            if table is not None:
                found[table] = b"".join(hashes)
            table, lines, digests, hashes = name, [], [], []
        lines, digests = lines + batch, digests + batch_digests
        whole = len(lines) - len(lines) % RUN
        for start in range(0, whole, RUN):
            read += RUN
            yield _settled(table, lines[start:start + RUN], digests[start:start + RUN], read, hashes, before)
        lines, digests = lines[whole:], digests[whole:]
    if lines:
        read += len(lines)
        yield _settled(table, lines, digests, read, hashes, before)
    if table is not None:
        found[table] = b"".join(hashes)


def _settled(table: str, lines: list[bytes], digests: list[bytes], read: int, hashes: list[bytes],
             before: dict[str, Received] | None) -> tuple[str, tuple[list[bytes], list[bytes]] | None, int]:
    digest = hashlib.sha256(b"".join(digests)).digest()
    place = len(hashes) * _DIGEST
    hashes.append(digest)
    last = before.get(table) if before is not None and table != AUDIT else None
    same = last is not None and last.runs[place:place + _DIGEST] == digest
    return table, None if same else (lines, digests), read


def touched(tables: Iterable[str], before: dict[str, Received] | None, found: dict[str, bytes]) -> set[str]:
    """The tables (the audit left out) whose rows may differ from what the store held: every table
    when nothing was held, else those the store kept nothing of or whose runs are not all the same."""
    names = {t for t in tables if t != AUDIT}
    if before is None:
        return names
    return {t for t in names if t not in before or before[t].runs != found.get(t, b"")}
