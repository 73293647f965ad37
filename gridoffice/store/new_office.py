"""What a new office file needs, checked in one place: the window's 新建办公室 and `users add` on a
missing file both come here.

A new office is an encrypted file with its administrator (the file cannot be read without an account,
so the first one is made with it), and, when the clerk names them, the office's name and its place in
the tree: district, street and the community or village it manages, which may carry its 12-digit
statistical division code (the street registers an office by it). Everything is checked before the
first byte is written; if a later step fails, nothing is left behind.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3.dbapi2 as sqlite3
from sqlite_utils import Database

from gridoffice.access import keys, session
from gridoffice.access.users import User, check_new_account
from gridoffice.errors import GridOfficeError, ValidationError
from gridoffice.i18n import tr
from gridoffice.idcard import PROVINCES
from gridoffice.normalize import clean_field, clean_text
from gridoffice.org import regions
from gridoffice.store import officefile, storage


@dataclass(frozen=True)
class Place:
    """The office's name and where it sits; district and street may be left empty."""
    name: str
    community: str
    street: str = ""
    district: str = ""
    division_code: str = ""  # the community's 12 digits, or '' (set later in 组织与网格)


@dataclass(frozen=True)
class Founded:
    db: Database  # open, acting as the administrator; the caller closes it
    recovery_code: str  # shown once, never stored in the clear
    admin: User


def check_division_code(value: str) -> str:
    """A community's or village's statistical division code: 12 digits from a known province, or ''."""
    code = clean_text(value).replace(" ", "")
    if not code:
        return ""
    if len(code) != 12 or not (code.isascii() and code.isdigit()):
        raise ValidationError("division_code", tr("区划代码应为12位数字（村或社区的统计用区划代码，如330104002001），"
                                                  "现在是“{v}”").format(v=value.strip()))
    if code[:2] not in PROVINCES:
        raise ValidationError("division_code", tr("区划代码前两位“{p}”不是省级行政区划代码，请核对").format(p=code[:2]))
    return code


def check_place(place: Place) -> Place:
    """The place cleaned, or a ValidationError naming the field to correct."""
    community = clean_field(place.community, "unit_name", "community")
    if not community:
        raise ValidationError("community", tr("请填写村或社区的名称"))
    name = clean_field(place.name, "office_name", "name")
    if not name:
        raise ValidationError("name", tr("请填写单位名称"))
    return Place(name, community, clean_field(place.street, "unit_name", "street"),
                 clean_field(place.district, "unit_name", "district"), check_division_code(place.division_code))


def check_path(path: str | Path) -> Path:
    """Where the file may be made: not over another file, in a folder that exists or can be made and
    takes a file. A link (even to nowhere) is refused: the file would go where it points, its key file
    beside the link. So is a key file or SQLite's journal left beside: SQLite would read a stale
    journal into the new file, and a failed creation removes what it made."""
    path = Path(path)
    if path.is_symlink() or officefile.classify(path).kind not in (officefile.MISSING, officefile.NEW):
        raise GridOfficeError(tr("文件{path}已存在，请换一个保存位置").format(path=path))
    for beside in keys.companions(path):
        if beside.exists() or beside.is_symlink():
            raise GridOfficeError(tr("文件{path}已存在，请换一个保存位置").format(path=beside))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError:
        raise GridOfficeError(tr("文件夹{folder}不能写入（不存在、只读或没有权限），请换一个保存位置").format(
            folder=path.parent)) from None
    return path


def check(path: str | Path, admin: str, password: str, place: Place | None) -> Place | None:
    """Everything `create` needs, checked without writing a file: what a form asks before it closes."""
    cleaned = None if place is None else check_place(place)
    check_new_account(admin, password)
    check_path(path)
    return cleaned


def create(path: str | Path, admin: str, password: str, place: Place | None = None, *,
           display_name: str = "") -> Founded:
    """A new encrypted office file with its administrator and, when given, its name and place in the
    tree. Raises GridOfficeError (with what to correct) and leaves no file when it cannot."""
    place = check(path, admin, password, place)
    path = Path(path)
    try:
        db, code = session.create_office(path, admin, password, display_name=display_name)
        try:
            if place is not None:
                parent = None
                for level, name in (("district", place.district), ("street", place.street),
                                    ("community", place.community)):
                    if name:
                        code_here = place.division_code if level == "community" else None
                        parent = regions.create_unit(db, parent, level, name, code_here or None)
                regions.set_office(db, place.name, parent)
            user = session.authenticate(db, clean_text(admin))
        except BaseException:
            db.close()
            for leftover in (path, *keys.companions(path)):
                leftover.unlink(missing_ok=True)
            raise
    except (OSError, sqlite3.Error) as exc:
        # A full disk or a folder gone since the check: the window shows only Chinese refusals.
        failure = storage.classify(exc)
        if failure is None:
            raise
        raise failure from None
    return Founded(db, code, user)
