"""Reading an uploaded workbook safely: what the file is, whether it is safe to open, where the
header is, and every data row as plain JSON values (checked later, chunk by chunk).

Nothing here trusts the file: the container is inspected before openpyxl sees it (size, zip
signature, declared uncompressed sizes), and every failure becomes a `FileRefused` with a
message for the user, never a server error.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO

from openpyxl.utils import get_column_letter, range_boundaries

from .columns import BY_HEADER, COLUMNS, REQUIRED, header_key

MAX_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 100
MAX_ENTRIES = 2000
MAX_ROWS = 10_000
HEADER_SEARCH_ROWS = 10

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
XLSX_HINT = "Vui lòng tải tệp mẫu (.xlsx), điền dữ liệu và tải lên lại."


class FileRefused(Exception):
    """The file cannot be imported at all; `message` says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ReadResult:
    sheet: str
    header_line: int
    columns: dict[str, int]  # column key → 0-based index in the sheet
    extra: list[str]  # headers of columns not in the template
    rows: list[dict] = field(default_factory=list)  # {"line", "cells": {key: value}, "problems"}
    notices: list[str] = field(default_factory=list)


# --- The container ------------------------------------------------------------------------------

def check_container(data: bytes) -> zipfile.ZipFile:
    """Refuse anything that is not a plausible, safely sized xlsx package."""
    size = len(data)
    if size == 0:
        raise FileRefused("Tệp tải lên rỗng (0 byte). " + XLSX_HINT)
    if size > MAX_BYTES:
        megabytes = f"{size / 1024 / 1024:.1f}".replace(".", ",")
        raise FileRefused(f"Tệp lớn hơn 20 MB ({megabytes} MB). "
                          "Vui lòng chia danh sách thành nhiều tệp nhỏ hơn.")
    head = data[:8]
    if head.startswith(OLE):
        raise FileRefused(
            "Đây là tệp Excel đời cũ (.xls, Excel 97–2003) hoặc tệp Excel có đặt mật khẩu. "
            "Vui lòng mở tệp bằng Excel, bỏ mật khẩu nếu có, rồi chọn Lưu thành → "
            "“Sổ làm việc Excel (*.xlsx)” và tải lên tệp .xlsx.")
    if head.startswith(b"%PDF"):
        raise FileRefused("Đây là tệp PDF, không phải tệp Excel. " + XLSX_HINT)
    if not head.startswith(ZIP):
        if _looks_like_text(data):
            raise FileRefused("Tệp này là văn bản (CSV hoặc TXT), không phải tệp Excel .xlsx. "
                              "Vui lòng mở bằng Excel và lưu thành “Sổ làm việc Excel (*.xlsx)”, "
                              "hoặc dán dữ liệu vào tệp mẫu.")
        raise FileRefused("Tệp không phải định dạng Excel .xlsx. " + XLSX_HINT)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused("Tệp bị hỏng hoặc tải lên chưa hết. Vui lòng lưu lại tệp bằng Excel "
                          "rồi tải lên lại.") from None
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise FileRefused("Đây là tệp Word (.docx), không phải tệp Excel. " + XLSX_HINT)
        if "mimetype" in names and "content.xml" in names:
            raise FileRefused("Đây là tệp bảng tính OpenDocument (.ods). Vui lòng lưu thành "
                              "“Excel 2007-365 (.xlsx)” rồi tải lên lại.")
        raise FileRefused("Tệp nén này không phải tệp Excel .xlsx. " + XLSX_HINT)
    # The declared sizes bound what zipfile will inflate (it stops at file_size), so checking
    # them here stops a zip bomb before openpyxl reads a byte.
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if len(entries) > MAX_ENTRIES or total > MAX_UNCOMPRESSED or (
            total > 10 * 1024 * 1024 and total / packed > MAX_RATIO):
        raise FileRefused("Tệp có cấu trúc bất thường (dung lượng khi giải nén quá lớn so với "
                          "tệp). Vì an toàn, hệ thống không mở tệp này. Vui lòng dán dữ liệu "
                          "vào tệp mẫu rồi tải lên lại.")
    return archive


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True


# --- Cells --------------------------------------------------------------------------------------

def cell_json(cell) -> object:
    """A cell as a JSON value: text, number, {"date": iso}, {"formula": …} or {"error": …}."""
    value = getattr(cell, "value", None)
    if value is None:
        return None
    kind = getattr(cell, "data_type", None)
    if kind == "f" or (isinstance(value, str) and value.startswith("=") and len(value) > 1):
        return {"formula": str(getattr(value, "text", value))[:200]}
    if kind == "e":
        return {"error": str(value)[:20]}
    if isinstance(value, datetime):
        return {"date": value.date().isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return value
    return str(value)


def _header_text(value: object) -> str:
    return value if isinstance(value, str) else ""


# --- Merged cells -------------------------------------------------------------------------------

_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


def merged_ranges(archive: zipfile.ZipFile, path: str | None) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of every merge (read-only openpyxl drops them)."""
    if not path:
        return []
    path = path.lstrip("/")
    out, tail = [], b""
    try:
        with archive.open(path) as stream:
            while chunk := stream.read(1 << 20):
                text = tail + chunk
                for match in _MERGE.finditer(text):
                    ref = match.group(1).decode()
                    out.append(range_boundaries(ref if ":" in ref else f"{ref}:{ref}"))
                tail = text[-200:]  # a tag cut by the chunk boundary; repeats are dropped below
    except (KeyError, zipfile.BadZipFile, ValueError):
        return []
    return sorted(set(out))


# --- The sheet ----------------------------------------------------------------------------------

def read(data: bytes) -> ReadResult:
    archive = check_container(data)
    found = _read_fast(data, archive)
    return found if found is not None else _read_openpyxl(data, archive)


# --- The fast path: calamine ------------------------------------------------------------------

# What only openpyxl reads as this module needs: formulas and error cells (calamine gives their
# cached values), and far-away cells (calamine builds the whole rectangle in memory).
_FORMULA_OR_ERROR = re.compile(rb"<(?:\w+:)?f[\s>/]|\bt=\"e\"")
_FAR_CELL = re.compile(rb"\br=\"(?:[A-Z]{3}|[B-Z][A-Z])[0-9]|\br=\"[A-Z]{0,3}(?:[0-9]{6,}|[2-9][0-9]{4})\"")


def _read_fast(data: bytes, archive: zipfile.ZipFile) -> ReadResult | None:
    """The same reading with python-calamine (Rust, several times faster than openpyxl), for
    the plain files that are nearly all uploads: only values, no formula, no error cell,
    within 52 columns and 20,000 rows. None: let openpyxl read it (and refuse it if it must)."""
    try:
        import python_calamine
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return None
    try:
        for entry in archive.infolist():
            name = entry.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(entry)
                if _may_hold_formula_or_error(xml) and _FORMULA_OR_ERROR.search(xml) \
                        or _FAR_CELL.search(xml):
                    return None
        book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
        sheets = [m.name for m in book.sheets_metadata
                  if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        if not sheets:
            return None
        for name in sheets:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            found = _find_header_values([[_plain_value(v) for v in row]
                                         for row in rows[:HEADER_SEARCH_ROWS]])
            if found is not None:
                merges = sorted({(c0 + 1, r0 + 1, c1 + 1, r1 + 1) for (r0, c0), (r1, c1)
                                 in (sheet.merged_cell_ranges or ())})
                return _read_values(name, rows, merges, *found)
        return None  # openpyxl says why no header was found
    except FileRefused:
        raise
    except Exception:  # anything calamine cannot read the way openpyxl does
        return None


def _may_hold_formula_or_error(xml: bytes) -> bool:
    """False when _FORMULA_OR_ERROR cannot match (a formula tag is "<f" or "<prefix:f", an
    error cell has t="e"): three substring searches instead of the regex over the sheet."""
    return b"<f" in xml or b":f" in xml or b't="e"' in xml


def _plain_value(value):
    """A calamine value as openpyxl gives it: None for empty, whole numbers as int."""
    if value == "" and isinstance(value, str):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


class _Value:
    """A value in a cell's clothes, for the reading shared with openpyxl's path."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _find_header_values(rows: list[list]) -> tuple[int, list] | None:
    return _find_header_in([[_Value(v) for v in row] for row in rows[:HEADER_SEARCH_ROWS]])


def _read_values(title: str, rows: list[list], merges, header_line: int, labels: list[str]):
    return _read_rows(title, rows[header_line:], merges, header_line, labels, _calamine_json)


def _calamine_json(value) -> object:
    """cell_json(_Value(_plain_value(value))) of a calamine value, the common types first."""
    kind = type(value)
    if kind is str:
        if not value:
            return None
        if value[0] == "=" and len(value) > 1:
            return {"formula": value[:200]}
        return value
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value
    if kind is int:
        return value
    return cell_json(_Value(_plain_value(value)))  # dates, times, booleans


# --- openpyxl -----------------------------------------------------------------------------------

def _read_openpyxl(data: bytes, archive: zipfile.ZipFile) -> ReadResult:
    from openpyxl import load_workbook

    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged package
        raise FileRefused("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng "
                          ".xlsx. Vui lòng mở tệp bằng Excel, lưu lại rồi tải lên lại.") from None
    try:
        return _read_book(book, archive)
    except FileRefused:
        raise
    except Exception:
        raise FileRefused("Không đọc được nội dung tệp Excel. Vui lòng mở tệp bằng Excel, "
                          "lưu lại rồi tải lên lại.") from None
    finally:
        book.close()


def _read_book(book, archive) -> ReadResult:
    sheets = list(book.worksheets)
    if not sheets:
        raise FileRefused("Tệp không có trang tính nào. " + XLSX_HINT)
    for ws in sheets:
        ws.reset_dimensions()  # some programs write a wrong used range; read every row
        found = _find_header(ws)
        if found is not None:
            return _read_sheet(ws, archive, *found)
    raise FileRefused(
        f"Không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu của trang tính "
        f"“{sheets[0].title}”. Dòng tiêu đề phải có các cột như “Họ và tên”, “Ngày sinh”, "
        "“Giới tính”, “Mã xã”, “Tình trạng”. " + XLSX_HINT)


def _find_header(ws) -> tuple[int, list] | None:
    return _find_header_in(ws.iter_rows(max_row=HEADER_SEARCH_ROWS))


def _find_header_in(rows) -> tuple[int, list] | None:
    best: tuple[int, int, list] | None = None
    for line, row in enumerate(rows, start=1):
        labels = [_header_text(getattr(c, "value", None)) for c in row]
        hits = sum(1 for text in labels if text and header_key(text) in BY_HEADER)
        if hits >= 2 and (best is None or hits > best[0]):
            best = (hits, line, labels)
    return None if best is None else (best[1], best[2])


def _read_sheet(ws, archive, header_line: int, labels: list[str]) -> ReadResult:
    merges = merged_ranges(archive, getattr(ws, "_worksheet_path", None))
    return _read_rows(ws.title, ws.iter_rows(min_row=header_line + 1), merges, header_line,
                      labels)


def _read_rows(title: str, data_rows, merges, header_line: int, labels: list[str],
               to_json=cell_json) -> ReadResult:
    """The rows below the header: openpyxl's cells, or calamine's values (`to_json` makes
    either a JSON value)."""
    for min_col, min_row, max_col, max_row in merges:
        if min_row <= header_line <= max_row:
            ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
            raise FileRefused(f"Dòng tiêu đề (dòng {header_line}) có ô gộp {ref}. Vui lòng bỏ "
                              "gộp ô (Merge & Center) để mỗi cột có một tiêu đề riêng, rồi tải "
                              "lên lại.")
    columns: dict[str, int] = {}
    extra: list[str] = []
    for index, text in enumerate(labels):
        if not text or not text.strip():
            continue
        column = BY_HEADER.get(header_key(text))
        if column is None:
            extra.append(f"{' '.join(text.split())} (cột {get_column_letter(index + 1)})")
        elif column.key in columns:
            first = get_column_letter(columns[column.key] + 1)
            raise FileRefused(f"Cột “{column.header}” xuất hiện hai lần (cột {first} và cột "
                              f"{get_column_letter(index + 1)}). Vui lòng giữ một cột.")
        else:
            columns[column.key] = index
    missing = [c.header for c in REQUIRED if c.key not in columns]
    if missing:
        names = ", ".join(f"“{m}”" for m in missing)
        raise FileRefused(f"Thiếu cột bắt buộc: {names} (dòng tiêu đề là dòng {header_line}). "
                          "Vui lòng thêm các cột này theo đúng tên trong tệp mẫu.")
    result = ReadResult(title, header_line, columns, extra)
    if extra:
        result.notices.append("Các cột không có trong mẫu sẽ được bỏ qua: "
                              + "; ".join(extra) + ".")
    merged_rows = _merged_data_cells(merges, header_line, columns)
    spans = _horizontal_spans(merges, header_line)
    header_keys = {k: header_key(labels[i]) for k, i in columns.items()}
    notes: list[int] = []
    for line, row in enumerate(data_rows, start=header_line + 1):
        if line in spans:
            filled = {i + 1 for i, c in enumerate(row) if to_json(c) not in (None, "")}
            if filled and filled <= spans[line]:
                notes.append(line)  # a note across the sheet (totals, signatures), not a person
                continue
        cells = {}
        for key, index in columns.items():
            if index < len(row):
                value = to_json(row[index])
                if isinstance(value, str) and not value.strip():
                    value = None
                if value is not None:
                    cells[key] = value
        if not cells:
            continue
        if all(type(v) is str for v in cells.values()) and \
                all(header_key(v) == header_keys[k] for k, v in cells.items()):
            continue  # the header repeated (lists printed page by page)
        if len(result.rows) >= MAX_ROWS:
            raise FileRefused(f"Tệp có hơn {MAX_ROWS:,} dòng dữ liệu. Vui lòng chia thành nhiều "
                              "tệp, mỗi tệp tối đa 10.000 dòng.".replace(",", "."))
        problems = [{"col": key, "msg": f"Ô đã gộp ({ref}); vui lòng bỏ gộp và điền đủ "
                     "giá trị cho từng dòng."} for key, ref in merged_rows.get(line, [])]
        entry = {"line": line, "cells": cells}
        if problems:
            entry["problems"] = problems
        result.rows.append(entry)
    if notes:
        shown = ", ".join(str(n) for n in notes[:10]) + (" …" if len(notes) > 10 else "")
        result.notices.append(f"Các dòng ghi chú có ô gộp (dòng {shown}) không phải dữ liệu, "
                              "được bỏ qua.")
    if not result.rows:
        raise FileRefused(f"Trang tính “{title}” không có dòng dữ liệu nào dưới dòng tiêu đề "
                          f"(dòng {header_line}).")
    return result


def _horizontal_spans(merges, header_line: int) -> dict[int, set[int]]:
    """Columns (1-based) covered by merges across several columns, by line below the header."""
    spans: dict[int, set[int]] = {}
    for min_col, min_row, max_col, max_row in merges:
        if max_col > min_col and max_row > header_line:
            for line in range(max(min_row, header_line + 1),
                              min(max_row, header_line + MAX_ROWS + 1) + 1):
                spans.setdefault(line, set()).update(range(min_col, max_col + 1))
    return spans


def _merged_data_cells(merges, header_line: int, columns: dict[str, int]) -> dict[int, list]:
    by_line: dict[int, list] = {}
    index_to_key = {i: k for k, i in columns.items()}
    for min_col, min_row, max_col, max_row in merges:
        if max_row <= header_line:
            continue  # title rows above the header may be merged
        ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        keys = [index_to_key[c - 1] for c in range(min_col, max_col + 1) if c - 1 in index_to_key]
        if not keys:
            continue
        for line in range(max(min_row, header_line + 1),
                          min(max_row, header_line + MAX_ROWS + 1) + 1):
            by_line.setdefault(line, []).append((keys[0], ref))
    return by_line


__all__ = ["FileRefused", "ReadResult", "read", "check_container", "COLUMNS"]
