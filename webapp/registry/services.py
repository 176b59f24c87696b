"""Rules of the registry: validating and saving a person, the timeline, duplicates, transfers.

Views and the Excel import call these; every rule lives here once. Validation returns
{field: Vietnamese message}; nothing is written unless it is empty.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .. import settings
from ..audit.models import AuditEvent
from ..auth.models import Role, User
from ..extensions import db
from ..scoping import in_scope, locate_person_anywhere, province_of
from ..timeutil import now_utc, today_local
from ..units.models import Level, Unit, under
from ..vntext import fold, nfc, sort_key
from .models import PERSON_FIELDS, Person, PersonEvent, PersonPeriod, TransferRequest, active
from .state import derive, derive_periods
from .vocab import (CLOSING_REASONS, DRUGS, ETHNICITY_CODES, OCCUPATION_GROUPS, SEXES, EventKind,
                    State, Status)

ID_NUMBER = re.compile(r"[0-9]{12}")
MAX_LENGTHS = {"full_name": 120, "other_names": 200, "occupation": 120, "address": 250,
               "current_address": 250, "phone": 20, "family_contact": 250, "other_drugs": 200,
               "notes": 2000, "doc_number": 50, "signer": 120, "facility": 200, "note": 2000}
TEXT_FIELDS = ("full_name", "other_names", "occupation", "address", "current_address", "phone",
               "family_contact", "other_drugs", "notes")


class RegistryError(ValueError):
    """A refused action, with a message for the user (and the field it concerns, if any)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def clean_text(value: str | None) -> str | None:
    """NFC, trimmed; empty becomes None. Multi-line notes keep their line breaks."""
    if value is None:
        return None
    import unicodedata

    value = unicodedata.normalize("NFC", str(value)).strip()
    return value or None


def normalize_id_number(value: str | None) -> str | None:
    """Spaces and line breaks removed, full-width digits made ASCII (typed or pasted from Excel)."""
    if value is None:
        return None
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(value)).split()) or None


def too_long(errors: dict, data: dict, fields) -> None:
    for name in fields:
        value = data.get(name)
        limit = MAX_LENGTHS.get(name)
        if value and limit and len(value) > limit:
            errors[name] = f"Tối đa {limit:,} ký tự (đang có {len(value):,}).".replace(",", ".")


def age_on(day: date, born: date) -> int:
    """Whole years from `born` to `day` (not before it): relativedelta(day, born).years,
    without its cost (it steps month by month). Born on 29 February, one is a year older
    on 28 February of a common year, as relativedelta counts."""
    try:
        birthday = born.replace(year=day.year)
    except ValueError:  # 29 February, in a common year
        birthday = date(day.year, 2, 28)
    return day.year - born.year - (day < birthday)


# --- Persons ----------------------------------------------------------------------------------

def validate_person(data: dict, user: User, today: date | None = None) -> dict[str, str]:
    """Check a person's fields (already parsed); returns {field: message}."""
    today = today or today_local()
    errors: dict[str, str] = {}
    for name in TEXT_FIELDS:
        data[name] = clean_text(data.get(name))
    if data.get("full_name"):
        data["full_name"] = nfc(data["full_name"])
    if not data.get("full_name"):
        errors["full_name"] = "Vui lòng nhập họ và tên."
    too_long(errors, data, TEXT_FIELDS)
    if data.get("sex") not in SEXES:
        errors["sex"] = "Vui lòng chọn giới tính."
    born, year = data.get("birth_date"), data.get("birth_year")
    if year is None:
        errors.setdefault("birth", "Vui lòng nhập ngày sinh hoặc năm sinh.")
    elif not isinstance(year, int) or not today.year - 110 <= year <= today.year or (
            born is not None and born.year != year):
        errors["birth"] = "Năm sinh không hợp lệ."
    else:
        born_on = born or date(year, 1, 1)
        if born_on > today:
            errors["birth"] = "Ngày sinh không được sau ngày hôm nay."
        else:
            # With only a year, the person may already have had their birthday: be lenient.
            age = today.year - year if born is None else age_on(today, born)
            if age < settings.get("min_age"):
                errors["birth"] = (f"Người dưới {settings.get('min_age')} tuổi không thuộc diện "
                                   "quản lý (tuổi tính đến hôm nay: " f"{age}).")
    listed = data.get("listed_on")
    if listed is not None and listed > today:
        errors["listed_on"] = "Ngày đưa vào danh sách không được sau ngày hôm nay."
    elif listed is not None and "birth" not in errors and isinstance(year, int) \
            and listed < (born or date(year, 1, 1)):
        errors["listed_on"] = "Ngày đưa vào danh sách không được trước ngày sinh."
    id_number = normalize_id_number(data.get("id_number"))
    data["id_number"] = id_number
    if id_number and not ID_NUMBER.fullmatch(id_number):
        errors["id_number"] = "Số định danh cá nhân phải gồm 12 chữ số."
    if data.get("ethnicity") and data["ethnicity"] not in ETHNICITY_CODES:
        errors["ethnicity"] = "Dân tộc không có trong danh mục."
    if data.get("occupation_group") and data["occupation_group"] not in OCCUPATION_GROUPS:
        errors["occupation_group"] = "Nhóm nghề không hợp lệ."
    if data.get("main_drug") and data["main_drug"] not in DRUGS:
        errors["main_drug"] = "Loại ma túy không hợp lệ."
    unit = data.get("unit")
    if unit is None:
        errors["unit"] = "Vui lòng chọn xã nơi cư trú."
    elif unit.level != Level.COMMUNE or not in_scope(user, unit):
        errors["unit"] = "Xã nơi cư trú không thuộc phạm vi quản lý của bạn."
    elif unit.valid_to is not None and unit.valid_to <= today:
        errors["unit"] = f"{unit.name} đã sáp nhập; vui lòng chọn đơn vị mới."
    return errors


def derive_fields(person: Person) -> None:
    """The search, sort and age columns of a file (a Person, or its values before a bulk
    insert)."""
    person.name_folded = fold(person.full_name)
    person.search_text = " ".join(filter(None, [
        person.name_folded, fold(person.other_names), person.id_number or ""]))[:400]
    person.sort_key = sort_key(person.full_name)[:400]
    person.born_on = person.birth_date or date(person.birth_year, 1, 1)


_derive_fields = derive_fields


def save_person(person: Person | None, data: dict, user: User,
                expected_version: int | None = None) -> Person:
    """Create or update a person from validated data. Raises StaleEdit on a stale form."""
    creating = person is None
    if creating:
        person = Person(created_by_id=user.id, registered_on=today_local())
        db.session.add(person)
        db.session.info.setdefault("periods_stale", set()).add(person)
    if not creating and expected_version is not None and expected_version != person.version:
        raise StaleEdit(person, expected_version)
    listed_on = data.get("listed_on") or person.listed_on or today_local()
    if listed_on != person.listed_on:
        person.listed_on = listed_on
        db.session.info.setdefault("periods_stale", set()).add(person)
    before = {name: getattr(person, name) for name in PERSON_FIELDS}
    for name in PERSON_FIELDS:
        if name == "unit_id":
            continue
        setattr(person, name, bool(data.get(name)) if name == "injecting" else data.get(name))
    person.unit = data["unit"]
    person.unit_id = data["unit"].id
    if not creating:
        if all(getattr(person, name) == before[name] for name in PERSON_FIELDS):
            return person  # nothing changed: no new version, no audit entry
        person.version = person.version + 1
        if person.unit_id != before["unit_id"]:
            db.session.info.setdefault("periods_stale", set()).add(person)
    person.updated_by_id = user.id
    derive_fields(person)
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleEdit(db.session.get(Person, person.id), expected_version) from None
    except IntegrityError:
        # The unique ID number: someone registered it between our check and this write.
        db.session.rollback()
        if data.get("id_number") and db.session.scalar(select(Person.id).where(
                Person.id_number == data["id_number"])) is not None:
            raise DuplicateIdNumber() from None
        raise
    return person


DUPLICATE_ID_MESSAGE = ("Số định danh này vừa được đăng ký cho một hồ sơ khác; không thể lưu "
                        "trùng. Vui lòng kiểm tra lại.")


class DuplicateIdNumber(Exception):
    """Two saves of one ID number at once: the unique constraint refused the second."""


class StaleEdit(Exception):
    """Someone saved the person after this form was opened."""

    def __init__(self, person: Person, seen_version: int | None):
        super().__init__("stale")
        self.person = person
        self.seen_version = seen_version

    def changes(self) -> list[AuditEvent]:
        """Edits made since the version the user saw, oldest first."""
        entries = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "Person",
                                     AuditEvent.object_id == self.person.id,
                                     AuditEvent.action == "update")
            .order_by(AuditEvent.id)).all()
        seen = self.seen_version or 0
        return [e for e in entries if (e.changes or {}).get("version", [0])[0] >= seen]


# --- Duplicates -------------------------------------------------------------------------------

@dataclass
class Duplicate:
    """One match of the duplicate check, as the user who typed may learn it.

    reason: "id_number" (same ID number; the commune is named, and the file linked when in
    scope), "id_number_elsewhere" (same ID number outside the user's scope with another name:
    nothing is told — no commune, no name — the save is just refused), "name_birth".
    """
    reason: str
    person_id: int
    unit: Unit | None  # None when nothing may be told
    in_scope: bool
    full_name: str | None  # only when in scope

    @property
    def blocking(self) -> bool:
        return self.reason in ("id_number", "id_number_elsewhere")


def find_duplicates(data: dict, user: User, exclude_id: int | None = None) -> list[Duplicate]:
    """Same ID number anywhere; same folded name and birth year in the user's province.

    Not an oracle: an ID number that matches a file outside the user's scope tells which
    commune holds it only when the name typed matches that file's too.
    """
    found: dict[int, Duplicate] = {}
    if data.get("id_number"):
        typed_name = " ".join(fold(data.get("full_name") or "").split())
        for person in locate_person_anywhere(Person.id_number == data["id_number"], exclude_id):
            if in_scope(user, person.unit) or (
                    typed_name and typed_name == " ".join(person.name_folded.split())):
                found[person.id] = _duplicate("id_number", person, user)
            else:
                found[person.id] = Duplicate("id_number_elsewhere", person.id, None, False, None)
    if data.get("full_name") and data.get("birth_year"):
        province = province_of(user.unit)
        condition = ((Person.name_folded == fold(data["full_name"]))
                     & (Person.birth_year == data["birth_year"])
                     & Person.unit_id.in_(select(Unit.id).where(under(Unit.path, province.path))))
        for person in locate_person_anywhere(condition, exclude_id):
            found.setdefault(person.id, _duplicate("name_birth", person, user))
    return list(found.values())


def _duplicate(reason: str, person: Person, user: User) -> Duplicate:
    visible = in_scope(user, person.unit)
    return Duplicate(reason, person.id, person.unit, visible, person.full_name if visible else None)


# --- Timeline ---------------------------------------------------------------------------------

def refresh_state(person: Person) -> None:
    derived = derive(person.events)
    person.state = derived.state.value
    person.state_since = derived.since
    person.management_until = derived.management_until
    person.closed_reason = derived.closed_reason
    # The periods are rebuilt once per flush, however many events were added (see below).
    db.session.info.setdefault("periods_stale", set()).add(person)


def rebuild_periods(person: Person) -> None:
    transfers = [e for e in person.active_events
                 if e.kind == EventKind.TRANSFER and e.from_unit_id]
    first_unit = transfers[0].from_unit_id if transfers else person.unit_id
    opened = person.listed_on or person.registered_on or today_local()
    periods = derive_periods(person.events, opened, first_unit)
    # An event older than the date typed proves the person was on the lists by then.
    person.listed_on = periods[0].start
    person.periods = [
        PersonPeriod(unit_id=p.unit_id, state=p.state.value, start_date=p.start, end_date=p.end)
        for p in periods]


@event.listens_for(Session, "before_flush")
def _rebuild_stale_periods(session: Session, _ctx, _instances) -> None:
    stale = session.info.pop("periods_stale", None)
    for person in stale or ():
        if person in session or person in session.new:
            rebuild_periods(person)


def validate_event(person: Person, kind: EventKind, data: dict,
                   today: date | None = None, exclude: PersonEvent | None = None
                   ) -> dict[str, str]:
    """Check a new event, or a correction of `exclude` (the event as it was) into `data`."""
    today = today or today_local()
    events = [e for e in person.events if e is not exclude]
    errors: dict[str, str] = {}
    for name in ("doc_number", "signer", "facility", "note"):
        data[name] = clean_text(data.get(name))
    too_long(errors, data, ("doc_number", "signer", "facility", "note"))
    on = data.get("event_date")
    if on is None:
        errors["event_date"] = "Vui lòng nhập ngày."
        return errors
    if on > today:
        errors["event_date"] = "Ngày không được sau ngày hôm nay."
    elif on < person.born_on or (person.birth_date is None and on.year < person.birth_year):
        errors["event_date"] = "Ngày không được trước ngày sinh của người này."
    elif on.year - person.birth_year < settings.get("min_age"):
        errors["event_date"] = (f"Ngày này người đó chưa đủ {settings.get('min_age')} tuổi; "
                                "không thuộc diện quản lý.")
    before = derive(events, on)
    after_all = derive(events)
    if after_all.final:
        errors["event_date"] = ("Hồ sơ đã đưa ra khỏi danh sách vì lý do "
                                f"\u201c{CLOSING_REASONS[after_all.closed_reason].lower()}\u201d; "
                                "không thể ghi thêm.")
    if kind == EventKind.MANAGEMENT:
        if before.state == State.ADDICT:
            errors["event_date"] = ("Người này đã được xác định nghiện ma túy; không áp dụng "
                                    "quyết định quản lý người sử dụng trái phép.")
        months = settings.get("management_term_months")
        data["term_end"] = data.get("term_end") or on + relativedelta(months=months)
        if data["term_end"] <= on:
            errors["term_end"] = "Ngày hết hạn quản lý phải sau ngày quyết định."
        if not data.get("doc_number"):
            errors["doc_number"] = "Vui lòng nhập số quyết định."
    elif kind == EventKind.DETERMINATION:
        if data.get("addicted") is None:
            errors["addicted"] = "Vui lòng chọn kết luận: có nghiện hoặc không nghiện."
        if not data.get("facility"):
            errors["facility"] = "Vui lòng nhập cơ sở y tế xác định."
    elif kind == EventKind.CLOSING:
        if data.get("reason") not in CLOSING_REASONS:
            errors["reason"] = "Vui lòng chọn lý do đưa ra khỏi danh sách."
        if before.state == State.CLOSED:
            errors["event_date"] = "Hồ sơ đã được đưa ra khỏi danh sách quản lý."
    return errors


def new_event_row(person, kind: EventKind, data: dict, user: User, at) -> dict:
    """A validated event as a row for a bulk insert (a new file's timeline, written at once);
    `SimpleNamespace(**row)` stands for it where the state and periods derive in memory."""
    row = {"kind": kind.value, "event_date": data["event_date"], "created_by_id": user.id,
           "created_at": at, "voided_at": None}
    for name in ("doc_number", "signer", "facility", "addicted", "term_end", "reason", "note",
                 "from_unit_id", "to_unit_id"):
        row[name] = data.get(name)
    return row


def derived_state(events: list) -> dict:
    """The stored state columns of a file with these (new) events, as refresh_state sets
    them; a file without events keeps the columns' defaults."""
    if not events:
        return {"state": State.SUSPECTED.value, "state_since": None, "management_until": None,
                "closed_reason": None}
    derived = derive(events)
    return {"state": derived.state.value, "state_since": derived.since,
            "management_until": derived.management_until,
            "closed_reason": derived.closed_reason}


def periods_of(events: list, opened: date, unit_id: int):
    """A new file's periods, as rebuild_periods derives them (no transfer yet)."""
    return derive_periods(events, opened, unit_id)


def add_event(person: Person, kind: EventKind, data: dict, user: User) -> PersonEvent:
    """Record a validated event and re-derive the state."""
    event = PersonEvent(
        person=person, person_id=person.id, kind=kind.value, event_date=data["event_date"],
        doc_number=data.get("doc_number"), signer=data.get("signer"),
        facility=data.get("facility"), addicted=data.get("addicted"),
        term_end=data.get("term_end"), reason=data.get("reason"), note=data.get("note"),
        from_unit_id=data.get("from_unit_id"), to_unit_id=data.get("to_unit_id"),
        created_by_id=user.id,
    )
    db.session.add(event)  # person.events already holds it (back-populated)
    refresh_state(person)
    if kind == EventKind.CLOSING:
        # A closed file cannot move: a pending transfer ends with it.
        waiting = pending_transfer(person)
        if waiting is not None:
            waiting.status, waiting.decided_at = "cancelled", now_utc()
            waiting.decided_by_id, waiting.reason = user.id, "Hồ sơ đã đưa ra khỏi danh sách."
    return event


# --- Transfers --------------------------------------------------------------------------------

def pending_transfer(person: Person) -> TransferRequest | None:
    return db.session.scalar(select(TransferRequest).where(
        TransferRequest.person_id == person.id, TransferRequest.status == "pending"))


def request_transfer(person: Person, other: Unit, user: User, note: str | None,
                     incoming: bool = False) -> TransferRequest:
    """`incoming=False`: the person's commune sends the file to `other`.
    `incoming=True`: the user's commune asks `other`'s commune... i.e. the person's, to send it."""
    if user.role != Role.COMMUNE:
        raise RegistryError("Chỉ cán bộ cấp xã đề nghị chuyển hồ sơ.")
    if other.level != Level.COMMUNE:
        raise RegistryError("Vui lòng chọn một xã, phường hoặc thị trấn.", "to_unit")
    if other.valid_to is not None and other.valid_to <= today_local():
        raise RegistryError(f"{other.name} đã sáp nhập; vui lòng chọn đơn vị mới.", "to_unit")
    if pending_transfer(person):
        raise RegistryError("Hồ sơ này đang có một đề nghị chuyển chờ xử lý.")
    if person.state == State.CLOSED:
        raise RegistryError("Hồ sơ đã đưa ra khỏi danh sách quản lý; không thể chuyển.")
    if incoming:
        if other.id != person.unit_id:
            raise RegistryError("Hồ sơ không thuộc xã được đề nghị chuyển.")
        from_unit, to_unit = person.unit, user.unit
    else:
        if person.unit_id != user.unit_id:
            raise RegistryError("Chỉ xã đang quản lý hồ sơ mới đề nghị chuyển đi.")
        from_unit, to_unit = user.unit, other
    if from_unit.id == to_unit.id:
        raise RegistryError("Xã chuyển đến phải khác xã đang quản lý.", "to_unit")
    request = TransferRequest(person=person, from_unit=from_unit, to_unit=to_unit,
                              requested_by_unit_id=user.unit_id, requested_by_id=user.id,
                              note=clean_text(note))
    db.session.add(request)
    db.session.flush()
    return request


def decide_transfer(request: TransferRequest, accept: bool, user: User,
                    reason: str | None = None) -> None:
    if request.status != "pending":
        raise RegistryError(ALREADY_DECIDED)
    if user.role != Role.COMMUNE or user.unit_id != request.deciding_unit_id:
        raise RegistryError("Chỉ xã nhận đề nghị mới được tiếp nhận hoặc từ chối.")
    reason = clean_text(reason)
    if not accept and not reason:
        raise RegistryError("Vui lòng nhập lý do từ chối.", "reason")
    if accept and request.person.state == State.CLOSED:
        raise RegistryError("Hồ sơ đã đưa ra khỏi danh sách quản lý; không thể tiếp nhận.")
    try:
        _write_decision(request, accept, user, reason)
    except StaleDataError:  # also from an autoflush on the way
        db.session.rollback()
        raise RegistryError(ALREADY_DECIDED) from None


def _write_decision(request: TransferRequest, accept: bool, user: User,
                    reason: str | None) -> None:
    request.status = "accepted" if accept else "refused"
    request.decided_by_id, request.decided_at, request.reason = user.id, now_utc(), reason
    if accept:
        person = request.person
        add_event(person, EventKind.TRANSFER, {
            "event_date": today_local(), "from_unit_id": request.from_unit_id,
            "to_unit_id": request.to_unit_id, "note": request.note}, user)
        person.unit = request.to_unit
        person.unit_id = request.to_unit_id  # set now, so the audit listener sees the move
        person.version = person.version + 1  # an edit form opened before the move is now stale
        derive_fields(person)
    db.session.flush()


ALREADY_DECIDED = "Đề nghị này đã được xử lý."


def _flush_decision() -> None:
    """Write a decision; another decision written meanwhile (the request's or the file's
    version moved) wins, and this one, with its transfer event, is rolled back."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise RegistryError(ALREADY_DECIDED) from None


def cancel_transfer(request: TransferRequest, user: User) -> None:
    if request.status != "pending":
        raise RegistryError(ALREADY_DECIDED)
    if user.unit_id != request.requested_by_unit_id:
        raise RegistryError("Chỉ xã đã gửi đề nghị mới được hủy.")
    request.status = "cancelled"
    request.decided_by_id, request.decided_at = user.id, now_utc()
    _flush_decision()


# --- What to do next --------------------------------------------------------------------------

def next_steps(person: Person, today: date | None = None) -> list[str]:
    """The legal next step the file calls for today, as the worklist lists it."""
    today = today or today_local()
    derived = derive(person.events)
    status = derived.status_on(today)
    steps = []
    d = lambda day: day.strftime("%d/%m/%Y")  # noqa: E731
    if status == Status.USER_PENDING:
        if derived.management_until is not None:
            when = ("sau khi hết thời hạn quản lý"
                    if derived.last_positive > derived.management_until else
                    f"trong thời hạn quản lý (hết ngày {d(derived.management_until)}) mà chưa "
                    "có quyết định mới")
            steps.append(f"Phát hiện sử dụng trái phép ngày {d(derived.last_positive)}, {when}: "
                         "cần quyết định quản lý mới (Mẫu 07).")
        else:
            steps.append("Chưa có quyết định quản lý người sử dụng trái phép chất ma túy: lập "
                         "quyết định quản lý (Mẫu 07) trong 3 ngày làm việc kể từ ngày có kết "
                         "quả xét nghiệm.")
    elif status == Status.USER_EXPIRED:
        steps.append(f"Đã hết thời hạn quản lý ngày {d(derived.management_until)} mà không phát "
                     "hiện sử dụng mới: lập biên bản kết thúc (Mẫu 10) và đưa ra khỏi danh sách.")
    elif derived.new_use_during_term:
        steps.append(f"Có kết quả xét nghiệm dương tính mới ngày {d(derived.last_positive)} trong "
                     "thời hạn quản lý: cần quyết định quản lý mới (thời hạn tính lại từ đầu).")
    for term in active(person.post_rehab_terms):
        if term.status != "active":
            continue
        positives = [e.event_date for e in active(person.events)
                     if e.kind == EventKind.POSITIVE_TEST and e.event_date >= term.start_date]
        positives += [a.on for a in active(term.activities) if a.positive]
        determined = [e.event_date for e in active(person.events)
                      if e.kind == EventKind.DETERMINATION and e.event_date >= term.start_date]
        if positives and not determined:
            steps.append(f"Xét nghiệm dương tính ngày {d(max(positives))} khi đang quản lý sau "
                         "cai: cần xác định tình trạng nghiện và lập biên bản tái nghiện.")
    return steps
