"""`flask --app wsgi dashboard refresh`: count every unit's dashboard months ahead (at night),
so no officer's first home page of the day waits for them."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..units.models import Unit
from . import services

dashboard = AppGroup("dashboard", help="Số liệu biểu đồ trang chủ.")


@dashboard.command("refresh")
@click.option("--unit", "code", default=None, help="Chỉ một đơn vị (mã).")
def refresh(code: str | None) -> None:
    """Tính lại số liệu 12 tháng của các đơn vị tỉnh, huyện (và xã) cho biểu đồ trang chủ."""
    query = select(Unit).where(Unit.valid_to.is_(None)).order_by(Unit.path)
    if code:
        query = query.where(Unit.code == code)
    count = 0
    for unit in db.session.scalars(query):
        services.refresh(unit)
        db.session.commit()
        count += 1
    click.echo(f"Đã tính lại số liệu biểu đồ của {count} đơn vị.")



