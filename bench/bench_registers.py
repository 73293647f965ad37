"""Timings behind the 重点人群, 组织与网格 and 完整性检查 pages; one line per figure.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_registers.py [--office PATH] [--households 50000]

Builds the office with the project's generator when PATH does not exist yet (kept for the next run).
"""

from __future__ import annotations

import argparse

from _common import office_from_arguments, timed  # noqa: E402 (bench/ is the script's folder)


def main() -> None:
    args = office_from_arguments(argparse.ArgumentParser(), "registers-50k.db")

    from gridoffice.access import users
    from gridoffice.archive import completeness, registers
    from gridoffice.org import regions
    from gridoffice.store.db import connect

    db = connect(args.office)
    office = users.whole_office("bench")  # the pages as an administrator reads them
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    grid = db.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY id LIMIT 1").fetchone()[0]
    print(f"office: {args.office.name}, {persons} persons")
    timed("register counts, whole office", lambda: registers.counts(db, scope=office))
    timed("register counts, one grid", lambda: registers.counts(db, scope=office, org_id=grid))
    ids = timed("60+ register ids, whole office (by household)", lambda: registers.person_ids(db, "age:elderly_60", scope=office))
    print(f"60+ register size: {len(ids)}")
    timed("60+ register ids, sorted by age", lambda: registers.person_ids(db, "age:elderly_60", scope=office, sort="age"))
    timed("one window of 200 rows", lambda: registers.rows(db, ids[len(ids) // 2:len(ids) // 2 + 200], scope=office))
    timed("org tree: all units + counts", lambda: (regions.all_units(db), regions.counts(db, office)))

    def check():
        job = completeness.completeness(db, scope=office)
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
