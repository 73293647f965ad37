"""Importing a special-group list (重点人群名单): 低保, 残疾, 优抚 or 帮教 lists other departments send
as spreadsheets. Each row names a person by ID number, a register (a 人群类别 column, or one chosen
for the whole list) and its start and end days. The same trial run, report and refusals as the
roster: a row whose ID number names nobody in register, whose days or register cannot be read, or
whose name disagrees with the one on record is refused with the reason; all the rest is written in
one transaction with an audit entry per register entry.

What an entry does to the person's registers is the roster's rule (tag_entries.reconcile): an
entry with the start of one on record may end it or give its note, a new one is added, a blank
never ends anything.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Generator

from sqlite_utils import Database

from gridoffice import masking
from gridoffice.archive import office_tags, tag_entries
from gridoffice.audit import trail, records
from gridoffice.search import finder
from gridoffice.errors import PermissionDenied, ValidationError
from gridoffice.i18n import tr
from gridoffice.idcard import parse_ids
from gridoffice.normalize import check_length, clean_text, require_name
from gridoffice.roster.columns import SCAN_ROWS, Header, guess_field, norm_header
from gridoffice.roster.result import ImportResult, Notice, Refused
from gridoffice.roster.read import RawSheet, cell_text, clean_cell, read_sheet_job
from gridoffice.access.scope import acting
from gridoffice.vocab import PERSON_STATUS
from gridoffice.changes import Changes, writes

Progress = Generator[tuple[int, int, str], None, ImportResult]

FIELDS = {
    "id_number": "身份证号码",
    "name": "姓名",
    "tag": "人群类别",
    "since": "开始日期",
    "until": "结束日期",
    "note": "说明",
}
_EXACT = {
    "tag": ("人群类别", "类别", "名册类别", "人员类别", "救助类别", "对象类别", "类型"),
    "since": ("开始日期", "起始日期", "纳入日期", "纳入时间", "认定日期", "认定时间", "享受时间", "开始时间", "起始时间"),
    "until": ("结束日期", "退出日期", "终止日期", "截止日期", "结束时间", "退出时间", "终止时间"),
    "note": ("说明", "备注"),
}
_CONTAINS = (("since", ("开始", "起始", "纳入", "认定")), ("until", ("结束", "退出", "终止", "截止")),
             ("tag", ("类别",)), ("note", ("备注", "说明")))
_LOOKUP = {text: field for field, texts in _EXACT.items() for text in texts}
SAMPLE_COLUMNS = ("行号", "姓名", "身份证号码", "人群类别", "开始日期", "结束日期", "处理")
SAMPLE_ROWS = 200
_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "注", "说明", "制表", "填表", "审核")


def guess(label: str) -> str | None:
    text = norm_header(label)
    if not text:
        return None
    if text in _LOOKUP:
        return _LOOKUP[text]
    field = guess_field(text)
    if field in ("id_number", "name"):
        return field
    return next((f for f, keys in _CONTAINS if any(k in text for k in keys)), None)


def find_header(rows) -> Header:
    """The row naming the ID number column, among the first rows."""
    for i, row in enumerate(rows[:SCAN_ROWS]):
        labels = tuple(cell_text(c) for c in row)
        if any(guess(c) == "id_number" for c in labels):
            return Header(i, i + 1, labels)
    raise ValidationError("header", tr("在前{n}行中找不到“身份证号码”列：请在名单中加上这一列（列名写“身份证号码”或“公民身份号码”）").format(n=SCAN_ROWS))


def guess_mapping(labels) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for col, label in enumerate(labels):
        field = guess(label)
        if field and field not in mapping.values():
            mapping[col] = field
    return mapping


def check_mapping(mapping: dict[int, str], tag: str = "") -> None:
    fields = list(mapping.values())
    for field in set(fields):
        if fields.count(field) > 1:
            raise ValidationError("mapping", tr("“{f}”对应了{n}列，每个项目只能对应一列").format(
                f=tr(FIELDS[field]), n=fields.count(field)))
    if "id_number" not in fields:
        raise ValidationError("mapping", tr("必须指定哪一列是“身份证号码”"))
    if "tag" not in fields and not clean_text(tag):
        raise ValidationError("mapping", tr("名单中没有“人群类别”列：请选定整份名单的类别"))


@writes(Changes.PERSONS | Changes.TAGS, unless="dry_run")
def import_file(db: Database, path: str | Path, *, sheet: str | None = None, **options) -> Progress:
    yield 0, 0, tr("正在读取“{name}”……").format(name=Path(path).name)
    raw = yield from read_sheet_job(path, sheet)
    return (yield from import_sheet(db, raw, file_name=Path(path).name, **options))


@writes(Changes.PERSONS | Changes.TAGS, unless="dry_run")
def import_sheet(db: Database, raw: RawSheet, *, header: Header | None = None, mapping: dict[int, str] | None = None,
                 file_name: str = "", tag: str = "", dry_run: bool = False, today: dt.date | None = None) -> Progress:
    """The list's import job, a progress generator returning an ImportResult (kind "tags").

    `tag` names the register of rows without a 人群类别 cell. All or nothing, as the roster."""
    scope = acting(db)
    if scope is not None and not scope.whole_office:
        raise PermissionDenied(tr("导入重点人群名单会改动全部网格的档案，请由负责全部网格的工作人员导入"))
    today = today or dt.date.today()
    header = header or find_header(raw.rows)
    mapping = dict(mapping) if mapping is not None else guess_mapping(header.labels)
    check_mapping(mapping, tag)
    labels = office_tags.labels(db, active=True)
    default_tag = tag_entries.tag_code(tag, labels=labels) if clean_text(tag) else None
    col = {f: c for c, f in mapping.items()}

    def cell(cells, field):
        c = col.get(field)
        return cells[c] if c is not None and c < len(cells) else ""

    lines = [(header.data_row + n + 1, tuple(cells)) for n, cells in enumerate(raw.rows[header.data_row:])]
    kept, skipped = [], 0
    for line, cells in lines:
        first = next((clean_cell(c) for c in cells if c not in ("", None)), "")
        if not first or (cell(cells, "id_number") in ("", None) and first.replace(" ", "").startswith(_TOTAL_WORDS)):
            skipped += 1
        else:
            kept.append((line, cells))
    yield 0, len(kept) + 1, tr("正在检查……")
    ids = parse_ids([cell(c, "id_number") for _, c in kept], today=today)
    numbers = sorted({i.number for i in ids if i.__class__ is not ValidationError})
    persons = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        for rec in db.execute(f"SELECT id, id_number, name, status, household_id FROM persons WHERE id_number IN "
                              f"({','.join('?' * len(chunk))}) ORDER BY status = 'active'", chunk):
            persons[rec[1]] = rec  # the active record wins: it is read last
    on_record: dict[int, list[list]] = {}
    wanted = sorted({p[0] for p in persons.values()})
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for rec in db.execute(f"SELECT person_id, id, tag, since, until, coalesce(note, '') FROM person_tags "
                              f"WHERE person_id IN ({','.join('?' * len(chunk))}) ORDER BY since, id", chunk):
            on_record.setdefault(rec[0], []).append(list(rec[1:]))

    refused, notices, sample = [], [], []
    added: list[tuple[int, tag_entries.TagEntry]] = []
    changed: list[tuple[int, int, dict]] = []
    changed_persons, unchanged_persons, duplicates = set(), set(), 0
    seen: dict[tuple, int] = {}
    width = max([len(header.labels)] + [len(c) for _, c in kept])
    for n, ((line, cells), info) in enumerate(zip(kept, ids)):
        try:
            entry, person = _check_row(cells, info, cell, persons, default_tag, scope, today, labels)
            key = (person[0], entry.tag, entry.since, entry.until)
            if key in seen:
                duplicates += 1
                notices.append(Notice(line, tr("与第{n}行相同，已合并").format(n=seen[key])))
                continue
            seen[key] = line
            rows = on_record.setdefault(person[0], [])
            plan = tag_entries.reconcile([tuple(r) for r in rows], [entry], labels)
        except ValidationError as exc:
            refused.append(Refused(line, tuple(cell_text(c) for c in cells) + ("",) * (width - len(cells)),
                                   exc.message, ""))
            continue
        notices.extend(Notice(line, message) for message in plan.notices)
        for new in plan.added:
            added.append((person[0], new))
            rows.append([None, new.tag, new.since, new.until, new.note])
        for tag_id, change in plan.changed:
            changed.append((person[0], tag_id, change))
            for r in rows:
                if r[0] == tag_id:
                    r[3], r[4] = change.get("until", r[3]), change.get("note", r[4])
        state = tr("加入名册") if plan.added else tr("更新") if plan.changed else tr("不变")
        (changed_persons if plan.added or plan.changed else unchanged_persons).add(person[0])
        if len(sample) < SAMPLE_ROWS:
            sample.append((str(line), person[2], masking.mask_id(info.number), tag_entries.label_of(entry.tag, labels),
                           entry.since or "", entry.until or "", state))
        if n % 2000 == 0:
            yield n, len(kept) + 1, tr("正在检查第{n}行……").format(n=line)
    unchanged_persons -= changed_persons
    if not dry_run and (added or changed):
        with db.atomic():
            yield len(kept), len(kept) + 1, tr("正在写入……")
            for person_id, entry in added:
                records.insert(db, "person_tags", {"person_id": person_id, "tag": entry.tag, "since": entry.since,
                                                   "until": entry.until, "note": entry.note}, "import_tag")
            for _, tag_id, change in changed:
                records.update(db, "person_tags", tag_id, change, "import_tag")
            finder.reindex(db, person_ids=sorted(changed_persons), today=today)
            trail.record(db, "import", "person_tags", None, new={
                "file": file_name, "sheet": raw.name, "added": len(added), "changed": len(changed),
                "refused": len(refused)})
    return ImportResult(
        file=file_name, sheet=raw.name, labels=header.labels, mapping=tuple(sorted(mapping.items())), dry_run=dry_run,
        rows=len(kept), skipped=skipped, duplicates=duplicates, persons_new=0, persons_updated=len(changed_persons),
        persons_unchanged=len(unchanged_persons), households_new=0, households_updated=0, grids_created=(),
        refused=tuple(refused), notices=tuple(sorted(notices, key=lambda x: x.row)), sample=tuple(sample),
        kind="tags", entries_added=len(added), entries_changed=len(changed), sample_columns=SAMPLE_COLUMNS)


def _check_row(cells, info, cell, persons: dict, default_tag: str | None, scope, today: dt.date, labels: dict):
    """One row's entry and the person it names, or a ValidationError saying what to fix."""
    if info.__class__ is ValidationError:
        raise info
    id_value = cell(cells, "id_number")
    if isinstance(id_value, (int, float)) and not isinstance(id_value, bool):
        raise ValidationError("id_number", tr("身份证号码存成了数字（{v}），后几位已经丢失；请把该列设为文本格式后重新录入").format(
            v=cell_text(id_value)))
    person = persons.get(info.number)
    if person is None or person[4] is None:
        raise ValidationError("id_number", tr("系统中没有身份证号码为{n}的在册人员；请先在花名册或档案中登记此人").format(
            n=masking.mask_id(info.number)))
    if person[3] != "active":
        raise ValidationError("id_number", tr("{name}在系统中已是“{s}”状态，不能加入名册").format(
            name=person[2], s=tr(PERSON_STATUS.get(person[3], person[3]))))
    name = clean_cell(cell(cells, "name"))
    if name and re.sub(r"\s", "", require_name(name)) != re.sub(r"\s", "", person[2]):
        raise ValidationError("name", tr("姓名“{a}”与系统中该身份证号码的“{b}”不一致，请核对").format(a=name, b=person[2]))
    text = clean_cell(cell(cells, "tag"))
    code = tag_entries.tag_code(text, labels=labels) if text else default_tag
    if code is None:
        raise ValidationError("tag", tr("没有填写“人群类别”，也没有选定整份名单的类别"))
    if scope is not None and not scope.sees_tag(code):
        raise ValidationError("tag", tr("“{role}”角色不能导入“{tag}”这类敏感信息").format(
            role=tr(scope.role_label), tag=tag_entries.label_of(code, labels)))
    since = records.parse_day(_day(cell(cells, "since")), "since", "开始日期", today=today)
    until = records.parse_day(_day(cell(cells, "until")), "until", "结束日期", today=today)
    if since and until and until < since:
        raise ValidationError("until", tr("结束日期{until}早于开始日期{since}").format(until=until, since=since))
    note = check_length(clean_text(cell_text(cell(cells, "note"))), "tag_note", "note")
    return tag_entries.TagEntry(code, since, until, note), person


def _day(value):
    """A date cell as it came, a text cell cleaned; a number is no day (Excel's serials are read as dates)."""
    if isinstance(value, (dt.date, dt.datetime)) or value in ("", None):
        return value
    return clean_cell(value)
