"""Which tables travel to the street, and how their local references become global ids.

Every travelling table has a `gid` (m010): a UUID the database makes when a row is inserted and
never changes. In a package a row carries no local integer id: `id` is left out (the gid names the
row) and every reference `x_id` to another travelling record becomes `x_gid`, the gid of that
record. `path` of an org unit is a chain of local ids and is left out too (parent_gid rebuilds it).
Users, settings, the time limits (the office's own configuration), visit_last and the search
indexes (derived) never travel.

Order: a table comes after every table it refers to, but for one cycle: a household's
representative_gid names one of its persons, which come after it (a receiver defers that check).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    name: str
    # local column -> the travelling table it refers to; in a package the column is named *_gid.
    refs: dict[str, str] = field(default_factory=dict)
    # columns that do not travel at all (local ids that cannot be translated one to one)
    dropped: tuple[str, ...] = ()

    def gid_column(self, column: str) -> str:
        """`household_id` -> `household_gid`."""
        return column[:-3] + "_gid" if column.endswith("_id") else column + "_gid"


TABLES: tuple[Table, ...] = (
    Table("org_units", {"parent_id": "org_units", "grid_id": "org_units"}, dropped=("path",)),
    Table("households", {"org_id": "org_units", "representative_id": "persons"}),
    Table("persons", {"household_id": "households"}),
    Table("person_tags", {"person_id": "persons"}),
    Table("office_tags"),  # an office's own registers (m012), named by person_tags.tag
    Table("household_tags", {"household_id": "households"}),  # 低保户, 困难户 (m012)
    Table("staff", {"person_id": "persons", "org_id": "org_units"}),
    Table("staff_roles", {"staff_id": "staff", "org_id": "org_units"}),
    Table("teams", {"grid_id": "org_units"}),
    Table("team_members", {"team_id": "teams", "staff_id": "staff"}),
    Table("team_reviews", {"team_id": "teams", "reviewer_team_id": "teams"}),
    Table("contacts", {"staff_id": "staff", "household_id": "households"}),
    Table("matter_categories"),
    Table("matters", {"category_id": "matter_categories", "person_id": "persons", "household_id": "households",
                      "grid_id": "org_units", "taker_staff_id": "staff", "assignee_staff_id": "staff"}),
    Table("matter_events", {"matter_id": "matters"}),
    Table("matter_meeting_items", {"matter_id": "matters"}),
    Table("visits", {"staff_id": "staff"}),
    Table("visit_households", {"visit_id": "visits", "household_id": "households"}),
    Table("must_visits", {"household_id": "households"}),
    Table("visit_campaigns", {"org_id": "org_units"}),
    Table("campaign_assignments", {"campaign_id": "visit_campaigns", "grid_id": "org_units", "staff_id": "staff"}),
    Table("needs", {"household_id": "households", "visit_id": "visits", "staff_id": "staff", "matter_id": "matters"}),
    Table("log_entries", {"staff_id": "staff"}),
    Table("log_households", {"entry_id": "log_entries", "household_id": "households"}),
    Table("log_matters", {"entry_id": "log_entries", "matter_id": "matters"}),
    Table("log_comments", {"entry_id": "log_entries", "author_staff_id": "staff"}),
    Table("board_slips", {"household_id": "households", "grid_id": "org_units", "matter_id": "matters",
                          "need_id": "needs"}),
)
# The audit trail travels too, but as the hash chain wrote it (package.py says how).
AUDIT = "audit"
NAMES: tuple[str, ...] = tuple(t.name for t in TABLES) + (AUDIT,)
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
