"""Building the workbooks the import tests upload."""
from __future__ import annotations

import re
from io import BytesIO

from openpyxl import Workbook, load_workbook

from webapp.imports.columns import COLUMNS

HEADERS = [c.header for c in COLUMNS]
KEYS = {c.header: c.key for c in COLUMNS}
HX = {"HX-Request": "true"}


def person_row(**fields) -> dict:
    """One person as the cells of a row, by column key."""
    row = {"full_name": "Lò Văn Pọm", "birth": "1990", "sex": "Nam", "ethnicity": "Thái",
           "unit_code": "99101", "status": "Nghi nghiện"}
    row.update(fields)
    return row


def xlsx(rows: list[dict], headers: list[str] | None = None, title_rows: int = 0,
         sheet=None) -> bytes:
    """A workbook with a header row (after `title_rows` title lines) and these rows."""
    headers = headers or HEADERS
    book = Workbook()
    ws = book.active
    ws.title = "Danh sách"
    for i in range(title_rows):
        ws.append([f"Tiêu đề {i + 1}"])
    ws.append(headers)
    for row in rows:
        ws.append([row.get(KEYS.get(h, h)) for h in headers])
    if sheet is not None:
        sheet(ws)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "danh-sach.xlsx"):
    return client.post("/imports/", data={"file": (BytesIO(data), name)},
                       content_type="multipart/form-data")


def job_id_of(response) -> int:
    assert response.status_code == 303, response.status_code
    return int(response.location.rstrip("/").rsplit("/", 1)[-1])


def upload_and_check(client, data: bytes, name: str = "danh-sach.xlsx"):
    """Upload, open the job page (small files are checked there); (job id, page text)."""
    job_id = job_id_of(upload(client, data, name))
    page = client.get(f"/imports/{job_id}")
    assert page.status_code == 200
    return job_id, page.get_data(as_text=True)


def open_xlsx(data: bytes):
    return load_workbook(BytesIO(data))


def counts(page: str) -> tuple[int, int, int]:
    """(will be created, already registered, bad rows) as the preview shows them."""
    return tuple(int(re.search(rf'id="count-{k}">([\d.]+)<', page).group(1).replace(".", ""))
                 for k in ("create", "skip", "error"))


def header_row(ws):
    """(line, cells) of the row holding "Họ và tên" among the first lines."""
    for number, row in enumerate(ws.iter_rows(max_row=12), start=1):
        if any(c.value == "Họ và tên" for c in row):
            return number, row
    raise AssertionError("no header row")


def fill_template(client, rows: list[list]) -> bytes:
    """The downloaded template with these values typed under its header row."""
    book = open_xlsx(client.get("/imports/template.xlsx").data)
    ws = book["Danh sách"]
    first = header_row(ws)[0] + 1
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            ws.cell(row=first + i, column=j + 1, value=value)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
