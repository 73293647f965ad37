"""Temporary files that may hold personal data: beside their target, owner-only, never left behind.

A document is written under a temporary name in the target's folder (so the final rename stays on
one file system), readable by its owner only, and renamed into place once complete and once its
audit entry has committed: no file exists without its entry. Every exit path removes the temporary
file; one that a killed program left behind is removed when the process that made it is gone or it
is a day old (`clean_leftovers`): the next time a file is written to that folder, and at the next
start of the program or of any command (`clean_at_start`), which finds the folders in the user's
own list of places where temporary files were made (`places_folder`, folder names only).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import struct
import sys
import time
import zlib
from pathlib import Path
from typing import Callable, Iterator

PREFIX = ".gridoffice-tmp-"
STALE_SECONDS = 24 * 3600
SPOOL_CHUNK = 1 << 20


def places_folder() -> Path:
    """Where the places of temporary files are listed, one small file per folder: the user's own
    state folder (GRIDOFFICE_STATE_DIR overrides it)."""
    base = os.environ.get("GRIDOFFICE_STATE_DIR")
    if base:
        return Path(base) / "temp-places"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home()) / "GridOffice" / "temp-places"
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "gridoffice" / "temp-places"


def _remember(folder: Path) -> None:
    """Note `folder` (after a temporary file is made there, so a clean at start that drops the note
    meanwhile sees the file and keeps it)."""
    try:
        text = str(folder.resolve())
        places = places_folder()
        places.mkdir(parents=True, exist_ok=True, mode=0o700)
        (places / hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]).write_text(text, encoding="utf-8")
    except OSError:
        pass  # an unlisted folder is still cleaned by the next file written into it


def _has_temporaries(folder: Path) -> bool:
    try:
        return next(folder.glob(f"{PREFIX}*"), None) is not None
    except OSError:
        return False


def clean_at_start() -> list[Path]:
    """Remove what killed runs left in every listed folder; forget the folders left empty. Called
    when the window or a command starts: a killed export's leftover does not wait for the next
    export into the same folder."""
    removed: list[Path] = []
    try:
        notes = list(places_folder().iterdir())
    except OSError:
        return removed
    for note in notes:
        try:
            folder = Path(note.read_text(encoding="utf-8"))
        except (OSError, UnicodeError):
            note.unlink(missing_ok=True)
            continue
        removed += clean_leftovers(folder)
        if not _has_temporaries(folder):
            note.unlink(missing_ok=True)
            if _has_temporaries(folder):  # made by a run that started meanwhile: listed again
                _remember(folder)
    return removed


def _name(suffix: str) -> str:
    return f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


@contextlib.contextmanager
def beside(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """An empty owner-only file next to `target`; removed on leaving unless it was renamed away."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    clean_leftovers(folder)
    tmp = folder / _name(suffix or target.suffix)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    _remember(folder)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


class Spool:
    """Bytes too many to hold in memory (a package's rows, a roster's sheet), compressed and encrypted
    under a key that lives only in this object, in an owner-only file beside `target`; removed on
    leaving. What a killed run leaves there is unreadable, and the next start removes it."""

    def __init__(self, target: str | Path):
        # Imported here: every start cleans leftovers through this module, few write a spool.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._context = beside(target, ".spool")
        self.aead = AESGCM(AESGCM.generate_key(bit_length=256))
        self.prefix = secrets.token_bytes(8)
        self.number = 0
        self.zip = zlib.compressobj(1)
        self.buffer: list[bytes] = []
        self.size = 0

    def __enter__(self) -> "Spool":
        self.path = self._context.__enter__()
        self.file = self.path.open("wb")
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()
        self._context.__exit__(*exc)

    def write(self, data: bytes) -> int:
        self.buffer.append(bytes(data))
        self.size += len(data)
        if self.size >= SPOOL_CHUNK:
            self._flush()
        return len(data)

    def _nonce(self, number: int) -> bytes:
        return self.prefix + struct.pack(">I", number)

    def _flush(self) -> None:
        packed = self.zip.compress(b"".join(self.buffer)) + self.zip.flush(zlib.Z_SYNC_FLUSH)
        self.buffer, self.size = [], 0
        sealed = self.aead.encrypt(self._nonce(self.number), packed, None)
        self.number += 1
        self.file.write(struct.pack(">I", len(sealed)) + sealed)

    def replay(self) -> Iterator[bytes]:
        """What was written, decrypted chunk by chunk; the spool takes no more writes after."""
        if self.buffer:
            self._flush()
        self.file.close()
        unzip = zlib.decompressobj()
        with self.path.open("rb") as f:
            for number in range(self.number):
                (length,) = struct.unpack(">I", f.read(4))
                yield unzip.decompress(self.aead.decrypt(self._nonce(number), f.read(length), None))


def commit(tmp: Path, target: str | Path, before_rename: Callable[[], object] | None = None) -> Path:
    """Flush `tmp` to disk, run `before_rename` (the audit entry), then rename it over `target`."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if before_rename is not None:
        before_rename()
    os.replace(tmp, target)
    return Path(target)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_leftovers(folder: str | Path, *, now: float | None = None) -> list[Path]:
    """Remove the temporary files and folders a killed run left in `folder`; returns what went."""
    folder = Path(folder)
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(folder.glob(f"{PREFIX}*"))
    except OSError:
        return removed
    for entry in entries:
        try:
            pid = int(entry.name[len(PREFIX):].split("-", 1)[0])
        except ValueError:
            pid = -1
        try:
            old = now - entry.stat().st_mtime > STALE_SECONDS
        except OSError:
            continue
        if pid == os.getpid() or (pid > 0 and _alive(pid) and not old):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed
