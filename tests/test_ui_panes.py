"""The layout helpers the pages share (ui/widgets/panes.py)."""

from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QTableView, QVBoxLayout, QWidget

from ui.widgets import panes


def test_a_column_stacks_its_parts_edge_to_edge_with_captions_pointing_at_their_widget(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    kinds, table = QListWidget(), QTableView()
    buttons = QHBoxLayout()
    buttons.addWidget(QPushButton("保存"))
    box = panes.column(parent, "问题类别(&K)：", (kinds, 1), buttons, "问题(&P)：", (table, 2))
    stack = box.layout()
    assert isinstance(stack, QVBoxLayout) and stack.contentsMargins().left() == 0
    assert stack.count() == 5
    first, second = stack.itemAt(0).widget(), stack.itemAt(3).widget()
    assert isinstance(first, QLabel) and first.text() == "问题类别(&K)：" and first.buddy() is kinds
    assert second.text() == "问题(&P)：" and second.buddy() is table
    assert stack.itemAt(2).layout() is buttons
    assert [stack.stretch(i) for i in range(5)] == [0, 1, 0, 0, 2]
    assert panes.column(parent, table, margins=(0, 4, 0, 0)).layout().contentsMargins().top() == 4


def test_panes_side_by_side_keep_their_order_sizes_and_cannot_be_dragged_shut(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    left, right = QListWidget(), QTableView()
    splitter = panes.side_by_side(parent, left, right, sizes=[200, 600], stretch=(0, 1))
    parent.resize(800, 400)
    QVBoxLayout(parent).addWidget(splitter)
    parent.show()
    assert [splitter.widget(i) for i in range(splitter.count())] == [left, right]
    assert not splitter.childrenCollapsible()
    sizes = splitter.sizes()
    assert sizes[0] < sizes[1]
