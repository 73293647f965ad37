"""The one-folder build of GridOffice with PyInstaller (packaging/gridoffice.spec).

    bash dev.sh build                       → dist/GridOffice/ (run dist/GridOffice/gridoffice)
    .venv/bin/python packaging/build.py --dist DIR

cached_build() is for the test and the benchmark that run the frozen program: a build keyed by
everything that goes into it (the sources, the shipped files, the spec, Python and every installed
package's version), kept in the user's cache folder, so the suite's second run in CI and later runs
on unchanged sources reuse it instead of spending a minute or two on a new one.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "gridoffice.spec"
SOURCES = ("main.py", "gridoffice", "ui", "commands", "exports", "packaging")
NAME = "GridOffice"
# Builds kept in the cache: the newest few, each about 260 MB.
KEEP = 2


def program(folder: Path) -> Path:
    """The frozen program in a build folder: on Windows the console one, which runs commands and the window."""
    return folder / ("GridOfficeCmd.exe" if sys.platform == "win32" else "gridoffice")


def source_key() -> str:
    """A digest of everything the build is made of; any change gives a new build."""
    digest = hashlib.sha256()
    for top in SOURCES:
        base = ROOT / top
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in paths:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"{sys.version}|{platform.platform()}".encode())
    # The environment's own packages, not whatever else the caller's sys.path shows (a checkout's egg-info):
    # the test and the benchmark share one build.
    site = {sysconfig.get_paths()[kind] for kind in ("purelib", "platlib")}
    installed = sorted({f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions(path=sorted(site))})
    digest.update("\n".join(installed).encode())
    return digest.hexdigest()[:16]


def build(dist: Path, work: Path) -> Path:
    """Runs PyInstaller on the spec; the program's folder is dist/GridOffice."""
    done = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                           "--distpath", str(dist), "--workpath", str(work), str(SPEC)],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"PyInstaller failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
    return dist / NAME


def cache_folder() -> Path:
    configured = os.environ.get("GRIDOFFICE_BUILD_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gridoffice-build"


@contextlib.contextmanager
def _locked(path: Path):
    """One builder at a time per cache (two test runs, or a test and the benchmark)."""
    import fcntl

    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_build(cache: Path | None = None) -> Path:
    """The build of the current sources, made once and then taken from the cache (Linux)."""
    cache = cache or cache_folder()
    cache.mkdir(parents=True, exist_ok=True)
    key = source_key()
    home = cache / key
    with _locked(cache / ".lock"):
        if not (home / "complete").exists():
            part = cache / f"{key}.part"
            shutil.rmtree(part, ignore_errors=True)
            shutil.rmtree(home, ignore_errors=True)
            build(part / "dist", part / "work")
            shutil.rmtree(part / "work")
            part.rename(home)
            (home / "complete").write_text(time.strftime("%Y-%m-%d %H:%M:%S"))
        os.utime(home / "complete")
        builds = sorted((p for p in cache.iterdir() if (p / "complete").exists()),
                        key=lambda p: (p / "complete").stat().st_mtime, reverse=True)
        for old in builds[KEEP:]:
            shutil.rmtree(old, ignore_errors=True)
    return home / "dist" / NAME


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    parser = argparse.ArgumentParser(description="GridOffice 单文件夹打包（PyInstaller）")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="输出文件夹（默认 dist/）")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller", help="中间文件夹")
    args = parser.parse_args()
    start = time.perf_counter()
    try:
        folder = build(args.dist.resolve(), args.work.resolve())
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        print("打包失败。", file=sys.stderr)
        return 1
    print(f"已打包：{program(folder)}（{folder_size(folder) / 2**20:.0f} MB，用时 {time.perf_counter() - start:.0f} 秒）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
