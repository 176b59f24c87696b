"""One person's audit trail as text and as Excel (the project's workbook look).

Only who, when, what kind of access and where from: never the person's data, never what was
typed (search terms and duplicate checks are kept as keyed hashes only)."""
from __future__ import annotations

from datetime import date

from ..audit.queries import ACTIONS, OBJECTS
from ..exports import excel
from ..formatting import vn_datetime, vn_number
from ..units.models import Unit

WHERE = {"live": "khi đang nhập", "save": "khi lưu", "transfer": "khi đề nghị chuyển hồ sơ"}
PAGES = {"edit": "trang sửa hồ sơ", "entry": "trang sửa một mục", "trail": "nhật ký của hồ sơ"}

COLUMNS = [("STT", 6, "center"), ("Thời gian", 18, "center"), ("Tài khoản", 16),
           ("Họ tên người thực hiện", 24), ("Đơn vị", 26), ("Thao tác", 26),
           ("Dữ liệu", 24), ("Chi tiết", 40)]


def detail_of(event) -> str:
    changes = event.changes or {}
    parts = []
    if event.action in ("probe", "probe_refused"):
        parts.append(WHERE.get(changes.get("where"), ""))
    if changes.get("page") in PAGES:
        parts.append(PAGES[changes["page"]])
    if changes.get("figure"):
        parts.append(f"số liệu báo cáo {changes.get('period', '')}")
    if event.action == "refused" and changes.get("path"):
        parts.append(changes["path"])
    if changes.get("persons") is not None and event.action != "view":
        parts.append(f"{vn_number(changes['persons'])} người")
    elif changes.get("rows") is not None:
        parts.append(f"{vn_number(changes['rows'])} dòng")
    return "; ".join(p for p in parts if p)


def trail_workbook(person, events, unit: Unit, today: date):
    book = excel.Workbook(title="Nhật ký truy cập hồ sơ")
    sheet = book.sheet("Nhật ký truy cập", unit, "NHẬT KÝ TRUY CẬP HỒ SƠ",
                       [f"Người: {person.full_name} — {person.unit.name} — số hiệu {person.id}",
                        f"Tính đến ngày {today.strftime('%d/%m/%Y')}"],
                       COLUMNS, landscape=True, autofilter=True, issued_on=today)
    for n, e in enumerate(events, 1):
        sheet.row([n, vn_datetime(e.at), e.user.username if e.user else "",
                   e.user.full_name if e.user else "Hệ thống",
                   e.user.unit.name if e.user else "", ACTIONS.get(e.action, e.action),
                   OBJECTS.get(e.object_type, e.object_type)
                   + (f" số {e.object_id}" if e.object_id else ""), detail_of(e)])
    sheet.blank()
    sheet.note(f"Tổng số: {vn_number(len(events))} mục.", "heading")
    sheet.note("Nhật ký có dữ liệu cá nhân (Nghị định 13/2023/NĐ-CP): chỉ dùng để xác minh, "
               "báo cáo sự cố; không sao chép, chuyển cho người không có trách nhiệm.", "italic")
    return book.close()
