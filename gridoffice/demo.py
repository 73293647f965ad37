"""A year of activity on top of a generated office: matters, visits, daily logs and needs.

Kept apart from generator.py so the figures of issue 2 (households and persons) time the
office alone; the demo office and the benchmarks of later pages add this year on top.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from sqlite_utils import Database

from .i18n import tr
from .matters_demo import generate_matters
from .visits_demo import generate_activity


# Labels of the counts add_activity returns; shown through tr() where printed.
LABELS = {
    "visits": "走访",
    "household_visits": "入户",
    "needs": "居民需求",
    "log_entries": "民情日记",
    "comments": "领导点评",
    "matters": "民情事项",
}


def add_activity(db: Database, *, seed: int, today: dt.date | None = None) -> Iterator[tuple[int, int, str]]:
    """Progress generator; returns the counts of what was added."""
    today = today or dt.date.today()
    yield 0, 2, tr("正在生成一年的走访、民情日记和需求……")
    counts = dict(generate_activity(db, seed=seed, today=today))
    yield 1, 2, tr("正在生成一年的民情事项……")
    counts["matters"] = generate_matters(db, seed=seed, today=today)
    yield 2, 2, tr("已生成一年的工作记录")
    return counts
