"""Biểu 03-BCN and 04-BCN as Excel: the document of reports/periodic_document.py in the common
look of excel.py (official heading, Circular 05/2011 lines, A4 landscape, header rows
repeated, a long table scaled onto a few pages)."""
from __future__ import annotations

from io import BytesIO

from ..reports.periodic_document import Document, fit_pages
from . import excel
from .excel import Column


def periodic_workbook(doc: Document) -> BytesIO:
    book = excel.Workbook(title=f"{doc.title} — {doc.unit.name}")
    sheet = book.sheet(f"Biểu {doc.form}", doc.unit, doc.title, doc.periods,
                       [Column(label, width, kind) for label, width, kind in doc.columns],
                       landscape=True, groups=doc.groups, issued_on=doc.issued_on,
                       rules_on=doc.rules_on, number=doc.number, form=doc.form,
                       freeze_columns=2)
    sheet.ws.fit_to_pages(1, fit_pages(len(doc.rows)))
    for row in doc.rows:
        sheet.row(row)
    sheet.row(doc.total, style="total")
    for line in doc.notes:
        sheet.note(line, "text")
    sheet.signatures(*doc.signatures)
    return book.close()
