"""The columns of the import template (contract.md), their meaning and allowed values."""
from __future__ import annotations

from dataclasses import dataclass

from ..registry.vocab import DRUGS, ETHNICITIES, OCCUPATION_GROUPS, SEXES
from ..vntext import fold


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    width: int
    help: str
    allowed: str = ""


STATUSES = {"addict": "Nghiện", "user": "Sử dụng trái phép", "suspected": "Nghi nghiện"}

COLUMNS = [
    Column("full_name", "Họ và tên", True, 26, "Họ, tên đệm và tên, viết có dấu.",
           "Ví dụ: Nguyễn Văn An"),
    Column("birth", "Ngày sinh", True, 13,
           "Ngày sinh dạng dd/mm/yyyy (ô kiểu Ngày của Excel hoặc gõ chữ), hoặc chỉ năm sinh "
           "nếu hồ sơ chỉ có năm.", "Ví dụ: 07/03/1990 hoặc 1990"),
    Column("sex", "Giới tính", True, 10, "Giới tính.", " / ".join(SEXES.values())),
    Column("id_number", "Số định danh cá nhân", False, 18,
           "Số định danh cá nhân (CCCD) gồm 12 chữ số; để trống nếu chưa có. Nên định dạng cột "
           "là Văn bản để Excel không bỏ số 0 ở đầu.", "12 chữ số, ví dụ 014090001234"),
    Column("ethnicity", "Dân tộc", False, 12,
           "Tên dân tộc theo danh mục 54 dân tộc (có dấu hoặc không dấu đều được).",
           ", ".join(ETHNICITIES)),
    Column("occupation", "Nghề nghiệp", False, 18, "Nghề nghiệp hiện nay.",
           "Ví dụ: Làm ruộng, Lao động tự do"),
    Column("occupation_group", "Nhóm nghề", False, 16, "Nhóm nghề.",
           " / ".join(OCCUPATION_GROUPS.values())),
    Column("unit_code", "Mã xã", True, 9,
           "Mã đơn vị hành chính của xã, phường, thị trấn nơi cư trú. Cán bộ cấp xã chỉ nhập "
           "được cho xã mình (để trống là xã mình); cán bộ cấp huyện, tỉnh nhập cho các xã "
           "trong phạm vi quản lý.", "Xem danh sách mã xã bên dưới"),
    Column("address", "Địa chỉ", False, 24, "Địa chỉ thường trú: thôn, bản, tổ dân phố.",
           "Ví dụ: Bản Mé"),
    Column("status", "Tình trạng", True, 16,
           "Nghiện: đã có kết luận xác định nghiện (cần Ngày xác định nghiện). Sử dụng trái "
           "phép: đã có quyết định quản lý (cần Ngày đưa vào quản lý). Nghi nghiện: chưa có "
           "kết luận xác định nghiện (để trống Ngày xác định nghiện).",
           " / ".join(STATUSES.values())),
    Column("determination_date", "Ngày xác định nghiện", False, 14,
           "Ngày có kết luận xác định tình trạng nghiện (dd/mm/yyyy). Bắt buộc khi Tình trạng "
           "là Nghiện; để trống với Sử dụng trái phép và Nghi nghiện.", "dd/mm/yyyy"),
    Column("main_drug", "Loại ma túy", False, 16, "Loại ma túy sử dụng chính.",
           " / ".join(DRUGS.values())),
    Column("management_date", "Ngày đưa vào quản lý", False, 14,
           "Ngày người này thực sự được đưa vào danh sách quản lý, theo sổ sách, hồ sơ giấy "
           "(dd/mm/yyyy), với mọi tình trạng; số “mới đưa vào danh sách” của báo cáo tháng "
           "tính theo ngày này, không theo ngày nhập. Sử dụng trái phép: là ngày quyết định "
           "quản lý, bắt buộc. Nghiện: để trống thì lấy Ngày xác định nghiện. Nghi nghiện: để "
           "trống thì lấy ngày nhập tệp. Không được sau ngày hôm nay hoặc trước ngày sinh.",
           "dd/mm/yyyy"),
    Column("notes", "Ghi chú", False, 30, "Ghi chú khác (không bắt buộc).", ""),
]
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = [c for c in COLUMNS if c.required]
DATE_KEYS = ("birth", "determination_date", "management_date")


def header_key(text: str) -> str:
    """How a header cell is compared: no case, no diacritics, no "(…)" hints or "*" marks."""
    text = str(text).split("(")[0].replace("*", " ")
    return " ".join(fold(text).split())


BY_HEADER = {header_key(c.header): c for c in COLUMNS}
# Headers users (and the registry export) write for the same columns.
for alias, key in (("ho ten", "full_name"), ("nam sinh", "birth"),
                   ("ngay sinh hoac nam sinh", "birth"), ("gioi", "sex"),
                   ("so dinh danh", "id_number"), ("cccd", "id_number"), ("so cccd", "id_number"),
                   ("ma don vi hanh chinh", "unit_code"), ("ma xa, phuong", "unit_code"),
                   ("dia chi thuong tru", "address"), ("loai ma tuy su dung", "main_drug"),
                   ("loai ma tuy su dung chinh", "main_drug")):
    BY_HEADER.setdefault(alias, BY_KEY[key])
