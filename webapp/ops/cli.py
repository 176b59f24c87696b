"""Operators' commands: the first administrator, backup and restore."""
from __future__ import annotations

import re
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth import passwords
from ..extensions import db
from . import backup as backups

users = AppGroup("users", help="Tài khoản người dùng.")

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,49}")


def password_problem(password: str, username: str = "") -> str | None:
    """The same rules as every other new password (length setting, common list, user name)."""
    return passwords.problem(password, username)


@users.command("create-admin")
@click.option("--username", prompt="Tên đăng nhập", help="Tên đăng nhập (chữ thường, số, . _ -).")
@click.option("--full-name", prompt="Họ và tên", help="Họ và tên người quản trị.")
@click.option("--unit-code", prompt="Mã đơn vị", help="Mã đơn vị của người quản trị (ví dụ mã tỉnh).")
@click.option("--password", prompt="Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu",
              help="Ít nhất 12 ký tự (theo thiết lập); bỏ trống để được hỏi (không hiện khi gõ).")
def create_admin(username: str, full_name: str, unit_code: str, password: str) -> None:
    """Tạo tài khoản quản trị hệ thống (tài khoản đầu tiên)."""
    from ..auth.models import Role, User
    from ..units.models import Unit

    username = username.strip().lower()
    full_name = " ".join(full_name.split())
    if not USERNAME.fullmatch(username):
        raise click.ClickException("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu . _ - "
                                   "(3–50 ký tự).")
    if not full_name:
        raise click.ClickException("Họ và tên không được để trống.")
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise click.ClickException(f"Tên đăng nhập {username} đã có.")
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.strip()))
    if unit is None:
        hint = ("" if db.session.scalar(select(Unit.id).limit(1)) else
                " Chưa có đơn vị nào: chạy `flask --app wsgi units load-official <mã tỉnh>` trước.")
        raise click.ClickException(f"Không có đơn vị mã {unit_code}.{hint}")
    user = User(username=username, full_name=full_name, role=Role.ADMIN.value, unit=unit,
                active=True, must_change_password=False)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Đã tạo tài khoản quản trị {username} ({unit.name}).")


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Ghi thêm tên đăng nhập và mật khẩu dùng một lần vào tệp .xlsx này "
                   "(chỉ chủ sở hữu đọc được).")
def import_users(file: Path, out: Path | None) -> None:
    """Tạo hàng loạt tài khoản cán bộ từ tệp Excel (cột: Tên đăng nhập, Họ và tên, Mã đơn vị,
    Vai trò). Không tạo tài khoản nào nếu tệp còn lỗi."""
    from ..admin import bulk

    if out is not None:
        if out.suffix.lower() != ".xlsx":
            raise click.ClickException("Tệp --out phải có đuôi .xlsx.")
        if out.exists():
            raise click.ClickException(f"Tệp {out} đã có; chọn tên tệp khác.")
    try:
        accounts = bulk.read_sheet(file.read_bytes())
    except bulk.SheetRefused as exc:
        for line in exc.problems:
            click.echo(line, err=True)
        raise click.ClickException(f"Không tạo tài khoản nào: {len(exc.problems)} lỗi "
                                   "cần sửa trong tệp.") from None
    try:
        bulk.create(accounts)
        if out is not None:
            _write_passwords(out, accounts)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _remove(out)
        raise click.ClickException("Một tên đăng nhập vừa được tạo ở nơi khác; không tạo tài "
                                   "khoản nào. Vui lòng chạy lại lệnh.") from None
    except BaseException:
        db.session.rollback()
        _remove(out)
        raise
    click.echo(f"Đã tạo {len(accounts)} tài khoản. Mật khẩu dùng một lần (chỉ hiện lần này; "
               "người dùng phải đổi khi đăng nhập lần đầu):")
    width = max(len(a.username) for a in accounts)
    for account in accounts:
        click.echo(f"  {account.username:<{width}}  {account.password}  "
                   f"{account.full_name} ({account.unit.code})")
    if out is not None:
        click.echo(f"Đã ghi danh sách vào {out}. Trao cho từng người rồi xóa tệp này.")


def _write_passwords(out: Path, accounts) -> None:
    import os

    import xlsxwriter

    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        book = xlsxwriter.Workbook(handle, {"in_memory": True})
        sheet = book.add_worksheet("Tài khoản")
        bold = book.add_format({"bold": True})
        for col, header in enumerate(("Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Vai trò",
                                      "Mật khẩu dùng một lần")):
            sheet.write_string(0, col, header, bold)
        for row, a in enumerate(accounts, start=1):
            for col, value in enumerate((a.username, a.full_name, a.unit.code, a.role.label,
                                         a.password)):
                sheet.write_string(row, col, value)
        sheet.set_column(0, 4, 24)
        book.close()


def _remove(out: Path | None) -> None:
    if out is not None and out.exists():
        out.unlink()


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Sao lưu cơ sở dữ liệu và tệp đính kèm vào FILE (.tar.gz)."""
    try:
        summary = backups.backup(file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Đã sao lưu vào {file}: {summary.database}, {summary.tables} bảng, "
               f"{summary.rows} dòng, {summary.attachments} tệp đính kèm.")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Không hỏi xác nhận.")
def restore_command(file: Path, yes: bool) -> None:
    """Khôi phục cơ sở dữ liệu và tệp đính kèm từ FILE (ghi đè dữ liệu hiện có)."""
    if not yes:
        click.confirm(f"Toàn bộ dữ liệu hiện có sẽ bị thay bằng nội dung của {file}. Tiếp tục?",
                      abort=True)
    try:
        summary = backups.restore(file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Đã khôi phục từ {file}: {summary.database}, {summary.tables} bảng, "
               f"{summary.rows} dòng, {summary.attachments} tệp đính kèm. "
               "Nếu phần mềm mới hơn bản sao lưu, chạy tiếp `flask --app wsgi db upgrade`.")


def install(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
