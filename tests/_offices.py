"""A small generated office with a year of activity, shared by the global-id and package tests."""

from __future__ import annotations

import datetime as dt

from commands._progress import consume
from gridoffice import demo, generator, logs, matters, office_tags, people

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
    # An office register with an entry, and a household's hardship (office_tags).
    person_id = db.execute("SELECT id FROM persons WHERE status = 'active' ORDER BY id LIMIT 1").fetchone()[0]
    people.add_tag(db, person_id, office_tags.add_register(db, "失业人员"), since="2025-03-01", today=TODAY)
    office_tags.add_household_tag(db, household_id, "低保户", since="2025-01-01", today=TODAY)
