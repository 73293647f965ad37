"""One community as its office file held it, rebuilt in memory from the store, so that the street
reads it through the office's own rules (registers, the completeness check, the assessment's counts).

The store keeps each office's rows as they travelled (`records.data`: no local ids, references by
gid). A replica is an in-memory office database (`db.memory_db`: this program's schema, nothing on
disk) into which those rows are put back with fresh local ids, references translated through the
gids and each org unit's `path` rebuilt from its parents. The rules then run unchanged on it: there
is no second version of them written in PostgreSQL's SQL that could drift from the office's.

A 50,000-household community is a million rows. They arrive as JSON text and SQLite takes them apart
(`json_extract`) and translates their references (each table's own gid index) in one statement per
table: no row passes through Python objects. Progress is counted in rows, and a request that went
stale stops between batches.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable, Iterator

import psycopg
from sqlite_utils import Database

from gridoffice.store.db import memory_db, set_setting
from gridoffice.errors import NotFound
from gridoffice.i18n import tr
from gridoffice.consolidation.tables import TABLES, Table

BATCH = 20_000
# What a window keeps of the replicas it built, the one in use aside: a 50,000-household community
# with a year of activity is 230 MB of SQLite pages in memory, so at most one more of that size.
KEEP = 3
KEEP_BYTES = 512 << 20
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
_POSITION = {t.name: n for n, t in enumerate(TABLES)}


def build(conn: psycopg.Connection, office_uuid: str, *, cancelled: Callable[[], bool] = lambda: False
          ) -> Database | None:
    """The replica of one office, or None when `cancelled()` turned true on the way."""
    steps = building(conn, office_uuid, cancelled=cancelled)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def building(conn: psycopg.Connection, office_uuid: str, *, cancelled: Callable[[], bool] = lambda: False
             ) -> Iterator[tuple[int, int, str]]:
    """Builds the replica, yielding progress (rows done, rows in all, what it does); returns the
    replica, or None when `cancelled()` turned true on the way."""
    head = conn.execute("SELECT name, division_code FROM offices WHERE uuid = %s", [office_uuid]).fetchone()
    if head is None:
        raise NotFound(tr("汇总数据库中没有这个社区，请刷新后重选"))
    counts = dict(conn.execute("SELECT tbl, count(*) FROM records WHERE office = %s GROUP BY tbl",
                               [office_uuid]).fetchall())
    total = sum(counts.get(t.name, 0) for t in TABLES)
    message = tr("正在读取社区“{name}”的数据……").format(name=head[0])
    db = memory_db()
    done = 0
    yield done, total, message
    try:
        with db.atomic():
            # The schema's seeds (matter categories and the like) are the office's to send, not ours.
            for table in reversed(TABLES):
                db.execute(f"DELETE FROM [{table.name}]")
            set_setting(db, "office_name", head[0])
            db.execute("CREATE TEMP TABLE staged (data TEXT NOT NULL)")
            # References to rows put back later (a parent unit listed after its child, a household's
            # representative among the persons that follow): (table, column, row's gid, target's gid).
            db.execute("CREATE TEMP TABLE forward (tbl TEXT, col TEXT, gid TEXT, target TEXT)")
            for table in TABLES:
                if not counts.get(table.name):
                    continue
                for batch in _fetch(conn, office_uuid, table.name):
                    if cancelled():
                        raise _Cancelled
                    db.conn.executemany("INSERT INTO staged(data) VALUES (?)", batch)
                    done += len(batch)
                    yield done, total, message
                _put_back(db, table)
                db.execute("DELETE FROM staged")
            db.execute("CREATE INDEX temp.forward_row ON forward (tbl, col, gid)")
            _resolve_forward(db)
            db.execute("DROP TABLE staged")
            db.execute("DROP TABLE forward")
            _paths(db)
    except _Cancelled:
        db.close()
        return None
    except BaseException:
        db.close()
        raise
    return db


class _Cancelled(Exception):
    """The request went stale: the transaction is rolled back and the replica dropped."""


def size(db: Database) -> int:
    """The memory a replica's pages take, in bytes."""
    return db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]


class Replicas:
    """The replicas a window keeps, most recently used last, each under a key of the caller's (the
    community and its last package's number). Adding one closes the community's older ones, then the
    least recently used beyond `keep` replicas or beyond `keep_bytes` of memory in all; the one just
    added stays, whatever its size. A closed replica is gone: asked for again, it is built again."""

    def __init__(self, keep: int | None = None, keep_bytes: int | None = None):
        self.keep = KEEP if keep is None else keep
        self.keep_bytes = KEEP_BYTES if keep_bytes is None else keep_bytes
        self._kept: OrderedDict[tuple[str, Hashable], tuple[Database, int]] = OrderedDict()

    def get(self, office: str, version: Hashable) -> Database | None:
        found = self._kept.get((office, version))
        if found is None:
            return None
        self._kept.move_to_end((office, version))
        return found[0]

    def put(self, office: str, version: Hashable, db: Database) -> None:
        for key in [k for k in self._kept if k[0] == office]:
            self._kept.pop(key)[0].close()
        self._kept[(office, version)] = (db, size(db))
        total = sum(taken for _, taken in self._kept.values())
        while len(self._kept) > 1 and (len(self._kept) > self.keep or total > self.keep_bytes):
            _key, (oldest, taken) = self._kept.popitem(last=False)
            oldest.close()
            total -= taken

    def offices(self) -> list[str]:
        """The communities kept, least recently used first."""
        return [office for office, _ in self._kept]

    def close(self) -> None:
        while self._kept:
            self._kept.popitem()[1][0].close()


def _fetch(conn: psycopg.Connection, office_uuid: str, table: str) -> Iterator[list[tuple[str]]]:
    # As text: SQLite takes the JSON apart, Python never parses it.
    with conn.cursor() as cur:
        cur.execute("SELECT data::text FROM records WHERE office = %s AND tbl = %s", [office_uuid, table])
        while batch := cur.fetchmany(BATCH):
            yield batch


def _field(name: str) -> str:
    return f"json_extract(s.data, '$.\"{name}\"')"


def _put_back(db: Database, table: Table) -> None:
    """The staged rows into their table: local ids numbered in the office's creation order (then by
    gid, a stable order), each column from its field (or its default when the row came without it),
    each reference through the target's gid; a reference to a table not yet put back waits in
    `forward`."""
    info = db.execute(f"PRAGMA table_info([{table.name}])").fetchall()
    names = [c[1] for c in info]
    order = f"ORDER BY {_field('created_at')}, {_field('gid')}" if "created_at" in names else \
        f"ORDER BY {_field('gid')}"
    columns = ["id" if "id" in names else "rowid"]
    values = [f"row_number() OVER ({order})"]
    for _cid, name, _type, _notnull, default, _pk in info:
        if name == "id":
            continue
        if name in table.refs:
            target = table.refs[name]
            if _POSITION[target] >= _POSITION[table.name]:
                db.execute(f"INSERT INTO forward SELECT ?, ?, {_field('gid')}, {_field(table.gid_column(name))} "
                           f"FROM staged s WHERE {_field(table.gid_column(name))} IS NOT NULL", [table.name, name])
                continue
            values.append(f"(SELECT id FROM [{target}] WHERE gid = {_field(table.gid_column(name))})")
        elif name == "path":
            values.append("''")  # rebuilt from the parents once every unit is in (_paths)
        elif default is not None:
            values.append(f"CASE WHEN json_type(s.data, '$.\"{name}\"') IS NULL THEN {default} "
                          f"ELSE {_field(name)} END")
        else:
            values.append(_field(name))
        columns.append(name)
    # Indexes are built after the load, once, rather than kept in order row by row.
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                         "AND sql IS NOT NULL", [table.name]).fetchall()
    for name, _sql in indexes:
        db.execute(f"DROP INDEX [{name}]")
    db.execute(f"INSERT INTO [{table.name}] ({', '.join(f'[{c}]' for c in columns)}) "
               f"SELECT {', '.join(values)} FROM staged s {order}")
    for _name, sql in indexes:
        db.execute(sql)


def _resolve_forward(db: Database) -> None:
    for table_name, column in db.execute("SELECT DISTINCT tbl, col FROM forward").fetchall():
        target = TABLES_BY_NAME[table_name].refs[column]
        db.execute(f"UPDATE [{table_name}] SET [{column}] = (SELECT t.id FROM forward f JOIN [{target}] t "
                   f"ON t.gid = f.target WHERE f.tbl = ? AND f.col = ? AND f.gid = [{table_name}].gid) "
                   f"WHERE gid IN (SELECT gid FROM forward WHERE tbl = ? AND col = ?)",
                   [table_name, column, table_name, column])


def _paths(db: Database) -> None:
    """Each org unit's path, a chain of the replica's ids from the root, as regions keeps it."""
    parents = dict(db.execute("SELECT id, parent_id FROM org_units").fetchall())
    paths: dict[int, str] = {}

    def path(unit: int, seen: frozenset = frozenset()) -> str:
        if unit not in paths:
            parent = parents.get(unit)
            if parent is None or parent in seen or parent not in parents:
                paths[unit] = f"/{unit}/"
            else:
                paths[unit] = f"{path(parent, seen | {unit})}{unit}/"
        return paths[unit]

    db.conn.executemany("UPDATE org_units SET path = ? WHERE id = ?", [(path(unit), unit) for unit in parents])
