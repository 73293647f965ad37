"""Qt's own Chinese: the words Qt draws itself (context menus of text fields, standard dialog buttons,
its file dialogs). The catalogue ships with the program (gridoffice.shipped), copied from PySide6, so the
program reads the same on every PC whatever Qt or language the PC has."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from gridoffice import shipped

FOLDER = shipped.path(shipped.TRANSLATIONS)
CATALOGUES = ("qtbase_zh_CN.qm",)


def install_qt_translations() -> bool:
    """Load the shipped catalogues once per application (Qt's own folder only if ours is missing);
    True when Qt's texts are Chinese."""
    app = QCoreApplication.instance()
    if app is None:
        return False
    if app.property("gridoffice_qt_zh") is True:
        return True
    loaded = []
    for name in CATALOGUES:
        translator = QTranslator(app)  # parented: lives as long as the application
        if translator.load(str(FOLDER / name)) or translator.load(
                name, QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            QCoreApplication.installTranslator(translator)
            loaded.append(translator)
    if loaded:
        app.setProperty("gridoffice_qt_zh", True)
    return bool(loaded)
