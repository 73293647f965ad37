"""The one-folder build (packaging/gridoffice.spec) as a clerk's PC runs it: no Python anywhere on the
path, started from a folder of its own, every command and page inside it, the shipped files found.

The build takes a minute or two; packaging/build.py keeps it in the user's cache folder keyed by
everything that goes into it, so CI's second run of the suite (and any later run on unchanged
sources) takes it from there instead of building again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

import commands
from ui import pages

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))

import build  # noqa: E402 (packaging/build.py)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="Linux build; the Windows workflow builds and smoke-runs its own"),
    pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed"),
]
pytest.importorskip("PyInstaller")


@pytest.fixture(scope="module")
def frozen() -> Path:
    return build.cached_build()


def test_every_command_and_page_is_inside_the_build(frozen):
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(build.program(frozen)))
    pyz = next(name for name in archive.toc if name.endswith(".pyz"))
    modules = set(archive.open_embedded_archive(pyz).toc)
    wanted = {f"commands.{m}" for m in commands.MODULES} | {f"ui.pages.{m}" for m in pages.MODULES}
    assert wanted <= modules, sorted(wanted - modules)
    # The shipped files lie where importlib.resources looks for them in a frozen program.
    internal = frozen / "_internal" / "gridoffice" / "resources"
    for relative in ("fonts/wqy-microhei.ttc", "cards/service.json", "translations/qtbase_zh_CN.qm",
                     "icons/gridoffice.png"):
        assert (internal / relative).is_file(), relative


def _run(program: Path, args: list[str], cwd: Path, env: dict, code: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([str(program), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == code, (args, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def test_the_frozen_program_runs_without_python(frozen, tmp_path):
    office = tmp_path / "社区办公室"
    office.mkdir()
    nothing = tmp_path / "empty-path"
    nothing.mkdir()
    # Only what a clerk's PC has: no Python on PATH, none named by PYTHON* variables, no checkout.
    env = {"PATH": str(nothing), "HOME": str(tmp_path), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
           "XDG_DATA_HOME": str(tmp_path / "share"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "GRIDOFFICE_USER": "admin", "GRIDOFFICE_PASSWORD": "demo1234"}
    assert shutil.which("python3", path=env["PATH"]) is None and shutil.which("python", path=env["PATH"]) is None
    program = build.program(frozen)

    listed = _run(program, ["--help"], office, env).stdout
    for name in commands.names():  # --help imports every command module to list it
        assert f"  {name}" in listed, name

    _run(program, ["generate", "--db", "网格办公室.db", "--households", "40", "--seed", "3",
                   "--today", "2026-11-01", "-q"], office, env)
    assert "没有发现问题" in _run(program, ["check", "--db", "网格办公室.db"], office, env).stderr

    _run(program, ["cards", "--db", "网格办公室.db", "--grid", "第1网格", "-o", "联系卡.pdf"], office, env)
    fonts = subprocess.run(["pdffonts", str(office / "联系卡.pdf")], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYiMicroHei" in line]
    assert cjk and all(line.split()[-5:-3] == ["yes", "yes"] for line in cjk), fonts
    text = subprocess.run(["pdftotext", str(office / "联系卡.pdf"), "-"], capture_output=True, text=True).stdout
    assert "联系" in text and "服务" in text

    _run(program, ["export", "roster", "--db", "网格办公室.db", "--full-numbers", "--reason", "打包自检",
                   "-o", "花名册.xlsx"], office, env)
    sheet = load_workbook(office / "花名册.xlsx", read_only=True).worksheets[0]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any("花名册" in c for c in cells[:5]) and sum(len(c) == 18 and c[:17].isdigit() for c in cells) >= 40
    # A spreadsheet is read in a child process (multiprocessing's spawn): the frozen program is its own child.
    checked = _run(program, ["import", "--db", "网格办公室.db", "--dry-run", "花名册.xlsx"], office, env)
    assert "试导入" in checked.stdout and "拒收0行" in checked.stdout, checked

    _run(program, ["--db", "网格办公室.db", "--screenshot", "窗口.png", "--size", "1366x768", "--page", "archive"],
         office, env)
    from PySide6.QtGui import QImage

    shot = QImage(str(office / "窗口.png"))
    assert (shot.width(), shot.height()) == (1366, 768)
    # A painted window, not a blank one: many distinct colours.
    colours = {shot.pixel(x, y) for x in range(0, 1366, 7) for y in range(0, 768, 7)}
    assert len(colours) > 20
    # Nothing of the program was written beside the build, and nothing was needed from the checkout.
    assert not list(frozen.glob("*.db"))
    assert os.access(program, os.X_OK)
