"""How the pages put their parts together: a column of parts edge to edge, and panes side by side.

Every page and picker built these by hand (a bare QWidget, a margin-less QVBoxLayout, a caption over
a list; a splitter that must not let a pane collapse); here they are written once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLayout, QSplitter, QVBoxLayout, QWidget

Part = QWidget | QLayout | str | tuple[QWidget | QLayout | str, int]


def column(parent: QWidget, *parts: Part, margins: tuple[int, int, int, int] = (0, 0, 0, 0)) -> QWidget:
    """A widget holding `parts` top to bottom, edge to edge unless `margins` says otherwise.

    A part is a widget, a layout (a row of buttons), a caption (a text: its label's mnemonic, as in
    "问题(&P)：", moves the focus to the widget after it) or `(part, stretch)` for the parts that take
    the height left over.
    """
    box = QWidget(parent)
    stack = QVBoxLayout(box)
    stack.setContentsMargins(*margins)
    caption: QLabel | None = None
    for part in parts:
        part, stretch = part if isinstance(part, tuple) else (part, 0)
        if isinstance(part, QLayout):
            stack.addLayout(part, stretch)
            caption = None
            continue
        if isinstance(part, str):
            part = caption = QLabel(part, box)
        else:
            if caption is not None:
                caption.setBuddy(part)
            caption = None
        stack.addWidget(part, stretch)
    return box


def side_by_side(parent: QWidget | None, *panes: QWidget, sizes: list[int] | None = None,
                 stretch: tuple[int, ...] = ()) -> QSplitter:
    """`panes` left to right in a splitter, first `sizes` wide (default: as wide as they ask);
    `stretch` gives each pane's share of a wider window (in order; missing ones keep their width).
    No pane can be dragged shut: a list that vanished that way looks to a clerk like a lost list."""
    splitter = QSplitter(Qt.Orientation.Horizontal, parent)
    for pane in panes:
        splitter.addWidget(pane)
    for index, factor in enumerate(stretch):
        splitter.setStretchFactor(index, factor)
    if sizes:
        splitter.setSizes(sizes)
    splitter.setChildrenCollapsible(False)
    return splitter
