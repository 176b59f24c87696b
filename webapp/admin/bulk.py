"""Creating many officers' accounts from one Excel sheet (`flask --app wsgi users import`).

All or nothing: every row is checked first, and every problem is reported by row and column in
Vietnamese; nothing is created unless the whole sheet is clean. Each account gets a random
one-time password (meeting `auth.passwords`), returned once to the caller to hand out, and must
choose its own at first sign-in (`must_change_password`). Only the hash is stored.
"""
from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from ..auth import passwords
from ..auth.models import ROLE_LABELS, Role, User
from ..extensions import db
from ..forms import input_problem
from ..imports.reader import FileRefused, check_container
from ..units.models import Unit
from ..vntext import fold, nfc
from .services import role_unit_error

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,49}")  # as the admin form: 2–50
FULL_NAME_MAX = 120
MAX_ROWS = 2000
HEADER_SEARCH_ROWS = 10

# Column key → header as written in the sheet.
COLUMNS = {"username": "Tên đăng nhập", "full_name": "Họ và tên", "unit_code": "Mã đơn vị",
           "role": "Vai trò"}
# What the "Vai trò" column may say (diacritics and case ignored; the label's note in
# brackets is optional).
ROLE_NAMES = {fold(label.split(" (")[0]): role
              for role, label in ROLE_LABELS.items() if role != Role.ADMIN}
# Unambiguous letters and digits (no 0/o, 1/l/i), read aloud over the phone if need be.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class SheetRefused(Exception):
    """The sheet cannot be read, or has problems; `problems` are Vietnamese lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class NewAccount:
    line: int
    username: str
    full_name: str
    unit: Unit
    role: Role
    password: str = ""


def one_time_password(username: str) -> str:
    """Random, at least the policy's length (and 16), in groups of four: k7mp-x3qa-…"""
    length = max(16, passwords.min_length())
    while True:
        chars = "".join(secrets.choice(ALPHABET) for _ in range(4 * math.ceil(length / 4)))
        password = "-".join(chars[i:i + 4] for i in range(0, len(chars), 4))
        if passwords.problem(password, username) is None:
            return password


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a unit code typed as a number
    return str(value)


def read_sheet(data: bytes) -> list[NewAccount]:
    """The accounts the sheet asks for, or `SheetRefused` with every problem."""
    try:
        check_container(data)
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except FileRefused as exc:
        raise SheetRefused([exc.message]) from None
    except Exception:  # openpyxl's many ways of failing on a damaged file
        raise SheetRefused(["Không đọc được tệp Excel. Vui lòng lưu lại tệp bằng Excel "
                            "(.xlsx) rồi thử lại."]) from None
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 20))
    finally:
        book.close()
    wanted = {fold(header): key for key, header in COLUMNS.items()}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {wanted[fold(_text(v).strip())]: i for i, v in enumerate(row)
                 if fold(_text(v).strip()) in wanted}
        if "username" in found:
            break
    else:
        raise SheetRefused([f"Không tìm thấy dòng tiêu đề có cột “{COLUMNS['username']}” "
                            f"trong {HEADER_SEARCH_ROWS} dòng đầu của trang tính đầu tiên."])
    missing = [COLUMNS[key] for key in COLUMNS if key not in found]
    if missing:
        raise SheetRefused([f"Thiếu cột: {', '.join(missing)} (dòng tiêu đề {index + 1})."])
    return _check(rows[index + 1:], index + 2, found)


def _check(rows, first_line: int, columns: dict[str, int]) -> list[NewAccount]:
    problems: list[str] = []
    accounts: list[NewAccount] = []
    seen: dict[str, int] = {}
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.valid_to.is_(None)))}

    def where(line: int, key: str) -> str:
        letter = chr(ord("A") + columns[key]) if columns[key] < 26 else str(columns[key] + 1)
        return f"Dòng {line}, cột {letter} ({COLUMNS[key]})"

    data_rows = [(first_line + i, row) for i, row in enumerate(rows)
                 if any(_text(v).strip() for v in row)]
    if len(data_rows) > MAX_ROWS:
        raise SheetRefused([f"Tệp có hơn {MAX_ROWS} tài khoản. Vui lòng chia thành nhiều tệp."])
    if not data_rows:
        raise SheetRefused(["Tệp không có dòng tài khoản nào dưới dòng tiêu đề."])
    for line, row in data_rows:
        cells = {key: _text(row[i] if i < len(row) else None) for key, i in columns.items()}
        bad = False
        for key, value in cells.items():
            problem = input_problem(value)
            if problem:
                problems.append(f"{where(line, key)}: {problem}")
                bad = True
        if bad:
            continue
        username = cells["username"].strip().lower()
        full_name = nfc(cells["full_name"])
        code = cells["unit_code"].strip()
        role = ROLE_NAMES.get(fold(nfc(cells["role"]).split(" (")[0]))
        ok = True
        if not username:
            problems.append(f"{where(line, 'username')}: Chưa nhập tên đăng nhập.")
            ok = False
        elif not USERNAME.fullmatch(username):
            problems.append(f"{where(line, 'username')}: “{username}” không hợp lệ: chỉ gồm chữ "
                            "thường không dấu, chữ số và . _ - (2–50 ký tự, bắt đầu bằng chữ "
                            "hoặc số).")
            ok = False
        elif username in seen:
            problems.append(f"{where(line, 'username')}: “{username}” trùng với dòng "
                            f"{seen[username]} trong tệp.")
            ok = False
        else:
            seen[username] = line
            if db.session.scalar(select(User.id).where(User.username == username)) is not None:
                problems.append(f"{where(line, 'username')}: “{username}” đã được dùng.")
                ok = False
        if not full_name:
            problems.append(f"{where(line, 'full_name')}: Chưa nhập họ và tên.")
            ok = False
        elif len(full_name) > FULL_NAME_MAX:
            problems.append(f"{where(line, 'full_name')}: Họ và tên dài tối đa "
                            f"{FULL_NAME_MAX} ký tự.")
            ok = False
        unit = units.get(code)
        if not code:
            problems.append(f"{where(line, 'unit_code')}: Chưa nhập mã đơn vị.")
            ok = False
        elif unit is None:
            problems.append(f"{where(line, 'unit_code')}: Không có đơn vị mã “{code}”.")
            ok = False
        if role is None:
            choices = "; ".join(f"“{label.split(' (')[0]}”" for r, label in ROLE_LABELS.items()
                                if r != Role.ADMIN)
            problems.append(f"{where(line, 'role')}: “{cells['role'].strip()}” không phải vai "
                            f"trò được tạo từ tệp ({choices}).")
            ok = False
        elif unit is not None and (message := role_unit_error(role.value, unit)):
            problems.append(f"{where(line, 'role')}: {message} Đơn vị {unit.code} là "
                            f"{unit.name}.")
            ok = False
        if ok:
            accounts.append(NewAccount(line, username, full_name, unit, role))
    if problems:
        raise SheetRefused(problems)
    return accounts


def create(accounts: list[NewAccount]) -> list[NewAccount]:
    """Add the accounts with their one-time passwords (the caller commits, once)."""
    for account in accounts:
        account.password = one_time_password(account.username)
        user = User(username=account.username, full_name=account.full_name,
                    role=account.role.value, unit=account.unit, active=True,
                    must_change_password=True)
        user.set_password(account.password)
        db.session.add(user)
    db.session.flush()
    return accounts
