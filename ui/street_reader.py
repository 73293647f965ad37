"""The street window's background reader: every query to the store runs on one worker thread, so a
slow or stopped server never freezes the window.

A page asks by slot ("ledger", "search", ...): a new request for a slot makes the one before it stale,
and so does cancel(slot) (the window's 取消). A stale request still waiting is skipped; one already
running on the server is cancelled there (PostgreSQL's cancel request), a community's replica being
built stops between batches, and the answer, if any, is dropped. Long work reports its progress. Answers come back by signal to the
GUI thread. The worker owns the connections: the read-only session for residents' records, the
access connection that writes the street's audit, and the replicas of the communities it built last
(kept per community and package number, so a new package makes a new one; replica.Replicas bounds them).
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import psycopg
from PySide6.QtCore import QObject, Signal

from gridoffice.consolidation import replica, store
from gridoffice.errors import GridOfficeError


@dataclass
class Context:
    """What a request's function gets, on the worker thread."""

    read: psycopg.Connection | None
    write: psycopg.Connection
    stale: Callable[[], bool]
    report: Callable[[int, int, str], None] = lambda done, total, message: None
    _replicas: replica.Replicas = field(default_factory=replica.Replicas)

    def replica(self, office: str):
        """The community as the store holds it now (None when the request went stale meanwhile); a
        community built for the first time reports its rows as they come (a large one takes a while).
        Only the last few built stay in memory (replica.Replicas)."""
        known = store.office(self.read, office)
        version = known.last_sequence if known else None
        built = self._replicas.get(office, version)
        if built is None:
            steps = replica.building(self.read, office, cancelled=self.stale)
            while True:
                try:
                    self.report(*next(steps))
                except StopIteration as done:
                    built = done.value
                    break
            if built is None:
                return None
            self._replicas.put(office, version, built)
        return built


class Reader(QObject):
    answered = Signal(str, object)  # slot, result
    failed = Signal(str, str)  # slot, message in Chinese
    progress = Signal(str, int, int, str)  # slot, done, total (0: unknown), message in Chinese
    busy = Signal(bool)

    def __init__(self, dsn: str, write: psycopg.Connection, parent: QObject | None = None):
        super().__init__(parent)
        self._dsn = dsn
        # The read-only session is made by the worker before its first request: a slow server then
        # delays the first answer, not the window's opening.
        self._read: psycopg.Connection | None = None
        self._context = Context(None, write, lambda: False)
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._generation: dict[str, int] = {}
        self._running: tuple[str, int] | None = None
        self._thread = threading.Thread(target=self._work, name="street-reader", daemon=True)
        self._thread.start()

    def submit(self, slot: str, function: Callable[[Context], Any]) -> None:
        """Run `function(context)` on the worker; its result arrives as answered(slot, result)."""
        with self._lock:
            generation = self._generation.get(slot, 0) + 1
            self._generation[slot] = generation
            running = self._running
        if running is not None and running[0] == slot:
            self._cancel()
        self._queue.put((slot, generation, function))

    def cancel(self, slot: str) -> None:
        """Drops the slot's request: skipped if it waits, stopped on the server if it runs."""
        with self._lock:
            self._generation[slot] = self._generation.get(slot, 0) + 1
            running = self._running
        if running is not None and running[0] == slot:
            self._cancel()

    def _cancel(self) -> None:
        if self._read is None:
            return
        try:
            self._read.cancel_safe(timeout=5)
        except (psycopg.Error, AttributeError, OSError):
            pass  # the server is gone: the query fails by itself

    def _reconnect(self) -> None:
        """A connection the server dropped (restarted, stopped) is made again before the next request;
        while the server is down this fails with the reason (StoreError), and the next request tries again."""
        if self._read is None or self._read.broken or self._read.closed:
            self._read = self._context.read = store.connect(self._dsn, readonly=True)
        if self._context.write.broken or self._context.write.closed:
            self._context.write = store.connect(self._dsn, migrating=False)

    def _current(self, slot: str, generation: int) -> bool:
        with self._lock:
            return self._generation.get(slot) == generation

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                break
            slot, generation, function = item
            with self._lock:
                # Checked and marked running at once: a newer request then sees it running and cancels it.
                if self._generation.get(slot) != generation:
                    continue
                self._running = (slot, generation)
            self.busy.emit(True)
            self._context.stale = lambda s=slot, g=generation: not self._current(s, g)
            self._context.report = lambda done, total, message, s=slot, g=generation: (
                self._current(s, g) and self.progress.emit(s, done, total, message))
            try:
                self._reconnect()
                result = function(self._context)
            except psycopg.errors.QueryCanceled:
                # A cancel meant for a request that had just finished can reach the next one: run it again.
                if self._current(slot, generation):
                    self._queue.put(item)
                continue
            except psycopg.Error as exc:
                if self._current(slot, generation):
                    self.failed.emit(slot, store.failure(exc))
                continue
            except GridOfficeError as exc:
                if self._current(slot, generation):
                    self.failed.emit(slot, exc.message)
                continue
            finally:
                with self._lock:
                    self._running = None
                self.busy.emit(False)
            if self._current(slot, generation):
                self.answered.emit(slot, result)

    def close(self) -> None:
        """Stops the worker (cancelling what it runs) and closes its connections."""
        with self._lock:
            self._generation = {slot: -1 for slot in self._generation}
        if self._running is not None:
            self._cancel()
        self._queue.put(None)
        self._thread.join(timeout=10)
        self._context._replicas.close()
        if self._read is not None:
            self._read.close()
        self._context.write.close()
