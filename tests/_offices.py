"""A small generated office with a year of activity, shared by the global-id and package tests."""

from __future__ import annotations

import datetime as dt

from commands._progress import consume
from gridoffice import demo, generator, logs, matters

TODAY = dt.date(2026, 11, 22)


def small_office(db, households: int = 40, seed: int = 3) -> None:
    """Rows in every travelling table: the generator's office, a year of activity, and a diary entry
    naming a matter and a meeting decision (the kinds the generator leaves out)."""
    consume(generator.generate(db, households=households, seed=seed, today=TODAY))
    consume(demo.add_activity(db, seed=seed, today=TODAY))
    demo.add_demo_accounts(db)
    staff_id, household_id = db.execute("SELECT staff_id, household_id FROM contacts ORDER BY id LIMIT 1").fetchone()
    matter_id = db.execute("SELECT id FROM matters ORDER BY id LIMIT 1").fetchone()[0]
    logs.add_entry(db, staff_id, TODAY, "入户了解用水问题", household_ids=[household_id], matter_ids=[matter_id],
                   today=TODAY)
    matters.record_decision(db, matter_id, TODAY, "由物业牵头，一周内修复", by="admin",
                            now=dt.datetime(2026, 11, 22, 10, 0))
