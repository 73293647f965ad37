"""Backup and restore of a full office file; one line per figure.

    .venv/bin/python bench/bench_backup.py [--office /tmp/gridoffice-bench/office-50k.db]

Works on a copy (made with the backup API) so the benchmark office stays untouched.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridoffice.store import backup, opening, storage  # noqa: E402
from _common import scratch  # noqa: E402 (bench/ is the script's folder)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--office", default="/tmp/gridoffice-bench/office-50k.db")
    args = parser.parse_args()
    source = Path(args.office)
    if not source.exists():
        print(f"no office file at {source}; build it with bench/bench_generate.py", file=sys.stderr)
        return 1
    with scratch("bench-backup") as folder:
        office = Path(folder) / "office.db"
        src, dst = sqlite3.connect(source), sqlite3.connect(office)
        src.backup(dst)
        src.close()
        dst.close()
        persons = sqlite3.connect(office).execute("SELECT count(*) FROM persons").fetchone()[0]
        print(f"office: {office.stat().st_size / 1e6:.1f} MB, {persons} persons")
        start = time.perf_counter()
        problems = storage.integrity_problems(office)
        print(f"integrity_check: {(time.perf_counter() - start) * 1000:.0f} ms ({'ok' if not problems else problems[0]})")
        start = time.perf_counter()
        problems = storage.integrity_problems(office, quick=True)
        print(f"quick_check: {(time.perf_counter() - start) * 1000:.0f} ms ({'ok' if not problems else problems[0]})")
        crashed = opening.OpenOffice(office)
        os.close(crashed.lock._fd)  # the OS lock goes and the lock file stays, as after a crash
        crashed.db.close()
        start = time.perf_counter()
        reopened = opening.OpenOffice(office)
        print(f"open after an unclean shutdown (lock take-over, integrity check): "
              f"{(time.perf_counter() - start) * 1000:.0f} ms (unclean={reopened.report.unclean})")
        reopened.close()
        start = time.perf_counter()
        copy = Path(folder) / "copy.db"
        backup._copy(office, copy)
        print(f"online backup copy alone: {(time.perf_counter() - start) * 1000:.0f} ms")
        results = [backup.backup_now(office) for _ in range(3)]
        for r in results:
            print(f"backup_now (online copy, integrity check, rotation): {r.seconds * 1000:.0f} ms, "
                  f"{r.backup.size / 1e6:.1f} MB")
        start = time.perf_counter()
        restored = backup.restore(office, results[-1].backup.path)
        print(f"restore (keep current aside, copy back, log): {(time.perf_counter() - start) * 1000:.0f} ms")
        assert restored.kept_aside is not None
    return 0


if __name__ == "__main__":
    sys.exit(main())
