"""Crafted and broken rosters (tests/crafted.py): time and peak memory until each is imported or
refused, one line per file; the baseline in the same run is a good roster of the same size class.

    .venv/bin/python bench/bench_crafted.py [--bare]

Each file is imported by a fresh process into a fresh office, as `import` would: its own peak
resident memory and the reading child's are reported apart (together they bound the whole).
--bare also reads each file the old way, calamine in the same process, under a 2 GB address-space
cap so that the machine survives it.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path
from _common import new_office, scratch  # noqa: E402 (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

BARE_CAP = 2 * 2**30


def _peak_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _one(path: Path) -> None:
    """In the measured process: import `path` into a new office; print outcome and peaks."""
    from commands._progress import consume
    from gridoffice.audit import trail
    from gridoffice.org import regions
    from gridoffice.errors import GridOfficeError
    from gridoffice.roster.importer import import_file

    with scratch("bench-crafted") as tmp:
        db = new_office(Path(tmp) / "office.db")
        trail.set_actor(db, "bench")
        regions.create_unit(db, regions.create_unit(db, None, "community", "东风社区"), "grid", "第一网格")
        start = time.perf_counter()
        try:
            result = consume(import_file(db, path, create_grids=True), quiet=True)
            outcome = f"imported {result.persons_new} persons, refused {len(result.refused)} rows"
        except GridOfficeError as exc:
            outcome = "refused: " + exc.message[:38]
        seconds = time.perf_counter() - start
        db.close()
    print(f"{seconds:.2f}\t{_peak_mb(resource.RUSAGE_SELF):.0f}\t{_peak_mb(resource.RUSAGE_CHILDREN):.0f}\t{outcome}")


def _bare(path: Path) -> None:
    """In the measured process: read `path` the old way, calamine here, under BARE_CAP."""
    resource.setrlimit(resource.RLIMIT_AS, (BARE_CAP, BARE_CAP))
    if path.suffix == ".csv":
        import csv

        rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    else:
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(str(path)) as book:
            rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    print(f"read {len(rows)} rows, peak {_peak_mb(resource.RUSAGE_SELF):.0f} MB")


def _measure(args: list[str], timeout: float) -> tuple[float, int, str]:
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return timeout, 0, f"still running after {timeout:.0f} s (killed)"
    seconds = time.perf_counter() - start
    last = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode:
        tail = (done.stderr.strip().splitlines() or [""])[-1][:70]
        last = f"exit {done.returncode if done.returncode > 0 else 128 - done.returncode}: {tail}"
    return seconds, done.returncode, last


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help="also read each file the old way (in-process)")
    args = parser.parse_args()
    if args.one:
        _one(args.one)
        return 0
    if args.bare_one:
        _bare(args.bare_one)
        return 0

    import crafted
    from test_import import messy_workbook

    with scratch("bench-crafted") as tmp:
        files = [("good roster (baseline)", messy_workbook(Path(tmp) / "good.xlsx"))]
        files += [(name, make(Path(tmp) / name)) for name, make in crafted.MAKERS.items()]
        for label, path in files:
            size = path.stat().st_size
            wall, code, line = _measure(["--one", str(path)], 120)
            if code == 0:
                seconds, own, child, outcome = line.split("\t")
                print(f"{label} ({size / 1024:,.0f} KB): {seconds} s to the answer ({wall:.2f} s with the process), "
                      f"peak {own} MB program + {child} MB reader; {outcome}")
            else:
                print(f"{label} ({size / 1024:,.0f} KB): {line}")
            if args.bare:
                wall, code, line = _measure(["--bare-one", str(path)], 90)
                print(f"  before (calamine in the program's process): {wall:.2f} s, {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
