"""A tiny office built with the domain API, shared by the browse and GUI tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gridoffice.archive import households, people
from gridoffice.org import regions
from gridoffice.idcard import make_id
from gridoffice.archive.people import PersonInput
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")

TODAY = dt.date.today()


def pid(birth: dt.date, serial: int) -> str:
    return make_id("330102", birth, serial)


@dataclass
class Office:
    community: int
    grid_a: int
    grid_b: int
    h_zhang: int  # grid A, class 1: 张伟 (head, 70), 李娜 (spouse, 68, disabled), 张小龙 (son, 40)
    h_wang: int  # grid B, class 3: 王芳 (head, 34), 王小明 (son, 4)
    h_zhao: int  # grid B, moved out: 赵强
    zhang_wei: int
    li_na: int
    zhang_xiaolong: int
    wang_fang: int


def years_ago(years: int) -> dt.date:
    return dt.date(TODAY.year - years, 3, 1)


def build_office(db) -> Office:
    regions.set_office(db, "测试社区居委会", None)
    community = regions.create_unit(db, None, "community", "测试社区")
    grid_a = regions.create_unit(db, community, "grid", "第一网格")
    grid_b = regions.create_unit(db, community, "grid", "第二网格")
    regions.set_office(db, "测试社区居委会", community)
    h_zhang = households.create_household(
        db, org_id=grid_a, head=PersonInput("张伟", id_number=pid(years_ago(70), 11)),
        address="幸福小区1幢101室", phone="13800000001", contact_class=1)
    zhang = households.get_household(db, h_zhang, scope=ADMIN).head.id
    li_na = households.add_member(db, h_zhang, PersonInput("李娜", id_number=pid(years_ago(68), 22)), "spouse")
    xiaolong = households.add_member(db, h_zhang, PersonInput("张小龙", id_number=pid(years_ago(40), 13)), "son")
    people.add_tag(db, li_na, "disabled")
    h_wang = households.create_household(
        db, org_id=grid_b, head=PersonInput("王芳", id_number=pid(years_ago(34), 24)), address="幸福小区2幢201室")
    wang = households.get_household(db, h_wang, scope=ADMIN).head.id
    households.add_member(db, h_wang, PersonInput("王小明", id_number=pid(years_ago(4), 15)), "son")
    h_zhao = households.create_household(
        db, org_id=grid_b, head=PersonInput("赵强", id_number=pid(years_ago(50), 17)), address="幸福小区3幢")
    households.move_out(db, h_zhao)
    return Office(community, grid_a, grid_b, h_zhang, h_wang, h_zhao, zhang, li_na, xiaolong, wang)


_template: tuple[str, Office] | None = None


def office_copy(tmp_path) -> tuple[str, Office]:
    """A copy of the tiny office built once per test process (building costs ~0.4 s of fsyncs)."""
    global _template
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    from gridoffice.audit import trail
    from gridoffice.store.db import open_db

    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="gridoffice-ui-"))
        # It outlives every test of the process; without this each run left one behind per worker.
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        db = open_db(folder / "template.db")
        trail.set_actor(db, "测试员")
        office = build_office(db)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        _template = (str(folder / "template.db"), office)
    target = Path(tmp_path) / "office.db"
    shutil.copy(_template[0], target)
    return str(target), _template[1]


def copy_of(template: dict, tmp_path) -> dict:
    """A module's template office (a dict with its "path") copied for one test."""
    import shutil

    path = tmp_path / "office.db"
    shutil.copyfile(template["path"], path)
    return {**template, "path": path}


def shown_page(qtbot, page_class, path):
    """A page on its own AppContext, wired to changes as the main window wires every page, shown
    at a clerk's window size; returns (page, ctx) — close ctx when done."""
    from ui.context import AppContext

    ctx = AppContext(path)
    widget = page_class(ctx)
    qtbot.addWidget(widget)
    ctx.changed.connect(widget.on_changed)
    widget.resize(1200, 700)
    widget.show()
    return widget, ctx


def opened_page(page_class, path, qtbot, *, user: str, role: str, today: dt.date | None = None):
    """A page as the given user opens it at 1366×768 in the shipped font, wired to changes, loaded;
    returns (ctx, page). `today` fixes the page's day before its first load."""
    from PySide6.QtWidgets import QApplication

    from ui import app as app_module
    from ui.context import AppContext, User

    app_module.install_font(QApplication.instance())
    ctx = AppContext(path, user=User(user, role))
    page = page_class(ctx)
    if today is not None:
        page.today = lambda: today
    ctx.changed.connect(page.on_changed)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.activated()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=5000)
    return ctx, page
