"""A year of activity on top of a generated office: matters, visits, daily logs and needs.

Kept apart from generator.py so the figures of issue 2 (households and persons) time the
office alone; the demo office and the benchmarks of later pages add this year on top.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from sqlite_utils import Database

from gridoffice.i18n import tr


# The demo office's made-up accounts (user, role): all share DEMO_PASSWORD. A generated office gets
# them too, so scripts and tests can log in to it.
DEMO_USERS = (("admin", "admin"), ("clerk", "clerk"), ("grid", "grid_worker"))
DEMO_PASSWORD = "demo1234"


def add_demo_accounts(db: Database) -> None:
    """The demo accounts the office lacks (the administrator is made with the file); the grid
    worker works in the first grid."""
    from gridoffice.access import staff_accounts, users

    grid = db.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY path LIMIT 1").fetchone()
    have = {r[0] for r in db.execute("SELECT name FROM users")}
    # The program itself sets up the demo accounts: it acts as the office's administrator.
    office = users.whole_office(tr("演示数据"))
    for name, role in DEMO_USERS:
        if name in have or (role == "grid_worker" and grid is None):
            continue
        user_id = users.create_user(db, name, DEMO_PASSWORD, role, by=office,
                                    display_name=tr(users.ROLE_LABELS[role]),
                                    org_id=grid[0] if role == "grid_worker" else None)
        # The clerk is a community cadre and the grid worker a staff member of the first grid: each
        # account is someone with contact households, so the workbench opens on their own.
        where = "s.org_id = :grid" if role == "grid_worker" else "s.kind = 'village_cadre'"
        if role in ("clerk", "grid_worker"):
            found = db.execute(
                "SELECT s.id FROM staff s WHERE s.status = 'active' AND " + where +
                " AND EXISTS (SELECT 1 FROM contacts c WHERE c.staff_id = s.id AND c.until IS NULL) "
                "AND NOT EXISTS (SELECT 1 FROM users u WHERE u.staff_id = s.id) ORDER BY s.id LIMIT 1",
                {"grid": grid[0] if grid else None}).fetchone()
            if found:
                staff_accounts.link(db, user_id, found[0], by=office)


# Labels of the counts add_activity returns; shown through tr() where printed.
LABELS = {
    "visits": "走访",
    "household_visits": "入户",
    "needs": "居民需求",
    "log_entries": "民情日记",
    "comments": "领导点评",
    "matters": "民情事项",
    "team_reviews": "团队点评",
}


def add_activity(db: Database, *, seed: int, today: dt.date | None = None) -> Iterator[tuple[int, int, str]]:
    """Progress generator; returns the counts of what was added."""
    # Imported here: the window reads the demo accounts above at every start, and these are heavy.
    from gridoffice.demo.matters import generate_matters, generate_team_reviews
    from gridoffice.demo.visits import generate_activity

    today = today or dt.date.today()
    yield 0, 2, tr("正在生成一年的走访、民情日记和需求……")
    counts = dict(generate_activity(db, seed=seed, today=today))
    yield 1, 2, tr("正在生成一年的民情事项……")
    counts["matters"] = generate_matters(db, seed=seed, today=today)
    counts["team_reviews"] = generate_team_reviews(db, seed=seed, today=today)
    yield 2, 2, tr("已生成一年的工作记录")
    return counts
