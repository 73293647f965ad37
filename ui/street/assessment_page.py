"""年终考核排名: the street's communities ranked as the year-end assessment ranks staff.

Each community's counts are its office's own (stats_assessment.office_counts on the community's
replica); as a staff member's work is that member's counts, a community's is its counts divided by
its active staff, rates stay rates, and street_view.ranked applies the assessment's formula (each
indicator's weight times its share of the full-marks target, capped) and its ranking (the total to
two places, equal totals share a rank and the next one skips, as Excel's RANK). Offices' own
templates are settings, which do not travel: every community is scored by the program's template.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from gridoffice.reports import assessment
from gridoffice.consolidation import street_view

from .widgets import fill, table, tr


class AssessmentPage(QWidget):
    """`host` is the street window: its reader (ask, replicas), its communities and its scope."""

    def __init__(self, host, parent: QWidget | None = None):
        super().__init__(parent)
        self.host = host
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(host.today().year)
        self.note = QLabel(tr("各社区按年终考核的公式和程序的考核模板评分：各项件数按在职工作人员人均计，比率照算。"))
        self.note.setWordWrap(True)
        self.table = table([tr("名次"), tr("社区"), tr("工作人员"), tr("总分")]
                           + [tr(label) for label, _kind in assessment.INDICATORS.values()])
        top = QHBoxLayout()
        label = QLabel(tr("年度(&Y)："))
        label.setBuddy(self.year)
        top.addWidget(label)
        top.addWidget(self.year)
        top.addWidget(self.note, 1)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.table)
        self.year.valueChanged.connect(lambda _v: self.load())

    def shown(self) -> None:
        if not self.table.rowCount() and "assessment" not in self.host.waiting:
            self.load()

    def load(self) -> None:
        offices = [(c.uuid, c.name) for c in self.host.communities_list if c.last_sequence]
        year, today, scope = self.year.value(), self.host.today(), self.host.scope

        def read(ctx):
            rows, indicators = [], None
            for uuid, name in offices:
                db = ctx.replica(uuid)
                if db is None:
                    return None
                counts, staff = assessment.office_counts(db, year, scope=scope, today=today)
                indicators = assessment.template(db)
                rows.append((name, counts, staff))
            return street_view.ranked(rows, indicators or []), indicators or []

        self.note.setText(tr("正在计算…"))
        self.host.ask("assessment", read, self._show, self.note.setText)

    def _show(self, result) -> None:
        if result is None:
            return
        ranked, indicators = result
        rows = []
        for r in ranked:
            values = []
            for code, (_label, kind) in assessment.INDICATORS.items():
                value = r.assessed.value(code)
                values.append("—" if value is None else f"{value:.0%}" if kind == "rate" else f"{value:.2f}")
            rows.append([str(r.rank), r.community, str(r.staff), f"{r.score:.2f}"] + values)
        fill(self.table, rows, numbers=True)
        self.note.setText(tr("{year}年：各社区按年终考核的公式和程序的考核模板评分（满分{full:g}分），各项件数按在职"
                             "工作人员人均计，比率照算；总分保留两位小数，同分同名次。").format(
            year=self.year.value(), full=sum(i.weight for i in indicators)))
