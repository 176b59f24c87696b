"""Legal durations and thresholds, with the defaults of the law (domain.md).

Read through `get()`: an administrator's value stored in the `settings` table wins over the
default. Decisions already recorded keep the dates computed when they were made, so changing a
setting never rewrites the past.
"""
from __future__ import annotations

import copy
from datetime import date

from flask import g, has_app_context

DEFAULTS: dict[str, object] = {
    # Decree 105/2021: a management decision for an illegal user lasts one year.
    "management_term_months": 12,
    # Law 73/2021 applies from age 12; younger persons cannot be on the registry.
    "min_age": 12,
    # Age bands of the reports: [label, from age inclusive, to age exclusive or None].
    "age_bands": [
        ["Dưới 14", 0, 14],
        ["Từ 14 đến dưới 16", 14, 16],
        ["Từ 16 đến dưới 18", 16, 18],
        ["Từ 18 đến dưới 30", 18, 30],
        ["Từ 30 trở lên", 30, None],
    ],
    # Worklist horizon: terms ending within this many days.
    "due_soon_days": 30,
    # Rehab terms per form and age group: [minimum, default, maximum] in `unit`.
    # Voluntary 6–12 months; compulsory adults 12–24, minors (12 to under 18) 6–12 months.
    "rehab_terms": {
        "home": {"unit": "months", "adult": [6, 6, 12], "minor": [6, 6, 12]},
        "community": {"unit": "months", "adult": [6, 6, 12], "minor": [6, 6, 12]},
        "facility": {"unit": "months", "adult": [6, 6, 12], "minor": [6, 6, 12]},
        "compulsory": {"unit": "months", "adult": [12, 12, 24], "minor": [6, 6, 12]},
        "detox": {"unit": "days", "adult": [1, 15, 60], "minor": [1, 15, 60]},
    },
    # Post-rehab management: 1 year after voluntary rehab, methadone or a minor's compulsory
    # rehab; 2 years after an adult's compulsory rehab.
    "post_rehab_months": 12,
    "post_rehab_months_compulsory_adult": 24,
    # Monthly report (Biểu 01-BCN) due before this day of the next month.
    "report_due_day": 3,
    # Half-yearly and yearly reports (Biểu 03-BCN of a district, 04-BCN of the province):
    # each period's first and last day (MM-DD) and, per form, the due day (MM-DD, the first
    # such day after the period's end: "before 07/7" is due 07/07).
    "periodic_reports": {
        "H1": {"start": "01-01", "end": "06-30", "due": {"03-BCN": "07-07", "04-BCN": "07-15"}},
        "Y": {"start": "01-01", "end": "12-31", "due": {"03-BCN": "01-07", "04-BCN": "01-15"}},
    },
    # A figure that moves by more than this share of last month's value, and by at least
    # `report_jump_min` persons, is flagged for the officer and the reviewer.
    "report_jump_percent": 30,
    "report_jump_min": 5,
    # One rehab episode at a time; 1 lets detox at the district medical centre run inside a
    # voluntary episode (the seeds record it separately), 0 forbids that too.
    "detox_inside_voluntary": 1,
    # Which agency issues the reports and forms (webapp/official.py prints its name from the
    # unit): the labour sector until 28/02/2025, the police from 01/3/2025, when state
    # management of rehab moved to the Ministry of Public Security. A dated setting: an entry
    # may be limited to one province (its code) and then wins over the entries for all.
    "issuing_agency": [
        {"from": None, "to": "2025-03-01", "province": None, "value": "labour"},
        {"from": "2025-03-01", "to": None, "province": None, "value": "police"},
    ],
    # Deadlines in working days (webapp/workdays): the Vietnam calendar of the `holidays`
    # package plus the administrator's extra days off and make-up days. Dated settings.
    # Decree 105/2021: the management decision within 3 working days of the positive test.
    "management_decision_deadline": [
        {"from": None, "to": None, "province": None, "value": {"working_days": 3}},
    ],
    # Handing a moving person's file to the new commune: 5 working days; 24 hours from
    # 01/07/2026 (Law 120/2025). A value is {"working_days": n} or {"hours": n}, counted from
    # the transfer request; the entry in force on the request's day applies.
    "transfer_handover": [
        {"from": None, "to": "2026-07-01", "province": None, "value": {"working_days": 5}},
        {"from": "2026-07-01", "to": None, "province": None, "value": {"hours": 24}},
    ],
    # Who issues the decisions and certificates printed from a file (Mẫu 07, 09, 10, 51, 53,
    # 54, 08): the commune's people's committee, signed by its chairman. Dated, per province.
    "forms_issuing_agency": [
        {"from": None, "to": None, "province": None, "value": "committee"},
    ],
    # Decree 116/2021, the compulsory-rehab file, step after step from the addiction result:
    # [code, label, working days after the previous step].
    "compulsory_file_steps": [
        ["file", "Lập hồ sơ đề nghị áp dụng biện pháp đưa vào cơ sở cai nghiện bắt buộc", 5],
        ["notice", "Thông báo việc lập hồ sơ cho người bị đề nghị và gia đình (Mẫu 32)", 3],
        ["reading", "Người bị đề nghị, gia đình đọc hồ sơ và ghi ý kiến", 5],
        ["send", "Chuyển hồ sơ đến Tòa án (qua cơ quan có thẩm quyền) để xem xét", 2],
    ],
    # Law 73/2021 (in force 01/01/2022): only a positive determination makes an addict; before
    # it, reports counted suspected persons among addicts. ISO date, so it stays plain JSON.
    "addicts_determined_only_from": "2022-01-01",
    # Circular 62/2022/TT-BTC (in force 19/11/2022): rates that suggest an entry's amount, in
    # đồng per unit of quantity; "base_percent" is a share of the base salary (`base_salary`) in force.
    "funding_rates": [
        {"from": "2022-11-19", "to": None, "province": None, "value": {
            "files": {"amount": 30000, "per": "hồ sơ"},
            "meetings": {"amount": 50000, "per": "người/buổi họp"},
            "stipends": {"base_percent": 60, "per": "người/tháng", "ceiling": True},
            "completion": {"base_percent": 100, "per": "người"},
        }},
    ],
    # The base salary (lương cơ sở) the rates above multiply, in đồng.
    "base_salary": [
        {"from": "2019-07-01", "to": "2023-07-01", "province": None, "value": 1490000},
        {"from": "2023-07-01", "to": "2024-07-01", "province": None, "value": 1800000},
        {"from": "2024-07-01", "to": None, "province": None, "value": 2340000},
    ],
    # A signed-in session with no request for this long ends (personal data on shared screens).
    "session_idle_minutes": 30,
    # New passwords (own change, an administrator's create or reset) are at least this long.
    "password_min_length": 12,
    # Roles that must sign in with a second factor (TOTP); enrolment comes with their next
    # sign-in. Only "admin", "national" and "province" may be listed.
    "totp_required_roles": [],
    # Duplicate checks (live and on save) one account may run in a window; beyond it, no answer.
    "probe_limit": 60,
    "probe_window_minutes": 10,
    # Access records (views, lists, probes, exports, refusals) older than this are pruned by
    # `flask --app wsgi audit prune`; change records are kept.
    "audit_access_retention_months": 24,
    # Files made by background jobs (big exports) are deleted this long after they are made.
    "job_result_retention_days": 7,
    # Scanned documents attached to a file (PDF, JPEG, PNG): the largest accepted, in MB.
    "attachment_max_mb": 10,
    # Papers that precede a procedure's anchor (a registration before the rehab decision, the
    # compulsory-rehab file before the court's, the request before Mẫu 51): how many days
    # before it a document of that procedure may be dated. Management starts at the positive
    # test (these days count only when no test is recorded).
    "dossier_lead_days_management": 0,
    "dossier_lead_days_determination": 30,
    "dossier_lead_days_voluntary": 60,
    "dossier_lead_days_compulsory": 180,
    "dossier_lead_days_post_rehab": 60,
    # The home page's month-end figures, counted once where no approved report holds them, are
    # counted again after this many hours (registry corrections reach the dashboard by then).
    "dashboard_cache_hours": 24,
    # A reviewer's home-page counts of due items (over every person of the district, province
    # or country) are counted again after this many minutes; 0: on every view. A commune's are
    # always live, and so is every list they link to.
    "worklist_cache_minutes": 10,
    # Resolution 163/2024/QH15, Conclusion 132-KL/TW: at least 50 % of communes drug-free by
    # the end of 2030.
    "drugfree_goal_percent": 50,
    "drugfree_goal_year": 2030,
}

LABELS = {
    "management_term_months": "Thời hạn quản lý người sử dụng trái phép chất ma túy (tháng)",
    "min_age": "Tuổi tối thiểu thuộc diện quản lý",
    "due_soon_days": "Báo trước khi đến hạn (ngày)",
    "post_rehab_months": "Thời hạn quản lý sau cai (tháng)",
    "post_rehab_months_compulsory_adult":
        "Thời hạn quản lý sau cai nghiện bắt buộc của người thành niên (tháng)",
    "report_due_day": "Hạn nộp báo cáo tháng (ngày của tháng sau)",
    "periodic_reports": "Kỳ và hạn nộp báo cáo 6 tháng, năm (Biểu 03-BCN, 04-BCN)",
    "report_jump_percent": "Cảnh báo khi số liệu thay đổi so với tháng trước quá (%)",
    "report_jump_min": "… và thay đổi ít nhất (người)",
    "detox_inside_voluntary":
        "Cho phép điều trị cắt cơn trong thời gian cai nghiện tự nguyện (1: có, 0: không)",
    "issuing_agency": "Cơ quan ban hành báo cáo, biểu mẫu (theo thời gian, theo tỉnh)",
    "age_bands": "Nhóm tuổi trong báo cáo",
    "rehab_terms": "Thời hạn cai nghiện theo hình thức và độ tuổi",
    "management_decision_deadline":
        "Thời hạn ra quyết định quản lý kể từ ngày xét nghiệm dương tính (theo thời gian)",
    "transfer_handover": "Thời hạn bàn giao hồ sơ khi chuyển nơi cư trú (theo thời gian)",
    "forms_issuing_agency": "Cơ quan ban hành quyết định, giấy chứng nhận in từ hồ sơ "
                            "(theo thời gian, theo tỉnh)",
    "compulsory_file_steps": "Các bước lập hồ sơ đưa vào cơ sở cai nghiện bắt buộc "
                             "(ngày làm việc sau bước trước)",
    "addicts_determined_only_from":
        "Từ ngày này chỉ tính người đã được xác định tình trạng nghiện là người nghiện ma túy "
        "(Luật Phòng, chống ma túy năm 2021)",
    "funding_rates": "Mức chi gợi ý theo Thông tư 62/2022/TT-BTC (theo thời gian, theo tỉnh)",
    "base_salary": "Mức lương cơ sở (đồng, theo thời gian)",
    "session_idle_minutes": "Tự đăng xuất khi không hoạt động (phút)",
    "password_min_length": "Độ dài tối thiểu của mật khẩu mới (ký tự)",
    "totp_required_roles": "Bắt buộc xác thực hai lớp (mã trên điện thoại) với vai trò",
    "probe_limit": "Số lần kiểm tra trùng hồ sơ tối đa của một tài khoản trong khoảng thời gian dưới đây",
    "probe_window_minutes": "Khoảng thời gian tính giới hạn kiểm tra trùng (phút)",
    "audit_access_retention_months":
        "Thời gian lưu nhật ký truy cập (xem, danh sách, kiểm tra trùng, tải xuống) (tháng)",
    "job_result_retention_days": "Thời gian giữ tệp kết quả của công việc chạy nền (ngày)",
    "attachment_max_mb": "Dung lượng tối đa của tệp đính kèm (bản quét văn bản) (MB)",
    "dossier_lead_days_management":
        "Văn bản của hồ sơ quản lý được ghi ngày sớm nhất trước ngày quyết định, khi chưa ghi "
        "kết quả xét nghiệm (ngày)",
    "dossier_lead_days_determination":
        "Văn bản xác định tình trạng nghiện được ghi ngày sớm nhất trước ngày xác định (ngày)",
    "dossier_lead_days_voluntary":
        "Văn bản cai nghiện tự nguyện được ghi ngày sớm nhất trước ngày bắt đầu cai (ngày)",
    "dossier_lead_days_compulsory":
        "Hồ sơ đề nghị cai nghiện bắt buộc được ghi ngày sớm nhất trước ngày bắt đầu (ngày)",
    "dossier_lead_days_post_rehab":
        "Văn bản quản lý sau cai được ghi ngày sớm nhất trước ngày quyết định (ngày)",
    "dashboard_cache_hours": "Số liệu biểu đồ trang chủ được tính lại sau (giờ)",
    "worklist_cache_minutes": "Số việc cần làm trên trang chủ của huyện, tỉnh, trung ương được "
                              "đếm lại sau (phút; 0: đếm mỗi lần mở)",
    "drugfree_goal_percent": "Mục tiêu tỷ lệ xã, phường không ma túy (%)",
    "drugfree_goal_year": "… đến hết năm",
}


def _stored() -> dict:
    here = g._get_current_object()  # one look-up of the context (read for every row checked)
    cache = getattr(here, "settings_cache", None)
    if cache is None:
        from ..extensions import db
        from .models import Setting

        cache = here.settings_cache = {s.key: s.value for s in
                                       db.session.scalars(db.select(Setting))}
    return cache


def get(key: str):
    """The value in force: an administrator's setting, or the legal default."""
    stored = _stored() if has_app_context() else {}
    value = stored[key] if key in stored else DEFAULTS[key]
    # A copy, so that no caller changes the value in force; a number or a text needs none.
    return value if isinstance(value, (int, float, str, type(None))) else copy.deepcopy(value)


def forget() -> None:
    """Drop this request's cached values (after an administrator saved new ones)."""
    if has_app_context():
        g.pop("settings_cache", None)


def dated(key: str, day: date, province: str | None = None):
    """The value of a dated setting in force on `day`.

    A dated setting is a list of entries {"from": ISO date or None, "to": ISO date or None
    (exclusive), "province": a province code or None, "value": ...}. An entry for the unit's
    province wins over an entry for every province; `None` when no entry covers the day."""
    entries = get(key)
    fallback = None
    for entry in entries:
        start, end = entry.get("from"), entry.get("to")
        if start is not None and day < date.fromisoformat(start):
            continue
        if end is not None and day >= date.fromisoformat(end):
            continue
        if entry.get("province") is None:
            fallback = entry["value"] if fallback is None else fallback
        elif entry["province"] == province:
            return entry["value"]
    return fallback


def overlaps(entries: list[dict]) -> list[tuple[int, int]]:
    """Pairs (i, j) of entries of a dated setting whose periods overlap for the same province
    (the value in force on a day would be ambiguous)."""
    def bounds(entry):
        start = date.fromisoformat(entry["from"]) if entry.get("from") else date.min
        end = date.fromisoformat(entry["to"]) if entry.get("to") else date.max
        return start, end

    found = []
    for i, a in enumerate(entries):
        for j in range(i + 1, len(entries)):
            b = entries[j]
            if a.get("province") != b.get("province"):
                continue
            (a0, a1), (b0, b1) = bounds(a), bounds(b)
            if a0 < b1 and b0 < a1:
                found.append((i, j))
    return found


def determined_only_from() -> date:
    """The day from which suspected persons stop counting as addicts."""
    return date.fromisoformat(get("addicts_determined_only_from"))


def addicts_include_suspected(day: date) -> bool:
    """Whether a count as of `day` follows the old rule (suspected persons among addicts)."""
    return day < determined_only_from()
