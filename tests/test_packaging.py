"""The program as a packager ships it: every command and page reachable by name (a freezer bundles
what is imported by name), the shipped files found inside the package, and a wheel that, installed
into a fresh environment, works from a folder outside the checkout and prints cards with its font."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import commands
import gridoffice
from gridoffice import shipped
from ui import pages

ROOT = Path(__file__).resolve().parent.parent
needs_poppler = pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")


def _modules_in(package) -> set[str]:
    return {info.name for info in pkgutil.iter_modules(package.__path__) if not info.name.startswith("_")}


def test_every_command_and_page_module_is_listed_by_name():
    """A module left out of the lists would be missing from a frozen build without a word."""
    assert set(commands.MODULES) == _modules_in(commands)
    assert set(pages.MODULES) == {name for name in _modules_in(pages) if name.endswith("_page")}
    assert sorted(commands.names()) == sorted(name.rstrip("_").replace("_", "-") for name in commands.MODULES)


def test_the_shipped_files_are_found_inside_the_package():
    package = Path(gridoffice.__file__).resolve().parent
    for relative in (shipped.FONT, shipped.CARDS + "/service.json", shipped.TRANSLATIONS + "/qtbase_zh_CN.qm",
                     shipped.MANUAL):
        found = shipped.path(relative)
        assert found.is_file() and found.resolve().is_relative_to(package), relative
    assert {p.stem for p in shipped.path(shipped.CARDS).glob("*.json")} == {"service", "contact", "proxy"}


def _run(args, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, **kw)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


@pytest.mark.slow
@needs_poppler
def test_the_wheel_installed_in_a_fresh_environment_prints_cards_with_its_font(tmp_path):
    # Built from a copy of the sources: setuptools keeps a build folder where it builds, which would
    # carry files removed from the checkout into later wheels.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "tests", "bench", ".ci"))
    dist = tmp_path / "dist"
    # Without build isolation: the setuptools and wheel of this environment, so no index is needed.
    _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
          "--disable-pip-version-check", "-w", str(dist)])
    wheel = next(dist.glob("gridoffice-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        assert "gridoffice/resources/manual.md" in z.namelist()  # 帮助 → 使用手册 works when installed

    # A fresh environment: the program only from the wheel; its dependencies (Qt alone is hundreds of
    # megabytes) seen from this environment's site-packages, as --system-site-packages would.
    env_dir = tmp_path / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    python = env_dir / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "gridoffice-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
          "--disable-pip-version-check", str(wheel)])

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(QT_QPA_PLATFORM="offscreen", GRIDOFFICE_USER="admin", GRIDOFFICE_PASSWORD="demo1234")
    where = _run([str(python), "-c", "import gridoffice, main, commands, ui, exports; "
                  "print(gridoffice.__file__, main.__file__, commands.__file__, ui.__file__, exports.__file__)"],
                 cwd=elsewhere, env=env).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where

    program = env_dir / "bin" / "gridoffice"
    listed = _run([str(program), "--help"], cwd=elsewhere, env=env).stdout
    for name in commands.names():
        assert f"  {name}" in listed, name
    _run([str(program), "generate", "--db", "office.db", "--households", "40", "--seed", "3",
          "--today", "2026-11-01", "--no-activity", "-q"], cwd=elsewhere, env=env)
    done = _run([str(program), "cards", "--db", "office.db", "--grid", "第1网格", "-o", "联系卡.pdf"], cwd=elsewhere,
                env=env)
    pdf = elsewhere / "联系卡.pdf"
    assert pdf.read_bytes().startswith(b"%PDF"), done.stderr
    fonts = _run(["pdffonts", str(pdf)]).stdout.splitlines()
    cjk = [line for line in fonts if "WenQuanYiMicroHei" in line]
    # pdffonts' columns: name, type, encoding, emb, sub, uni, object ID.
    assert cjk and all(line.split()[-5:-3] == ["yes", "yes"] for line in cjk), fonts
    text = _run(["pdftotext", str(pdf), "-"]).stdout
    assert "联系" in text and "服务" in text
