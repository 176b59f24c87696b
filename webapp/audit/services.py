"""One mechanism records every change: a flush listener on models that declare `__audit__`.

A model lists the columns it wants recorded in `__audit__`; each insert or update of such an
object adds an AuditEvent with {field: [old, new]} in the same transaction, so the change and
its record are committed or rolled back together.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..timeutil import now_utc
from .models import AuditEvent, AuditPerson

# The most person ids one list or export keeps (the count is always kept).
PERSONS_CAP = 1000

# Columns whose values must never be copied into the log.
SECRET_FIELDS = {"password_hash"}
SECRET_MARK = "••••"


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    # A background job acts for the user who started it (jobs/runner.py).
    return g.get("acting_user_id") if has_app_context() else None


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


def record_created(model, rows: list[dict], writer=None) -> None:
    """The "create" entries of rows inserted in bulk (Core, without the ORM's flush): the
    same entries the flush listener writes for objects added one by one, in one statement.
    Each row holds its new `id` and the model's `__audit__` columns. A version counter is
    not in them, as it is not yet set when the listener reads a new object. `writer`: the
    caller's bulk.Writer, when its inserts go through one."""
    version = getattr(model, "__mapper__").version_id_col
    fields = [name for name in model.__audit__ if version is None or name != version.key]
    if not rows:
        return
    actor, at = _actor_id(), now_utc()
    entries = []
    secret = {name for name in fields if name in SECRET_FIELDS}
    for row in rows:
        changes = {}
        for name in fields:
            value = row.get(name)
            if value is not None:
                changes[name] = [None, SECRET_MARK if name in secret else
                                 value.isoformat() if isinstance(value, date) else value]
        entries.append({"at": at, "user_id": actor, "action": "create",
                        "object_type": model.__name__, "object_id": row["id"],
                        "changes": changes})
    from ..ops import bulk

    if writer is not None:
        writer.insert(AuditEvent.__table__, entries)
    else:
        bulk.insert_rows(AuditEvent.__table__, entries)


def record(action: str, object_type: str, object_id: int | None = None,
           detail: dict | None = None, persons: Iterable[int] | None = None) -> AuditEvent:
    """Record a view, a list, a probe or an export (reading sensitive data is an event too).

    `persons`: the ids of the persons it showed or matched, kept (the first PERSONS_CAP of
    them) as rows of their own; `detail["persons"]` gets how many there were.
    """
    event = AuditEvent(user_id=_actor_id(), action=action, object_type=object_type,
                       object_id=object_id, changes=detail)
    kept: list[int] = []
    if persons is not None:
        given = [int(i) for i in persons]
        seen: set[int] = set()
        for i in given:  # the first PERSONS_CAP distinct ids, in their order
            if i not in seen:
                seen.add(i)
                kept.append(i)
                if len(kept) == PERSONS_CAP:
                    break
        # How many distinct ids, counted on a sorted copy: a whole country's export holds
        # hundreds of thousands, whose set would cost the request ten times the memory.
        given.sort()
        count = sum(1 for a, b in zip(given, islice(given, 1, None)) if a != b) + bool(given)
        event.changes = {**(detail or {}), "persons": count}
        if count > PERSONS_CAP:
            event.changes["persons_recorded"] = PERSONS_CAP
    db.session.add(event)
    if kept:
        # The ids as plain rows in one statement, in the same transaction (an export's
        # thousand AuditPerson objects cost its request more than the query did).
        db.session.flush()
        db.session.execute(insert(AuditPerson.__table__),
                           [{"event_id": event.id, "person_id": i} for i in kept])
    return event


def keyed(text: str | None, kind: str = "q") -> str | None:
    """A keyed hash (HMAC-SHA256 with SECRET_KEY) of what was typed, folded (case, diacritics,
    spaces), so the log can say "the same term" — and an investigator who knows a name or an
    ID number can check it — without holding the text."""
    from ..vntext import fold

    folded = " ".join(fold(text or "").split())
    if not folded:
        return None
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{kind}:{folded}".encode(), hashlib.sha256).hexdigest()


def filters_for_log(args: dict) -> dict:
    """A list's filters as recorded: the search term only as its keyed hash."""
    out = dict(args)
    if out.get("q"):
        out["q"] = "hmac:" + keyed(out["q"])
    return out


# --- Duplicate probes -------------------------------------------------------------------------

def probes_left(user_id: int) -> bool:
    """Whether the account may run one more duplicate check in the current window."""
    from .. import settings

    since = now_utc() - timedelta(minutes=settings.get("probe_window_minutes"))
    used = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.user_id == user_id, AuditEvent.action == "probe", AuditEvent.at >= since))
    return used < settings.get("probe_limit")


def record_probe(typed: dict, where: str, matched: Iterable[int] | None,
                 refused: bool = False) -> None:
    """A duplicate check: keyed hashes of what was typed, and the ids it matched."""
    detail = {"where": where,
              "name": keyed(f"{typed.get('full_name') or ''} {typed.get('birth_year') or ''}"
                            if typed.get("full_name") else None, "name"),
              "id_number": keyed(typed.get("id_number"), "id")}
    if refused:
        record("probe_refused", "Person", None, detail)
    else:
        record("probe", "Person", None, detail, persons=matched or [])


# --- Retention --------------------------------------------------------------------------------

# Records of reading, not of changing: these are pruned after the retention period.
ACCESS_ACTIONS = ("view", "view_list", "export", "print", "probe", "probe_refused", "refused",
                  "find")


def prune(months: int | None = None, now: datetime | None = None) -> int:
    """Delete access records older than `months` (the setting by default); returns how many.
    Change records (create, update, delete, import) are kept whatever their age."""
    from dateutil.relativedelta import relativedelta

    from .. import settings

    months = months if months is not None else settings.get("audit_access_retention_months")
    cutoff = (now or now_utc()) - relativedelta(months=months)
    old = (AuditEvent.action.in_(ACCESS_ACTIONS), AuditEvent.at < cutoff)
    db.session.execute(delete(AuditPerson).where(
        AuditPerson.event_id.in_(select(AuditEvent.id).where(*old))),
        execution_options={"synchronize_session": False})
    result = db.session.execute(delete(AuditEvent).where(*old),
                                execution_options={"synchronize_session": False})
    return result.rowcount


def install() -> None:
    # Idempotent: a second app in the same process (tests, tools) must not record twice.
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
