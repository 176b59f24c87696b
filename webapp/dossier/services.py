"""The dossier's rules: the checklist of a procedure, recording documents and their scans,
case notes, completeness in a scope. Validation returns {field: Vietnamese message}; nothing is
written unless it is empty, and a file is on disk only if its row is in the database."""
from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, cast, literal, null, select, union_all
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..extensions import db
from ..registry import services as registry
from ..registry.models import Person, active
from ..registry.vocab import EventKind, State
from ..timeutil import now_utc, today_local
from . import files, procedures
from .models import Attachment, CaseNote, Document, DocumentRequirement
from .procedures import Procedure
from .vocab import CONTACT_KINDS, DEFAULT_REQUIREMENTS, NOTE_PROCEDURES

LIMITS = {"number": 50, "signer": 120, "note": 2000, "contact_by": 120}


# --- Requirements (configuration) ---------------------------------------------------------------

def all_requirements() -> list[DocumentRequirement]:
    return list(db.session.scalars(select(DocumentRequirement).order_by(
        DocumentRequirement.procedure, DocumentRequirement.position, DocumentRequirement.id)))


def requirements_for(kind: str, day: date, every: list[DocumentRequirement] | None = None
                     ) -> list[DocumentRequirement]:
    """The list in force for a procedure of `kind` opened on `day`."""
    every = all_requirements() if every is None else every
    return [r for r in every if r.procedure == kind and r.in_force(day)]


def seed_defaults() -> int:
    """The decrees' lists (vocab.DEFAULT_REQUIREMENTS) into an empty table; the migration
    does the same. Returns how many rows were added."""
    if db.session.scalar(select(DocumentRequirement.id).limit(1)) is not None:
        return 0
    for i, (kind, code, label, condition) in enumerate(DEFAULT_REQUIREMENTS):
        db.session.add(DocumentRequirement(procedure=kind, form_code=code, label=label,
                                           condition=condition, position=i))
    db.session.flush()
    return len(DEFAULT_REQUIREMENTS)


# --- The checklist ------------------------------------------------------------------------------

@dataclass
class Row:
    requirement: DocumentRequirement
    documents: list[Document]  # of its form codes, voided ones too (shown struck through)

    @property
    def present(self) -> bool:
        return bool(active(self.documents))


@dataclass
class Dossier:
    procedure: Procedure
    rows: list[Row]
    others: list[Document] = field(default_factory=list)  # papers no requirement asks for
    notes: list[CaseNote] = field(default_factory=list)

    @property
    def missing(self) -> list[Row]:
        return [r for r in self.rows if not r.present]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(c for r in self.rows for c in r.requirement.codes))


def applies(requirement: DocumentRequirement, procedure: Procedure) -> bool:
    return requirement.condition == "always" or requirement.condition in procedure.reached


def _build(procedure: Procedure, documents: list[Document], every) -> Dossier:
    mine = [d for d in documents
            if d.procedure == procedure.kind and d.entry_id == procedure.entry_id]
    rows, used = [], set()
    for requirement in requirements_for(procedure.kind, procedure.opened_on, every):
        if not applies(requirement, procedure):
            continue
        matching = [d for d in mine if d.form_code in requirement.codes]
        used.update(id(d) for d in matching)
        rows.append(Row(requirement, matching))
    return Dossier(procedure, rows, [d for d in mine if id(d) not in used])


def dossiers_of(person: Person, today: date | None = None) -> list[Dossier]:
    """The person's procedures, each with its checklist and case notes."""
    today = today or today_local()
    documents = list(db.session.scalars(
        select(Document).where(Document.person_id == person.id)
        .options(selectinload(Document.attachments)).order_by(Document.doc_date, Document.id)))
    notes = list(db.session.scalars(select(CaseNote).where(CaseNote.person_id == person.id)
                                    .order_by(CaseNote.on, CaseNote.id)))
    every = all_requirements()
    found = []
    for procedure in procedures.procedures_of(person, today):
        dossier = _build(procedure, documents, every)
        dossier.notes = [n for n in notes if n.procedure == procedure.kind
                         and n.entry_id == procedure.entry_id]
        found.append(dossier)
    return found


def dossier(person: Person, kind: str, entry_id: int, today: date | None = None
            ) -> Dossier | None:
    return next((d for d in dossiers_of(person, today)
                 if d.procedure.kind == kind and d.procedure.entry_id == entry_id), None)


# --- Documents ----------------------------------------------------------------------------------

def _texts(data: dict, errors: dict, names) -> None:
    for name in names:
        data[name] = registry.clean_text(data.get(name))
        if data[name] and len(data[name]) > LIMITS[name]:
            errors[name] = f"Tối đa {LIMITS[name]:,} ký tự.".replace(",", ".")


def _check_date(errors: dict, name: str, day: date | None, today: date, label: str,
                earliest: date | None = None) -> None:
    d = lambda x: x.strftime("%d/%m/%Y")  # noqa: E731
    if day is None:
        errors.setdefault(name, f"Vui lòng nhập {label.lower()} (dd/mm/yyyy).")
    elif day > today:
        errors[name] = f"{label} không được sau ngày hôm nay."
    elif earliest is not None and day < earliest:
        errors[name] = (f"{label} ({d(day)}) trước ngày bắt đầu thủ tục ({d(earliest)}): "
                        "vui lòng kiểm tra lại.")


def validate_document(dossier: Dossier, data: dict, today: date | None = None,
                      exclude: Document | None = None) -> dict[str, str]:
    today = today or today_local()
    errors: dict[str, str] = {}
    _texts(data, errors, ("number", "signer", "note"))
    if exclude is None and data.get("form_code") not in dossier.codes:
        errors["form_code"] = "Vui lòng chọn loại văn bản (mẫu) trong danh mục của thủ tục."
    procedure = dossier.procedure
    _check_date(errors, "doc_date", data.get("doc_date"), today, "Ngày văn bản",
                procedure.documents_from)
    return errors


def add_document(person: Person, dossier: Dossier, data: dict, user: User,
                 upload: files.Checked | None = None) -> Document:
    """A validated document, with its scan if one came; the file is written before the row
    and removed again if the row cannot be written (see `commit`)."""
    document = Document(person_id=person.id, procedure=dossier.procedure.kind,
                        entry_id=dossier.procedure.entry_id, form_code=data["form_code"],
                        number=data.get("number"), doc_date=data["doc_date"],
                        signer=data.get("signer"), note=data.get("note"), created_by_id=user.id)
    db.session.add(document)
    if upload is not None:
        attach(document, upload, user)
    else:
        db.session.flush()
    return document


def attach(document: Document, upload: files.Checked, user: User) -> Attachment:
    """Attach a scan; one already there is voided (kept), not deleted."""
    at = now_utc()
    for old in active(document.attachments):
        old.voided_at, old.voided_by_id = at, user.id
        old.void_reason = "Thay bằng bản quét mới."
    try:
        stored = files.store(upload.data)
    except OSError:  # disk full, folder not writable: nothing was kept
        forget_files()
        raise files.FileRefused("Máy chủ không lưu được tệp (lỗi ghi đĩa). Vui lòng thử lại; "
                                "nếu lỗi lặp lại, báo quản trị hệ thống.") from None
    db.session.info.setdefault("stored_files", []).append(stored)
    attachment = Attachment(public_id=secrets.token_hex(16), document=document,
                            person_id=document.person_id, stored_name=stored,
                            original_name=upload.original_name, mime=upload.mime,
                            size=len(upload.data), sha256=upload.sha256, created_by_id=user.id)
    db.session.add(attachment)
    try:
        db.session.flush()
    except Exception:
        forget_files()
        raise
    return attachment


def forget_files() -> None:
    """The transaction failed: roll it back and remove the files written for it."""
    db.session.rollback()
    for name in db.session.info.pop("stored_files", []):
        files.discard(name)


def commit() -> None:
    """Commit the rows and the files written with them, or neither."""
    try:
        db.session.commit()
    except Exception:
        forget_files()
        raise
    db.session.info.pop("stored_files", None)


def attachment_by_public_id(public_id: str) -> Attachment | None:
    if not (len(public_id) == 32 and all(c in "0123456789abcdef" for c in public_id)):
        return None
    return db.session.scalar(select(Attachment).where(Attachment.public_id == public_id))


def download_name(attachment: Attachment) -> str:
    """No personal data in the name either: the form and the document's id."""
    code = "".join(c for c in attachment.document.form_code if c.isalnum())
    return f"mau-{code}-{attachment.document_id}-{attachment.id}.{attachment.extension}"


# --- Case notes ---------------------------------------------------------------------------------

def validate_note(dossier: Dossier, data: dict, today: date | None = None,
                  exclude: CaseNote | None = None) -> dict[str, str]:
    today = today or today_local()
    errors: dict[str, str] = {}
    procedure = dossier.procedure
    if procedure.kind not in NOTE_PROCEDURES:
        return {"contact_kind": "Chỉ ghi việc theo dõi trong thời gian quản lý hoặc quản lý "
                                "sau cai."}
    _texts(data, errors, ("contact_by", "note"))
    kind = exclude.contact_kind if exclude is not None else data.get("contact_kind")
    if kind not in CONTACT_KINDS:
        errors["contact_kind"] = "Vui lòng chọn hình thức theo dõi."
    if not data.get("contact_by"):
        errors["contact_by"] = "Vui lòng nhập người thực hiện."
    if exclude is None:
        if kind == "drug_test" and data.get("positive") is None:
            errors["positive"] = "Vui lòng chọn kết quả xét nghiệm."
        if kind != "drug_test":
            data["positive"] = None
    if kind == "note" and not data.get("note") and exclude is None:
        errors["note"] = "Vui lòng nhập nội dung ghi chú."
    _check_date(errors, "on", data.get("on"), today, "Ngày", procedure.opened_on)
    if "on" not in errors and procedure.ended_on is not None and data["on"] > procedure.ended_on:
        errors["on"] = (f"Ngày sau khi thủ tục đã kết thúc "
                        f"({procedure.ended_on.strftime('%d/%m/%Y')}).")
    return errors


POSITIVE_NOTE = "Ghi từ sổ theo dõi ({who})."


def add_note(person: Person, dossier: Dossier, data: dict, user: User,
             today: date | None = None) -> dict[str, str] | CaseNote:
    """A validated note. A positive test goes on the timeline as a positive test too (the
    timeline's own rules check it), so every next step and worklist item follows from it."""
    event = None
    if data.get("contact_kind") == "drug_test" and data.get("positive"):
        test = {"event_date": data["on"], "note": POSITIVE_NOTE.format(who=data["contact_by"])}
        errors = registry.validate_event(person, EventKind.POSITIVE_TEST, test, today)
        if errors:
            return {"on": " ".join(errors.values())}
        event = registry.add_event(person, EventKind.POSITIVE_TEST, test, user)
    note = CaseNote(person_id=person.id, procedure=dossier.procedure.kind,
                    entry_id=dossier.procedure.entry_id, on=data["on"],
                    contact_kind=data["contact_kind"], contact_by=data["contact_by"],
                    positive=data.get("positive"), note=data.get("note"), test_event=event,
                    created_by_id=user.id)
    db.session.add(note)
    db.session.flush()
    return note


# --- Completeness in a scope ----------------------------------------------------------------------

@dataclass
class Incomplete:
    person: Person
    dossier: Dossier


@dataclass
class UnitRate:
    unit: object
    procedures: int = 0
    complete: int = 0
    persons_incomplete: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.complete / self.procedures) if self.procedures else 100


def scan(persons_query, today: date | None = None) -> list[tuple[Person, list[Dossier]]]:
    """Every person of the (scoped) query still on the lists, with their dossiers, in a fixed
    number of queries (persons with their entries, their documents, the requirements)."""
    today = today or today_local()
    persons = list(db.session.scalars(
        persons_query.where(Person.state != State.CLOSED.value)
        .options(selectinload(Person.events), selectinload(Person.episodes),
                 selectinload(Person.post_rehab_terms))
        .order_by(Person.sort_key, Person.id)))
    if not persons:
        return []
    ids = [p.id for p in persons]
    documents = defaultdict(list)
    for start in range(0, len(ids), 500):
        for d in db.session.scalars(select(Document).where(
                Document.person_id.in_(ids[start:start + 500]), Document.voided_at.is_(None))):
            documents[d.person_id].append(d)
    by_kind = defaultdict(list)
    for requirement in all_requirements():
        by_kind[requirement.procedure].append(requirement)
    return [(p, [_build(proc, documents[p.id], by_kind[proc.kind])
                 for proc in procedures.procedures_of(p, today)]) for p in persons]


class _Light:
    """A row as plain attributes: what the procedures read of a person, an entry, a paper."""

    def __init__(self, **values):
        self.__dict__.update(values)


# What `_light_scan` reads of entries and papers, in one UNION ALL: (tag, slots of each kind). A
# slot is a position in the shared row: s1–s3 texts, d1–d3 dates, b1 a flag, n1 a number.
_SLOTS = (("s1", String), ("s2", String), ("s3", String), ("d1", Date), ("d2", Date),
          ("d3", Date), ("b1", Boolean), ("n1", Integer))


def _light_rows_statement(ids):
    """Events, episodes, post-rehab terms and papers of the persons `ids`, not voided, as one
    statement (on PostgreSQL each round trip costs as much as reading a commune's rows): each
    arm puts its columns in named slots, the others NULL of the slot's type. Sorted by kind,
    then d1 (each kind's order date) and id, as each list is read in."""
    from ..registry.models import PersonEvent
    from ..treatment.models import PostRehabTerm, RehabEpisode

    e, r, t, d = PersonEvent, RehabEpisode, PostRehabTerm, Document
    arms = (
        ("e", e, e.id, {"s1": e.kind, "s2": e.doc_number, "s3": e.facility, "d1": e.event_date,
                        "d2": e.term_end, "b1": e.addicted}),
        ("r", r, r.id, {"s1": r.form, "s2": r.outcome, "d1": r.start_date, "d2": r.end_date}),
        ("t", t, t.id, {"s1": t.status, "s2": t.decision_number, "s3": t.end_reason,
                        "d1": t.start_date, "d2": t.decision_date, "d3": t.ended_on}),
        ("d", d, d.id, {"s1": d.procedure, "s2": d.form_code, "n1": d.entry_id}),
    )
    selects = [select(literal(tag, String).label("tag"), model.person_id.label("person_id"),
                      id_.label("id"), *[(slots[name] if name in slots else
                                          cast(null(), kind)).label(name)
                                         for name, kind in _SLOTS])
               .where(model.person_id.in_(ids), model.voided_at.is_(None))
               for tag, model, id_, slots in arms]
    union = union_all(*selects).subquery()
    return select(union).order_by(union.c.tag, union.c.d1, union.c.id)


def _light_scan(persons_query, today: date) -> list[tuple[_Light, list[Dossier]]]:
    """`scan` for counting only: the same procedures and checklists, read as plain rows (no
    ORM objects: a commune's worklist built a few hundred of them on every home page) in
    three statements. Voided entries and papers are left out in SQL, as `active` would."""
    from ..treatment.models import RehabEpisode

    open_persons = persons_query.where(Person.state != State.CLOSED.value).order_by(None)
    ids = open_persons.with_only_columns(Person.id)
    persons = {pid: _Light(id=pid, unit_id=unit_id, events=[], episodes=[],
                           post_rehab_terms=[])
               for pid, unit_id in db.session.execute(
                   open_persons.with_only_columns(Person.id, Person.unit_id))}
    if not persons:
        return []
    documents = defaultdict(list)
    form_label = RehabEpisode.form_label.fget
    for tag, person_id, id_, s1, s2, s3, d1, d2, d3, b1, n1 in db.session.execute(
            _light_rows_statement(ids)):
        person = persons.get(person_id)
        if person is None:
            continue
        if tag == "e":
            person.events.append(_Light(id=id_, kind=s1, doc_number=s2, facility=s3,
                                        event_date=d1, term_end=d2, addicted=b1))
        elif tag == "r":
            episode = _Light(id=id_, form=s1, outcome=s2, start_date=d1, end_date=d2)
            episode.form_label = form_label(episode)  # the model's own label, off the row
            person.episodes.append(episode)
        elif tag == "t":
            person.post_rehab_terms.append(_Light(
                id=id_, status=s1, decision_number=s2, end_reason=s3, start_date=d1,
                decision_date=d2, ended_on=d3))
        else:
            documents[person_id].append(_Light(procedure=s1, form_code=s2, entry_id=n1))
    by_kind = defaultdict(list)
    for requirement in all_requirements():
        by_kind[requirement.procedure].append(requirement)
    return [(p, [_build(proc, documents[p.id], by_kind[proc.kind])
                 for proc in procedures.procedures_of(p, today)]) for p in persons.values()]


def count_incomplete(persons_query, today: date | None = None) -> tuple[int, int]:
    """(incomplete dossiers, persons with one) in the scope, as `incomplete` counts them."""
    dossiers = persons = 0
    for _, found in _light_scan(persons_query, today or today_local()):
        missing = sum(not d.complete for d in found)
        dossiers += missing
        persons += missing > 0
    return dossiers, persons


def incomplete(persons_query, today: date | None = None) -> list[Incomplete]:
    return [Incomplete(p, d) for p, dossiers in scan(persons_query, today)
            for d in dossiers if not d.complete]


def rates_by_unit(persons_query, units, today: date | None = None) -> list[UnitRate]:
    """Completeness per commune: procedures with every required document, of all."""
    rates = {u.id: UnitRate(u) for u in units}
    for person, dossiers in _light_scan(persons_query, today or today_local()):
        rate = rates.get(person.unit_id)
        if rate is None:
            continue
        rate.procedures += len(dossiers)
        rate.complete += sum(d.complete for d in dossiers)
        rate.persons_incomplete += any(not d.complete for d in dossiers)
    return list(rates.values())


# --- Administrators: the lists ------------------------------------------------------------------

def _overlap(a_from, a_to, b_from, b_to) -> bool:
    return (a_from or date.min) < (b_to or date.max) and (b_from or date.min) < (a_to or date.max)


def validate_requirement(data: dict, exclude: DocumentRequirement | None = None
                         ) -> dict[str, str]:
    from .vocab import CONDITIONS, PROCEDURES

    errors: dict[str, str] = {}
    for name in ("form_code", "label"):
        data[name] = registry.clean_text(data.get(name))
    if data.get("procedure") not in PROCEDURES:
        errors["procedure"] = "Vui lòng chọn thủ tục."
    code = data.get("form_code") or ""
    codes = [c.strip() for c in code.split("/")]
    if not code or any(not c for c in codes) or len(code) > 30 or any(len(c) > 20 for c in codes):
        errors["form_code"] = ("Vui lòng nhập mã mẫu (tối đa 20 ký tự mỗi mẫu; các mẫu thay "
                               "thế nhau cách bằng dấu /, ví dụ 22/23/24).")
    else:
        data["form_code"] = "/".join(codes)
    if not data.get("label"):
        errors["label"] = "Vui lòng nhập tên văn bản."
    elif len(data["label"]) > 200:
        errors["label"] = "Tối đa 200 ký tự."
    if data.get("condition") not in CONDITIONS:
        errors["condition"] = "Vui lòng chọn khi nào phải có văn bản."
    start, end = data.get("valid_from"), data.get("valid_to")
    if start and end and end <= start:
        errors["valid_to"] = "Ngày hết hiệu lực phải sau ngày áp dụng."
    if errors:
        return errors
    for other in all_requirements():
        if other is exclude or other.procedure != data["procedure"]:
            continue
        if set(other.codes) & set(data["form_code"].split("/")) and _overlap(
                start, end, other.valid_from, other.valid_to):
            d = lambda x: x.strftime("%d/%m/%Y") if x else "…"  # noqa: E731
            errors["valid_from"] = (
                f"Trùng thời gian với dòng \u201c{other.label}\u201d (mẫu {other.form_code}, "
                f"{d(other.valid_from)} – {d(other.valid_to)}): hãy cho dòng đó hết hiệu lực "
                "trước ngày áp dụng của dòng mới.")
            break
    return errors


def add_requirement(data: dict) -> DocumentRequirement:
    last = max((r.position for r in all_requirements() if r.procedure == data["procedure"]),
               default=0)
    requirement = DocumentRequirement(
        procedure=data["procedure"], form_code=data["form_code"], label=data["label"],
        condition=data["condition"], position=last + 1, valid_from=data.get("valid_from"),
        valid_to=data.get("valid_to"))
    db.session.add(requirement)
    db.session.flush()
    return requirement


def end_requirement(requirement: DocumentRequirement, day: date | None) -> dict[str, str]:
    """The row stops applying to procedures opened from `day` on (those begun before keep it)."""
    if day is None:
        return {"valid_to": "Vui lòng nhập ngày hết hiệu lực (dd/mm/yyyy)."}
    if requirement.valid_from is not None and day <= requirement.valid_from:
        return {"valid_to": "Ngày hết hiệu lực phải sau ngày áp dụng "
                            f"({requirement.valid_from.strftime('%d/%m/%Y')})."}
    if requirement.valid_to is not None and day >= requirement.valid_to:
        return {"valid_to": "Dòng này đã hết hiệu lực trước ngày đó."}
    requirement.valid_to = day
    return {}


# --- Corrections and voiding (registry.corrections' generic entry page) ------------------------

def _document_correction(document: Document, data: dict, today: date) -> dict[str, str]:
    found = dossier(document.person, document.procedure, document.entry_id, today)
    if found is None:  # its procedure's entry was voided: only the general rules
        errors: dict[str, str] = {}
        _texts(data, errors, ("number", "signer", "note"))
        _check_date(errors, "doc_date", data.get("doc_date"), today, "Ngày văn bản")
        return errors
    return validate_document(found, data, today, exclude=document)


def _note_fields(note: CaseNote) -> tuple[str, ...]:
    # A test's day and result are on the timeline too: to change them, void and record again.
    return ("contact_by", "note") if note.contact_kind == "drug_test" else (
        "on", "contact_by", "note")


def _note_correction(note: CaseNote, data: dict, today: date) -> dict[str, str]:
    data.setdefault("on", note.on)
    found = dossier(note.person, note.procedure, note.entry_id, today)
    if found is None:
        return {"why": "Thủ tục của ghi chép này không còn trong hồ sơ; chỉ có thể hủy."}
    return validate_note(found, data, today, exclude=note)


def install_corrections() -> None:
    from wtforms import StringField

    from ..forms import VNDateField
    from ..registry import correction_forms, corrections

    corrections.register("document", Document, "văn bản trong hồ sơ",
                         ("number", "doc_date", "signer", "note"), _document_correction)
    corrections.register("attachment", Attachment, "bản quét đính kèm", (),
                         lambda entry, data, today: {})
    corrections.register("case_note", CaseNote, "ghi chép theo dõi", _note_fields,
                         _note_correction)
    correction_forms.FIELD_FACTORIES.update({
        "number": lambda: StringField("Số văn bản"),
        "doc_date": lambda: VNDateField("Ngày văn bản"),
        "contact_by": lambda: StringField("Người thực hiện"),
    })


# --- The worklist -------------------------------------------------------------------------------

def worklist_items(user: User, today: date) -> list[tuple[str, int, str]]:
    """(label, count, url) for the home page's worklist: a commune's incomplete dossiers (the
    list says what is missing); the reviewers get the way to the completeness per commune
    (computed on that page, not on every home page)."""
    from flask import url_for

    from ..auth.models import Role
    from ..formatting import vn_number
    from ..scoping import scoped_persons

    if user.role != Role.COMMUNE:
        return [("Tỉ lệ hồ sơ đầy đủ giấy tờ theo xã, danh sách hồ sơ còn thiếu", 0,
                 url_for("dossier.rates"))]
    dossiers, persons = count_incomplete(scoped_persons(user), today)
    if not dossiers:
        return []
    return [(f"Hồ sơ còn thiếu giấy tờ: {vn_number(dossiers)} hồ sơ của "
             f"{vn_number(persons)} người", dossiers, url_for("dossier.incomplete"))]
