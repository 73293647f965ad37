"""Opening an office file: pragmas, the migration copy, and the settings table."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from . import officefile
from .schema import migrations

# How long a connection waits for another program's write to finish before it gives up with
# "database is locked" (which safety.classify turns into a message). Read at call time.
BUSY_SECONDS = 10


def now() -> str:
    """Local wall-clock time, to the second: what a clerk reads in the history."""
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def connect(path: str | Path, *, readonly: bool = False, wal: bool = True) -> Database:
    """A connection with the pragmas every connection needs; no migrations run.

    Raises officefile.NotOurFile, before any pragma writes, for another program's database or a
    file of a newer schema.
    """
    if readonly:
        conn = sqlite3.connect(f"file:{Path(path).as_posix()}?mode=ro", uri=True, timeout=BUSY_SECONDS,
                               check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_SECONDS, check_same_thread=False)
    try:
        refused = officefile.refusal(path, officefile.inspect(conn))
    except BaseException:
        conn.close()
        raise
    if refused:
        conn.close()
        raise refused
    db = Database(conn, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
    if not readonly:
        # FULL: a committed change must survive a power cut on an office PC.
        db.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}")
        db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA cache_size = -32000")
    return db


def pending_migrations(db: Database) -> list[str]:
    return [m.name for m in migrations.pending(db)]


def migrate(db: Database, path: str | Path | None = None) -> Path | None:
    """Apply pending migrations; an existing file is first copied aside with a timestamp.

    Returns the path of the copy, if one was made.
    """
    pending = pending_migrations(db)
    if not pending:
        return None
    copy = None
    if path is not None and db["settings"].exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        copy = Path(path).with_name(f"{Path(path).stem}.before-{pending[0]}-{stamp}{Path(path).suffix or '.db'}")
        target = sqlite3.connect(str(copy))
        with target:
            db.conn.backup(target)
        target.close()
    migrations.apply(db)
    return copy


def refresh_statistics(db: Database) -> None:
    """Give the query planner row counts after a bulk load.

    Without them SQLite picks the low-selectivity status index for member look-ups (30 ms
    instead of 2 ms per household operation at 50,000 households). analysis_limit keeps
    ANALYZE to a sample, a fraction of a second even for a district file.
    """
    db.execute("PRAGMA analysis_limit = 1000")
    db.execute("ANALYZE")


def open_db(path: str | Path, *, wal: bool = True) -> Database:
    """Open (or create) an office file and bring its schema up to date."""
    db = connect(path, wal=wal)
    migrate(db, path)
    has_stats = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
    if not has_stats and db.execute("SELECT count(*) FROM (SELECT 1 FROM persons LIMIT 1001)").fetchone()[0] > 1000:
        refresh_statistics(db)
    return db


def memory_db() -> Database:
    db = Database(memory=True, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
    return db


def get_setting(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db: Database, key: str, value: str) -> None:
    """Settings are written inside the caller's transaction; audit them where they matter."""
    db.execute(
        "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
