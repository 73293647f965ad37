"""Dialogs of the workbench: record a visit, write a log entry, comment on one (leaders), close a
need or take it in as a matter, and the visit rules per contact class. Each runs one core write."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QSpinBox, QWidget,
)

from gridoffice.activity import logs, visits
from gridoffice.matters import rules as M
from gridoffice.vocab import CONTACT_CLASS_SHORT
from ui.dialogs.common import short
from ui.dialogs.write import WriteDialog
from ui.widgets.dates import date_edit



def household_list(parent: QWidget, dues: list[visits.Due], checked: set[int]) -> QListWidget:
    """The staff member's contact households as a tick list (Space ticks the current one)."""
    box = QListWidget(parent)
    for due in dues:
        item = QListWidgetItem(f"{due.number}　{due.head_name}　{CONTACT_CLASS_SHORT.get(due.contact_class, '')}", box)
        item.setData(Qt.ItemDataRole.UserRole, due.household_id)
        item.setCheckState(Qt.CheckState.Checked if due.household_id in checked else Qt.CheckState.Unchecked)
    box.setMinimumHeight(140)
    return box


def households_text(numbers: list[str]) -> str:
    """Households as the Edit menu names them: 户0001、户0002, or 户0001等5户."""
    if len(numbers) <= 2:
        return "、".join(QCoreApplication.translate("visits", "户{n}").format(n=n) for n in numbers)
    return QCoreApplication.translate("visits", "户{n}等{count}户").format(n=numbers[0], count=len(numbers))


def ticked(box: QListWidget) -> list[int]:
    return [box.item(i).data(Qt.ItemDataRole.UserRole) for i in range(box.count())
            if box.item(i).checkState() == Qt.CheckState.Checked]


class VisitDialog(WriteDialog):
    """登记走访: one round, one or more of the staff member's contact households."""

    def __init__(self, ctx, staff_id: int, staff_name: str, dues: list[visits.Due], checked: set[int],
                 parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("登记走访 — {name}").format(name=staff_name))
        self.staff_id, self.staff_name = staff_id, staff_name
        self.numbers = {due.household_id: due.number for due in dues}
        self.day = self.add_field(self.tr("走访日期(&D)"), date_edit(self), "visited_on")
        self.kind = QComboBox(self)
        for code, label in visits.KINDS.items():
            self.kind.addItem(self.tr(label), code)
        self.add_field(self.tr("走访类型(&K)"), self.kind, "kind")
        self.households = self.add_field(self.tr("走访户(&H)"), household_list(self, dues, checked), "household_ids")
        self.learned = QPlainTextEdit(self)
        self.learned.setTabChangesFocus(True)
        self.learned.setFixedHeight(80)
        self.add_field(self.tr("了解情况(&L)"), self.learned, "learned")
        self.need = QLineEdit(self)
        self.need.setPlaceholderText(self.tr("发现的需求（可不填），记入居民需求台账，直到解决注销"))
        self.add_field(self.tr("发现需求(&N)"), self.need, "content")
        self.setMinimumWidth(520)

    def save(self) -> None:
        households = ticked(self.households)
        need = self.need.text().strip()
        # The need belongs to the first ticked household; a round's other needs are recorded one by one.
        needs = [(households[0], need)] if need and households else []
        day, kind, learned = self.day.date().toPython(), self.kind.currentData(), self.learned.toPlainText()
        self.submit(lambda db: visits.record_visit(db, staff_id=self.staff_id, household_ids=households, visited_on=day,
                                                   kind=kind, learned=learned, needs=needs),
                    description=self.tr("登记{name}走访{households}").format(
                        name=self.staff_name, households=households_text([self.numbers[h] for h in households])),
                    undoable=True)


class LogEntryDialog(WriteDialog):
    """写民情日记: a dated entry and the contact households it concerns."""

    def __init__(self, ctx, staff_id: int, staff_name: str, dues: list[visits.Due], held: list[M.Matter] = (),
                 parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("写民情日记 — {name}").format(name=staff_name))
        self.staff_id, self.staff_name = staff_id, staff_name
        self.day = self.add_field(self.tr("日期(&D)"), date_edit(self), "entry_date")
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(120)
        self.add_field(self.tr("内容(&T)"), self.text, "text")
        self.households = self.add_field(self.tr("涉及的户(&H)"), household_list(self, dues, set()), "household_ids")
        self.matters = QListWidget(self)
        for m in held:
            item = QListWidgetItem(f"{m.number}　{m.title}", self.matters)
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.matters.setMaximumHeight(90)
        self.add_field(self.tr("涉及的事项(&M)"), self.matters, "matter_ids")
        self.setMinimumWidth(520)

    def save(self) -> None:
        day, text, households = self.day.date().toPython(), self.text.toPlainText(), ticked(self.households)
        linked = ticked(self.matters)
        self.submit(lambda db: logs.add_entry(db, self.staff_id, day, text, household_ids=households,
                                              matter_ids=linked),
                    description=self.tr("写{name}{day}的民情日记").format(name=self.staff_name, day=day.isoformat()),
                    undoable=True)


class CommentDialog(WriteDialog):
    """点评: a leader's comment on one log entry, signed with the user's name."""

    def __init__(self, ctx, entry: logs.LogEntry, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("点评日志"))
        self.entry = entry
        self.entry_id = entry.id
        shown = QLabel(f"{entry.entry_date}　{entry.staff_name}\n{entry.text[:300]}", self)
        shown.setWordWrap(True)
        self.add_field(self.tr("日志"), shown)
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(80)
        self.add_field(self.tr("点评(&C)"), self.text, "text")
        self.add_field(self.tr("点评人"), QLabel(ctx.signer(), self))

    def save(self) -> None:
        text = self.text.toPlainText()
        # Signed by the core with the real name of the account acting (its staff member's name).
        self.submit(lambda db: logs.add_comment(db, self.entry_id, text),
                    description=self.tr("点评{name}{day}的日志").format(name=self.entry.staff_name,
                                                                     day=self.entry.entry_date), undoable=True)


class SolveNeedDialog(WriteDialog):
    """解决注销: close a need with how it was solved."""

    def __init__(self, ctx, need: logs.Need, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("需求解决注销"))
        self.need = need
        self.need_id = need.id
        self.add_field(self.tr("需求"), QLabel(f"{need.household_number} {need.head_name}：{need.content}", self))
        self.day = self.add_field(self.tr("解决日期(&D)"), date_edit(self), "solved_on")
        self.solution = self.add_field(self.tr("解决情况(&S)"), QLineEdit(self), "solution")

    def save(self) -> None:
        day, solution = self.day.date().toPython(), self.solution.text()
        self.submit(lambda db: logs.solve_need(db, self.need_id, solution, solved_on=day),
                    description=self.tr("注销户{n}的需求“{what}”").format(n=self.need.household_number,
                                                                       what=short(self.need.content)), undoable=True)


class NeedMatterDialog(WriteDialog):
    """转为事项: take a need in as a matter in one step; the two stay linked."""

    def __init__(self, ctx, need: logs.Need, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("需求转为事项"))
        self.need = need
        self.need_id = need.id
        self.add_field(self.tr("需求"), QLabel(f"{need.household_number} {need.head_name}：{need.content}", self))
        self.title = self.add_field(self.tr("诉求事项(&T)"), QLineEdit(need.content, self), "title")
        self.category = QComboBox(self)
        for category in M.categories(ctx.reader()):
            if category.status == "active":
                self.category.addItem(category.name, category.id)
        self.add_field(self.tr("类别(&C)"), self.category, "category_id")
        self.grade = QComboBox(self)
        for code, label in M.GRADES.items():
            self.grade.addItem(self.tr(label), code)
        self.add_field(self.tr("等级(&G)"), self.grade, "grade")

    def save(self) -> None:
        title, category, grade = self.title.text(), self.category.currentData(), self.grade.currentData()
        if category is None:
            self.show_error(self.tr("请先在“民情事项”页设置事项类别"), "category_id")
            return
        self.submit(lambda db: logs.need_to_matter(db, self.need_id, category_id=category, grade=grade, title=title),
                    description=self.tr("户{n}的需求“{what}”转为事项").format(n=self.need.household_number,
                                                                         what=short(self.need.content)), undoable=True)


class VisitRulesDialog(WriteDialog):
    """走访周期: days between visits per contact class."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, "", parent)
        self.setWindowTitle(self.tr("走访周期"))
        rules = visits.visit_rules(ctx.reader())
        self.spins: dict[int, QSpinBox] = {}
        for cls, label in CONTACT_CLASS_SHORT.items():
            spin = QSpinBox(self)
            spin.setRange(7, 366)
            spin.setSuffix(self.tr(" 天"))
            spin.setValue(rules[cls])
            self.spins[cls] = self.add_field(self.tr("{label}户每隔").format(label=self.tr(label)), spin, "days")
        note = QLabel(self.tr("默认：一类户每月（30天）、二类户每两个月（60天）、三类户每季度（90天）走访一次。"
                              "来源文章没有规定走访周期，这些天数是本办自定的工作安排，可按实际调整。"), self)
        note.setWordWrap(True)
        self.add_field("", note)

    def save(self) -> None:
        values = {cls: spin.value() for cls, spin in self.spins.items()}

        def write(db):
            with db.atomic():
                for cls, days in values.items():
                    if visits.visit_rules(db)[cls] != days:
                        visits.set_visit_rule(db, cls, days)

        self.submit(write, description=self.tr("修改走访周期"))

