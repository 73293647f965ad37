"""The year-end assessment workbook (年终考核).

A '权重' sheet holds the template (full-marks target and weight per indicator); the score sheets hold
each member's and each team's indicator values, and the scores, totals and ranks as LIVE formulas
reading that sheet, so a leader who changes a weight in Excel sees the scores and ranks follow.
The formula is stats_assessment.score(), written in Excel."""

from __future__ import annotations

from pathlib import Path

from openpyxl.utils import get_column_letter

from gridoffice.audit import journal
from gridoffice.reports import assessment
from gridoffice.access.staff_accounts import signer
from gridoffice.i18n import tr
from gridoffice.access.scope import Scope

from . import workbook as wbk
from .xlsx import Formula

WEIGHTS = "权重"
FIRST_WEIGHT_ROW = 3


def score_formula(value_ref: str, weight_row: int) -> str:
    target, weight = f"'{WEIGHTS}'!$B${weight_row}", f"'{WEIGHTS}'!$C${weight_row}"
    return Formula(f'=IF({value_ref}="",0,MIN({value_ref}/{target},1)*{weight})')


def _weights_sheet(wb, a: assessment.Assessment, maker: str) -> None:
    heads = [tr("考核指标"), tr("满分标准"), tr("权重（满分）"), tr("说明")]
    ws = wbk.sheet(wb, WEIGHTS, tr("年终考核指标与权重"), heads, office=a.office, period=a.period.label)
    rows = [[i.label, i.target, i.weight,
             assessment.kind_text(i)]
            for i in a.indicators]
    rows.append([tr("合计"), None, Formula(f"=SUM(C{FIRST_WEIGHT_ROW}:C{FIRST_WEIGHT_ROW + len(rows) - 1})"), None])
    wbk.write_rows(wb, ws, rows, total_rows=[len(rows) - 1],
                   row_formats={k: {2: wbk.PERCENT} for k, i in enumerate(a.indicators) if i.rate})
    wbk.fit_widths(ws, [heads] + rows)
    wbk.page_setup(ws, maker=maker, landscape=False)


def _score_sheet(wb, title: str, first: str, rows: list[assessment.Assessed],
                 a: assessment.Assessment, maker: str) -> None:
    inds = a.indicators
    n = len(inds)
    heads = [first, tr("所属单位")] + [i.label for i in inds] + [i.label for i in inds] + [tr("总分"), tr("排名")]
    groups = [(first, 1), (tr("所属单位"), 1), (tr("指标完成情况"), n), (tr("指标得分"), n), (tr("总分"), 1),
              (tr("排名"), 1)]
    ws = wbk.sheet(wb, title, tr("年终考核表（{what}）").format(what=title), heads, office=a.office,
                   period=a.period.label, groups=groups)
    start = wbk.header_height(ws) + 1
    end = start + len(rows) - 1
    total_col = get_column_letter(3 + 2 * n)
    data = []
    for r, item in enumerate(rows, start=start):
        values = [item.value(i.code) for i in inds]
        scores = [score_formula(f"{get_column_letter(3 + k)}{r}", FIRST_WEIGHT_ROW + k) for k in range(n)]
        data.append([item.name, item.unit] + ["" if v is None else v for v in values] + scores
                    + [Formula(f"=ROUND(SUM({get_column_letter(3 + n)}{r}:{get_column_letter(2 + 2 * n)}{r}),2)"),
                       Formula(f"=RANK({total_col}{r},${total_col}${start}:${total_col}${end})")])
    wbk.write_rows(wb, ws, data, percent_cols={3 + k for k, i in enumerate(inds) if i.rate},
                   formats={**{3 + k: "0.00" for k, i in enumerate(inds) if i.kind == "score"},
                            **{c: "0.00" for c in range(3 + n, 4 + 2 * n)}})
    wbk.fit_widths(ws, [[first, tr("所属单位")]] + [row[:2] for row in data])
    for c in range(3, 5 + 2 * n):
        ws.widths[c] = 9
    ws.heights[start - 1] = 45
    wbk.page_setup(ws, maker=maker)


def write(db, path: str | Path, year_text: str, *, scope: Scope, org_id: int | None = None,
          maker: str | None = None, today=None):
    """Compute and write the assessment of the user's scope; a progress generator returning the path."""
    yield 0, 2, tr("正在统计全年考核指标……")
    a = assessment.assessment(db, year_text, scope=scope, org_id=org_id, today=today)
    maker = maker or signer(db)
    wb = wbk.new_workbook()
    _score_sheet(wb, tr("个人考核"), tr("姓名"), list(a.staff), a, maker)
    _score_sheet(wb, tr("团队考核"), tr("服务团队"), list(a.teams), a, maker)
    _weights_sheet(wb, a, maker)
    yield 1, 2, tr("正在保存……")
    wbk.save(wb, path, lambda: journal.record_export(db, "assessment", str(path), len(a.staff) + len(a.teams)))
    yield 2, 2, tr("已完成")
    return Path(path)
