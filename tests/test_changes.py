"""What a write changed is a typed flag set: the writer announces only its members, the core's
writing modules declare theirs, every write in the GUI says what it changes, and every page names
what concerns it."""

import ast
import importlib
import pathlib
import re
from functools import partial

import pytest

from gridoffice import changes
from gridoffice.org import regions
from gridoffice.changes import Changes
from ui.context import AppContext
from ui.pages import page_classes

ROOT = pathlib.Path(__file__).resolve().parent.parent
# A module writes what it records in the audit trail (gridoffice.audit.trail, .records).
WRITES = re.compile(r"\b(?:trail|audit)\.record\(|\brecords\.(?:insert|update)\(")
# Core modules that record changes but are never handed to the window's writer as they are: their
# callers (the undo stack, the demo, the commands, the street) say or need no flags of their own.
NOT_WRITTEN_THROUGH_THE_WINDOW = {"gridoffice.audit.records", "gridoffice.audit.revert", "gridoffice.store.backup",
                                  "gridoffice.demo.generator", "gridoffice.demo.matters", "gridoffice.demo.visits",
                                  "gridoffice.search.finder", "gridoffice.access.session"}


@pytest.fixture
def ctx(tmp_path):
    context = AppContext(tmp_path / "office.db")
    yield context
    context.close()


def test_the_writer_announces_only_members_of_changes(ctx, qtbot):
    with pytest.raises(TypeError):
        ctx.write(lambda db: None, description="保存", changes={"needs"})
    with pytest.raises(TypeError):
        ctx.write(lambda db: None, description="保存")  # neither flags nor a core function that declares them
    with pytest.raises(TypeError):
        ctx.run_job(lambda db: iter(()), "导入", writes=True, changes=frozenset({"persons"}))
    assert not ctx.busy


def test_a_core_function_brings_its_modules_changes(ctx, qtbot):
    community = []
    ctx.write(regions.create_unit, None, "community", "东港社区", description="新增单元", on_done=community.append,
              changes=Changes.ORG)
    qtbot.waitUntil(lambda: bool(community))
    with qtbot.waitSignal(ctx.changed) as announced:
        ctx.write(regions.rename_unit, community[0], "西港社区", "", description="重命名单元", initiator="org")
    assert announced.args == [Changes.ORG, "org"]
    assert changes.of(partial(regions.rename_unit, code="")) == Changes.ORG
    assert changes.of(lambda db: regions.rename_unit(db, 1, "x", "")) is None


def test_every_core_module_that_writes_declares_its_changes():
    for name in changes.BY_MODULE:
        importlib.import_module(name)
    writing = set()
    for path in (ROOT / "gridoffice").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if WRITES.search(text):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            writing.add(module)
    undeclared = {m for m in writing - set(changes.BY_MODULE) - NOT_WRITTEN_THROUGH_THE_WINDOW
                  if not m.startswith("gridoffice.consolidation")}
    assert not undeclared, f"say in gridoffice/changes.py what these modules' writes change: {sorted(undeclared)}"


def _gui_sources():
    for path in sorted((ROOT / "ui").rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_every_flag_the_gui_names_is_a_member():
    named = set()
    for path, tree in _gui_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Changes":
                named.add((path.name, node.attr))
            assert not (isinstance(node, ast.keyword) and node.arg == "kinds"), f"{path.name}: untyped kinds"
    unknown = {(file, attr) for file, attr in named if attr not in Changes.__members__}
    assert not unknown
    # Every member is announced somewhere in the GUI or by a core module's declaration.
    announced = {attr for _file, attr in named} | {
        member.name for flags in changes.BY_MODULE.values() for member in Changes if member & flags}
    assert set(Changes.__members__) - {"NONE"} <= announced


def _core_names(tree) -> dict[str, str]:
    """The names a GUI module gives the core's modules it imports: {"C": "gridoffice.reports.cards"}."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gridoffice"):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            names.update({alias.asname: alias.name for alias in node.names if alias.asname})
    return names


def test_every_write_the_gui_makes_says_what_it_changes():
    """A write of a function of the GUI's own (a lambda, a local function) names its changes; a
    core function handed over as it is belongs to a module that declares them."""
    unsaid = []
    for path, tree in _gui_sources():
        local = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        core = _core_names(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            call = ast.unparse(node.func)
            if not (call.endswith("ctx.write") or call == "self.submit") or any(
                    k.arg == "changes" for k in node.keywords):
                continue
            fn = node.args[0]
            if isinstance(fn, ast.Call) and ast.unparse(fn.func) == "partial":
                fn = fn.args[0]
            if isinstance(fn, ast.Lambda) or (isinstance(fn, ast.Name) and fn.id in local):
                unsaid.append(f"{path.name}:{node.lineno}")
            elif isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) and fn.value.id in core:
                if core[fn.value.id] not in changes.BY_MODULE:
                    unsaid.append(f"{path.name}:{node.lineno} ({core[fn.value.id]})")
    assert not unsaid


def test_every_page_names_what_concerns_it():
    for page in page_classes():
        assert isinstance(page.CONCERNS, Changes) and page.CONCERNS, page.__name__
