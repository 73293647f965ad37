"""The one place an office file is opened for a user: throttle, unlock a key slot, open, authenticate.

The window's log-in dialog and every command come through `log_in`. The file cannot be read before
a password has unlocked its data key, so the name and password come first. A wrong password and an
unknown name get the same answer after the same work (a dummy slot is unwrapped for an unknown
name); after a few failures each further try of a name waits longer (1, 2, 4 … 60 s), counted in a
small file beside the key file so a new process does not start afresh. Nothing locks an account for
good: a stranger can make an administrator wait at most a minute, never shut them out.

A plain office of an earlier version is checked against its stored password hashes, then converted
to an encrypted file (and its plain backups and copies with it) before it is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlite_utils import Database

from gridoffice.access import keys
from gridoffice.audit import trail
from gridoffice.store import lock as locking
from gridoffice.store.db import connect, export_plain, fold_wal, is_plain, raw_connect
from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_text
from gridoffice.access.scope import Scope, bind
from gridoffice.access.users import ROLES, LoginFailed, User, _user, login as legacy_login, scope_of
from gridoffice.changes import Changes, writes

THROTTLE_SUFFIX = ".logins"
FREE_FAILURES = 3  # tries before the first wait: a typo or two costs nothing
MAX_WAIT = 60.0
_KEEP_NAMES = 200  # the throttle file keeps the most recent names only


def wrong() -> LoginFailed:
    return LoginFailed(tr("用户名或密码不正确"))


class Throttled(LoginFailed):
    def __init__(self, seconds: float):
        super().__init__(tr("登录失败次数过多，请{n}秒后再试").format(n=max(1, int(seconds + 0.999))))
        self.seconds = seconds


# --- throttling ------------------------------------------------------------------------------

def _throttle_path(db_path: Path) -> Path:
    return Path(str(db_path) + THROTTLE_SUFFIX)


def _name_key(name: str) -> str:
    # Tried names are not written down in the clear: a mistyped password can be a name.
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def _load(db_path: Path) -> dict:
    try:
        data = json.loads(_throttle_path(db_path).read_bytes())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save(db_path: Path, data: dict) -> None:
    if len(data) > _KEEP_NAMES:
        data = dict(sorted(data.items(), key=lambda kv: kv[1].get("last", 0))[-_KEEP_NAMES:])
    try:
        keys.write_atomic(_throttle_path(db_path), json.dumps(data).encode("utf-8"))
    except OSError:
        pass  # a read-only folder: the wait then lasts as long as this process


def delay_after(failures: int) -> float:
    if failures < FREE_FAILURES:
        return 0.0
    return min(2.0 ** (failures - FREE_FAILURES), MAX_WAIT)


def wait_seconds(db_path: str | Path, name: str, *, now: float | None = None) -> float:
    """How long this name must wait before its next try (0 when it may try now)."""
    entry = _load(Path(db_path)).get(_name_key(clean_text(name)))
    if not entry:
        return 0.0
    now = time.time() if now is None else now
    return max(0.0, float(entry.get("last", 0)) + delay_after(int(entry.get("failures", 0))) - now)


def _counts_locked(db_path: Path):
    """Held around each read-modify-write of the counts: two processes failing at the same instant
    would otherwise both read n and both write n + 1, and a guesser running many at once would
    lose the waits it earned."""
    return locking.briefly(Path(str(_throttle_path(db_path)) + ".lock"))


def _failed(db_path: Path, name: str, now: float) -> None:
    with _counts_locked(db_path):
        data = _load(db_path)
        entry = data.get(_name_key(name), {})
        data[_name_key(name)] = {"failures": int(entry.get("failures", 0)) + 1, "last": now}
        _save(db_path, data)


def _succeeded(db_path: Path, name: str) -> None:
    with _counts_locked(db_path):
        data = _load(db_path)
        if data.pop(_name_key(name), None) is not None:
            _save(db_path, data)


# --- opening ---------------------------------------------------------------------------------

@dataclass
class Session:
    """What log_in opened: `handle` is what the opener returned (a Database or an OpenOffice)."""

    handle: object
    user: User
    path: Path
    recovery_code: str | None = None  # set once, when this log-in converted a plain office

    @property
    def db(self) -> Database:
        return getattr(self.handle, "db", self.handle)

    @property
    def scope(self) -> Scope:
        """What the logged-in user may see and change (users.scope_of)."""
        return scope_of(self.db, self.user)

    def close(self) -> None:
        self.handle.close()


def _writable(db: Database) -> bool:
    return not db.execute("PRAGMA query_only").fetchone()[0] and not _readonly_uri(db)


def _readonly_uri(db: Database) -> bool:
    try:
        db.execute("PRAGMA user_version = user_version")  # a no-op write is refused on mode=ro
        return False
    except Exception:  # noqa: BLE001 - any refusal means this connection cannot write
        return True


@writes(Changes.NONE)
def authenticate(db: Database, name: str, *, record: bool = True) -> User:
    """The user named `name` on an unlocked file, made the connection's actor; the key slot has
    already proven the password, so only the account's state is checked here."""
    row = db.execute("SELECT id, name, display_name, role, org_id, status FROM users WHERE name = ?",
                     [name]).fetchone()
    if row is None or row[3] not in ROLES:
        raise wrong()
    user = _user(row)
    if user.status != "active":
        # Only someone who gave this account's password reads this.
        raise LoginFailed(tr("此账号已停用，请联系系统管理员"))
    trail.set_actor(db, user.name)
    # Writes on this connection are then checked against the user's scope, as the window's are.
    bind(db, scope_of(db, user))
    if record:
        with db.atomic():
            db.execute("UPDATE users SET failed_logins = 0, last_login = datetime('now', 'localtime') WHERE id = ?",
                       [user.id])
            trail.record(db, "login", "users", user.id)
    return user


def create_office(path: str | Path, admin_name: str, admin_password: str, *, display_name: str = ""
                  ) -> tuple[Database, str]:
    """A new encrypted office file with its administrator; returns the open file (acting as the
    administrator) and the recovery code, which is shown once and never stored in the clear."""
    from gridoffice.access import users
    from gridoffice.store.db import open_db

    path = Path(path)
    # A key file without its data file is still another office's (a backup or restore may need it).
    for taken in (path, keys.path_for(path)):
        if taken.exists() and (taken.stat().st_size or taken != path):
            raise GridOfficeError(tr("文件{path}已存在，请换一个保存位置").format(path=taken))
    users.check_new_account(admin_name, admin_password)
    path.parent.mkdir(parents=True, exist_ok=True)
    _, code = keys.create(path)
    try:
        db = open_db(path)
        trail.set_actor(db, clean_text(admin_name))
        # The first account of a new office, made with the file: nobody else could make it.
        users.create_first_admin(db, admin_name, admin_password, display_name=display_name)
    except BaseException:
        for leftover in (path, *keys.companions(path)):
            leftover.unlink(missing_ok=True)
        raise
    return db, code


def default_opener(path: Path) -> Database:
    return connect(path)


@writes(Changes.NONE)
def log_in(path: str | Path, name: str, password: str, *,
           opener: Callable[[Path], object] = default_opener, now: float | None = None) -> Session:
    """Throttle, unlock, open with `opener(path)`, authenticate. Raises LoginFailed (or Throttled)
    with the same message for an unknown name and a wrong password, and GridOfficeError when the
    file cannot be opened."""
    path = Path(path)
    name = clean_text(name)
    now = time.time() if now is None else now
    wait = wait_seconds(path, name, now=now)
    if wait > 0:
        raise Throttled(wait)
    if not path.is_file():
        raise GridOfficeError(tr("找不到数据文件“{path}”").format(path=path))
    code = None
    if is_plain(path):
        code = _convert_after_log_in(path, name, password, now)
    keyfile = keys.read(path)
    if keyfile is None:
        raise GridOfficeError(tr("数据文件“{name}”已加密，但旁边没有它的密钥文件“{keys}”。请把密钥文件放回原处，"
                                 "或从备份恢复（每份备份都带着密钥文件）。").format(
            name=path.name, keys=keys.path_for(path).name))
    data_key = keys.unlock(keyfile, name, password)
    if data_key is None:
        _failed(path, name, now)
        raise wrong()
    handle = opener(path)
    try:
        db = getattr(handle, "db", handle)
        user = authenticate(db, name, record=_writable(db))
        if keys.is_legacy(keyfile, name):
            keys.set_password(path, data_key, name, password)
    except BaseException:
        handle.close()
        raise
    _succeeded(path, name)
    return Session(handle, user, path, code)


def recover(path: str | Path, code: str, name: str, new_password: str, *, now: float | None = None) -> User:
    """The recovery code opens the file and sets a new password for an administrator; the state of
    the account is left as it is, and the entry names the recovery code as how it was done."""
    from gridoffice.access import users
    from gridoffice.store import opening

    path = Path(path)
    now = time.time() if now is None else now
    wait = wait_seconds(path, keys.RECOVERY, now=now)
    if wait > 0:
        raise Throttled(wait)
    keyfile = keys.read(path)
    if keyfile is None or is_plain(path):
        raise GridOfficeError(tr("这个数据文件还没有加密，没有恢复码；请用管理员账号登录一次，程序会给它加密并显示恢复码"))
    if keys.unlock_with_recovery(keyfile, code) is None:
        _failed(path, keys.RECOVERY, now)
        raise LoginFailed(tr("恢复码不正确，请对照打印的恢复码重新输入"))
    _succeeded(path, keys.RECOVERY)
    with opening.OpenOffice(path) as office:
        trail.set_actor(office.db, tr("恢复码"))
        user = users.recover_admin_password(office.db, name, new_password)
    return user


# --- converting a plain office ---------------------------------------------------------------

def _convert_after_log_in(path: Path, name: str, password: str, now: float) -> str:
    """Check the password against the plain file's hash, then encrypt it; returns the recovery code."""
    _refuse_if_not_an_office(path)
    held = locking.acquire(path)
    try:
        db = connect(path)
        try:
            try:
                legacy_login(db, name, password)
            except LoginFailed:
                _failed(path, name, now)
                raise wrong() from None
            hashes = {r[0]: r[1] for r in db.execute(
                "SELECT name, password_hash FROM users WHERE status = 'active' AND name != ?", [name])}
            fold_wal(db)
        finally:
            db.close()
        return convert(path, {name: password}, hashes)
    finally:
        held.release()


def _refuse_if_not_an_office(path: Path) -> None:
    """Looks read-only: another program's file, or an office nobody can log in to yet, is not written."""
    conn = raw_connect(path, readonly=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        accounts = conn.execute("SELECT count(*) FROM users WHERE status = 'active'").fetchone()[0] \
            if "users" in tables else 0
    finally:
        conn.close()
    if "households" not in tables:
        raise GridOfficeError(tr("{path} 不是GridOffice的办公室数据库").format(path=path))
    if not accounts:
        raise GridOfficeError(tr("{path} 还没有账号，无法登录：请先用本程序打开一次，建立系统管理员").format(path=path))


def _export(plain: Path, target: Path, data_key: bytes) -> None:
    """Copy a plain file into a new encrypted one (SQLCipher's export), checked before it is kept."""
    export_plain(plain, target, data_key)
    check = raw_connect(target, key=data_key)
    try:
        problems = [r[0] for r in check.execute("PRAGMA integrity_check") if r[0] != "ok"]
    finally:
        check.close()
    if problems:
        target.unlink(missing_ok=True)
        raise GridOfficeError(tr("加密后的文件没有通过完整性检查（{first}），原文件未改动。").format(first=problems[0]))


def plain_copies(path: Path) -> list[Path]:
    """Plain files of this office: its backups, and the copies kept before migrations, restores and
    repairs beside it."""
    from gridoffice.store.backup import default_dir

    candidates = list(path.parent.glob(f"{path.stem}.*{path.suffix or '.db'}"))
    folder = default_dir(path)
    if folder.is_dir():
        candidates += list(folder.glob(f"{path.stem}-*.db"))
    return sorted(p for p in candidates if p.is_file() and p != path and is_plain(p))


def convert(path: Path, passwords: dict[str, str], hashes: dict[str, str]) -> str:
    """Encrypt a plain office in place under a new data key; returns the recovery code (shown once).

    The encrypted copy is written beside the file, checked, and renamed over it, so a failure leaves
    the plain office as it was. `passwords` become slots; `hashes` (name -> stored scrypt hash) become
    slots the same passwords open until each user's first log-in. Plain backups and copies of the
    office are converted under the same key and get the key file.
    """
    tmp = path.with_name(path.name + ".encrypting")
    data_key, code = keys.create(tmp)
    slots = {keys.user_slot_name(n): keys.wrap(data_key, pw) for n, pw in passwords.items()}
    for n, h in hashes.items():
        slot = keys.wrap_legacy(data_key, h)
        if slot is not None:
            slots[keys.user_slot_name(n)] = slot
    keys.set_slots(tmp, data_key, slots)
    try:
        _export(path, tmp, data_key)
        # The key file first: an encrypted office never lies there without what opens it.
        os.replace(keys.path_for(tmp), keys.path_for(path))
        for side in ("-wal", "-shm", "-journal"):
            Path(f"{path}{side}").unlink(missing_ok=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        keys.path_for(tmp).unlink(missing_ok=True)
    for copy in plain_copies(path):
        encrypted = copy.with_name(copy.name + ".encrypting")
        try:
            _export(copy, encrypted, data_key)
        except Exception:  # noqa: BLE001 - a damaged old copy must not stop the office from opening
            encrypted.unlink(missing_ok=True)
            continue
        keys.copy(path, copy)
        for side in ("-wal", "-shm", "-journal"):
            Path(f"{copy}{side}").unlink(missing_ok=True)
        os.replace(encrypted, copy)
    return code


def verify_key_file(path: str | Path) -> list[str]:
    """What is wrong with the key material of an unlocked office (empty when it is sound)."""
    path = Path(path)
    problems = []
    try:
        keyfile = keys.read(path)
    except keys.KeyFileError as exc:
        return [exc.message]
    if keyfile is None:
        return [tr("没有密钥文件“{name}”").format(name=keys.path_for(path).name)] if not is_plain(path) else []
    data_key = keys.key_for(path)
    if data_key is None or keys.check_value(data_key) != keyfile.check:
        problems.append(tr("密钥文件与数据文件不符"))
    if keys.RECOVERY not in keyfile.slots:
        problems.append(tr("密钥文件里没有恢复码的密钥槽"))
    if not any(k.startswith("user:") for k in keyfile.slots):
        problems.append(tr("密钥文件里没有任何用户的密钥槽"))
    mode = keys.path_for(path).stat().st_mode & 0o777
    if os.name == "posix" and mode & 0o077:
        problems.append(tr("密钥文件可被其他用户读取（权限{mode:o}），应只允许本人读写").format(mode=mode))
    return problems

