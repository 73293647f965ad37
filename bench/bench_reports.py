"""Reports at scale: the monthly summary's figures and workbooks of a 50,000-household office with a
year of matters and activity, and the roster against two bare writers of the same cells.

    python bench/bench_reports.py --db OFFICE.db [--month 2026-10] [--today 2026-11-01] [--work DIR] [--roster-only | --no-roster]
        [--runs 3]

Works on a COPY of the office; adds a year of matters (matters_demo) and of visits, logs and needs
(visits_demo) up to --today unless the copy already has them (--roster-only adds nothing and times
the roster alone: `generate --households 53500 --no-activity` gives ~150,000 persons). Prints one line per figure, with the
processor time beside the wall time since the machine is shared.
Targets: the monthly summary export (figures and workbook) <= 3 s (issue 8) and <= 1.0x openpyxl's
write-only mode writing the same cells (issue 20; the program's own writer writing them unstyled is
printed beside it, the floor of its writing); the roster <= 1.3x
openpyxl's bare write-only write (issue 8) and <= 1.0x xlsxwriter's constant-memory write (issue 20).
The roster's encrypted spool (tempfiles.Spool: its rows compressed and sealed with AES-GCM until the
workbook is saved, issue 21) is timed against the same export whose rows wait in the clear, as
openpyxl spilled them before: the program's own roster.write with the spool swapped for PlainSpill.
Both baselines read the same rows from the same encrypted file with the same query inside their
time, and the three writers run in turn, --runs times. xlsxwriter is not a dependency of the
program: install it for this benchmark only (`.venv/bin/pip install xlsxwriter`); without it that
baseline is skipped. Without --work the working folder is temporary and removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook, load_workbook  # noqa: E402

from commands._progress import consume  # noqa: E402
from exports import assessment, monthly_summary, public_notice, roster, xlsx  # noqa: E402
from gridoffice.access import users
from gridoffice.audit import trail
from gridoffice.demo import matters, visits
from gridoffice.reports import monthly
from gridoffice.store import tempfiles  # noqa: E402
from gridoffice.roster.rows import roster_rows  # noqa: E402
from gridoffice.store.db import open_db  # noqa: E402

from _common import copy_office, log_in, scratch  # noqa: E402 (bench/ is the script's folder)


def timed(fn, runs: int = 1) -> tuple[float, float, object]:
    walls, cpus, result = [], [], None
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


class PlainSpill(tempfiles.Spool):
    """The baseline of the spool: the same file beside the target, its bytes written and read back
    as they come, neither compressed nor encrypted (what openpyxl's own spill did)."""

    def __init__(self, target):
        self._context = tempfiles.beside(target, ".spool")

    def write(self, data: bytes) -> int:
        return self.file.write(data)

    def replay(self):
        self.file.close()
        with self.path.open("rb") as f:
            while chunk := f.read(tempfiles.SPOOL_CHUNK):
                yield chunk


def roster_in_the_clear(db, path, scope) -> int:
    """roster.write with its rows spilled by PlainSpill (tempfiles.Spool is looked up at each use)."""
    sealed, tempfiles.Spool = tempfiles.Spool, PlainSpill
    try:
        return consume(roster.write(db, path, scope=scope), quiet=True)
    finally:
        tempfiles.Spool = sealed


def line(name: str, wall: float, cpu: float, extra: str = "") -> None:
    print(f"{name:<38} {wall:7.2f} s  (cpu {cpu:6.2f} s){'  ' + extra if extra else ''}", flush=True)


def summary_against_openpyxl(db, work: Path, month: str, scope, runs: int) -> None:
    """The monthly summary export (figures and workbook) in turns with its baselines, which write the
    same cells, read back from the program's workbook beforehand (values and formulas, no styles), so
    neither computes a figure nor formats a cell: openpyxl's write-only mode, as a bare program would
    write them, and the program's own writer (exports.xlsx) with no style, width or merge."""
    def program():
        consume(monthly_summary.write(db, work / "summary.xlsx", month, scope=scope), quiet=True)

    program()
    book = load_workbook(work / "summary.xlsx")
    sheets = [(ws.title, [[cell.value for cell in row] for row in ws.iter_rows()]) for ws in book.worksheets]
    book.close()

    def bare():
        wb = Workbook(write_only=True)
        for title, rows in sheets:
            ws = wb.create_sheet(title)
            for row in rows:
                ws.append(row)
        wb.save(work / "summary-bare.xlsx")

    def own_writer():
        wb = xlsx.Workbook()
        for title, rows in sheets:
            unstyled = [0] * max(map(len, rows), default=0)
            wb.create_sheet(title).append_rows(1, [[xlsx.Formula(v) if isinstance(v, str) and v.startswith("=")
                                                    else v for v in row] for row in rows], lambda _i: unstyled)
        wb.save(work / "summary-own.xlsx")

    measured: dict[str, list[tuple[float, float, object]]] = {"program": [], "bare": [], "own": []}
    for _ in range(runs):  # in turns: a change of load hits each alike
        measured["program"].append(timed(program))
        measured["bare"].append(timed(bare))
        measured["own"].append(timed(own_writer))
    (w, c), (bw, bc), (ow, oc) = ((statistics.median(x[0] for x in m), statistics.median(x[1] for x in m))
                                  for m in measured.values())
    cells = sum(len(row) for _, rows in sheets for row in rows)
    line("monthly summary export (figures+xlsx)", w, c, "target <= 3 s")
    line(f"bare openpyxl write-only, same {cells:,} cells", bw, bc)
    line("bare exports.xlsx, same cells, no styles", ow, oc)
    print(f"monthly summary / openpyxl: wall {w / bw:.2f}x, cpu {c / bc:.2f}x (target <= 1.0x); / exports.xlsx "
          f"unstyled: wall {w / ow:.2f}x, cpu {c / oc:.2f}x (medians of {runs} turns, load {os.getloadavg()[0]:.1f})",
          flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--today", default="2026-11-01")
    ap.add_argument("--work")
    ap.add_argument("--roster-only", action="store_true")
    ap.add_argument("--no-roster", action="store_true", help="the summary's and the other workbooks' figures only")
    ap.add_argument("--runs", type=int, default=3, help="turns of the roster and its baselines")
    args = ap.parse_args()
    if args.work:
        Path(args.work).mkdir(parents=True, exist_ok=True)
        return run(args, Path(args.work))
    with scratch("bench-reports") as work:
        return run(args, work)


def run(args: argparse.Namespace, work: Path) -> int:
    path = work / "office.db"
    if not path.exists():
        copy_office(Path(args.db), path)
    log_in(path).close()  # the office is encrypted: unlocked like a script does
    db = open_db(path)
    trail.set_actor(db, "bench")
    today = dt.date.fromisoformat(args.today)
    scope = users.whole_office("bench")
    if not args.roster_only:
        if not db.execute("SELECT COUNT(*) FROM matters").fetchone()[0]:
            wall, cpu, n = timed(lambda: matters.generate_matters(db, seed=1, today=today))
            line(f"demo matters ({n})", wall, cpu)
        if not db.execute("SELECT COUNT(*) FROM visits").fetchone()[0]:
            wall, cpu, n = timed(lambda: visits.generate_activity(db, seed=1, today=today))
            line(f"demo activity ({n['visits']} visits)", wall, cpu)
        households = db.execute("SELECT COUNT(*) FROM households WHERE status = 'active'").fetchone()[0]
        print(f"office: {households} households, {db.execute('SELECT COUNT(*) FROM matters').fetchone()[0]} matters, "
              f"{db.execute('SELECT COUNT(*) FROM visits').fetchone()[0]} visits, load {os.getloadavg()[0]:.1f}")

        wall, cpu, s = timed(lambda: monthly.monthly_summary(db, args.month, scope=scope), runs=3)
        line(f"monthly summary figures ({len(s.grids)} grids, {len(s.staff)} staff)", wall, cpu)
        grid = db.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY path LIMIT 1").fetchone()[0]
        worker = users.scope_of(db, users.User(0, "bench", "", "grid_worker", grid, "active"))
        wall, cpu, s = timed(lambda: monthly.monthly_summary(db, args.month, scope=worker), runs=3)
        line(f"monthly summary figures, grid worker ({len(s.staff)} staff)", wall, cpu)
        summary_against_openpyxl(db, work, args.month, scope, args.runs)
        for name, job in (("public notice export", lambda: public_notice.write(db, work / "notice.xlsx", args.month, scope=scope)),
                          ("assessment export", lambda: assessment.write(db, work / "assess.xlsx", args.month[:4],
                                                                         scope=scope, today=today))):
            wall, cpu, _ = timed(lambda: consume(job(), quiet=True))
            line(name, wall, cpu)

    if args.no_roster:
        db.close()
        return 0

    def rows():
        return (row for batch in roster_rows(db, scope, None, roster.DEFAULT_COLUMNS)[1] for row in batch)

    def bare_openpyxl():
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("bare")
        for row in rows():
            ws.append(row)
        wb.save(work / "bare.xlsx")

    def bare_xlsxwriter():
        book = xlsxwriter.Workbook(str(work / "bare-xlsxwriter.xlsx"), {"constant_memory": True})
        sheet = book.add_worksheet("bare")
        for r, row in enumerate(rows()):
            sheet.write_row(r, 0, row)
        book.close()

    try:
        import xlsxwriter
    except ImportError:
        xlsxwriter = None
        print("xlsxwriter is not installed: its baseline is skipped (`.venv/bin/pip install xlsxwriter`)")
    writers = {"roster": lambda: consume(roster.write(db, work / "roster.xlsx", scope=scope), quiet=True),
               "clear spill": lambda: roster_in_the_clear(db, work / "roster-clear.xlsx", scope),
               "openpyxl": bare_openpyxl}
    if xlsxwriter is not None:
        writers["xlsxwriter"] = bare_xlsxwriter
    measured: dict[str, list[tuple[float, float]]] = {name: [] for name in writers}
    n = 0
    for _ in range(args.runs):  # in turn: a change of load hits every writer alike
        for name, fn in writers.items():
            wall, cpu, result = timed(fn)
            measured[name].append((wall, cpu))
            n = result if name == "roster" else n
    med = {name: (statistics.median(w for w, _ in m), statistics.median(c for _, c in m)) for name, m in measured.items()}
    line(f"roster ({n} persons)", *med["roster"], f"median of {args.runs}")
    line("roster, rows spilled in the clear", *med["clear spill"])
    print(f"encrypted spool / clear spill: wall {med['roster'][0] / med['clear spill'][0]:.2f}x, "
          f"cpu {med['roster'][1] / med['clear spill'][1]:.2f}x")
    line("bare openpyxl write-only, same rows", *med["openpyxl"])
    print(f"roster / openpyxl: wall {med['roster'][0] / med['openpyxl'][0]:.2f}x, "
          f"cpu {med['roster'][1] / med['openpyxl'][1]:.2f}x (target <= 1.3x)")
    if xlsxwriter is not None:
        line("bare xlsxwriter constant_memory, same rows", *med["xlsxwriter"])
        print(f"roster / xlsxwriter: wall {med['roster'][0] / med['xlsxwriter'][0]:.2f}x, "
              f"cpu {med['roster'][1] / med['xlsxwriter'][1]:.2f}x (target <= 1.0x)")
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
