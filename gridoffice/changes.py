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
ROSTER = Changes.ORG | ARCHIVE | Changes.TAGS | Changes.SETTINGS

# What the writes of each core module change. A module whose writes change nothing a page shows
# (accounts, reveals, print records) says so with Changes.NONE.
BY_MODULE: dict[str, Changes] = {
    "gridoffice.archive.households": ARCHIVE,
    "gridoffice.archive.people": ARCHIVE,
    "gridoffice.archive.tag_entries": ARCHIVE | Changes.TAGS,
    "gridoffice.archive.tag_import": ARCHIVE | Changes.TAGS,
    "gridoffice.archive.office_tags": Changes.TAGS,
    "gridoffice.org.regions": Changes.ORG,
    "gridoffice.org.staff": Changes.STAFF | Changes.TEAMS | Changes.CONTACTS,
    "gridoffice.access.staff_accounts": Changes.STAFF,
    "gridoffice.activity.team_reviews": Changes.TEAMS,
    "gridoffice.activity.visits": Changes.VISITS | Changes.NEEDS,
    "gridoffice.activity.must_visits": Changes.VISITS,
    "gridoffice.activity.logs": Changes.LOGS | Changes.NEEDS,
    "gridoffice.activity.board_slips": Changes.MATTERS | Changes.NEEDS,
    "gridoffice.matters.rules": Changes.MATTERS,
    "gridoffice.matters.settings": Changes.MATTERS | Changes.SETTINGS,
    "gridoffice.reports.cards": Changes.SETTINGS,
    "gridoffice.reports.assessment": Changes.SETTINGS,
    # A roster import (importer, planned and written by job and write) may add grids, households,
    # persons and their tags, and remembers the sheet's column mapping.
    "gridoffice.roster.importer": ROSTER,
    "gridoffice.roster.job": ROSTER,
    "gridoffice.roster.write": ROSTER,
    "gridoffice.access.users": Changes.NONE,
    "gridoffice.masking": Changes.NONE,
    "gridoffice.audit.journal": Changes.NONE,
    "gridoffice.archive.completeness": Changes.NONE,  # the check's result kept for 首页, shown by none
}


def of(fn: Callable[..., Any]) -> Changes | None:
    """What a core function changes by its module's declaration; None when fn is not one."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return BY_MODULE.get(getattr(fn, "__module__", None) or "")


def of_module(module: Any) -> Changes:
    """What the writes of a core module change (for a caller that wraps one of its functions)."""
    return BY_MODULE[module.__name__]
