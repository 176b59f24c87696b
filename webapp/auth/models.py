from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import now_utc
from ..units.models import Level, Unit


class Role(StrEnum):
    ADMIN = "admin"
    NATIONAL = "national"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Quản trị hệ thống",
    Role.NATIONAL: "Cán bộ cấp trung ương (Bộ Công an)",
    Role.PROVINCE: "Cán bộ cấp tỉnh",
    Role.DISTRICT: "Cán bộ cấp huyện (người duyệt)",
    Role.COMMUNE: "Cán bộ cấp xã",
}

# Every role that works with case files and reports (admins manage accounts, not files).
OFFICER_ROLES = (Role.COMMUNE, Role.DISTRICT, Role.PROVINCE, Role.NATIONAL)
# Officers of a unit with units below it: they review their children's reports.
REVIEWER_ROLES = (Role.DISTRICT, Role.PROVINCE, Role.NATIONAL)

# The tier of unit each officer role sits at; admins may sit anywhere.
ROLE_LEVEL = {Role.NATIONAL: Level.NATIONAL, Role.PROVINCE: Level.PROVINCE,
              Role.DISTRICT: Level.DISTRICT, Role.COMMUNE: Level.COMMUNE}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __audit__ = ("username", "full_name", "role", "unit_id", "active", "password_hash",
                 "email")

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Two-factor sign-in (auth/totp.py): the base32 TOTP secret once enrolled, and the last
    # time step accepted, so a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    last_login_at: Mapped[datetime | None]
    # Where notifications are also e-mailed when an SMTP server is configured (optional).
    email: Mapped[str | None] = mapped_column(String(200))

    unit: Mapped[Unit] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserSession(db.Model):
    """One signed-in browser. The cookie carries a random token; only its hash is stored.

    A session is valid while its row is open (`ended_at` empty) and younger than the absolute
    lifetime; signing out, a password change or an expiry closes it for every server at once.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    # Half signed in: the password was right, the second step ("code" or "enrol") is not done.
    # Such a row never signs anyone in and lapses after `totp.PENDING_SECONDS`.
    pending: Mapped[str | None] = mapped_column(String(10))


class LoginEvent(db.Model):
    """The log of sign-ins: every attempt, successful or not."""

    __tablename__ = "login_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    username: Mapped[str] = mapped_column(String(50), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45), index=True)

    OUTCOME_LABELS = {
        "success": "Đăng nhập thành công",
        "bad_password": "Sai mật khẩu",
        "unknown_user": "Không có tài khoản",
        "disabled": "Tài khoản đã bị khóa",
        "locked": "Tạm khóa do sai nhiều lần",  # the former account-wide lock (old rows)
        "throttled": "Tạm chặn tài khoản từ địa chỉ IP này do sai nhiều lần",
        "ip_throttled": "Tạm chặn địa chỉ IP do sai nhiều lần",
        "demo_refused": "Tài khoản demo bị từ chối",
        "csrf": "Phiên đăng nhập hết hạn",
        "password_ok": "Đúng mật khẩu, chờ mã xác thực",
        "bad_code": "Sai mã xác thực hai lớp",
        "code_expired": "Quá thời gian nhập mã xác thực",
        "totp_enrolled": "Bật xác thực hai lớp",
        "totp_disabled": "Tắt xác thực hai lớp",
        "logout": "Đăng xuất",
        "idle": "Hết phiên do không hoạt động",
        "expired": "Hết phiên do quá thời hạn",
    }
