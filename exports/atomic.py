"""Every file an export writes is whole or absent: the document is built into an owner-only
temporary file beside the target (gridoffice.store.tempfiles, removed if anything fails, swept at the
next start if the program was killed), flushed to disk, then `before_rename` runs (the export's
audit entry, so no file exists without its entry) and the file is renamed over the target."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from gridoffice.store import tempfiles
from gridoffice.store.officefile import check_output

Progress = Iterator[tuple[int, int, str]]


def write(path: str | Path, build: Callable[[str], object], before_rename: Callable[[], object] | None = None, *,
          suffix: str = "") -> Path:
    """build(tmp) writes the whole document to the temporary file named `tmp`."""
    check_output(path)
    with tempfiles.beside(path, suffix) as tmp:
        build(str(tmp))
        return tempfiles.commit(tmp, path, before_rename)


def write_job(path: str | Path, build: Callable[[str], Progress], before_rename: Callable[[], object] | None = None,
              *, suffix: str = "") -> Progress:
    """As write(), for a build that yields progress (done, total, message); returns the path."""
    check_output(path)
    with tempfiles.beside(path, suffix) as tmp:
        yield from build(str(tmp))
        return tempfiles.commit(tmp, path, before_rename)
