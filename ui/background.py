"""Background reads where only the newest request matters (search as you type, table reloads).

Each LatestWorker owns one thread with its own read connection. A request submitted while another
is waiting replaces it; a result that arrives after a newer request was submitted is dropped, so
a slow answer to an old keystroke never overwrites the answer to the new one. A read that is running
when it is superseded (or discarded) is interrupted inside SQLite, so the newer request starts at once
instead of after the old read's last row.

A worker thread never drops the last reference to what the GUI thread gave it (Outcome says why):
each request's function goes back to the GUI thread with its answer, superseded or not.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from typing import Any, Callable

import sqlcipher3.dbapi2 as sqlite3
from PySide6.QtCore import QObject, Signal
from sqlite_utils import Database

from gridoffice.store.db import shrink_memory
from gridoffice.errors import GridOfficeError

from . import collector

# SQLite asks every this many virtual machine steps whether the running read is still wanted: often
# enough to stop within a millisecond or so, rarely enough to cost nothing measurable.
STALE_CHECK_STEPS = 10_000


class Outcome:
    """An answer on its way from a worker thread to the GUI thread, with the function that gave it.

    The last reference to go deletes a Qt object that Python owns, on the thread that drops it; and
    PySide hands a dialog to Python once its exec() returns. A worker that held the last reference
    to a dialog's method deleted the dialog, its widgets and models on its own thread while the GUI
    thread delivered their queued signals, and Qt crashed (the paper week's undo). So a worker puts
    what it holds in here, lets go of its own references, and only then reports; the GUI thread
    takes everything out with take().
    """

    __slots__ = ("result", "error", "fn")

    def __init__(self) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.fn: Callable | None = None

    def take(self) -> tuple[Any, BaseException | None]:
        result, error = self.result, self.error
        self.result = self.error = self.fn = None
        return result, error


class LatestWorker(QObject):
    _delivered = Signal(int, object)  # generation, Outcome
    busy_changed = Signal(bool)

    def __init__(self, ctx, name: str = "reader", parent: QObject | None = None, *, cache_mb: int | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self._cache_mb = cache_mb  # None: a worker's small page cache (AppContext.open_reader)
        self._cond = threading.Condition()
        self._request: tuple[int, Callable[[Database], Any]] | None = None
        self._generation = 0
        self._running = 0  # the generation the thread works on
        self._callbacks: dict[int, tuple[Callable, Callable | None]] = {}
        self._stopped = False
        self._delivered.connect(self._deliver)
        ctx.closing.connect(self.stop)
        self._thread = threading.Thread(target=self._loop, name=f"gridoffice-{name}", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[Database], Any], on_result: Callable[[Any], None],
               on_error: Callable[[BaseException], None] | None = None) -> int:
        """Run fn(db) on the worker; on_result(result) runs on the GUI thread unless superseded."""
        with self._cond:
            self._generation += 1
            gen = self._generation
            self._request = (gen, fn)
            self._callbacks = {gen: (on_result, on_error)}
            self._cond.notify()
        self.busy_changed.emit(True)
        return gen

    @property
    def pending(self) -> bool:
        return bool(self._callbacks)

    def discard(self) -> None:
        """Forget the pending request: a result still on its way is dropped."""
        with self._cond:
            self._generation += 1
            self._request = None
            self._callbacks = {}

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._request = None
            self._callbacks = {}
            self._cond.notify()

    def _loop(self) -> None:
        db: Database | None = None
        try:
            while True:
                with self._cond:
                    while self._request is None and not self._stopped:
                        self._cond.wait()
                    if self._stopped:
                        return
                    gen, fn = self._request
                    self._running = gen
                    self._request = None
                if db is None:
                    db = self._ctx.open_reader() if self._cache_mb is None else self._ctx.open_reader(self._cache_mb)
                    db.conn.set_progress_handler(self._stale, STALE_CHECK_STEPS)
                outcome = Outcome()
                try:
                    outcome.result = fn(db)
                except BaseException as exc:  # noqa: BLE001 - reported on the GUI thread
                    # Superseded or interrupted, nobody waits for the failure: _deliver drops it.
                    if not self._stale() and not isinstance(exc, GridOfficeError):
                        traceback.print_exc()
                    outcome.error = exc
                finally:
                    # A worker's small cache mostly holds the tail of a scan: handed back between
                    # requests, it does not sit idle in each of the window's dozen readers.
                    if self._cache_mb is None and self._request is None:
                        with contextlib.suppress(sqlite3.OperationalError):  # interrupted by a new request
                            shrink_memory(db)
                outcome.fn = fn
                del fn
                self._emit(gen, outcome)
                del outcome
        finally:
            if db is not None:
                db.close()

    def _stale(self) -> bool:
        """True when the running request was superseded, discarded or the worker stopped (SQLite's
        progress handler: a true answer interrupts the running statement)."""
        return self._stopped or self._running != self._generation

    def _emit(self, gen: int, outcome: Outcome) -> None:
        with self._cond:
            if self._stopped:  # the window is closing: nothing is left to hand back to, but the
                # request's function may be the last reference to the closing page's objects
                collector.release(outcome)
                return
        # Superseded answers go too: the GUI thread lets go of their function (Outcome).
        self._delivered.emit(gen, outcome)

    def _deliver(self, gen: int, outcome: Outcome) -> None:
        result, error = outcome.take()
        callbacks = self._callbacks.pop(gen, None)
        if callbacks is None:
            return
        self.busy_changed.emit(False)
        on_result, on_error = callbacks
        if error is None:
            on_result(result)
        elif on_error is not None:
            on_error(error)
