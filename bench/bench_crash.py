"""The crash benchmark: 1,000 SIGKILLs at random moments during edits, bulk imports and backups.

    .venv/bin/python bench/bench_crash.py [--kills 1000] [--seed 1]

Every kill is followed by the integrity check, the audit chain and a comparison with the last
commit (tests/_crashload.py). Prints one line per figure; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import _crashload  # noqa: E402
from _common import scratch  # noqa: E402 (bench/ is the script's folder)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with scratch("bench-crash") as folder:
        tally = _crashload.run(Path(folder), args.kills, seed=args.seed)
    print(f"crash kills: {tally.kills}")
    print(f"crash kills inside a bulk import: {tally.in_bulk}")
    print(f"crash kills after a commit not yet reported: {tally.unreported}")
    print(f"crash committed steps: {tally.steps}")
    print(f"crash backups checked afterwards: {tally.backups_checked}")
    print(f"crash failures: {len(tally.failures)}")
    print(f"crash total: {tally.seconds:.1f} s ({tally.seconds / max(tally.kills, 1) * 1000:.0f} ms per kill)")
    for failure in tally.failures[:20]:
        print(failure)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
