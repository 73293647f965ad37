"""Start-up: the first-start choice, the demo office, screenshots, and the fonts."""

import argparse
import os

import pytest
from PySide6.QtGui import QFontDatabase, QImage
from PySide6.QtWidgets import QApplication

from gridoffice.org import regions
from gridoffice.store.db import connect
from ui import app as app_module
from tests.conftest import give_accounts
from tests.ui_helpers import office_copy


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr(app_module, "data_folder", lambda: folder)
    monkeypatch.setattr(app_module, "recent_files", lambda: [])
    return folder


def args(**values):
    defaults = {"db": None, "demo": False, "screenshot": None, "page": None, "size": "1366x768"}
    return argparse.Namespace(**{**defaults, **values})


def test_screenshot_renders_the_page_to_a_png(qapp, tmp_path):
    path, _ = office_copy(tmp_path)
    give_accounts(path)  # the screenshot logs in as GRIDOFFICE_USER, like a script
    out = tmp_path / "shot.png"
    assert app_module.main(["--db", path, "--screenshot", str(out), "--page", "archive", "--size", "1000x700"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1000, 700)


def test_screenshot_of_an_unknown_page_fails(qapp, tmp_path, capsys):
    path, _ = office_copy(tmp_path)
    give_accounts(path)
    assert app_module.main(["--db", path, "--screenshot", str(tmp_path / "x.png"), "--page", "nosuch"]) == 2
    assert "archive" in capsys.readouterr().err


def test_the_shipped_font_is_the_fallback_for_chinese(qapp):
    app_module.install_font(QApplication.instance())
    families = QApplication.font().families()
    assert any("WenQuanYi" in f or "文泉" in f for f in families)
    assert any("WenQuanYi" in f for f in QFontDatabase.families())


def test_first_start_creates_a_new_office(qtbot, data_folder, monkeypatch):
    from PySide6.QtCore import QTimer

    from gridoffice.access import keys
    from ui.dialogs import login as login_dialog

    shown = []
    monkeypatch.setattr(login_dialog, "show_recovery_code", lambda parent, code, **kw: shown.append(code))

    def fill():
        dialog = QApplication.activeModalWidget()
        dialog.form.name.setText("东湖社区居民委员会")
        dialog.form.street.setText("凯旋街道")
        dialog.accept()
        assert "村或社区" in dialog.form.message.text()  # the community is required
        dialog.form.community.setText("东湖社区")
        dialog.form.admin.setText("zhang")
        dialog.form.password.setText("gridoffice1")
        dialog.form.again.setText("gridoffice2")
        dialog.accept()
        assert "不一致" in dialog.form.message.text()
        dialog.form.again.setText("gridoffice1")
        dialog.accept()

    QTimer.singleShot(0, fill)
    start = app_module.choose_start_file(args())
    path = start.path
    assert path == data_folder / "东湖社区.db"
    # Encrypted from the start, its administrator logged in, the recovery code shown once.
    assert not path.read_bytes().startswith(b"SQLite format 3") and len(shown) == 1
    assert keys.has_user(keys.read(path), "zhang") and start.user.name == "zhang" and start.user.role == "admin"
    db = connect(path)
    office = regions.office(db)
    assert office.name == "东湖社区居民委员会"
    assert [u.name for u in regions.all_units(db)] == ["凯旋街道", "东湖社区"]
    assert regions.get_unit(db, office.org_id).name == "东湖社区"
    db.close()


def test_demo_is_generated_once_and_reused(qtbot, data_folder, monkeypatch):
    monkeypatch.setattr(app_module, "DEMO_HOUSEHOLDS", 30)
    path = app_module.choose_start_file(args(demo=True)).path
    assert path == data_folder / app_module.DEMO_FILE and path.exists()
    assert not (data_folder / (app_module.DEMO_FILE + ".part")).exists()
    db = connect(path)
    assert db.execute("SELECT count(*) FROM households").fetchone()[0] == 30
    # The demo carries a year of work, so the matters and workbench pages are not empty.
    assert db.execute("SELECT count(*) FROM matters").fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM visits").fetchone()[0] > 0
    db.close()
    stamp = os.path.getmtime(path)
    assert app_module.choose_start_file(args(demo=True)) == app_module.StartFile(path)
    assert os.path.getmtime(path) == stamp


FIRST_START_PROBE = r"""
import sys
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit
from ui import app
a = app.setup_application([sys.argv[0]])
from ui.dialogs.office import FirstStartDialog
dialog = FirstStartDialog(default_folder=app.data_folder())
box = dialog.findChildren(QDialogButtonBox)[0]
menu = dialog.findChildren(QLineEdit)[0].createStandardContextMenu()
print(app.data_folder())
print("|".join(sorted(b.text() for b in box.buttons())))
print("|".join(x.text().split("\t")[0] for x in menu.actions() if x.text()))
"""


def test_a_fresh_start_saves_once_under_gridoffice_and_speaks_chinese_from_the_first_dialog(tmp_path):
    """A clerk's very first start: the first-start dialog is the first thing Qt draws, so Qt's own texts
    must be Chinese before it, and the folder it proposes is the data folder plus GridOffice once.
    A fresh process, since the suite's application has long had its translations."""
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "share"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    root = Path(app_module.__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-c", FIRST_START_PROBE], cwd=root, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    folder, buttons, menu = run.stdout.splitlines()[-3:]
    assert Path(folder) == tmp_path / "share" / "GridOffice" and Path(folder).is_dir()
    assert "GridOffice/GridOffice" not in folder.replace("\\", "/")
    assert buttons == "|".join(sorted(["开始", "取消"]))
    assert menu.split("|")[:5] == ["撤消(&U)", "重做(&R)", "剪切(&T)", "复制(&C)", "粘贴(&P)"]


def test_a_start_imports_the_core_before_qt_and_no_dialog_it_does_not_show():
    """PySide6 reads the source of every module imported after it (its __feature__ import hook): the
    core a start needs comes first. The backup dialog and the cards' codes wait until they are used."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\n"
        "order = []\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        order.append(name)\n"
        "sys.meta_path.insert(0, Watch())\n"
        "import ui.app, ui.main_window, ui.pages.archive_page\n"
        "qt = order.index('PySide6')\n"
        "late = sorted(m for m in order[qt:] if m in ('gridoffice.access.session', 'gridoffice.archive.browse', "
        "'gridoffice.org.regions', 'gridoffice.archive.households', 'gridoffice.search.finder', 'sqlite_utils'))\n"
        "unused = sorted(m for m in ('ui.dialogs.backup', 'gridoffice.reports.cards') if m in sys.modules)\n"
        "print(late, unused)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,
                         capture_output=True, text=True, check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[] []"
