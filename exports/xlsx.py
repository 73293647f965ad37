"""A small streaming SpreadsheetML writer for the office workbooks (summary, notice, assessment, roster).

openpyxl spends about 15 µs on every cell, even in write-only mode with no style: the monthly
summary of a 50,000-household office has 350,000 cells (5,500 staff rows on four sheets), which
is 7 s bare and 16 s styled there. Cells here are formatted straight into XML text, about 1 µs each.
It writes only what the office layout needs: inline strings, numbers, formulas, a handful of cell
styles, merged cells, column widths, row heights, a frozen header, A4 page setup with repeated
header rows and a footer. openpyxl, LibreOffice and Excel read the files. A sheet too long to
hold (the roster: 150,000 persons) streams its unstyled rows of text (RowStream) into a byte
sink such as tempfiles.Spool as they come, and they are replayed into the zip at save.

Text is always a text cell, whatever it begins with: a live formula is only what the program
wraps in Formula. Text a spreadsheet would take for a formula (gridoffice.formulas) is also
marked quote-prefixed, so editing the cell keeps it text."""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from gridoffice.formulas import looks_like_formula, row_needs_care
from gridoffice.normalize import strip_unsafe

_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_FONTS = {"normal": "<font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
          "bold": "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
          "title": "<font><b/><sz val=\"15\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"}
_ALIGN = {"center": '<alignment horizontal="center" vertical="center" wrapText="1"/>',
          "title": '<alignment horizontal="center" vertical="center"/>',
          "wrap": '<alignment vertical="center" wrapText="1"/>'}
# What XML must escape, and a cell beginning or ending with a space (kept by xml:space), in a row's
# texts joined after and before NUL separators.
_XML_CARE = re.compile(r"[&<>]|\s\x00|\x00\s")
# zipfile refuses a member past 2 GiB unless told it may be one beforehand; Excel asks to "repair"
# a file with ZIP64 records it did not need, so only a sheet that size gets them.
_ZIP64_FROM = 1 << 31


class Formula(str):
    """A live formula the program writes itself, with its leading '=': the only text written as
    a formula (a name or an address that begins with '=' stays text)."""
    __slots__ = ()


@dataclass(frozen=True)
class Style:
    """A cell style: font 'normal'|'bold'|'title', fill an RGB hex or None, a thin grey border or
    not, a number format or None, alignment None|'center'|'title'|'wrap'; quote_prefix marks text
    that must stay text when edited (the writer adds it where needed)."""
    font: str = "normal"
    fill: str | None = None
    border: bool = False
    number_format: str | None = None
    align: str | None = None
    quote_prefix: bool = False


@dataclass
class Sheet:
    title: str
    rows: dict[int, tuple[list, list]] = field(default_factory=dict)  # row number -> (values, style ids)
    widths: dict[int, float] = field(default_factory=dict)  # 1-based column -> width
    heights: dict[int, float] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)
    freeze: str | None = None                               # top-left cell of the scrolling pane
    print_title_rows: str | None = None                     # "1:3"
    landscape: bool = True
    footer: tuple[str, str, str] | None = None              # left, centre, right (&P, &N allowed)
    fit_width: bool = False
    stream: "RowStream | None" = None                       # rows below `rows`, already XML

    def set(self, row: int, col: int, value, style: int = 0) -> None:
        values, styles = self.rows.setdefault(row, ([], []))
        if len(values) < col:
            values.extend([None] * (col - len(values)))
            styles.extend([0] * (col - len(styles)))
        values[col - 1], styles[col - 1] = value, style

    def append_rows(self, first: int, rows, styles_of) -> None:
        """Rows from row `first`; styles_of(index) gives the style ids of that row's columns."""
        for i, values in enumerate(rows):
            self.rows[first + i] = (values, styles_of(i))


class Workbook:
    def __init__(self) -> None:
        self.sheets: list[Sheet] = []
        self._styles: dict[Style, int] = {Style(): 0}

    def create_sheet(self, title: str) -> Sheet:
        ws = Sheet(title)
        self.sheets.append(ws)
        return ws

    def style(self, style: Style) -> int:
        """The id of a style (registered once): cells carry only this number."""
        return self._styles.setdefault(style, len(self._styles))

    def stream(self, ws: Sheet, out, width: int) -> "RowStream":
        """Rows of `width` unstyled cells, below every row set so far, written into `out` (bytes:
        write(), then replay() at save) as they come instead of held."""
        ws.stream = RowStream(out, max(ws.rows, default=0) + 1, width, self.style(Style(quote_prefix=True)))
        return ws.stream

    def save(self, path) -> None:
        # Each style's quote-prefixed twin, registered before styles.xml is written.
        quoted = [self.style(replace(s, quote_prefix=True)) for s in sorted(self._styles, key=self._styles.get)]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            z.writestr("[Content_Types].xml", self._content_types())
            z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?>'
                       '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                       "</Relationships>")
            z.writestr("xl/workbook.xml", self._workbook())
            z.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
            z.writestr("xl/styles.xml", self._stylesheet())
            for i, ws in enumerate(self.sheets, start=1):
                big = ws.stream is not None and ws.stream.size > _ZIP64_FROM - (64 << 20)
                with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=big) as f:
                    for chunk in _sheet_xml(ws, quoted):
                        f.write(chunk if chunk.__class__ is bytes else chunk.encode("utf-8"))

    def _content_types(self) -> str:
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                         for i in range(1, len(self.sheets) + 1))
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{sheets}</Types>")

    def _workbook(self) -> str:
        sheets = "".join(f'<sheet name={quoteattr(ws.title)} sheetId="{i}" r:id="rId{i}"/>'
                         for i, ws in enumerate(self.sheets, start=1))
        names = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
            f"{escape(_quote_sheet(ws.title))}!${ws.print_title_rows.replace(':', ':$')}</definedName>"
            for i, ws in enumerate(self.sheets) if ws.print_title_rows)
        return (f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS}><bookViews><workbookView/></bookViews>'
                f"<sheets>{sheets}</sheets>{f'<definedNames>{names}</definedNames>' if names else ''}</workbook>")

    def _workbook_rels(self) -> str:
        n = len(self.sheets)
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, n + 1))
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'{rels}<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')

    def _stylesheet(self) -> str:
        fonts, fills, formats = list(_FONTS), [None, "gray125"], []
        xfs = []
        for s in sorted(self._styles, key=self._styles.get):
            if s.fill not in fills:
                fills.append(s.fill)
            if s.number_format and s.number_format not in formats:
                formats.append(s.number_format)
            num = 164 + formats.index(s.number_format) if s.number_format else 0
            align = _ALIGN[s.align] if s.align else ""
            quote = ' quotePrefix="1"' if s.quote_prefix else ""
            xfs.append(f'<xf numFmtId="{num}" fontId="{fonts.index(s.font)}" fillId="{fills.index(s.fill)}" '
                       f'borderId="{int(s.border)}" xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1" '
                       f'applyBorder="1" applyAlignment="{int(bool(align))}"{quote}>{align}</xf>')
        fill_xml = ['<fill><patternFill patternType="none"/></fill>',
                    '<fill><patternFill patternType="gray125"/></fill>']
        fill_xml += [f'<fill><patternFill patternType="solid"><fgColor rgb="FF{f}"/><bgColor indexed="64"/>'
                     "</patternFill></fill>" for f in fills[2:]]
        side = "".join(f'<{k} style="thin"><color rgb="FF666666"/></{k}>' for k in ("left", "right", "top", "bottom"))
        nums = "".join(f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(f)}/>' for i, f in enumerate(formats))
        nums = f'<numFmts count="{len(formats)}">{nums}</numFmts>' if formats else ""
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                f'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f"{nums}"
                f'<fonts count="{len(fonts)}">{"".join(_FONTS[f] for f in fonts)}</fonts>'
                f'<fills count="{len(fill_xml)}">{"".join(fill_xml)}</fills>'
                f'<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
                f"<border>{side}<diagonal/></border></borders>"
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                "</styleSheet>")


def _quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _cell(ref: str, value, style: int, quoted: list[int]) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style else ""
    if value is True or value is False:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float) and not math.isfinite(value):
        # NaN and infinity have no spelling in SpreadsheetML: Excel would call the file damaged.
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, dt.date):
        value = value.isoformat()
    if value.__class__ is Formula:
        return f'<c r="{ref}"{s}><f>{escape(value[1:])}</f></c>'
    # Old files may hold characters XML forbids; one of them would make the whole file unreadable.
    text = strip_unsafe(str(value))
    if looks_like_formula(text):
        s = f' s="{quoted[style]}"'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


class RowStream:
    """Rows of texts (a roster's), formatted as they come into `out`, which keeps the bytes until the
    sheet is saved (tempfiles.Spool: compressed, encrypted, beside the target). Cells carry no style;
    text is always a text cell, quote-prefixed (style `quoted`) where it looks like a formula."""

    def __init__(self, out, first_row: int, width: int, quoted: int):
        self.out, self.next_row, self.size = out, first_row, 0
        self.letters = [get_column_letter(c) for c in range(1, width + 1)]
        self.quoted = [quoted]

    def append(self, rows) -> None:
        """A batch of rows (sequences of str; any other value takes the general path)."""
        letters, out, r = self.letters, [], self.next_row
        for row in rows:
            rs = str(r)
            try:
                plain = not row_needs_care(row) and not _XML_CARE.search("\x00" + "\x00".join(row) + "\x00")
            except TypeError:  # a value that is not text
                plain = False
            if plain:
                # Most rows: texts that need no escaping, no xml:space and no quote prefix.
                out.append(f'<row r="{rs}">' + "".join([f'<c r="{c}{rs}" t="inlineStr"><is><t>{v}</t></is></c>'
                                                        for c, v in zip(letters, row) if v]) + "</row>")
            else:
                out.append(f'<row r="{rs}">' + "".join([_cell(c + rs, v, 0, self.quoted) for c, v in zip(letters, row)])
                           + "</row>")
            r += 1
        self.next_row = r
        data = "".join(out).encode("utf-8")
        self.size += len(data)
        self.out.write(data)


def _sheet_xml(ws: Sheet, quoted: list[int]):
    width = max((len(v) for v, _ in ws.rows.values()), default=1)
    last = max(ws.rows, default=1)
    if ws.stream is not None:
        width, last = max(width, len(ws.stream.letters)), max(last, ws.stream.next_row - 1)
    letters = [get_column_letter(c) for c in range(1, width + 1)]
    pr = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if ws.fit_width else ""
    view = '<sheetView workbookViewId="0"/>'
    if ws.freeze:
        letter, row = coordinate_from_string(ws.freeze)
        col, row = column_index_from_string(letter) - 1, row - 1
        split = (f'xSplit="{col}" ' if col else "") + (f'ySplit="{row}" ' if row else "")
        pane = "bottomRight" if col and row else ("bottomLeft" if row else "topRight")
        view = (f'<sheetView workbookViewId="0"><pane {split}topLeftCell="{ws.freeze}" activePane="{pane}" '
                f'state="frozen"/><selection pane="{pane}" activeCell="{ws.freeze}" sqref="{ws.freeze}"/></sheetView>')
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(ws.widths.items()))
    yield (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>{pr}'
           f'<dimension ref="A1:{letters[-1]}{last}"/><sheetViews>{view}</sheetViews>'
           f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')
    heights = ws.heights
    out = []
    for r in sorted(ws.rows):
        values, styles = ws.rows[r]
        rs = str(r)
        ht = f' ht="{heights[r]}" customHeight="1"' if r in heights else ""
        out.append(f'<row r="{r}"{ht}>')
        for c, v in enumerate(values):
            # Numbers are most of the cells: formatted here without a call.
            if type(v) is int or (type(v) is float and math.isfinite(v)):
                out.append(f'<c r="{letters[c]}{rs}" s="{styles[c]}"><v>{v!r}</v></c>')
            else:
                out.append(_cell(letters[c] + rs, v, styles[c], quoted))
        out.append("</row>")
        if len(out) >= 5000:
            yield "".join(out)
            out = []
    yield "".join(out)
    if ws.stream is not None:
        yield from ws.stream.out.replay()
    yield "</sheetData>"
    if ws.merged:
        refs = "".join(f'<mergeCell ref="{m}"/>' for m in ws.merged)
        yield f'<mergeCells count="{len(ws.merged)}">{refs}</mergeCells>'
    fit = ' fitToWidth="1" fitToHeight="0"' if ws.fit_width else ""
    setup = (f'<printOptions horizontalCentered="1"/>'
             '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
             f'<pageSetup paperSize="9" orientation="{"landscape" if ws.landscape else "portrait"}"{fit}/>')
    if ws.footer:
        left, centre, right = ws.footer
        text = strip_unsafe(f"&L{left}&C{centre}&R{right}")
        setup += f"<headerFooter><oddFooter>{escape(text)}</oddFooter></headerFooter>"
    yield setup + "</worksheet>"
