"""What is due for the signed-in officer (the home page's "Việc cần làm")."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from .. import settings
from ..auth.models import Role, User
from ..extensions import db
from ..registry.models import Person, TransferRequest
from ..registry.vocab import State
from ..scoping import scoped_persons, scoped_transfers
from ..timeutil import today_local


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def worklist(user: User) -> dict[str, int] | None:
    if user.role == Role.ADMIN:
        return None
    today = today_local()
    horizon = today + timedelta(days=settings.get("due_soon_days"))
    pending = scoped_transfers(user).where(TransferRequest.status == "pending")
    work = {
        "terms_ending": _count(scoped_persons(user).where(
            Person.state == State.USER.value, Person.management_until.between(today, horizon))),
        "transfers_to_decide": 0,
        "transfers_waiting": 0,
    }
    if user.role == Role.COMMUNE:
        mine = TransferRequest.requested_by_unit_id == user.unit_id
        work["transfers_to_decide"] = _count(pending.where(
            ~mine & ((TransferRequest.from_unit_id == user.unit_id)
                     | (TransferRequest.to_unit_id == user.unit_id))))
        work["transfers_waiting"] = _count(pending.where(mine))
    else:
        work["transfers_waiting"] = _count(pending)
    return work
