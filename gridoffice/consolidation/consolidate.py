"""Applying offices' packages to the street's (or the district's) store, exactly and at most once.

Each package is applied in ONE transaction: its rows are copied (COPY) straight into the records
when the store holds nothing of its office yet; a later package sends only the runs of lines that
differ from the package before (received.py) into a temporary table, and only the rows among them
that changed are written, their facts (facts.py) with them. The new audit entries are appended, and
then the store's count and hash of every table of that office must equal the manifest's (a record
the store holds but the package lacks leaves it one too many: nothing a clerk entered is ever
deleted), or nothing of it stays; last, the office's summary counts are recomputed
(summary_tables.py). A package is read by `package.read_package`, which refuses
altered, unsigned or misaddressed files and checks each table against the manifest while it is read.

Order: a package must follow the last one applied from its office (sequence + 1, naming its file
hash as `previous`), and its audit trail must contain the head last received. The same file again
changes nothing; another file with a sequence already used is a fork (a restored backup that carried
on) and is refused. Every outcome goes into the ledger with its Chinese reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import sys
import threading
from binascii import hexlify
from dataclasses import dataclass
from pathlib import Path
from typing import Generator, Iterable, Iterator, Sequence

import psycopg
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.json import Jsonb

from gridoffice.errors import GridOfficeError, PackageRefused
from gridoffice.i18n import tr
from gridoffice.consolidation import package as packages
from gridoffice.consolidation import facts, received, store, summary_tables
from gridoffice.consolidation.tables import AUDIT

APPLIED, ALREADY, REFUSED = "applied", "already", "refused"
_EMPTY_HASH = hashlib.sha256(b"").hexdigest()
# Lines read between two progress reports while copying, and lines handed to the staging COPY at once.
_REPORT_EVERY = 5000
_BLOCK_LINES = 512
# A first package's lines are sent to `records` sorted by gid in blocks of this many (about 8 MB):
# the primary key's leaf pages are then filled in order instead of at random. A million rows: the
# server's COPY 7.8 s -> 6.6 s (wholly sorted: 6.3 s). Either block ends at _BLOCK_BYTES too.
_SORT_LINES = 16384
_BLOCK_BYTES = 8 << 20
_SWITCH_SECONDS = 0.0005
_switch_lock = threading.Lock()
_copying = 0
_switch_before = 0.005
# Memory for the sorts and hashes of one package's transaction (PostgreSQL's default is 4 MB): the
# final check sorts every row of a first package by gid (80 MB for a million rows), and the trigram
# indexes fold the rows waiting in their pending lists into the index within it, so fewer and larger
# folds. 10 % less of PostgreSQL's processor on a first package of a million rows.
_WORK_MEM = "256MB"
# Rows written by one run after which the store's statistics are refreshed at once.
_ANALYZE_AFTER = 10_000


@dataclass(frozen=True)
class Outcome:
    file_name: str
    outcome: str  # APPLIED, ALREADY or REFUSED
    message: str  # what the user is told, in Chinese
    office_name: str | None = None
    sequence: int | None = None
    rows_changed: int = 0


def _label(table: str) -> str:
    """A table's name as the package's messages say it (package.py keeps the one list)."""
    return tr(packages._LABELS.get(table, table))


class _Refusal(Exception):
    """Refuses the package being applied; raised inside its transaction so nothing of it stays."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def enrolled_keys(conn: psycopg.Connection) -> dict[str, bytes]:
    """Office uuid -> its signing public key: what read_package accepts as enrolled."""
    return {office.uuid: office.public_key for office in store.offices(conn)}


def read(path: Path, street_keys: Sequence, enrolled: dict[str, bytes]) -> packages.Package:
    """read_package with each of the street keys given (a district holds the keys of its streets)."""
    refused: PackageRefused | None = None
    for key in street_keys:
        try:
            return packages.read_package(path, key, enrolled)
        except PackageRefused as exc:
            if exc.reason != packages.OTHER_STREET:
                raise
            refused = exc
    assert refused is not None, "read() needs at least one street key"
    raise refused


def consolidate(conn: psycopg.Connection, paths: Iterable[str | Path], street_keys: Sequence, *,
                by: str | None = None) -> Generator[tuple[int, int, str], None, list[Outcome]]:
    """Applies packages in each office's sequence order, whatever order they were given in; a package
    that cannot be read is refused first. Returns one Outcome per path, in the order applied."""
    by = by or store.actor()
    enrolled = enrolled_keys(conn)
    outcomes: list[Outcome] = []
    readable: list[packages.Package] = []
    paths = [Path(p) for p in paths]
    for n, path in enumerate(paths):
        yield n, len(paths), tr("正在核对上报包“{name}”的签名").format(name=path.name)
        try:
            readable.append(read(path, street_keys, enrolled))
        except (PackageRefused, OSError) as exc:
            message = exc.message if isinstance(exc, GridOfficeError) else tr(
                "无法读取上报包“{name}”：{why}").format(name=path.name, why=exc.strerror or exc)
            outcomes.append(_ledger(conn, by, path.name, None, None, None, REFUSED, message))
    readable.sort(key=lambda p: (p.manifest.office_uuid, p.manifest.sequence))
    for package in readable:
        outcome = yield from apply(conn, package, by=by)
        outcomes.append(outcome)
    if sum(o.rows_changed for o in outcomes if o.outcome == APPLIED) >= _ANALYZE_AFTER:
        # The planner's statistics of what the street's window searches (the expression indexes, the
        # status), before autovacuum gets round to it; autovacuum keeps the other tables' own.
        yield len(paths), len(paths), tr("正在更新汇总数据库的统计信息")
        conn.execute("ANALYZE records_persons, records_households")
    return outcomes


def apply(conn: psycopg.Connection, package: packages.Package, *,
          by: str | None = None) -> Generator[tuple[int, int, str], None, Outcome]:
    """Applies one package read by read_package in one transaction; see the module docstring."""
    by = by or store.actor()
    manifest = package.manifest
    name = package.path.name
    try:
        with conn.transaction():
            outcome = yield from _apply(conn, package, by)
    except _Refusal as refusal:
        return _ledger(conn, by, name, manifest, package.file_hash, None, REFUSED, refusal.message)
    except PackageRefused as exc:
        return _ledger(conn, by, name, manifest, package.file_hash, None, REFUSED, exc.message)
    except (psycopg.errors.DataError, psycopg.errors.IntegrityError, psycopg.errors.CardinalityViolation) as exc:
        return _ledger(conn, by, name, manifest, package.file_hash, None, REFUSED, tr(
            "上报包“{name}”中有汇总库无法保存的值（{why}）。本包未被使用；请把此包交给技术人员查看。").format(
            name=name, why=store._first_line(exc)))
    return outcome


def _apply(conn: psycopg.Connection, package: packages.Package, by: str) -> Generator[tuple[int, int, str], None, Outcome]:
    manifest = package.manifest
    name, office_uuid = package.path.name, manifest.office_uuid
    office = store.office(conn, office_uuid, lock=True)  # one package of an office at a time
    conn.execute(f"SET LOCAL work_mem = '{_WORK_MEM}'")
    if office is None:  # enrolled when read, gone since: the same answer read_package gives
        raise _Refusal(tr("上报包“{name}”来自一个尚未登记的社区。请先用该社区的单位卡登记它，再导入上报包。").format(name=name))
    if conn.execute("SELECT 1 FROM ledger WHERE office = %s AND outcome = 'applied' AND package_hash = %s",
                    [office_uuid, package.file_hash]).fetchone():
        message = tr("上报包“{name}”（{office}第{n}号）已导入过，本次未作任何改动。").format(
            name=name, office=office.name, n=manifest.sequence)
        return _ledger(conn, by, name, manifest, package.file_hash, office, ALREADY, message, in_transaction=True)
    _check_order(office, manifest, name)
    total = sum(state.count for table, state in manifest.tables.items() if table != AUDIT) + manifest.audit_entries
    # An office the store holds nothing of yet (its first package here) is copied straight into the
    # records: nothing can have vanished and nothing is compared, and the primary key refuses a record
    # named twice. A later package sends only the runs of lines that differ from the package before
    # (received.py) through a staging table (_changed_rows).
    first = not conn.execute("SELECT EXISTS (SELECT 1 FROM records WHERE office = %s)", [office_uuid]).fetchone()[0]
    before = None if first else received.held(conn, office_uuid)
    conn.execute("CREATE TEMP TABLE incoming (tbl text NOT NULL, gid uuid, row_hash bytea NOT NULL, "
                 "data text NOT NULL) ON COMMIT DROP")
    runs: dict[str, bytes] = {}
    yield from _copy(conn, package, office, before, runs, total)
    yield total, total, tr("{office}：正在核对并写入").format(office=office.name)
    touched = received.touched(manifest.tables, before, runs)
    if first:
        changed = total - manifest.audit_entries
        facts.write(conn, office_uuid)
        summarised = True
    else:
        conn.execute("ANALYZE incoming")
        changed, summarised = _changed_rows(conn, office_uuid, touched)
    changed += _append_audit(conn, office, manifest, name)
    _check_state(conn, office, manifest, name, touched, before, first)
    received.keep(conn, office_uuid, manifest.tables, runs)
    conn.execute(
        "UPDATE offices SET last_sequence = %s, last_package_hash = %s, audit_head_id = %s, audit_head_hash = %s, "
        "last_applied_at = now(), last_package_made_at = %s::timestamp, name = %s, division_code = %s, "
        "visit_rules = %s WHERE uuid = %s",
        [manifest.sequence, package.file_hash, manifest.audit_head.entry, manifest.audit_head.hash,
         manifest.created_at, manifest.office_name or office.name, manifest.division_code or office.division_code,
         Jsonb({str(k): v for k, v in manifest.visit_rules.items()}), office_uuid])
    summary_tables.refresh(conn, office_uuid, changed=summarised)
    message = tr("已导入上报包“{name}”（{office}第{n}号），新增或更改{rows}条记录。").format(
        name=name, office=manifest.office_name or office.name, n=manifest.sequence, rows=changed)
    yield total, total, message
    return _ledger(conn, by, name, manifest, package.file_hash, office, APPLIED, message, changed, in_transaction=True)


_RECORDS_COPY = "COPY records (office, tbl, gid, row_hash, data) FROM STDIN"
_STAGING_COPY = "COPY incoming (tbl, gid, row_hash, data) FROM STDIN"
_GID = b'"gid":"'


def _copy(conn: psycopg.Connection, package: packages.Package, office: store.Office,
          before: dict[str, received.Received] | None, runs: dict[str, bytes],
          total: int) -> Generator[tuple[int, int, str], None, None]:
    """COPYs the lines to write as sent (each is canonical_row of its row), never parsed in Python:
    an office's first package straight into `records`, a later one's runs that differ from the
    package before (received.runs) into the staging table; the audit entries, last in the package,
    always into the staging table (_append_audit). Each table's run hashes end up in `runs`.

    A worker thread (psycopg's queued writer) sends the blocks while this thread decrypts and
    formats the next: PostgreSQL parses and indexes one block while the next is made. With the
    plain writer each waited for the other (15.5 s wall on an idle machine was the client's 3.4 s
    plus PostgreSQL's 12.5 s). Into `records`, each table's lines go _SORT_LINES at a time in gid
    order (_send)."""
    pending = received.runs(package.batches(), before, runs)
    prefix = office.uuid.encode() + b"\t"
    reported = 0
    carried: list = []
    with conn.cursor() as cur, _prompt_writer():
        for target in ((_RECORDS_COPY, _STAGING_COPY) if before is None else (_STAGING_COPY,)):
            staging = target is _STAGING_COPY
            lead, batch = (b"", _BLOCK_LINES) if staging else (prefix, _SORT_LINES)
            with cur.copy(target, writer=QueuedLibpqWriter(cur)) as copy:
                block: list[bytes] = []
                last, name, size = None, b"", 0
                for table, run, read in itertools.chain(carried, pending):
                    if run is not None:
                        if not staging and table == AUDIT:  # the first audit entry: on to the staging table
                            carried = [(table, run, read)]
                            break
                        if table != last or len(block) >= batch or size >= _BLOCK_BYTES:
                            _send(copy, name, block, sort=not staging)
                            block, last, name, size = [], table, lead + table.encode() + b"\t", 0
                        lines, digests = run
                        # Escaped a run at a time: a line holds no line feed (the package is split on
                        # them), and _copy_text leaves line feeds as they are.
                        texts = _copy_text(b"\n".join(lines)).split(b"\n")
                        formatted = [b"%s\t\\\\x%s\t%s\n" % (_gid(text), hexlify(digest), text)
                                     for text, digest in zip(texts, digests, strict=True)]
                        block += formatted
                        size += sum(map(len, formatted))
                    if read - reported >= _REPORT_EVERY:
                        reported = read
                        yield read, total, tr("{office}：正在读入{table}").format(office=office.name, table=_label(table))
                _send(copy, name, block, sort=not staging)


@contextlib.contextmanager
def _prompt_writer() -> Iterator[None]:
    """Python's threads take turns every 0.5 ms instead of 5 ms while copying: the queued writer needs
    the interpreter for each 128 KB it hands to the socket, which holds about 3 ms of PostgreSQL's
    work, while this thread formats lines. PostgreSQL then waits on the writer 1.2-1.3 s of a first
    package's COPY instead of 1.7-1.8 s (three pairs, alternating)."""
    global _copying, _switch_before
    with _switch_lock:  # several copies at once (threads): the first sets it, the last puts it back
        if not _copying:
            _switch_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_before, _SWITCH_SECONDS))
        _copying += 1
    try:
        yield
    finally:
        with _switch_lock:
            _copying -= 1
            if not _copying:
                sys.setswitchinterval(_switch_before)


def _send(copy, name: bytes, block: list[bytes], *, sort: bool) -> None:
    """Hands a block of one table's COPY lines, each without its leading columns (`name`: the office
    and the table), to the writer; sorted, they are in gid order, since each begins with its gid's
    text, whose byte order is the uuid's (for the canonical lowercase text every office writes; any
    other text only sorts differently)."""
    if sort:
        block.sort()
    if block:
        copy.write(name.join([b"", *block]))


def _gid(text: bytes) -> bytes:
    """The row's gid as COPY text, read from its line already escaped for COPY (_copy_text) without
    parsing it: in canonical JSON a quote inside a string is escaped, so `"gid":"` is the key itself
    (escaping adds no quote and doubles the backslash before an escaped one); NULL (refused by the
    key) when the line has none. The store's check (table_states) compares it with PostgreSQL's
    reading of the row."""
    start = text.find(_GID)
    if start < 0:
        return b"\\N"
    start += len(_GID)
    end = text.find(b'"', start)
    return b"\\N" if end < 0 else text[start:end]


def _changed_rows(conn: psycopg.Connection, office_uuid: str, touched: set[str]) -> tuple[int, bool]:
    """Writes the staged rows whose hash differs from the store's (new or changed), parsing only
    those as JSON, and their facts; a resent unchanged row writes nothing. Compared table by table,
    each against its own partition: PostgreSQL then looks up the few staged rows by key instead of
    reading every partition whole to join them. Returns the rows written and whether anything the
    monthly summary reads changed (a fact, or a record it reads whole)."""
    conn.execute("CREATE TEMP TABLE changed (tbl text, gid uuid, row_hash bytea, data text) ON COMMIT DROP")
    for table in sorted(touched):
        conn.execute(
            "INSERT INTO changed SELECT i.tbl, i.gid, i.row_hash, i.data FROM incoming i "
            "LEFT JOIN records r ON r.office = %s AND r.tbl = %s AND r.gid = i.gid "
            "WHERE i.tbl = %s AND r.row_hash IS DISTINCT FROM i.row_hash", [office_uuid, table, table])
    conn.execute("ANALYZE changed")
    written = conn.execute(
        "INSERT INTO records (office, tbl, gid, row_hash, data) SELECT %s, tbl, gid, row_hash, data::jsonb "
        "FROM changed ON CONFLICT (office, tbl, gid) DO UPDATE SET row_hash = EXCLUDED.row_hash, data = EXCLUDED.data",
        [office_uuid]).rowcount
    facts_written = facts.write(conn, office_uuid, "changed")
    return written, facts_written > 0 or summary_tables.reads_any(conn, "changed")


def _copy_text(line: bytes) -> bytes:
    """A line as a field of COPY's text format: its backslashes doubled; a canonical line has no raw
    tab or carriage return (JSON escapes them), but one that did would be escaped too. A line feed
    cannot be in a line, which the reader splits on them: left as it is (_copy escapes a run joined
    by them)."""
    return line.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\r", b"\\r")


def _check_order(office: store.Office, manifest: packages.Manifest, name: str) -> None:
    """The package follows the last one applied, and its audit trail contains the head held here."""
    last, sequence = office.last_sequence, manifest.sequence
    if last == 0:
        # The first package this store gets from the office (its first ever, or the first since it
        # enrolled with this street) must carry the whole trail; its number starts the count here.
        if not manifest.full or manifest.previous_head.entry != 0:
            raise _Refusal(tr(
                "上报包“{name}”是{office}的第{n}号包，但本库还没有收到过该社区的包，而它不是完整上报包。"
                "本包未被使用；请先导入该社区的第1号包，或让社区生成完整上报包（勾选“完整”，或命令加 --full）。").format(
                name=name, office=office.name, n=sequence))
        return
    if sequence <= last:
        raise _Refusal(tr(
            "上报包“{name}”是{office}的第{n}号包，但第{n}号包已导入过且内容不同：该社区可能从备份恢复后继续工作，"
            "出现了两份不同的数据。本包未被使用；请与社区核实，由社区处理后重新生成上报包。").format(
            name=name, office=office.name, n=sequence))
    if sequence > last + 1:
        raise _Refusal(tr(
            "上报包“{name}”是{office}的第{n}号包，但本库只导入到第{last}号，缺少第{missing}号。本包未被使用；"
            "请先导入缺少的上报包。").format(
            name=name, office=office.name, n=sequence, last=last,
            missing=str(last + 1) if sequence == last + 2 else f"{last + 1}—{sequence - 1}"))
    if manifest.previous != office.last_package_hash:
        raise _Refusal(tr(
            "上报包“{name}”（{office}第{n}号）接的不是本库导入的第{last}号包：该社区可能从备份恢复后继续工作，"
            "出现了分叉。本包未被使用；请与社区核实。").format(name=name, office=office.name, n=sequence, last=last))
    head, previous, new_head = office.audit_head_id, manifest.previous_head, manifest.audit_head
    held = previous.entry == head and previous.hash == (office.audit_head_hash or packages.audit.GENESIS)
    inside = previous.entry < head <= new_head.entry  # a package with the whole trail; checked as it is read
    if not held and not inside:
        raise _Refusal(tr(
            "上报包“{name}”（{office}第{n}号）的操作记录没有接上本库已收到的第{head}条：操作记录可能被截断或改写过。"
            "本包未被使用；请与社区核实。").format(name=name, office=office.name, n=sequence, head=head))


def _append_audit(conn: psycopg.Connection, office: store.Office, manifest: packages.Manifest, name: str) -> int:
    """Appends the entries after the head held; where the package resends older entries (the whole
    trail), the entry at the head held must be the one received before."""
    head = office.audit_head_id
    if manifest.previous_head.entry < head:
        row = conn.execute("SELECT data::jsonb->>'hash' FROM incoming WHERE tbl = %s AND (data::jsonb->>'entry')::bigint = %s",
                           [AUDIT, head]).fetchone()
        if row is None or row[0] != office.audit_head_hash:
            raise _Refusal(tr(
                "上报包“{name}”（{office}第{n}号）的操作记录与本库已收到的第{head}条不同：操作记录被改写过。"
                "本包未被使用；请与社区核实。").format(name=name, office=office.name, n=manifest.sequence, head=head))
    return conn.execute(
        "INSERT INTO audit_entries (office, entry, gid, row_hash, data) "
        "SELECT %s, (entry->>'entry')::bigint, gid, row_hash, entry FROM "
        "(SELECT gid, row_hash, data::jsonb AS entry FROM incoming WHERE tbl = %s) i "
        "WHERE (entry->>'entry')::bigint > %s", [office.uuid, AUDIT, head]).rowcount


def table_states(conn: psycopg.Connection, office_uuid: str) -> dict[str, packages.TableState]:
    """The count and table hash of each table the store holds for an office, as the manifest defines
    them (row hashes concatenated in the order of the rows' gid)."""
    return {table: state for table, (state, _misread) in _held(conn, office_uuid, None, misread=False).items()}


def _held(conn: psycopg.Connection, office_uuid: str, tables: set[str] | None, *, misread: bool,
          audit_after: int = 0) -> dict[str, tuple[packages.TableState, int]]:
    """table_states of the given tables (None: all) and of the audit trail, each with the rows whose
    gid column is not PostgreSQL's own reading of the row (the gid is read from the line as it is
    copied, _gid): of every row read when `misread`, else none, and of the audit entries after
    `audit_after`. One pass over those rows."""
    if tables is None:
        tables = {t for (t,) in conn.execute("SELECT DISTINCT tbl FROM records WHERE office = %s", [office_uuid])}
    # Table by table (PostgreSQL reads only that table's partition), so no row is sorted by table; the
    # gid compared as the rows are read (OFFSET 0 keeps it there): only the aggregate's own arguments
    # are sorted, never the whole row.
    state = ("count(*) AS n, encode(sha256(string_agg(row_hash, ''::bytea ORDER BY gid)), 'hex') AS digest, "
             "count(*) FILTER (WHERE misread) AS misread")
    wrong = "gid IS DISTINCT FROM (data->>'gid')::uuid"
    rows = conn.execute(
        f"SELECT t.tbl, s.* FROM unnest(%s::text[]) AS t(tbl) CROSS JOIN LATERAL (SELECT {state} FROM "
        f"(SELECT gid, row_hash, {wrong if misread else 'false'} AS misread FROM records "
        "WHERE office = %s AND tbl = t.tbl OFFSET 0) r) s WHERE s.n > 0 "
        f"UNION ALL SELECT %s, {state} FROM (SELECT gid, row_hash, entry > %s AND {wrong} AS misread "
        "FROM audit_entries WHERE office = %s OFFSET 0) a",
        [sorted(tables), office_uuid, AUDIT, audit_after, office_uuid]).fetchall()
    return {table: (packages.TableState(count, digest or _EMPTY_HASH), misread)
            for table, count, digest, misread in rows}


def _check_state(conn: psycopg.Connection, office: store.Office, manifest: packages.Manifest, name: str,
                 touched: set[str], before: dict[str, received.Received] | None, first: bool) -> None:
    """After writing: the store's count and hash of each table of the office equal the manifest's.
    The tables a package did not touch keep what the package before left (received.py); the others
    and the audit trail are recomputed from the rows. More rows held than the package holds are
    records that vanished from the office."""
    empty = packages.TableState(0, _EMPTY_HASH)
    held = _held(conn, office.uuid, touched, misread=first, audit_after=office.audit_head_id)
    states = {t: (packages.TableState(before[t].count, before[t].hash), 0) for t in set(before or ()) - touched}
    states.update(held)
    gone = sorted((t, held[t][0].count - manifest.tables.get(t, empty).count) for t in touched
                  if t in held and held[t][0].count > manifest.tables.get(t, empty).count)
    if gone:
        what = tr("、").join(tr("{table}{n}条").format(table=_label(t), n=n) for t, n in gone)
        raise _Refusal(tr(
            "上报包“{name}”缺少本库已有的{office}的记录（{what}）：录入过的记录不应被删除。本包未被使用；"
            "请与社区核实这些记录的去向。").format(name=name, office=office.name, what=what))
    if not first:  # the rows written now; those held were checked when they were written
        for (table,) in conn.execute("SELECT DISTINCT tbl FROM changed WHERE gid IS DISTINCT FROM (data::jsonb->>'gid')::uuid"):
            states[table] = (states.get(table, (empty, 0))[0], 1)
    wrong = sorted(t for t in set(states) | set(manifest.tables)
                   if states.get(t, (empty, 0)) != (manifest.tables.get(t, empty), 0))
    if wrong:
        what = tr("、").join(_label(t) for t in wrong)
        raise _Refusal(tr(
            "导入上报包“{name}”后，本库中{office}的{what}与包中清单的条数或校验值不符，已撤销本次导入。"
            "请把此包交给技术人员查看。").format(name=name, office=office.name, what=what))


def _ledger(conn: psycopg.Connection, by: str, file_name: str, manifest: packages.Manifest | None,
            package_hash: str | None, office: store.Office | None, outcome: str, message: str,
            rows: int = 0, *, in_transaction: bool = False) -> Outcome:
    """Writes the ledger's line; a refusal's in a transaction of its own, after the package's rolled back."""
    office_uuid = manifest.office_uuid if manifest else None
    office_name = (office.name if office else None) or (manifest.office_name if manifest else None)
    sequence = manifest.sequence if manifest else None
    values = [by, file_name, office_uuid, office_name, sequence, package_hash, outcome, message, rows]
    sql = ("INSERT INTO ledger (actor, file_name, office, office_name, sequence, package_hash, outcome, reason, "
           "rows_changed) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
    if in_transaction:
        conn.execute(sql, values)
    else:
        with conn.transaction():
            conn.execute(sql, values)
    return Outcome(file_name, outcome, message, office_name, sequence, rows)
