"""Every page of ui.pages.MODULES opened by every role (issue 21, point 3: "tests per role for every
page"): a grid worker's page holds nothing of the other grid — not in a table, list, tree, picker,
label or text box, shown or hidden — while an administrator, a leader and a clerk see it. The
pages read through the core with the user's Scope; this walks what each page actually put on screen.

The tiny office: grid A (张伟's household) is the grid worker's; grid B holds 王芳 and 王小明, the
contact staff member 乙联系人, a team, a matter and a need, so each page has something of B to show."""

import datetime as dt

import pytest
from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QComboBox, QLabel, QLineEdit, QPlainTextEdit,
                               QTabBar, QTextEdit, QWidget)

from gridoffice.access import users
from gridoffice.activity import logs
from gridoffice.audit import trail
from gridoffice.org import staff
from gridoffice.matters import rules as M
from gridoffice.store.db import open_db
from ui.context import AppContext
from ui.pages import MODULES, page_classes
from tests.ui_helpers import office_copy

PASSWORD = "gridoffice1"
ROLES = ("admin", "leader", "clerk", "grid_worker")
NOW = dt.datetime(2026, 11, 20, 19, 0)
LONG_AGO = (dt.date.today() - dt.timedelta(days=400)).isoformat()
# What only grid B holds.
GRID_B = ("王芳", "王小明", "乙联系人", "第二网格", "王家屋顶漏水", "第二网格积水")
# Pages a role is not given at all: they show the refusal, not the rows.
REFUSED = {"audit": ("clerk", "grid_worker")}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path, o = office_copy(tmp_path_factory.mktemp("roles-pages"))
    db = open_db(path)
    trail.set_actor(db, "测试员")
    admin = users.whole_office("测试员")
    users.create_first_admin(db, "admin", PASSWORD)
    for role in ROLES[1:]:
        users.create_user(db, role, PASSWORD, role, by=admin, org_id=o.grid_a if role == "grid_worker" else None)
    a = staff.add_staff(db, "甲联系人", "party_member", org_id=o.grid_a)
    b = staff.add_staff(db, "乙联系人", "party_member", org_id=o.grid_b)
    for staff_id, household, grid in ((a, o.h_zhang, o.grid_a), (b, o.h_wang, o.grid_b)):
        staff.link_contact(db, staff_id, household, since=LONG_AGO)
        staff.add_team_member(db, staff.create_team(db, grid, f"服务团队{grid}"), staff_id, title="网格长")
    logs.add_need(db, o.h_wang, "王家屋顶漏水", staff_id=b)
    logs.add_need(db, o.h_zhang, "张家想办老年卡", staff_id=a)
    for title, grid in (("第一网格路灯", o.grid_a), ("第二网格积水", o.grid_b)):
        M.intake(db, source="phone", category_id=6, grade="difficult", title=title, grid_id=grid,
                 received_at=NOW - dt.timedelta(days=2), now=NOW - dt.timedelta(days=2))
    accounts = {role: users.login(db, role, PASSWORD) for role in ROLES}
    db.close()
    return dict(path=path, o=o, users=accounts)


def texts(root: QWidget) -> list[str]:
    """Every text the page holds in its widgets, hidden ones too."""
    found = []
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, (QLabel, QAbstractButton, QLineEdit)):
            found.append(w.text())
        elif isinstance(w, (QTextEdit, QPlainTextEdit)):
            found.append(w.toPlainText())
        elif isinstance(w, QComboBox):
            found += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QTabBar):
            found += [w.tabText(i) for i in range(w.count())]
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            found += _model_texts(w.model(), QModelIndex())
    return [t for t in found if t]


def _model_texts(model, parent: QModelIndex, limit: int = 2000) -> list[str]:
    # A list or table model keeps columnCount(parent) and hasChildren private in PySide: one level.
    tree = not isinstance(model, (QAbstractListModel, QAbstractTableModel))
    columns = 1 if isinstance(model, QAbstractListModel) else (
        model.columnCount(parent) if tree else model.columnCount())
    out = []
    for row in range(min(model.rowCount(parent) if tree else model.rowCount(), limit)):
        for col in range(columns):
            index = model.index(row, col, parent)
            value = model.data(index, Qt.ItemDataRole.DisplayRole)
            if value is not None:
                out.append(str(value))
            if tree and col == 0 and model.hasChildren(index):
                out += _model_texts(model, index, limit)
    return out


def settle(page, qtbot) -> None:
    """Wait for what the page reads in the background (lists, the check, the dashboard's charts)."""
    qtbot.wait(50)
    if hasattr(page, "is_loading"):
        qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    if getattr(page, "PAGE_ID", "") == "completeness":
        qtbot.waitUntil(lambda: page.problems is not None, timeout=20000)
    if getattr(page, "PAGE_ID", "") == "dashboard":
        qtbot.waitUntil(lambda: page.figures is not None and page.problems is not None, timeout=20000)
    qtbot.wait(50)


def test_every_page_module_is_tried():
    assert {c.__module__.rsplit(".", 1)[1] for c in page_classes()} == set(MODULES) and len(page_classes()) == 11


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page_class", page_classes(), ids=lambda c: c.PAGE_ID)
def test_a_page_holds_only_what_the_role_may_see(template, page_class, role, qtbot, tmp_path):
    import shutil

    path = tmp_path / "office.db"
    shutil.copy(template["path"], path)
    ctx = AppContext(path, template["users"][role])
    page = page_class(ctx)
    qtbot.addWidget(page)
    if hasattr(page, "clock"):
        page.clock = lambda: NOW
    page.resize(1366, 768)
    page.show()
    page.activated()
    try:
        settle(page, qtbot)
        shown = "\n".join(texts(page))
        if role in REFUSED.get(page.PAGE_ID, ()):
            assert "您的角色不能查看操作记录" in shown
        if role == "grid_worker":
            assert [m for m in GRID_B if m in shown] == [], page.PAGE_ID
            if page.PAGE_ID == "dashboard":
                assert {g.name for g in page.figures.grids} <= {"第一网格"}
        elif role not in REFUSED.get(page.PAGE_ID, ()):
            assert [m for m in GRID_B if m in shown], page.PAGE_ID
    finally:
        ctx.close()
