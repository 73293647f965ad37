"""What a file is before the program touches it, and which office an office file belongs to.

Every way of opening a file goes through here first: `classify(path)` looks at the bytes and,
for a SQLite file, at its tables through a read-only connection, so a folder, a text file,
another program's database or a file of a newer schema is refused without a single write.
`db.connect` asks `inspect(conn)` again on its own connection before it sets any pragma that
writes, so no caller can add GridOffice's tables to a stranger's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlcipher3.dbapi2 as sqlite3

from gridoffice.access import keys
from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr
from gridoffice.store.schema import migrations

SQLITE_MAGIC = b"SQLite format 3\x00"
MIGRATION_SET = migrations.name
# Tables a database has before any of our migrations has finished (a new or half-created file).
_BOOKKEEPING = {"_sqlite_migrations", "sqlite_sequence", "sqlite_stat1", "sqlite_stat4"}

NEW, OURS, FOREIGN, NEWER = "new", "ours", "foreign", "newer"
MISSING, FOLDER, NOT_SQLITE, DAMAGED = "missing", "folder", "not_sqlite", "damaged"
# An encrypted office (its key file beside it) that no password has unlocked in this process yet.
LOCKED = "locked"
# Bytes that are neither SQLite nor anything known, with no key file beside them: what an encrypted
# office looks like once its key file is lost (restore brings one back), or a file of something else.
KEYLESS = "keyless"


class NotOurFile(GridOfficeError):
    """The file is not an office file this program may open; `kind` says what it is instead."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def schema_version() -> int:
    """This program's schema version: the number of migration steps it knows."""
    return len(migrations._migrations)


@dataclass(frozen=True)
class Inspection:
    kind: str  # NEW, OURS, FOREIGN or NEWER
    version: int  # steps applied (0 for a new or foreign file)
    tables: tuple[str, ...]  # a foreign file's tables, for the message


def inspect(conn: sqlite3.Connection) -> Inspection:
    """What an open SQLite database holds: nothing yet, an office, another program's data, or a newer office."""
    tables = tuple(r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
    applied: list[str] = []
    if "_sqlite_migrations" in tables:
        applied = [r[0] for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])]
    if not applied:
        own = tuple(t for t in tables if t not in _BOOKKEEPING and not t.startswith("sqlite_"))
        return Inspection(FOREIGN if own else NEW, 0, own)
    known = {m.name for m in migrations._migrations}
    if any(name not in known for name in applied):
        return Inspection(NEWER, len(applied), ())
    return Inspection(OURS, len(applied), ())


def describe(path: str | Path, found: Inspection) -> str:
    """What a foreign or newer file is, in a phrase: '另一个程序的SQLite数据库（其中的表：…）'."""
    if found.kind == FOREIGN:
        shown = "、".join(found.tables[:5])
        more = tr(" 等 {n} 张").format(n=len(found.tables)) if len(found.tables) > 5 else ""
        return tr("另一个程序的SQLite数据库（其中的表：{tables}{more}）").format(tables=shown, more=more)
    return tr("更新版本的网格通的数据文件（数据格式第 {theirs} 版，本程序只认识到第 {ours} 版）").format(
        theirs=found.version, ours=schema_version())


def refusal(path: str | Path, found: Inspection) -> NotOurFile | None:
    """The error to raise for a foreign or newer file, or None when the program may open it."""
    name = Path(path).name
    if found.kind == FOREIGN:
        return NotOurFile(FOREIGN, tr("“{name}”是{what}，不是网格通的数据文件。程序没有打开它，也没有改动它。"
                                      "请选择本单位的数据文件（一般是 .db 文件）。")
                          .format(name=name, what=describe(path, found)))
    if found.kind == NEWER:
        return NotOurFile(NEWER, tr("“{name}”是{what}。为免损坏数据，本程序不打开它，也没有改动它；"
                                    "请安装新版本的网格通后再打开。").format(name=name, what=describe(path, found)))
    return None


# The files SQLite keeps beside a database while it is open or after a crash.
_SIDECARS = ("-wal", "-shm", "-journal")


def output_refusal(path: str | Path) -> str:
    """Why a document (a workbook, a PDF, a report) may not be written at `path`, or "".

    Writing renames a finished file into place, so a save dialog or a command's -o that names the
    office file, one of its backups, another program's database or the journal beside one would
    replace it whole: `export roster -o office.db` left the office a spreadsheet. Every writer in
    exports/ asks this before it writes anything."""
    path = Path(path)
    for side in _SIDECARS:
        if path.name.endswith(side) and Path(str(path)[:-len(side)]).is_file():
            return tr("“{name}”是数据库旁边的日志文件，不能用作导出文件。请换一个文件名。").format(name=path.name)
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError:  # not there yet (the usual case), or a folder: the writer says so itself
        return ""
    # An encrypted office (or a backup of one) starts with random bytes; its key file beside it tells it.
    if head == SQLITE_MAGIC or keys.path_for(path).is_file():
        return tr("“{name}”是一个数据库文件（可能是本单位的数据文件或它的备份），导出不会覆盖它。"
                  "请换一个文件名，如“花名册.xlsx”。").format(name=path.name)
    return ""


def check_output(path: str | Path) -> None:
    """Raise GridOfficeError when output_refusal() names a reason."""
    if message := output_refusal(path):
        raise GridOfficeError(message)


@dataclass(frozen=True)
class FileKind:
    """What a path holds. `message` is the Chinese sentence for the clerk when it cannot be opened."""

    kind: str
    path: Path
    version: int = 0
    message: str = ""
    what: str = ""  # what the file is instead, in a phrase, for a file that cannot be opened

    @property
    def openable(self) -> bool:
        """A file the program may open for writing, creating its schema where it has none."""
        return self.kind in (NEW, OURS, MISSING)


def _sniff(head: bytes) -> str | None:
    """A plain name for what a non-SQLite file looks like; None when it looks like nothing known."""
    if head.startswith(b"PK\x03\x04"):
        return tr("一个Excel表格或压缩文件")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return tr("一个旧版Office文档（如 .xls 表格）")
    if head.startswith(b"%PDF"):
        return tr("一个PDF文件")
    text = None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            # The head may end inside a character (a Chinese one is 2 to 4 bytes): that is no fault.
            if exc.start >= len(head) - 3:
                text = head[: exc.start].decode(encoding, "replace")
                break
    if text is None:
        return None
    if all(ch.isprintable() or ch in "\r\n\t" for ch in text.rstrip("\x00")):
        return tr("一个文本文件")
    return None


def look(path: Path, key: bytes | None = None) -> sqlite3.Connection:
    """A read-only connection that leaves no -wal or -shm file behind.

    Without a WAL beside it the file alone is the whole database, and `immutable` reads it without
    the shared-memory file a read-only connection to a WAL-mode database would create and could not
    remove. With a WAL present (a writer is open, or crashed) its pages must be read too. An
    encrypted file is read under `key`, or the key this process has unlocked for it.
    """
    uri = f"file:{path.resolve().as_posix()}?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    plain = _is_plain(path)
    key = None if plain else (key or keys.key_for(path))
    conn = sqlite3.connect(uri, uri=True, timeout=10)
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key is not None:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def _is_plain(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def classify(path: str | Path) -> FileKind:
    """Look at a path without writing to it: missing, a folder, not SQLite, damaged, new, ours, foreign or newer."""
    path = Path(path)
    if not path.exists():
        return FileKind(MISSING, path)
    name = path.name
    if path.is_dir():
        return FileKind(FOLDER, path, message=tr("“{name}”是一个文件夹，不是数据文件。请选择文件夹里的数据文件"
                                                 "（一般是 .db 文件）。").format(name=name), what=tr("一个文件夹"))
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError as exc:
        return FileKind(DAMAGED, path, message=tr("无法读取“{name}”：{error}").format(name=name, error=exc.strerror or exc))
    if not head:
        return FileKind(NEW, path)
    encrypted = not head.startswith(SQLITE_MAGIC) and keys.path_for(path).is_file()
    if encrypted and keys.key_for(path) is None:
        return FileKind(LOCKED, path)
    if not head.startswith(SQLITE_MAGIC) and not (encrypted or keys.key_for(path)):
        what = _sniff(head)
        if what is None:
            return FileKind(KEYLESS, path, what=tr("一个不认识的文件"), message=tr(
                "“{name}”读不出来：它可能是加密的数据文件，而旁边的密钥文件“{keys}”不见了；也可能不是网格通的数据文件。"
                "程序没有打开它，也没有改动它。请把密钥文件放回数据文件旁边，或从备份恢复（每份备份都带着密钥文件）。")
                .format(name=name, keys=keys.path_for(path).name))
        return FileKind(NOT_SQLITE, path, message=tr("“{name}”是{what}，不是网格通的数据文件。程序没有打开它，也没有改动它。"
                                                     "请选择本单位的数据文件（一般是 .db 文件）。")
                        .format(name=name, what=what), what=what)
    try:
        conn = look(path)
    except sqlite3.Error as exc:
        return FileKind(DAMAGED, path, message=tr("无法读取“{name}”：{error}").format(name=name, error=exc))
    try:
        found = inspect(conn)
    except sqlite3.DatabaseError as exc:
        return FileKind(DAMAGED, path, message=tr("“{name}”已损坏，无法读取（{error}）。").format(name=name, error=exc))
    finally:
        conn.close()
    refused = refusal(path, found)
    if refused is None:
        return FileKind(found.kind, path, found.version)
    return FileKind(found.kind, path, found.version, refused.message, describe(path, found))


# --- the office's identity -------------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    uuid: str  # '' in a file from before identities (a backup of an older version)
    name: str
    division_code: str  # 12 digits, or '' where the office's node has no statistical code

    def describe(self) -> str:
        text = tr("“{name}”").format(name=self.name) if self.name else tr("未命名的单位")
        if self.division_code:
            text += tr("（区划代码 {code}）").format(code=self.division_code)
        return text


def division_code(code: str | None) -> str:
    """A node's code as a 12-digit statistical division code (county 6, town 9 digits padded), or ''."""
    digits = (code or "").strip()
    if digits.isascii() and digits.isdigit() and len(digits) in (6, 9, 12):
        return digits.ljust(12, "0")
    return ""


def identity_of(conn: sqlite3.Connection) -> Identity:
    """The identity kept in an office file, read through any connection to it."""
    settings = dict(conn.execute(
        "SELECT key, value FROM settings WHERE key IN ('office_uuid', 'office_name', 'office_org_id')").fetchall())
    code = ""
    org = settings.get("office_org_id") or ""
    if org.isdigit():
        row = conn.execute("SELECT code FROM org_units WHERE id = ?", [int(org)]).fetchone()
        code = division_code(row[0]) if row else ""
    return Identity(settings.get("office_uuid", ""), settings.get("office_name", ""), code)


def read_identity(path: str | Path) -> Identity | None:
    """The identity of the office file at path (read-only), or None when it is not a readable office file."""
    if classify(path).kind != OURS:
        return None
    conn = look(Path(path))
    try:
        return identity_of(conn)
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
