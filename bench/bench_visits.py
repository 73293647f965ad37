"""Visits and daily logs at scale: a year of activity on a generated office, the overdue lists, and
the workbench and visits pages opening.

    python bench/bench_visits.py [--db /tmp/gridoffice-bench/office-50k.db] [--keep PATH]

Works on a COPY of the given office (default: the 50,000-household bench office), adds a year of
matters if it has none and a year of visits, logs and needs, then prints one line per figure.
Target (issue 7): each screen opens in <= 0.3 s at 50,000 households with a year of activity.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridoffice.access import users
from gridoffice.activity import logs, visits
from gridoffice.audit import trail  # noqa: E402
from gridoffice.store.db import connect, open_db  # noqa: E402
from gridoffice.demo.matters import generate_matters  # noqa: E402
from gridoffice.demo.visits import generate_activity  # noqa: E402

from _common import scratch, timed  # noqa: E402 (bench/ is the script's folder)


def prepare(source: Path, path: Path, today: dt.date) -> None:
    src = sqlite3.connect(f"file:{source.as_posix()}?mode=ro", uri=True)
    dst = sqlite3.connect(str(path))
    src.backup(dst)
    dst.close()
    src.close()
    db = open_db(path)
    trail.set_actor(db, "bench")
    if not db.execute("SELECT 1 FROM matters LIMIT 1").fetchone():
        start = time.perf_counter()
        made = generate_matters(db, seed=5, today=today)
        print(f"generate_matters: {made} matters in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    counts = generate_activity(db, seed=5, today=today)
    made = ", ".join(f"{k} {v}" for k, v in counts.items())
    print(f"generate_activity: {time.perf_counter() - start:.1f} s, {made}")
    db.close()


def core_figures(path: Path, today: dt.date) -> tuple[int, int]:
    db = connect(path, readonly=True)
    office = users.whole_office("bench")
    grids = timed("overdue_by_grid (whole office)", lambda: visits.overdue_by_grid(db, scope=office, today=today))
    people = timed("overdue_by_staff (whole office)", lambda: visits.overdue_by_staff(db, scope=office, today=today))
    households = sum(g.households for g in grids)
    overdue = sum(g.overdue for g in grids)
    print(f"figures: {households} active households, {overdue} overdue ({overdue / max(households, 1):.1%}), "
          f"{len(grids)} grids, {len(people)} staff with contacts")
    busiest = max(people, key=lambda p: p.households)
    print(f"busiest contact: {busiest.name} with {busiest.households} households, {busiest.overdue} overdue")
    typical = sorted(people, key=lambda p: p.households)[len(people) // 2]
    timed(f"contacts_due (busiest, {busiest.households})",
          lambda: visits.contacts_due(db, busiest.id, scope=office, today=today))
    timed(f"contacts_due (typical, {typical.households})",
          lambda: visits.contacts_due(db, typical.id, scope=office, today=today))
    timed("overdue_households (worst grid)",
          lambda: visits.overdue_households(db, scope=office, grid_id=grids[0].id, today=today))
    timed("overdue_households (whole office, first 2000)", lambda: visits.overdue_households(db, scope=office, today=today))
    timed("visits_of_staff (50 newest)", lambda: visits.visits_of_staff(db, busiest.id, scope=office))
    timed("entries_of (50 newest)", lambda: logs.entries_of(db, busiest.id, scope=office))
    timed("needs_list (open)", lambda: logs.needs_list(db, scope=office))
    month = (today - dt.timedelta(days=30)).isoformat()
    row = db.execute("SELECT count(*), count(DISTINCT household_id) FROM visit_households WHERE voided = 0 "
                     "AND visited_on > ?", [month]).fetchone()
    needs = db.execute("SELECT sum(status = 'open'), sum(status = 'solved') FROM needs").fetchone()
    print(f"figures: last 30 days {row[0]} household visits to {row[1]} households; needs open {needs[0]}, "
          f"solved {needs[1]}")
    db.close()
    return busiest.id, typical.id


def gui_figures(path: Path, staff_id: int, typical_id: int) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.context import AppContext
    from ui.pages.visits_page import VisitsPage
    from ui.pages.workbench_page import WorkbenchPage

    app = QApplication.instance() or QApplication([])
    ctx = AppContext(path)

    def open_page(cls, prepare=None):
        page = cls(ctx)
        page.resize(1366, 768)
        page.show()
        if prepare:
            prepare(page)
        page.activated()
        while page.is_loading():
            app.processEvents()
            time.sleep(0.002)
        app.processEvents()
        page.close()
        page.deleteLater()

    timed("workbench page open (busiest contact, until filled)",
          lambda: open_page(WorkbenchPage, lambda p: p.select_staff(staff_id)), repeat=3)
    timed("workbench page open (typical contact, until filled)",
          lambda: open_page(WorkbenchPage, lambda p: p.select_staff(typical_id)), repeat=3)
    timed("visits page open (overdue per grid and staff, until filled)", lambda: open_page(VisitsPage), repeat=3)
    ctx.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="/tmp/gridoffice-bench/office-50k.db")
    parser.add_argument("--keep", help="write the copy with activity here and keep it")
    parser.add_argument("--reuse", action="store_true", help="--keep file already prepared: only time")
    args = parser.parse_args()
    today = dt.date.today()
    with scratch("bench-visits") as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "office.db"
        if not args.reuse:
            if path.exists():
                path.unlink()
            prepare(Path(args.db), path, today)
        print(f"load average: {os.getloadavg()[0]:.1f}")
        gui_figures(path, *core_figures(path, today))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
