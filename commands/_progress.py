"""Progress of a long core job, printed to stderr for a terminal."""

from __future__ import annotations

import sys
import time
from typing import Generator, TypeVar

T = TypeVar("T")


def consume(job: Generator[tuple[int, int, str], None, T], *, quiet: bool = False) -> T:
    """Run a core job to its end, printing at most five updates a second; returns its result."""
    last = 0.0
    tty = sys.stderr.isatty()
    while True:
        try:
            done, total, message = next(job)
        except StopIteration as stop:
            if not quiet and tty:
                print(file=sys.stderr)
            return stop.value
        now = time.monotonic()
        if not quiet and (now - last > 0.2 or done == total):
            pct = f"{100 * done // total:3d}%" if total else "    "
            print(f"\r{pct} {message}" + (" " * 10 if tty else ""), end="" if tty else "\n", file=sys.stderr)
            last = now
