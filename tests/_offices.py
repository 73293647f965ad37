"""A small generated office with a year of activity, shared by the global-id and package tests."""

from __future__ import annotations

import datetime as dt

from commands._progress import consume
from gridoffice.activity import board_slips, logs, must_visits
from gridoffice.archive import office_tags, people
from gridoffice.demo import activity, generator
from gridoffice.matters import rules

TODAY = dt.date(2026, 11, 22)


def small_office(db, households: int = 40, seed: int = 3) -> None:
    """Rows in every travelling table: the generator's office, a year of activity, and a diary entry
    naming a matter, a meeting decision, a must-visit, a campaign and the message board's and the
    slips' entries (the kinds the generator leaves out)."""
    consume(generator.generate(db, households=households, seed=seed, today=TODAY))
    consume(activity.add_activity(db, seed=seed, today=TODAY))
    activity.add_demo_accounts(db)
    staff_id, household_id = db.execute("SELECT staff_id, household_id FROM contacts ORDER BY id LIMIT 1").fetchone()
    matter_id = db.execute("SELECT id FROM matters ORDER BY id LIMIT 1").fetchone()[0]
    logs.add_entry(db, staff_id, TODAY, "入户了解用水问题", household_ids=[household_id], matter_ids=[matter_id],
                   today=TODAY)
    rules.record_decision(db, matter_id, TODAY, "由物业牵头，一周内修复", by="admin",
                            now=dt.datetime(2026, 11, 22, 10, 0))
    # An office register with an entry, and a household's hardship (office_tags).
    person_id = db.execute("SELECT id FROM persons WHERE status = 'active' ORDER BY id LIMIT 1").fetchone()[0]
    people.add_tag(db, person_id, office_tags.add_register(db, "失业人员"), since="2025-03-01", today=TODAY)
    office_tags.add_household_tag(db, household_id, "低保户", since="2025-01-01", today=TODAY)
    # A must-visit, a visit campaign with its grid assigned, a message taken in as a matter.
    number, grid = db.execute("SELECT h.number, coalesce(u.grid_id, u.id) FROM households h "
                              "JOIN org_units u ON u.id = h.org_id WHERE h.id = ?", [household_id]).fetchone()
    must_visits.record(db, household_id, "重病或住院", noted_on=TODAY, today=TODAY)
    campaign = must_visits.plan_campaign(db, "春节前集中走访", start_on="2026-01-10", end_on="2026-02-10")
    must_visits.assign(db, campaign, grid, staff_id)
    message = board_slips.add(db, "board", received_on=TODAY, content="楼道灯不亮", household_number=number,
                              today=TODAY)
    board_slips.to_matter(db, message, category_id=1, grade="urgent", title="楼道灯不亮",
                          now=dt.datetime(2026, 11, 22, 11, 0))
    slip = board_slips.add(db, "slip", received_on=TODAY, content="屋顶漏雨", sender="李干部", addressee="城建办",
                           household_number=number, today=TODAY)
    board_slips.to_need(db, slip, today=TODAY)
