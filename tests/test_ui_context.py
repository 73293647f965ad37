"""AppContext: writes run on the writer thread, results and `changed` arrive on the GUI thread."""

import threading

import pytest
from PySide6.QtCore import QObject, Qt

from gridoffice.changes import Changes, report
from gridoffice.errors import ValidationError
from ui.context import AppContext, Cancelled


@pytest.fixture
def ctx(qapp, tmp_path):
    context = AppContext(tmp_path / "office.db")
    yield context
    context.close()


def test_write_runs_off_the_gui_thread_and_announces_the_change(ctx, qtbot):
    seen = {}

    def fn(db, key, value):
        seen["thread"] = threading.current_thread().name
        db.execute("INSERT INTO settings(key, value) VALUES(?, ?)", [key, value])  # the writer commits
        report(Changes.SETTINGS)  # what a declared core function reports when it returns
        return 42

    results = []
    with qtbot.waitSignal(ctx.changed) as blocker:
        ctx.write(fn, "office_name", "测试社区", description="保存设置", on_done=results.append)
    assert blocker.args == [Changes.SETTINGS, None]
    assert results == [42]
    assert seen["thread"] == "gridoffice-writer"
    assert ctx.reader().execute("SELECT value FROM settings WHERE key='office_name'").fetchone()[0] == "测试社区"


def test_failed_write_is_rolled_back_and_reported(ctx, qtbot):
    def fn(db):
        db.execute("INSERT INTO settings(key, value) VALUES('x', 'y')")  # inside the write's one transaction
        raise ValidationError("name", "姓名不能为空")

    with qtbot.waitSignal(ctx.write_failed) as blocker:
        ctx.write(fn, description="保存")
    assert blocker.args[1].message == "姓名不能为空"
    assert ctx.reader().execute("SELECT count(*) FROM settings WHERE key='x'").fetchone()[0] == 0
    assert not ctx.busy


def test_run_job_reports_progress_and_result(ctx, qtbot):
    def job(db):
        for i in range(3):
            yield i + 1, 3, f"第{i + 1}步"
        return db.execute("SELECT 7").fetchone()[0]

    steps = []
    handle = ctx.run_job(job, "检查")
    handle.progressed.connect(lambda d, t, m: steps.append(d))
    with qtbot.waitSignal(handle.finished) as blocker:
        pass
    assert blocker.args == [7]
    assert steps == [1, 2, 3]


def test_cancelled_job_reports_cancelled(ctx, qtbot):
    started = threading.Event()
    release = threading.Event()

    def job(db):
        started.set()
        release.wait(5)
        yield 1, 2, "一"
        yield 2, 2, "二"
        return "never"

    errors = []
    handle = ctx.run_job(job, "长任务", on_error=errors.append)
    started.wait(5)
    handle.cancel()
    release.set()
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], Cancelled)


def test_background_readers_keep_a_small_page_cache_and_search_a_full_one(ctx, qtbot):
    from gridoffice.store.db import CACHE_MB, WORKER_CACHE_MB
    from ui.background import LatestWorker

    def cache_kib(db):
        return -db.execute("PRAGMA cache_size").fetchone()[0]

    # The window's own reader answers the clerk again and again; a background worker mostly scans.
    assert cache_kib(ctx.reader()) == 1024 * CACHE_MB
    answers = []
    for worker in (LatestWorker(ctx, "ids"), LatestWorker(ctx, "search", cache_mb=CACHE_MB)):
        worker.submit(cache_kib, answers.append)
        qtbot.waitUntil(lambda: not worker.pending)
    assert answers == [1024 * WORKER_CACHE_MB, 1024 * CACHE_MB]
    assert WORKER_CACHE_MB < CACHE_MB


class Owned(QObject):
    """A Qt object only Python holds, like a dialog once its exec() returned (PySide then hands it to
    Python): it is deleted where its last reference goes. `died` names the thread it was deleted on."""

    def __init__(self):
        super().__init__()
        self.died: list[str] = []
        died = self.died
        self.destroyed.connect(lambda: died.append(threading.current_thread().name),
                               Qt.ConnectionType.DirectConnection)

    def done(self, _result):
        pass

    def failed(self, _exc):
        pass

    def job(self, db):
        yield 1, 1, "一"
        return 1


def test_a_write_s_callbacks_and_arguments_die_on_the_gui_thread(ctx, qtbot):
    """The writer once kept its last task until the next one came: the paper week's dialog, held only
    by its callbacks, was deleted on the writer thread during the undo, and Qt crashed."""
    called, given = Owned(), Owned()
    died = [called.died, given.died]
    ctx.write(lambda db, keep: None, given, description="保存", on_done=called.done, on_error=called.failed)
    del called, given
    qtbot.waitUntil(lambda: not ctx.busy)
    ctx.write(lambda db: None, description="撤销")
    qtbot.waitUntil(lambda: not ctx.busy)
    assert died == [[threading.current_thread().name]] * 2


def test_a_reading_job_s_factory_dies_on_the_gui_thread(ctx, qtbot):
    owned = Owned()
    died = owned.died
    handle = ctx.run_job(owned.job, "检查")
    del owned
    with qtbot.waitSignal(handle.finished):
        pass
    qtbot.waitUntil(lambda: bool(died))
    assert died == [threading.current_thread().name]


def test_a_cycle_of_qt_objects_is_collected_on_the_gui_thread_not_on_a_worker(qapp, qtbot):
    """A closed window lies in reference cycles; Python collected them on whichever thread passed its
    threshold, and deleted the window's Qt objects on a worker (ui/collector.py)."""
    import gc

    from ui import collector

    assert not gc.isenabled()  # the tests' fixture installs the collector as setup_application does
    assert collector.install(qapp) is collector.install(qapp)
    gc.collect()
    owned = Owned()
    owned.cycle = owned
    died = owned.died
    del owned

    kept = []
    worker = threading.Thread(target=lambda: kept.extend([] for _ in range(50_000)), name="worker")
    worker.start()
    worker.join()
    assert died == []
    qtbot.waitUntil(lambda: bool(died), timeout=5000)
    assert died == [threading.current_thread().name]
