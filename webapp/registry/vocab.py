"""Code values of the registry and the Vietnamese labels users read (glossary.md)."""
from __future__ import annotations

from enum import StrEnum

SEXES = {"M": "Nam", "F": "Nữ"}

OCCUPATION_GROUPS = {"agri": "Nông nghiệp", "non_agri": "Phi nông nghiệp"}

DRUGS = {"heroin": "Heroin", "synthetic": "Ma túy tổng hợp", "cannabis": "Cần sa", "other": "Khác"}

# The 54 ethnic groups, in the order and with the codes of the General Statistics Office list.
ETHNICITIES = [
    "Kinh", "Tày", "Thái", "Hoa", "Khmer", "Mường", "Nùng", "Hmông", "Dao", "Gia Rai",
    "Ngái", "Ê Đê", "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Mnông",
    "Raglay", "Xtiêng", "Bru - Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Gié Triêng", "Mạ", "Khơ Mú",
    "Co", "Tà Ôi", "Chơ Ro", "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "La Ha",
    "Phù Lá", "La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y",
    "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
]
ETHNICITY_CODES = {f"{i:02d}": name for i, name in enumerate(ETHNICITIES, start=1)}
KINH = "01"


class State(StrEnum):
    """A person's legal state, always derived from their timeline."""

    SUSPECTED = "suspected"
    USER = "user"
    ADDICT = "addict"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.SUSPECTED: "Nghi nghiện (chưa xác định)",
    State.USER: "Người sử dụng trái phép chất ma túy",
    State.ADDICT: "Người nghiện ma túy",
    State.CLOSED: "Đã đưa ra khỏi danh sách quản lý",
}


class Status(StrEnum):
    """A state refined for one day, as periods and reports count it: an illegal user is under a
    management decision in force, waiting for one, or past the term's end awaiting Mẫu 10."""

    SUSPECTED = "suspected"
    USER_PENDING = "user_pending"
    USER = "user"
    USER_EXPIRED = "user_expired"
    ADDICT = "addict"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def state(self) -> State:
        return State.USER if self in USER_STATUSES else State(self.value)


STATUS_LABELS = {
    Status.SUSPECTED: "Nghi nghiện (chưa xác định)",
    Status.USER_PENDING: "Người sử dụng trái phép chất ma túy, chưa có quyết định quản lý",
    Status.USER: "Người sử dụng trái phép chất ma túy, đang quản lý",
    Status.USER_EXPIRED: "Hết thời hạn quản lý, chờ xác nhận (Mẫu 10)",
    Status.ADDICT: "Người nghiện ma túy",
    Status.CLOSED: "Đã đưa ra khỏi danh sách quản lý",
}
USER_STATUSES = {Status.USER_PENDING, Status.USER, Status.USER_EXPIRED}


class EventKind(StrEnum):
    POSITIVE_TEST = "positive_test"
    MANAGEMENT = "management"
    DETERMINATION = "determination"
    CLOSING = "closing"
    TRANSFER = "transfer"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    EventKind.POSITIVE_TEST: "Kết quả xét nghiệm dương tính",
    EventKind.MANAGEMENT: "Quyết định quản lý người sử dụng trái phép chất ma túy",
    EventKind.DETERMINATION: "Xác định tình trạng nghiện ma túy",
    EventKind.CLOSING: "Đưa ra khỏi danh sách quản lý",
    EventKind.TRANSFER: "Chuyển hồ sơ sang xã khác",
}

# Art. 43 and Decree 105: the reasons a person leaves the lists; "nhập nhầm" replaces deletion.
CLOSING_REASONS = {
    "term_ended": "Hết thời hạn quản lý, không phát hiện sử dụng",
    "prison": "Chấp hành án phạt tù",
    "reform_facility": "Đưa vào trường giáo dưỡng, cơ sở giáo dục bắt buộc",
    "moved_away": "Chuyển khỏi địa bàn",
    "death": "Chết",
    "missing": "Bị tuyên bố mất tích",
    "entry_error": "Nhập nhầm",
}

TRANSFER_STATUS = {
    "pending": "Chờ tiếp nhận",
    "accepted": "Đã tiếp nhận",
    "refused": "Từ chối",
    "cancelled": "Đã hủy",
}

# Field names as users read them (the change history shows these).
FIELD_LABELS = {
    "full_name": "Họ và tên", "other_names": "Tên gọi khác", "sex": "Giới tính",
    "birth_date": "Ngày sinh", "birth_year": "Năm sinh", "id_number": "Số định danh cá nhân",
    "ethnicity": "Dân tộc", "occupation": "Nghề nghiệp", "occupation_group": "Nhóm nghề",
    "unit_id": "Xã nơi cư trú", "address": "Địa chỉ thường trú", "current_address": "Nơi ở hiện tại",
    "phone": "Số điện thoại", "family_contact": "Người thân liên hệ",
    "main_drug": "Loại ma túy sử dụng", "other_drugs": "Ma túy khác", "injecting": "Tiêm chích",
    "notes": "Ghi chú", "version": "Phiên bản", "kind": "Loại sự kiện", "event_date": "Ngày",
    "doc_number": "Số văn bản", "signer": "Người ký / cơ quan", "facility": "Cơ sở y tế",
    "addicted": "Kết luận", "term_end": "Hết hạn quản lý", "reason": "Lý do", "note": "Ghi chú",
    "person_id": "Hồ sơ", "status": "Trạng thái", "from_unit_id": "Xã chuyển đi",
    "to_unit_id": "Xã chuyển đến", "voided_at": "Hủy (ghi nhầm) lúc", "void_reason": "Lý do hủy",
    "corrected_at": "Sửa lúc", "correction_reason": "Lý do sửa", "listed_on": "Ngày đưa vào danh sách",
}
