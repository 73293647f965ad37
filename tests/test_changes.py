"""What a write changed is a typed flag set the core declares per function (gridoffice.changes): the
window's writer announces what the core calls of a write reported, with the write's initiator; every
core function that writes is declared; no write in the GUI names a flag; a page redraws only for
what concerns it."""

import ast
import importlib
import inspect
import pathlib
import pkgutil
import re
import textwrap
import types
from functools import partial

import pytest

import gridoffice
from gridoffice import changes
from gridoffice.archive import households, office_tags
from gridoffice.audit import records, trail
from gridoffice.changes import Changes, collect, report, writes
from gridoffice.errors import ValidationError
from gridoffice.org import regions, staff
from ui import undo
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.pages import page_classes
from tests.ui_helpers import office_copy

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Functions that write without a declaration of their own, and why.
UNDECLARED = {
    trail.record: "the audit entry of every write: the function that calls it declares",
    records.insert: "a row and its audit entry: the function that calls it declares",
    records.update: "a row and its audit entry: the function that calls it declares",
    "gridoffice.store.db.set_setting": "one setting's row: the function that calls it declares (visit rules, the office)",
    "gridoffice.audit.revert.revert": "reports what the operation it takes back declared (Run.changes)",
    "gridoffice.store.backup.restore": "replaces the whole file; the window opens it again",
    "gridoffice.store.new_office.create": "makes a new office file, which a window then opens",
}
# Packages whose writes never reach the office window's change signal.
OUTSIDE = {
    "gridoffice.store.schema": "migrations, run before any window opens the file",
    "gridoffice.demo": "builds a demonstration office before it is opened",
    "gridoffice.consolidation": "the street's store and packages; no page of an office shows them",
}

# A write in SQL (this code base writes its SQL keywords in capitals).
SQL_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\s")
# sqlite-utils' writes, called on a table: db["name"].insert(...), db.table("name").upsert(...)
TABLE_WRITES = {"insert", "insert_all", "upsert", "upsert_all", "update", "delete", "delete_where"}


def _core_modules():
    for info in pkgutil.walk_packages(gridoffice.__path__, "gridoffice."):
        yield importlib.import_module(info.name)


def _in_core(obj) -> bool:
    return (inspect.isfunction(obj) or inspect.isclass(obj)) and (obj.__module__ or "").startswith("gridoffice.")


def _local_names(fn_node) -> set[str]:
    """Parameters and names a function binds itself: they shadow the module's globals."""
    names = {a.arg for a in ast.walk(fn_node) if isinstance(a, ast.arg)}
    for node in ast.walk(fn_node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not fn_node:
            names.add(node.name)
    return names


def _resolve(node, scope: dict, local: set[str]):
    if isinstance(node, ast.Name):
        return None if node.id in local else scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, scope, local)
        if isinstance(base, types.ModuleType) or inspect.isclass(base):
            return getattr(base, node.attr, None)
    return None


def _writes_itself(node) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(SQL_WRITE.match(node.value))
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return bool(SQL_WRITE.match(str(node.values[0].value)))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TABLE_WRITES:
        table = node.func.value
        return isinstance(table, ast.Subscript) or (
            isinstance(table, ast.Call) and isinstance(table.func, ast.Attribute) and table.func.attr == "table")
    return False


class WriteFinder:
    """Whether a core function writes: SQL that writes, a sqlite-utils write, or a core function or
    class it names (called or handed on) that writes, followed through every module of the core."""

    def __init__(self):
        self._known: dict = {}

    def writes(self, obj) -> bool:
        if obj in (trail.record, records.insert, records.update):
            return True
        if obj not in self._known:
            self._known[obj] = False  # a recursion ends here; the answer is set below
            self._known[obj] = self._look(obj)
        return self._known[obj]

    def _look(self, obj) -> bool:
        if inspect.isclass(obj):
            members = [m.__func__ if isinstance(m, (staticmethod, classmethod)) else m for m in vars(obj).values()]
            return any(self.writes(m) for m in members if inspect.isfunction(m) and m.__module__ == obj.__module__)
        fn = inspect.unwrap(obj)
        try:
            source = inspect.getsource(fn)
        except OSError:  # made at run time (a dataclass's __init__): no code of ours
            return False
        tree = ast.parse(textwrap.dedent(source)).body[0]
        local = _local_names(tree)
        for node in ast.walk(tree):
            if _writes_itself(node):
                return True
            if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
                target = _resolve(node, fn.__globals__, local)
                if target is not obj and _in_core(target) and self.writes(target):
                    return True
        return False


def _public_functions():
    for module in _core_modules():
        if any(module.__name__ == p or module.__name__.startswith(p + ".") for p in OUTSIDE):
            continue
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_"):
                yield f"{module.__name__}.{name}", fn


def _undeclared(qualified: str, fn) -> bool:
    return fn not in UNDECLARED and qualified not in UNDECLARED


def test_the_finder_tells_a_write_from_a_read():
    finder = WriteFinder()
    assert finder.writes(staff.create_team) and finder.writes(households.move_out)
    assert finder.writes(staff.save_staff)  # through add_staff and update_staff
    assert not finder.writes(staff.staff_list) and not finder.writes(regions.office)


def test_every_core_function_that_writes_declares_what_it_changes():
    finder = WriteFinder()
    undeclared, idle = [], []
    for qualified, fn in _public_functions():
        declared = changes.of(fn) is not None
        if finder.writes(fn) and not declared and _undeclared(qualified, fn):
            undeclared.append(qualified)
        elif declared and not finder.writes(fn):
            idle.append(qualified)
    assert not undeclared, f"declare what these change (@writes in gridoffice/changes.py): {undeclared}"
    assert not idle, f"these write nothing; drop their declaration: {idle}"


def test_a_declaration_is_typed_and_read_through_partial():
    with pytest.raises(TypeError):
        writes({"needs"})
    with pytest.raises(TypeError):
        writes("teams")
    assert changes.of(staff.create_team) == Changes.TEAMS
    assert changes.of(partial(partial(regions.rename_unit, code=""), 1)) == Changes.ORG
    assert changes.of(lambda db: regions.rename_unit(db, 1, "x", "")) is None
    assert changes.of(staff.staff_list) is None


def test_collect_gathers_what_the_calls_inside_reported(db):
    community = regions.create_unit(db, None, "community", "东港社区")  # outside collect(): reported to nobody
    grid = regions.create_unit(db, community, "grid", "第一网格")
    with collect() as outer:
        with collect() as inner:
            staff.create_team(db, grid, "服务团队")
        assert inner.flags == outer.flags == Changes.TEAMS  # passed on when the inner one ended
        staff.add_staff(db, "冯新人", "volunteer", org_id=grid)
        report(Changes.NONE)
    assert outer.flags == Changes.TEAMS | Changes.STAFF
    with pytest.raises(Exception), collect() as failed:
        staff.create_team(db, grid, "")  # refused: a declaration is reported only when the call returns
    assert failed.flags == Changes.NONE


def test_every_flag_is_declared_by_some_core_function():
    declared = Changes.NONE
    for _qualified, fn in _public_functions():
        declared |= changes.of(fn) or Changes.NONE
    assert declared == ~Changes.NONE


# -- the GUI names no flag for a write --------------------------------------------------------------

def _gui_sources():
    for path in sorted((ROOT / "ui").rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_no_write_in_the_gui_names_what_it_changes():
    """The writer takes no flags: they come from the core functions a write calls. A page names
    flags only to say what concerns it (reads)."""
    flags = {"Changes", "ARCHIVE", "ROSTER"}
    said = []
    for path, tree in _gui_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "gridoffice.changes":
                said += [f"{path.name}: imports {a.name}" for a in node.names if a.name not in ("Changes",)]
            if not isinstance(node, ast.Call) or ast.unparse(node.func) in ("bool", "isinstance"):
                continue
            said += [f"{path.name}:{node.lineno}: changes=" for k in node.keywords if k.arg == "changes"]
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if any(isinstance(n, ast.Name) and n.id in flags for n in ast.walk(arg)):
                    said.append(f"{path.name}:{node.lineno}: {ast.unparse(arg)}")
    assert not said


def test_every_flag_the_gui_names_is_a_member():
    named = set()
    for path, tree in _gui_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Changes":
                named.add((path.name, node.attr))
    assert not {(file, attr) for file, attr in named if attr not in Changes.__members__}


def test_every_page_names_what_concerns_it():
    for page in page_classes():
        assert isinstance(page.CONCERNS, Changes) and page.CONCERNS, page.__name__


# -- the writer announces what the core reported, with the initiator ---------------------------------

@pytest.fixture
def ctx(tmp_path):
    context = AppContext(tmp_path / "office.db")
    yield context
    context.close()


def test_the_writer_announces_what_the_core_calls_of_a_write_declared(ctx, qtbot):
    grid = []
    with qtbot.waitSignal(ctx.changed) as announced:
        ctx.write(lambda db: regions.create_unit(db, regions.create_unit(db, None, "community", "东港社区"), "grid",
                                                 "第一网格"), description="新增网格", on_done=grid.append, initiator="org")
    assert announced.args == [Changes.ORG, "org"]
    # Two core calls in a function of the GUI's own: the union of what they declared, nothing else.
    with qtbot.waitSignal(ctx.changed) as announced:
        ctx.write(lambda db: (staff.create_team(db, grid[0], "服务团队"),
                              staff.add_staff(db, "冯新人", "volunteer", org_id=grid[0])), description="新建")
    assert announced.args == [Changes.TEAMS | Changes.STAFF, None]
    # A write that ran no declared call, or whose only call the core refused, announces nothing.
    finished = []
    with qtbot.assertNotEmitted(ctx.changed, wait=100):
        ctx.write(lambda db: None, description="", on_done=finished.append)
        ctx.write(staff.create_team, grid[0], "", description="新建", on_error=finished.append)
        qtbot.waitUntil(lambda: len(finished) == 2)
    # Refused halfway, a write is taken back whole (one transaction) and announces nothing.
    with qtbot.assertNotEmitted(ctx.changed, wait=100):
        ctx.write(lambda db: (staff.add_staff(db, "冯二", "volunteer", org_id=grid[0]), staff.create_team(db, grid[0], "")),
                  description="新建", on_error=finished.append)
        qtbot.waitUntil(lambda: len(finished) == 3)
    assert isinstance(finished[2], ValidationError)
    assert "冯二" not in [s.name for s in staff.staff_list(ctx.reader(), scope=ctx.scope(), org_id=grid[0])]


def test_an_undo_and_a_redo_announce_what_the_operation_changed(ctx, qtbot):
    grid = []
    ctx.write(lambda db: regions.create_unit(db, regions.create_unit(db, None, "community", "东港社区"), "grid",
                                             "第一网格"), description="新增网格", on_done=grid.append)
    qtbot.waitUntil(lambda: bool(grid))
    with qtbot.waitSignal(ctx.changed) as announced:
        undo.operation(ctx, "新建团队", lambda db: staff.create_team(db, grid[0], "服务团队"), initiator="org")
    assert announced.args == [Changes.TEAMS, "org"]
    qtbot.waitUntil(lambda: ctx.undo_stack.canUndo())
    for step in (ctx.undo_stack.undo, ctx.undo_stack.redo):
        with qtbot.waitSignal(ctx.changed) as announced:
            step()
        assert announced.args == [Changes.TEAMS, None]  # the rows changed under every page, the initiator's too


# -- a page redraws only for what concerns it --------------------------------------------------------

@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    path, office = office_copy(tmp_path)
    monkeypatch.setattr("ui.main_window.QMessageBox.warning", lambda parent, title, text: pytest.fail(text))
    ctx = AppContext(path)
    win = MainWindow(ctx, persist=False)
    qtbot.addWidget(win)
    win.show()
    for page_id in ("org", "registers", "archive"):
        win.show_page(page_id)
    archive = win.current_page()
    qtbot.waitUntil(lambda: not archive.is_loading() and archive.household_model.rowCount() == 2)
    win.office = office
    yield win
    win.close()
    ctx.close()


def _page(win, page_id):
    return next(p for p in win.pages if p.PAGE_ID == page_id)


def test_a_team_edit_redraws_the_org_page_and_not_the_archive(window, qtbot, monkeypatch):
    archive, org = window.current_page(), _page(window, "org")
    redrawn = []
    for name in ("_reload_kind", "_load_counts", "_load_tree"):
        real = getattr(archive, name)
        monkeypatch.setattr(archive, name, lambda *a, _real=real, _name=name: (redrawn.append(_name), _real(*a)))
    org._dirty = False
    with qtbot.waitSignal(window.ctx.changed) as announced:
        window.ctx.write(lambda db: staff.create_team(db, window.office.grid_a, "第一网格服务团队"), description="新建团队")
    assert announced.args == [Changes.TEAMS, None]
    assert org._dirty and redrawn == []
    # A staff member's edit concerns the archive: its households show their contacts' names.
    with qtbot.waitSignal(window.ctx.changed) as announced:
        window.ctx.write(lambda db: staff.add_staff(db, "冯新人", "volunteer", org_id=window.office.grid_a),
                         description="新增人员")
    assert announced.args == [Changes.STAFF, None]
    assert "_reload_kind" in redrawn


def test_the_page_that_started_a_write_skips_its_own_redraw(window, qtbot):
    registers, org = _page(window, "registers"), _page(window, "org")
    registers._dirty = org._dirty = False
    with qtbot.waitSignal(window.ctx.changed) as announced:
        window.ctx.write(lambda db: office_tags.add_register(db, "失能老人", sensitive=False), description="增设名册",
                         initiator=registers)
    assert announced.args == [Changes.TAGS, registers]
    assert not registers._dirty  # it redraws itself when its write is done
    assert not org._dirty  # tags do not concern the org tree
    with qtbot.waitSignal(window.ctx.changed):
        window.ctx.write(lambda db: office_tags.add_register(db, "失独家庭", sensitive=False), description="增设名册")
    assert registers._dirty
