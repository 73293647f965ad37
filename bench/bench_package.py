"""The package of a 50,000-household office against a bare baseline in the same run; one line per figure.

    .venv/bin/python bench/bench_package.py [--office /tmp/gridoffice-bench/office-50k-activity.db]

The office (50,000 households with a year of visits, diaries and matters, seed 7) is generated once
and kept. Each run works on a copy, enrolled with a fresh street key. The baseline reads the same
tables with one `SELECT *` each and writes every row as a JSON line through zlib at the same level,
with no global ids, no hashing and no cryptography: what any export of the same rows costs. Target
for the package: 10 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import copy_office, log_in, new_office, scratch  # noqa: E402

from gridoffice.access import users  # noqa: E402
from gridoffice.store.db import open_db  # noqa: E402
from gridoffice.consolidation import enroll, package, sealed, tables  # noqa: E402

PASSWORD = "bench-street-1"


def build(path: Path, households: int) -> None:
    from commands._progress import consume
    from gridoffice.demo import activity, generator

    path.parent.mkdir(parents=True, exist_ok=True)
    db = new_office(path)
    start = time.perf_counter()
    consume(generator.generate(db, households=households, seed=7), quiet=True)
    consume(activity.add_activity(db, seed=7), quiet=True)
    activity.add_demo_accounts(db)
    db.close()
    print(f"generate {households} households with a year of activity: {time.perf_counter() - start:.1f} s")


def baseline(db, target: Path) -> int:
    """One SELECT per table, each row a JSON line, compressed: no ids translated, nothing hashed or encrypted."""
    zipper = zlib.compressobj(sealed._LEVEL)
    rows = 0
    with target.open("wb") as out:
        for name in tables.NAMES:
            cur = db.execute(f"SELECT * FROM [{name}]")
            columns = [c[0] for c in cur.description]
            for values in cur:
                out.write(zipper.compress(json.dumps(dict(zip(columns, values)), ensure_ascii=False).encode() + b"\n"))
                rows += 1
        out.write(zipper.flush())
    return rows


def timed(label: str, fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s processor")
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--office", type=Path, default=Path("/tmp/gridoffice-bench/office-50k-activity.db"))
    parser.add_argument("--households", type=int, default=50000)
    args = parser.parse_args()
    if not args.office.exists():
        build(args.office, args.households)
    with scratch("bench-package") as folder:
        folder = Path(folder)
        office = folder / "office.db"
        copy_office(args.office, office)
        s = log_in(office, opener=open_db)  # the office may predate the newest migrations
        db = s.db
        scope = users.scope_of(db, s.user)
        enroll.make_street_keys(folder, PASSWORD)
        enroll.enroll_office(db, folder / "street.pub", folder / "office.card", by=scope)
        counts = {name: db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in tables.NAMES}
        print(f"office: {office.stat().st_size / 1e6:.0f} MB, {sum(counts.values())} rows "
              f"({', '.join(f'{n} {c}' for n, c in counts.items() if c >= 10000)})")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for round_ in range(1, 3):
            rows = timed(f"baseline round {round_} (SELECT * per table, JSON lines, zlib)",
                         lambda: baseline(db, folder / f"bare-{round_}.jsonl.z"))
            print(f"  baseline file: {(folder / f'bare-{round_}.jsonl.z').stat().st_size / 1e6:.1f} MB, {rows} rows")
            written = timed(f"package round {round_} (gids, hashes, manifest, sign, encrypt: one pass)",
                            lambda: _drain(package.write_package(db, folder / f"{round_}.pkg", by=scope,
                                                                 full=round_ == 1)))
            print(f"  package file: {written.size / 1e6:.1f} MB, audit entries sent {written.manifest.audit_entries}")
        print(f"peak memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
              f"(before the rounds {rss / 1024:.0f} MB)")
        street = enroll.read_street_key(folder / "street.key", PASSWORD)
        card = enroll.read_card(folder / "office.card")
        got = timed("read_package (signature, manifest)",
                    lambda: package.read_package(folder / "1.pkg", street, {card.uuid: card}))
        read = timed("every row of it read and checked against the manifest",
                     lambda: sum(sum(1 for _ in rows) for _, rows in got.tables()))
        print(f"  rows read: {read}")
        s.close()
    return 0


def _drain(job):
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value


if __name__ == "__main__":
    sys.exit(main())
