"""首页 (the dashboard) on the office with a year of activity and on the district; one line per figure,
each beside the bare baselines measured in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_dashboard.py \
        [--office /tmp/gridoffice-bench/office-50k-activity.db] [--district /tmp/gridoffice-bench/district-500k.db]
        [--runs 3]

Per file, in rounds alternating with the baselines (medians): the page from construction until its
first charts (matters, visits, staff) and until every chart is drawn, wall and processor time (every
thread of the process: the reads run on the page's workers); the longest pause of the window's event
loop while the reads run (a timer that should tick every 10 ms: what a clerk feels as a frozen window); a
month changed while the first month is still being read, until every chart of the new month. Each
round opens the page twice: with nothing kept (the first opening after a record changed: the
completeness check runs, and the page keeps its result in the file), then with the result kept (an
opening after a log-in, with the records as they were). The baselines: a bare page (a label shown and painted), the longest pause of the same timer in an idle
window for 2 s (the host's load alone), and a bare read (a fresh connection to the same
encrypted file, with the same key, counting every household's and every person's row: the least a
look at every row costs). Targets: every chart within 0.5 s on the office, 3 s on the district.
Each file is a copy in a temporary folder, removed afterwards (bench_gui.copied).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from bench_gui import BENCH, bare_connection, copied, wait  # noqa: E402 (bench/ is the script's folder)

TICK_MS = 10


class Stalls:
    """The longest gap between ticks of a 10 ms timer on the GUI thread while it runs."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def stop(self) -> float:
        self._timer.stop()
        return self.longest


def bare_page(app) -> float:
    from PySide6.QtWidgets import QLabel

    start = time.perf_counter()
    label = QLabel("首页")
    label.resize(1366, 768)
    label.show()
    label.repaint()
    app.processEvents()
    label.close()
    return time.perf_counter() - start


def idle_pause(app, seconds: float = 2.0) -> float:
    """The longest pause of the same timer on an idle window: what the host's load alone costs."""
    stalls = Stalls()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)
    return stalls.stop()


def bare_read(db_path: Path) -> tuple[float, float]:
    """Wall and processor time of counting every household's and person's row on a fresh connection."""
    start, cpu = time.perf_counter(), time.process_time()
    conn = bare_connection(str(db_path))
    for table in ("households", "persons"):
        # NOT INDEXED: the table itself, as a look at each row reads it.
        conn.execute(f"SELECT count(*) FROM {table} NOT INDEXED").fetchone()
    conn.close()
    return time.perf_counter() - start, time.process_time() - cpu


def page_round(app, ctx) -> dict[str, float]:
    from ui.pages.dashboard_page import DashboardPage

    out = {}
    start, cpu = time.perf_counter(), time.process_time()
    page = DashboardPage(ctx)
    page.resize(1366, 768)
    page.show()
    page.activated()
    stalls = Stalls()  # from here the page reads in the background
    wait(app, lambda: page.views["trend"].chart is not None, timeout=600)
    page.repaint()
    out["first"], out["first_cpu"] = time.perf_counter() - start, time.process_time() - cpu
    wait(app, lambda: not page.is_loading(), timeout=600)
    page.repaint()
    out["whole"], out["whole_cpu"] = time.perf_counter() - start, time.process_time() - cpu
    out["stall"] = stalls.stop()
    # The file unchanged, a month changed while the month before is still being read: the stale read
    # gives way, and the new month's charts come as fast as a month read alone.
    page.month.setCurrentIndex(1)
    app.processEvents()
    start = time.perf_counter()
    page.month.setCurrentIndex(2)
    wait(app, lambda: not page.is_loading(), timeout=600)
    page.repaint()
    out["change"] = time.perf_counter() - start
    page.close()
    page.deleteLater()
    app.processEvents()
    return out


def forget_kept(app, ctx) -> None:
    """Remove the completeness result kept in the file: the page opens as after a change of a record."""
    from gridoffice.archive import completeness

    def forget(db):
        with db.atomic():
            db.execute("DELETE FROM settings WHERE key = ?", [completeness.KEPT_SETTING])

    ctx.write(forget, description="")
    wait(app, lambda: not ctx.busy, timeout=60)


def measure(db_path: Path, runs: int) -> None:
    from ui.app import setup_application
    from ui.context import AppContext, User

    app = setup_application()
    ctx = AppContext(db_path, user=User("基准测试", "leader"))
    rounds: dict[str, list[dict[str, float]]] = {"kept": [], "changed": []}
    pages, reads, idle = [], [], []
    loads = [os.getloadavg()[0]]
    for _ in range(runs):
        pages.append(bare_page(app))
        idle.append(idle_pause(app))
        reads.append(bare_read(db_path))
        forget_kept(app, ctx)
        rounds["changed"].append(page_round(app, ctx))
        wait(app, lambda: not ctx.busy, timeout=60)  # the page has kept the check's result
        rounds["kept"].append(page_round(app, ctx))
        loads.append(os.getloadavg()[0])
    ctx.close()

    read_wall, read_cpu = (statistics.median(r[i] for r in reads) for i in (0, 1))
    print(f"dashboard ({db_path.name}): bare page {1000 * statistics.median(pages):.0f} ms; bare read of every "
          f"household and person row {read_wall:.2f} s wall, {read_cpu:.2f} s processor; longest pause of an idle "
          f"window {1000 * statistics.median(idle):.0f} ms (medians of {runs}; "
          f"load {min(loads):.1f}–{max(loads):.1f})", flush=True)
    for case, what in (("kept", "the check's result kept in the file (an opening after log-in)"),
                       ("changed", "nothing kept (the first opening after a record changed)")):
        def med(key: str) -> float:
            return statistics.median(r[key] for r in rounds[case])

        print(f"dashboard ({db_path.name}), {what}: every chart {med('whole'):.2f} s wall, {med('whole_cpu'):.2f} s "
              f"processor; first charts {med('first'):.2f} s wall, {med('first_cpu'):.2f} s processor; every chart / "
              f"bare read {med('whole_cpu') / read_cpu:.2f}x processor; longest pause of the window while reading "
              f"{1000 * med('stall'):.0f} ms (a {TICK_MS} ms timer); month changed during a read, every chart of the "
              f"new month after {med('change'):.2f} s wall", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--office", type=Path, default=BENCH / "office-50k-activity.db",
                        help="the office with a year of activity")
    parser.add_argument("--district", type=Path, default=BENCH / "district-500k.db")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in (args.office, args.district):
        if not path.exists():
            print(f"skipped {path.name}: {path} is missing (bench_generate.py makes the district, "
                  "bench_package.py the office with a year)")
            continue
        with copied(path) as copy:
            measure(copy, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
