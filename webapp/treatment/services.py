"""Rules of rehabilitation, methadone and post-rehab management.

Every duration comes from `settings` (legal defaults); each record stores the dates computed
when it was made, so a later change of a setting never rewrites it.
"""
from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from .. import settings
from ..auth.models import User
from ..extensions import db
from ..registry.consistency import episode_overlap
from ..registry.models import Person, active
from ..registry.services import MAX_LENGTHS, RegistryError, clean_text
from ..registry.state import derive
from ..registry.vocab import State
from ..timeutil import today_local
from .models import MethadonePeriod, PostRehabActivity, PostRehabTerm, RehabEpisode
from .vocab import (ACTIVITY_KINDS, METHADONE_STOPS, OUTCOMES, POST_REHAB_STOPS, REHAB_FORMS,
                    SHORT_FORMS)

ADULT_AGE = 18


# --- Terms ------------------------------------------------------------------------------------

def age_on(person: Person, day: date) -> int:
    born = person.born_on
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def unit_on(person: Person, day: date) -> int:
    """The commune that kept the person's file on `day` (an old episode entered after a
    transfer belongs to the commune that organised it)."""
    for period in person.periods:
        if period.start_date <= day and (period.end_date is None or day < period.end_date):
            return period.unit_id
    return person.unit_id


def term_rule(form: str, person: Person, start: date) -> tuple[str, int, int, int]:
    """(unit, minimum, default, maximum) of the legal term for this form and the person's age."""
    rule = settings.get("rehab_terms")[form]
    group = "adult" if age_on(person, start) >= ADULT_AGE else "minor"
    low, default, high = rule[group]
    return rule["unit"], low, default, high


def add_term(start: date, amount: int, unit: str) -> date:
    if unit == "days":
        return start + timedelta(days=amount)
    return start + relativedelta(months=amount)


def _term_text(form: str, person: Person, start: date) -> str:
    unit, low, _, high = term_rule(form, person, start)
    who = "người thành niên" if age_on(person, start) >= ADULT_AGE else "người từ 12 đến dưới 18 tuổi"
    return (f"Thời hạn {SHORT_FORMS[form].lower()} đối với {who} là từ {low} đến {high} "
            f"{'ngày' if unit == 'days' else 'tháng'}.")


# --- Common checks ----------------------------------------------------------------------------

def _closing_date(person: Person) -> date | None:
    derived = derive(person.events)
    return derived.since if derived.state == State.CLOSED else None


def check_day(errors: dict, field: str, day: date | None, person: Person, today: date,
               label: str = "Ngày") -> None:
    if day is None:
        errors[field] = f"Vui lòng nhập {label.lower()}."
    elif day > today:
        errors[field] = f"{label} không được sau ngày hôm nay."
    elif day < person.born_on:
        errors[field] = f"{label} không được trước ngày sinh của người này."
    else:
        closed = _closing_date(person)
        if closed is not None and day > closed:
            errors[field] = (f"{label} sau ngày hồ sơ được đưa ra khỏi danh sách quản lý "
                             f"({closed.strftime('%d/%m/%Y')}).")


def _check_end(errors: dict, record, data: dict, today: date, already: str, label: str) -> bool:
    """The end of an episode or a methadone period: once, not in the future, not before it began.
    Returns False when the record has already ended (nothing else is worth checking)."""
    if not record.ongoing:
        errors["end_date"] = already
        return False
    end = data.get("end_date")
    check_day(errors, "end_date", end, record.person, today, label)
    if "end_date" not in errors and end < record.start_date:
        errors["end_date"] = f"{label} không được trước ngày bắt đầu."
    return True


def clean_texts(data: dict, errors: dict, names) -> None:
    for name in names:
        data[name] = clean_text(data.get(name))
        limit = MAX_LENGTHS.get(name, 200)
        if data[name] and len(data[name]) > limit:
            errors[name] = f"Tối đa {limit:,} ký tự.".replace(",", ".")


# --- Rehab episodes ---------------------------------------------------------------------------

def validate_episode(person: Person, data: dict, today: date | None = None,
                     exclude: RehabEpisode | None = None) -> dict[str, str]:
    """Check a new episode, or a correction of `exclude` into `data`."""
    today = today or today_local()
    errors: dict[str, str] = {}
    clean_texts(data, errors, ("facility", "decision_number", "decided_by", "note"))
    form = data.get("form")
    if form not in REHAB_FORMS:
        errors["form"] = "Vui lòng chọn hình thức cai nghiện."
        return errors
    start = data.get("start_date")
    check_day(errors, "start_date", start, person, today, "Ngày bắt đầu")
    if "start_date" in errors:
        return errors
    if derive(person.events, start).state != State.ADDICT:
        errors["start_date"] = ("Chỉ người đã được xác định nghiện ma túy (có kết luận "
                                "“có nghiện”) mới được đưa vào cai nghiện.")
    unit, low, default, high = term_rule(form, person, start)
    planned = data.get("planned_end") or add_term(start, default, unit)
    if not add_term(start, low, unit) <= planned <= add_term(start, high, unit):
        errors["planned_end"] = _term_text(form, person, start)
    data["planned_end"] = planned
    if form == "compulsory":
        if not data.get("decision_number"):
            errors["decision_number"] = "Vui lòng nhập số quyết định của Tòa án."
        if not data.get("decided_by"):
            errors["decided_by"] = "Vui lòng nhập Tòa án ra quyết định."
    if data.get("decision_date") and data["decision_date"] > today:
        errors["decision_date"] = "Ngày quyết định không được sau ngày hôm nay."
    elif data.get("decision_date") and data["decision_date"] > start:
        errors["decision_date"] = "Ngày quyết định không được sau ngày bắt đầu cai nghiện."
    # One episode at a time, whatever the form (detox inside a voluntary one if the settings
    # allow it). An unfinished episode runs until it is ended, whatever its planned end.
    end = data.get("end_date") or (planned if exclude is None else None)
    other = episode_overlap(person.episodes, start, end, form, exclude)
    if other is not None:
        errors["start_date"] = (f"Trùng thời gian với đợt {SHORT_FORMS[other.form].lower()} "
                                f"từ {other.start_date.strftime('%d/%m/%Y')}"
                                f"{'' if other.end_date else ' (đang cai)'}: mỗi lúc chỉ "
                                "một đợt cai nghiện.")
    return errors


def start_episode(person: Person, data: dict, user: User) -> RehabEpisode:
    episode = RehabEpisode(
        person=person, person_id=person.id, unit_id=unit_on(person, data["start_date"]),
        form=data["form"],
        start_date=data["start_date"], planned_end=data["planned_end"],
        facility=data.get("facility"), decision_number=data.get("decision_number"),
        decision_date=data.get("decision_date"), decided_by=data.get("decided_by"),
        note=data.get("note"), created_by_id=user.id)
    db.session.add(episode)
    refresh_treatment(person)
    return episode


def validate_episode_end(episode: RehabEpisode, data: dict,
                         today: date | None = None) -> dict[str, str]:
    today = today or today_local()
    errors: dict[str, str] = {}
    clean_texts(data, errors, ("note",))
    if not _check_end(errors, episode, data, today, "Đợt cai nghiện này đã kết thúc.",
                      "Ngày kết thúc"):
        return errors
    if data.get("outcome") not in OUTCOMES:
        errors["outcome"] = "Vui lòng chọn kết quả."
    return errors


def end_episode(episode: RehabEpisode, data: dict, user: User) -> PostRehabTerm | None:
    """Close the episode; a completed rehab (not detox) suggests post-rehab management."""
    episode.end_date, episode.outcome = data["end_date"], data["outcome"]
    if data.get("note"):
        episode.note = "\n".join(filter(None, [episode.note, data["note"]]))
    suggestion = None
    if (episode.outcome == "completed" and episode.form != "detox"
            and not _open_post_rehab(episode.person)):
        adult_compulsory = (episode.form == "compulsory"
                            and age_on(episode.person, episode.start_date) >= ADULT_AGE)
        months = settings.get("post_rehab_months_compulsory_adult" if adult_compulsory
                              else "post_rehab_months")
        suggestion = _suggest(episode.person, episode.end_date, months, user, episode=episode)
    refresh_treatment(episode.person)
    return suggestion


# --- Methadone --------------------------------------------------------------------------------

def validate_methadone(person: Person, data: dict, today: date | None = None) -> dict[str, str]:
    today = today or today_local()
    errors: dict[str, str] = {}
    clean_texts(data, errors, ("facility", "note"))
    if not data.get("facility"):
        errors["facility"] = "Vui lòng nhập cơ sở điều trị Methadone."
    check_day(errors, "start_date", data.get("start_date"), person, today, "Ngày bắt đầu")
    if any(p.ongoing for p in person.methadone_periods):
        errors["start_date"] = "Người này đang điều trị Methadone."
    elif "start_date" not in errors and any(p.end_date >= data["start_date"]
                                            for p in active(person.methadone_periods)):
        errors["start_date"] = "Trùng thời gian với một đợt điều trị Methadone trước."
    return errors


def start_methadone(person: Person, data: dict, user: User) -> MethadonePeriod:
    period = MethadonePeriod(person=person, person_id=person.id,
                             unit_id=unit_on(person, data["start_date"]),
                             facility=data["facility"], start_date=data["start_date"],
                             note=data.get("note"), created_by_id=user.id)
    db.session.add(period)
    refresh_treatment(person)
    return period


def validate_methadone_stop(period: MethadonePeriod, data: dict,
                            today: date | None = None) -> dict[str, str]:
    today = today or today_local()
    errors: dict[str, str] = {}
    if not _check_end(errors, period, data, today, "Đợt điều trị này đã dừng.", "Ngày dừng"):
        return errors
    if data.get("stop_reason") not in METHADONE_STOPS:
        errors["stop_reason"] = "Vui lòng chọn lý do dừng điều trị."
    return errors


def stop_methadone(period: MethadonePeriod, data: dict, user: User) -> PostRehabTerm | None:
    period.end_date, period.stop_reason = data["end_date"], data["stop_reason"]
    suggestion = None
    if period.stop_reason == "completed" and not _open_post_rehab(period.person):
        suggestion = _suggest(period.person, period.end_date, settings.get("post_rehab_months"),
                              user, methadone=period)
    refresh_treatment(period.person)
    return suggestion


# --- Post-rehab management --------------------------------------------------------------------

def _open_post_rehab(person: Person) -> bool:
    """A person has at most one post-rehab term suggested or running at a time."""
    return any(t.status in ("suggested", "active") for t in active(person.post_rehab_terms))


def _suggest(person: Person, start: date, months: int, user: User, **source) -> PostRehabTerm:
    term = PostRehabTerm(person=person, person_id=person.id, unit_id=person.unit_id,
                         status="suggested", months=months, start_date=start,
                         end_date=start + relativedelta(months=months), created_by_id=user.id,
                         **source)
    db.session.add(term)
    return term


def validate_confirm(term: PostRehabTerm, data: dict, today: date | None = None) -> dict[str, str]:
    today = today or today_local()
    errors: dict[str, str] = {}
    clean_texts(data, errors, ("decision_number", "signer"))
    if term.status != "suggested":
        errors["decision_number"] = "Đề xuất này đã được xử lý."
        return errors
    if any(t.status == "active" for t in active(term.person.post_rehab_terms)):
        errors["decision_number"] = "Người này đang trong một đợt quản lý sau cai khác."
        return errors
    if not data.get("decision_number"):
        errors["decision_number"] = "Vui lòng nhập số quyết định (Mẫu 51)."
    if not data.get("signer"):
        errors["signer"] = "Vui lòng nhập người ký quyết định."
    check_day(errors, "decision_date", data.get("decision_date"), term.person, today,
               "Ngày quyết định")
    if "decision_date" not in errors and data["decision_date"] < term.start_date:
        errors["decision_date"] = "Ngày quyết định không được trước ngày kết thúc cai nghiện."
    return errors


def confirm_post_rehab(term: PostRehabTerm, data: dict) -> None:
    """The commune chairman's decision: the term runs from the decision date."""
    term.status = "active"
    term.decision_number, term.signer = data["decision_number"], data["signer"]
    term.decision_date = term.start_date = data["decision_date"]
    term.end_date = term.start_date + relativedelta(months=term.months)
    refresh_treatment(term.person)


def dismiss_post_rehab(term: PostRehabTerm) -> None:
    if term.status != "suggested":
        raise RegistryError("Đề xuất này đã được xử lý.")
    term.status = "dismissed"


def validate_activity(term: PostRehabTerm, data: dict, today: date | None = None) -> dict[str, str]:
    today = today or today_local()
    errors: dict[str, str] = {}
    clean_texts(data, errors, ("note",))
    if term.status != "active":
        errors["kind"] = "Chỉ ghi hoạt động khi đang quản lý sau cai."
        return errors
    if data.get("kind") not in ACTIVITY_KINDS:
        errors["kind"] = "Vui lòng chọn loại hoạt động."
    check_day(errors, "on", data.get("on"), term.person, today)
    if "on" not in errors and data["on"] < term.start_date:
        errors["on"] = "Ngày không được trước ngày bắt đầu quản lý sau cai."
    return errors


def add_activity(term: PostRehabTerm, data: dict, user: User) -> PostRehabActivity:
    activity = PostRehabActivity(term=term, term_id=term.id, kind=data["kind"], on=data["on"],
                                 positive=data.get("positive"), note=data.get("note"),
                                 created_by_id=user.id)
    db.session.add(activity)
    return activity


def validate_post_rehab_end(term: PostRehabTerm, data: dict,
                            today: date | None = None) -> dict[str, str]:
    today = today or today_local()
    errors: dict[str, str] = {}
    clean_texts(data, errors, ("certificate_number",))
    if term.status != "active":
        errors["ended_on"] = "Chỉ kết thúc được khi đang quản lý sau cai."
        return errors
    check_day(errors, "ended_on", data.get("ended_on"), term.person, today, "Ngày kết thúc")
    if "ended_on" in errors:
        return errors
    reason = data.get("end_reason")
    if reason == "completed":
        if data["ended_on"] < term.end_date:
            errors["ended_on"] = (f"Chưa hết thời hạn quản lý sau cai (đến "
                                  f"{term.end_date.strftime('%d/%m/%Y')}).")
        if not data.get("certificate_number"):
            errors["certificate_number"] = "Vui lòng nhập số giấy chứng nhận (Mẫu 54)."
    elif reason not in POST_REHAB_STOPS:
        errors["end_reason"] = "Vui lòng chọn lý do kết thúc."
    elif data["ended_on"] < term.start_date:
        errors["ended_on"] = "Ngày kết thúc không được trước ngày bắt đầu."
    return errors


def end_post_rehab(term: PostRehabTerm, data: dict) -> None:
    term.status = "completed" if data["end_reason"] == "completed" else "stopped"
    term.ended_on, term.end_reason = data["ended_on"], data["end_reason"]
    term.certificate_number = data.get("certificate_number")
    refresh_treatment(term.person)


# --- The person's current treatment ----------------------------------------------------------

def refresh_treatment(person: Person) -> None:
    """Derived, stored for filtering: in rehab beats methadone beats post-rehab management."""
    if any(e.ongoing for e in person.episodes):
        person.treatment = "in_rehab"
    elif any(p.ongoing for p in person.methadone_periods):
        person.treatment = "methadone"
    elif any(t.status == "active" for t in active(person.post_rehab_terms)):
        person.treatment = "post_rehab"
    else:
        person.treatment = None

