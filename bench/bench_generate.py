"""Building the demo office (50,000 households) and district (500,000); one line per figure.

    .venv/bin/python bench/bench_generate.py [FOLDER] [--only office|district] [--rebuild]

Leaves FOLDER/office-50k.db and FOLDER/district-500k.db (default folder /tmp/gridoffice-bench) for the
other benchmarks, encrypted with their key files and the demo accounts (admin/clerk/grid); an existing
file is kept unless --rebuild is given. Each file is built under a temporary name and renamed into
place, so a reader never sees half an office.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridoffice.access import keys
from gridoffice.audit import trail
from gridoffice.demo import activity, generator  # noqa: E402

from _common import new_office  # noqa: E402 (bench/ is the script's folder)

SCALES = {"office": ("office-50k.db", 50_000), "district": ("district-500k.db", 500_000)}


def build(folder: Path, name: str, households: int, seed: int) -> None:
    target = folder / name
    partial = folder / f"{name}.building"
    for leftover in (partial, keys.path_for(partial), Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    db = new_office(partial)
    trail.set_actor(db, "bench")
    job = generator.generate(db, households=households, seed=seed)
    # The machine is shared: processor time says what the code costs when wall time is inflated.
    # The search rebuild starts with the first message after the generator's "正在建立索引".
    cpu_start = time.process_time()
    cpu_split, last = None, ""
    while True:
        try:
            _, _, message = next(job)
        except StopIteration as stop:
            stats = stop.value
            break
        if cpu_split is None and last.startswith("正在建立索引") and not message.startswith("正在建立索引"):
            cpu_split = time.process_time()
        last = message
    cpu_end = time.process_time()
    cpu_split = cpu_split or cpu_end
    activity.add_demo_accounts(db)
    db.close()
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    keys.path_for(partial).rename(keys.path_for(target))
    partial.rename(target)
    label = f"{name} ({households} households)"
    print(f"{label} generate without search index: {stats.seconds - stats.index_seconds:.1f} s "
          f"(cpu {cpu_split - cpu_start:.1f} s)")
    print(f"{label} search index rebuild: {stats.index_seconds:.1f} s (cpu {cpu_end - cpu_split:.1f} s)")
    print(f"{label} generate total: {stats.seconds:.1f} s (cpu {cpu_end - cpu_start:.1f} s)")
    print(f"{label} load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{label} persons: {stats.persons}")
    print(f"{label} grids: {stats.grids}, staff: {stats.staff}, contacts: {stats.contacts}")
    print(f"{label} database size: {target.stat().st_size / 1e6:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=Path("/tmp/gridoffice-bench"))
    parser.add_argument("--only", choices=sorted(SCALES))
    parser.add_argument("--rebuild", action="store_true", help="rebuild files that already exist")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for scale, (name, households) in SCALES.items():
        if args.only and scale != args.only:
            continue
        if (args.folder / name).exists() and not args.rebuild:
            print(f"{name}: kept the existing file (pass --rebuild to measure again)")
            continue
        build(args.folder, name, households, args.seed)


if __name__ == "__main__":
    main()
