"""The one look of every workbook the product makes.

Official header block (issuing unit on the left, national motto on the right, place and date,
title, period lines), Times New Roman, Vietnamese number and date formats, frozen header rows,
autofilter on lists, A4 print set-up with the header row repeated on every page, Vietnamese
sheet names. Every workbook goes through `Workbook` and `Sheet`; nothing else styles cells.

Two modes:

* `Workbook()` builds in memory and `close()` returns a `BytesIO`: reports and small files.
* `Workbook(constant_memory=True)` streams: xlsxwriter keeps one row in memory and the file
  is assembled in an anonymous temporary file, which `close()` returns (rewound). Rows must
  then be written strictly top to bottom, which `Sheet` always does: the header block first,
  row by row, then the table, then the notes below it. Settings that need the table's extent
  (autofilter) are applied when the workbook is closed, which xlsxwriter allows in both modes.

Values are written by type, never guessed from text: `str` is always a text cell (an ID number
keeps its leading zeros; "=…" never becomes a formula), `date` a real date shown dd/mm/yyyy,
`int`/`float` a number in the column's format.
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, replace
from datetime import date
from io import BytesIO
from typing import IO, Iterable, Sequence

import xlsxwriter

from .. import official
from ..timeutil import today_local
from ..units.models import Unit

FONT = "Times New Roman"
FONT_SIZE = 12
MOTTO = official.MOTTO

# Number formats. `#,##0` follows the PC's regional settings (1,280 on an English Windows), so
# the thousands separator is a literal dot in conditional sections: 1.280 and 65.900.000đ
# whatever the locale. Excel allows two conditions, so values of a billion and more get their
# own format (`number_kind` picks it by magnitude when the cell is written).
_INT = r"[>=1000000]#\.###\.##0;[>=1000]#\.##0;0"
_INT_BIG = r"[>=1000000000000]#\.###\.###\.###\.##0;#\.###\.###\.##0"
_MONEY = r'[>=1000000]#\.###\.##0"đ";[>=1000]#\.##0"đ";0"đ"'
_MONEY_BIG = r'[>=1000000000000]#\.###\.###\.###\.##0"đ";#\.###\.###\.##0"đ"'
NUM_FORMATS = {
    "text": "General",
    "id": "@",          # ID numbers, unit codes: text, so leading zeros stay
    "int": _INT,
    "year": "0",        # a year alone: 1990, not 1.990
    "date": "dd/mm/yyyy",
    "money": _MONEY,
    "center": "General",
    "int_big": _INT_BIG,
    "money_big": _MONEY_BIG,
}
BILLION = 1_000_000_000


def number_kind(kind: str, value) -> str:
    """The format of a number: a billion and more gets the wide one."""
    if kind in ("int", "money") and value >= BILLION:
        return kind + "_big"
    return kind
KINDS = tuple(NUM_FORMATS)
ALIGN = {"id": "center", "year": "center", "date": "center", "center": "center"}

# The format of a number or a text in a column of each kind (see `Sheet.row`).
_NUMBER_KIND = {"money": "money", "int": "int", "year": "year",
                "date": "year",     # a birth year where the date is unknown
                "center": "year"}   # a row number
_TEXT_KIND = {"id": "id", "center": "center"}

# Excel: at most 31 characters, none of []:*?/\ and no leading or trailing apostrophe.
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MAX_ROW_HEIGHT = 409  # points, Excel's limit
LINE_HEIGHT = 15.75   # points per line of 12 pt Times New Roman (Excel's own row height)
MAX_CELL_CHARS = 32767
# Printable width of A4 in characters with our margins: {landscape: width}.
PAGE_WIDTH = {False: 95, True: 140}


@dataclass(frozen=True)
class Column:
    """One column of a table: header label, width (in characters) and kind of value."""

    label: str
    width: float = 14
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def as_column(spec) -> Column:
    if isinstance(spec, Column):
        return spec
    return Column(*spec)


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique (ignoring case) Excel sheet name close to `name`."""
    clean = _BAD_SHEET_CHARS.sub("-", name or "").strip().strip("'").strip() or "Trang tính"
    clean = clean[:31].rstrip()
    used = {t.lower() for t in taken}
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = clean[:31 - len(suffix)].rstrip() + suffix
        n += 1
    return candidate


def estimate_lines(text: str, width: float, indent: int = 0) -> int:
    """How many lines `text` takes in a wrapped cell `width` characters wide: a greedy word
    wrap, a little pessimistic (neither Excel nor LibreOffice grows a row by itself when the
    file is opened, so the heights are written with the rows)."""
    per_line = max(int(width - 1 - 2 * indent), 1)
    lines = 0
    for paragraph in str(text).split("\n"):
        used, count = 0, 1
        for word in paragraph.split():
            size = len(word)
            if used and used + 1 + size > per_line:
                count, used = count + 1, 0
            if size > per_line:  # a long word breaks anywhere
                count += (used + size - 1) // per_line
                used = (used + size) % per_line
            else:
                used += size + (1 if used else 0)
        lines += count
    return max(lines, 1)


def row_height(lines: int, font_size: float = FONT_SIZE) -> float:
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT * font_size / FONT_SIZE + 3)


class Sheet:
    """A worksheet with the official header block and one table below it.

    `unit` heads the sheet (its parent, or the agency, above it); `period` is one line or
    several under the title; `columns` are `Column`s or (label, width[, kind]) tuples.
    Options: `landscape`; `autofilter` (lists: on the header row and the data rows);
    `fit_width` (print one page wide; False for very wide tables, whose header block then
    stays on the first page); `freeze_columns` (besides the header rows, always frozen);
    `groups` ((label, first column, last column) for a header row above the column labels);
    `issued_on` (the date after the place name; today by default); `rules_on` (the day whose
    issuing agency heads the sheet: a report's period end; `issued_on` by default);
    `number` and `kind` (the số/ký hiệu line, "Số: 12/BC-CAX"; `numbered=False` leaves it
    out, as on a register); `form` (a statistical form's
    code, "01-BCN": its Circular 05/2011 lines under the title).

    Write with `row()` (table rows), then optionally `note()`, `blank()`, `signatures()`.
    `next_row` is the row the next call writes (the first data row right after creation).
    """

    def __init__(self, book: Workbook, name: str, unit: Unit, title: str,
                 period: str | Sequence[str], columns: Sequence, *, landscape: bool = False,
                 autofilter: bool = False, fit_width: bool = True, freeze_columns: int = 0,
                 groups: Sequence[tuple[str, int, int]] = (), issued_on: date | None = None,
                 header_height: float | None = None, rules_on: date | None = None,
                 number: str | None = None, kind: str = "BC", form: str | None = None,
                 numbered: bool = True):
        self.book = book
        self.columns = [as_column(c) for c in columns]
        if len(self.columns) < 2:
            raise ValueError("a sheet needs at least two columns for the header block")
        self.name = sheet_name(name, book.sheet_names)
        self.ws = book.wb.add_worksheet(self.name)
        self.ncols = len(self.columns)
        self.last_col = self.ncols - 1
        self.autofilter = autofilter
        self.next_row = 0
        self.data_rows = 0
        self.last_data_row: int | None = None
        widths = [c.width for c in self.columns]
        # The header block, title and notes span the table, or, when the table is printed
        # over several pages across, the columns of the first page.
        self.block_last = self.last_col
        if not fit_width:
            self.block_last = _columns_within(widths, PAGE_WIDTH[landscape])
        self.total_width = sum(widths[:self.block_last + 1])
        self.split = _split(widths[:self.block_last + 1])
        self._setup_page(landscape, fit_width)
        for i, column in enumerate(self.columns):
            self.ws.set_column(i, i, column.width, book.column_fmt(column.kind))
        issued_on = issued_on if issued_on is not None else today_local()
        head = official.heading(unit, rules_on or issued_on, kind=kind, number=number,
                                dated=issued_on)
        if not numbered:  # a register, a list: no số/ký hiệu line
            head = replace(head, number="")
        self._header_block(head, title, [period] if isinstance(period, str) else list(period))
        if form:
            self._form_block(official.form_lines(form, unit, rules_on or issued_on))
        self._table_header(groups, header_height)
        self.ws.freeze_panes(self.next_row, freeze_columns)

    # --- set-up ---------------------------------------------------------------------------

    def _setup_page(self, landscape: bool, fit_width: bool) -> None:
        ws = self.ws
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        if fit_width:
            ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
        ws.set_margins(left=0.6, right=0.4, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.set_footer(f'&C&"{FONT},Regular"&10Trang &P/&N')

    def _span(self, row: int, first: int, last: int, text: str, fmt) -> None:
        if first == last:
            self.ws.write_string(row, first, text, fmt)
        else:
            self.ws.merge_range(row, first, row, last, text, fmt)

    def _header_block(self, head: official.Heading, title: str, periods: list[str]) -> None:
        f, left, right = self.book.formats, self.split, self.split + 1
        if head.above:
            self._span(0, 0, left, head.above, f["issuer"])
        self._span(0, right, self.block_last, MOTTO[0], f["motto"])
        self._span(1, 0, left, head.issuer, f["issuer_bold"])
        self._span(1, right, self.block_last, MOTTO[1], f["motto_sub"])
        if head.number:
            self._span(2, 0, left, head.number, f["issuer"])
        self._span(2, right, self.block_last, head.place_date, f["issued"])
        self.next_row = 4  # row 3 stays empty
        self.note(title, "title")
        for line in periods:
            if line:
                self.note(line, "period")
        self.next_row += 1

    def _form_block(self, lines: list[str]) -> None:
        """Circular 05/2011's lines: the form and circular left, the bodies right."""
        f, left, right = self.book.formats, self.split, self.split + 1
        pairs = [(lines[0], lines[2] if len(lines) > 2 else ""),
                 (lines[1], lines[3] if len(lines) > 3 else "")]
        for first, second in pairs:
            self._span(self.next_row, 0, left, first, f["form"])
            self._span(self.next_row, right, self.block_last, second, f["form"])
            self.next_row += 1
        self.next_row += 1

    def _table_header(self, groups, header_height) -> None:
        f = self.book.formats
        if groups:
            covered = set()
            lines = max(estimate_lines(label, sum(c.width for c in self.columns[first:last + 1]))
                        for label, first, last in groups)
            self.ws.set_row(self.next_row, row_height(lines) + 3)
            for label, first, last in groups:
                self._span(self.next_row, first, last, label, f["th"])
                covered.update(range(first, last + 1))
            for col in range(self.ncols):
                if col not in covered:
                    self.ws.write_blank(self.next_row, col, None, f["th"])
            self.next_row += 1
        lines = max(estimate_lines(c.label, c.width) for c in self.columns)
        height = header_height or row_height(lines) + 3
        self.ws.set_row(self.next_row, height)
        for i, column in enumerate(self.columns):
            self.ws.write_string(self.next_row, i, column.label, f["th"])
        self.header_row = self.next_row
        self.first_header_row = self.header_row - (1 if groups else 0)
        self.ws.repeat_rows(self.first_header_row, self.header_row)
        self.next_row += 1

    # --- writing --------------------------------------------------------------------------

    def row(self, values: Sequence, style: str | None = None, indent: Sequence[int] = (),
            kinds: Sequence[str | None] = ()) -> None:
        """One table row. `style`: None, "section" (a heading row) or "total" (bold figures).

        `indent` gives an indent level per cell (sub-items of a report); `kinds` overrides the
        column's kind per cell (say, money in a column of counts)."""
        count = len(values)
        if count > self.ncols:
            raise ValueError(f"{count} values for {self.ncols} columns")
        r, ws, fmt, columns = self.next_row, self.ws, self.book.fmt, self.columns
        cells, lines = [], 1
        for i in range(self.ncols):
            value = values[i] if i < count else None
            kind = (kinds[i] if i < len(kinds) else None) or columns[i].kind
            level = indent[i] if i < len(indent) else 0
            if value is None or value == "":
                cells.append((ws.write_blank, None, fmt(kind, style, level)))
            elif isinstance(value, str):
                if kind == "text":
                    width = columns[i].width
                    if len(value) >= width - 1 - 2 * level or "\n" in value:
                        lines = max(lines, estimate_lines(value, width, level))
                    cells.append((ws.write_string, value[:MAX_CELL_CHARS],
                                  fmt("text", style, level)))
                else:
                    cells.append((ws.write_string, value[:MAX_CELL_CHARS],
                                  fmt(_TEXT_KIND.get(kind, "text"), style, level)))
            elif isinstance(value, bool):
                cells.append((ws.write_string, "Có" if value else "Không", fmt("center", style)))
            elif isinstance(value, date):  # datetime too
                cells.append((ws.write_datetime, value, fmt("date", style)))
            elif isinstance(value, (int, float)):
                number = number_kind(_NUMBER_KIND.get(kind, "int"), value)
                cells.append((ws.write_number, value, fmt(number, style)))
            else:
                cells.append((ws.write_string, str(value)[:MAX_CELL_CHARS],
                              fmt("text", style, level)))
        if lines > 1:
            ws.set_row(r, row_height(lines))
        for i, (write, value, cell_format) in enumerate(cells):
            write(r, i, value, cell_format)
        if style is None:
            self.data_rows += 1
            self.last_data_row = r
        self.next_row += 1

    def rows(self, rows: Iterable[Sequence]) -> int:
        """Many plain table rows (no style, indent or per-cell kinds): the same cells as
        `row()` writes, with each column's formats looked up once; returns how many.

        The common types (str, None, date, int, float) are told apart by their exact class,
        one test each; anything else (bool, datetime, a subclass) goes the way `row()` goes."""
        ws, fmt, ncols = self.ws, self.book.fmt, self.ncols
        plan = []
        for column in self.columns:
            kind = column.kind
            number = _NUMBER_KIND.get(kind, "int")
            plan.append((fmt("text") if kind == "text" else fmt(_TEXT_KIND.get(kind, "text")),
                         fmt(kind), fmt(number), fmt(number_kind(number, BILLION))))
        # The wrapped (text) columns, whose long values make a taller row.
        wrapped = [(i, column.width - 1, column.width) for i, column in enumerate(self.columns)
                   if column.kind == "text"]
        date_fmt, bool_fmt, text_fmt = fmt("date"), fmt("center"), fmt("text")
        # xlsxwriter's undecorated writers, which its public ones call after reading the cell
        # as A1 notation when it is not two numbers: a call per cell this table never needs
        # (the public ones should a later version drop them).
        write_string = getattr(ws, "_write_string", ws.write_string)
        write_blank = getattr(ws, "_write_blank", ws.write_blank)
        write_number = getattr(ws, "_write_number", ws.write_number)
        write_datetime = getattr(ws, "_write_datetime", ws.write_datetime)
        set_row = ws.set_row
        padding = [None] * ncols
        first = r = self.next_row
        try:
            for values in rows:
                size = len(values)
                if size != ncols:
                    if size > ncols:
                        raise ValueError(f"{size} values for {ncols} columns")
                    values = [*values, *padding[size:]]
                lines = 1
                for i, limit, width in wrapped:
                    value = values[i]
                    if value.__class__ is str and (len(value) >= limit or "\n" in value):
                        lines = max(lines, estimate_lines(value, width))
                if lines > 1:
                    set_row(r, row_height(lines))
                i = 0
                for value, (string_fmt, blank_fmt, number_fmt, big_fmt) in zip(values, plan):
                    cls = value.__class__
                    if cls is str:
                        if value:
                            write_string(r, i, value if len(value) <= MAX_CELL_CHARS
                                         else value[:MAX_CELL_CHARS], string_fmt)
                        else:
                            write_blank(r, i, None, blank_fmt)
                    elif value is None:
                        write_blank(r, i, None, blank_fmt)
                    elif cls is date:
                        write_datetime(r, i, value, date_fmt)
                    elif cls is int or cls is float:
                        write_number(r, i, value, number_fmt if value < BILLION else big_fmt)
                    elif value == "":
                        write_blank(r, i, None, blank_fmt)
                    elif isinstance(value, str):
                        write_string(r, i, value[:MAX_CELL_CHARS], string_fmt)
                    elif isinstance(value, bool):
                        write_string(r, i, "Có" if value else "Không", bool_fmt)
                    elif isinstance(value, date):
                        write_datetime(r, i, value, date_fmt)
                    elif isinstance(value, (int, float)):
                        write_number(r, i, value, number_fmt if value < BILLION else big_fmt)
                    else:
                        write_string(r, i, str(value)[:MAX_CELL_CHARS], text_fmt)
                    i += 1
                r += 1
        finally:  # what was written stays counted, should a row or the query fail
            if r > first:
                self.data_rows += r - first
                self.last_data_row = r - 1
                self.next_row = r
        return r - first

    def note(self, text: str, style: str = "text", height: float | None = None) -> None:
        """A line across the whole width, outside the table (title, period, paragraphs).

        Long text is split into several rows so none exceeds Excel's row height limit."""
        fmt = self.book.formats[style]
        chunks = _chunks(str(text or ""), self.total_width) if style == "text" else [text]
        for chunk in chunks:
            size = 14 if style == "title" else FONT_SIZE
            lines = estimate_lines(chunk, self.total_width * FONT_SIZE / size)
            if height is not None:
                self.ws.set_row(self.next_row, height)
            elif lines > 1 or style == "title":
                self.ws.set_row(self.next_row, row_height(lines, size))
            self._span(self.next_row, 0, self.block_last, chunk, fmt)
            self.next_row += 1

    def blank(self, count: int = 1) -> None:
        self.next_row += count

    def signatures(self, left, right) -> None:
        """Signature blocks: `official.Signature`s, or (TITLE, "(Ký, ghi rõ họ tên)") tuples,
        each side with room to sign and the signer's name below when known."""
        f = self.book.formats
        sides = [official.Signature(*s) if isinstance(s, tuple) else s for s in (left, right)]
        spans = ((0, self.split), (self.split + 1, self.block_last))
        self.blank()
        lines = [("above", "sign"), ("title", "sign"), ("hint", "sign_hint")]
        for attribute, style in lines:
            if any(side and getattr(side, attribute) for side in sides):
                for side, (first, last) in zip(sides, spans):
                    if side and getattr(side, attribute):
                        self._span(self.next_row, first, last, getattr(side, attribute), f[style])
                self.next_row += 1
        if any(side and side.name for side in sides):
            self.next_row += 3  # room for the signature and the seal
            for side, (first, last) in zip(sides, spans):
                if side and side.name:
                    self._span(self.next_row, first, last, side.name, f["sign"])
            self.next_row += 1

    def finish(self) -> None:
        if self.autofilter:
            last = self.last_data_row if self.last_data_row is not None else self.header_row
            self.ws.autofilter(self.header_row, 0, last, self.last_col)


class Workbook:
    """`with`-less on purpose: call `close()` to get the file (always, even for errors)."""

    def __init__(self, constant_memory: bool = False, title: str | None = None):
        self.constant_memory = constant_memory
        options = {"strings_to_formulas": False, "strings_to_urls": False,
                   "strings_to_numbers": False, "default_date_format": NUM_FORMATS["date"]}
        if constant_memory:
            # Anonymous file on disk: deleted by the OS when closed, whatever happens.
            self.stream: IO[bytes] = tempfile.TemporaryFile(prefix="export-", suffix=".xlsx")
            options.update(constant_memory=True, tmpdir=tempfile.gettempdir())
        else:
            self.stream = BytesIO()
            options.update(in_memory=True)
        self.wb = xlsxwriter.Workbook(self.stream, options)
        self.wb.set_properties({"title": title or ""})
        self.sheets: list[Sheet] = []
        self._formats: dict = {}
        base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "vcenter"}
        add = lambda **kw: self.wb.add_format({**base, **kw})  # noqa: E731
        self.formats = {
            "issuer": add(align="center"),
            "issuer_bold": add(align="center", bold=True),
            "motto": add(align="center", bold=True),
            "motto_sub": add(align="center", bold=True, underline=1),
            "issued": add(align="center", italic=True),
            "title": add(align="center", bold=True, font_size=14, text_wrap=True),
            "period": add(align="center", italic=True, text_wrap=True),
            "heading": add(bold=True, text_wrap=True, valign="top"),
            "text": add(text_wrap=True, valign="top", align="justify"),
            "italic": add(italic=True, text_wrap=True, valign="top"),
            "th": add(bold=True, border=1, align="center", text_wrap=True, bg_color="#E7E6E6"),
            "sign": add(align="center", bold=True),
            "sign_hint": add(align="center", italic=True),
            "form": add(italic=True, font_size=11, text_wrap=True),
        }
        # The workbook's default style too, for cells typed in later by the user.
        self.wb.formats[0].set_font_name(FONT)

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def column_fmt(self, kind: str):
        """A column's default: the font and number format, no borders."""
        key = ("column", kind)
        if key not in self._formats:
            self._formats[key] = self.wb.add_format({"font_name": FONT, "font_size": FONT_SIZE,
                                                     "num_format": NUM_FORMATS[kind]})
        return self._formats[key]

    def fmt(self, kind: str, style: str | None = None, indent: int = 0):
        """The cell format for a kind of value in a row style, created once."""
        key = (kind, style, indent)
        found = self._formats.get(key)
        if found is not None:
            return found
        if key not in self._formats:
            props = {"font_name": FONT, "font_size": FONT_SIZE, "border": 1, "valign": "top",
                     "num_format": NUM_FORMATS[kind]}
            if kind in ALIGN:
                props["align"] = ALIGN[kind]
            if kind == "text":
                props["text_wrap"] = True
            if indent:
                props.update(indent=indent, align="left")
            if style in ("section", "total"):
                props["bold"] = True
            if style == "section":
                props["bg_color"] = "#F2F2F2"
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def sheet(self, name: str, unit: Unit, title: str, period: str | Sequence[str],
              columns: Sequence, **options) -> Sheet:
        sheet = Sheet(self, name, unit, title, period, columns, **options)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> IO[bytes]:
        """Finish every sheet, write the file and return it rewound, ready to send."""
        for sheet in self.sheets:
            sheet.finish()
        self.wb.close()
        self.stream.seek(0)
        return self.stream


def _columns_within(widths: Sequence[float], limit: float) -> int:
    """Index of the last column that still fits in `limit` characters (at least the second)."""
    acc = 0.0
    for i, width in enumerate(widths):
        acc += width
        if acc > limit:
            return max(i - 1, 1)
    return len(widths) - 1


def _split(widths: Sequence[float]) -> int:
    """Last column of the header's left block: about 40 % of the width, at least one column
    on each side."""
    total, acc = sum(widths), 0.0
    for i, width in enumerate(widths[:-1]):
        acc += width
        if acc >= total * 0.4:
            return i
    return len(widths) - 2


def _chunks(text: str, width: float) -> list[str]:
    """Paragraphs short enough for one row each (Excel never grows a merged row by itself)."""
    if not text:
        return [""]
    per_row = max(int(width - 1), 1) * int((MAX_ROW_HEIGHT - 3) // LINE_HEIGHT - 2)
    out: list[str] = []
    for paragraph in text.split("\n"):
        while len(paragraph) > per_row:
            cut = paragraph.rfind(" ", 0, per_row)
            cut = cut if cut > per_row // 2 else per_row
            out.append(paragraph[:cut])
            paragraph = paragraph[cut:].lstrip()
        out.append(paragraph)
    return out
