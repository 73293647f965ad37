"""LatestWorker: a read superseded while it runs is interrupted, so the newer one is not kept waiting."""

import threading
import time

import pytest

from ui.background import LatestWorker
from ui.context import AppContext

# A read that never ends by itself: only an interruption stops it.
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


@pytest.fixture
def ctx(qapp, tmp_path):
    context = AppContext(tmp_path / "office.db")
    yield context
    context.close()


def _endless(started: threading.Event, ended: list):
    def read(db):
        started.set()
        try:
            return db.execute(ENDLESS).fetchone()[0]
        finally:
            ended.append(time.monotonic())
    return read


def test_a_newer_request_interrupts_the_running_read(ctx, qtbot):
    worker = LatestWorker(ctx, "test")
    started, ended, results, errors = threading.Event(), [], [], []
    worker.submit(_endless(started, ended), results.append, errors.append)
    assert started.wait(5)
    asked = time.monotonic()
    worker.submit(lambda db: db.execute("SELECT count(*) FROM households").fetchone()[0], results.append,
                  errors.append)
    qtbot.waitUntil(lambda: not worker.pending, timeout=5000)
    # Only the newer answer arrives; the old read stopped, its interruption reported to nobody.
    assert results == [0] and errors == []
    assert ended and ended[0] - asked < 2
    # The connection serves further reads.
    worker.submit(lambda db: db.execute("SELECT 7").fetchone()[0], results.append, errors.append)
    qtbot.waitUntil(lambda: not worker.pending, timeout=5000)
    assert results == [0, 7]


def test_discarding_interrupts_the_running_read(ctx, qtbot):
    worker = LatestWorker(ctx, "test")
    started, ended, results, errors = threading.Event(), [], [], []
    worker.submit(_endless(started, ended), results.append, errors.append)
    assert started.wait(5)
    worker.discard()
    qtbot.waitUntil(lambda: bool(ended), timeout=5000)
    qtbot.wait(50)
    assert not worker.pending and results == [] and errors == []


def test_a_failure_of_the_current_read_is_still_reported(ctx, qtbot):
    worker = LatestWorker(ctx, "test")
    errors = []
    worker.submit(lambda db: db.execute("SELECT * FROM no_such_table").fetchall(), lambda _r: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert "no_such_table" in str(errors[0])


def test_a_request_s_function_dies_on_the_gui_thread_superseded_or_not(ctx, qtbot):
    """A worker hands each function back with its answer: one that held a dialog's method deleted the
    dialog on the worker thread when the next request came (the way the paper week's undo crashed)."""
    from test_ui_context import Owned

    worker = LatestWorker(ctx, "test")
    answered, superseded = Owned(), Owned()
    died = [answered.died, superseded.died]
    results = []
    worker.submit(lambda db, keep=answered: 1, results.append)
    qtbot.waitUntil(lambda: not worker.pending, timeout=5000)
    started, ended = threading.Event(), []
    endless = _endless(started, ended)
    worker.submit(lambda db, keep=superseded: endless(db), results.append)
    del answered, superseded
    assert started.wait(5)
    worker.submit(lambda db: 2, results.append)
    qtbot.waitUntil(lambda: not worker.pending and all(died), timeout=5000)
    assert results == [1, 2]
    assert died == [[threading.current_thread().name]] * 2


def test_a_stopped_worker_s_running_function_dies_on_the_gui_thread(ctx, qtbot):
    """The window closes while a read runs: nobody waits for the answer, and the read's function may
    hold the last reference to the closing page's objects. The collector lets go of it on the GUI
    thread."""
    from test_ui_context import Owned

    worker = LatestWorker(ctx, "test")
    running = Owned()
    died = running.died
    started, release = threading.Event(), threading.Event()

    def read(db, keep=running):
        started.set()
        release.wait(5)
        return 1

    worker.submit(read, lambda _r: None)
    del read, running
    assert started.wait(5)
    worker.stop()
    release.set()
    worker._thread.join(5)
    qtbot.waitUntil(lambda: bool(died), timeout=5000)
    assert died == [threading.current_thread().name]
