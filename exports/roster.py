"""The roster export (花名册): the persons of a subtree with the columns the clerk picks.

Headers are the import's standard column names (roster_columns.FIELDS) and codes are written as
their Chinese labels, so gridoffice.roster.importer reads the file back unchanged. Every value is a
string, so an ID number stays text. ID numbers, phones and birth dates (as 出生年月) are masked by
gridoffice.masking unless the clerk deliberately asks for full numbers with a reason (which the audit
entry keeps); a masked roster documents, it cannot be imported back as a match key. The rows stream
from one query into exports/xlsx.py's RowStream, formatted straight into the sheet's XML and kept in an
encrypted tempfiles.Spool until the workbook is saved."""

from __future__ import annotations

from pathlib import Path

from gridoffice import masking, vocab
from gridoffice.archive import office_tags, people
from gridoffice.audit import journal
from gridoffice.org import regions
from gridoffice.store import tempfiles
from gridoffice.access.staff_accounts import signer
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_field
from gridoffice.org.regions import get_unit, office
from gridoffice.roster.columns import FIELDS
from gridoffice.roster.rows import roster_rows
from gridoffice.access.scope import Scope
from gridoffice.archive.tag_entries import TagEntry, format_cell

from . import workbook as wbk
from . import xlsx

_LABELS = {"relation": vocab.RELATIONS, "sex": vocab.SEX, "political_status": vocab.POLITICAL_STATUS,
           "residence": vocab.RESIDENCE, "contact_class": vocab.CONTACT_CLASS_SHORT, "representative": {1: "是", 0: ""}}
DEFAULT_COLUMNS = tuple(FIELDS)
WIDTHS = {"id_number": 22, "address": 30, "notes": 20, "birth_date": 12, "phone": 15, "grid": 14, "household_number": 18,
          "name": 10, "tags": 30, "household_tags": 24, "household_phone": 15, "household_notes": 20, "unit_path": 30, "unit_levels": 16}
_NUMBERS = ("id_number", "phone", "birth_date", "household_phone")
_MASKED = _NUMBERS + ("occupation", "notes", "household_notes")
_TITLE = xlsx.Style(font="title")


def check_columns(columns) -> tuple[str, ...]:
    """Field codes or their Chinese headers; the import needs the household number and the name."""
    by_label = {v: k for k, v in FIELDS.items()}
    out = []
    for c in columns:
        code = c if c in FIELDS else by_label.get(c)
        if code is None:
            raise ValidationError("columns", tr("没有名为“{c}”的花名册列，可选：{all}").format(
                c=c, all="、".join(FIELDS.values())))
        if code not in out:
            out.append(code)
    for needed in ("household_number", "name"):
        if needed not in out:
            raise ValidationError("columns", tr("花名册必须包含“{c}”列，否则无法再导入").format(c=FIELDS[needed]))
    return tuple(out)


def write(db, path: str | Path, *, scope: Scope, org_id: int | None = None, columns=DEFAULT_COLUMNS,
          maker: str | None = None, full_numbers: bool = False, reason: str = ""):
    """Write the roster of the user's scope (and of the subtree org_id); a progress generator
    returning the number of persons written.

    Full ID numbers and phones only with full_numbers and a reason, for a role allowed to reveal them."""
    columns = check_columns(columns)
    reason = clean_field(reason, "reason")
    if full_numbers:
        if len(reason) < 2:
            raise ValidationError("reason", tr("导出完整的身份证号和电话前，请填写原因（例如“报送上级核对身份”）"))
        scope.require("reveal")
    if org_id is not None:
        scope.require_org(org_id)
    title = get_unit(db, org_id).name if org_id is not None else office(db).name
    total, batches = roster_rows(db, scope, org_id, columns)
    yield 0, total, tr("正在导出花名册……")
    wb = xlsx.Workbook()
    ws = wb.create_sheet(tr("花名册"))
    for i, c in enumerate(columns, start=1):
        ws.widths[i] = WIDTHS.get(c, max(8, wbk.text_width(FIELDS[c]) + 2))
    ws.freeze = "C3"
    ws.print_title_rows = "1:2"
    wbk.page_setup(ws, maker=maker or signer(db))
    ws.set(1, 1, tr("{scope}人员花名册（共{n}人）").format(scope=title, n=total), wb.style(_TITLE))
    head = wb.style(wbk.HEAD)
    for i, c in enumerate(columns, start=1):
        ws.set(2, i, tr(masking.BIRTH_HEADER if c == "birth_date" and not full_numbers else FIELDS[c]), head)
    # The rows wait in an encrypted spool beside the target (its key only in memory), decrypted
    # straight into the workbook's zip when it is saved: never on disk in the clear before it.
    with tempfiles.Spool(path) as spool:
        done = yield from _rows(db, wb.stream(ws, spool, len(columns)), columns, batches, scope, total, full_numbers)
        wbk.save(wb, path, lambda: journal.record_export(
            db, "roster", str(path), done, unmasked=full_numbers and ("id_number" in columns or "phone" in columns),
            reason=reason))
    return done


def _rows(db, stream: xlsx.RowStream, columns, batches, scope, total, full_numbers):
    coded = [(i, {k: tr(v) for k, v in _LABELS[c].items()}) for i, c in enumerate(columns) if c in _LABELS]
    # Values looked up by id: the unit paths by the household's unit, the tags by the person.
    if "unit_path" in columns or "unit_levels" in columns:
        paths = regions.unit_paths(db)
        for i, c in enumerate(columns):
            if c in ("unit_path", "unit_levels"):
                coded.append((i, {k: v[c == "unit_levels"] for k, v in paths.items()}))
    if "tags" in columns:
        coded.append((columns.index("tags"), _tag_cells(db, scope, masked=not full_numbers)))
    if "household_tags" in columns:
        coded.append((columns.index("household_tags"), _hardship_cells(db, scope, masked=not full_numbers)))
    # The masking rule's fields, and free text that may hold a number typed into it.
    masked = [] if full_numbers else [(i, c) for i, c in enumerate(columns) if c in _MASKED]
    done = 0
    for rows in batches:
        if coded or masked:
            rows = [_labelled(list(row), coded, masked) for row in rows]
        stream.append(rows)
        done += len(rows)
        yield done, total, tr("已导出{n}人").format(n=done)
    return done


def _labelled(row: list, coded, masked) -> list:
    for i, labels in coded:
        row[i] = labels.get(row[i], "" if row[i].__class__ is int else row[i])
    for i, field in masked:
        row[i] = masking.mask_field("phone" if field == "household_phone" else field, row[i]) \
            if field in _NUMBERS else masking.mask_text(row[i])
    return row


def _hardship_cells(db, scope: Scope, *, masked: bool) -> dict[int, str]:
    """Household id -> its 低保户/困难户 entries, for the roles that see hardship."""
    entries: dict[int, list] = {}
    for t in office_tags.all_household_tags(db, scope):
        entries.setdefault(t.household_id, []).append(TagEntry(t.tag, t.since, t.until, t.note))
    labels = {code: tr(label) for code, label in vocab.HOUSEHOLD_TAGS.items()}
    return {hid: format_cell(e, masked=masked, labels=labels) for hid, e in entries.items()}


def _tag_cells(db, scope: Scope, *, masked: bool) -> dict[int, str]:
    """Person id -> the tag cell (every entry the role may see, ended ones too, oldest first)."""
    entries: dict[int, list] = {}
    for t in people.all_visible_tags(db, scope):
        entries.setdefault(t.person_id, []).append(TagEntry(t.tag, t.since, t.until, t.note))
    labels = office_tags.labels(db)
    return {pid: format_cell(e, masked=masked, labels=labels) for pid, e in entries.items()}

