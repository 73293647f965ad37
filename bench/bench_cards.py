"""Cards at scale: 10,000 household cards with QR codes, ten to an A4 page.

    python bench/bench_cards.py [--db OFFICE.db] [--cards 10000] [--duplex] [--runs 3]

Works on a COPY of the office file (default /tmp/gridoffice-bench/office-50k.db), since an
export is written to its audit trail. Prints one line per figure, each the median of the runs,
with the processor time beside the wall time (the machine is shared). The baseline, in runs
alternating with the program's: the same cards written by the same writer with the QR codes left
out (text only), so the ratio is what the codes cost.
Targets: 10,000 cards with QR codes in <= 15 s (issue 9); about 1.04x the text-only cards (issue 20).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exports import cards as pdf_cards  # noqa: E402
from exports.cards import export_cards  # noqa: E402
from gridoffice.access import users
from gridoffice.audit import trail
from gridoffice.reports import cards as C  # noqa: E402
from gridoffice.store.db import connect  # noqa: E402
from _common import copy_office, log_in, scratch  # noqa: E402 (bench/ is the script's folder)

DEFAULT_DB = "/tmp/gridoffice-bench/office-50k.db"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--cards", type=int, default=10000)
    parser.add_argument("--layout", default="service")
    parser.add_argument("--duplex", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with scratch("bench-cards") as tmp:
        path = Path(tmp) / "office.db"
        copy_office(Path(args.db), path)
        log_in(path).close()  # the office is encrypted: unlocked like a script does
        db = connect(path)
        trail.set_actor(db, "bench")
        ids = [r[0] for r in db.execute("SELECT id FROM households WHERE status = 'active' ORDER BY number LIMIT ?",
                                        [args.cards])]
        t0 = time.perf_counter()
        scope = users.whole_office("bench")
        C.household_cards(db, ids, scope)
        read = time.perf_counter() - t0
        walls, cpus, bare_walls, bare_cpus = [], [], [], []
        for run in range(args.runs):  # in pairs: a change of load hits both alike
            out = Path(tmp) / f"cards-{run}.pdf"
            (wall, cpu, written), size = write(db, out, scope, ids, args), out.stat().st_size / 1e6
            walls.append(wall)
            cpus.append(cpu)
            bare = Path(tmp) / f"text-only-{run}.pdf"
            with text_only():
                wall, cpu, _ = write(db, bare, scope, ids, args)
            bare_walls.append(wall)
            bare_cpus.append(cpu)
            out.unlink()
            bare.unlink()
        db.close()
        print(f"read {len(ids)} cards' records: {read:.2f} s")
        w, c, bw, bc = (statistics.median(x) for x in (walls, cpus, bare_walls, bare_cpus))
        print(f"{written.cards} cards with QR, {written.pages} pages ({'duplex' if args.duplex else 'fronts only'}, "
              f"{args.layout}): {w:.2f} s wall, {c:.2f} s processor (runs: {', '.join(f'{x:.2f}' for x in walls)}); "
              f"{size:.1f} MB; the same cards text only: {bw:.2f} s wall, {bc:.2f} s processor; ratio wall {w / bw:.2f}x, "
              f"processor {c / bc:.2f}x (targets <= 15 s, about 1.04x; medians of {args.runs} pairs, "
              f"load {os.getloadavg()[0]:.1f})")
    return 0


def write(db, out: Path, scope, ids: list[int], args) -> tuple[float, float, object]:
    """One export of the cards: wall and processor time, and what was written."""
    w0, c0 = time.perf_counter(), time.process_time()
    job = export_cards(db, out, scope=scope, household_ids=ids, layout=args.layout, duplex=args.duplex)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return time.perf_counter() - w0, time.process_time() - c0, stop.value


@contextlib.contextmanager
def text_only():
    """The baseline: the writer draws every card but its QR code."""
    draw = pdf_cards._Pdf.qr
    pdf_cards._Pdf.qr = lambda self, x, y, size, payload: None
    try:
        yield
    finally:
        pdf_cards._Pdf.qr = draw


if __name__ == "__main__":
    sys.exit(main())
