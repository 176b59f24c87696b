"""What a new password must be: long enough, not the username, not the previous password,
not a common one. Applied to every password a person chooses or is given (own change, an
administrator's create and reset); the demo loader sets `demo12345` directly and is not
checked. Returns Vietnamese messages shown beside the field.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .. import settings
from ..vntext import fold

MAX_LENGTH = 128
MIN_SETTABLE = 8  # the lowest minimum the settings page accepts
_SEPARATORS = re.compile(r"[\s\-_.]+")
_LIST = Path(__file__).with_name("common_passwords.txt")


def normalise(password: str) -> str:
    """Lower case, no diacritics (đ → d), no spaces or - _ . separators."""
    return _SEPARATORS.sub("", fold(password))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list (read once; it never changes while the app runs)."""
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def min_length() -> int:
    return settings.get("password_min_length")


def problem(password: str, username: str | None, user=None) -> str | None:
    """Why `password` may not be used by `username` (whose current password `user` holds),
    or None."""
    password = password or ""
    shortest = min_length()
    if len(password) < shortest:
        return f"Mật khẩu phải có ít nhất {shortest} ký tự."
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự."
    normal = normalise(password)
    if username and normal == normalise(username):
        return "Mật khẩu không được trùng với tên đăng nhập."
    if user is not None and user.check_password(password):
        return "Mật khẩu mới phải khác mật khẩu đang dùng."
    if normal in common_passwords() or len(set(normal)) < 3:
        return "Mật khẩu này quá phổ biến, dễ bị đoán. Vui lòng chọn mật khẩu khác."
    return None
