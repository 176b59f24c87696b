"""Which official forms a file can print, and printing one: the number, date and signer the
officer typed are checked, stored (`PrintedDocument`, and on the entry where it has no number
yet) and the Word document built from the file."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..forms import DateParseError, input_problem, parse_vn_date
from ..registry.models import Person, PersonEvent, TransferRequest
from ..registry.services import clean_text
from ..teams import services as teams
from ..timeutil import to_local, today_local
from ..treatment.models import PostRehabTerm
from . import documents
from .documents import POSITIONS, Issue
from .models import PrintedDocument

FORMS = {
    "07": "Mẫu 07 — Quyết định quản lý người sử dụng trái phép chất ma túy",
    "08": "Mẫu 08 — Thông báo thay đổi nơi cư trú (người sử dụng trái phép)",
    "09": "Mẫu 09 — Quyết định chấm dứt quản lý",
    "10": "Mẫu 10 — Xác nhận hoàn thành thời hạn quản lý",
    "51": "Mẫu 51 — Quyết định quản lý sau cai nghiện",
    "53": "Mẫu 53 — Thông báo thay đổi nơi cư trú (quản lý sau cai)",
    "54": "Mẫu 54 — Giấy chứng nhận hoàn thành quản lý sau cai",
}
KINDS = {"07": "QĐ", "09": "QĐ", "51": "QĐ", "10": "XN", "54": "GCN", "08": "TB", "53": "TB"}


@dataclass
class Offer:
    code: str
    entry_kind: str
    entry_id: int
    about: str        # which entry: "Quyết định ngày 03/02/2026"
    number: str = ""
    day: date | None = None
    signer: str = ""
    position: str = "chairman"
    earliest: date | None = None  # the document cannot be signed before the procedure began
    earliest_what: str = ""

    @property
    def key(self) -> str:
        return f"{self.code}-{self.entry_kind}-{self.entry_id}"

    @property
    def label(self) -> str:
        return FORMS[self.code]


def _last_prints(person: Person) -> dict[tuple[str, str, int], PrintedDocument]:
    """The latest print of each (form, entry) of the file, in one query."""
    out = {}
    for doc in db.session.scalars(select(PrintedDocument).where(
            PrintedDocument.person_id == person.id).order_by(PrintedDocument.id)):
        out[(doc.form_code, doc.entry_kind, doc.entry_id)] = doc
    return out


def _offer(last_prints, code, kind, entry, about, number, day, signer, earliest=None,
           earliest_what="") -> Offer:
    last = last_prints.get((code, kind, entry.id))
    offer = Offer(code, kind, entry.id, about, number or "", day, signer or "",
                  earliest=earliest, earliest_what=earliest_what)
    if last is not None:
        offer.number, offer.day = last.number, last.issued_on
        offer.signer, offer.position = last.signer, last.position
    return offer


def _d(day):
    return day.strftime("%d/%m/%Y") if day else ""


def offers(person: Person, transfer: TransferRequest | None = None,
           today: date | None = None) -> list[Offer]:
    """The forms this file can print now, newest entry first within each form."""
    today = today or today_local()
    out: list[Offer] = []
    last = _last_prints(person)
    events = person.active_events
    for e in reversed(events):
        if e.kind == "management":
            tests = [t.event_date for t in events
                     if t.kind == "positive_test" and t.event_date <= e.event_date]
            out.append(_offer(last, "07", "event", e,
                              f"Quyết định quản lý ngày {_d(e.event_date)}", e.doc_number,
                              e.event_date, e.signer, tests[-1] if tests else None,
                              "ngày xét nghiệm dương tính"))
    for e in reversed(events):
        if e.kind != "closing":
            continue
        if e.reason == "term_ended":
            out.append(_offer(last, "10", "event", e,
                              f"Kết thúc thời hạn ngày {_d(e.event_date)}", e.doc_number,
                              e.event_date, e.signer, e.event_date, "ngày kết thúc quản lý"))
        elif e.reason not in ("entry_error",):
            out.append(_offer(last, "09", "event", e, f"Chấm dứt quản lý ngày {_d(e.event_date)}",
                              e.doc_number, e.event_date, e.signer, e.event_date,
                              "ngày chấm dứt quản lý"))
    for t in reversed(person.post_rehab_terms):
        if t.voided or t.status == "suggested" or t.status == "dismissed":
            continue
        source = t.episode.end_date if t.episode is not None else (
            t.methadone.end_date if t.methadone is not None else None)
        out.append(_offer(last, "51", "post_rehab", t,
                          f"Quản lý sau cai từ {_d(t.start_date)} đến {_d(t.end_date)}",
                          t.decision_number, t.decision_date, t.signer, source,
                          "ngày kết thúc cai nghiện, điều trị"))
        if t.ended_on is not None and t.end_reason == "completed":
            out.append(_offer(last, "54", "post_rehab", t, f"Hoàn thành ngày {_d(t.ended_on)}",
                              t.certificate_number, t.ended_on, t.signer, t.end_date,
                              "ngày hết thời hạn quản lý sau cai"))
    if transfer is not None and transfer.status == "pending":
        code = "53" if person.treatment == "post_rehab" else "08"
        asked = to_local(transfer.requested_at).date()
        out.append(_offer(last, code, "transfer", transfer,
                          f"Chuyển đến {transfer.to_unit.name}", "", today, "", asked,
                          "ngày đề nghị chuyển hồ sơ"))
    return out


def find_offer(person: Person, transfer, code: str, kind: str, entry_id: int) -> Offer | None:
    return next((o for o in offers(person, transfer) if (o.code, o.entry_kind, o.entry_id)
                 == (code, kind, entry_id)), None)


def parse(form: dict, offer: Offer | None = None) -> tuple[dict, dict[str, str]]:
    """The typed number, date, signer and position; {field: message} beside each field.
    A date before the procedure began (the offer's `earliest`) is refused."""
    errors: dict[str, str] = {}
    data: dict = {}
    for name, label, limit in (("number", "số văn bản", 50), ("signer", "họ tên người ký", 120)):
        value = clean_text(form.get(name) or "")
        problem = input_problem(value)
        if problem:
            errors[name] = problem
        elif not value:
            errors[name] = f"Vui lòng nhập {label}."
        elif len(value) > limit:
            errors[name] = f"Tối đa {limit} ký tự."
        data[name] = value
    raw = form.get("day") or ""
    if not raw.strip():
        errors["day"] = "Vui lòng nhập ngày ký (dd/mm/yyyy)."
    else:
        try:
            data["day"] = parse_vn_date(raw)
        except DateParseError as exc:
            errors["day"] = str(exc)
    if "day" in data and data["day"] > today_local():
        errors["day"] = "Ngày ký không được sau hôm nay."
    elif "day" in data and offer is not None and offer.earliest and data["day"] < offer.earliest:
        errors["day"] = (f"Ngày ký không được trước {offer.earliest_what} "
                         f"({_d(offer.earliest)}).")
    position = form.get("position") or "chairman"
    if position not in POSITIONS:
        errors["position"] = "Chức vụ người ký không hợp lệ."
    data["position"] = position
    return data, errors


def record(person: Person, offer: Offer, data: dict, user: User) -> PrintedDocument:
    """Store what was typed; an entry without a number of its own gets this one."""
    doc = PrintedDocument(form_code=offer.code, person_id=person.id, unit_id=person.unit_id,
                          entry_kind=offer.entry_kind, entry_id=offer.entry_id,
                          number=data["number"], issued_on=data["day"], signer=data["signer"],
                          position=data["position"], printed_by_id=user.id)
    db.session.add(doc)
    entry = _entry(offer.entry_kind, offer.entry_id)
    if isinstance(entry, PersonEvent) and not entry.doc_number:
        entry.doc_number = data["number"]
        entry.signer = entry.signer or data["signer"]
    elif isinstance(entry, PostRehabTerm):
        if offer.code == "51" and not entry.decision_number:
            entry.decision_number = data["number"]
        if offer.code == "54" and not entry.certificate_number:
            entry.certificate_number = data["number"]
    return doc


def _entry(kind: str, entry_id: int):
    model = {"event": PersonEvent, "post_rehab": PostRehabTerm, "transfer": TransferRequest}[kind]
    return db.session.get(model, entry_id)


def build(doc: PrintedDocument):
    """The Word document of a printed form, from the file as it is now."""
    person = doc.person
    issue = Issue(doc.number, doc.issued_on, doc.signer, doc.position)
    entry = _entry(doc.entry_kind, doc.entry_id)
    events = person.active_events
    if doc.form_code == "07":
        tests = [e for e in events if e.kind == "positive_test" and e.event_date <= entry.event_date]
        team = teams.teams_of(person).get(("event", entry.id), [])
        return documents.management_decision(person, entry, team, issue,
                                             tests[-1] if tests else None)
    if doc.form_code in ("09", "10"):
        decisions = [e for e in events if e.kind == "management" and e.event_date <= entry.event_date]
        decision = decisions[-1] if decisions else None
        if doc.form_code == "09":
            return documents.stop_decision(person, entry, decision, issue)
        return documents.end_of_term(person, decision or entry, entry, issue)
    if doc.form_code == "51":
        team = teams.teams_of(person).get(("post_rehab", entry.id), [])
        return documents.post_rehab_decision(person, entry, team, issue)
    if doc.form_code == "54":
        return documents.post_rehab_certificate(person, entry, issue)
    post_rehab = doc.form_code == "53"
    if post_rehab:
        terms = [t for t in person.post_rehab_terms if t.status == "active" and not t.voided]
        decision = (f"Quyết định số {terms[-1].decision_number or '……'} ngày "
                    f"{_d(terms[-1].decision_date)}, thời hạn đến ngày {_d(terms[-1].end_date)}"
                    if terms else "quyết định quản lý sau cai nghiện")
    else:
        managed = [e for e in events if e.kind == "management"]
        decision = (f"Quyết định số {managed[-1].doc_number or '……'} ngày "
                    f"{_d(managed[-1].event_date)}, thời hạn đến ngày {_d(managed[-1].term_end)}"
                    if managed else "quyết định quản lý")
    return documents.move_notice(person, entry, issue, post_rehab, decision)
