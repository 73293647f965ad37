"""The pages of the main window, one module each: `ui/pages/<name>_page.py`.

The page contract (other slices write pages against it):
- a `QWidget` subclass (usually of `Page` below) with class attributes `PAGE_ID` (ASCII, used by
  `--page` and the settings), `TITLE` (Chinese, shown in the navigation) and optionally
  `ORDER` (an int: the position in the navigation, smaller first; 户籍档案 is 10,
  组织与网格 20, 重点人群 30, 完整性检查 40, later pages 50 and up) and `SHORTCUT`
  (e.g. "Ctrl+3"; the main window assigns Ctrl+<n> in order when absent);
- constructor `(ctx: AppContext, parent=None)` that does no slow work (load in `activated()`);
- `on_changed(changes: Changes, initiator)`: refresh only for what concerns the page (a
  `gridoffice.changes.Changes` value; `Page` reads its `CONCERNS` and marks itself stale). The
  initiator is whoever asked for the write: a page that passes `initiator=self` to a write whose
  `on_done` redraws what the write changed skips that change here, so it does not redraw twice;
- optional `activated()`: called each time the page is shown, and `open_record(table, row_id)`:
  show one record when the clerk navigates to it (`ctx.navigate(table, row_id)`), returning True
  when the page handled it;
- optional `focus_search()`: the main window owns Ctrl+F (编辑 → 查找) and calls it on the current
  page; a page must not bind Ctrl+F (or Ctrl+Z/Ctrl+Y/Ctrl+Q/Ctrl+1…9) itself: two shortcuts on the
  same keys cancel each other out in Qt;
- optional `menus() -> list[QMenu]`: shown in the menu bar while the page is current;
  `save_state(settings)` / `restore_state(settings)`: remember splitters and columns (QSettings);
  `is_loading()`: True while background loads run (screenshots wait for them).

Every page module is listed in MODULES (a freezer bundles what is imported by name and would
silently drop a module found only by scanning the folder; tests/test_packaging.py checks the list
against the folder). Name the module after the page (`PAGE_ID` "org" lives in `org_page.py`): the
main window imports only the page it opens with, shows itself, and imports the others a moment
later, so one page's heavy imports never delay the first window.
"""

from __future__ import annotations

import importlib

from PySide6.QtWidgets import QWidget

from gridoffice.changes import Changes


class Page(QWidget):
    """Convenience base class with the contract's defaults.

    A page reloads in `activated()` when `_dirty` is set; a change it is concerned with marks it
    dirty and, while it is shown, reloads it at once (hidden pages catch up when shown).
    """

    PAGE_ID = ""
    TITLE = ""
    ORDER = 100
    SHORTCUT = ""
    CONCERNS = Changes.NONE  # the changes whose rows the page shows

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._dirty = True

    def on_changed(self, changes: Changes, initiator: object = None) -> None:
        """Mark the page stale for a change that concerns it, and catch up now if it is shown;
        a change the page asked for and redrew after itself is skipped."""
        if initiator is self or not changes & self.CONCERNS:
            return
        self.mark_stale(changes)
        if self.isVisible():
            self.activated()

    def mark_stale(self, changes: Changes) -> None:
        """Note what to read again in activated(); pages with parts of their own refine it."""
        self._dirty = True

    def activated(self) -> None:
        """The page became visible."""

    def open_record(self, table: str, row_id: int) -> bool:
        return False


MODULES = ("archive_page", "audit_page", "cards_page", "completeness_page", "dashboard_page", "matters_page",
           "org_page", "registers_page", "reports_page", "visits_page", "workbench_page")


def page_modules() -> list[str]:
    return list(MODULES)


def page_classes(modules: list[str] | None = None) -> list[type]:
    """The page classes found in the given modules (default: all), in navigation order."""
    found = []
    for name in page_modules() if modules is None else modules:
        module = importlib.import_module(f"{__name__}.{name}")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, QWidget) and getattr(value, "PAGE_ID", "")
                    and value.__module__ == module.__name__):
                found.append(value)
    return sorted(found, key=order_key)


def order_key(cls: type) -> tuple:
    return getattr(cls, "ORDER", 100), cls.PAGE_ID


def module_of(page_id: str) -> str | None:
    """The module that, by the naming convention `<PAGE_ID>_page.py`, holds a page; None if none does."""
    name = f"{page_id}_page"
    return name if name in page_modules() else None
