"""The core never imports Qt, the GUI or the exporters (STYLE.md: data flows one way)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("PySide6", "ui", "exports", "commands")


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_core_imports_neither_qt_nor_gui_nor_exports():
    offenders = []
    for path in sorted((ROOT / "gridoffice").rglob("*.py")):
        bad = sorted(set(imported_modules(path)) & set(FORBIDDEN))
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}: {', '.join(bad)}")
    assert offenders == []


def test_exports_do_not_import_the_gui():
    offenders = []
    for path in sorted((ROOT / "exports").rglob("*.py")):
        bad = sorted(set(imported_modules(path)) & {"PySide6", "ui"})
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}: {', '.join(bad)}")
    assert offenders == []


def test_test_helpers_are_imported_by_one_name():
    """`_domain` and `tests._domain` would be two modules with two copies of their state."""
    helpers = {p.stem for p in (ROOT / "tests").glob("*.py") if not p.stem.startswith("test_")}
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        bare = sorted(set(imported_modules(path)) & helpers)
        if bare:
            offenders.append(f"{path.relative_to(ROOT)}: {', '.join(bare)}")
    assert offenders == []


def test_sql_is_written_only_in_the_core():
    """The window, the writers and the commands ask the core; a query of their own would restate a rule."""
    offenders = []
    places = [ROOT / "main.py", *(p for d in ("ui", "exports", "commands") for p in sorted((ROOT / d).rglob("*.py")))]
    for path in places:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "executemany", "executescript")):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_core_is_in_packages_by_domain():
    """A new module goes into the package of its domain (README, Layout); only rules every package uses stand alone."""
    shared = {"__init__", "ages", "changes", "errors", "formulas", "i18n", "idcard", "masking", "natural", "normalize",
              "shipped", "vocab"}
    assert {p.stem for p in (ROOT / "gridoffice").glob("*.py")} == shared


def _gui_imports(path: Path) -> set[str]:
    """The ui modules a GUI file imports, anywhere in it, by their full names."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "ui" or name.startswith("ui.")}


def test_the_window_does_not_import_the_start():
    """ui/app.py starts the program and opens the main window; nothing in ui/ imports it back (the
    main window once did, for the recent files and the log-in, which live in ui/office_files.py)."""
    offenders = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "ui").rglob("*.py"))
                 if path.name != "app.py" and "ui.app" in _gui_imports(path)]
    assert offenders == []
