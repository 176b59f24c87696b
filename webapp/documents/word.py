"""Word documents in the layout of Decree 30/2020/NĐ-CP, Appendix I.

python-docx builds them in code (a maintained library: docxtpl would keep each form as a Word
template, but the forms here share one heading and closing computed by `webapp.official`, and
a template an administrator edits by hand could silently lose the số/ký hiệu line or the
signature block; building in code keeps every form's shape tested).

A4 portrait, margins 20 mm top and bottom, 30 mm left, 15 mm right; Times New Roman 13 pt;
the heading as a borderless two-column table (issuing body left, motto right), the title
centred in bold, the body justified with a first-line indent, then nơi nhận on the left and
the signature block on the right.
"""
from __future__ import annotations

from io import BytesIO
from typing import Sequence

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from ..official import Heading, Recipients, Signature

FONT = "Times New Roman"
SIZE = Pt(13)
CONTENT_WIDTH = Mm(210 - 30 - 15)
ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}


def _font(run, size=None, bold=False, italic=False, underline=False) -> None:
    run.font.name = FONT
    run.font.size = size or SIZE
    run.bold, run.italic, run.underline = bold, italic, underline
    # Word picks the East Asian font for some Vietnamese letters unless it is set too.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _widths(table, widths) -> None:
    """Column widths that Word and LibreOffice both honour: the grid and every cell."""
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _short_rule(cell, width_share: float = 0.4) -> None:
    """The short line under the issuing body and under the motto: a bottom border on an
    empty paragraph indented from both sides."""
    paragraph = cell.add_paragraph()
    indent = Mm((cell.width.mm if cell.width else 80) * (1 - width_share) / 2)
    paragraph.paragraph_format.left_indent = indent
    paragraph.paragraph_format.right_indent = indent
    paragraph.paragraph_format.space_after = Pt(2)
    p_pr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    p_pr.append(border)
    run = paragraph.add_run()
    _font(run, Pt(2))


def _line(cell_or_doc, text: str, *, size=None, bold=False, italic=False, align="center",
          first: bool = False, space_after: float = 0):
    paragraph = (cell_or_doc.paragraphs[0] if first and cell_or_doc.paragraphs
                 else cell_or_doc.add_paragraph())
    paragraph.alignment = ALIGN[align]
    paragraph.paragraph_format.space_after = Pt(space_after)
    paragraph.paragraph_format.space_before = Pt(0)
    run = paragraph.add_run(text)
    _font(run, size, bold, italic)
    return paragraph


class OfficialDocument:
    """One document: `heading` and title first, then body calls, then `closing`, `save`."""

    def __init__(self, head: Heading, title: str, subtitle: str | None = None,
                 core_title: str | None = None):
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        style = self.doc.styles["Normal"]
        style.font.name, style.font.size = FONT, SIZE
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        style.paragraph_format.space_after = Pt(0)
        self.doc.core_properties.title = core_title or title
        self._heading(head)
        _line(self.doc, title, size=Pt(14), bold=True, space_after=0).paragraph_format.space_before = Pt(18)
        if subtitle:
            _line(self.doc, subtitle, bold=True)
        rule = self.doc.add_paragraph()
        rule.paragraph_format.space_after = Pt(12)

    def _heading(self, head: Heading) -> None:
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _no_borders(table)
        _widths(table, (Mm(62), CONTENT_WIDTH - Mm(62)))
        left, right = table.rows[0].cells
        first = True
        if head.above:
            _line(left, head.above, size=Pt(12), first=True)
            first = False
        _line(left, head.issuer, size=Pt(12), bold=True, first=first)
        _short_rule(left)
        _line(left, head.number)
        _line(right, head.motto[0], size=Pt(12), bold=True, first=True)
        _line(right, head.motto[1], size=Pt(13), bold=True)
        _short_rule(right, 0.55)
        _line(right, head.place_date, italic=True)

    # --- body --------------------------------------------------------------------------------

    def paragraph(self, text: str = "", *, bold: bool = False, italic: bool = False,
                  indent: bool = True, align: str = "justify", space_after: float = 6):
        """A body paragraph; **runs** may be given as a list of (text, bold, italic)."""
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = ALIGN[align]
        paragraph.paragraph_format.space_after = Pt(space_after)
        paragraph.paragraph_format.line_spacing = 1.15
        if indent:
            paragraph.paragraph_format.first_line_indent = Cm(1)
        _font(paragraph.add_run(text), bold=bold, italic=italic)
        return paragraph

    def runs(self, parts: Sequence[tuple[str, bool, bool]], *, indent: bool = True,
             align: str = "justify"):
        """A paragraph of runs (text, bold, italic): "Điều 1. " in bold, then the text."""
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = ALIGN[align]
        paragraph.paragraph_format.space_after = Pt(6)
        paragraph.paragraph_format.line_spacing = 1.15
        if indent:
            paragraph.paragraph_format.first_line_indent = Cm(1)
        for text, bold, italic in parts:
            _font(paragraph.add_run(text), bold=bold, italic=italic)
        return paragraph

    def centered(self, text: str, *, bold: bool = True, italic: bool = False):
        return _line(self.doc, text, bold=bold, italic=italic, space_after=6)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence], widths_mm=None) -> None:
        """A bordered table (lists of persons, members of a team)."""
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, headers):
            _line(cell, text, size=Pt(12), bold=True, first=True)
        for values in rows:
            cells = table.add_row().cells
            for i, (cell, value) in enumerate(zip(cells, values)):
                _line(cell, "" if value is None else str(value), size=Pt(12), first=True,
                      align="center" if i == 0 else "left")
        if widths_mm:
            _widths(table, [Mm(w) for w in widths_mm])
        self.doc.add_paragraph().paragraph_format.space_after = Pt(6)

    # --- closing -----------------------------------------------------------------------------

    def closing(self, signer: Signature, recipients: Recipients | None = None) -> None:
        """Nơi nhận on the left, the signature block on the right."""
        table = self.doc.add_table(rows=1, cols=2)
        table.autofit = False
        _no_borders(table)
        _widths(table, (Mm(80), CONTENT_WIDTH - Mm(80)))
        left, right = table.rows[0].cells
        if recipients is not None:
            _line(left, "Nơi nhận:", size=Pt(12), bold=True, italic=True, align="left",
                  first=True)
            for line in recipients.printed:
                _line(left, line, size=Pt(11), align="left")
        first = True
        if signer.above:
            for part in signer.above.split("\n"):
                _line(right, part, bold=True, first=first)
                first = False
        _line(right, signer.title, bold=True, first=first)
        if signer.hint:
            _line(right, signer.hint, italic=True)
        for _ in range(4):
            _line(right, "")
        if signer.name:
            _line(right, signer.name, bold=True)

    def save(self) -> BytesIO:
        stream = BytesIO()
        self.doc.save(stream)
        stream.seek(0)
        return stream


DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
