"""The eleven household operations of 户籍档案 (new household, members joining, leaving, dying or
moving to another household, the head, the representative, tags and hardship, a move to another
grid, split, merge, moving out), each a dialog, a last confirmation and one undoable core call.

The archive page owns the actions and the household shown; `HouseholdOperations` works on that
household. Operations that show a household when done pass the page as the write's initiator, so
the page does not redraw the household first on the change they announce.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from gridoffice import vocab
from gridoffice.archive import households, office_tags, people
from gridoffice.archive.households import Household
from ui import undo
from ui.dialogs.common import confirm
from ui.dialogs.household import ChangeHeadDialog, ChooseUnitDialog, DayDialog, HouseholdDialog, LeaveDialog
from ui.dialogs.household_moves import MergeDialog, SplitDialog, TransferDialog
from ui.dialogs.person import PersonForm
from ui.dialogs.tags import TagDialog


def tr(text: str) -> str:
    return QCoreApplication.translate("ArchivePage", text)


class HouseholdOperations:
    """The operations on the archive page's current household (`page.detail`)."""

    def __init__(self, page):
        self.page = page
        self.ctx = page.ctx

    def actions(self) -> list[tuple[str, str, str, Callable[[], None], bool]]:
        """Each operation as the page's action: (key, menu text, shortcut, slot, needs a household)."""
        return [
            ("new_household", tr("新建户(&N)…"), "Ctrl+Shift+N", self.new_household, False),
            ("edit_household", tr("修改户信息(&E)…"), "Ctrl+E", self.edit_household, True),
            ("add_member", tr("添加成员(&A)…"), "Ctrl+Shift+A", self.add_member, True),
            ("edit_person", tr("修改成员(&P)…"), "F2", self.edit_person, True),
            ("tags", tr("人群标签(&T)…"), "Ctrl+T", self.edit_tags, True),
            ("change_head", tr("更换户主(&H)…"), "Ctrl+Shift+H", self.change_head, True),
            ("remove_member", tr("成员迁出(&R)…"), "Ctrl+Shift+X", self.remove_member, True),
            ("death", tr("登记死亡(&D)…"), "Ctrl+Shift+D", self.record_death, True),
            ("transfer", tr("转入其他户(&V)…"), "Ctrl+Shift+T", self.transfer_member, True),
            ("representative", tr("设为户代表(&B)"), "Ctrl+Shift+B", self.set_representative, True),
            ("hardship", tr("低保户、困难户登记(&K)…"), "Ctrl+Shift+K", self.edit_hardship, True),
            ("move", tr("迁移到其他网格(&M)…"), "Ctrl+Shift+M", self.move_household, True),
            ("split", tr("分户(&S)…"), "Ctrl+Shift+S", self.split_household, True),
            ("merge", tr("合户(&J)…"), "Ctrl+Shift+J", self.merge_household, True),
            ("move_out", tr("整户迁出(&O)…"), "Ctrl+Shift+O", self.move_out, True),
        ]

    def enable(self, actions: dict[str, QAction]) -> None:
        """Enable the operations that apply to the household and member shown."""
        h = self.page.detail.household
        active = h is not None and h.status == "active"
        person = self.page.detail.current_person()
        person_active = active and person is not None and person.status == "active"
        for action in actions.values():
            if action.data():
                action.setEnabled(active)
        for key in ("edit_person", "tags", "remove_member", "death", "transfer"):
            actions[key].setEnabled(person_active)
        actions["transfer"].setEnabled(person_active and len(h.active_members) > 1)
        actions["representative"].setEnabled(person_active and person.id != h.representative_id)
        actions["hardship"].setEnabled(active and self.page.scope.sees_tag("low_income"))
        actions["change_head"].setEnabled(active and len(h.active_members) > 1)
        actions["split"].setEnabled(active and len(h.active_members) > 1)

    def _household(self) -> Household | None:
        h = self.page.detail.household
        return h if h is not None and h.status == "active" else None

    def _after(self, message: str, household_id: int | None = None):
        def done(_result=None):
            self.ctx.show_status(message)
            if household_id is not None:
                self.page.show_household(household_id)
        return done

    def new_household(self) -> None:
        dialog = HouseholdDialog(self.ctx, org_id=self.page.current_org_id(), parent=self.page)
        if not dialog.exec():
            return
        values = dialog.values()
        if not self.page.scope.sees(values.get("org_id")):
            QMessageBox.warning(self.page, tr("新建户"), tr("只能在您负责的网格内新建户，请选择您负责的网格。"))
            return
        form = PersonForm(self.ctx, new_head=True, parent=self.page)
        if not form.exec():
            return
        head = form.person_input()
        where = dialog.picker.unit_text()
        if not confirm(self.page, tr("新建户"), tr("将在“{where}”新建一户，户主为{name}。").format(where=where, name=head.name),
                       undoable=True):
            return
        undo.operation(self.ctx, tr("新建户（户主{name}）").format(name=head.name),
                       lambda db: households.create_household(db, head=head, **values),
                       on_done=lambda hid: (self.page.show_household(hid), self.ctx.show_status(tr("已新建户"))),
                       initiator=self.page)

    def edit_household(self) -> None:
        h = self._household()
        if h is None:
            return
        dialog = HouseholdDialog(self.ctx, household=h, parent=self.page)
        if not dialog.exec():
            return
        undo.edit_household(self.ctx, h.id, dialog.changes(), tr("修改户{n}的信息").format(n=h.number),
                            on_done=self._after(tr("已保存户{n}").format(n=h.number)))

    def add_member(self) -> None:
        h = self._household()
        if h is None:
            return
        form = PersonForm(self.ctx, household=h, parent=self.page)
        if not form.exec():
            return
        person = form.person_input()
        relation = vocab.label(vocab.RELATIONS, person.relation)
        if not confirm(self.page, tr("添加成员"), tr("将把{name}登记为户{n}（户主{head}）的成员，关系：{rel}。").format(
                name=person.name, n=h.number, head=h.head.name if h.head else "", rel=relation), undoable=True):
            return
        undo.operation(self.ctx, tr("添加成员{name}").format(name=person.name),
                       lambda db: households.add_member(db, h.id, person, person.relation),
                       on_done=lambda pid: self.page.show_household(h.id, pid), initiator=self.page)

    def edit_person(self) -> None:
        person = self.page.detail.current_person()
        if person is None or person.status != "active":
            return
        form = PersonForm(self.ctx, person=person, parent=self.page)
        if not form.exec():
            return
        undo.edit_person(self.ctx, person.id, form.changes(), tr("修改{name}的信息").format(name=person.name),
                         on_done=self._after(tr("已保存{name}").format(name=person.name)))

    def edit_tags(self) -> None:
        person = self.page.detail.current_person()
        if person is None or person.status != "active":
            return
        current = [t.tag for t in people.tags_of(self.ctx.reader(), person.id, scope=self.page.scope)]
        dialog = TagDialog(tr("人群标签：{name}").format(name=person.name), current,
                           [(r.code, r.label) for r in office_tags.registers(self.ctx.reader())], self.page)
        for code, box in dialog.boxes.items():
            # A hidden box keeps its state, so a sensitive tag the user cannot see is never ended here.
            box.setVisible(self.page.scope.sees_tag(code))
        if not dialog.exec():
            return
        apply = dialog.changes(lambda db, tag: people.add_tag(db, person.id, tag),
                               lambda db, tag: people.end_tag(db, person.id, tag))
        if apply is None:
            return
        undo.operation(self.ctx, tr("修改{name}的人群标签").format(name=person.name), apply,
                       on_done=self._after(tr("已保存人群标签")))

    def change_head(self, new_head_id: int | None = None) -> None:
        h = self._household()
        if h is None or len(h.active_members) < 2:
            return
        dialog = ChangeHeadDialog(h, new_head_id, self.page)
        if not dialog.exec():
            return
        new_id, old_relation, relations = dialog.values()
        new_name = next(p.name for p in h.active_members if p.id == new_id)
        old_name = h.head.name if h.head else ""
        if not confirm(self.page, tr("更换户主"), tr("户{n}的户主将由{old}改为{new}，{old}改为“{rel}”。").format(
                n=h.number, old=old_name, new=new_name, rel=vocab.label(vocab.RELATIONS, old_relation)), undoable=True):
            return
        undo.change_head(self.ctx, h.id, new_id, old_relation, relations,
                         tr("户{n}更换户主为{new}").format(n=h.number, new=new_name),
                         on_done=self._after(tr("已更换户主")))

    def remove_member(self) -> None:
        self._leave(death=False)

    def record_death(self) -> None:
        self._leave(death=True)

    def _leave(self, *, death: bool) -> None:
        h = self._household()
        person = self.page.detail.current_person()
        if h is None or person is None or person.status != "active":
            return
        if not death and len(h.active_members) == 1:
            self.ctx.show_status(tr("{name}是唯一的成员，请使用“整户迁出”").format(name=person.name))
            return
        dialog = LeaveDialog(h, person, death=death, parent=self.page, check=lambda day: households.leave_day_problem(
            self.ctx.reader(), [person.id], day, death=death))
        if not dialog.exec():
            return
        day, new_head, relations = dialog.values()
        what = tr("登记{name}于{day}死亡").format(name=person.name, day=day) if death else \
            tr("{name}于{day}从户{n}迁出").format(name=person.name, day=day, n=h.number)
        if new_head is not None:
            new_name = next(p.name for p in h.active_members if p.id == new_head)
            what += tr("，{new}成为新户主").format(new=new_name)
        elif death and len(h.active_members) == 1:
            what += tr("；户{n}再无在册成员，将注销").format(n=h.number)
        if not confirm(self.page, tr("登记死亡") if death else tr("成员迁出"), what + tr("。"), undoable=True):
            return
        if death:
            fn = lambda db: households.record_death(db, person.id, day=day, new_head_id=new_head, relations=relations)  # noqa: E731
        else:
            fn = lambda db: households.remove_member(db, h.id, person.id, new_head_id=new_head,  # noqa: E731
                                                     relations=relations, day=day)
        undo.operation(self.ctx, what, fn, on_done=self._after(what, h.id), initiator=self.page)

    def set_representative(self) -> None:
        """The member who speaks for the household (户代表); undoable like any edit of the household."""
        h = self._household()
        person = self.page.detail.current_person()
        if h is None or person is None or person.status != "active" or person.id == h.representative_id:
            return
        text = tr("{name}成为户{n}的户代表").format(name=person.name, n=h.number)
        undo.edit_household(self.ctx, h.id, {"representative_id": person.id}, text, on_done=self._after(text, h.id),
                            initiator=self.page)

    def edit_hardship(self) -> None:
        """Record the household as 低保户 or 困难户 (hardship as the sources mean it), or end it."""
        h = self._household()
        if h is None or not self.page.scope.sees_tag("low_income"):
            return
        current = [t.tag for t in office_tags.household_tags_of(self.ctx.reader(), h.id, scope=self.page.scope)]
        dialog = TagDialog(tr("低保户、困难户登记：户{n}").format(n=h.number), current,
                           [(code, vocab.label(vocab.HOUSEHOLD_TAGS, code)) for code in vocab.HOUSEHOLD_TAGS], self.page)
        if not dialog.exec():
            return
        apply = dialog.changes(lambda db, tag: office_tags.add_household_tag(db, h.id, tag),
                               lambda db, tag: office_tags.end_household_tag(db, h.id, tag))
        if apply is None:
            return
        text = tr("修改户{n}的困难登记").format(n=h.number)
        undo.operation(self.ctx, text, apply, on_done=self._after(text, h.id),
                       initiator=self.page)

    def transfer_member(self) -> None:
        """A member moves to another household of the office; the history of both keeps it."""
        h = self._household()
        person = self.page.detail.current_person()
        if h is None or person is None or person.status != "active" or len(h.active_members) < 2:
            return
        dialog = TransferDialog(self.ctx, h, person, parent=self.page)
        if not dialog.exec():
            return
        target, relation, new_head, relations = dialog.values()
        what = tr("{name}从户{n}转入{target}，为户主的{rel}").format(
            name=person.name, n=h.number, target=dialog.target_text, rel=vocab.label(vocab.RELATIONS, relation))
        if new_head is not None:
            what += tr("，{new}成为户{n}的新户主").format(
                new=next(p.name for p in h.active_members if p.id == new_head), n=h.number)
        if not confirm(self.page, tr("转入其他户"), what + tr("。"), undoable=True):
            return
        undo.operation(self.ctx, what, lambda db: households.remove_member(
            db, h.id, person.id, to_household_id=target, relation=relation, new_head_id=new_head, relations=relations),
            on_done=self._after(what, h.id), initiator=self.page)

    def move_household(self) -> None:
        h = self._household()
        if h is None:
            return
        dialog = ChooseUnitDialog(self.ctx, tr("把户{n}迁移到").format(n=h.number), h.org_id, self.page)
        if not dialog.exec() or dialog.picker.unit_id() in (None, h.org_id):
            return
        org_id, where = dialog.picker.unit_id(), dialog.picker.unit_text()
        if not self.page.scope.sees(org_id):
            QMessageBox.warning(self.page, tr("迁移网格"), tr("“{where}”不在您负责的范围内；迁往其他网格请由社区工作人员办理。").format(
                where=where))
            return
        if not confirm(self.page, tr("迁移网格"), tr("户{n}将迁移到“{where}”。").format(n=h.number, where=where), undoable=True):
            return
        undo.move_household(self.ctx, h.id, org_id, tr("户{n}迁移到{where}").format(n=h.number, where=where),
                            on_done=self._after(tr("已迁移户{n}").format(n=h.number)))

    def split_household(self) -> None:
        h = self._household()
        if h is None or len(h.active_members) < 2:
            return
        person = self.page.detail.current_person()
        preselect = [person.id] if person and person.relation != "head" and person.status == "active" else []
        dialog = SplitDialog(h, preselect, self.page)
        if not dialog.exec():
            return
        moving, new_head, relations, remaining_head = dialog.values()
        names = {p.id: p.name for p in h.active_members}
        text = tr("将从户{n}分出{who}，组成新户，户主为{head}。").format(
            n=h.number, who="、".join(names[i] for i in moving), head=names[new_head])
        if remaining_head is not None:
            text += tr("原户由{name}任户主。").format(name=names[remaining_head])
        if not confirm(self.page, tr("分户"), text, undoable=True):
            return
        undo.operation(self.ctx, tr("户{n}分户").format(n=h.number),
                       lambda db: households.split_household(db, h.id, moving, new_head, relations=relations,
                                                             remaining_head_id=remaining_head),
                       on_done=lambda new_id: (self.page.show_household(new_id), self.ctx.show_status(tr("已分户"))),
                       initiator=self.page)

    def merge_household(self) -> None:
        h = self._household()
        if h is None:
            return
        dialog = MergeDialog(self.ctx, h, self.page)
        if not dialog.exec() or dialog.target_id is None:
            return
        target, relations = dialog.target_id, dialog.relations()
        if not confirm(self.page, tr("合户"), tr("户{n}的{k}名成员将并入{target}，户{n}随后注销。").format(
                n=h.number, k=len(h.active_members), target=dialog.target_text), undoable=True):
            return
        undo.operation(self.ctx, tr("户{n}并入{target}").format(n=h.number, target=dialog.target_text),
                       lambda db: households.merge_households(db, h.id, target, relations),
                       on_done=lambda _r: (self.page.show_household(target), self.ctx.show_status(tr("已合户"))),
                       initiator=self.page)

    def move_out(self) -> None:
        h = self._household()
        if h is None:
            return
        members = [p.id for p in h.active_members]
        dialog = DayDialog(tr("整户迁出：户{n}").format(n=h.number), tr("迁出日期(&D)"), parent=self.page,
                           check=lambda day: households.leave_day_problem(self.ctx.reader(), members, day))
        if not dialog.exec():
            return
        day = dialog.day_text()
        if not confirm(self.page, tr("整户迁出"), tr("户{n}及其{k}名在册成员将于{day}迁出，联系人关系随之结束。").format(
                n=h.number, k=len(h.active_members), day=day), undoable=True):
            return
        undo.operation(self.ctx, tr("户{n}整户迁出").format(n=h.number), lambda db: households.move_out(db, h.id, day=day),
                       on_done=self._after(tr("已迁出"), h.id), initiator=self.page)
