"""Correcting an entry of a file in place, or voiding it as "ghi nhầm" — never deleting it.

Every timeline event, rehab episode, methadone period, post-rehab term and post-rehab activity
can be corrected (its fields) or voided, with a required reason. A change is refused when it
would leave the file contradicting itself (`consistency.introduced`): nothing is half-written.
The audit listener records old → new with the reason; the state, the periods and the current
treatment are derived again. Voiding the closing of a file reopens it.
"""
from __future__ import annotations

from datetime import date

from ..auth.models import User
from ..extensions import db
from ..timeutil import now_utc, today_local
from ..treatment import services as treatment
from ..treatment.models import MethadonePeriod, PostRehabActivity, PostRehabTerm, RehabEpisode
from ..treatment.vocab import ACTIVITY_KINDS, METHADONE_STOPS, OUTCOMES
from . import services
from .consistency import introduced, problems
from .models import Person, PersonEvent
from .vocab import EVENT_LABELS, EventKind

KINDS = {"event": PersonEvent, "episode": RehabEpisode, "methadone": MethadonePeriod,
         "post_rehab": PostRehabTerm, "activity": PostRehabActivity}
KIND_LABELS = {"event": "sự kiện", "episode": "đợt cai nghiện", "methadone": "đợt điều trị Methadone",
               "post_rehab": "đợt quản lý sau cai", "activity": "hoạt động quản lý sau cai"}
REASON_MAX = 500
# Kinds of entries other packages keep (the dossier's documents, scans, case notes), added by
# `register`: kind -> (fields: tuple or entry -> tuple, validate(entry, data, today) -> errors).
REGISTERED: dict[str, tuple] = {}


def register(kind: str, model, label: str, fields, validate) -> None:
    KINDS[kind], KIND_LABELS[kind] = model, label
    REGISTERED[kind] = (fields, validate)

# The fields a correction may change, per kind (an event's depend on its kind).
EVENT_FIELDS = {
    EventKind.POSITIVE_TEST: ("event_date", "facility", "doc_number", "note"),
    EventKind.MANAGEMENT: ("event_date", "doc_number", "signer", "term_end", "note"),
    EventKind.DETERMINATION: ("event_date", "addicted", "facility", "doc_number", "note"),
    EventKind.CLOSING: ("event_date", "reason", "doc_number", "signer", "note"),
    EventKind.TRANSFER: ("note",),
}
FIELDS = {
    "episode": ("form", "start_date", "planned_end", "facility", "decision_number",
                "decision_date", "decided_by", "end_date", "outcome", "note"),
    "methadone": ("facility", "start_date", "end_date", "stop_reason", "note"),
    "post_rehab": ("decision_number", "decision_date", "signer", "ended_on",
                   "certificate_number"),
    "activity": ("kind", "on", "positive", "note"),
}


def kind_of(entry) -> str:
    return next(k for k, model in KINDS.items() if isinstance(entry, model))


def person_of(entry) -> Person:
    return entry.term.person if isinstance(entry, PostRehabActivity) else entry.person


def label_of(entry) -> str:
    if isinstance(entry, PersonEvent):
        return EVENT_LABELS[EventKind(entry.kind)].lower()
    return KIND_LABELS[kind_of(entry)]


def fields_of(entry) -> tuple[str, ...]:
    if isinstance(entry, PersonEvent):
        return EVENT_FIELDS[EventKind(entry.kind)]
    if kind_of(entry) in REGISTERED:
        fields = REGISTERED[kind_of(entry)][0]
        return fields(entry) if callable(fields) else fields
    fields = FIELDS[kind_of(entry)]
    if isinstance(entry, (RehabEpisode, MethadonePeriod)) and entry.end_date is None:
        return tuple(f for f in fields if f not in ("end_date", "outcome", "stop_reason"))
    if isinstance(entry, PostRehabTerm):
        if entry.status == "suggested":
            return ()
        if entry.ended_on is None:
            return ("decision_number", "decision_date", "signer")
    return fields


def find(person: Person, kind: str, entry_id: int):
    """The entry of this person's file, or None (another person's entry is not found)."""
    model = KINDS.get(kind)
    entry = db.session.get(model, entry_id) if model is not None else None
    if entry is None or person_of(entry).id != person.id:
        return None
    return entry


def _reason(text: str | None, errors: dict, what: str) -> str | None:
    reason = services.clean_text(text)
    if not reason:
        errors["why"] = f"Vui lòng nhập lý do {what}."
    elif len(reason) > REASON_MAX:
        errors["why"] = f"Lý do tối đa {REASON_MAX} ký tự."
    return reason


def _guarded(person: Person, change, today: date) -> dict[str, str]:
    """Apply `change()` to the file; undo it and explain if it introduced a contradiction.
    Errors are keyed by field; "why" (the reason's field) carries the whole explanation."""
    with db.session.no_autoflush:
        before = problems(person, today)
        undo = change()
        new = introduced(before, problems(person, today))
        if new:
            undo()
            errors = {p.field: p.message for p in reversed(new) if p.field}
            errors["why"] = ("Không thể lưu vì hồ sơ sẽ mâu thuẫn: "
                                + " ".join(p.message for p in new))
            return errors
    _rederive(person)
    return {}


def _rederive(person: Person) -> None:
    services.refresh_state(person)
    treatment.refresh_treatment(person)


def void(entry, reason_text: str | None, user: User, today: date | None = None) -> dict[str, str]:
    """Mark the entry "ghi nhầm". Returns {field: message}; nothing changes unless empty."""
    today = today or today_local()
    errors: dict[str, str] = {}
    reason = _reason(reason_text, errors, "hủy (ghi nhầm)")
    if entry.voided:
        errors["why"] = "Mục này đã được hủy trước đó."
    if errors:
        return errors
    person = person_of(entry)
    # A post-rehab suggestion made by a wrongly recorded rehab or methadone goes with it.
    followers = [t for t in person.post_rehab_terms if t.status == "suggested" and not t.voided
                 and (t.episode is entry or t.methadone is entry)]
    # An entry may name what goes with it (a case note's positive test on the timeline).
    followers += list(getattr(entry, "voided_with", ()))

    def change():
        at = now_utc()
        for item in [entry, *followers]:
            item.voided_at, item.voided_by_id, item.void_reason = at, user.id, reason

        def undo():
            for item in [entry, *followers]:
                item.voided_at = item.voided_by_id = item.void_reason = None
        return undo

    return _guarded(person, change, today)


def validate(entry, data: dict, today: date | None = None) -> dict[str, str]:
    """Check a correction of `entry` into `data` with the rules a new entry obeys."""
    today = today or today_local()
    person = person_of(entry)
    errors: dict[str, str] = {}
    if entry.voided:
        return {"why": "Mục này đã bị hủy (ghi nhầm); không sửa được."}
    if kind_of(entry) in REGISTERED:
        return REGISTERED[kind_of(entry)][1](entry, data, today)
    if isinstance(entry, PersonEvent):
        kind = EventKind(entry.kind)
        if kind == EventKind.TRANSFER:
            data = {"note": data.get("note")}
            services.too_long(errors, data, ("note",))
            return errors
        data.setdefault("term_end", None)
        return services.validate_event(person, kind, data, today, exclude=entry)
    if isinstance(entry, RehabEpisode):
        errors = treatment.validate_episode(person, data, today, exclude=entry)
        if entry.end_date is not None:
            end = data.get("end_date")
            treatment.check_day(errors, "end_date", end, person, today, "Ngày kết thúc")
            if "end_date" not in errors and data.get("start_date") and end < data["start_date"]:
                errors["end_date"] = "Ngày kết thúc không được trước ngày bắt đầu."
            if data.get("outcome") not in OUTCOMES:
                errors["outcome"] = "Vui lòng chọn kết quả."
        return errors
    if isinstance(entry, MethadonePeriod):
        treatment.clean_texts(data, errors, ("facility", "note"))
        if not data.get("facility"):
            errors["facility"] = "Vui lòng nhập cơ sở điều trị Methadone."
        treatment.check_day(errors, "start_date", data.get("start_date"), person, today,
                             "Ngày bắt đầu")
        if entry.end_date is not None:
            end = data.get("end_date")
            treatment.check_day(errors, "end_date", end, person, today, "Ngày dừng")
            if "end_date" not in errors and "start_date" not in errors \
                    and end < data["start_date"]:
                errors["end_date"] = "Ngày dừng không được trước ngày bắt đầu."
            if data.get("stop_reason") not in METHADONE_STOPS:
                errors["stop_reason"] = "Vui lòng chọn lý do dừng điều trị."
        return errors
    if isinstance(entry, PostRehabTerm):
        treatment.clean_texts(data, errors, ("decision_number", "signer", "certificate_number"))
        if not data.get("decision_number"):
            errors["decision_number"] = "Vui lòng nhập số quyết định (Mẫu 51)."
        if not data.get("signer"):
            errors["signer"] = "Vui lòng nhập người ký quyết định."
        treatment.check_day(errors, "decision_date", data.get("decision_date"), person, today,
                             "Ngày quyết định")
        if entry.ended_on is not None:
            treatment.check_day(errors, "ended_on", data.get("ended_on"), person, today,
                                 "Ngày kết thúc")
            if "ended_on" not in errors and "decision_date" not in errors \
                    and data["ended_on"] < data["decision_date"]:
                errors["ended_on"] = "Ngày kết thúc không được trước ngày quyết định."
            if entry.end_reason == "completed" and not data.get("certificate_number"):
                errors["certificate_number"] = "Vui lòng nhập số giấy chứng nhận (Mẫu 54)."
        return errors
    treatment.clean_texts(data, errors, ("note",))
    if data.get("kind") not in ACTIVITY_KINDS:
        errors["kind"] = "Vui lòng chọn loại hoạt động."
    treatment.check_day(errors, "on", data.get("on"), person, today)
    return errors


def correct(entry, data: dict, reason_text: str | None, user: User,
            today: date | None = None) -> dict[str, str]:
    """Change the entry's fields to the validated `data`, with a reason. {field: message}."""
    today = today or today_local()
    errors: dict[str, str] = {}
    reason = _reason(reason_text, errors, "sửa")
    errors.update(validate(entry, data, today))
    if errors:
        return errors
    fields = fields_of(entry)
    new = {name: data.get(name) for name in fields}
    if isinstance(entry, PostRehabTerm):
        new["start_date"] = new["decision_date"]
        new["end_date"] = treatment.add_term(new["decision_date"], entry.months, "months")
    if all(getattr(entry, name) == value for name, value in new.items()):
        return {"why": "Không có thông tin nào thay đổi."}
    person = person_of(entry)

    def change():
        old = {name: getattr(entry, name) for name in
               (*new, "corrected_at", "corrected_by_id", "correction_reason")}
        for name, value in new.items():
            setattr(entry, name, value)
        entry.corrected_at, entry.corrected_by_id = now_utc(), user.id
        entry.correction_reason = reason

        def undo():
            for name, value in old.items():
                setattr(entry, name, value)
        return undo

    return _guarded(person, change, today)

