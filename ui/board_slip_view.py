"""民情留言板与抄送单: the two registers, a tab of the matters page.

Each entry is answered, or taken in as a matter or as a household's need; the register shows what
became of it. The rules live in gridoffice.activity.board_slips; this view lists and hands inputs over."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QAbstractItemView, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from gridoffice.activity import board_slips as B
from gridoffice.matters import rules as M
from gridoffice.masking import mask_text
from ui.dialogs.common import combo, note_edit
from ui.dialogs.write import WriteDialog


class EntryDialog(WriteDialog):
    """登记一条留言或抄送单."""

    def __init__(self, ctx, kind: str, today: dt.date, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.kind, self.today = kind, today
        self.setWindowTitle(self.tr("登记{what}").format(what=self.tr(B.KINDS[kind])))
        self.day = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.add_field(self.tr("日期"), self.day, "received_on")
        self.sender = self.add_field(self.tr("留言人（可不填）") if kind == "board" else self.tr("抄送人"),
                                     QLineEdit(self), "sender")
        self.addressee = QLineEdit(self)
        if kind == "slip":
            self.addressee.setPlaceholderText(self.tr("例如：城建办、民政办"))
            self.add_field(self.tr("抄送给"), self.addressee, "addressee")
        self.household = self.add_field(self.tr("户号（可不填）"), QLineEdit(self), "household")
        self.content = self.add_field(self.tr("内容"), note_edit(self, self.tr("必填")), "content")

    def save(self) -> None:
        kind, day, today = self.kind, self.day.date().toPython(), self.today
        values = dict(content=self.content.toPlainText(), sender=self.sender.text(), addressee=self.addressee.text(),
                      household_number=self.household.text())
        self.submit(lambda db: B.add(db, kind, received_on=day, today=today, **values),
                    description=self.tr("登记{what}").format(what=self.tr(B.KINDS[kind])))


class AnswerDialog(WriteDialog):
    def __init__(self, ctx, item: B.Item, today: dt.date, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("答复{number}").format(number=item.number))
        self.item_id, self.today = item.id, today
        self.add_field(self.tr("内容"), QLabel(mask_text(item.content), self))
        self.reply = self.add_field(self.tr("答复"), note_edit(self, self.tr("必填：向居民或抄送人答复的内容")), "reply")

    def save(self) -> None:
        reply, item_id, today = self.reply.toPlainText(), self.item_id, self.today
        self.submit(lambda db: B.answer(db, item_id, reply, today=today), description=self.tr("答复"))


class ToMatterDialog(WriteDialog):
    def __init__(self, ctx, item: B.Item, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("{number}转为事项").format(number=item.number))
        self.item_id = item.id
        self.add_field(self.tr("内容"), QLabel(mask_text(item.content), self))
        self.title = self.add_field(self.tr("诉求事项(&T)"), QLineEdit(item.content[:100], self), "title")
        self.category = combo(self, [(c.id, c.name) for c in M.categories(ctx.reader()) if c.status == "active"])
        self.add_field(self.tr("类别(&C)"), self.category, "category_id")
        self.grade = combo(self, [(k, self.tr(v)) for k, v in M.GRADES.items()])
        self.add_field(self.tr("等级(&G)"), self.grade, "grade")

    def save(self) -> None:
        title, category, grade, item_id = self.title.text(), self.category.currentData(), self.grade.currentData(), \
            self.item_id
        if category is None:
            self.show_error(self.tr("请先在“类别与时限”中设置事项类别"), "category_id")
            return
        self.submit(lambda db: B.to_matter(db, item_id, category_id=category, grade=grade, title=title),
                    description=self.tr("转为事项"))


class BoardSlipView(QWidget):
    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.today = dt.date.today
        self.rows: list[B.Item] = []
        self.kind = combo(self, [(k, self.tr(v)) for k, v in B.KINDS.items()])
        self.status = combo(self, [(None, self.tr("全部"))] + [(k, self.tr(v)) for k, v in B.STATUS.items()], "open")
        source = QLabel(self.tr("来源文章（桐庐县）：“设置民情留言板、推行民情抄送单、记录民情日记、落实民情联系工作考核”。"
                                "每条留言、抄送单登记编号后，答复，或转为事项、转为该户的居民需求。"), self)
        source.setWordWrap(True)
        source.setStyleSheet("color: #555;")
        self.add_button = QPushButton(self.tr("登记(&A)…"), self)
        self.answer_button = QPushButton(self.tr("答复…"), self)
        self.matter_button = QPushButton(self.tr("转为事项…"), self)
        self.need_button = QPushButton(self.tr("转为需求"), self)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020;")
        top = QHBoxLayout()
        kind_label = QLabel(self.tr("登记簿(&K)："), self)
        kind_label.setBuddy(self.kind)
        top.addWidget(kind_label)
        top.addWidget(self.kind)
        top.addWidget(self.status)
        top.addStretch(1)
        for button in (self.add_button, self.answer_button, self.matter_button, self.need_button):
            top.addWidget(button)
        self.table = QTableWidget(0, 8, self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((110, 90, 80, 90, 124, 80, 320)):
            self.table.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(source)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        editable = page.ctx.can("edit")
        for button in (self.add_button, self.answer_button, self.matter_button, self.need_button):
            button.setEnabled(editable)
        self.kind.currentIndexChanged.connect(lambda _i: self.reload())
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        self.add_button.clicked.connect(self.add)
        self.answer_button.clicked.connect(self.answer)
        self.matter_button.clicked.connect(self.to_matter)
        self.need_button.clicked.connect(self.to_need)
        self.table.doubleClicked.connect(self._open_matter)

    def reload(self) -> None:
        kind = self.kind.currentData()
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in (
            "编号", "日期", "留言人" if kind == "board" else "抄送人", "抄送给" if kind == "slip" else "",
            "户号", "网格", "内容", "处理情况")])
        self.table.setColumnHidden(3, kind != "slip")
        self.rows = B.items(self.page.ctx.reader(), kind, scope=self.page.ctx.scope(),
                            status=self.status.currentData())
        self.table.setRowCount(len(self.rows))
        for r, i in enumerate(self.rows):
            for c, text in enumerate((i.number, i.received_on, i.sender, i.addressee, i.household_number, i.grid,
                                      mask_text(i.content).replace("\n", " "), self._outcome(i))):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.error.clear()

    def _outcome(self, i: B.Item) -> str:
        if i.status == "matter":
            return self.tr("已转为事项{n}（{s}）").format(n=i.matter_number, s=self.tr(M.STATES.get(i.matter_state, "")))
        if i.status == "answered":
            return self.tr("{d}已答复：{r}").format(d=i.replied_on, r=mask_text(i.reply))
        return self.tr(B.STATUS[i.status])

    def current(self) -> B.Item | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows and rows[0].row() < len(self.rows) else None

    def add(self) -> None:
        if EntryDialog(self.page.ctx, self.kind.currentData(), self.today(), self).exec():
            self.reload()

    def answer(self) -> None:
        item = self.current()
        if item and AnswerDialog(self.page.ctx, item, self.today(), self).exec():
            self.reload()

    def to_matter(self) -> None:
        item = self.current()
        if item and ToMatterDialog(self.page.ctx, item, self).exec():
            self.reload()

    def to_need(self) -> None:
        item = self.current()
        if item is None:
            return
        today = self.today()
        self.page.ctx.write(lambda db: B.to_need(db, item.id, today=today), description=self.tr("转为需求"),
                            on_error=lambda exc: self.error.setText(getattr(exc, "message", str(exc))))

    def _open_matter(self, index) -> None:
        if 0 <= index.row() < len(self.rows) and self.rows[index.row()].matter_id:
            self.page.show_matter(self.rows[index.row()].matter_id)
