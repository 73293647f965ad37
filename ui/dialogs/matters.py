"""Dialogs of the matters page: intake, one dialog for each step of the state machine, and the
settings (categories and time limits).

Every dialog submits one core call (gridoffice.matters.rules) through the context's writer; a refusal
is shown inside the dialog with the named input outlined, so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDateTimeEdit, QDialog, QDialogButtonBox,
                               QDoubleSpinBox, QFormLayout, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from gridoffice.matters import rules as M
from gridoffice.archive import households, people
from gridoffice.org import regions, staff
from ui.dialogs.common import combo, note_edit, short
from ui.dialogs.write import WriteDialog
from gridoffice.errors import PermissionDenied
from ui.widgets.search_combo import searchable
from ui.widgets.unit_picker import UnitPicker, unit_paths


def time_edit(parent: QWidget, now: dt.datetime) -> QDateTimeEdit:
    """When it happened: now by default, earlier when typing in a paper record."""
    edit = QDateTimeEdit(QDateTime(now.replace(second=0, microsecond=0)), parent)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    edit.setCalendarPopup(True)
    return edit


def staff_items(db, scope) -> list[tuple[int | None, str]]:
    return [(None, "")] + staff.handler_choices(db, scope=scope)


class IntakeDialog(WriteDialog):
    """登记事项: on its own, or from a household's or a person's page (household_id / person_id)."""

    def __init__(self, ctx, *, household_id: int | None = None, person_id: int | None = None,
                 now: dt.datetime | None = None, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("登记民情事项"), parent)
        db = ctx.reader()
        self.now = now or dt.datetime.now()
        self.person_id = person_id
        self.source = self.add_field(self.tr("受理渠道"), combo(self, [(k, self.tr(v)) for k, v in M.SOURCES.items()]),
                                     "source")
        self.category = self.add_field(self.tr("事项类别"), combo(self, [(c.id, c.name) for c in M.categories(db)]),
                                       "category_id")
        self.grade = self.add_field(self.tr("办理等级"), combo(self, [
            (k, f"{self.tr(v)}（{self.tr(M.GRADE_HANDLER[k])}）") for k, v in M.GRADES.items()], "urgent"), "grade")
        self.title = self.add_field(self.tr("诉求事项"), QLineEdit(self), "title")
        self.title.setPlaceholderText(self.tr("居民反映或要求什么，一句话"))
        self.content = self.add_field(self.tr("具体内容"), note_edit(self, self.tr("详细情况（可不填）")), "content")
        scope = ctx.scope()
        household = households.get_household(db, household_id, scope=scope) if household_id else None
        person = people.get_person(db, person_id, scope=scope) if person_id else household.head if household else None
        self.resident = self.add_field(self.tr("居民姓名"), QLineEdit(person.name if person else "", self), "resident_name")
        # Left empty, the core takes the resident's or the household's phone (not shown in clear here).
        self.phone = self.add_field(self.tr("联系电话"), QLineEdit(self), "resident_phone")
        self.phone.setPlaceholderText(self.tr("不填则用居民或户的登记电话"))
        self.household = self.add_field(self.tr("户号"), QLineEdit(household.number if household else "", self),
                                        "household_id")
        self.household.setPlaceholderText(self.tr("可不填；填写后自动关联户和网格"))
        self.grid = self.add_field(self.tr("所属网格"), UnitPicker(self, all_text=self.tr("（按户确定或不指定）")), "grid_id")
        # A grid worker takes in matters of their own grid only: its units, its households.
        self.org_scope = ctx.org_scope()
        units = regions.all_units(db)
        if self.org_scope is not None:
            units = [u for u in units if u.id in self.org_scope]
        self.grid.set_units(unit_paths(units))
        if self.org_scope is not None:
            self.grid.set_current_unit(getattr(ctx.user, "org_id", None))
        self.taker = self.add_field(self.tr("受理人"), QLineEdit(ctx.signer(), self), "taker_name")
        self.received = self.add_field(self.tr("受理时间"), time_edit(self, self.now), "received_at")
        if person_id:
            self.resident.setReadOnly(True)
        self.setMinimumWidth(520)

    def save(self) -> None:
        number = self.household.text().strip()
        household_id = None
        if number:
            try:
                found = households.find_by_number(self.ctx.reader(), number, scope=self.ctx.scope())
            except PermissionDenied:
                self.show_error(self.tr("户号“{n}”不在您负责的网格内，只能登记本网格的户").format(n=number), "household_id")
                return
            if found is None:
                self.show_error(self.tr("找不到户号为“{n}”的户，请核对或留空").format(n=number), "household_id")
                return
            household_id = found.id
        if self.org_scope is not None and household_id is None and self.grid.current_unit() is None:
            # Otherwise the matter would lie outside every grid, out of the grid worker's own sight.
            self.show_error(self.tr("请填写户号或选择所属网格"), "grid_id")
            return
        values = dict(
            source=self.source.currentData(), category_id=self.category.currentData(), grade=self.grade.currentData(),
            title=self.title.text(), content=self.content.toPlainText(), person_id=self.person_id,
            household_id=household_id, grid_id=self.grid.current_unit(), resident_name=self.resident.text(),
            resident_phone=self.phone.text(), taker_name=self.taker.text(),
            received_at=self.received.dateTime().toPython(),
        )
        self.submit(lambda db: M.intake(db, **values), description=self.tr("受理事项“{title}”").format(
            title=short(values["title"].strip())), undoable=True)


class StepDialog(WriteDialog):
    """One step of a matter: the inputs the step needs, who did it and when."""

    NOTE_LABELS = {
        "assign": "交办说明", "start": "说明", "resolve": "办理结果", "cannot_resolve": "向居民的解释",
        "answer": "答复内容", "evaluate": "说明", "archive": "说明", "reopen": "重新办理原因",
        "transfer": "转办原因", "regrade": "调整原因", "note": "进展情况",
    }

    def __init__(self, ctx, matter: M.Matter, action: str, *, now: dt.datetime | None = None,
                 parent: QWidget | None = None):
        super().__init__(ctx, self.tr("{action}：事项{number}").format(action=self.tr(M.ACTIONS[action]),
                                                                      number=matter.number), parent)
        self.matter, self.action = matter, action
        self.now = now or dt.datetime.now()
        db = ctx.reader()
        if action in ("assign", "transfer"):
            self.staff = self.add_field(self.tr("承办人"), searchable(combo(self, staff_items(db, ctx.scope()))), "staff_id")
            self.staff.lineEdit().setPlaceholderText(self.tr("输入姓名查找"))
            self.dept = self.add_field(self.tr("承办部门"), QLineEdit(self), "dept")
            self.dept.setPlaceholderText(self.tr("例如：民政办、城建办（可与承办人同时填写）"))
        elif action == "evaluate":
            self.satisfaction = self.add_field(self.tr("居民满意度"), combo(
                self, [(None, "")] + [(k, self.tr(v)) for k, v in M.SATISFACTION.items()]), "satisfaction")
            self.resident_score = self.add_field(self.tr("居民评分"), self._score_box(), "resident_score")
        elif action == "regrade":
            self.grade = self.add_field(self.tr("新等级"), combo(
                self, [(k, self.tr(v)) for k, v in M.GRADES.items() if k != matter.grade]), "grade")
        elif action == "promise":
            self.promise = self.add_field(self.tr("承诺内容"), QLineEdit(matter.promise, self), "promise")
            due = QDate.fromString(matter.resolve_due[:10], "yyyy-MM-dd")
            self.promise_date = self.add_field(self.tr("承诺日期"), QDateEdit(due, self), "promise_date")
            self.promise_date.setCalendarPopup(True)
            self.promise_date.setDisplayFormat("yyyy-MM-dd")
        if action != "promise":
            self.note = self.add_field(self.tr(self.NOTE_LABELS[action]), note_edit(
                self, self.tr("必填") if action in M.NOTE_REQUIRED else self.tr("可不填")), "note")
        self.by = self.add_field(self.tr("经办人"), QLineEdit(ctx.signer(), self), "by")
        self.at = self.add_field(self.tr("办理时间"), time_edit(self, self.now), "at")

    def _score_box(self) -> QSpinBox:
        box = QSpinBox(self)
        box.setRange(-1, 100)
        box.setSpecialValueText(self.tr("请填写"))
        box.setValue(-1)
        return box

    def values(self) -> dict:
        """The inputs, read on the GUI thread (the write itself runs on the writer thread)."""
        action = self.action
        values: dict = dict(at=self.at.dateTime().toPython(), by=self.by.text().strip() or None)
        if action != "promise":
            values["reason" if action in ("transfer", "regrade") else "note"] = self.note.toPlainText()
        if action in ("assign", "transfer"):
            values.update(staff_id=self.staff.currentData(), dept=self.dept.text())
        elif action == "evaluate":
            values.update(satisfaction=self.satisfaction.currentData(),
                          resident_score=self.resident_score.value() if self.resident_score.value() >= 0 else None)
        elif action == "regrade":
            values["grade"] = self.grade.currentData()
        elif action == "promise":
            values.update(text=self.promise.text(), date=self.promise_date.date().toPython())
        return values

    def save(self) -> None:
        matter_id, action, values = self.matter.id, self.action, self.values()

        def write(db) -> None:
            if action in ("transfer", "regrade", "promise"):
                getattr(M, action)(db, matter_id, **values)
            elif action == "note":
                M.add_note(db, matter_id, values.pop("note"), **values)
            else:
                M.transition(db, matter_id, action, **values)

        # A resident's evaluation and the archiving are not the clerk's to take back (README, Design).
        self.submit(write, description=self.tr("{action}事项{number}").format(
            action=self.tr(M.ACTIONS[action]), number=self.matter.number),
            undoable=action not in ("evaluate", "archive"))


class SettingsDialog(QDialog):
    """事项设置: the category list (add, rename, retire) and the time limits per grade and category."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("事项类别与办理时限"))
        self.categories = QListWidget(self)
        self.add_button = QPushButton(self.tr("新增类别…"), self)
        self.rename_button = QPushButton(self.tr("改名…"), self)
        self.retire_button = QPushButton(self.tr("停用"), self)
        left_buttons = QHBoxLayout()
        for button in (self.add_button, self.rename_button, self.retire_button):
            left_buttons.addWidget(button)
        left = QVBoxLayout()
        source = QLabel(self.tr("来源文章（舟山）把群众诉求分为“经济发展、环境保护、困难救助、农业生产建设、邻里纠纷等14种类型”，"
                                "其余九类没有列出名称：标“本办自定”的是本办的分类，可改名、停用或增加。"), self)
        source.setWordWrap(True)
        left.addWidget(source)
        left.addWidget(QLabel(self.tr("事项类别（停用的不再供登记选择，已登记的事项不受影响）"), self))
        left.addWidget(self.categories, 1)
        left.addLayout(left_buttons)

        self.limits = QTableWidget(0, 5, self)
        self.limits.setHorizontalHeaderLabels([self.tr(h) for h in ("等级", "类别", "答复时限(小时)", "办结时限(小时)",
                                                                    "依据")])
        self.limits.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.limits.verticalHeader().setVisible(False)
        self.limits.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.limits.setWordWrap(True)
        self.grade = combo(self, [(k, self.tr(v)) for k, v in M.GRADES.items()])
        self.category = QComboBox(self)
        self.respond = self._hours(2)
        self.resolve = self._hours(24)
        self.save_limit = QPushButton(self.tr("保存时限"), self)
        form = QFormLayout()
        form.addRow(self.tr("等级"), self.grade)
        form.addRow(self.tr("类别"), self.category)
        form.addRow(self.tr("答复时限（小时）"), self.respond)
        form.addRow(self.tr("办结时限（小时）"), self.resolve)
        form.addRow("", self.save_limit)
        right = QVBoxLayout()
        hint = QLabel(self.tr("办理时限：从受理时间起算；某类别未单独设置时用该等级的时限。“依据”一栏说明时限"
                              "来自来源文章还是本办自定；当场办结的事项须在受理当天办结，不设小时时限。"), self)
        hint.setWordWrap(True)
        right.addWidget(hint)
        right.addWidget(self.limits, 1)
        right.addLayout(form)

        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        close.rejected.connect(self.reject)
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error)
        layout.addWidget(close)
        self.resize(900, 520)

        self.add_button.clicked.connect(self._add)
        self.rename_button.clicked.connect(self._rename)
        self.retire_button.clicked.connect(self._retire)
        self.save_limit.clicked.connect(self._save_limit)
        self.grade.currentIndexChanged.connect(lambda _i: self._show_limit())
        self.category.currentIndexChanged.connect(lambda _i: self._show_limit())
        self.reload()

    def _hours(self, value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setRange(0, 2160)
        box.setSpecialValueText(self.tr("当天"))
        box.setDecimals(1)
        box.setValue(value)
        return box

    def reload(self) -> None:
        db = self.ctx.reader()
        current = self.categories.currentItem().data(Qt.ItemDataRole.UserRole) if self.categories.currentItem() else None
        self.categories.clear()
        names = {0: self.tr("（全部类别）")}
        for c in M.categories(db, include_retired=True):
            names[c.id] = c.name
            origin = M.category_origin(c.name)
            item = QListWidgetItem(self.tr("{n}（{o}）").format(n=c.name, o=origin) if c.status == "active"
                                   else self.tr("{n}（{o}，已停用）").format(n=c.name, o=origin))
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, c.name)
            if c.status != "active":
                item.setForeground(QBrush(QColor("#888888")))
            self.categories.addItem(item)
            if c.id == current:
                self.categories.setCurrentItem(item)
        chosen = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        for c in [(0, names[0])] + [(c.id, c.name) for c in M.categories(db)]:
            self.category.addItem(c[1], c[0])
        self.category.setCurrentIndex(max(0, self.category.findData(chosen)))
        self.category.blockSignals(False)
        limits = M.time_limits(db)
        self.limits.setRowCount(len(limits))
        for row, limit in enumerate(limits):
            hours = ((self.tr("当天"), self.tr("当天")) if limit.grade == "on_spot"
                     else (f"{limit.respond_hours:g}", f"{limit.resolve_hours:g}"))
            for column, text in enumerate((self.tr(M.GRADES[limit.grade]), names.get(limit.category_id, ""),
                                           *hours, M.limit_origin(limit))):
                self.limits.setItem(row, column, QTableWidgetItem(text))
        self.limits.resizeRowsToContents()
        self._show_limit()

    def _show_limit(self) -> None:
        limit = M.time_limit(self.ctx.reader(), self.grade.currentData(), self.category.currentData() or 0)
        hours = limit.grade != "on_spot"
        # The boxes' minimum shows as "当天": an on-the-spot matter has no hours.
        self.respond.setValue(limit.respond_hours if hours else 0)
        self.resolve.setValue(limit.resolve_hours if hours else 0)
        for widget in (self.respond, self.resolve, self.save_limit):
            widget.setEnabled(hours)

    def _write(self, fn, description: str) -> None:
        self.error.clear()
        self.ctx.write(fn, description=description, on_done=lambda _r: self.reload(),
                       on_error=lambda exc: self.error.setText(getattr(exc, "message", str(exc))))

    def _chosen(self) -> int | None:
        item = self.categories.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _add(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("新增类别"), self.tr("类别名称："))
        if ok:
            self._write(lambda db: M.add_category(db, name), self.tr("新增事项类别"))

    def _rename(self) -> None:
        category_id = self._chosen()
        if category_id is None:
            return
        name, ok = QInputDialog.getText(self, self.tr("类别改名"), self.tr("新名称："),
                                        text=self.categories.currentItem().data(Qt.ItemDataRole.UserRole + 1))
        if ok:
            self._write(lambda db: M.rename_category(db, category_id, name), self.tr("事项类别改名"))

    def _retire(self) -> None:
        category_id = self._chosen()
        if category_id is not None:
            self._write(lambda db: M.retire_category(db, category_id), self.tr("停用事项类别"))

    def _save_limit(self) -> None:
        grade, category_id = self.grade.currentData(), self.category.currentData() or 0
        respond, resolve = self.respond.value(), self.resolve.value()
        self._write(lambda db: M.set_time_limit(db, grade, category_id, respond, resolve), self.tr("设置办理时限"))
