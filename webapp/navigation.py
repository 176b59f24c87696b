"""The menu each role sees: only pages that exist and that the role may open."""
from __future__ import annotations

from .auth.models import Role

# (endpoint, label, roles or None for every signed-in user)
MENU = [
    ("main.home", "Trang chủ", None),
    ("registry.index", "Danh sách đối tượng", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("registry.transfers", "Chuyển hồ sơ", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("imports.index", "Nhập từ Excel", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("reports.index", "Báo cáo tháng", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("plans.quotas", "Chỉ tiêu", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("stats.index", "Thống kê", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("drugfree.index", "Xã không ma túy", {Role.COMMUNE, Role.DISTRICT, Role.PROVINCE}),
    ("units.tree", "Đơn vị hành chính", None),
    ("admin.users", "Tài khoản", {Role.ADMIN}),
    ("admin.sign_ins", "Nhật ký đăng nhập", {Role.ADMIN}),
    ("admin.audit_log", "Nhật ký truy cập", {Role.ADMIN}),
    ("settings.index", "Cấu hình", {Role.ADMIN}),
]


def menu_for(user) -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label, allowed in MENU
            if allowed is None or user.role in allowed]
