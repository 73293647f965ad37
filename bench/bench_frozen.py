"""The one-folder build: its size, and its start on the 50,000-household office beside a bare baseline.

    .venv/bin/python bench/bench_frozen.py [--office /tmp/gridoffice-bench/office-50k-activity.db] [--runs 5]

Figures, one line each:
- the build's size on disk and packed (.tar.gz, what an office downloads), beside a frozen bare PySide6 program;
- start to a settled window on the office: a new process, no Python on PATH, `--db OFFICE --screenshot
  --page archive` (log-in, the window, every page built, the household list loaded, the 1366x768 grab
  saved, exit), in rounds alternating with the same program run from source (`python main.py`, same
  arguments) and a frozen bare baseline (bench/frozen_bare.py frozen the same way, bench/_bare.py's window:
  the same log-in's key unwrap, 200 households in a QTableWidget in a QMainWindow, the same grab saved). Wall and processor
  time (the child's own, from wait4) are medians; on a shared machine the processor time says what a
  start costs when the wall time waits for a core.

The build comes from packaging/build.py's cache (made when missing); the office is copied to a temporary
folder that is removed afterwards, so the original is never written.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from _common import copy_office, scratch  # noqa: E402 (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))

import build  # noqa: E402 (packaging/build.py)
import buildinfo  # noqa: E402
from gridoffice.demo import activity  # noqa: E402

BENCH = Path("/tmp/gridoffice-bench")


def packed_size(folder: Path, scratch: Path) -> int:
    """The folder as a .tar.gz, the way a Linux build is handed on (it keeps the symbolic links that a
    zip would turn into second copies)."""
    target = scratch / f"{folder.name}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(folder, arcname=folder.name)
    size = target.stat().st_size
    target.unlink()
    return size


def bare_build(scratch: Path) -> Path:
    """bench/frozen_bare.py frozen one-folder with the program's exclusions (kept for later runs)."""
    dist = BENCH / "frozen-bare"
    digest = build.source_key() + "".join(
        hashlib.sha256((ROOT / "bench" / name).read_bytes()).hexdigest() for name in ("frozen_bare.py", "_bare.py"))
    marker = dist / "complete"
    if marker.exists() and marker.read_text() == digest:
        return dist / "frozen_bare"
    shutil.rmtree(dist, ignore_errors=True)
    excludes = [arg for name in buildinfo.EXCLUDES for arg in ("--exclude-module", name)]
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--onedir",
                    "--name", "frozen_bare", "--paths", str(ROOT), "--paths", str(ROOT / "bench"),
                    "--distpath", str(BENCH),
                    "--workpath", str(scratch / "work"), "--specpath", str(scratch), *excludes,
                    str(ROOT / "bench" / "frozen_bare.py")], check=True)
    (BENCH / "frozen_bare").rename(dist)
    marker.write_text(digest)
    return dist / "frozen_bare"


def timed(args: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall time from start to exit, and the child's processor time."""
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    err = child.stderr.read().decode("utf-8", "replace")
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{args[0]} ended with {child.returncode}: {err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--office", type=Path, default=BENCH / "office-50k-activity.db")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.office.exists():
        print(f"{args.office} is missing: python bench/bench_generate.py --only office", file=sys.stderr)
        return 2
    with scratch("bench-frozen") as work:
        start = time.perf_counter()
        frozen = build.cached_build()
        print(f"(one-folder build ready after {time.perf_counter() - start:.0f} s)", flush=True)
        bare = bare_build(work).parent
        sizes = {name: (build.folder_size(folder), packed_size(folder, work),
                        sum(1 for p in folder.rglob("*") if p.is_file()))
                 for name, folder in (("program", frozen), ("bare", bare))}
        (p_disk, p_packed, p_files), (b_disk, b_packed, _b_files) = sizes["program"], sizes["bare"]
        print(f"one-folder build: {p_disk / 2**20:.0f} MB on disk in {p_files:,} files, {p_packed / 2**20:.0f} MB as "
              f".tar.gz; frozen bare PySide6 window {b_disk / 2**20:.0f} MB, {b_packed / 2**20:.0f} MB as .tar.gz",
              flush=True)

        office = work / args.office.name
        copy_office(args.office, office)
        nothing = work / "empty-path"
        nothing.mkdir()
        env = {"PATH": str(nothing), "HOME": str(work), "LANG": "C.UTF-8",
               "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "XDG_DATA_HOME": str(work / "share"), "XDG_CONFIG_HOME": str(work / "config"),
               "GRIDOFFICE_USER": os.environ.get("GRIDOFFICE_USER", activity.DEMO_USERS[0][0]),
               "GRIDOFFICE_PASSWORD": os.environ.get("GRIDOFFICE_PASSWORD", activity.DEMO_PASSWORD)}
        shot = ["--db", str(office), "--screenshot", str(work / "shot.png"), "--size", "1366x768",
                "--page", "archive"]
        source_env = dict(env, PATH=os.environ["PATH"])
        source_env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed program starts from compiled bytecode
        kinds = {
            "frozen": ([str(build.program(frozen)), *shot], env),
            "source": ([sys.executable, str(ROOT / "main.py"), *shot], source_env),
            "bare": ([str(bare / "frozen_bare"), str(office), str(work / "bare.png")], env),
        }
        # Not counted: a pending schema upgrade of the copy, and the files brought into the system's cache.
        for command, kind_env in kinds.values():
            timed(command, work, kind_env)
        results: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
        for _ in range(args.runs):
            for kind, (command, kind_env) in kinds.items():
                results[kind].append(timed(command, work, kind_env))
        med = {kind: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
               for kind, runs in results.items()}
        (fw, fc), (sw, sc), (bw, bc) = med["frozen"], med["source"], med["bare"]
        print(f"start to a settled window and its screenshot ({args.office.name}): frozen {fw:.2f} s wall, "
              f"{fc:.2f} s processor; from source {sw:.2f} s, {sc:.2f} s; frozen bare window {bw:.2f} s, "
              f"{bc:.2f} s; frozen/source wall {fw / sw:.2f}x, frozen/bare wall {fw / bw:.2f}x, processor "
              f"{fc / bc:.2f}x (medians of {args.runs} rounds, load {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
