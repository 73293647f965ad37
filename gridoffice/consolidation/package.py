"""The package an office sends to its street: every record, the new audit entries, a manifest.

This docstring is the contract the street's store (`consolidate`) is built on.

API
    write_package(db, target, *, by, full=False, at=None)
        A progress generator (`(done, total, message)`, like every long job) that returns a
        `Written` (path, manifest, size). The office must be enrolled (`enroll.py`); `by` is the
        acting Scope (administrators and clerks may package). The file appears only complete: it is
        written beside the target (`tempfiles.beside`), then the audit entry and the office's new
        sequence, package hash and audit head commit, then it is renamed into place. An existing
        file is never overwritten (it may be a package not handed in yet).
    read_package(path, street_private_key, enrolled_offices) -> Package
        `street_private_key`: the street's X25519 private key (`enroll.StreetKey.private`, or its 32
        raw bytes); `enrolled_offices`: office uuid -> the office's Ed25519 public key (32 raw
        bytes, or an `enroll.OfficeCard`). It checks the file's form, the signer and the signature
        over the header and the whole ciphertext before decrypting anything, then decrypts the
        manifest. It raises `errors.PackageRefused` (a Chinese message saying what to do, and
        `reason`: REFUSALS below) for a file that is not a package, a newer or older format, an office not
        enrolled, a signer that is not the enrolled one, altered bytes, or a package for another
        street.
    Package.manifest: Manifest; Package.file_hash: SHA-256 (hex) of the whole file, which the next
        package names as `previous`; Package.tables() yields (table, rows) in TABLE order, rows an
        iterator of dicts; Package.rows(table) is one table as a list; Package.batches() yields
        (table, lines, their SHA-256) without parsing the records (the store's way in). Consume tables() to its end
        before committing what it gave: at the end of each table the reader checks its count and
        hash against the manifest, at the end of the audit its chain, and at the end of the file
        that the bytes read are the ones whose signature was checked; each raises PackageRefused
        (reason CONTENT or ALTERED).

Records: every package carries EVERY record of every travelling table (the office's whole current
state), so whatever a package holds the receiver can check exactness and see a vanished record by
its absence. The audit trail carries the entries after the head of the previous package (all of
them in the first package or with `full=True`); the manifest names the previous head, and the
first entry sent links to it (`prev_hash`).

Manifest fields (`Manifest`, and the JSON the package holds):
    format (FORMAT), schema (the office file's schema version: number of migrations),
    office {uuid, division_code (12 digits or ''), name, org_gid (gid of the office's own org unit)},
    sequence (1, 2, ... per office), previous (file_hash of the package before, None for the first),
    full (the whole audit trail is in it), created_at ('YYYY-MM-DD HH:MM:SS', the office's clock),
    audit {head: {entry, hash}, anchor (audit_anchor code of the head), previous_head: {entry, hash}
    (entry 0 with hash GENESIS when the whole trail is in it), entries (how many are sent)},
    tables {name: {count, hash}} for every name in tables.NAMES, the audit included: the count and
    table_hash of the office's WHOLE current table, not only of what was sent;
    visit_rules {contact class: days between visits} (visits.visit_rules; format 2).

Rows: a dict column -> value (str, int, float or None). A travelling table's row has `gid` and
its own columns, without `id`; each reference `x_id` is `x_gid`, the gid of the record it names
(None where the local id is None); `tables.Table.dropped` columns are left out. An audit row is
the entry as the hash chain wrote it: `gid`, `entry` (its number in the chain), at, actor, action,
table_name, row_id (the local id the chain hashed, kept so the chain can be re-verified), old, new
(JSON text), prev_hash, hash, and `row_gid` (the gid of the row it concerns, where that row is a
travelling record).

Hashes (the one definition; the store calls these functions):
    canonical_row(row) -> bytes: json.dumps(row, sort_keys=True, ensure_ascii=False,
        separators=(",", ":"), allow_nan=False) in UTF-8.
    row_hash(row) -> hex: SHA-256 of canonical_row(row).
    table_hash(row_hashes) -> hex: SHA-256 of the 32-byte digests concatenated in the order of
        their rows' gid (byte order of the lowercase UUID text: ORDER BY gid COLLATE "C" in
        PostgreSQL); SHA-256 of nothing for an empty table. `table_hash_of(rows)` sorts for you.

The file (format 2): MAGIC, a 4-byte big-endian length and the header (canonical JSON: format,
office uuid, signer and street public keys, the ephemeral X25519 public key, the nonce prefix, the
chunk size), then the rows' ciphertext as chunks (4-byte length, AES-256-GCM output with its tag;
nonce = prefix and the chunk's number; the last chunk is marked in its associated data so a cut file
is caught), then the manifest's block (canonical_row(manifest) through zlib, AES-256-GCM with the
nonce number 0xFFFFFFFF and its own associated data) followed by its 4-byte length, then a 64-byte
Ed25519 signature over SIGN_LABEL and the SHA-256 of everything before it. The key is HKDF-SHA256
over the X25519 secret of the ephemeral key and the street's key, bound to the header. The rows'
plaintext is a zlib stream of lines: for each table a line {"table": name, "rows": n} followed by its
n rows, each line exactly canonical_row(row). The manifest comes last because it holds every table's
hash: the writer reads the office once, sealing rows as it reads them; the reader finds the manifest
from the end of the file. A package of format 1 (manifest first) is refused (OLDER_FORMAT) with a
Chinese message asking the office to upgrade and package again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from operator import itemgetter
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generator, Iterator, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlite_utils import Database

from gridoffice.activity import visits
from gridoffice.vocab import CONTACT_CLASSES
from gridoffice.audit import anchors, trail
from gridoffice.store import officefile, tempfiles
from gridoffice.store.db import get_setting, set_setting
from gridoffice.errors import GridOfficeError, PackageRefused, PermissionDenied
from gridoffice.i18n import tr
from gridoffice.access.scope import Scope
from gridoffice.consolidation import LAST_HASH, LAST_HEAD, PACKAGE_ROLES, SEQUENCE, enroll
from gridoffice.consolidation.sealed import (ALTERED, CHUNK, CONTENT, FORMAT, MAGIC, NEWER_FORMAT, NOT_PACKAGE, OLDER_FORMAT, OTHER_STREET,
                                             REFUSALS, SIGN_LABEL, SIGNATURE, UNKNOWN_OFFICE, WRONG_SIGNER, LineReader, Sealer, Source, altered,
                                             content_key, digests, not_package, raw_public, read_header, read_manifest, refuse)
from gridoffice.consolidation.hashing import canonical_row, encode_row, row_hash, table_hash, table_hash_of
from gridoffice.consolidation.tables import AUDIT, NAMES, TABLES, Table

_EMPTY = hashlib.sha256(b"").hexdigest()
# Rows handed to the sealer at once, and between two progress reports.
_BATCH = 4000
# Lines of one table that Package.batches() yields at once (about 2 MB), and the most bytes of
# audit entries (a table's batch is bounded by the piece it comes from).
_READ_LINES = 4096
_READ_BYTES = 8 << 20
_REPORT_EVERY = 20000
__all__ = ["ALTERED", "CONTENT", "FORMAT", "MAGIC", "NEWER_FORMAT", "NOT_PACKAGE", "OLDER_FORMAT", "OTHER_STREET",
           "REFUSALS",
           "UNKNOWN_OFFICE", "WRONG_SIGNER", "Head", "Manifest", "Package", "TableState", "Written", "canonical_row",
           "package_state", "read_package", "row_hash", "table_hash", "table_hash_of", "write_package"]

# --- the manifest -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TableState:
    count: int
    hash: str


@dataclass(frozen=True)
class Head:
    entry: int
    hash: str


@dataclass(frozen=True)
class Manifest:
    format: int
    schema: int
    office_uuid: str
    division_code: str
    office_name: str
    office_org_gid: str | None
    sequence: int
    previous: str | None
    full: bool
    created_at: str
    audit_head: Head
    anchor: str
    previous_head: Head
    audit_entries: int
    tables: dict[str, TableState]
    # Days between visits per contact class (visits.visit_rules): an office setting that does not
    # travel as a record, but the street's monthly summary judges each office's coverage by it.
    visit_rules: dict[int, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "format": self.format, "schema": self.schema,
            "office": {"uuid": self.office_uuid, "division_code": self.division_code, "name": self.office_name,
                       "org_gid": self.office_org_gid},
            "sequence": self.sequence, "previous": self.previous, "full": self.full, "created_at": self.created_at,
            "audit": {"head": {"entry": self.audit_head.entry, "hash": self.audit_head.hash}, "anchor": self.anchor,
                      "previous_head": {"entry": self.previous_head.entry, "hash": self.previous_head.hash},
                      "entries": self.audit_entries},
            "tables": {name: {"count": s.count, "hash": s.hash} for name, s in self.tables.items()},
            "visit_rules": {str(k): v for k, v in sorted(self.visit_rules.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> "Manifest":
        office, sent = data["office"], data["audit"]
        return cls(
            int(data["format"]), int(data["schema"]), str(office["uuid"]), str(office["division_code"]),
            str(office["name"]), office.get("org_gid"), int(data["sequence"]), data["previous"], bool(data["full"]),
            str(data["created_at"]), Head(int(sent["head"]["entry"]), str(sent["head"]["hash"])),
            str(sent["anchor"]),
            Head(int(sent["previous_head"]["entry"]), str(sent["previous_head"]["hash"])),
            int(sent["entries"]),
            {str(name): TableState(int(s["count"]), str(s["hash"])) for name, s in data["tables"].items()},
            _rules(data["visit_rules"]),
        )


def _rules(sent: dict) -> dict[int, int]:
    """The visit rules as an office can set them (visits.set_visit_rule); anything else is a manifest
    that cannot be read (ValueError)."""
    rules = {int(k): int(v) for k, v in sent.items()}
    if not set(rules) <= set(CONTACT_CLASSES) or not all(days in visits.RULE_DAYS for days in rules.values()):
        raise ValueError("visit_rules")
    return rules


# --- reading rows out of the office file --------------------------------------------------------

def _columns(db: Database, table: Table) -> tuple[list[str], list[str], str]:
    """A table's travelling form: the names of its columns, the SQL expression of each, and the
    FROM clause with the joins that turn local references into gids."""
    own = [c[1] for c in db.execute(f"PRAGMA table_info([{table.name}])")]
    names, parts, joins = ["gid"], ["t.gid"], []
    for i, column in enumerate(own):
        if column in ("id", "gid") or column in table.dropped:
            continue
        if column in table.refs:
            joins.append(f"LEFT JOIN [{table.refs[column]}] r{i} ON r{i}.id = t.[{column}]")
            parts.append(f"r{i}.gid")
            names.append(table.gid_column(column))
        else:
            parts.append(f"t.[{column}]")
            names.append(column)
    return names, parts, f"FROM [{table.name}] t {' '.join(joins)}"


def _select(db: Database, table: Table) -> tuple[str, list[str]]:
    """The SELECT of a table's travelling form and the names of its result columns."""
    names, parts, source = _columns(db, table)
    return f"SELECT {', '.join(parts)} {source} ORDER BY t.rowid", names


def _lines_sql(names: list[str], parts: list[str]) -> str:
    """The select list that makes each row's canonical line in SQLite itself: json_object over the
    columns in key order gives the bytes canonical_row gives (checked on every row of a generated
    50,000-household office, and by tests/test_package.py), in half the processor time. Floats are
    the exception (SQLite writes 1e-05 as 1.0e-05): the last column flags a row holding one, which
    the writer encodes in Python instead."""
    ordered = sorted(zip(names, parts))
    pairs = ", ".join(f"'{name}', {part}" for name, part in ordered)
    real = " OR ".join(f"typeof({part}) = 'real'" for part in parts)
    return f"json_object({pairs}), ({real})"


_AUDIT_NAMES = ["gid", "entry", "at", "actor", "action", "table_name", "row_id", "old", "new", "prev_hash", "hash",
                "row_gid"]


def _audit_parts(alias: str) -> list[str]:
    """The expressions of an audit row's columns (_AUDIT_NAMES), the audit table named `alias`."""
    a = alias
    cases = " ".join(f"WHEN '{t.name}' THEN (SELECT gid FROM [{t.name}] WHERE id = {a}.row_id)" for t in TABLES
                     if t.name not in ("log_households", "log_matters"))
    return [f"{a}.gid", f"{a}.id", f"{a}.at", f"{a}.actor", f"{a}.action", f"{a}.table_name", f"{a}.row_id",
            f"{a}.old", f"{a}.new", f"{a}.prev_hash", f"{a}.hash", f"CASE {a}.table_name {cases} END"]


def _audit_select() -> str:
    return f"SELECT {', '.join(_audit_parts('a'))} FROM audit a ORDER BY a.id"


def _rows_as_lines(db: Database, names: list[str], parts: list[str], source: str, *extra: str) -> Iterator[tuple]:
    """(line, *extra) for each row of `source` in rowid order; see _lines_sql."""
    fallback = f"SELECT {', '.join(parts)} {source} WHERE t.rowid = ?"
    more = "".join(f", {e}" for e in extra)
    for line, real, rowid, *rest in db.execute(f"SELECT {_lines_sql(names, parts)}, t.rowid{more} {source} "
                                               "ORDER BY t.rowid"):
        if real:
            line = encode_row(dict(zip(names, db.execute(fallback, [rowid]).fetchone())))
        else:
            line = line.encode("utf-8")
        yield (line, *rest)


# --- writing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Written:
    path: Path
    manifest: Manifest
    size: int
    file_hash: str
    seconds: float


def require_packager(by: Scope) -> None:
    """Administrators and clerks make packages: a package holds the whole office, sensitive tags included."""
    if by.role not in PACKAGE_ROLES:
        raise PermissionDenied(tr("“{role}”角色不能生成上报包；请由系统管理员或工作人员生成").format(role=by.role_label))


def _stamp(at: dt.datetime | None) -> str:
    return (at or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")


def _previous_head(db: Database, full: bool) -> Head:
    text = None if full else get_setting(db, LAST_HEAD)
    if not text:
        return Head(0, trail.GENESIS)
    entry, digest = text.split(" ", 1)
    return Head(int(entry), digest)


def write_package(db: Database, target: str | Path, *, by: Scope, full: bool = False,
                  at: dt.datetime | None = None) -> Generator[tuple[int, int, str], None, Written]:
    """Write the office's package to `target`; see the module docstring."""
    started = time.perf_counter()
    require_packager(by)
    target = Path(target)
    officefile.check_output(target)
    if target.exists():
        raise GridOfficeError(tr("“{name}”已经存在。上报包不覆盖已有的文件（它可能还没交给街道）；"
                                 "请换一个文件名，如“{example}”。").format(
            name=target.name, example=target.with_name(f"{target.stem}-2{target.suffix}").name))
    keys = enroll.office_keys(db)
    identity = officefile.identity_of(db.conn)
    # One read transaction: the package is one moment of the office, while the window keeps writing.
    db.execute("BEGIN")
    try:
        sequence = int(get_setting(db, SEQUENCE, "0")) + 1
        previous = get_setting(db, LAST_HASH) if sequence > 1 else None
        first = sequence == 1 or full
        since = _previous_head(db, first)
        counts = {name: db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in NAMES}
        total = sum(counts.values())
        if since.entry and not db.execute("SELECT 1 FROM audit WHERE id = ? AND hash = ?",
                                          [since.entry, since.hash]).fetchone():
            raise PackageRefused(CONTENT, tr(
                "操作记录中找不到上一个上报包结束时的第{n}条记录：数据文件可能从较早的备份恢复过。"
                "请生成完整上报包（勾选“完整”，或命令加 --full），并告知街道。").format(n=since.entry))
        org = get_setting(db, "office_org_id") or ""
        org_gid = db.execute("SELECT gid FROM org_units WHERE id = ?", [int(org)]).fetchone() if org.isdigit() else None
        with tempfiles.beside(target, ".pkg") as tmp:
            ephemeral = X25519PrivateKey.generate()
            prefix = secrets.token_bytes(8)
            header = canonical_row({
                "format": FORMAT, "office": identity.uuid, "signer": raw_public(keys.signing.public_key()).hex(),
                "street": keys.street.hex(), "ephemeral": raw_public(ephemeral.public_key()).hex(),
                "nonce": prefix.hex(), "chunk": CHUNK,
            })
            key = content_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(keys.street)), header)
            done = 0
            states: dict[str, TableState] = {}
            with tmp.open("wb") as out, Sealer(out, header, key, prefix) as sealer:
                # One pass: each row is hashed, compressed and encrypted as it is read; the manifest,
                # which needs every table's hash, is sealed after the rows.
                sent = db.execute("SELECT count(*) FROM audit WHERE id > ?", [since.entry]).fetchone()[0]
                sections = [(t.name, *_columns(db, t), counts[t.name], ("t.gid",)) for t in TABLES]
                sections.append((AUDIT, _AUDIT_NAMES, _audit_parts("t"), "FROM audit t", sent,
                                 ("t.gid", "t.id", "t.hash")))
                head = Head(0, trail.GENESIS)
                for name, names, parts, source, rows, extra in sections:
                    pairs: list[tuple[str, bytes]] = []
                    batch = [canonical_row({"table": name, "rows": rows})]
                    for line, gid, *entry in _rows_as_lines(db, names, parts, source, *extra):
                        pairs.append((gid, hashlib.sha256(line).digest()))
                        # The whole trail is hashed; only its entries after the previous package's head travel.
                        if entry:
                            head = Head(*entry)
                        if not entry or head.entry > since.entry:
                            batch.append(line)
                            if len(batch) >= _BATCH:
                                sealer.write_lines(batch)
                                batch = []
                        done += 1
                        if done % _REPORT_EVERY == 0:
                            yield done, total, tr("正在打包：{what}").format(what=tr(_LABELS[name]))
                    sealer.write_lines(batch)
                    states[name] = _state(pairs)
                manifest = Manifest(
                    FORMAT, officefile.schema_version(), identity.uuid, identity.division_code, identity.name,
                    org_gid[0] if org_gid else None, sequence, previous, first, _stamp(at), head,
                    anchors.of(head.entry, head.hash).code, since, sent, states, visits.visit_rules(db))
                yield done, total, tr("正在签名上报包")
                file_hash = sealer.close(canonical_row(manifest.to_json()), keys.signing)
                out.flush()
            size = tmp.stat().st_size
            db.execute("ROLLBACK")
            tempfiles.commit(tmp, target, lambda: _record(db, sequence, target, file_hash, head, total, size))
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    yield total, total, tr("上报包已生成")
    return Written(target, manifest, size, file_hash, round(time.perf_counter() - started, 2))


def _state(pairs: list[tuple[str, bytes]]) -> TableState:
    pairs.sort(key=itemgetter(0))  # gids are unique: by the gid alone, twice as fast as by the pair
    digest = hashlib.sha256()
    for _, h in pairs:
        digest.update(h)
    return TableState(len(pairs), digest.hexdigest() if pairs else _EMPTY)


def _record(db: Database, sequence: int, target: Path, file_hash: str, head: Head, records: int, size: int) -> None:
    """The audit entry and the office's package bookkeeping, in one transaction, before the rename.
    A package made at the same moment by another window takes the number first: this one is refused."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if int(get_setting(db, SEQUENCE, "0")) != sequence - 1:
            raise PackageRefused(CONTENT, tr("同时有另一个上报包生成，编号已被占用；请重新生成这个上报包。"))
        trail.record(db, "package", None, None, new={"sequence": sequence, "file": target.name,
                                                     "hash": file_hash, "records": records, "size": size})
        set_setting(db, SEQUENCE, str(sequence))
        set_setting(db, LAST_HASH, file_hash)
        set_setting(db, LAST_HEAD, f"{head.entry} {head.hash}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


_LABELS = {
    "org_units": "组织与网格", "households": "住户", "persons": "人员", "person_tags": "人员标签", "staff": "工作人员",
    "staff_roles": "任职", "teams": "服务团队", "team_members": "团队成员", "contacts": "联系户",
    "matter_categories": "事项类别", "matters": "民情事项", "matter_events": "事项办理过程",
    "matter_meeting_items": "分析会决定", "visits": "走访", "visit_households": "入户记录", "needs": "居民需求",
    "log_entries": "民情日记", "log_households": "日记涉及的户", "log_matters": "日记涉及的事项",
    "log_comments": "日记点评", "office_tags": "本单位登记册", "household_tags": "家庭标签", "team_reviews": "团队点评",
    "must_visits": "必访情形", "visit_campaigns": "集中走访", "campaign_assignments": "集中走访分派",
    "board_slips": "留言板与抄送单", "audit": "操作记录",
}


def _signing_key(enrolled: Mapping[str, object], office: str) -> bytes | None:
    found = enrolled.get(office)
    if found is None:
        return None
    if isinstance(found, enroll.OfficeCard):
        return found.signing_key
    return bytes(found)


def _private(street_private_key) -> X25519PrivateKey:
    if isinstance(street_private_key, X25519PrivateKey):
        return street_private_key
    if isinstance(street_private_key, enroll.StreetKey):
        return street_private_key.private
    return X25519PrivateKey.from_private_bytes(bytes(street_private_key))


def read_package(path: str | Path, street_private_key, enrolled_offices: Mapping[str, object]) -> "Package":
    """Check a package's form, signer, signature and addressee, then read its manifest; see the module docstring."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            header = read_header(f, name)
    except IsADirectoryError:
        raise not_package(name) from None
    if size < header.body_start + 4 + SIGNATURE:
        raise not_package(name)
    known = _signing_key(enrolled_offices, header.office)
    if known is None:
        raise refuse(UNKNOWN_OFFICE, tr("上报包“{name}”来自一个尚未登记的社区（单位标识 {office}）。"
                                         "请先用该社区的单位卡登记它，再导入上报包。").format(name=name, office=header.office))
    if known != header.signer:
        raise refuse(WRONG_SIGNER, tr("上报包“{name}”的签名密钥不是登记时该社区的密钥：它不是该社区生成的，或社区重新登记过。"
                                       "本包未被使用；请向社区核实，必要时用新的单位卡重新登记。").format(name=name))
    signed, file_hash = digests(path, size - SIGNATURE)
    with path.open("rb") as f:
        f.seek(size - SIGNATURE)
        signature = f.read(SIGNATURE)
    try:
        Ed25519PublicKey.from_public_bytes(known).verify(signature, SIGN_LABEL + signed)
    except (InvalidSignature, ValueError):
        raise altered(name) from None
    private = _private(street_private_key)
    if raw_public(private.public_key()) != header.street:
        raise refuse(OTHER_STREET, tr("上报包“{name}”是发给另一个街道的（接收方密钥不是本街道的）。"
                                       "请确认该社区登记时使用的是本街道的公钥文件。").format(name=name))
    try:
        secret = private.exchange(X25519PublicKey.from_public_bytes(header.ephemeral))
    except ValueError:
        raise altered(name) from None
    key = content_key(secret, header.raw)
    try:
        body_end, plain = read_manifest(path, header, key, size)
        manifest = Manifest.from_json(json.loads(plain))
    except (ValueError, KeyError, TypeError):
        raise refuse(CONTENT, tr("上报包“{name}”的清单无法读取。请让社区重新生成上报包。").format(name=name)) from None
    source = Source(path, header, key, size, body_end)
    if manifest.office_uuid != header.office or set(manifest.tables) != set(NAMES):
        raise refuse(CONTENT, tr("上报包“{name}”的清单与包头不符。请让社区重新生成上报包。").format(name=name))
    return Package(manifest, file_hash, source)


@dataclass(frozen=True)
class Package:
    manifest: Manifest
    file_hash: str  # SHA-256 of the whole file: the next package's `previous`
    _source: Source

    @property
    def path(self) -> Path:
        return self._source.path

    def tables(self) -> Iterator[tuple[str, Iterator[dict]]]:
        """(table, rows) in TABLE order, the audit last; each table's rows must be read before the next."""
        with LineReader(self._source) as lines:
            for _ in range(len(NAMES)):
                table, count = self._start(lines)
                rows = self._rows(lines, table, count)
                yield table, rows
                for _ in rows:  # what the caller left unread is still checked
                    pass
            if next(lines, None) is not None:
                raise self._content(tr("清单之外还有内容"))
            lines.finish()

    def batches(self) -> Iterator[tuple[str, list[bytes], list[bytes]]]:
        """(table, lines, the SHA-256 of each) for every row, in TABLE order: up to _READ_LINES lines
        of one table, all of one inflated piece (LineReader.take), or of the audit trail up to
        _READ_BYTES. The store's way in, which takes each line as sent (it is canonical_row of its
        row) without parsing it. Checks, like tables(), each table's count, the audit chain (whose
        entries are parsed) and, at the end, that the bytes read are those signed; a table's hash is
        left to the store, which recomputes every table's count and hash from what it holds and
        compares them with the manifest (consolidate._check_state). A batch at a time rather than a
        line: a million lines went through four generators each."""
        with LineReader(self._source) as lines:
            for _ in range(len(NAMES)):
                table, count = self._start(lines)
                if table == AUDIT:
                    batch, size = [], 0
                    for _row, line in self._audit(lines, count):
                        batch.append(line)
                        size += len(line)
                        if len(batch) == _READ_LINES or size >= _READ_BYTES:
                            yield table, batch, [hashlib.sha256(line).digest() for line in batch]
                            batch, size = [], 0
                    if batch:
                        yield table, batch, [hashlib.sha256(line).digest() for line in batch]
                    continue
                if count != self.manifest.tables[table].count:
                    raise self._content(tr("“{t}”的记录与清单的条数或校验值不符").format(t=tr(_LABELS[table])))
                left = count
                while left:
                    batch = lines.take(min(left, _READ_LINES))
                    if not batch:
                        raise self._content(tr("“{t}”的记录不完整").format(t=tr(_LABELS[table])))
                    left -= len(batch)
                    yield table, batch, [hashlib.sha256(line).digest() for line in batch]
            if next(lines, None) is not None:
                raise self._content(tr("清单之外还有内容"))
            lines.finish()

    def _start(self, lines: Iterator[bytes]) -> tuple[str, int]:
        """A table's opening line: its name and how many rows follow."""
        try:
            start = json.loads(next(lines))
            table, count = start["table"], int(start["rows"])
        except (StopIteration, ValueError, KeyError, TypeError):
            raise self._content(tr("表的开头无法读取")) from None
        if table not in NAMES:
            raise self._content(tr("有不认识的表"))
        return table, count

    def _audit(self, lines: Iterator[bytes], count: int) -> Iterator[tuple[dict, bytes]]:
        """The audit entries sent, each parsed and linked to the one before it."""
        link = self.manifest.previous_head
        for _ in range(count):
            row, line = self._parsed(lines, AUDIT)
            link = self._link(link, row)
            yield row, line
        if count != self.manifest.audit_entries or link != self.manifest.audit_head:
            raise self._content(tr("操作记录没有接到清单所写的最后一条"))

    def rows(self, table: str) -> list[dict]:
        for name, rows in self.tables():
            if name == table:
                return list(rows)
        return []

    def _rows(self, lines: Iterator[bytes], table: str, count: int) -> Iterator[dict]:
        if table == AUDIT:
            for row, _line in self._audit(lines, count):
                yield row
            return
        pairs: list[tuple[str, bytes]] = []
        for _ in range(count):
            row, line = self._parsed(lines, table)
            pairs.append((str(row.get("gid")), hashlib.sha256(line).digest()))
            yield row
        state = self.manifest.tables.get(table)
        if state is None or _state(pairs) != state:
            raise self._content(tr("“{t}”的记录与清单的条数或校验值不符").format(t=tr(_LABELS[table])))

    def _line(self, lines: Iterator[bytes], table: str) -> bytes:
        line = next(lines, None)
        if line is None:
            raise self._content(tr("“{t}”的记录不完整").format(t=tr(_LABELS[table])))
        return line

    def _parsed(self, lines: Iterator[bytes], table: str) -> tuple[dict, bytes]:
        line = self._line(lines, table)
        try:
            return json.loads(line), line
        except ValueError:
            raise self._content(tr("“{t}”有无法读取的记录").format(t=tr(_LABELS[table]))) from None

    def _link(self, link: Head, row: dict) -> Head:
        """Each entry follows the one before it and hashes to what it says."""
        try:
            ok = (row["entry"] == link.entry + 1 and row["prev_hash"] == link.hash and row["hash"] == trail.digest(
                row["prev_hash"], row["at"], row["actor"], row["action"], row["table_name"], row["row_id"],
                row["old"], row["new"]))
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise self._content(tr("操作记录第{n}条没有接上前一条").format(n=row.get("entry", "?")))
        return Head(row["entry"], row["hash"])

    def _content(self, what: str) -> PackageRefused:
        return PackageRefused(CONTENT, tr("上报包“{name}”的内容有误（{what}）。本包未被使用；请让社区重新生成上报包。").format(
            name=self.path.name, what=what))


def package_state(db: Database) -> tuple[int, str | None]:
    """The office's last package: its sequence number (0: none yet) and file hash."""
    return int(get_setting(db, SEQUENCE, "0")), get_setting(db, LAST_HASH)


