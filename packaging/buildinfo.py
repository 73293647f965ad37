"""What packaging/gridoffice.spec needs besides PyInstaller: the modules left out of the build and the
Windows version resource. Plain Python, so tests on Linux read the same values the Windows build uses."""

from __future__ import annotations

import re

# Never imported by the program: test tools, the freezer itself, Tk (Python's own GUI kit).
EXCLUDES = ["tkinter", "_tkinter", "pytest", "_pytest", "pytest_qt", "xdist", "time_machine", "PyInstaller",
            "setuptools", "pip", "wheel"]

PRODUCT = "GridOffice 网格通"
DESCRIPTION = "网格化管理"
# Simplified Chinese (0x0804) in Unicode (code page 1200): the language the version tab shows.
LANGUAGE, CODEPAGE = 0x0804, 1200


def version_numbers(version: str) -> tuple[int, int, int, int]:
    """"0.1.0" → (0, 1, 0, 0): Windows keeps four 16-bit numbers; a suffix such as "rc1" is dropped."""
    parts = [int(re.match(r"\d*", p).group() or 0) for p in version.split(".")[:4]]
    numbers = tuple(parts + [0] * (4 - len(parts)))
    if any(n > 0xFFFF for n in numbers):
        raise ValueError(f"version part above 65535: {version}")
    return numbers


def version_file_text(version: str) -> str:
    """The version resource in the text form PyInstaller's `version=` reads (VSVersionInfo)."""
    numbers = version_numbers(version)
    strings = {
        "CompanyName": "GridOffice",
        "FileDescription": DESCRIPTION,
        "FileVersion": version,
        "InternalName": "GridOffice",
        "LegalCopyright": "MIT License",
        "ProductName": PRODUCT,
        "ProductVersion": version,
    }
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return (
        "VSVersionInfo(\n"
        "  ffi=FixedFileInfo(\n"
        f"    filevers={numbers!r},\n"
        f"    prodvers={numbers!r},\n"
        "    mask=0x3f, flags=0x0, OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),\n"
        "  kids=[\n"
        "    StringFileInfo([\n"
        f"      StringTable('{LANGUAGE:04X}{CODEPAGE:04X}', [\n"
        f"{table}])]),\n"
        f"    VarFileInfo([VarStruct('Translation', [{LANGUAGE:#06x}, {CODEPAGE}])])])\n"
    )
