"""GUI timings on the benchmark offices; one line per figure, each beside its bare baseline.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py \
        [--office /tmp/gridoffice-bench/office-50k.db] [--district /tmp/gridoffice-bench/district-500k.db] [--runs 5]

Figures: cold start to a usable window (a new process, first rows painted) on the office file, in
pairs alternating with a bare start (a new process: the same log-in's key unwrap, 200 households read
from the same encrypted file into a QTableWidget in a QMainWindow), once as the clerk (the window opens
on 户籍档案, the page with the rows) and once as the administrator (it opens on 首页, and 户籍档案 is asked
for right after: the figure of the earlier sessions); first rows and scroll to the end of
the household and person tables on the district file; search-as-you-type latency (keystroke to
results shown, including the 150 ms pause the page waits for the clerk to stop typing); resident
memory with the district file open, in its own process, against a bare process holding the shown
bare window and every household and person id of the same encrypted file in arrays.
Each run works on a copy of the file in a temporary folder that is removed afterwards, so the
benchmark never writes into the originals and leaves nothing behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _bare  # noqa: E402 (bench/ is the script's folder)
from _common import copy_office, log_in, scratch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH = Path("/tmp/gridoffice-bench")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pss_mb() -> float:
    """The proportional set size (Linux 4.14+): shared libraries counted by the share each process has."""
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@contextlib.contextmanager
def copied(path: Path):
    """A copy brought to the current schema first (a pending migration, with its safety copy of the
    file, is a one-time cost of an upgrade, not of opening, and is reported on its own line); the
    copy's folder is removed on the way out, whatever happened."""
    from gridoffice.store.db import open_db

    with scratch("bench-gui") as folder:
        target = folder / path.name
        copy_office(path, target)
        start = time.perf_counter()
        log_in(target).close()
        db = open_db(target)
        db.close()
        upgraded = list(folder.glob("*.before-*"))
        if upgraded:
            print(f"(schema upgrade of {path.name} before measuring: {time.perf_counter() - start:.1f} s)")
        for before in upgraded:
            before.unlink()
        yield target


def bare_connection(db_path: str):
    """The baselines' reader, logged in as the demo administrator unless GRIDOFFICE_USER says otherwise."""
    from gridoffice.demo import activity

    return _bare.bare_connection(db_path, os.environ.get("GRIDOFFICE_USER", activity.DEMO_USERS[0][0]),
                                 os.environ.get("GRIDOFFICE_PASSWORD", activity.DEMO_PASSWORD))



def wait(app, condition, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while not condition():
        app.processEvents()
        if time.perf_counter() - start > timeout:
            raise TimeoutError("timed out")
        time.sleep(0.001)
    return time.perf_counter() - start


def child_cold_start(db_path: str) -> None:
    """Runs in a fresh process: start-up until the first household rows are painted (logged in as
    GRIDOFFICE_USER, see _child)."""
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
    print(f"READY {time.process_time():.4f}", flush=True)  # processor time of every thread since exec
    window.close()


def child_bare_start(db_path: str) -> None:
    """Runs in a fresh process: the bare baseline of a start."""
    window = _bare.bare_window(bare_connection(db_path))
    print(f"READY {time.process_time():.4f}", flush=True)
    window.close()


def _child(kind: str, db_path: Path, user: str | None = None) -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    if user:
        env["GRIDOFFICE_USER"] = user
    # An installed program starts from compiled bytecode (pip compiles it); without this the children
    # would compile every module on every start wherever PYTHONDONTWRITEBYTECODE is set.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.Popen([sys.executable, __file__, f"--child-{kind}", str(db_path)],
                            stdout=subprocess.PIPE, text=True, env=env)


def _time_to_ready(kind: str, db_path: Path, user: str | None = None) -> tuple[float, float]:
    """Wall time from the start of the process to its first rows painted, and its processor time."""
    start = time.perf_counter()
    proc = _child(kind, db_path, user)
    took = cpu = float("nan")
    for line in proc.stdout:
        if line.startswith("READY"):
            took, cpu = time.perf_counter() - start, float(line.split()[1])
            break
    proc.stdout.close()
    proc.wait()
    return took, cpu


def cold_start(db_path: Path, runs: int, user: str, label: str) -> None:
    _time_to_ready("cold-start", db_path, user)  # not counted: brings the files into the system's cache
    program, bare = [], []
    for _ in range(runs):  # pairs alternating: a change of load hits both sides alike
        program.append(_time_to_ready("cold-start", db_path, user))
        bare.append(_time_to_ready("bare-start", db_path, user))
    (pw, pc), (bw, bc) = ([statistics.median(x[i] for x in side) for i in (0, 1)] for side in (program, bare))
    # The machine is shared: the processor time says what a start costs when the wall time waits for a core.
    print(f"cold start to first rows, {label} ({db_path.name}): {pw:.2f} s wall, {pc:.2f} s processor; bare start "
          f"{bw:.2f} s wall, {bc:.2f} s processor; ratio wall {pw / bw:.2f}x, processor {pc / bc:.2f}x "
          f"(targets <= 2 s, <= 2x; medians of {runs} pairs, load {os.getloadavg()[0]:.1f})", flush=True)


# Who logs in for the cold starts: the clerk's window opens on 户籍档案, the administrator's on 首页.
COLD_STARTS = (("clerk", "the clerk, opening on 户籍档案"),
               ("admin", "the administrator, opening on 首页, then 户籍档案"))


def child_bare_district(db_path: str) -> None:
    """Runs in a fresh process: the bare window and every household and person id in arrays."""
    from array import array

    conn = bare_connection(db_path)
    window = _bare.bare_window(conn)
    households = array("q", (r[0] for r in conn.execute("SELECT id FROM households ORDER BY id")))
    persons = array("q", (r[0] for r in conn.execute("SELECT id FROM persons ORDER BY id")))
    print(f"RSS {rss_mb():.1f} {pss_mb():.1f} {len(households)} {len(persons)}", flush=True)
    window.close()


def _memory_of(kind: str, db_path: Path) -> tuple[float, float]:
    """Resident and proportional set size of the child, in MB."""
    proc = _child(kind, db_path)
    rss = pss = float("nan")
    for line in proc.stdout:
        if line.startswith("RSS "):
            rss, pss = (float(x) for x in line.split()[1:3])
        else:
            print(line, end="", flush=True)
    proc.wait()
    return rss, pss


def district_memory(db_path: Path) -> None:
    (program, program_pss), (bare, bare_pss) = _memory_of("district", db_path), _memory_of("bare-district", db_path)
    print(f"memory with the district file open (both tables loaded, after the searches): {program:.0f} MB resident, "
          f"{program_pss:.0f} MB proportional; bare window with every id in arrays {bare:.0f} MB, {bare_pss:.0f} MB; "
          f"ratio {program / bare:.2f}x resident, {program_pss / bare_pss:.2f}x proportional "
          f"(targets <= 400 MB, <= 2x; load {os.getloadavg()[0]:.1f})")


def district(db_path: str) -> None:
    """Runs in a fresh process: the district figures, then the resident memory on a line of its own."""
    from PySide6.QtWidgets import QApplication

    from ui.app import setup_application
    from ui.main_window import MainWindow
    from ui.pages import archive_page  # noqa: F401 - imports are the cold start's cost, measured there

    app = setup_application()
    db_path = Path(db_path)
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
    wait(app, lambda: window.is_settled(), timeout=600)  # every page built: minutes on a busy machine

    latencies = []
    for query in ("张", "zhangw", "王芳", "1381", "幸福", "lj"):
        page.search_edit.clear()
        app.processEvents()
        for n in range(1, len(query) + 1):
            page.search_edit.setText(query[:n])
            app.processEvents()
            time.sleep(0.06)  # a clerk types about as fast as this
        wait(app, lambda: page.results.isVisible() and not page.search.worker.pending
             and page.search.last_latency is not None)
        latencies.append(page.search.last_latency)
        page.search.last_latency = None
    print(f"search as you type, last keystroke to results shown: median {1000 * statistics.median(latencies):.0f} ms, "
          f"worst {1000 * max(latencies):.0f} ms (includes the 150 ms typing pause)")
    print(f"RSS {rss_mb():.1f} {pss_mb():.1f}", flush=True)
    window.close()


CHILDREN = {"--child-cold-start": child_cold_start, "--child-bare-start": child_bare_start,
            "--child-district": district, "--child-bare-district": child_bare_district}


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in CHILDREN:
        CHILDREN[sys.argv[1]](sys.argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--office", default=str(BENCH / "office-50k.db"))
    parser.add_argument("--district", default=str(BENCH / "district-500k.db"))
    parser.add_argument("--runs", type=int, default=5, help="pairs of cold starts")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    office, district_file = Path(args.office), Path(args.district)
    if office.exists():
        with copied(office) as copy:
            # An office with other accounts: the one the caller names in GRIDOFFICE_USER.
            named = os.environ.get("GRIDOFFICE_USER")
            for user, label in ((named, f"as {named}"),) if named else COLD_STARTS:
                cold_start(copy, args.runs, user, label)
    else:
        print(f"skipped cold start: {office} is missing (bench_generate.py makes it)")
    if district_file.exists():
        with copied(district_file) as copy:
            district_memory(copy)
    else:
        print(f"skipped district figures: {district_file} is missing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
