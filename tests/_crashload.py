"""A writer that is killed with SIGKILL at random moments, and the check that follows each kill.

Shared by tests/test_crash.py (CI, a few hundred kills) and bench/bench_crash.py (1,000 kills).
The child opens the office like the program does (lock, unclean-shutdown check), then commits
numbered steps: single edits, bulk imports of BULK rows in one transaction (like a roster import)
and online backups. After each commit it writes the step number to a pipe, so the parent knows
the last commit it was told of; the file may hold one step more (committed, not yet reported).
"""

from __future__ import annotations

import os
import random
import select
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from gridoffice.audit import trail
from gridoffice.store import backup, opening, storage
from gridoffice.store.db import get_setting, set_setting

BULK = 100
BULK_EVERY = 4
BACKUP_EVERY = 9


def _step(db, k: int, path: Path, out: int) -> None:
    bulk = k % BULK_EVERY == 0
    if bulk:
        os.write(out, f"B{k}\n".encode())
    with db.atomic():
        hid = db.execute("INSERT INTO households(number, org_id) VALUES(?, NULL)", [f"H{k}"]).lastrowid
        if bulk:
            db.conn.executemany(
                "INSERT INTO persons(household_id, name, relation, notes) VALUES(?,?,?,?)",
                [(hid, f"导入{k}-{i}", "other", "备注" * 20) for i in range(BULK)],
            )
            trail.record(db, "import", "households", hid, new={"rows": BULK})
        else:
            trail.record(db, "create", "households", hid, new={"number": f"H{k}"})
        set_setting(db, "crash_step", str(k))
    os.write(out, f"{k}\n".encode())
    if k % BACKUP_EVERY == 0:
        # After the commit, so a kill during a slow backup never keeps the next child from progressing.
        backup.backup_now(path, schedule=backup.Schedule(hourly=2, daily=1, weekly=1, monthly=1))


def child(path: Path, out: int) -> None:
    """Runs in the forked child until it is killed."""
    office = opening.OpenOffice(path)
    trail.set_actor(office.db, "崩溃测试")
    k = int(get_setting(office.db, "crash_step", "0"))
    os.write(out, b"R\n")
    while True:
        k += 1
        _step(office.db, k, path, out)


@dataclass
class Tally:
    kills: int = 0
    in_bulk: int = 0  # killed after a bulk import began and before its commit was reported
    unreported: int = 0  # the file held one commit more than the child had reported
    steps: int = 0
    backups_checked: int = 0
    seconds: float = 0.0
    failures: list = field(default_factory=list)


def verify(path: Path, last: int) -> tuple[int, list[str]]:
    """Open as the program would after a crash and compare with the deterministic state of step s."""
    problems = []
    with opening.OpenOffice(path, check="always") as office:
        db = office.db
        s = int(get_setting(db, "crash_step", "0"))
        if s not in (last, last + 1):
            problems.append(f"step {s} but last reported commit {last}")
        households = db.execute("SELECT count(*) FROM households").fetchone()[0]
        bulk_steps = s // BULK_EVERY
        persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
        partial = db.execute(
            "SELECT count(*) FROM (SELECT household_id FROM persons GROUP BY household_id HAVING count(*) != ?)",
            [BULK]).fetchone()[0]
        entries = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        if households != s or persons != bulk_steps * BULK or partial or entries != s:
            problems.append(f"step {s}: {households} households, {persons} persons, {partial} partial imports, "
                            f"{entries} audit entries")
        problems += [p for _, _, p in trail.verify(db) if p]
    return s, problems


def run(folder: Path, kills: int, *, seed: int, max_delay: float = 0.08, fresh_every: int = 50) -> Tally:
    """Fork a writer, kill it at a random moment, check the file; `kills` times.

    A fresh file every `fresh_every` kills keeps the per-kill integrity check cheap.
    """
    rng = random.Random(seed)
    tally = Tally()
    started = time.perf_counter()
    for round_start in range(0, kills, fresh_every):
        path = folder / f"office-{round_start // fresh_every}.db"
        last = 0
        for _ in range(min(fresh_every, kills - round_start)):
            last = _kill_once(path, last, rng, max_delay, tally)
        tally.steps += last
        # Backups killed half-way leave temporary files; the next backup must still succeed.
        backup.backup_now(path)
        for b in backup.list_backups(path):
            if storage.integrity_problems(b.path):
                tally.failures.append(f"backup {b.name} is damaged")
            tally.backups_checked += 1
    tally.seconds = time.perf_counter() - started
    return tally


def _kill_once(path: Path, last: int, rng: random.Random, max_delay: float, tally: Tally) -> int:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            child(path, w)
        finally:
            os._exit(3)
    os.close(w)
    if rng.random() < 0.9:
        # Most kills wait until the child has opened the file, so they land inside its work;
        # the rest hit the opening itself (lock take-over, checks).
        select.select([r], [], [], 5.0)
    time.sleep(rng.uniform(0, max_delay))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    lines = data.decode().split()
    tally.kills += 1
    if os.WIFEXITED(status):
        tally.failures.append(f"kill {tally.kills}: child exited by itself with {os.WEXITSTATUS(status)}")
    numbers = [int(x) for x in lines if x.isdigit()]
    reported = numbers[-1] if numbers else last
    if lines and lines[-1].startswith("B"):
        tally.in_bulk += 1
    s, problems = verify(path, reported)
    if problems:
        tally.failures.append(f"kill {tally.kills}: " + "; ".join(problems))
    if s == reported + 1:
        tally.unreported += 1
    return s
