"""The org-scope filter shared by the list queries: a user's visible units (users.visible_org_ids)
as one SQL condition, so scoping happens in the query and never after the fact in Python."""

from __future__ import annotations

from collections.abc import Collection


def org_in(column: str, org_ids: Collection[int] | None) -> str:
    """`column IN (...)` for the given units; "1" (no condition) for None, "0" for none at all.

    The ids are ints from the database, so inlining them is safe and keeps the parameter count
    small (a community's subtree can hold hundreds of units)."""
    if org_ids is None:
        return "1"
    if not org_ids:
        return "0"
    return f"{column} IN ({','.join(str(int(i)) for i in sorted(org_ids))})"


def household_in(column: str, org_ids: Collection[int] | None) -> str:
    """`column` (a household id) names a household of the given units."""
    if org_ids is None:
        return "1"
    return f"{column} IN (SELECT id FROM households WHERE {org_in('org_id', org_ids)})"
