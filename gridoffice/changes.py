"""What a write changed, as a typed set of flags (Anki's OpChanges).

The window's writer announces a `Changes` value after every write; each page names the flags that
concern it and redraws only for those. The core says what its writing modules change
(`BY_MODULE`), so a core function handed to the writer as it is needs no flags from its caller;
a caller that wraps core calls in a function of its own names the flags itself.
"""

from __future__ import annotations

import enum
import functools
from typing import Any, Callable


class Changes(enum.Flag):
    NONE = 0
    ORG = enum.auto()  # the org tree: units, their names and places (and the counts shown beside them)
    HOUSEHOLDS = enum.auto()
    PERSONS = enum.auto()
    TAGS = enum.auto()  # population tags and the office's own registers
    STAFF = enum.auto()
    TEAMS = enum.auto()  # service teams, their members and reviews
    CONTACTS = enum.auto()  # which staff member is the contact of which household
    MATTERS = enum.auto()
    NEEDS = enum.auto()  # residents' needs noted on visits, in logs and on board slips
    VISITS = enum.auto()  # visits, must-visit situations and campaigns
    LOGS = enum.auto()  # work logs and their comments
    SETTINGS = enum.auto()  # the office's settings: hotline, printer offset, templates, time limits


ARCHIVE = Changes.HOUSEHOLDS | Changes.PERSONS

# What the writes of each core module change. A module whose writes change nothing a page shows
# (accounts, reveals, print records) says so with Changes.NONE.
BY_MODULE: dict[str, Changes] = {
    "gridoffice.households": ARCHIVE,
    "gridoffice.people": ARCHIVE,
    "gridoffice.tag_entries": ARCHIVE | Changes.TAGS,
    "gridoffice.tag_import": ARCHIVE | Changes.TAGS,
    "gridoffice.office_tags": Changes.TAGS,
    "gridoffice.regions": Changes.ORG,
    "gridoffice.staff": Changes.STAFF | Changes.TEAMS | Changes.CONTACTS,
    "gridoffice.staff_accounts": Changes.STAFF,
    "gridoffice.team_reviews": Changes.TEAMS,
    "gridoffice.visits": Changes.VISITS | Changes.NEEDS,
    "gridoffice.must_visits": Changes.VISITS,
    "gridoffice.logs": Changes.LOGS | Changes.NEEDS,
    "gridoffice.board_slips": Changes.MATTERS | Changes.NEEDS,
    "gridoffice.matters": Changes.MATTERS,
    "gridoffice.matter_settings": Changes.MATTERS | Changes.SETTINGS,
    "gridoffice.cards": Changes.SETTINGS,
    "gridoffice.stats_assessment": Changes.SETTINGS,
    "gridoffice.roster_import": Changes.ORG | ARCHIVE | Changes.SETTINGS,
    "gridoffice.users": Changes.NONE,
    "gridoffice.masking": Changes.NONE,
    "gridoffice.audit_log": Changes.NONE,
}


def of(fn: Callable[..., Any]) -> Changes | None:
    """What a core function changes by its module's declaration; None when fn is not one."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return BY_MODULE.get(getattr(fn, "__module__", None) or "")


def of_module(module: Any) -> Changes:
    """What the writes of a core module change (for a caller that wraps one of its functions)."""
    return BY_MODULE[module.__name__]
