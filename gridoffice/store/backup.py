"""Backups through SQLite's online backup API, checked, rotated on a thinning schedule, and restored.

A backup is never a file copy of a live database (a copy taken mid-write is torn); the backup API
reads a consistent snapshot through a connection. Each new backup passes `PRAGMA integrity_check`
before any older one is removed, so a bad backup never costs a good one.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path, PurePath

import sqlcipher3.dbapi2 as sqlite3

from gridoffice.access import keys
from gridoffice.audit import trail, anchors
from gridoffice.store import officefile
from gridoffice.store import db as database
from gridoffice.store import lock as locking
from gridoffice.store.db import connect, export_plain, fold_wal, is_plain, key_of, migrate, raw_connect
from gridoffice.errors import GridOfficeError, NotFound
from gridoffice.i18n import tr
from gridoffice.store.storage import integrity_problems, move_aside, network_location, storage_errors

STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})\.db$")


@dataclass(frozen=True)
class Schedule:
    """How many of the newest hourly, daily, weekly and monthly backups to keep."""

    hourly: int = 24
    daily: int = 14
    weekly: int = 8
    monthly: int = 12


DEFAULT_SCHEDULE = Schedule()


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    size: int

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class BackupResult:
    backup: BackupInfo
    seconds: float
    removed: tuple[Path, ...]
    manifest: "Manifest"


MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = "gridoffice-backup-manifest"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written beside it: whose it is, its schema, its audit head and its checksum.

    The anchor is a copy of the trail's head kept outside the office file: `audit check --anchor`
    with it proves the trail was not cut or rewritten since this backup.
    """

    office_uuid: str
    office_name: str
    division_code: str
    taken_at: str
    schema_version: int
    audit_entries: int
    anchor: str
    sha256: str
    size: int


def manifest_path(backup_path: str | Path) -> Path:
    return Path(str(backup_path) + MANIFEST_SUFFIX)


def _describe(path: Path, taken: dt.datetime, key: bytes | None = None) -> Manifest:
    """The manifest of a finished backup file, read from the file itself (under the office's key)."""
    conn = officefile.look(path, key=key)
    try:
        found = officefile.inspect(conn)
        who = officefile.identity_of(conn)
        entries = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        anchor = anchors.head(conn).code
    finally:
        conn.close()
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return Manifest(who.uuid, who.name, who.division_code, taken.strftime("%Y-%m-%d %H:%M:%S"), found.version,
                    entries, anchor, digest.hexdigest(), path.stat().st_size)


def read_manifest(backup_path: str | Path) -> Manifest | None:
    """The manifest beside a backup, or None when it has none (older backups) or it cannot be read."""
    try:
        data = json.loads(manifest_path(backup_path).read_text(encoding="utf-8"))
        if data.pop("format", None) != MANIFEST_FORMAT:
            return None
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def _write_manifest(manifest: Manifest, target: Path) -> None:
    data = {"format": MANIFEST_FORMAT, **manifest.__dict__}
    target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _fsync(target)


def default_dir(db_path: str | PurePath) -> PurePath:
    """The backup folder beside the office file (a PureWindowsPath stays one, for tests of Windows paths)."""
    p = db_path if isinstance(db_path, PurePath) else Path(db_path)
    return p.with_name(f"{p.stem}-备份")


def _dir(db_path: str | Path, dest_dir: str | Path | None) -> Path:
    return Path(dest_dir) if dest_dir is not None else default_dir(db_path)


def list_backups(db_path: str | Path, dest_dir: str | Path | None = None) -> list[BackupInfo]:
    """The backups of this file, newest first."""
    folder = _dir(db_path, dest_dir)
    stem = Path(db_path).stem
    found = []
    if folder.is_dir():
        for entry in folder.iterdir():
            m = _NAME.match(entry.name)
            if not m or m.group("stem") != stem or not entry.is_file():
                continue
            found.append(BackupInfo(entry, dt.datetime.strptime(m.group("stamp"), STAMP), entry.stat().st_size))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def newest_good_backup(db_path: str | Path, dest_dir: str | Path | None = None) -> Path | None:
    """The newest backup that passes integrity_check (older ones are tried when a newer one is bad)."""
    for info in list_backups(db_path, dest_dir):
        if not integrity_problems(info.path):
            return info.path
    return None


def thin(times: list[dt.datetime], schedule: Schedule = DEFAULT_SCHEDULE) -> set[dt.datetime]:
    """Which backup times to keep: the newest in each of the last N hours, days, ISO weeks and months."""
    newest_first = sorted(times, reverse=True)
    keep: set[dt.datetime] = set(newest_first[:1])
    rules = (
        (schedule.hourly, lambda t: (t.year, t.month, t.day, t.hour)),
        (schedule.daily, lambda t: t.date()),
        (schedule.weekly, lambda t: t.isocalendar()[:2]),
        (schedule.monthly, lambda t: (t.year, t.month)),
    )
    for count, key in rules:
        seen: set = set()
        for t in newest_first:
            if len(seen) >= count:
                break
            k = key(t)
            if k not in seen:
                seen.add(k)
                keep.add(t)
    return keep


def _copy(src_path: Path, target: Path, *, progress=None, key: bytes | None = None) -> None:
    """Online backup of src_path into target (a new file under the same data key), left in
    rollback-journal mode. The backup API copies pages through both connections' codecs; a plain
    file (a backup of an earlier version) is exported into an encrypted one under `key`."""
    if key is not None and is_plain(src_path):
        export_plain(src_path, target, key)
        return
    key = key_of(src_path)
    src = raw_connect(src_path, readonly=True, timeout=3 * database.BUSY_SECONDS, key=key)
    try:
        src.isolation_level = None
        # A read lock first, taken within the busy timeout: the backup API itself retries a locked
        # file forever (a writer in rollback-journal mode, on a network share, locks readers out).
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # A plain office not yet converted (no log-in has opened it) restores plain; its log-in
        # encrypts it and its copies.
        dst = sqlite3.connect(str(target)) if key is None and is_plain(src_path) else raw_connect(target, key=key)
        try:
            # One step: the snapshot stays consistent even while the program keeps writing (WAL).
            src.backup(dst, pages=-1, progress=progress)
            dst.execute("PRAGMA journal_mode = DELETE")
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_with_journal(path: Path) -> None:
    for p in (path, Path(str(path) + "-journal"), keys.path_for(path)):
        if p.exists():
            p.unlink()


def _remove_leftovers(folder: Path, stem: str, tmp: Path) -> None:
    """Half-written backups of a program that was killed; an hour old, so no other backup is still at work."""
    _unlink_with_journal(tmp)
    cutoff = time.time() - 3600
    for p in folder.glob(f"{glob.escape(stem)}-*.db.tmp*"):
        if p.stat().st_mtime < cutoff:
            p.unlink()


def backup_now(db_path: str | Path, dest_dir: str | Path | None = None, *,
               schedule: Schedule | None = DEFAULT_SCHEDULE, now: dt.datetime | None = None) -> BackupResult:
    """Take a backup, check it, then thin the older ones (schedule=None keeps them all)."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise NotFound(tr("找不到数据文件“{path}”").format(path=db_path))
    folder = _dir(db_path, dest_dir)
    started = time.perf_counter()
    taken = (now or dt.datetime.now()).replace(microsecond=0)
    existing = {b.taken_at for b in list_backups(db_path, folder)}
    while taken in existing:
        taken += dt.timedelta(seconds=1)
    final = folder / f"{db_path.stem}-{taken.strftime(STAMP)}.db"
    tmp = final.with_name(final.name + ".tmp")
    # Named so the leftovers of a killed run match the same pattern as the backup's own.
    tmp_manifest = final.with_name(final.name + ".tmp" + MANIFEST_SUFFIX)
    with storage_errors():
        folder.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(folder, db_path.stem, tmp)
        try:
            _copy(db_path, tmp)
            problems = integrity_problems(tmp, key=key_of(db_path))
            if problems:
                raise GridOfficeError(tr("新备份没有通过完整性检查（{first}），已丢弃，旧备份都保留着。请检查磁盘后再试。")
                                      .format(first=problems[0]))
            _fsync(tmp)
            manifest = _describe(tmp, taken, key_of(db_path))
            _write_manifest(manifest, tmp_manifest)
            # The key material goes first: a backup never lies there without what opens it.
            keys.copy(db_path, final)
            os.replace(tmp, final)
            os.replace(tmp_manifest, manifest_path(final))
        finally:
            _unlink_with_journal(tmp)
            tmp_manifest.unlink(missing_ok=True)
    info = BackupInfo(final, taken, final.stat().st_size)
    removed: list[Path] = []
    if schedule is not None:
        backups = list_backups(db_path, folder)
        keep = thin([b.taken_at for b in backups], schedule)
        for b in backups:
            if b.taken_at not in keep:
                _unlink_with_journal(b.path)
                manifest_path(b.path).unlink(missing_ok=True)
                removed.append(b.path)
    return BackupResult(info, time.perf_counter() - started, tuple(removed), manifest)


def due(db_path: str | Path, dest_dir: str | Path | None = None, *, every: dt.timedelta = dt.timedelta(hours=1),
        now: dt.datetime | None = None) -> bool:
    """Whether the newest backup is older than `every` (the GUI's timer asks this)."""
    backups = list_backups(db_path, dest_dir)
    return not backups or (now or dt.datetime.now()) - backups[0].taken_at >= every


def backup_if_due(db_path: str | Path, dest_dir: str | Path | None = None, *,
                  every: dt.timedelta = dt.timedelta(hours=1)) -> BackupResult | None:
    """The automatic backup: taken when the newest one is older than `every` (on open, then by a timer)."""
    if not Path(db_path).exists() or not due(db_path, dest_dir, every=every):
        return None
    return backup_now(db_path, dest_dir)


def _check_restorable(db_path: Path, backup_path: Path) -> tuple[officefile.Identity, officefile.Identity | None]:
    """The backup's identity and the current file's (None when there is no readable office to compare).

    Refuses, before anything is written, a backup that is not a sound office file of this office.
    """
    found = officefile.classify(backup_path)
    name = backup_path.name
    if found.kind in (officefile.FOLDER, officefile.NOT_SQLITE, officefile.KEYLESS, officefile.FOREIGN,
                      officefile.NEWER):
        raise officefile.NotOurFile(found.kind, tr("“{name}”是{what}，不是本单位的备份，不能用来恢复；数据文件没有改动。"
                                                   "请选择另一份备份。").format(name=name, what=found.what))
    if found.kind == officefile.LOCKED:
        raise officefile.NotOurFile(found.kind, tr("“{name}”是加密的数据文件，本单位的密钥打不开它，不是本单位的备份，"
                                                   "不能用来恢复；数据文件没有改动。请选择另一份备份。").format(name=name))
    if found.kind == officefile.NEW:
        raise GridOfficeError(tr("“{name}”是空的，里面没有任何数据，不能用来恢复；请选择另一份备份。").format(name=name))
    problems = integrity_problems(backup_path)
    if problems or found.kind == officefile.DAMAGED:
        raise GridOfficeError(tr("备份“{name}”已损坏（{first}），不能用来恢复；请选择另一份备份。").format(
            name=name, first=problems[0] if problems else found.message))
    theirs = officefile.read_identity(backup_path)
    if theirs is None:
        raise GridOfficeError(tr("备份“{name}”无法读取，不能用来恢复；请选择另一份备份。").format(name=name))
    mine = officefile.read_identity(db_path) if db_path.is_file() else None
    if mine is None or not mine.uuid:
        return theirs, mine
    if theirs.uuid and theirs.uuid != mine.uuid:
        raise officefile.NotOurFile("other_office", tr(
            "“{name}”是另一单位{theirs}的数据文件，不是本单位{mine}的备份，不能用来恢复；数据文件没有改动。"
            "请选择本单位的备份。").format(name=name, theirs=theirs.describe(), mine=mine.describe()))
    if not theirs.uuid and theirs.name != mine.name:
        raise officefile.NotOurFile("other_office", tr(
            "“{name}”是旧版本的数据文件，记的单位是{theirs}，与本单位{mine}不同，不能用来恢复；数据文件没有改动。"
            "请选择本单位的备份。").format(name=name, theirs=theirs.describe(), mine=mine.describe()))
    return theirs, mine


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    kept_aside: Path | None


def restore(db_path: str | Path, backup_path: str | Path, *, held: locking.OfficeLock | None = None,
            actor: str = "system", wait: float = 0.0) -> RestoreResult:
    """Replace the office file with a backup; the current file is first kept aside, untouched.

    Refuses (LockHeld) while another program has the file open. A program restoring its own file
    passes its lock as `held` after closing its connections.
    """
    db_path, backup_path = Path(db_path), Path(backup_path)
    if not backup_path.exists():
        raise NotFound(tr("找不到备份文件“{path}”").format(path=backup_path))
    theirs, mine = _check_restorable(db_path, backup_path)
    own = held is None
    current = held or locking.acquire(db_path, wait=wait)
    try:
        with storage_errors():
            kept = None
            office_key = key_of(db_path) if db_path.exists() else None
            if db_path.exists():
                if not integrity_problems(db_path, quick=True):
                    # Fold the WAL in first, so the file kept aside is complete on its own.
                    conn = raw_connect(db_path, timeout=3 * database.BUSY_SECONDS)
                    try:
                        fold_wal(conn)
                    finally:
                        conn.close()
                kept = move_aside(db_path, "before-restore")
            tmp = db_path.with_name(db_path.name + ".restoring")
            _unlink_with_journal(tmp)
            try:
                _copy(backup_path, tmp, key=office_key)
                _fsync(tmp)
                # The backup's key file holds the slots of the users in the backup; a plain backup of
                # an earlier version, now encrypted under the office's key, keeps the office's.
                if keys.path_for(backup_path).exists() or kept is not None:
                    keys.copy(backup_path if keys.path_for(backup_path).exists() else kept, db_path)
                os.replace(tmp, db_path)
            finally:
                _unlink_with_journal(tmp)
            db = connect(db_path, wal=network_location(db_path) is None)
            try:
                if mine is not None and mine.uuid and not theirs.uuid:
                    # A backup from before identities: it is this office's (checked by name), so it keeps its id.
                    with db.atomic():
                        db.execute("INSERT INTO settings(key, value) VALUES('office_uuid', ?)", [mine.uuid])
                migrate(db, db_path)
                trail.set_actor(db, actor)
                with db.atomic():
                    trail.record(db, "restore", None, None, new={
                        "backup": backup_path.name, "kept_aside": kept.name if kept else None})
            finally:
                db.close()
        return RestoreResult(backup_path, kept)
    finally:
        if own:
            current.release()

