"""The application context every page receives: the open office file, its connections, and the writer.

Reads on the GUI thread use `reader()` (short queries only). Every write goes through `write()`,
which runs on one writer thread owning the only write connection (STYLE.md: Anki's taskman,
Datasette's database), then announces what changed with `changed(changes, initiator)` on the GUI
thread: the `gridoffice.changes.Changes` the core calls it ran declared (collected around each
write), and whoever asked for the write (a page that already redrew itself skips its own change).
A task's callbacks never leave the GUI thread, and a worker lets go of its function before it
reports: a Qt object is never deleted on a worker (ui.background.Outcome).
Long jobs go through `run_job()`, which shows a progress dialog after ~600 ms with a Cancel button.
"""

from __future__ import annotations

import contextlib
import queue
import sqlcipher3.dbapi2 as sqlite3
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid
from sqlite_utils import Database

from gridoffice import changes as core_changes
from gridoffice.access import staff_accounts, users
from gridoffice.audit import trail
from gridoffice.search import finder
from gridoffice.store import storage
from gridoffice.changes import Changes
from gridoffice.store.db import WORKER_CACHE_MB, connect, fold_wal
from gridoffice.store.lock import OfficeLock
from gridoffice.store.opening import OpenOffice
from gridoffice.errors import GridOfficeError
from gridoffice.access.scope import Scope, bind
from ui.background import Outcome

PROGRESS_DELAY_MS = 600


def tr(text: str) -> str:
    return QCoreApplication.translate("AppContext", text)


@dataclass(frozen=True)
class User:
    """A session without a log-in (tests, screenshots): the role's permissions over every unit."""

    name: str
    role: str = "clerk"
    org_id: int | None = None

    @property
    def permissions(self) -> users.Role:
        return users.ROLES[self.role]


class Cancelled(Exception):
    """Raised inside a job's worker when the clerk pressed Cancel."""


class _Bridge(QObject):
    """Lives on the GUI thread; worker threads emit through it so slots run on the GUI thread."""

    finished = Signal(int, object, object)  # task key, Outcome, the Changes its core calls reported
    progress = Signal(object, int, int, str)  # job, done, total, message


@dataclass
class _Task:
    fn: Callable[..., Any]
    args: tuple
    description: str
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    initiator: object = None
    job: "Job | None" = None
    writes: bool = True  # a read-only job says nothing about saving
    whole: bool = False  # one transaction; a job commits its batches itself


class Job(QObject):
    """A running progress generator; `finished(result)` or `failed(exc)` arrive on the GUI thread."""

    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, title: str, parent: QObject | None = None):
        super().__init__(parent)
        self.title = title
        self.cancel_requested = threading.Event()
        self.dialog: QProgressDialog | None = None
        self.done = False

    def cancel(self) -> None:
        self.cancel_requested.set()


def open_office(path: str | Path, parent: QWidget | None = None) -> OpenOffice:
    """OpenOffice in a worker thread, with a busy dialog after ~600 ms: an integrity check after a
    power cut, or a migration, takes tens of seconds on a district file."""
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["office"] = OpenOffice(path)
        except BaseException as exc:  # noqa: BLE001 - raised again on the GUI thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="gridoffice-open", daemon=True)
    worker.start()
    worker.join(PROGRESS_DELAY_MS / 1000)
    if worker.is_alive():
        dialog = QProgressDialog(tr("正在打开并检查数据文件{name}……").format(name=Path(path).name), "", 0, 0, parent)
        dialog.setCancelButton(None)
        dialog.setWindowTitle(tr("打开文件"))
        dialog.setMinimumDuration(0)
        dialog.show()
        while worker.is_alive():
            QCoreApplication.processEvents()
            worker.join(0.02)
        dialog.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["office"]


def drive(job: Iterator[tuple[int, int, str]], report: Callable[[int, int, str], None],
          cancelled: threading.Event) -> Any:
    """Run a progress generator to its end in the current thread; returns its result."""
    while True:
        if cancelled.is_set():
            job.close()
            raise Cancelled()
        try:
            done, total, message = next(job)
        except StopIteration as stop:
            return stop.value
        report(done, total, message)


class AppContext(QObject):
    """One open office file. Create it on the GUI thread; call close() when the window closes."""

    changed = Signal(object, object)  # Changes, initiator (None when nobody in particular)
    write_started = Signal(str)  # description
    write_finished = Signal(str, bool)  # description, ok
    write_failed = Signal(str, object)  # description, exception (when no on_error was given)
    navigate_requested = Signal(str, int)  # table ('households', 'persons', 'org_units', 'staff'), row id
    status_message = Signal(str)
    closing = Signal()  # background readers stop on it

    def __init__(self, db_path: str | Path, user: User | None = None, parent: QObject | None = None, *,
                 office: OpenOffice | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.user = user or User(tr("管理员"))
        # The lock, the after-a-crash check and the migrations (gridoffice.store.opening) happen before
        # any reader exists, so readers see the schema. Refusals raise GridOfficeError. A large
        # file is better opened with open_office() first, which keeps the window responsive.
        self._office = office or OpenOffice(self.db_path)
        self._write_db = self._office.db
        # What the clerk should know about this opening (e.g. the last session did not close cleanly).
        self.notices: tuple[str, ...] = self._office.report.notices
        trail.set_actor(self._write_db, self.user.name)
        # The writer's changes are the user's: refused outside their scope (gridoffice.access.scope.writable).
        bind(self._write_db, users.scope_of(self._write_db, self.user))
        # Readers never set the journal mode: the writer chose it (WAL, or DELETE on a network share).
        self._reader = connect(self.db_path, readonly=True)
        self._bridge = _Bridge()
        self._bridge.finished.connect(self._on_finished)
        self._bridge.progress.connect(self._on_progress)
        self._queue: queue.Queue[tuple[int, Callable[..., Any], tuple] | None] = queue.Queue()
        # Tasks under way, by key: the GUI thread holds them until they are done (Outcome says why).
        self._tasks: dict[int, _Task] = {}
        self._last_key = 0
        self._pending = 0
        self._thread = threading.Thread(target=self._writer_loop, name="gridoffice-writer", daemon=True)
        self._thread.start()
        self._closed = False
        # The clerk's recent edits in this session (ui/undo.py builds the commands).
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(100)
        self._filling = False
        # A bulk import that was stopped before its search documents were all written.
        self.fill_search_index()

    # -- the user's role ------------------------------------------------------------------------
    def can(self, permission: str) -> bool:
        """Whether the role allows an action: 'edit', 'reveal', 'read_audit', 'manage_users', 'restore'."""
        return bool(getattr(self.user.permissions, permission))

    def scope(self) -> Scope:
        """The user's Scope, which every core read and write concerning residents takes."""
        return users.scope_of(self.reader(), self.user)

    def can_import(self) -> bool:
        """A roster names grids across the office and may create them: only roles that edit every unit import."""
        return self.can("edit") and self.org_scope() is None

    def org_scope(self) -> set[int] | None:
        """The org units this user works in (a grid worker: their grid's subtree); None for all."""
        org_ids = self.scope().org_ids
        return None if org_ids is None else set(org_ids)

    def signer(self) -> str:
        """The user's real name, as forms propose it for 受理人, 经办人 and 点评人 (staff_accounts.real_name)."""
        return staff_accounts.real_name(self.reader(), self.user.name)

    def visible_tags(self) -> set[str]:
        """Tag codes the user may see: sensitive ones (health, disability, hardship) only if the role needs them."""
        return users.visible_tags(self.user)

    # -- reads ---------------------------------------------------------------------------------
    def reader(self) -> Database:
        """The GUI thread's read connection. Keep queries short; long ones go to run_job()."""
        return self._reader

    def open_reader(self, cache_mb: int = WORKER_CACHE_MB) -> Database:
        """A new read connection for a worker thread, with a small page cache unless the worker asks
        for more (gridoffice.store.db.WORKER_CACHE_MB); the caller closes it."""
        return connect(self.db_path, readonly=True, cache_mb=cache_mb)

    @property
    def busy(self) -> bool:
        """True while writes or jobs are queued or running."""
        return self._pending > 0

    # -- writes --------------------------------------------------------------------------------
    def write(self, fn: Callable[..., Any], *args: Any, description: str,
              on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None, initiator: object = None) -> None:
        """Run fn(write_db, *args) on the writer thread; callbacks and `changed` come on the GUI thread.

        `changed` announces what the core functions fn ran declared (gridoffice.changes.writes), so
        a caller names no flags. Without on_error, a failure is announced by `write_failed` (the
        main window shows it). fn runs in one transaction: a write of several core calls that the
        core refuses halfway leaves nothing of its earlier calls (their own transactions nest as
        savepoints).
        """
        self._submit(_Task(fn, args, description, on_done, on_error, initiator, whole=True))

    def run_job(self, job_factory: Callable[[Database], Iterator[tuple[int, int, str]]], title: str, *,
                on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[BaseException], None] | None = None,
                writes: bool = False, initiator: object = None, parent: QWidget | None = None) -> Job:
        """Run a progress generator off the GUI thread, with a cancellable dialog after ~600 ms.

        job_factory(db) builds the generator inside the worker: with writes=True it gets the write
        connection and runs in turn with other writes; otherwise a fresh read connection.
        on_error receives Cancelled when the clerk cancelled.
        """
        job = Job(title, self)
        dialog = QProgressDialog(title, tr("取消"), 0, 0, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal)
        dialog.setMinimumDuration(PROGRESS_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(job.cancel)
        job.dialog = dialog
        # QProgressDialog only shows itself from setValue(); poke it once the delay has passed.
        QTimer.singleShot(PROGRESS_DELAY_MS + 10,
                          lambda: (not job.done) and isValid(dialog) and dialog.setValue(dialog.value()))
        dialog.setValue(0)

        def finish_ok(result: Any) -> None:
            job.finished.emit(result)
            # A job that outlived its page (the window was closed) has nobody left to tell.
            if on_done and (parent is None or isValid(parent)):
                on_done(result)

        def finish_err(exc: BaseException) -> None:
            job.failed.emit(exc)
            if parent is not None and not isValid(parent):
                return
            if on_error:
                on_error(exc)
            elif not isinstance(exc, Cancelled):
                self.write_failed.emit(title, exc)

        if writes:
            def body(db: Database) -> Any:
                return drive(job_factory(db), self._reporter(job), job.cancel_requested)

            self._submit(_Task(body, (), title, finish_ok, finish_err, initiator, job))
        else:
            self._pending += 1
            key = self._keep(_Task(job_factory, (), title, finish_ok, finish_err, initiator, job, writes=False))
            # In a box the thread empties, so that it can let go of the factory before it reports (Outcome).
            threading.Thread(target=self._reader_job, args=(key, job, [job_factory]), daemon=True,
                             name="gridoffice-job").start()
        return job

    def fill_search_index(self) -> None:
        """Write the search documents a bulk import left for later (gridoffice.search.index.fill),
        one committed batch per write, so the clerk's own writes take their turn in between."""
        if self._filling or self._closed or not finder.pending(self._reader):
            return
        self._filling = True

        def one_batch(db: Database) -> int:
            job = finder.fill(db)
            next(job, None)  # the first batch, committed before it yields
            job.close()
            return finder.pending(db)

        def done(waiting: int) -> None:
            self._filling = False
            if waiting and not self._closed:
                self.show_status(tr("正在建立搜索索引，还有{n}条").format(n=waiting))
                self.fill_search_index()
            elif not waiting:
                self.show_status(tr("搜索索引已建好"))

        def failed(exc: BaseException) -> None:
            self._filling = False
            self.write_failed.emit(tr("建立搜索索引"), exc)

        self.write(one_batch, description="", on_done=done, on_error=failed)

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run fn on the GUI thread after the writes queued so far have finished."""
        self.write(lambda db: None, description="", on_done=lambda _r: fn())

    def navigate(self, table: str, row_id: int) -> None:
        """Ask the main window to show a record (e.g. from a completeness problem)."""
        self.navigate_requested.emit(table, row_id)

    def show_status(self, text: str) -> None:
        self.status_message.emit(text)

    def close(self, *, keep_lock: bool = False) -> OfficeLock | None:
        """Finish queued writes and close the connections; with keep_lock the office lock stays
        held and is returned (a restore replaces the file under it, then releases it)."""
        if self._closed:
            return None
        self._closed = True
        self.closing.emit()
        self._queue.put(None)
        self._thread.join(timeout=30)
        self._reader.close()
        if not keep_lock:
            self._office.close()
            return None
        if self._office.report.wal:
            with contextlib.suppress(sqlite3.Error):
                fold_wal(self._write_db)
        self._write_db.close()
        return self._office.lock

    # -- internals -----------------------------------------------------------------------------
    def _keep(self, task: _Task) -> int:
        self._last_key += 1
        self._tasks[self._last_key] = task
        return self._last_key

    def _submit(self, task: _Task) -> None:
        if self._closed:
            raise RuntimeError("AppContext is closed")
        self._pending += 1
        if task.description:
            self.write_started.emit(task.description)
        self._queue.put((self._keep(task), task.fn, task.args, task.whole))

    def _reporter(self, job: Job) -> Callable[[int, int, str], None]:
        return lambda done, total, message: self._bridge.progress.emit(job, done, total, message)

    def _writer_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            key, fn, args, whole = item
            del item
            outcome = Outcome()
            try:
                with core_changes.collect() as seen, \
                        self._write_db.atomic() if whole else contextlib.nullcontext():
                    outcome.result = fn(self._write_db, *args)
            except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI thread
                # A job's batches that returned before the failure stay committed, and are announced.
                self._rollback()
                outcome.error = self._failure(exc)
                if whole:
                    seen.flags = Changes.NONE
            del fn, args  # before reporting: the GUI thread lets go of the task last (Outcome)
            self._bridge.finished.emit(key, outcome, seen.flags)

    @staticmethod
    def _failure(exc: BaseException) -> BaseException:
        """A full disk or an I/O error becomes a StorageError with a Chinese message (the transaction
        was rolled back, so the data equals the last commit); an unexpected error is printed."""
        fault = storage.classify(exc)
        if fault is not None and fault is not exc:
            fault.__cause__ = exc
            return fault
        if not isinstance(exc, (GridOfficeError, Cancelled)):
            traceback.print_exc()
        return exc

    def _rollback(self) -> None:
        # After an I/O error the rollback itself may fail; SQLite has then already rolled back.
        with contextlib.suppress(sqlite3.Error):
            if self._write_db.conn.in_transaction:
                self._write_db.conn.rollback()

    def _reader_job(self, key: int, job: Job, box: list[Callable[[Database], Iterator]]) -> None:
        job_factory = box.pop()
        outcome = Outcome()
        db = self.open_reader()
        try:
            with core_changes.collect() as seen:  # a read job's core calls write nothing: none report
                outcome.result = drive(job_factory(db), self._reporter(job), job.cancel_requested)
        except BaseException as exc:  # noqa: BLE001
            if not isinstance(exc, (GridOfficeError, Cancelled)):
                traceback.print_exc()
            outcome.error = exc
        finally:
            db.close()
        del job_factory  # before reporting: the GUI thread lets go of the task last (Outcome)
        self._bridge.finished.emit(key, outcome, seen.flags)

    def _on_progress(self, job: Job, done: int, total: int, message: str) -> None:
        job.progressed.emit(done, total, message)
        # The dialog goes with its window: a job still running when the window closed has none left.
        if job.dialog is not None and not job.done and isValid(job.dialog):
            job.dialog.setMaximum(max(total, 0))
            job.dialog.setLabelText(message or job.title)
            job.dialog.setValue(min(done, total) if total else 0)

    def _on_finished(self, key: int, outcome: Outcome, changes: Changes) -> None:
        task = self._tasks.pop(key)
        result, error = outcome.take()
        self._pending -= 1
        if task.job is not None:
            task.job.done = True
            if task.job.dialog is not None:
                if isValid(task.job.dialog):
                    task.job.dialog.close()
                    task.job.dialog.deleteLater()
                task.job.dialog = None
        if task.description and task.writes:
            self.write_finished.emit(task.description, error is None)
        if changes:
            self.changed.emit(changes, task.initiator)
        if error is None:
            if task.on_done:
                task.on_done(result)
        else:
            if task.on_error:
                task.on_error(error)
            else:
                self.write_failed.emit(task.description, error)
