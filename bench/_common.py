"""Pieces the benchmarks share: a generated office to run on, and a timed figure."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


# Every benchmark's copies and outputs live in one folder of this, one subfolder per run.
SCRATCH = Path(tempfile.gettempdir()) / "gridoffice-bench-scratch"


@contextlib.contextmanager
def scratch(name: str):
    """A temporary folder for one run's copies and outputs, removed at exit: also after Ctrl+C and
    after SIGTERM or SIGHUP, which end the run through SystemExit so the removal runs. A run killed
    outright (SIGKILL, the power) leaves its folder, named with its process id: each run first
    removes the folders of runs whose process is gone (a district copy is over 1 GB)."""
    SCRATCH.mkdir(exist_ok=True)
    for old in SCRATCH.iterdir():
        pid = old.name.rsplit("-", 2)[-2] if old.name.count("-") >= 2 else ""
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-{os.getpid()}-", dir=SCRATCH))
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            handlers[sig] = signal.signal(sig, _exit_on)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _exit_on(signum, _frame):
    raise SystemExit(128 + signum)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def log_in(path: Path, opener=None):
    """Log in like a script (GRIDOFFICE_USER / GRIDOFFICE_PASSWORD, else the demo administrator that
    every generated office has): the office is encrypted. Returns the session."""
    from gridoffice.access import session
    from gridoffice.demo import activity

    name = os.environ.get("GRIDOFFICE_USER", activity.DEMO_USERS[0][0])
    password = os.environ.get("GRIDOFFICE_PASSWORD", activity.DEMO_PASSWORD)
    return session.log_in(path, name, password, **({"opener": opener} if opener else {}))


def copy_office(source: Path, target: Path) -> None:
    """A copy of an office with its key file."""
    from gridoffice.access import keys

    shutil.copyfile(source, target)
    keys.copy(source, target)


def new_office(path: Path):
    """A new, empty, encrypted office with the demo accounts' administrator."""
    from gridoffice.access import session
    from gridoffice.demo import activity as activity

    db, _code = session.create_office(path, activity.DEMO_USERS[0][0], activity.DEMO_PASSWORD)
    return db


def office_from_arguments(parser: argparse.ArgumentParser, default: str) -> argparse.Namespace:
    """--office PATH and --households N; the office is generated (seed 7) when PATH does not
    exist yet, and kept for the next run."""
    parser.add_argument("--office", type=Path, default=Path("/tmp/gridoffice-bench") / default)
    parser.add_argument("--households", type=int, default=50000)
    args = parser.parse_args()
    if args.office.exists():
        log_in(args.office).close()
    else:
        from commands._progress import consume
        from gridoffice.demo import activity as activity, generator

        args.office.parent.mkdir(parents=True, exist_ok=True)
        db = new_office(args.office)
        start = time.perf_counter()
        consume(generator.generate(db, households=args.households, seed=7))
        activity.add_demo_accounts(db)
        db.close()
        print(f"generate {args.households} households: {time.perf_counter() - start:.1f} s")
    return args


def timed(label: str, fn, repeat: int = 5):
    """Median of `repeat` runs, wall clock and processor time of this process (the machine is shared:
    the processor time is what the work itself costs); prints the figure and returns the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    print(f"{label}: {statistics.median(walls) * 1000:.0f} ms wall, {statistics.median(cpus) * 1000:.0f} ms processor "
          f"(median of {repeat})")
    return result


class ServerClock:
    """Processor time a PostgreSQL server on this machine spent for the connections watched: each
    backend's own, plus what the postmaster's finished children (parallel workers of those queries)
    spent. Another client's backend ending meanwhile would count too: the benches run alone."""

    def __init__(self) -> None:
        self._backends: list[int] = []
        self._postmaster: int | None = None

    def watch(self, conn):
        pid = conn.info.backend_pid
        self._backends.append(pid)
        if self._postmaster is None:
            self._postmaster = int(self._stat(pid)[1])
        return conn

    @staticmethod
    def _stat(pid: int) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    def seconds(self) -> float:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self._backends:
            try:
                fields = self._stat(pid)
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        if self._postmaster is not None:
            fields = self._stat(self._postmaster)
            total += int(fields[13]) + int(fields[14])
        return total / tick
