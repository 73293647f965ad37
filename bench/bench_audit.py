"""The audit trail's guards: what the head kept by trigger costs a save, and how long a check with an anchor takes.

Baseline in the same run: the same office file with the head trigger dropped. Each save is one
transaction with one entry, as a clerk's save is (synchronous=FULL, WAL).

    python bench/bench_audit.py [--entries N] [--chain N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import scratch, timed

from gridoffice.audit import trail, anchors, journal
from gridoffice.store.db import open_db


def _saves(db, n: int) -> None:
    for i in range(n):
        with db.atomic():
            trail.record(db, "update", "persons", i, old={"name": "甲"}, new={"name": "乙"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2000, help="saves timed per round")
    parser.add_argument("--chain", type=int, default=200_000, help="entries in the trail that is checked")
    args = parser.parse_args()
    with scratch("bench-audit") as folder:
        guarded = open_db(Path(folder) / "guarded.db")
        bare = open_db(Path(folder) / "bare.db")
        bare.execute("DROP TRIGGER audit_head")
        for db in (guarded, bare):
            trail.set_actor(db, "bench")
        timed(f"{args.entries} saves with the head trigger", lambda: _saves(guarded, args.entries))
        timed(f"{args.entries} saves without it (baseline)", lambda: _saves(bare, args.entries))
        bare.close()
        with guarded.atomic():
            for i in range(args.chain - anchors.head(guarded).entry):
                trail.record(guarded, "update", "persons", i, old={"name": "甲"}, new={"name": "乙"})
        anchor = anchors.head(guarded)
        total = anchors.head(guarded).entry
        timed(f"check of {total} entries without an anchor", lambda: journal.check(guarded), repeat=3)
        checked = timed(f"check of {total} entries with an anchor", lambda: journal.check(guarded, [anchor]), repeat=3)
        assert checked == (total, []), checked
        guarded.close()


if __name__ == "__main__":
    main()
