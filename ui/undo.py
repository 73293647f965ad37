"""Undoable edits: each runs a core call, and on success pushes a command holding its inverse.

Field edits, moving a household and changing the head have inverses of their own in the core
(update back, move back, make the old head head again). Every other operation (the household
operations, visits and a paper week, logs and comments, needs, a matter's intake and the clerk's
steps, staff and teams) is taken back by its own audit entries (gridoffice.audit.revert, `operation`
below; a WriteDialog's `submit(undoable=True)` goes through it): undo reverts the operation's
entries, redo reverts the undo's. The command is pushed after the
write succeeded, so a refused edit never enters the stack; an undo the core refuses (the rows
changed since) is told and empties the stack, whose place no longer matches the archive.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand
from sqlite_utils import Database

from gridoffice.archive import households, people
from gridoffice.audit import revert


def tr(text: str) -> str:
    return QCoreApplication.translate("undo", text)


class CoreCommand(QUndoCommand):
    """Redo/undo send core calls through the writer; the first redo is the edit already done."""

    def __init__(self, ctx, text: str, do: Callable[[Database], Any], undo: Callable[[Database], Any],
                 initiator: object = None):
        super().__init__(text)
        self.ctx = ctx
        self._do = do
        self._undo = undo
        self._initiator = initiator
        self._done_already = True

    def redo(self) -> None:
        if self._done_already:
            self._done_already = False
            return
        self._write(self._do, tr("重做：{t}").format(t=self.text()))

    def undo(self) -> None:
        self._write(self._undo, tr("撤销：{t}").format(t=self.text()))

    def _write(self, fn: Callable[[Database], Any], description: str) -> None:
        # An undo or redo is nobody's own redraw: every page showing the rows catches up.
        self.ctx.write(fn, description=description)


class RevertCommand(CoreCommand):
    """An operation taken back and forth by its audit entries; `run` is the last change made."""

    def __init__(self, ctx, text: str, run: revert.Run):
        super().__init__(ctx, text, self._revert, self._revert)
        self.run = run

    def _revert(self, db: Database) -> revert.Run:
        return revert.revert(db, self.run)

    def _write(self, fn: Callable[[Database], Any], description: str) -> None:
        def refused(exc: BaseException) -> None:
            self.ctx.write_failed.emit(description, exc)
            self.ctx.undo_stack.clear()

        self.ctx.write(fn, description=description, on_done=self._moved, on_error=refused)

    def _moved(self, run: revert.Run) -> None:
        self.run = run


def operation(ctx, text: str, fn: Callable[[Database], Any], *, initiator: object = None,
              on_done=None, on_error=None) -> None:
    """fn(db) through the writer as one undoable step; on_done gets fn's result."""

    def done(out) -> None:
        result, run = out
        ctx.undo_stack.push(RevertCommand(ctx, text, run))
        if on_done:
            on_done(result)

    ctx.write(lambda db: revert.run_of(db, fn), description=text, initiator=initiator, on_done=done, on_error=on_error)


def _push(ctx, text: str, do, undo, on_done):
    def done(_result):
        ctx.undo_stack.push(CoreCommand(ctx, text, do, undo))
        if on_done:
            on_done(_result)
    return done


def edit_person(ctx, person_id: int, changes: dict, text: str, on_done=None, initiator: object = None) -> None:
    """update_person with the given changes; undo writes the old values back."""
    old: dict = {}
    scope = ctx.scope()

    def do(db: Database):
        current = people.get_person(db, person_id, scope=scope)
        old.clear()
        old.update({k: getattr(current, k) or "" for k in changes})
        return people.update_person(db, person_id, **changes)

    ctx.write(do, description=text, initiator=initiator,
              on_done=_push(ctx, text, lambda db: people.update_person(db, person_id, **changes),
                            lambda db: people.update_person(db, person_id, **old), on_done))


def edit_household(ctx, household_id: int, changes: dict, text: str, on_done=None, initiator: object = None) -> None:
    old: dict = {}
    scope = ctx.scope()

    def do(db: Database):
        current = households.get_household(db, household_id, scope=scope)
        old.clear()
        old.update({k: getattr(current, k) for k in changes})
        households.update_household(db, household_id, **changes)

    ctx.write(do, description=text, initiator=initiator,
              on_done=_push(ctx, text, lambda db: households.update_household(db, household_id, **changes),
                            lambda db: households.update_household(db, household_id, **old), on_done))


def move_household(ctx, household_id: int, org_id: int, text: str, on_done=None, initiator: object = None) -> None:
    old: dict = {}
    scope = ctx.scope()

    def do(db: Database):
        old["org_id"] = households.get_household(db, household_id, scope=scope).org_id
        households.move_household(db, household_id, org_id)

    ctx.write(do, description=text, initiator=initiator,
              on_done=_push(ctx, text, lambda db: households.move_household(db, household_id, org_id),
                            lambda db: households.move_household(db, household_id, old["org_id"]), on_done))


def change_head(ctx, household_id: int, new_head_id: int, old_head_relation: str, relations: dict, text: str,
                on_done=None, initiator: object = None) -> None:
    """Undo makes the old head head again and gives everyone else their old relation back."""
    before: dict = {}
    scope = ctx.scope()

    def do(db: Database):
        h = households.get_household(db, household_id, scope=scope)
        before.clear()
        before["head"] = h.head.id if h.head else None
        before["relations"] = {p.id: p.relation for p in h.active_members}
        households.change_head(db, household_id, new_head_id, old_head_relation, relations=relations)

    def undo(db: Database):
        old_head = before["head"]
        others = {pid: rel for pid, rel in before["relations"].items() if pid not in (old_head, new_head_id)}
        households.change_head(db, household_id, old_head, before["relations"][new_head_id], relations=others)

    ctx.write(do, description=text, initiator=initiator,
              on_done=_push(ctx, text, lambda db: households.change_head(
                  db, household_id, new_head_id, old_head_relation, relations=relations), undo, on_done))
