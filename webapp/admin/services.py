"""Managing accounts. Every change is recorded by the audit listener on User."""
from __future__ import annotations

from sqlalchemy import select

from ..auth.models import ROLE_LEVEL, Role, User
from ..extensions import db
from ..units.models import Unit


def role_unit_error(role: str, unit: Unit) -> str | None:
    """An officer sits at the tier of their role; an admin may sit at any unit."""
    level = ROLE_LEVEL.get(Role(role))
    if level is not None and unit.level != level:
        return f"Vai trò này phải thuộc đơn vị cấp {_LEVEL_NAMES[level]}."
    return None


_LEVEL_NAMES = {"national": "trung ương", "province": "tỉnh", "district": "huyện", "commune": "xã"}


def username_taken(username: str, except_id: int | None = None) -> bool:
    query = select(User.id).where(User.username == username)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None
