"""One community as its office file held it, rebuilt in memory from the store, so that the street
reads it through the office's own rules (registers, the completeness check, the assessment's counts).

The store keeps each office's rows as they travelled (`records.data`: no local ids, references by
gid). A replica is an in-memory office database (`db.memory_db`: this program's schema, nothing on
disk) into which those rows are put back with fresh local ids, references translated through the
gids and each org unit's `path` rebuilt from its parents. The rules then run unchanged on it: there
is no second version of them written in PostgreSQL's SQL that could drift from the office's.
"""

from __future__ import annotations

import json
from typing import Callable, Iterator

import psycopg
from sqlite_utils import Database

from gridoffice.store.db import memory_db, set_setting
from gridoffice.errors import NotFound
from gridoffice.i18n import tr
from gridoffice.consolidation.tables import TABLES, Table

def build(conn: psycopg.Connection, office_uuid: str, *, cancelled: Callable[[], bool] = lambda: False
          ) -> Database | None:
    """The replica of one office, or None when `cancelled()` turned true on the way."""
    head = conn.execute("SELECT name, division_code FROM offices WHERE uuid = %s", [office_uuid]).fetchone()
    if head is None:
        raise NotFound(tr("汇总数据库中没有这个社区，请刷新后重选"))
    db = memory_db()
    ids: dict[str, dict[str, int]] = {}
    deferred: list[tuple[str, str, int, str]] = []  # (table, column, row id, gid) for forward references
    with db.atomic():
        # The schema's seeds (matter categories and the like) are the office's to send, not ours.
        for table in reversed(TABLES):
            db.execute(f"DELETE FROM [{table.name}]")
        set_setting(db, "office_name", head[0])
        for table in TABLES:
            if cancelled():
                break
            _load(db, conn, office_uuid, table, ids, deferred)
        else:
            for table_name, column, row_id, gid in deferred:
                target = ids.get(TABLES_BY_NAME[table_name].refs[column], {}).get(gid)
                db.execute(f"UPDATE [{table_name}] SET [{column}] = ? WHERE rowid = ?", [target, row_id])
            _paths(db)
            return db
    db.close()
    return None


TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def _rows(conn: psycopg.Connection, office_uuid: str, table: str) -> Iterator[dict]:
    # Ordered by the office's creation time where the row has one, then by gid: a stable order for ids.
    with conn.cursor(name=None) as cur:
        cur.execute("SELECT data FROM records WHERE office = %s AND tbl = %s "
                    "ORDER BY data->>'created_at' NULLS FIRST, gid", [office_uuid, table])
        for (data,) in cur:
            yield data if isinstance(data, dict) else json.loads(data)


def _load(db: Database, conn: psycopg.Connection, office_uuid: str, table: Table,
          ids: dict[str, dict[str, int]], deferred: list) -> None:
    columns = {c[1] for c in db.execute(f"PRAGMA table_info([{table.name}])")}
    by_gid_column = {table.gid_column(column): column for column in table.refs}
    mine = ids.setdefault(table.name, {})
    for n, data in enumerate(_rows(conn, office_uuid, table.name), start=1):
        # A link table without an id column (log_households) is numbered by its rowid.
        row: dict[str, object] = {"id" if "id" in columns else "rowid": n}
        for key, value in data.items():
            if key in by_gid_column:
                column = by_gid_column[key]
                target = table.refs[column]
                found = ids.get(target, {}).get(value) if value is not None else None
                row[column] = found
                if value is not None and found is None:
                    # A reference to a row not yet put back (a parent unit listed after its child, a
                    # household's representative among the persons that follow): set once all are in.
                    deferred.append((table.name, column, n, value))
            elif key in columns:
                row[key] = value
        if "path" in columns and "path" not in row:
            row["path"] = ""
        names = list(row)
        db.execute(f"INSERT INTO [{table.name}] ({', '.join(f'[{c}]' for c in names)}) "
                   f"VALUES ({', '.join('?' for _ in names)})", [row[c] for c in names])
        mine[str(data["gid"])] = n


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

    for unit in parents:
        db.execute("UPDATE org_units SET path = ? WHERE id = ?", [path(unit), unit])


