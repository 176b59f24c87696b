"""One mechanism records every change: a flush listener on models that declare `__audit__`.

A model lists the columns it wants recorded in `__audit__`; each insert or update of such an
object adds an AuditEvent with {field: [old, new]} in the same transaction, so the change and
its record are committed or rolled back together.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from ..extensions import db
from ..timeutil import now_utc
from .models import AuditEvent

# Columns whose values must never be copied into the log.
SECRET_FIELDS = {"password_hash"}
SECRET_MARK = "••••"


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _changes(obj, fields, creating: bool) -> dict:
    state = inspect(obj)
    out = {}
    for name in fields:
        hist = state.attrs[name].history
        if creating:
            new = getattr(obj, name)
            if new is not None:
                out[name] = [None, SECRET_MARK if name in SECRET_FIELDS else _plain(new)]
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                if name in SECRET_FIELDS:
                    old, new = SECRET_MARK, SECRET_MARK + " (đã đổi)"
                out[name] = [_plain(old), _plain(new)]
    return out


def _before_flush(session: Session, _ctx, _instances) -> None:
    """Read the changes while the attribute history still holds them."""
    pending = session.info.setdefault("audit_pending", [])
    new = list(session.new)  # session.new is rebuilt on every access: read it once
    new_ids = {id(obj) for obj in new}
    for obj in new + list(session.dirty):
        fields = getattr(type(obj), "__audit__", None)
        if not fields:
            continue
        creating = id(obj) in new_ids
        changes = _changes(obj, fields, creating)
        if changes:
            pending.append((obj, "create" if creating else "update", changes))
    for obj in session.deleted:
        fields = getattr(type(obj), "__audit__", None)
        if fields:
            pending.append((obj, "delete", {name: [_plain(getattr(obj, name)), None]
                                            for name in fields if name not in SECRET_FIELDS}))


def _after_flush(session: Session, _ctx) -> None:
    """Write the entries in one statement, now that new objects have their ids."""
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    actor, at = _actor_id(), now_utc()
    session.connection().execute(insert(AuditEvent), [
        {"at": at, "user_id": actor, "action": action, "object_type": type(obj).__name__,
         "object_id": obj.id, "changes": changes}
        for obj, action, changes in pending
    ])


def record(action: str, object_type: str, object_id: int | None = None,
           detail: dict | None = None) -> None:
    """Record a view or an export (reading sensitive data is an event too)."""
    db.session.add(AuditEvent(user_id=_actor_id(), action=action, object_type=object_type,
                              object_id=object_id, changes=detail))


def install() -> None:
    # Idempotent: a second app in the same process (tests, tools) must not record twice.
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
