"""Cards at scale: 10,000 household cards with QR codes, ten to an A4 page.

    python bench/bench_cards.py [--db OFFICE.db] [--cards 10000] [--duplex] [--runs 3]

Works on a COPY of the office file (default /tmp/gridoffice-bench/office-50k.db), since an
export is written to its audit trail. Prints one line per figure, each the median of the runs,
with the processor time beside the wall time (the machine is shared).
Target (issue 9): 10,000 cards with QR codes in <= 15 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exports.cards import export_cards  # noqa: E402
from gridoffice.access import users
from gridoffice.audit import trail
from gridoffice.reports import cards as C  # noqa: E402
from gridoffice.store.db import connect  # noqa: E402
from _common import copy_office, log_in  # noqa: E402 (bench/ is the script's folder)

DEFAULT_DB = "/tmp/gridoffice-bench/office-50k.db"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--cards", type=int, default=10000)
    parser.add_argument("--layout", default="service")
    parser.add_argument("--duplex", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "office.db"
        copy_office(Path(args.db), path)
        log_in(path).close()  # the office is encrypted: unlocked like a script does
        db = connect(path)
        trail.set_actor(db, "bench")
        ids = [r[0] for r in db.execute("SELECT id FROM households WHERE status = 'active' ORDER BY number LIMIT ?",
                                        [args.cards])]
        t0 = time.perf_counter()
        scope = users.whole_office("bench")
        C.household_cards(db, ids, scope)
        read = time.perf_counter() - t0
        walls, cpus = [], []
        for run in range(args.runs):
            out = Path(tmp) / f"cards-{run}.pdf"
            w0, c0 = time.perf_counter(), time.process_time()
            job = export_cards(db, out, scope=scope, household_ids=ids, layout=args.layout, duplex=args.duplex)
            while True:
                try:
                    next(job)
                except StopIteration as stop:
                    written = stop.value
                    break
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        db.close()
        size = out.stat().st_size / 1e6
        print(f"read {len(ids)} cards' records: {read:.2f} s")
        print(f"{written.cards} cards with QR, {written.pages} pages ({'duplex' if args.duplex else 'fronts only'}, "
              f"{args.layout}): {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s cpu "
              f"(runs: {', '.join(f'{w:.2f}' for w in walls)}); {size:.1f} MB; "
              f"load {os.getloadavg()[0]:.1f}; target <= 15 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
