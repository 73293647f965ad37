"""GUI timings on the benchmark offices; one line per figure.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py \
        [--office /tmp/gridoffice-bench/office-50k.db] [--district /tmp/gridoffice-bench/district-500k.db]

Figures: cold start to a usable window (a new process, first rows painted) on the office file;
first rows and scroll to the end of the household and person tables on the district file;
search-as-you-type latency (keystroke to results shown, including the 150 ms pause the page
waits for the clerk to stop typing); resident memory with the district file open.
Each run works on a copy of the file, so the benchmark never writes into the originals.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import copy_office, log_in  # noqa: E402 (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH = Path("/tmp/gridoffice-bench")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def copy_of(path: Path) -> Iterator[Path]:
    """A copy brought to the current schema first: a pending migration (with its safety copy of the
    file) is a one-time cost of an upgrade, not of opening, and is reported on its own line. The copy
    (a district's is 700 MB) is removed afterwards."""
    from gridoffice.db import open_db

    folder = Path(tempfile.mkdtemp(prefix="gridoffice-bench-gui-"))
    try:
        target = folder / path.name
        copy_office(path, target)
        start = time.perf_counter()
        log_in(target).close()
        db = open_db(target)
        db.close()
        for before in folder.glob("*.before-*"):
            print(f"(schema upgrade of {path.name} before measuring: {time.perf_counter() - start:.1f} s)")
            before.unlink()
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def wait(app, condition, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while not condition():
        app.processEvents()
        if time.perf_counter() - start > timeout:
            raise TimeoutError("timed out")
        time.sleep(0.001)
    return time.perf_counter() - start


def child_cold_start(db_path: str) -> None:
    """Runs in a fresh process: start-up until the first household rows are painted."""
    from ui.app import setup_application
    from ui.main_window import MainWindow

    app = setup_application()
    # The log-in's key derivation is part of a start (what the clerk waits for after Enter).
    window = MainWindow.open(db_path, persist=False, user=log_in(Path(db_path)).user)
    window.resize(1366, 768)
    window.show()
    window.show_page("archive")
    page = window.current_page()
    wait(app, lambda: page.household_model.rowCount() > 0)
    page.household_view.viewport().repaint()
    print("READY", flush=True)
    window.close()


def cold_start(db_path: Path, runs: int = 3) -> None:
    times = []
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--child-cold-start", str(db_path)],
                                stdout=subprocess.PIPE, text=True, env=env)
        for line in proc.stdout:
            if line.startswith("READY"):
                times.append(time.perf_counter() - start)
                break
        proc.wait()
    print(f"cold start to usable window ({db_path.name}): median {statistics.median(times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)}; target <= 2 s)")


def district(db_path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.app import setup_application
    from ui.main_window import MainWindow
    from ui.pages import archive_page  # noqa: F401 - imports are the cold start's cost, measured there

    app = setup_application()
    before = rss_mb()
    start = time.perf_counter()
    window = MainWindow.open(db_path, persist=False, user=log_in(db_path).user)
    window.resize(1366, 768)
    window.show()
    window.show_page("archive")
    page = window.current_page()
    wait(app, lambda: page.household_model.rowCount() > 0)
    page.household_view.viewport().repaint()
    first = time.perf_counter() - start
    wait(app, lambda: not page.is_loading())
    print(f"first household rows shown ({db_path.name}): {first:.2f} s (target <= 1 s); whole list of "
          f"{page.household_model.rowCount():,} households loaded after {time.perf_counter() - start:.2f} s")

    for kind, view, model in (("household", page.household_view, page.household_model),
                              ("person", page.person_view, page.person_model)):
        if kind == "person":
            start = time.perf_counter()
            page.tabs.setCurrentIndex(1)
            wait(app, lambda: model.rowCount() > 0)
            view.viewport().repaint()
            shown = time.perf_counter() - start
            wait(app, lambda: not page.is_loading())
            print(f"first person rows shown: {shown:.2f} s; whole list of {model.rowCount():,} persons loaded after "
                  f"{time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        view.scrollToBottom()
        view.viewport().repaint()
        QApplication.processEvents()
        print(f"scroll to the end of the {kind} table: {1000 * (time.perf_counter() - start):.0f} ms (target <= 300 ms)")
        start = time.perf_counter()
        for step in range(20):
            view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() * step // 20)
            view.viewport().repaint()
        print(f"jump through the {kind} table (20 pages): {1000 * (time.perf_counter() - start) / 20:.1f} ms per page")

    start = time.perf_counter()
    page.age_min.setValue(60)
    wait(app, lambda: not page.is_loading())
    print(f"filter persons aged 60+ ({page.person_model.rowCount():,} rows): {time.perf_counter() - start:.2f} s "
          "(off the GUI thread)")
    page.age_min.setValue(-1)
    wait(app, lambda: not page.is_loading())
    wait(app, lambda: window.is_settled())

    latencies = []
    for query in ("张", "zhangw", "王芳", "1381", "幸福", "lj"):
        page.search_edit.clear()
        app.processEvents()
        for n in range(1, len(query) + 1):
            page.search_edit.setText(query[:n])
            app.processEvents()
            time.sleep(0.06)  # a clerk types about as fast as this
        wait(app, lambda: page.results.isVisible() and not page.search_worker.pending
             and page.last_search_latency is not None)
        latencies.append(page.last_search_latency)
        page.last_search_latency = None
    print(f"search as you type, last keystroke to results shown: median {1000 * statistics.median(latencies):.0f} ms, "
          f"worst {1000 * max(latencies):.0f} ms (includes the 150 ms typing pause)")
    print(f"memory with the district file open (both tables loaded): {rss_mb():.0f} MB resident "
          f"({rss_mb() - before:+.0f} MB after start-up; target <= 400 MB)")
    window.close()


def dashboard(db_path: Path, runs: int = 3) -> None:
    """首页 from construction until its first charts (matters, visits, staff) and until every chart is
    drawn, against a bare page (a label painted) in the same run; medians of `runs`."""
    from PySide6.QtWidgets import QApplication, QLabel

    from ui.app import setup_application
    from ui.context import AppContext, User
    from ui.pages.dashboard_page import DashboardPage

    app = setup_application()
    ctx = AppContext(db_path, user=User("基准测试", "leader"))
    bare, first, whole, cpu_first, cpu_whole, again = [], [], [], [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        label = QLabel("首页")
        label.resize(1366, 768)
        label.show()
        label.repaint()
        app.processEvents()
        bare.append(time.perf_counter() - start)
        label.close()
        start, cpu = time.perf_counter(), time.process_time()
        page = DashboardPage(ctx)
        page.resize(1366, 768)
        page.show()
        page.activated()
        wait(app, lambda: page.views["trend"].chart is not None, timeout=600)
        page.repaint()
        first.append(time.perf_counter() - start)
        cpu_first.append(time.process_time() - cpu)
        wait(app, lambda: not page.is_loading(), timeout=600)
        page.repaint()
        whole.append(time.perf_counter() - start)
        cpu_whole.append(time.process_time() - cpu)
        # The month before, the file unchanged: the completeness check is not read again.
        start = time.perf_counter()
        page.month.setCurrentIndex(1)
        wait(app, lambda: not page.is_loading(), timeout=600)
        page.repaint()
        again.append(time.perf_counter() - start)
        page.close()
        page.deleteLater()
        app.processEvents()
    ctx.close()
    # The machine is shared: processor time (all threads of this process) says what the page costs.
    print(f"dashboard ({db_path.name}): first charts {statistics.median(first):.2f} s wall, "
          f"{statistics.median(cpu_first):.2f} s processor; every chart {statistics.median(whole):.2f} s wall, "
          f"{statistics.median(cpu_whole):.2f} s processor; every chart of the month before "
          f"{statistics.median(again):.2f} s wall; bare page {1000 * statistics.median(bare):.0f} ms "
          f"(medians of {runs}; load {os.getloadavg()[0]:.1f})")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--child-cold-start":
        child_cold_start(sys.argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--office", default=str(BENCH / "office-50k.db"))
    parser.add_argument("--district", default=str(BENCH / "district-500k.db"))
    parser.add_argument("--year-office", default=str(BENCH / "office-50k-year.db"),
                        help="the office with a year of activity (bench_visits.py --keep FILE makes it)")
    parser.add_argument("--only-dashboard", action="store_true", help="only the 首页 figures")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    office, district_file = Path(args.office), Path(args.district)
    for path in (Path(args.year_office), district_file):
        if path.exists():
            with copy_of(path) as copy:
                dashboard(copy)
        else:
            print(f"skipped dashboard figures: {path} is missing")
    if args.only_dashboard:
        return 0
    if office.exists():
        with copy_of(office) as copy:
            cold_start(copy)
    else:
        print(f"skipped cold start: {office} is missing (build it with bench/ of the core)")
    if district_file.exists():
        with copy_of(district_file) as copy:
            district(copy)
    else:
        print(f"skipped district figures: {district_file} is missing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
