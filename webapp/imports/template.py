"""The import template: the data sheet with the contract's header row, and a guide sheet that
explains each column and lists the allowed values and the commune codes of the user's scope.

Built with the common look of `exports.excel`, using only its basic calls (a workbook, sheets
of (label, width) columns, rows), so the look can evolve without breaking the template.
"""
from __future__ import annotations


from ..auth.models import User
from ..exports import excel
from ..extensions import db
from ..scoping import scoped_units
from ..timeutil import today_local
from ..units.models import Level, Unit
from .columns import COLUMNS, STATUSES
from ..registry.vocab import DRUGS, OCCUPATION_GROUPS, SEXES

DATA_SHEET = "Danh sách"
GUIDE_SHEET = "Hướng dẫn"
TEXT_COLUMNS = {"id_number", "unit_code"}  # codes: text cells, so leading zeros stay
TEMPLATE_ROWS = 2000  # rows prepared with drop-down lists


def communes_in_scope(user: User) -> list[Unit]:
    return list(db.session.scalars(scoped_units(user).where(
        Unit.level == Level.COMMUNE, Unit.valid_to.is_(None))))


def _column(label: str, width: int, key: str):
    if key in TEXT_COLUMNS and hasattr(excel, "Column"):
        return excel.Column(label, width, "id")
    return (label, width)


def build(user: User):
    """The template as a rewound file object."""
    book = excel.Workbook()
    today = today_local()
    data = book.sheet(DATA_SHEET, user.unit, "DANH SÁCH NGƯỜI SỬ DỤNG TRÁI PHÉP CHẤT MA TÚY, "
                      "NGƯỜI NGHIỆN MA TÚY", f"Mẫu nhập từ Excel (tải ngày {today:%d/%m/%Y}); "
                      "điền từ dòng ngay dưới dòng tiêu đề", [
                          _column(c.header, c.width, c.key) for c in COLUMNS])
    _drop_downs(data, communes_in_scope(user))

    guide = book.sheet(GUIDE_SHEET, user.unit, "HƯỚNG DẪN ĐIỀN MẪU NHẬP DANH SÁCH",
                       "Mỗi dòng của trang “Danh sách” là một người; không đổi tên cột, "
                       "không gộp ô, không dùng công thức", [
                           ("Cột", 22), ("Bắt buộc", 10), ("Cách điền", 60),
                           ("Giá trị hợp lệ", 48)])
    for column in COLUMNS:
        guide.row([column.header, "Có" if column.required else "Không", column.help,
                   column.allowed])
    guide.row(["", "", "", ""])
    guide.row(["Ghi chú chung", "", "Ngày ghi dạng dd/mm/yyyy (ví dụ 07/03/1990) hoặc dùng ô "
               "kiểu Ngày của Excel. Văn bản gõ bằng phông cũ (.VnTime – TCVN3, VNI-Times) "
               "được tự động chuyển sang Unicode và hiện trong phần xem trước. Người đã có hồ "
               "sơ (trùng số định danh, hoặc trùng họ tên, ngày/năm sinh và xã) sẽ được bỏ "
               "qua. Ngày đưa vào quản lý là ngày người đó vào danh sách trong sổ sách cũ, để "
               "báo cáo không tính cả danh sách cũ là “mới đưa vào” trong tháng nhập. Tình "
               "trạng “Sử dụng trái phép” được ghi quyết định quản lý ngày đó với số quyết "
               "định “Chưa rõ (nhập từ Excel)”; vui lòng bổ sung số quyết định sau khi nhập.",
               ""])
    guide.row(["", "", "", ""])
    guide.row(["Mã xã", "", "Tên đơn vị hành chính", "Thuộc"])
    for unit in communes_in_scope(user):
        guide.row([unit.code, "", unit.name, unit.parent.name if unit.parent else ""])
    return book.close()


def _drop_downs(sheet, communes: list[Unit]) -> None:
    """Drop-down lists on the coded columns; skipped if the sheet API no longer exposes them."""
    ws = getattr(sheet, "ws", None)
    first = getattr(sheet, "next_row", None)
    if ws is None or first is None:
        return
    lists = {"sex": list(SEXES.values()), "occupation_group": list(OCCUPATION_GROUPS.values()),
             "status": list(STATUSES.values()), "main_drug": list(DRUGS.values())}
    if 0 < len(communes) <= 40 and sum(len(u.code) + 1 for u in communes) < 250:
        lists["unit_code"] = [u.code for u in communes]
    for index, column in enumerate(COLUMNS):
        if column.key in lists:
            ws.data_validation(first, index, first + TEMPLATE_ROWS, index, {
                "validate": "list", "source": lists[column.key], "ignore_blank": True,
                "error_type": "warning", "error_title": column.header,
                "error_message": "Giá trị không có trong danh sách: " + column.allowed[:200]})
