"""Timings behind the 重点人群, 组织与网格 and 完整性检查 pages; one line per figure.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_registers.py [--office PATH] [--households 50000]

Builds the office with the project's generator when PATH does not exist yet (kept for the next run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(label: str, fn, repeat: int = 3):
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - start) * 1000)
    print(f"{label}: {statistics.median(runs):.0f} ms")
    return result


def build(path: Path, households: int) -> None:
    from commands._progress import consume
    from gridoffice import audit, generator
    from gridoffice.db import open_db

    db = open_db(path)
    audit.set_actor(db, "bench")
    start = time.perf_counter()
    consume(generator.generate(db, households=households, seed=7))
    db.close()
    print(f"generate {households} households: {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--office", type=Path, default=Path("/tmp/gridoffice-bench/registers-50k.db"))
    parser.add_argument("--households", type=int, default=50000)
    args = parser.parse_args()
    if not args.office.exists():
        args.office.parent.mkdir(parents=True, exist_ok=True)
        build(args.office, args.households)

    from gridoffice import checks, regions, registers
    from gridoffice.db import connect

    db = connect(args.office)
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    grid = db.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY id LIMIT 1").fetchone()[0]
    print(f"office: {args.office.name}, {persons} persons")
    timed("register counts, whole office", lambda: registers.counts(db))
    timed("register counts, one grid", lambda: registers.counts(db, org_id=grid))
    ids = timed("60+ register ids, whole office (by household)", lambda: registers.person_ids(db, "age:elderly_60"))
    print(f"60+ register size: {len(ids)}")
    timed("60+ register ids, sorted by age", lambda: registers.person_ids(db, "age:elderly_60", sort="age"))
    timed("one window of 200 rows", lambda: registers.rows(db, ids[len(ids) // 2:len(ids) // 2 + 200]))
    timed("org tree: all units + counts", lambda: (regions.all_units(db), regions.counts(db)))

    def check():
        job = checks.completeness(db)
        while True:
            try:
                next(job)
            except StopIteration as stop:
                return stop.value

    problems = timed("completeness check", check, repeat=1)
    print(f"completeness problems: {len(problems)}")

    from PySide6.QtWidgets import QApplication

    from ui.context import AppContext
    from ui.pages.org_page import OrgPage

    app = QApplication.instance() or QApplication([])
    ctx = AppContext(args.office)
    page = OrgPage(ctx)
    page.resize(1366, 768)
    page.show()
    timed("org page reload (tree, counts, first unit)", page.reload)
    page.select_unit(grid)
    page.tabs.setCurrentIndex(2)
    timed("contact picker: load one grid", page._show_contacts)
    app.processEvents()
    ctx.close()


if __name__ == "__main__":
    main()
