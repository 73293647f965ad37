"""Consolidating an office's package into PostgreSQL, against a bare COPY of the same rows.

    bash dev.sh bench bench/bench_consolidate.py [--office PATH] [--households N]

`dev.sh bench` starts a throw-away cluster (durable: fsync on) and names it in GRIDOFFICE_TEST_PG;
`--pg DSN` names another server's maintenance database instead. The bench makes its databases there
and drops them at the end. Figures, one line each:
- writing the office's package (the office side, for the record);
- reading it alone: checking the signature, decrypting, hashing every line (no database);
- the bare baseline: reading it and COPYing the same lines, as consolidate sends them, into a table
  without keys, indexes or checks (`data` jsonb);
- `consolidate` of the first package into an empty store (target ≤ 15 s);
- the same package again (already applied: the ledger only);
- the next package after a few edits (the runs of lines that differ sent and compared, the changed written);
- the street window's search over the persons just consolidated, per query kind.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import ServerClock, office_from_arguments, scratch  # noqa: E402

import psycopg  # noqa: E402
from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402

from commands._progress import consume  # noqa: E402
from gridoffice.access import users  # noqa: E402
from gridoffice.store.db import open_db  # noqa: E402
from gridoffice.consolidation import consolidate, enroll, package, store, street_view  # noqa: E402

PASSWORD = "bench-street-1"


def _database(admin: str) -> tuple[str, str]:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    params = conninfo_to_dict(admin)
    params["dbname"] = name
    return name, make_conninfo(**params)


def _drop(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_server = ServerClock()


def _checkpoint(admin: str) -> None:
    """A checkpoint, so that what the step before wrote is on disk and no checkpoint it set off runs
    into the next step's time (a first package writes about half a gigabyte of WAL; a street applies
    packages minutes apart). Needs a superuser, as the bench's own cluster has; skipped otherwise."""
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        pass


def _timed(label: str, fn, settle: str | None = None):
    """Wall clock, and processor time of this process and of the server's backends: on a shared
    machine the processor time is what the work itself costs. `settle`: the server's maintenance
    database, to checkpoint first (_checkpoint)."""
    if settle:
        _checkpoint(settle)
    start, cpu, server = time.perf_counter(), time.process_time(), _server.seconds()
    result = fn()
    print(f"{label}: {time.perf_counter() - start:.2f} s wall, processor {time.process_time() - cpu:.2f} s here "
          f"+ {_server.seconds() - server:.2f} s server ({os.getloadavg()[0]:.1f} load)")
    return result


def _searches(conn: psycopg.Connection) -> None:
    """The street window's search over this office's persons: each query kind 7 times."""
    name, address = conn.execute("SELECT p.data->>'name', h.data->>'address' FROM records_persons p "
                                 "JOIN records_households h ON h.gid = (p.data->>'household_gid')::uuid "
                                 "WHERE length(p.data->>'name') = 3 LIMIT 1").fetchone()
    persons = conn.execute("SELECT count(*) FROM records_persons").fetchone()[0]
    for label, query in (("a surname", name[:1]), ("two characters", name[:2]), ("a whole name", name),
                         ("part of an address", address[2:7])):
        times = []
        for _ in range(7):
            start = time.perf_counter()
            street_view.search(conn, query)
            times.append(time.perf_counter() - start)
        print(f"search across {persons:,} persons, {label}: median {statistics.median(times) * 1000:.1f} ms, "
              f"worst {max(times) * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("GRIDOFFICE_TEST_PG"), metavar="DSN")
    args = office_from_arguments(parser, "office-50k.db")
    if not args.pg:
        print("需要 PostgreSQL：用 bash dev.sh bench bench/bench_consolidate.py 运行，或给 --pg 连接串", file=sys.stderr)
        return 2
    with scratch("bench-consolidate") as work:
        return _run(args, work)


def _run(args: argparse.Namespace, work: Path) -> int:
    from _common import log_in

    private, public = enroll.make_street_keys(work, PASSWORD)
    key = enroll.read_street_key(private, PASSWORD)
    admin = users.whole_office("admin")
    # Logged in once (the key is then known to this process), opened again through the migrations:
    # an office kept from an earlier run may predate the travelling tables of this version.
    log_in(args.office).close()
    db = open_db(args.office)
    try:
        card = enroll.enroll_office(db, public, work / "office.card", by=admin)
        at = dt.datetime(2026, 11, 30, 18, 0)
        first = _timed("write the package (office side)", lambda: consume(
            package.write_package(db, work / "1.pkg", by=admin, at=at, full=True), quiet=True))
        print(f"package: {first.size / 1e6:.1f} MB, "
              f"{sum(s.count for s in first.manifest.tables.values()):,} rows with the audit trail")
        # A few edits a month brings (new values on every run of the bench): then the next package.
        with db.atomic():
            db.execute("UPDATE persons SET phone = printf('139%08d', abs(random()) % 100000000) WHERE id % 1000 = 0")
            db.execute("UPDATE households SET notes = printf('本月走访%d', abs(random())) WHERE id % 500 = 0")
        second = consume(package.write_package(db, work / "2.pkg", by=admin, at=at + dt.timedelta(days=30)),
                         quiet=True)
    finally:
        db.close()
    enrolled = {card.uuid: card.signing_key}

    def read_only() -> int:
        read = package.read_package(first.path, key, enrolled)
        return sum(len(lines) for _table, lines, _digests in read.batches())

    rows = _timed("read the package alone (signature, decrypt, each line hashed)", read_only)
    print(f"rows read: {rows:,}")

    names = []
    try:
        name, bare_dsn = _database(args.pg)
        names.append(name)

        bare_conn = _server.watch(psycopg.connect(bare_dsn))
        bare_conn.execute("CREATE TABLE bare (tbl text, gid uuid, row_hash bytea, data jsonb)")
        bare_conn.commit()

        def bare() -> None:
            read = package.read_package(first.path, key, enrolled)
            with bare_conn.cursor() as cur, cur.copy("COPY bare FROM STDIN") as copy:
                for table, lines, digests in read.batches():
                    texts = [consolidate._copy_text(line) for line in lines]
                    copy.write(b"".join(b"%s\t%s\t\\\\x%s\t%s\n" % (table.encode(), consolidate._gid(text), digest.hex().encode(), text)
                                        for text, digest in zip(texts, digests)))
            bare_conn.commit()

        _timed("bare baseline: read it and COPY the same rows into a table without keys", bare, args.pg)
        bare_conn.close()

        name, street_dsn = _database(args.pg)
        names.append(name)
        with _server.watch(store.connect(street_dsn)) as conn:
            store.enroll(conn, uuid=card.uuid, division_code=card.division_code, name=card.name,
                         public_key=card.signing_key, by="bench")
            for label, path in (("consolidate the first package into an empty store", first.path),
                                ("the same package again (already applied)", first.path),
                                ("the next package, after edits to 0.1 % of persons", second.path)):
                [outcome] = _timed(label, lambda p=path: consume(
                    consolidate.consolidate(conn, [p], [key], by="bench"), quiet=True), args.pg)
                print(f"  {outcome.outcome}: {outcome.rows_changed:,} rows written")
                if outcome.outcome == consolidate.REFUSED:
                    print(f"  {outcome.message}", file=sys.stderr)
                    return 1
            _searches(conn)
    finally:
        for name in names:
            _drop(args.pg, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
