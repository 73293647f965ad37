"""The Windows build's files, checked on Linux where no Windows runner is: the version resource the spec
writes, the icon, and the installer script and workflow agreeing with the spec on names and paths."""

from __future__ import annotations

import io
import re
import struct
import sys
from pathlib import Path

import pytest

import gridoffice
import main
from gridoffice import shipped

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))

import buildinfo  # noqa: E402 (packaging/buildinfo.py)

SPEC = (ROOT / "packaging" / "gridoffice.spec").read_text(encoding="utf-8")
ISS_BYTES = (ROOT / "packaging" / "windows" / "gridoffice.iss").read_bytes()
ISS = ISS_BYTES.decode("utf-8-sig")
WORKFLOW = (ROOT / ".github" / "workflows" / "windows.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("version, numbers", [("0.1.0", (0, 1, 0, 0)), ("2.10.3.7", (2, 10, 3, 7)),
                                              ("1.2rc1", (1, 2, 0, 0)), ("3", (3, 0, 0, 0))])
def test_windows_keeps_four_version_numbers(version, numbers):
    assert buildinfo.version_numbers(version) == numbers


def test_a_version_windows_cannot_hold_is_refused():
    with pytest.raises(ValueError):
        buildinfo.version_numbers("1.70000.0")


def test_the_version_resource_is_the_expression_pyinstaller_reads():
    """PyInstaller evaluates the file with its version-info classes; the same names here record what
    each was given."""
    made = {}

    def recorder(name):
        def build(*args, **kwargs):
            made.setdefault(name, []).append((args, kwargs))
            return (name, args, kwargs)
        return build

    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct", "VarFileInfo",
             "VarStruct")
    eval(buildinfo.version_file_text(gridoffice.__version__), {n: recorder(n) for n in names})  # noqa: S307
    fixed = made["FixedFileInfo"][0][1]
    assert fixed["filevers"] == fixed["prodvers"] == buildinfo.version_numbers(gridoffice.__version__)
    strings = dict(args for args, _ in made["StringStruct"])
    assert strings["ProductVersion"] == strings["FileVersion"] == gridoffice.__version__
    assert strings["FileDescription"] == "网格化管理" and "网格通" in strings["ProductName"]
    assert made["StringTable"][0][0][0] == "080404B0"  # Simplified Chinese, Unicode
    assert made["VarStruct"][0][0] == ("Translation", [0x0804, 1200])


def test_the_icon_holds_every_size_windows_asks_for(qapp):
    from PySide6.QtGui import QImage

    data = (ROOT / "packaging" / "windows" / "gridoffice.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        width, height, _colours, _, _planes, bits, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        image = QImage.fromData(data[offset:offset + length], "PNG")
        side = width or 256
        assert (image.width(), image.height(), width, bits) == (side, side, height, 32)
        sizes.append(side)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]
    window_icon = QImage(str(shipped.path(shipped.ICON)))
    assert (window_icon.width(), window_icon.height()) == (256, 256)


def test_the_installer_installs_what_the_spec_builds():
    assert ISS_BYTES.startswith(b"\xef\xbb\xbf")  # Inno Setup reads a script as UTF-8 only with its BOM
    programs = set(re.findall(r'program\("(\w+)", (?:True|False)\)', SPEC))
    assert programs == {"GridOffice", "GridOfficeCmd", "gridoffice"}
    assert re.search(r'Filename: "\{app\}\\GridOffice\.exe"', ISS)
    assert 'name="GridOffice"' in SPEC and r'#define BuildDir "..\..\dist\GridOffice"' in ISS
    # Windows 10 1809 is the oldest that Qt 6 supports; 64-bit only.
    assert "MinVersion=10.0.17763" in ISS and "ArchitecturesAllowed=x64compatible" in ISS
    # The offices are never the installer's: nothing under the user's data folders is named.
    assert "{localappdata}" not in ISS.lower() and "{userappdata}" not in ISS.lower()


def test_the_workflow_builds_and_smoke_runs_what_the_repository_has():
    for path in re.findall(r"packaging\\[\w\\.]+", WORKFLOW):
        assert (ROOT / path.replace("\\", "/")).is_file(), path
    assert "GridOfficeCmd.exe" in WORKFLOW and "GridOffice.exe" in WORKFLOW
    for command in ("generate", "check", "cards", "export", "--screenshot"):
        assert f'"{command}"' in WORKFLOW, command
    assert "/DAppVersion=" in WORKFLOW and "#ifndef AppVersion" in ISS


def test_output_windows_cannot_encode_becomes_a_question_mark_not_a_crash(monkeypatch):
    piped = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    monkeypatch.setattr(sys, "stdout", piped)
    monkeypatch.setattr(sys, "stderr", None)  # the windowed program has no streams
    main._tolerant_output()
    print("已导出花名册：a.xlsx")
    piped.flush()
    assert piped.buffer.getvalue() == b"???????a.xlsx\n"
