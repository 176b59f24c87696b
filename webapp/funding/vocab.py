"""The words of funding and activities: codes in the database, Vietnamese labels on screen."""
from __future__ import annotations

# Sources of funding as the seed report lists them (section II.4), in its order.
SOURCES = {
    "local": "Ngân sách địa phương",
    "contribution": "Nguồn đóng góp của người cai nghiện, gia đình người cai nghiện",
    "other": "Nguồn khác",
}
SHORT_SOURCES = {"local": "Ngân sách địa phương", "contribution": "Đóng góp của người cai nghiện, gia đình",
                 "other": "Nguồn khác"}
# The December report's columns that each source fills (webapp/reports).
REPORT_FIELDS = {"local": "funding_local", "contribution": "funding_contribution",
                 "other": "funding_other"}

# Categories of spending (nội dung chi) of Circular 62/2022/TT-BTC, in the annex's order.
CATEGORIES = {
    "files": "Lập hồ sơ cai nghiện, quản lý sau cai nghiện",
    "meetings": "Họp xét duyệt hồ sơ",
    "stipends": "Thù lao người được giao hỗ trợ, quản lý người cai nghiện",
    "completion": "Hỗ trợ một lần khi hoàn thành cai nghiện tự nguyện",
    "tests": "Xét nghiệm, xác định tình trạng nghiện",
    "medicine": "Thuốc điều trị cắt cơn",
    "meals": "Tiền ăn",
    "vocational": "Hỗ trợ học nghề",
    "other": "Chi khác",
}

ACTIVITY_KINDS = {
    "document": "Văn bản ban hành",
    "training": "Tập huấn",
    "communication": "Tuyên truyền",
    "inspection": "Kiểm tra, giám sát",
    "steering": "Họp Ban chỉ đạo",
}
# Documents issued (văn bản): their type, and the abbreviation of its số/ký hiệu.
DOCUMENT_TYPES = {
    "plan": "Kế hoạch",
    "decision": "Quyết định",
    "directive": "Chỉ thị",
    "dispatch": "Công văn",
    "report": "Báo cáo",
    "other": "Văn bản",
}
