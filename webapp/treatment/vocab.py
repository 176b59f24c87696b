"""Rehabilitation forms, outcomes and the Vietnamese labels (glossary.md, domain.md)."""
from __future__ import annotations

REHAB_FORMS = {
    "home": "Cai nghiện tự nguyện tại gia đình",
    "community": "Cai nghiện tự nguyện tại cộng đồng",
    "facility": "Cai nghiện tự nguyện tại cơ sở cai nghiện",
    "compulsory": "Cai nghiện bắt buộc",
    "detox": "Điều trị cắt cơn",
}
SHORT_FORMS = {"home": "Tại gia đình", "community": "Tại cộng đồng", "facility": "Tại cơ sở",
               "compulsory": "Bắt buộc", "detox": "Cắt cơn"}
VOLUNTARY = ("home", "community", "facility")

OUTCOMES = {
    "completed": "Hoàn thành",
    "abandoned": "Bỏ dở",
    "to_compulsory": "Chuyển cai nghiện bắt buộc",
    "relapsed": "Tái nghiện",
    "died": "Chết",
    "moved": "Chuyển nơi cư trú",
}

METHADONE_STOPS = {
    "completed": "Hoàn thành điều trị",
    "dropped": "Bỏ điều trị",
    "moved": "Chuyển nơi điều trị",
    "prison": "Chấp hành án phạt tù",
    "died": "Chết",
    "other": "Lý do khác",
}

POST_REHAB_STATUS = {
    "suggested": "Đề xuất (chờ quyết định)",
    "active": "Đang quản lý sau cai",
    "completed": "Hết thời hạn (đã cấp giấy chứng nhận)",
    "stopped": "Chấm dứt",
    "dismissed": "Không áp dụng",
}

POST_REHAB_STOPS = {
    "relapsed": "Tái nghiện",
    "prison": "Chấp hành án phạt tù",
    "moved_away": "Chuyển khỏi địa bàn",
    "died": "Chết",
    "other": "Lý do khác",
}

ACTIVITY_KINDS = {
    "contact": "Gặp gỡ, giám sát",
    "drug_test": "Xét nghiệm ma túy",
    "schooling": "Hỗ trợ học văn hóa",
    "vocational": "Hỗ trợ học nghề",
    "job": "Hỗ trợ giới thiệu việc làm",
    "loan": "Hỗ trợ vay vốn",
    "other_support": "Hỗ trợ khác",
    "relapse": "Phát hiện tái nghiện",
}

TREATMENT_LABELS = {"in_rehab": "Đang cai nghiện", "methadone": "Đang điều trị Methadone",
                    "post_rehab": "Đang quản lý sau cai"}
