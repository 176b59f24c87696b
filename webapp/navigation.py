"""The menu each role sees: only pages that exist and that the role may open."""
from __future__ import annotations

from .auth.models import OFFICER_ROLES, Role

OFFICERS = set(OFFICER_ROLES)

# (endpoint, label, roles or None for every signed-in user)
MENU = [
    ("main.home", "Trang chủ", None),
    ("registry.index", "Danh sách đối tượng", OFFICERS),
    ("registry.transfers", "Chuyển hồ sơ", OFFICERS),
    ("workdays.index", "Thời hạn", OFFICERS),
    ("imports.index", "Nhập từ Excel", OFFICERS),
    ("reports.index", "Báo cáo tháng", OFFICERS),
    ("periodic.index", "Báo cáo 6 tháng, năm", {Role.DISTRICT, Role.PROVINCE}),
    ("plans.quotas", "Chỉ tiêu", OFFICERS),
    ("stats.index", "Thống kê", OFFICERS),
    ("jobs.index", "Công việc nền", OFFICERS),
    ("dossier.rates", "Hồ sơ giấy tờ", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("funding.index", "Kinh phí", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("funding.activity_list", "Hoạt động", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("funding.yearly_report", "Báo cáo năm", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("drugfree.index", "Xã không ma túy", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("units.tree", "Đơn vị hành chính", None),
    ("admin.users", "Tài khoản", {Role.ADMIN}),
    ("admin.sign_ins", "Nhật ký đăng nhập", {Role.ADMIN}),
    ("admin.audit_log", "Nhật ký truy cập", {Role.ADMIN}),
    ("settings.index", "Cấu hình", {Role.ADMIN}),
    ("workdays.calendar", "Lịch ngày làm việc", {Role.ADMIN}),
    ("dossier.requirements", "Danh mục hồ sơ", {Role.ADMIN}),
]


def menu_for(user) -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label, allowed in MENU
            if allowed is None or user.role in allowed]
