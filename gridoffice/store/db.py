"""Opening an office file: pragmas, the migration copy, and the settings table."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from pathlib import Path

# SQLCipher: the DB-API of the sqlite3 module over encrypted files (plain ones open too, for conversion).
import sqlcipher3.dbapi2 as sqlite3
from sqlite_utils import Database

from gridoffice.access import keys
from gridoffice.store import officefile
from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr
from gridoffice.store.schema import migrations

# How long a connection waits for another program's write to finish before it gives up with
# "database is locked" (which safety.classify turns into a message). Read at call time.
BUSY_SECONDS = 10

PLAIN_MAGIC = b"SQLite format 3\x00"


class Locked(GridOfficeError):
    """The file is encrypted and no password given in this process has unlocked it."""


def now() -> str:
    """Local wall-clock time, to the second: what a clerk reads in the history."""
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def is_plain(path: str | Path) -> bool:
    """An unencrypted SQLite file (an office of an earlier version, or another program's file)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(PLAIN_MAGIC)) == PLAIN_MAGIC
    except OSError:
        return False


def raw_connect(path: str | Path, *, readonly: bool = False, timeout: float = 10, key: bytes | None = None,
                check_same_thread: bool = True) -> sqlite3.Connection:
    """A DB-API connection; an encrypted file gets its data key (given, or unlocked in this process).

    Nothing is ever created in the clear: a new file needs a key like an encrypted one.
    """
    path = Path(path)
    if key is None and not is_plain(path):
        key = keys.key_for(path)
        if key is None and (keys.path_for(path).exists() or not path.exists() or not path.stat().st_size):
            raise Locked(tr("数据文件“{name}”已加密，需要先用账号和密码登录才能打开").format(name=path.name))
        # Without a key file a file that is not SQLite is just that: SQLite says "not a database".
    if not readonly and not path.exists():
        # Owner-only from the first byte; SQLite gives its journal and WAL the file's mode.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if readonly:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=timeout,
                               check_same_thread=check_same_thread)
    else:
        conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=check_same_thread)
    # A damaged or foreign page is reported through the exception, not written to stderr.
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key is not None and not is_plain(path):
        # A raw 256-bit key: no passphrase derivation on each open.
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def export_plain(plain: str | Path, target: str | Path, data_key: bytes) -> None:
    """Copy a plain SQLite file into a new file encrypted under `data_key` (SQLCipher's export;
    the backup API cannot cross between a plain and an encrypted database)."""
    for leftover in (Path(target), Path(f"{target}-journal")):
        leftover.unlink(missing_ok=True)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    conn = sqlite3.connect(str(plain), timeout=30)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{data_key.hex()}'\"", [str(target)])
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.commit()
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()


def key_of(path: str | Path) -> bytes | None:
    """The data key a copy of this file must be written under (None for a plain file)."""
    return None if is_plain(path) else keys.key_for(path)


# Page cache of a connection, in MiB. SQLCipher decrypts a page each time it enters a cache, so the
# connections that answer the clerk again and again keep a large one; the window's background
# readers (id lists, counts, charts) mostly scan more than any cache holds and get a small one.
CACHE_MB = 32
WORKER_CACHE_MB = 4


def connect(path: str | Path, *, readonly: bool = False, wal: bool = True, cache_mb: int = CACHE_MB) -> Database:
    """A connection with the pragmas every connection needs; no migrations run.

    Raises officefile.NotOurFile, before any pragma writes, for another program's database or a
    file of a newer schema, and Locked for an encrypted file no password has unlocked here.
    """
    conn = raw_connect(path, readonly=readonly, check_same_thread=False)
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
    db.execute(f"PRAGMA cache_size = {-1024 * int(cache_mb)}")
    return db


def fold_wal(conn: sqlite3.Connection | Database) -> None:
    """Folds the WAL into the file and empties it, so the file alone is complete (a close, a copy)."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def shrink_memory(db: Database) -> None:
    """Hands the connection's page cache back to the system (it fills again as pages are read)."""
    db.execute("PRAGMA shrink_memory")
    release_freed_memory()


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (Windows, macOS, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> None:
    """Returns freed memory the C allocator keeps to the system. glibc keeps what a thread frees in
    that thread's arena for its next use; a window's dozen reader threads each keep what their last
    list or scan left (25 MB of a district window's 218). malloc_trim gives back the free pages of
    every arena in 1–2 ms. Elsewhere nothing is called: other allocators give memory back themselves."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def has_office_data(path: str | Path) -> bool:
    """Whether the file holds units, households, persons or staff; looks without migrating or writing."""
    db = connect(path, readonly=True)
    try:
        tables = set(db.table_names())
        return any(db.execute(f"SELECT EXISTS(SELECT 1 FROM [{t}])").fetchone()[0]
                   for t in ("org_units", "households", "persons", "staff") if t in tables)
    finally:
        db.close()


def foreign_key_breaks(db: Database) -> list[tuple[str, int, str]]:
    """(table, rowid, referenced table) of every row whose reference points at nothing."""
    return [(table, rowid, parent) for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check")]


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
        if is_plain(path):
            # A plain office (opened before its first log-in converted it) is copied as it is;
            # the conversion encrypts its copies with it (gridoffice.access.session.convert).
            target = sqlite3.connect(str(copy))
        else:
            keys.copy(path, copy)
            target = raw_connect(copy, key=key_of(path))
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
    # In memory nothing reaches the disk; the same module keeps its errors the same classes.
    db = Database(sqlite3.connect(":memory:", check_same_thread=False), execute_plugins=False)
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
