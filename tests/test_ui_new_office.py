"""新建办公室 in the window: the form collects what the clerk types and says the core's refusals under it;
the office it makes is the core's (gridoffice/store/new_office.py)."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from gridoffice.access import keys, session
from gridoffice.org import regions
from gridoffice.store import officefile
from ui.dialogs import office as office_dialogs


def _fill(qtbot, form, **typed):
    fields = {"name": "东湖社区居民委员会", "street": "凯旋街道", "community": "东湖社区", "division_code": "330104002001",
              "admin": "admin", "password": "gridoffice1", "again": "gridoffice1", **typed}
    for key, text in fields.items():
        edit = getattr(form, key)
        edit.clear()
        if text.isascii():
            qtbot.keyClicks(edit, text)
        else:  # Chinese arrives whole from the input method, as a commit, not key by key
            edit.insert(text)


def _press_ok(qtbot, dialog):
    box = dialog.findChild(QDialogButtonBox)
    qtbot.mouseClick(box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_the_form_says_each_refusal_under_it_and_stays_open_without_writing(qtbot, tmp_path):
    dialog = office_dialogs.NewOfficeDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    for typed, words in [({"division_code": "33010400200"}, "区划代码应为12位数字"),
                         ({"division_code": "990104002001"}, "不是省级行政区划代码"),
                         ({"name": ""}, "请填写单位名称"),
                         ({"community": ""}, "请填写村或社区的名称"),
                         ({"again": "gridoffice2"}, "两次输入的密码不一致"),
                         ({"admin": ""}, "用户名不能为空")]:
        _fill(qtbot, form, **typed)
        _press_ok(qtbot, dialog)
        assert dialog.isVisible() and words in form.message.text(), typed
    assert list(tmp_path.iterdir()) == []

    (tmp_path / "taken.db").write_bytes(b"someone's file")
    _fill(qtbot, form)
    form.path.setText(str(tmp_path / "taken.db"))
    _press_ok(qtbot, dialog)
    assert dialog.isVisible() and "已存在" in form.message.text()
    assert (tmp_path / "taken.db").read_bytes() == b"someone's file"


def test_an_accepted_form_makes_the_office_the_core_makes_and_shows_the_recovery_code_once(qtbot, tmp_path,
                                                                                          monkeypatch):
    shown = []
    monkeypatch.setattr("ui.dialogs.login.show_recovery_code", lambda parent, code, **_kw: shown.append(code))
    dialog = office_dialogs.NewOfficeDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(qtbot, dialog.form, division_code="３３０１０４００２００１")  # full-width, as an IME types it
    assert dialog.office_path() == tmp_path / "东湖社区.db"  # the file is named after the community
    _press_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.form.message.text() == ""

    admin = office_dialogs.create_office(dialog.office_path(), dialog.office_values())
    assert admin.name == "admin" and admin.role == "admin" and len(shown) == 1
    identity = officefile.read_identity(tmp_path / "东湖社区.db")
    assert identity.name == "东湖社区居民委员会" and identity.division_code == "330104002001"
    keys.forget_all()
    s = session.log_in(tmp_path / "东湖社区.db", "admin", "gridoffice1")
    try:
        street = regions.get_unit(s.db, regions.get_unit(s.db, regions.office(s.db).org_id).parent_id)
        assert (street.level, street.name, street.parent_id) == ("street", "凯旋街道", None)  # no district typed
    finally:
        s.close()
