"""A community's replica (consolidation/replica.py) at the size of a 50,000-household office: the
street window builds one the first time a page reads that community (its archive, registers,
completeness, assessment).

    bash dev.sh bench bench/bench_replica.py --pg DSN_OF_THE_DISTRICT [--offices 2]

The store is one bench/bench_street.py built (its database `district`). For each community: the bare
baseline, every row of it fetched from the store as text and nothing else (what no replica can do
without), then `replica.build`, wall and processor time, and the replica's persons as a check.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridoffice.consolidation import replica, store  # noqa: E402
from gridoffice.consolidation.tables import TABLES  # noqa: E402


def _timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bare_fetch(conn, office: str) -> int:
    rows = 0
    for table in TABLES:
        with conn.cursor() as cur:
            cur.execute("SELECT data::text FROM records WHERE office = %s AND tbl = %s", [office, table.name])
            while batch := cur.fetchmany(replica.BATCH):
                rows += len(batch)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", required=True, metavar="DSN", help="the district's store (bench_street.py's)")
    parser.add_argument("--offices", type=int, default=2)
    args = parser.parse_args()
    with store.connect(args.pg, readonly=True) as conn:
        offices = conn.execute("SELECT uuid::text, name FROM offices WHERE last_sequence > 0 ORDER BY name "
                               "LIMIT %s", [args.offices]).fetchall()
        for uuid, name in offices:
            rows, wall, cpu = _timed(lambda: bare_fetch(conn, uuid))
            print(f"{name}: bare fetch of {rows:,} rows {wall:.1f} s wall, {cpu:.1f} s processor "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)
            built, wall, cpu = _timed(lambda: replica.build(conn, uuid))
            persons = built.execute("SELECT count(*) FROM persons").fetchone()[0]
            built.close()
            print(f"{name}: replica {wall:.1f} s wall, {cpu:.1f} s processor, {persons:,} persons, "
                  f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
