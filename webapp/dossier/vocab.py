"""Procedures, the documents they require by default, and the Vietnamese labels."""
from __future__ import annotations

PROCEDURES = {
    "management": "Quản lý người sử dụng trái phép chất ma túy (Nghị định 105/2021)",
    "determination": "Xác định tình trạng nghiện ma túy",
    "voluntary": "Cai nghiện tự nguyện tại gia đình, cộng đồng",
    "compulsory": "Hồ sơ đề nghị áp dụng biện pháp cai nghiện bắt buộc (Nghị định 116/2021)",
    "post_rehab": "Quản lý sau cai nghiện ma túy tại nơi cư trú",
}
SHORT_PROCEDURES = {
    "management": "Quản lý người sử dụng trái phép", "determination": "Xác định tình trạng nghiện",
    "voluntary": "Cai nghiện tự nguyện", "compulsory": "Cai nghiện bắt buộc",
    "post_rehab": "Quản lý sau cai",
}

# When a required document is due: always, or once the procedure reached that point.
CONDITIONS = {
    "always": "Luôn phải có",
    "completed": "Khi hết thời hạn / hoàn thành",
    "stopped": "Khi chấm dứt trước thời hạn",
    "moved": "Khi chuyển nơi cư trú",
}

# The defaults the migration seeds: (procedure, form codes ("/" = any of them), label, condition).
DEFAULT_REQUIREMENTS = [
    ("management", "03", "Phiếu kết quả xét nghiệm chất ma túy (Mẫu 03)", "always"),
    ("management", "05", "Bản tóm tắt lý lịch (Mẫu 05)", "always"),
    ("management", "06", "Bản tự khai của người sử dụng trái phép chất ma túy (Mẫu 06)", "always"),
    ("management", "07", "Quyết định quản lý người sử dụng trái phép chất ma túy (Mẫu 07)",
     "always"),
    ("management", "08", "Văn bản chuyển hồ sơ khi thay đổi nơi cư trú (Mẫu 08)", "moved"),
    ("management", "09", "Quyết định chấm dứt việc quản lý (Mẫu 09)", "stopped"),
    ("management", "10", "Văn bản thông báo kết thúc thời hạn quản lý (Mẫu 10)", "completed"),
    ("determination", "KQXĐ", "Phiếu kết quả xác định tình trạng nghiện ma túy", "always"),
    ("voluntary", "22/23/24", "Đơn / phiếu đăng ký cai nghiện tự nguyện (Mẫu 22, 23 hoặc 24)",
     "always"),
    ("voluntary", "26a", "Giấy xác nhận hoàn thành cai nghiện tự nguyện (Mẫu 26a)", "completed"),
    ("compulsory", "27", "Biên bản vi phạm (Mẫu 27)", "always"),
    ("compulsory", "29", "Văn bản đề nghị áp dụng biện pháp cai nghiện bắt buộc (Mẫu 29)",
     "always"),
    ("compulsory", "30", "Bản tóm tắt lý lịch (Mẫu 30)", "always"),
    ("compulsory", "31", "Bản tự khai của người bị đề nghị (Mẫu 31)", "always"),
    ("compulsory", "KQXĐ", "Phiếu kết quả xác định tình trạng nghiện ma túy", "always"),
    ("compulsory", "32", "Thông báo về việc lập hồ sơ đề nghị (Mẫu 32)", "always"),
    ("post_rehab", "50", "Văn bản đề nghị quản lý sau cai nghiện (Mẫu 50)", "always"),
    ("post_rehab", "51", "Quyết định quản lý sau cai nghiện ma túy (Mẫu 51)", "always"),
    ("post_rehab", "52", "Danh sách người được quản lý sau cai nghiện (Mẫu 52)", "always"),
    ("post_rehab", "53", "Thông báo khi thay đổi nơi cư trú (Mẫu 53)", "moved"),
    ("post_rehab", "54", "Giấy chứng nhận hoàn thành thời gian quản lý sau cai (Mẫu 54)",
     "completed"),
]

CONTACT_KINDS = {
    "home_visit": "Thăm gia đình",
    "meeting": "Gặp gỡ, trao đổi",
    "phone": "Gọi điện thoại",
    "drug_test": "Xét nghiệm ma túy",
    "note": "Ghi chú",
}
TEST_RESULTS = {"1": "Dương tính", "0": "Âm tính"}

# Case notes belong to a management decision or to a post-rehab term.
NOTE_PROCEDURES = ("management", "post_rehab")
