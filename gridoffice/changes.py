"""What a write changed, as a typed set of flags (Anki's OpChanges).

Each writing function of the core declares what it changes (`@writes(Changes.TEAMS)`): the flags
are kept on the function (`of(fn)`) and reported each time it returns inside `collect()`. The
window's writer collects around every write and announces the union of what the core calls it ran
reported, so a write the GUI builds from several core calls (or one call in a lambda) names no
flags of its own, and a step that ran no declared call announces nothing.
"""

from __future__ import annotations

import enum
import functools
import inspect
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar


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
# A roster import may add grids, households, persons and their tags, and remembers the sheet's columns.
ROSTER = Changes.ORG | ARCHIVE | Changes.TAGS | Changes.SETTINGS

F = TypeVar("F", bound=Callable[..., Any])


class Collected:
    """The flags reported so far inside one collect()."""

    def __init__(self) -> None:
        self.flags = Changes.NONE


_local = threading.local()


def writes(flags: Changes, *, unless: str | None = None) -> Callable[[F], F]:
    """Declare what a core function's writes change. Changes.NONE says it writes nothing a page
    shows (an audit entry of a reveal, an account, a cached check). `unless` names a keyword argument
    that, when true, makes the call write nothing (a trial import's dry_run). A job (a generator)
    reports when it has run to its end, not when it is made."""
    if not isinstance(flags, Changes):
        raise TypeError(f"a declaration is a gridoffice.changes.Changes, not {flags!r}")

    def declare(fn: F) -> F:
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def run(*args: Any, **kwargs: Any) -> Any:
                result = yield from fn(*args, **kwargs)
                if not (unless and kwargs.get(unless)):
                    report(flags)
                return result
        else:
            @functools.wraps(fn)
            def run(*args: Any, **kwargs: Any) -> Any:
                result = fn(*args, **kwargs)
                if not (unless and kwargs.get(unless)):
                    report(flags)
                return result

        run.changes = flags  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return declare


def report(flags: Changes) -> None:
    """Add flags to what the innermost collect() of this thread saw (nothing outside one)."""
    seen = getattr(_local, "current", None)
    if seen is not None:
        seen.flags |= flags


@contextmanager
def collect() -> Iterator[Collected]:
    """Collect what the declared core calls made inside report; an inner collect() passes its
    flags on to the outer one when it ends."""
    seen = Collected()
    outer = getattr(_local, "current", None)
    _local.current = seen
    try:
        yield seen
    finally:
        _local.current = outer
        if outer is not None:
            outer.flags |= seen.flags


def of(fn: Callable[..., Any]) -> Changes | None:
    """What a core function declares it changes (read through functools.partial); None when undeclared."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return getattr(fn, "changes", None)
