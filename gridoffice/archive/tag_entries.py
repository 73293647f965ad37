"""Special-group tags as a roster cell writes them, and how entries read from a file meet the
entries on record. The roster export, the roster import and the special-group list import all
use these, so a tag written out reads back as the same entry.

A cell holds one entry per line: the register's name, the day it began, and either 起 (still on
it) or 至 and the day it ended, then the entry's note in brackets:
    残疾人 2019-03-01起
    低保/困难家庭 2015-06-01至2021-12-31（复核后退出）
A name alone is an entry whose start is not known.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gridoffice import masking
from gridoffice.audit import records
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import check_length, clean_text
from gridoffice.vocab import TAGS, code_for

_ENTRY = re.compile(r"^(?P<label>.+?)(?:\s+(?P<since>[0-9][0-9年月日./\-]*[0-9日])(?:起|至(?P<until>[0-9][0-9年月日./\-]*[0-9日])))?"
                    r"(?:[（(](?P<note>.*)[)）])?$")
_SEPARATORS = re.compile(r"[；;、，,]")


@dataclass(frozen=True)
class TagEntry:
    tag: str  # a vocab.TAGS code
    since: str | None  # ISO days
    until: str | None
    note: str = ""


def label_of(code: str, labels: dict[str, str] | None = None) -> str:
    """A register's name; `labels` (office_tags.labels) knows the office's own as well."""
    if labels is not None and code in labels:
        return labels[code]
    return tr(TAGS[code]) if code in TAGS else code


def tag_code(text: str, field: str = "tags", labels: dict[str, str] | None = None) -> str:
    """The code of a register named as the window names it (or by its code); `labels`
    (office_tags.labels(db, active=True)) adds the office's own registers in use."""
    labels = labels if labels is not None else {c: tr(v) for c, v in TAGS.items()}
    code = code_for(labels, clean_text(text))
    if code is None:
        raise ValidationError(field, tr("人群类别“{tag}”不存在，请从这些类别中选：{options}").format(
            tag=text, options="、".join(labels.values())))
    return code


def format_entry(entry: TagEntry, *, masked: bool = False, labels: dict[str, str] | None = None) -> str:
    """One line of a roster's tag cell; masked shows days as year and month (as a masked birth
    date is shown: a register's start is often the birth date) and numbers in the note masked."""
    day = masking.mask_birth if masked else (lambda d: d)
    text = label_of(entry.tag, labels)
    if entry.since:
        text += f" {day(entry.since)}" + (tr("至{d}").format(d=day(entry.until)) if entry.until else tr("起"))
    if entry.note:
        text += tr("（{note}）").format(note=masking.mask_text(entry.note) if masked else entry.note)
    return text


def format_cell(entries, *, masked: bool = False, labels: dict[str, str] | None = None) -> str:
    return "\n".join(format_entry(e, masked=masked, labels=labels) for e in entries)


def parse_entry(text: str, *, today: dt.date, labels: dict[str, str] | None = None) -> TagEntry:
    m = _ENTRY.match(text)
    if m is None:
        raise ValidationError("tags", tr("人群类别“{t}”无法识别，应写成“残疾人 2019-03-01起”或“残疾人 2019-03-01至2023-05-01”").format(t=text))
    code = tag_code(m.group("label"), labels=labels)
    since = records.parse_day(m.group("since"), "tags", "开始日期", today=today)
    until = records.parse_day(m.group("until"), "tags", "结束日期", today=today)
    if since and until and until < since:
        raise ValidationError("tags", tr("“{tag}”的结束日期{until}早于开始日期{since}").format(
            tag=label_of(code, labels), until=until, since=since))
    note = check_length(clean_text(m.group("note") or ""), "tag_note", "tags")
    return TagEntry(code, since, until, note)


def parse_cell(value: object, *, today: dt.date, labels: dict[str, str] | None = None) -> tuple[TagEntry, ...]:
    """The entries of a cell, one a line; a line of names alone may list several (残疾人、低保/困难家庭).
    Raises a ValidationError naming the first entry that cannot be read."""
    entries: list[TagEntry] = []
    for line in clean_text(value, multiline=True).split("\n"):
        line = line.strip()
        if not line:
            continue
        try:
            entries.append(parse_entry(line, today=today, labels=labels))
        except ValidationError:
            parts = [p.strip() for p in _SEPARATORS.split(line) if p.strip()]
            if len(parts) < 2:
                raise
            entries.extend(parse_entry(p, today=today, labels=labels) for p in parts)
    open_ = [e.tag for e in entries if e.until is None]
    for code in set(open_):
        if open_.count(code) > 1:
            raise ValidationError("tags", tr("“{tag}”写了两条未结束的记录，一人同时只能在一份名册中登记一次").format(
                tag=label_of(code, labels)))
    return tuple(entries)


@dataclass(frozen=True)
class TagPlan:
    """What the entries of a file do to one person's entries on record."""

    added: tuple[TagEntry, ...]  # new rows of person_tags
    changed: tuple[tuple[int, dict], ...]  # (person_tags id, changed columns)
    notices: tuple[str, ...]


def reconcile(on_record, entries, labels: dict[str, str] | None = None) -> TagPlan:
    """`on_record`: (id, tag, since, until, note) rows of one person. An entry with the start of
    one on record is that entry: a given end or note different from it changes it; a blank never
    erases. An open entry where the register already has an open one leaves it as it is (said in
    a notice when the starts differ). Anything else is a new entry."""
    rows = [list(r) for r in on_record]
    added, changed, notices = [], [], []
    for entry in entries:
        same = next((r for r in rows if r[1] == entry.tag and (r[2] == entry.since or (
            entry.since is None and r[3] is None))), None)
        if same is None and entry.until is None:
            same = next((r for r in rows if r[1] == entry.tag and r[3] is None), None)
            if same is not None:
                notices.append(tr("已在“{tag}”名册中（{since}起），表中的开始日期{other}未导入").format(
                    tag=label_of(entry.tag, labels), since=same[2] or tr("日期不详"), other=entry.since))
                continue
        if same is None:
            added.append(entry)
            rows.append([None, entry.tag, entry.since, entry.until, entry.note])
            continue
        change = {}
        if entry.until and entry.until != same[3]:
            if same[2] and entry.until < same[2]:
                raise ValidationError("tags", tr("“{tag}”的结束日期{until}早于系统中的开始日期{since}").format(
                    tag=label_of(entry.tag, labels), until=entry.until, since=same[2]))
            change["until"] = entry.until
        if entry.note and entry.note != (same[4] or ""):
            change["note"] = entry.note
        if change and same[0] is not None:
            changed.append((same[0], change))
    return TagPlan(tuple(added), tuple(changed), tuple(notices))
