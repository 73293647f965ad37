"""A district in PostgreSQL: several generated 50,000-household offices consolidated into one store,
then the street window's search and the monthly summary across it, each beside a bare baseline.

    bash dev.sh bench bench/bench_street.py [--folder /tmp/gridoffice-bench/street] [--offices 10]
    .venv/bin/python bench/bench_street.py --pg DSN ...

The offices are FOLDER/office-N.db (N = 1, 2, ...), made beforehand, e.g.
`python main.py generate --db FOLDER/office-3.db --households 50000 --seed 203 --today 2026-11-20`
(a year of activity included); those missing are skipped. The store is the database `district` on
the server (`--pg` names its maintenance database, default GRIDOFFICE_TEST_PG); it is kept between
runs, and an office already in it is not consolidated again (pass --rebuild to start afresh;
`--database NAME` names another store, e.g. a copy made with CREATE DATABASE … TEMPLATE district). Each
office is enrolled with the bench's street key (FOLDER/street.key), packaged in full and
consolidated; the figures of each step are printed, the server's processor time beside the wall
(its backend and the parallel workers of its queries). `--only search|summary` skips the other.

Search: queries taken from the store itself, PER_KIND of each kind (a surname, two characters, a
whole name, part of an address); the median and the worst of `street_view.search` per kind, beside
the bare baseline: the same number of exact look-ups of a name through its b-tree index, 100 rows
at most, no join. Target at 1.5 million persons: median ≤ 20 ms, worst ≤ 100 ms.

Summary: `street_summary.monthly_summary` of October 2026 (three runs, the median, wall and server
processor), beside the bare baseline of one scan of the persons reading one field of each
(`count(*)` of the active ones).
Target at 500,000 households: ≤ 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import ServerClock, log_in  # noqa: E402

import psycopg  # noqa: E402
from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402

from commands._progress import consume  # noqa: E402
from gridoffice.access import users  # noqa: E402
from gridoffice.consolidation import consolidate, enroll, package, store, street_view  # noqa: E402
from gridoffice.store.db import open_db  # noqa: E402

PASSWORD = "bench-street-1"
PER_KIND = 40
AT = dt.datetime(2026, 11, 30, 18, 0)


SERVER = ServerClock()


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def _district(admin: str, name: str, rebuild: bool) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        if rebuild:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    params = conninfo_to_dict(admin)
    params["dbname"] = name
    return make_conninfo(**params)


def _street_key(folder: Path) -> enroll.StreetKey:
    if not (folder / "street.key").exists():
        enroll.make_street_keys(folder, PASSWORD)
    return enroll.read_street_key(folder / "street.key", PASSWORD)


def build(conn: psycopg.Connection, folder: Path, offices: int, key: enroll.StreetKey) -> None:
    held = {o.uuid for o in store.offices(conn) if o.last_sequence}
    added = False
    for n in range(1, offices + 1):
        path = folder / f"office-{n}.db"
        if not path.exists():
            print(f"office {n}: {path} not made yet, skipped")
            continue
        log_in(path).close()
        db = open_db(path)
        try:
            card_path = folder / f"office-{n}.card"
            if card_path.exists():
                card = enroll.read_card(card_path)
            else:
                card = enroll.enroll_office(db, folder / "street.pub", card_path, by=users.whole_office("admin"))
            if card.uuid in held:
                continue
            target = folder / f"office-{n}-{int(time.time())}.pkg"
            start, cpu = time.perf_counter(), time.process_time()
            written = consume(package.write_package(db, target, by=users.whole_office("admin"), at=AT, full=True),
                              quiet=True)
            print(f"office {n}: package {time.perf_counter() - start:.1f} s wall, "
                  f"{time.process_time() - cpu:.1f} s processor, {written.size / 1e6:.0f} MB ({_load()})")
        finally:
            db.close()
        store.enroll(conn, uuid=card.uuid, division_code=card.division_code, name=card.name,
                     public_key=card.signing_key, by="bench")
        start, cpu, server = time.perf_counter(), time.process_time(), SERVER.seconds()
        [outcome] = consume(consolidate.consolidate(conn, [target], [key], by="bench"), quiet=True)
        print(f"office {n}: consolidate {time.perf_counter() - start:.1f} s wall, "
              f"{time.process_time() - cpu:.1f} s processor here + {SERVER.seconds() - server:.1f} s server, "
              f"{outcome.outcome} ({_load()})")
        if outcome.outcome == consolidate.REFUSED:
            print(f"  {outcome.message}", file=sys.stderr)
        target.unlink()
        added = True
    if added:
        conn.execute("ANALYZE")


def _timed(fn, queries: list[str]) -> tuple[float, float]:
    times = []
    for query in queries:
        start = time.perf_counter()
        fn(query)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, max(times) * 1000


def searches(conn: psycopg.Connection, rnd: random.Random) -> None:
    persons = conn.execute("SELECT count(*) FROM records_persons").fetchone()[0]
    names = [r[0] for r in conn.execute(
        "SELECT data->>'name' FROM records_persons TABLESAMPLE SYSTEM (1) WHERE length(data->>'name') BETWEEN 2 AND 4")]
    addresses = [r[0] for r in conn.execute(
        "SELECT data->>'address' FROM records_households TABLESAMPLE SYSTEM (2) WHERE length(data->>'address') > 8")]
    rnd.shuffle(names)
    rnd.shuffle(addresses)
    kinds = {
        "a surname (1 character)": [n[:1] for n in names[:PER_KIND]],
        "two characters": [n[:2] for n in names[PER_KIND:2 * PER_KIND]],
        "a whole name": names[2 * PER_KIND:3 * PER_KIND],
        "part of an address (5 characters)": [a[2:7] for a in addresses[:PER_KIND]],
    }

    def bare(query: str) -> None:
        conn.execute("SELECT data->>'name' FROM records_persons WHERE data->>'name' = %s LIMIT 100",
                     [query]).fetchall()

    street_view.search(conn, names[0])  # the first query of a connection pays for its catalogue look-ups
    base = _timed(bare, names[:PER_KIND])
    print(f"baseline across {persons:,} persons, an exact name by its b-tree: median {base[0]:.1f} ms, "
          f"worst {base[1]:.1f} ms ({_load()})")
    for label, queries in kinds.items():
        median, worst = _timed(lambda q: street_view.search(conn, q), queries)
        print(f"search across {persons:,} persons, {label}: median {median:.1f} ms, worst {worst:.1f} ms "
              f"({_load()})")


def summary(conn: psycopg.Connection) -> None:
    from gridoffice.consolidation import street_summary

    def bare() -> None:
        conn.execute("SELECT count(*) FROM records_persons WHERE data->>'status' = 'active'").fetchone()

    for label, fn in (("baseline: one scan of the persons, one field each", bare),
                      ("monthly summary of 2026-10 across the district",
                       lambda: street_summary.monthly_summary(conn, "2026-10"))):
        times, cpus = [], []
        for _ in range(3):
            start, server = time.perf_counter(), SERVER.seconds()
            result = fn()
            times.append(time.perf_counter() - start)
            cpus.append(SERVER.seconds() - server)
        print(f"{label}: median {statistics.median(times):.2f} s wall, {statistics.median(cpus):.2f} s server processor; "
              f"runs {', '.join(f'{t:.2f}' for t in times)} s ({_load()})")
    total = result.total
    print(f"  {len(result.grids)} communities, {total.households:,} households, {total.persons:,} persons, "
          f"{total.visits:,} visits, {total.received:,} matters")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("GRIDOFFICE_TEST_PG"), metavar="DSN")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/gridoffice-bench/street"))
    parser.add_argument("--offices", type=int, default=10)
    parser.add_argument("--database", default="district", help="the store's database on that server")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only-build", action="store_true")
    parser.add_argument("--only", choices=("search", "summary"), help="after the build, only this figure")
    args = parser.parse_args()
    if not args.pg:
        print("需要 PostgreSQL：用 bash dev.sh bench bench/bench_street.py 运行，或给 --pg 连接串", file=sys.stderr)
        return 2
    args.folder.mkdir(parents=True, exist_ok=True)
    key = _street_key(args.folder)
    with SERVER.watch(store.connect(_district(args.pg, args.database, args.rebuild))) as conn:
        build(conn, args.folder, args.offices, key)
        if args.only_build:
            return 0
        if args.only != "summary":
            searches(conn, random.Random(7))
        if args.only != "search":
            summary(conn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
