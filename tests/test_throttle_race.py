"""Log-in throttling against someone at the PC who runs many guessing processes at once (THREATS.md,
row 2): failures counted by processes failing at the same instant all count, so the waits they
earned are not lost."""

import subprocess
import sys
import time
from pathlib import Path

from gridoffice.access import session

ROOT = Path(__file__).resolve().parent.parent
PROCESSES, FAILURES_EACH = 4, 10

# Each child says it is ready, waits for the go file, then records its failures as a failed
# log-in does. A file is the start signal: the suite moves this process's clock, not the children's.
CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from gridoffice.access import session
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
deadline = time.monotonic() + 60  # a child never outlives a test that went away
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit(3)
    time.sleep(0.001)
for i in range({n}):
    session._failed(Path({path!r}), "admin", {at!r})
"""
AT = 1_800_000_000.0  # the failures' time, fixed


def test_failures_from_processes_at_the_same_instant_all_count(tmp_path):
    office = tmp_path / "office.db"
    office.write_bytes(b"")
    code = CHILD.format(root=str(ROOT), n=FAILURES_EACH, path=str(office), at=AT)
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(PROCESSES)]
    children = [subprocess.Popen([sys.executable, "-c", code, str(r), str(go)]) for r in ready]
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    assert [c.wait(timeout=120) for c in children] == [0] * PROCESSES
    entry = session._load(office)[session._name_key("admin")]
    assert entry["failures"] == PROCESSES * FAILURES_EACH
    # That many failures earn the longest wait.
    assert session.wait_seconds(office, "admin", now=AT) == session.MAX_WAIT
