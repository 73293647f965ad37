"""A 重点人群 list (one register within a unit) as an Excel workbook or a PDF to print.

Rows come from gridoffice.archive.registers, the list the page shows, in its order; ID numbers and phones
are always masked and the birth date is year and month (the masking rule), since a list of, say,
the disabled is passed round and pinned up. Each file is written to a temporary name and renamed,
with its audit entry, only when complete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph

from gridoffice.archive import registers
from gridoffice.audit import anchors, journal
from gridoffice.i18n import tr
from gridoffice.org.regions import get_unit, office
from gridoffice.access.scope import Scope
from gridoffice.access.staff_accounts import signer

from . import workbook as wbk
from .pdf import grid_table, para, styles, write_document

_BATCH = 2000


def headers() -> list[str]:
    return [tr("序号"), tr("姓名"), tr("性别"), tr("出生年月"), tr("年龄"), tr("户号"), tr("网格"), tr("住址"),
            tr("身份证号"), tr("电话")]


def _rows(db, code: str, *, scope: Scope, org_id: int | None, sort: str, descending: bool, today: dt.date):
    """The register's rows as the page lists them (ids in order, then their rows in batches)."""
    ids = registers.person_ids(db, code, scope=scope, org_id=org_id, sort=sort, descending=descending, today=today)
    out = []
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start:start + _BATCH]
        found = registers.rows(db, chunk, scope=scope, today=today)
        for pid in chunk:
            r = found[pid]
            out.append([len(out) + 1, r.name, r.sex, r.birth_date, "" if r.age is None else r.age, r.household_number,
                        r.grid, r.address, r.id_masked, r.phone_masked])
    return out


FORMS = ("xlsx", "pdf")


def write(db, path: str | Path, code: str, *, form: str, scope: Scope, org_id: int | None = None,
          sort: str = "household", descending: bool = False, today: dt.date | None = None):
    """The list as a workbook (form "xlsx") or an A4 landscape PDF to print ("pdf"); a progress
    generator returning the path."""
    if form not in FORMS:
        raise ValueError(form)
    today = today or dt.date.today()
    yield 0, 2, tr("正在读取名单……")
    rows = _rows(db, code, scope=scope, org_id=org_id, sort=sort, descending=descending, today=today)
    label = registers.group(code, db).label
    where = get_unit(db, org_id).name if org_id is not None else tr("全部")
    yield 1, 2, tr("正在写入表格……") if form == "xlsx" else tr("正在生成PDF……")
    (_xlsx if form == "xlsx" else _pdf)(db, path, rows, label, where, office(db).name, today)
    yield 2, 2, tr("已完成")
    return Path(path)


def _xlsx(db, path, rows: list, label: str, where: str, office_name: str, today: dt.date) -> None:
    wb = wbk.new_workbook()
    ws = wbk.sheet(wb, label[:31], tr("重点人群名单·{g}").format(g=label), headers(), office=office_name,
                   period=tr("{where}　共{n}人　{d}").format(where=where, n=len(rows), d=today.isoformat()))
    wbk.write_rows(wb, ws, rows, wrap_cols=(8,))
    wbk.fit_widths(ws, [headers()] + rows)
    ws.widths[8] = min(ws.widths.get(8, 30), 30)
    wbk.page_setup(ws, maker=signer(db), anchor=anchors.head(db).code)
    wbk.save(wb, path, lambda: journal.record_export(db, "register_list", str(path), len(rows)))


def _pdf(db, path, rows: list, label: str, where: str, office_name: str, today: dt.date) -> None:
    s = styles()
    page = landscape(A4)
    width = page[0] - 24 * mm
    weights = [0.6, 1.2, 0.5, 1.0, 0.5, 1.9, 1.2, 3.4, 2.2, 1.5]
    cells = [[para(h, s["small"]) for h in headers()]] + [[para(v, s["small"]) for v in r] for r in rows]
    story: list = [Paragraph(tr("{office}重点人群名单·{g}").format(office=office_name, g=label), s["h2"]),
                   para(tr("范围：{where}　共{n}人　制表人：{maker}　制表日期：{d}").format(
                       where=where, n=len(rows), maker=signer(db), d=today.isoformat()), s["base"])]
    story.append(grid_table(cells, [w * width / sum(weights) for w in weights], header=True)
                 if rows else para(tr("（名单中没有人员）"), s["base"]))
    write_document(path, story, title=tr("重点人群名单·{g}").format(g=label), author=office_name,
                   footer_text=tr("重点人群名单·{g}　{where}　身份证号和电话已遮挡").format(g=label, where=where),
                   pagesize=page, side=12 * mm,
                   before_rename=lambda: journal.record_export(db, "register_list_pdf", str(path), len(rows)))
