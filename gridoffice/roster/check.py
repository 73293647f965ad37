"""A roster's rows read and checked: which rows name a person (totals, notes and blank rows are
skipped), and every cell of those cleaned and checked, column by column, with a Chinese reason for
a row that cannot be trusted and a notice for what was read differently from what was written."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from itertools import repeat
from operator import and_, is_, itemgetter, ne, not_
from typing import TYPE_CHECKING, NamedTuple

from gridoffice.archive import households, tag_entries
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.idcard import PLAIN_ID, check_consistency, parse_ids
from gridoffice.normalize import check_length, clean_text, normalize_phone, require_names
from gridoffice.roster.columns import (FIELDS, Header, parse_date, political_code, relation_code, residence_code,
                                       sex_code, yes_no)
from gridoffice.roster.read import RawSheet, cell_text, clean_cell, looks_like_id
from gridoffice.roster.result import Notice
from gridoffice.access.scope import Scope
from gridoffice.vocab import HOUSEHOLD_TAGS

if TYPE_CHECKING:  # roster.plan reads rows: named here for the annotations only
    from gridoffice.archive.people import Person
    from gridoffice.roster.plan import Block

HOUSEHOLD_LABELS = {code: tr(label) for code, label in HOUSEHOLD_TAGS.items()}
# normalize_phone() returns such a number unchanged, so the call is skipped for it.
_CANONICAL_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数", "汇总")
_NOTE_WORDS = ("注", "说明", "备注", "制表", "填表", "审核", "负责人", "填报", "统计", "日期", "联系人")
_MARKER_STARTS = {w[0] for w in _TOTAL_WORDS + _NOTE_WORDS}
# Cells of these types are equal only to cells of the same type; True, 1 and 1.0 are not.
_KEYED = {str, dt.datetime, dt.date, type(None)}
_CODE = itemgetter(0)  # of a (code, notice) pair


class Values(NamedTuple):
    """What checking made of an accepted row's cells: made for 150,000 rows at once, from the
    checked columns, as named tuples rather than a dict per row."""
    tags: list
    household_tags: list
    household_phone: str
    contact_class: int | None
    representative: bool | None
    household_notes: str
    unit_path: str
    unit_levels: str
    name: str
    id_number: str
    sex: str
    birth_date: str
    relation: str
    ethnicity: str
    political_status: str
    education: str
    occupation: str
    phone: str
    residence: str
    notes: str


@dataclass(eq=False, slots=True)
class Row:
    """A data row of the sheet: its cells, what checking made of them (values) or why it is
    refused (reason), and what it matched on record (roster.plan)."""
    line: int
    cells: tuple | None
    relation: str | None
    number: str
    grid: str
    address: str
    values: Values | None = None  # None for a refused row
    reason: str | None = None
    duplicate_of: int | None = None
    match: Person | None = None  # the person on record with the same ID number
    block: Block | None = None  # the household in the file
    person_id: int | None = None  # a new person's id, given when its part is prepared


class Checker:
    """The checks of one roster file: the cleaned cells of each column are kept for the whole file
    (a roster repeats a few dozen spellings), the rows and notices for the result."""

    def __init__(self, col: dict[str, int], today: dt.date, labels: dict[str, str], scope: Scope | None,
                 notices: list[Notice]):
        self.col, self.today, self.labels, self.scope, self.notices = col, today, labels, scope, notices
        self.tables: dict[str, dict] = {}  # each column's distinct cells, cleaned once for the whole file
        self.rows: list[Row] = []  # every checked row, refused ones too
        self.skipped = 0  # totals, notes and blank rows
        self.numbers: list[str] = []  # each kept row's household number, cleaned

    # -- which rows -----------------------------------------------------------------------------
    @staticmethod
    def filled_rows(raw: RawSheet, header: Header) -> list[tuple[int, tuple]]:
        """Data rows (line number, cells) with merged ranges filled from their top-left cell."""
        start, raw_rows = header.data_row, raw.rows
        rows = list(raw_rows[start:])
        for top, left, bottom, right in raw.merged:
            if bottom < start or top >= len(raw_rows):
                continue
            source = raw_rows[top]
            value = source[left] if left < len(source) else ""
            for i in range(max(top, start), min(bottom, len(raw_rows) - 1) + 1):
                row = list(rows[i - start])
                row.extend([""] * (right + 1 - len(row)))
                row[left:right + 1] = [value] * (right + 1 - left)
                rows[i - start] = tuple(row)
        return [(start + n + 1, cells) for n, cells in enumerate(rows)]

    def data_rows(self, filled: list[tuple[int, tuple]]) -> list[tuple[int, tuple]]:
        """The rows naming a person: blank rows, totals and notes are counted as skipped."""
        id_col, name_col = self.col["id_number"], self.col["name"]
        last_id = next((n for n in range(len(filled) - 1, -1, -1)
                        if id_col < len(filled[n][1]) and looks_like_id(filled[n][1][id_col])), -1)
        # A clean ID number marks a person's row: only other rows may be blank, totals or notes.
        plain = PLAIN_ID.fullmatch
        clean = [v.__class__ is str and plain(v) is not None
                 for v in (cells[id_col] if id_col < len(cells) else "" for _, cells in filled)]
        kept = []
        for n, (row, ok) in enumerate(zip(filled, clean)):
            if ok or _names_person(row[1], id_col, name_col, n > last_id):
                kept.append(row)
            else:
                self.skipped += 1
        # Short rows (a CSV line may end early) are padded to the last mapped column.
        width = max(self.col.values()) + 1
        if all(len(cells) >= width for _, cells in kept):
            return kept
        return [(line, cells) if len(cells) >= width else (line, tuple(cells) + ("",) * (width - len(cells)))
                for line, cells in kept]

    def households_of(self, kept: list[tuple[int, tuple]]) -> list[bool]:
        """Each row's household number (kept as `numbers`, cleaned once for the whole file) and
        whether the row is a head: all that finding the households of the file needs."""
        def cells(name: str) -> list:
            col = self.col.get(name)  # every kept row reaches the last mapped column (data_rows)
            return [""] * len(kept) if col is None else list(map(itemgetter(col), map(itemgetter(1), kept)))

        self.numbers = self.column(cells("household_number"), clean_cell)
        return self.column(cells("relation"), lambda v: relation_code(clean_cell(v)) == "head")

    # -- the checks -----------------------------------------------------------------------------
    def check_rows(self, kept: list[tuple[int, tuple]], start: int, end: int) -> list[Row]:
        """Rows start to end checked and cleaned, column by column: most columns repeat a few
        dozen spellings, and each distinct cell is cleaned once."""
        kept = kept[start:end]
        # The sheet's columns (every kept row reaches the last mapped column); a field not mapped
        # reads blanks.
        by_index = list(zip(*[cells for _, cells in kept]))
        blank = ("",) * len(kept)
        columns = {name: by_index[self.col[name]] if name in self.col else blank for name in FIELDS}

        def column(name: str, make) -> list:
            if name not in self.col:
                return [make("")] * len(kept)
            return self.column(columns[name], make, self.tables.setdefault(name, {}))

        texts = {name: column(name, _LIMITED.get(name, clean_cell))
                 for name in ("grid", "address", "education", "occupation", "relation")}
        texts["household_number"] = self.numbers[start:end]
        relations = self.column(texts["relation"], relation_code, self.tables.setdefault("relation codes", {}))
        sexes = column("sex", lambda v: sex_code(clean_cell(v)))
        births = column("birth_date", parse_date)
        ethnicities = column("ethnicity", _ethnicity)
        # A text over its field's limit refuses its row; the cell reads blank meanwhile.
        too_long: dict[int, ValidationError] = {}
        for values in (texts["grid"], texts["address"], texts["education"], texts["occupation"], ethnicities):
            for k in _errors(values):
                too_long.setdefault(k, values[k])
                values[k] = ""
        political = column("political_status", lambda v: _code_or_notice("political_status", v, political_code))
        residence = column("residence", lambda v: _code_or_notice("residence", v, residence_code))
        tags = column("tags", lambda v: tag_entries.parse_cell(v, today=self.today, labels=self.labels))
        hardship = column("household_tags", lambda v: tag_entries.parse_cell(v, today=self.today,
                                                                              labels=HOUSEHOLD_LABELS))
        household = {
            "household_phone": column("household_phone", normalize_phone),
            "contact_class": column("contact_class", lambda v: households.contact_class_code(v) if clean_cell(v) else None),
            "representative": column("representative", lambda v: yes_no(clean_cell(v))),
            "household_notes": column("household_notes", _notes),
            "unit_path": column("unit_path", clean_cell),
            "unit_levels": column("unit_levels", clean_cell),
        }
        infos = parse_ids(columns["id_number"], today=self.today)
        names = require_names(columns["name"])
        kept_values = {
            "names": names, "phones": list(columns["phone"]), "relations": relations,
            "political": list(map(_CODE, political)), "residence": list(map(_CODE, residence)),
            "household_phones": household["household_phone"], "notes": [""] * len(kept),
        }
        refused = {}  # row -> reason
        for i in self._unusual(too_long, columns, infos, names, sexes, births, texts["relation"], relations,
                               political, residence, tags, hardship, household):
            reason = self._check_row(i, kept[i][0], kept_values, too_long, columns, infos[i], sexes[i], births[i],
                                     texts["relation"][i], household, tags[i], hardship[i], political[i],
                                     residence[i])
            if reason:
                refused[i] = reason
        # What is kept of each accepted row, made column by column (a refused row's values are
        # made too, from what its cells gave, and dropped below).
        numbers = list(map(getattr, infos, repeat("number"), repeat(None)))
        id_births = list(map(getattr, infos, repeat("birth_date"), repeat(None)))
        days = {day: day.isoformat() for day in set(id_births).difference((None,))}
        values = list(map(tuple.__new__, repeat(Values), zip(
            tags, hardship, kept_values["household_phones"], household["contact_class"], household["representative"],
            household["household_notes"], household["unit_path"], household["unit_levels"], names, numbers,
            map(getattr, infos, repeat("sex"), repeat(None)), map(days.get, id_births), kept_values["relations"],
            ethnicities, kept_values["political"], texts["education"], texts["occupation"], kept_values["phones"],
            kept_values["residence"], kept_values["notes"])))
        rows = list(map(Row, (line for line, _ in kept), (cells for _, cells in kept), relations,
                        texts["household_number"], texts["grid"], texts["address"], values))
        for i, reason in refused.items():
            rows[i].reason, rows[i].values = reason, None
        self.rows.extend(rows)
        return rows

    @staticmethod
    def _unusual(too_long, columns, infos, names, sexes, births, relation_texts, relations, political, residence,
                 tags, hardship, household) -> list[int]:
        """The rows, in order, whose cells need more than the common case's checks: an error or a
        notice in any column, an ID number that differs from the sex or birth date typed, a
        note, a register entry, or a phone not written as a plain mobile number."""
        unusual = set(too_long)
        for values in (names, infos, sexes, births, household["contact_class"], household["representative"],
                       household["household_notes"], household["household_phone"]):
            unusual.update(_errors(values))
        id_cells = columns["id_number"]
        if not {str}.issuperset(map(type, id_cells)):  # a number is refused with its own reason
            unusual.update(k for k, v in enumerate(id_cells) if v.__class__ is not str)
        warned = list(map(getattr, infos, repeat("warnings"), repeat(())))
        upgraded = list(map(getattr, infos, repeat("upgraded_from"), repeat(None)))
        id_sexes = map(getattr, infos, repeat("sex"), repeat(None))
        id_births = map(getattr, infos, repeat("birth_date"), repeat(None))
        phones = columns["phone"]
        if {str}.issuperset(map(type, phones)):
            odd_phones = list(map(and_, map(bool, phones), map(not_, map(_CANONICAL_MOBILE.fullmatch, phones))))
        else:
            odd_phones = [not (p.__class__ is str and (p == "" or _CANONICAL_MOBILE.fullmatch(p))) for p in phones]
        for flags in (warned, upgraded, list(map(and_, map(bool, sexes), map(ne, sexes, id_sexes))),
                      list(map(and_, map(bool, births), map(ne, births, id_births))), odd_phones,
                      list(map(not_, relation_texts)), list(map(is_, relations, repeat(None))),
                      columns["notes"], tags, hardship, list(map(itemgetter(1), political)),
                      list(map(itemgetter(1), residence))):
            if any(flags):
                unusual.update(k for k, flag in enumerate(flags) if flag)
        return sorted(unusual)

    def _check_row(self, i: int, line: int, kept: dict[str, list], too_long: dict, columns: dict, info, sex, birth,
                   rel_text: str, household: dict, tags, hardship, political: tuple, residence: tuple) -> str | None:
        """Every check of row i, in the order a clerk is told of them, for a row that is not plain:
        the reason it is refused, or None with what is kept of it set in `kept` and a notice for
        each thing read differently from what was written."""
        notice = self.notices.append
        try:
            if i in too_long:
                raise too_long[i]
            name, id_value = kept["names"][i], columns["id_number"][i]
            if name.__class__ is ValidationError:
                raise name
            if isinstance(id_value, (int, float)) and not isinstance(id_value, bool):
                raise ValidationError("id_number", tr(
                    "身份证号码存成了数字（{v}），表格只保留15位有效数字，后几位已经丢失；"
                    "请把该列设为文本格式后重新录入这个号码").format(v=cell_text(id_value)))
            if info.__class__ is ValidationError:
                raise info
            if sex.__class__ is ValidationError:
                raise sex
            if birth.__class__ is ValidationError:
                notice(Notice(line, tr("{msg}；已按身份证号码中的出生日期登记").format(msg=birth.message)))
                birth = None
            if (sex and sex != info.sex) or (birth and birth != info.birth_date):
                check_consistency(info, sex=sex or None, birth_date=birth)
            if not rel_text:
                raise ValidationError("relation", tr("“与户主关系”为空，无法确定此人在户内的身份"))
            notes = columns["notes"][i]
            notes = check_length(clean_text(cell_text(notes), multiline=True), "notes") if notes else ""
            for field_ in ("contact_class", "representative", "household_notes"):
                if household[field_][i].__class__ is ValidationError:
                    raise household[field_][i]
            for cell in (tags, hardship):
                if cell.__class__ is ValidationError:
                    raise cell
            if tags:
                self.check_tag_scope(tags)
            if hardship:  # a household's hardship is as sensitive as a person's low_income
                self.check_tag_scope([tag_entries.TagEntry("low_income", None, None)])
        except ValidationError as exc:
            return exc.message
        for warning in info.warnings:
            notice(Notice(line, warning))
        if info.upgraded_from:
            notice(Notice(line, tr("15位旧身份证号码{old}已升级为18位{new}").format(
                old=info.upgraded_from, new=info.number)))
        if kept["relations"][i] is None:
            kept["relations"][i] = "other"
            notice(Notice(line, tr("与户主关系“{t}”无法识别，已登记为“其他”").format(t=rel_text)))
        phone = columns["phone"][i]
        if not (phone.__class__ is str and _CANONICAL_MOBILE.fullmatch(phone)):
            try:
                phone = normalize_phone(phone)
            except ValidationError as exc:
                phone = ""
                notice(Notice(line, tr("{msg}；电话未导入").format(msg=exc.message)))
        for message in (political[1], residence[1]):
            if message:
                notice(Notice(line, message))
        household_phone = household["household_phone"][i]
        if household_phone.__class__ is ValidationError:
            notice(Notice(line, tr("{msg}；户联系电话未导入").format(msg=household_phone.message)))
            household_phone = ""
        kept["phones"][i], kept["household_phones"][i], kept["notes"][i] = phone, household_phone, notes
        return None

    def check_tag_scope(self, entries) -> None:
        """A role that may not see a sensitive register may not fill it from a file either."""
        for entry in entries:
            if self.scope is not None and not self.scope.sees_tag(entry.tag):
                raise ValidationError("tags", tr("“{role}”角色不能导入“{tag}”这类敏感信息").format(
                    role=tr(self.scope.role_label), tag=tag_entries.label_of(entry.tag, self.labels)))

    @staticmethod
    def column(cells, make, table: dict | None = None) -> list:
        """make(cell) for each cell, computed once per distinct cell (table keeps them across
        calls); a ValidationError is returned in place of the value."""

        def made(value):
            try:
                return make(value)
            except ValidationError as exc:
                return exc

        table = {} if table is None else table
        if _KEYED.issuperset(map(type, cells)):  # the usual column: every cell text, a date or blank
            for value in set(cells).difference(table):
                table[value] = made(value)
            return list(map(table.__getitem__, cells))
        for value in {c for c in cells if c.__class__ in _KEYED}:
            if value not in table:
                table[value] = made(value)
        return [table[c] if c.__class__ in _KEYED else made(c) for c in cells]


def _errors(values: list) -> list[int]:
    """Where a column holds a ValidationError (the column is walked in Python only if it has one)."""
    if ValidationError not in map(type, values):
        return []
    return [k for k, value in enumerate(values) if value.__class__ is ValidationError]


def _names_person(cells, id_col: int, name_col: int, after_last_id: bool) -> bool:
    """A row without a clean ID number: not blank, not totals or notes, and naming someone."""
    id_value = cells[id_col] if id_col < len(cells) else ""
    if not any(cells) and not any(c not in ("", None) for c in cells):
        return False
    # Totals and notes start with a marker word in one of the first cells; look closer only then.
    if any(isinstance(c, str) and c.lstrip()[:1] in _MARKER_STARTS for c in cells[:4]):
        texts = [clean_text(c).replace(" ", "") for c in cells[:4] if isinstance(c, str) and c.strip()]
        if any(t.startswith(_TOTAL_WORDS) for t in texts) or (
                texts[0].startswith(_NOTE_WORDS) and not looks_like_id(id_value)):
            return False
    return not (id_value in ("", None) and (after_last_id or not clean_cell(
        cells[name_col] if name_col < len(cells) else "")))


def _notes(value: object) -> str:
    return check_length(clean_text(cell_text(value), multiline=True), "notes") if value else ""


def _ethnicity(value: object) -> str:
    text = clean_cell(value)
    return check_length(text + "族" if len(text) == 1 else text, "ethnicity")  # 汉 -> 汉族: rosters often drop the 族


def _limited(what: str):
    """clean_cell() and the length limit of a field (normalize.LIMITS)."""
    return lambda value: check_length(clean_cell(value), what)


_LIMITED = {"grid": _limited("grid"), "address": _limited("address"), "education": _limited("education"),
            "occupation": _limited("occupation")}


def _code_or_notice(name: str, value: object, lookup) -> tuple[str, str | None]:
    text = clean_cell(value)
    if not text:
        return "", None
    code = lookup(text)
    if code is None:
        return "", tr("{f}“{t}”无法识别，未导入该项").format(f=tr(FIELDS[name]), t=text)
    return code, None
