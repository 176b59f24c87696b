"""`flask --app wsgi audit prune`: access records past the retention period are deleted."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..formatting import vn_number

audit = AppGroup("audit", help="Nhật ký truy cập và thay đổi.")


@audit.command("prune")
@click.option("--months", type=int, default=None,
              help="Giữ bao nhiêu tháng (mặc định: thiết lập, 24 tháng).")
def prune_command(months: int | None) -> None:
    """Xóa nhật ký truy cập (xem, danh sách, kiểm tra trùng, tải xuống) quá thời hạn lưu;
    nhật ký thay đổi dữ liệu được giữ lại."""
    from .. import settings
    from .services import prune

    kept = months if months is not None else settings.get("audit_access_retention_months")
    if kept < 1:
        raise click.ClickException("Số tháng phải lớn hơn 0.")
    count = prune(kept)
    db.session.commit()
    click.echo(f"Đã xóa {vn_number(count)} mục nhật ký truy cập cũ hơn {kept} tháng.")
