"""Key slots: the office file's random data key, wrapped once per password (as LUKS and KeePass do).

The office file is encrypted with SQLCipher under a raw 256-bit data key, so opening it costs no
key derivation. The key file beside it (`office.db.keys`, JSON, owner-only) holds that key wrapped
under each user's password and under the recovery code: a slot is scrypt(secret, salt) giving 64
bytes, the first 32 XORed with the data key (a one-time pad: every wrap has a fresh salt), the last
32 an HMAC key over the result, which tells a wrong password from a right one. A password change or
a new user rewrites one slot and re-encrypts nothing. The key file travels with every backup and
copy; it is useless without a password or the recovery code.

This process remembers the data keys it has unlocked by office id (the key file names it), so
connections to the office, its backups and its copies all open once one password has been given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr

SUFFIX = ".keys"
FORMAT = "gridoffice-keys"
VERSION = 1
# The same cost as the password hashes: ~50 ms and 16 MB per try on an old office PC.
_N, _R, _P = 2 ** 14, 8, 1
_MAXMEM = 128 * 1024 * 1024
_CHECK_LABEL = b"gridoffice data key check"
RECOVERY = "recovery"
# Recovery codes: 6 groups of 5 from an alphabet without look-alikes (0/O, 1/I/L), ~148 bits.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

_unlocked: dict[str, bytes] = {}


class KeyFileError(GridOfficeError):
    pass


@dataclass(frozen=True)
class KeyFile:
    office_id: str
    check: str  # HMAC of a fixed label under the data key: proves a key belongs to this file
    slots: dict  # slot name ("user:NAME" or "recovery") -> wrapped key


def path_for(db_path: str | Path) -> Path:
    return Path(str(db_path) + SUFFIX)


def companions(path: Path) -> tuple[Path, ...]:
    """The files an office keeps beside its data file: its key file and SQLite's journal."""
    return path_for(path), Path(f"{path}-wal"), Path(f"{path}-shm")


def _user_slot(name: str) -> str:
    return f"user:{name}"


# --- wrapping --------------------------------------------------------------------------------

def _kek(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=64, maxmem=_MAXMEM)


def wrap(data_key: bytes, secret: str) -> dict:
    salt = secrets.token_bytes(16)
    kek = _kek(secret, salt, _N, _R, _P)
    wrapped = bytes(a ^ b for a, b in zip(data_key, kek[:32]))
    mac = hmac.new(kek[32:], wrapped, hashlib.sha256).digest()
    return {"n": _N, "r": _R, "p": _P, "salt": salt.hex(), "key": wrapped.hex(), "mac": mac.hex()}


def unwrap(slot: dict, secret: str) -> bytes | None:
    """The data key, or None for a wrong secret (always the full scrypt cost)."""
    try:
        kek = _kek(secret, bytes.fromhex(slot["salt"]), int(slot["n"]), int(slot["r"]), int(slot["p"]))
    except (KeyError, ValueError, TypeError):
        return None
    return _open_slot(slot, kek)


def _open_slot(slot: dict, kek: bytes) -> bytes | None:
    """The data key a slot wraps under kek, or None when its MAC says kek is not the slot's."""
    try:
        wrapped, mac = bytes.fromhex(slot["key"]), bytes.fromhex(slot["mac"])
    except (KeyError, ValueError, TypeError):
        return None
    if not hmac.compare_digest(hmac.new(kek[32:], wrapped, hashlib.sha256).digest(), mac):
        return None
    return bytes(a ^ b for a, b in zip(wrapped, kek[:32]))


_DUMMY = {"n": _N, "r": _R, "p": _P, "salt": "00" * 16, "key": "00" * 32, "mac": "00" * 32}


def burn(secret: str) -> None:
    """Spend what a real unwrap spends, for a name that has no slot (same time, same answer)."""
    unwrap(_DUMMY, secret)


def _legacy_kek(digest: bytes) -> bytes:
    return hmac.new(digest, b"gridoffice legacy slot", hashlib.sha512).digest()


def wrap_legacy(data_key: bytes, password_hash: str) -> dict | None:
    """A slot for a user of a plain office converted by someone else's log-in, opened by the same
    password through the scrypt hash that office stored; replaced by a fresh slot at the user's first
    log-in. None for a hash this program did not make."""
    try:
        scheme, n, r, p, salt, digest = password_hash.split("$")
        if scheme != "scrypt":
            return None
        kek = _legacy_kek(bytes.fromhex(digest))
    except ValueError:
        return None
    wrapped = bytes(a ^ b for a, b in zip(data_key, kek[:32]))
    mac = hmac.new(kek[32:], wrapped, hashlib.sha256).digest()
    return {"legacy": True, "n": int(n), "r": int(r), "p": int(p), "salt": salt, "dklen": len(digest) // 2,
            "key": wrapped.hex(), "mac": mac.hex()}


def _unwrap_legacy(slot: dict, secret: str) -> bytes | None:
    try:
        digest = hashlib.scrypt(secret.encode("utf-8"), salt=bytes.fromhex(slot["salt"]), n=int(slot["n"]),
                                r=int(slot["r"]), p=int(slot["p"]), dklen=int(slot["dklen"]), maxmem=_MAXMEM)
    except (KeyError, ValueError, TypeError):
        return None
    return _open_slot(slot, _legacy_kek(digest))


def check_value(data_key: bytes) -> str:
    return hmac.new(data_key, _CHECK_LABEL, hashlib.sha256).hexdigest()


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(30))
    return "-".join(raw[i:i + 5] for i in range(0, 30, 5))


def normalise_recovery_code(code: str) -> str:
    raw = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(raw[i:i + 5] for i in range(0, len(raw), 5))


# --- the key file ----------------------------------------------------------------------------

def read(db_path: str | Path) -> KeyFile | None:
    """The key file beside `db_path`; None when there is none. A damaged one raises KeyFileError."""
    p = path_for(db_path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise ValueError
        return KeyFile(str(data["office"]), str(data["check"]), dict(data["slots"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KeyFileError(tr("密钥文件“{name}”已损坏，无法解锁数据文件。请从备份中恢复（备份里带有密钥文件）。")
                           .format(name=p.name)) from None


def write_atomic(target: Path, data: bytes) -> None:
    """Owner-only file written beside its target and renamed into place: never half a file."""
    tmp = target.with_name(f"{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write(db_path: str | Path, keyfile: KeyFile) -> None:
    content = {"format": FORMAT, "version": VERSION, "office": keyfile.office_id, "check": keyfile.check,
               "slots": keyfile.slots}
    write_atomic(path_for(db_path), json.dumps(content, indent=1, sort_keys=True).encode("utf-8"))


def copy(src_db: str | Path, dst_db: str | Path) -> None:
    """Give a copy of the office (a backup, a restored file) the key file of its source."""
    try:
        data = path_for(src_db).read_bytes()
    except FileNotFoundError:
        return
    write_atomic(path_for(dst_db), data)


def create(db_path: str | Path) -> tuple[bytes, str]:
    """A new data key and its key file with the recovery slot; returns (data key, recovery code)."""
    data_key = secrets.token_bytes(32)
    code = new_recovery_code()
    keyfile = KeyFile(base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower(), check_value(data_key),
                      {RECOVERY: wrap(data_key, code)})
    write(db_path, keyfile)
    remember(keyfile, data_key)
    return data_key, code


def set_slots(db_path: str | Path, data_key: bytes, slots: dict) -> None:
    """Add or replace slots (name -> wrapped key) in the key file of `db_path`."""
    keyfile = read(db_path)
    if keyfile is None or not hmac.compare_digest(keyfile.check, check_value(data_key)):
        raise KeyFileError(tr("密钥文件与数据文件不符，无法保存密码。请先运行“检查”。"))
    write(db_path, KeyFile(keyfile.office_id, keyfile.check, {**keyfile.slots, **slots}))


def set_password(db_path: str | Path, data_key: bytes, name: str, password: str) -> None:
    set_slots(db_path, data_key, {_user_slot(name): wrap(data_key, password)})


def remove_user(db_path: str | Path, name: str) -> None:
    keyfile = read(db_path)
    if keyfile is not None and _user_slot(name) in keyfile.slots:
        slots = {k: v for k, v in keyfile.slots.items() if k != _user_slot(name)}
        write(db_path, KeyFile(keyfile.office_id, keyfile.check, slots))


def has_user(keyfile: KeyFile, name: str) -> bool:
    return _user_slot(name) in keyfile.slots


def is_legacy(keyfile: KeyFile, name: str) -> bool:
    return bool(keyfile.slots.get(_user_slot(name), {}).get("legacy"))


def user_slot_name(name: str) -> str:
    return _user_slot(name)


def unlock(keyfile: KeyFile, name: str, password: str) -> bytes | None:
    """The data key for this name and password, or None; the same cost whether the name exists or not."""
    slot = keyfile.slots.get(_user_slot(name))
    if slot is None:
        burn(password)
        return None
    data_key = _unwrap_legacy(slot, password) if slot.get("legacy") else unwrap(slot, password)
    if data_key is None or not hmac.compare_digest(keyfile.check, check_value(data_key)):
        return None
    remember(keyfile, data_key)
    return data_key


def unlock_with_recovery(keyfile: KeyFile, code: str) -> bytes | None:
    slot = keyfile.slots.get(RECOVERY)
    if slot is None:
        burn(code)
        return None
    data_key = unwrap(slot, normalise_recovery_code(code))
    if data_key is None or not hmac.compare_digest(keyfile.check, check_value(data_key)):
        return None
    remember(keyfile, data_key)
    return data_key


# --- the keys this process has unlocked ------------------------------------------------------

def remember(keyfile: KeyFile, data_key: bytes) -> None:
    _unlocked[keyfile.office_id] = data_key


def forget_all() -> None:
    _unlocked.clear()


def key_for(db_path: str | Path) -> bytes | None:
    """The data key of the file at `db_path` if this process has unlocked its office, else None."""
    try:
        keyfile = read(db_path)
    except KeyFileError:
        return None
    return _unlocked.get(keyfile.office_id) if keyfile else None
