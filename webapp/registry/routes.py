"""The registry pages. Thin: forms parse, services decide, scoping guards every lookup."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload, selectinload
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from .. import settings
from ..access import roles
from ..audit import services as audit
from ..audit.display import describe
from ..audit.queries import probes_matching
from ..auth.models import OFFICER_ROLES, REVIEWER_ROLES, Role
from ..extensions import commit_keeping_loaded, db, htmx
from ..forms import input_problem
from ..rendering import done, render
from ..confirm import ask, confirmed
from ..scoping import (get_person_or_404, get_transfer_or_404, may_edit_file, province_of,
                       scoped_transfers, scoped_units)
from ..timeutil import today_local
from ..units.models import Level, Unit, under
from . import corrections, services
from .correction_forms import VoidForm, correction_form
from .history import person_history
from .forms import DecideTransferForm, EventForm, PersonForm, TransferForm
from .models import Person, PersonEvent, TransferRequest
from .queries import DUE_FILTERS, SORTS, STATE_FILTERS, PersonFilters, paginate, person_query
from .state import derive
from .vocab import (CLOSING_REASONS, DRUGS, EVENT_LABELS, SEXES, TRANSFER_STATUS, EventKind,
                    State)

bp = Blueprint("registry", __name__, url_prefix="/persons")

OFFICERS = OFFICER_ROLES
EVENT_KINDS = {k.value: k for k in (EventKind.POSITIVE_TEST, EventKind.MANAGEMENT,
                                    EventKind.DETERMINATION, EventKind.CLOSING)}


# --- List -------------------------------------------------------------------------------------

@bp.route("/")
@roles(*OFFICERS)
def index():
    filters = PersonFilters.from_args(request.args)
    page = paginate(person_query(current_user, filters), filters.page,
                    current_app.config["PAGE_SIZE"], searching=bool(filters.q))
    audit.record("view_list", "Person", None,
                 {"filters": audit.filters_for_log(filters.as_args()), "rows": len(page.items),
                  "total": page.total}, persons=[p.id for p in page.items])
    commit_keeping_loaded()
    response = render("registry/index.html", "registry/_results.html", page=page, f=filters,
                      states=STATE_FILTERS, dues=DUE_FILTERS, sexes=SEXES, drugs=DRUGS,
                      sorts=SORTS, age_bands=settings.get("age_bands"), units=_filter_units())
    if htmx:
        # The live search pushes the list's address into the history: never the term typed
        # (a name, an ID number) — on a shared PC the next user would find it there.
        response.headers["HX-Push-Url"] = url_for("registry.index", **filters.as_args(q=""))
    return response


def _filter_units() -> list[Unit]:
    if current_user.role == Role.COMMUNE:
        return []
    if current_user.role == Role.NATIONAL:  # the country's communes would be thousands
        return list(db.session.scalars(scoped_units(current_user).where(
            Unit.level == Level.PROVINCE)))
    return list(db.session.scalars(scoped_units(current_user).where(
        Unit.level.not_in([Level.NATIONAL, Level.PROVINCE]))))


def _list_url(back: str | None) -> str:
    """Where "← Danh sách" leads: the list with the filters it was left with. Rebuilt from
    the known filters, so nothing but a /persons/ list URL (and never a search term) comes out."""
    parts = urlsplit(back or "")
    if parts.scheme or parts.netloc or parts.path != url_for("registry.index"):
        return url_for("registry.index")
    filters = PersonFilters.from_args(MultiDict(parse_qsl(parts.query)))
    return url_for("registry.index", **filters.back_args())


# --- Create and edit --------------------------------------------------------------------------

def _commune_choices() -> dict[str, Unit]:
    units = db.session.scalars(scoped_units(current_user).where(
        Unit.level == Level.COMMUNE, Unit.valid_to.is_(None)))
    return {u.code: u for u in units}


def _person_form(form: PersonForm, person=None, duplicates=None, stale=None, status=200,
                 probe_refused=False):
    return render("registry/form.html", "registry/_form.html", form=form, person=person,
                  duplicates=duplicates or [], stale=stale, status=status,
                  probe_refused=probe_refused)


PROBE_LIMITED = 429


def _probe(data: dict, where: str, exclude_id: int | None = None):
    """One duplicate check, recorded (who, keyed hashes of what was typed, the ids matched)
    and limited per account: None when the account has used up its checks for now."""
    if not audit.probes_left(current_user.id):
        audit.record_probe(data, where, None, refused=True)
        db.session.commit()
        return None
    duplicates = services.find_duplicates(data, current_user, exclude_id=exclude_id)
    audit.record_probe(data, where, [d.person_id for d in duplicates])
    db.session.commit()
    return duplicates


def _bind(form: PersonForm) -> dict[str, Unit]:
    communes = _commune_choices()
    form.unit_code.choices = [SelectChoice(c, u.name) for c, u in communes.items()]
    return communes


def _validated(form: PersonForm, communes: dict[str, Unit]) -> dict | None:
    """Parse and check the whole form at once, so every error shows in one round trip."""
    form.validate()
    data = form.to_data(communes)
    errors = services.validate_person(data, current_user)
    for key in list(errors):
        if getattr(form, form.ERROR_FIELDS.get(key, key), None) is not None and \
                getattr(form, form.ERROR_FIELDS.get(key, key)).errors:
            del errors[key]  # the field already says what is wrong with it
    form.add_service_errors(errors)
    return None if form.errors else data


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.COMMUNE)
def new():
    form = PersonForm()
    communes = _bind(form)
    if request.method == "GET":
        form.unit_code.data = current_user.unit.code
        return _person_form(form)
    data = _validated(form, communes)
    if data is None:
        return _person_form(form, status=422)
    duplicates = _probe(data, "save")
    if duplicates is None:
        return _person_form(form, status=PROBE_LIMITED, probe_refused=True)
    if any(d.blocking for d in duplicates) or (duplicates and form.confirm_duplicate.data != "1"):
        return _person_form(form, duplicates=duplicates, status=409)
    try:
        person = services.save_person(None, data, current_user)
        db.session.commit()
    except services.DuplicateIdNumber:  # the same ID number saved at the same moment
        return _duplicate_id(form)
    return done(url_for("registry.detail", person_id=person.id), "Đã lưu.")


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@roles(Role.COMMUNE)
def edit(person_id: int):
    person = get_person_or_404(current_user, person_id)
    if person.state == State.CLOSED and person.closed_reason in ("death", "entry_error"):
        flash("Hồ sơ đã đóng; không thể sửa.", "error")
        return redirect(url_for("registry.detail", person_id=person.id), 303)
    form = PersonForm(obj=person)
    communes = _bind(form)
    if request.method == "GET":
        form = _filled(person)
        _bind(form)
        audit.record("view", "Person", person.id, {"page": "edit"})
        db.session.commit()
        return _person_form(form, person)
    data = _validated(form, communes)
    if data is None:
        return _person_form(form, person, status=422)
    duplicates = _probe(data, "save", exclude_id=person.id)
    if duplicates is None:
        return _person_form(form, person, status=PROBE_LIMITED, probe_refused=True)
    duplicates = [d for d in duplicates if d.blocking]
    if duplicates:
        return _person_form(form, person, duplicates=duplicates, status=409)
    try:
        expected = int(form.version.data or 0)
    except ValueError:
        expected = 0
    try:
        services.save_person(person, data, current_user, expected_version=expected)
        db.session.commit()
    except services.DuplicateIdNumber:
        return _duplicate_id(form, db.session.get(type(person), person_id))
    except services.StaleEdit as stale:
        # Show what changed meanwhile; the fields the user did not touch take the new values,
        # so saving again from this page keeps the other user's changes.
        current = _filled(stale.person)
        _bind(current)
        form.merge(current)
        form.version.data = str(stale.person.version)
        return _person_form(form, stale.person, stale=describe(stale.changes()), status=409)
    return done(url_for("registry.detail", person_id=person.id), "Đã lưu.")


def _filled(person) -> PersonForm:
    """The edit form as it opens on the file as it is now (and remembers what it showed)."""
    form = PersonForm(formdata=None, obj=person)
    form.birth.data = (person.birth_date.strftime("%d/%m/%Y") if person.birth_date
                       else str(person.birth_year))
    form.unit_code.data = person.unit.code
    form.version.data = str(person.version)
    form.remember_seen()
    return form


def _duplicate_id(form: PersonForm, person=None):
    """The unique constraint refused the ID number: the usual duplicate warning, and the
    message beside the field."""
    communes = _bind(form)
    data = form.to_data(communes)
    data["id_number"] = services.normalize_id_number(form.id_number.data)
    duplicates = [d for d in services.find_duplicates(
        data, current_user, exclude_id=person.id if person else None) if d.blocking]
    form.id_number.errors = list(form.id_number.errors) + [services.DUPLICATE_ID_MESSAGE]
    return _person_form(form, person, duplicates=duplicates, status=409)


def _identity_typed() -> dict:
    """Name, birth year and ID number as typed so far in the person form."""
    form = PersonForm()
    try:
        form.birth.pre_validate(form)
    except ValueError:
        pass  # an unreadable birth date just means no birth year to match on yet
    return {"full_name": form.full_name.data, "birth_year": form.birth.birth_year,
            "id_number": services.normalize_id_number(form.id_number.data)}


@bp.route("/check-duplicates", methods=["POST"])
@roles(Role.COMMUNE)
def check_duplicates():
    """As the name, birth and ID number are typed: warn before the form is even submitted."""
    data = _identity_typed()
    exclude = request.args.get("exclude", type=int)
    if not (data["id_number"] or (data["full_name"] and data["birth_year"])):
        duplicates = []  # nothing to match on yet: no probe
    else:
        duplicates = _probe(data, "live", exclude_id=exclude)
    return render("registry/_duplicates.html", "registry/_duplicates.html",
                  duplicates=duplicates or [], probe_refused=duplicates is None,
                  form=PersonForm(formdata=None))


# --- One person -------------------------------------------------------------------------------

def _event_forms(errors_for: str | None = None, bound: EventForm | None = None) -> dict:
    forms = {kind: EventForm(formdata=None, prefix=kind) for kind in EVENT_KINDS}
    if errors_for and bound is not None:
        forms[errors_for] = bound
    return forms


_blank_fields: dict[str, Markup] = {}


def blank_event_fields(bound_kind: str | None = None) -> dict[str, Markup]:
    """{kind: the HTML of its blank form's fields}, except the kind being re-shown with what
    was typed. Blank, they are the same for every person (no values, no errors; the CSRF token
    and the action stay in the page), and writing the four forms' twenty WTForms fields cost a
    quarter of a person page: rendered once per process (live while templates reload)."""
    if current_app.jinja_env.auto_reload:
        return {}
    if not _blank_fields:
        template = current_app.jinja_env.get_template("registry/_event_fields.html")
        for kind in EVENT_KINDS:
            _blank_fields[kind] = Markup(template.render(
                ef=EventForm(formdata=None, prefix=kind), kind=kind))
    return {k: v for k, v in _blank_fields.items() if k != bound_kind}


def detail_context(person, event_forms=None, open_kind=None, treatment_bound=None):
    from ..treatment.routes import treatment_context

    transfer = services.pending_transfer(person)
    reviewer = current_user.role in REVIEWER_ROLES
    history = person_history(person) if reviewer else []
    # The reviewers see who ran a duplicate check that matched this person (never what was typed).
    probes = probes_matching(person.id) if reviewer else None
    province = province_of(person.unit)
    transfer_form = TransferForm(formdata=None)
    can_edit = may_edit_file(current_user, person)
    transfer_form.to_unit.choices = [SelectChoice("", "— Chọn xã —")]
    if can_edit and transfer is None:  # the form is shown: the province's other communes
        parent = aliased(Unit)
        transfer_form.to_unit.choices += [
            SelectChoice(code, f"{name} — {parent_name or ''}")
            for code, name, parent_name in db.session.execute(
                select(Unit.code, Unit.name, parent.name)
                .outerjoin(parent, parent.id == Unit.parent_id).where(
                    under(Unit.path, province.path), Unit.level == Level.COMMUNE,
                    Unit.valid_to.is_(None), Unit.id != person.unit_id).order_by(Unit.path))]
    derived = derive(person.events)
    return {
        "person": person, "derived": derived, "transfer": transfer,
        "person_status": derived.status_on(today_local()),
        "next_steps": services.next_steps(person),
        "list_url": _list_url(request.args.get("back")),
        "history": history, "probes": probes, "event_forms": event_forms or _event_forms(), "open_kind": open_kind,
        "blank_fields": blank_event_fields(open_kind if event_forms else None),
        "event_labels": EVENT_LABELS, "closing_reasons": CLOSING_REASONS,
        "transfer_form": transfer_form,
        "can_edit": can_edit,
        **treatment_context(person, treatment_bound),
    }


@bp.route("/<int:person_id>")
@roles(*OFFICERS)
def detail(person_id: int):
    # The commune with its district or province: the page names them and lists the
    # province's communes for a transfer (no query for either); the timeline with who wrote
    # each entry (one query).
    person = get_person_or_404(current_user, person_id,
                               joinedload(Person.unit).joinedload(Unit.parent),
                               selectinload(Person.events).joinedload(PersonEvent.created_by))
    audit.record("view", "Person", person.id)
    commit_keeping_loaded()
    return render("registry/detail.html", **detail_context(person))


@bp.route("/<int:person_id>/events/<kind>", methods=["POST"])
@roles(Role.COMMUNE)
def add_event(person_id: int, kind: str):
    person = get_person_or_404(current_user, person_id)
    if kind not in EVENT_KINDS:
        abort(404)
    form = EventForm(prefix=kind)
    if form.validate():
        data = form.to_data()
        errors = services.validate_event(person, EVENT_KINDS[kind], data)
        if not errors and kind == "closing" and not confirmed():
            return ask(f"Đưa {person.full_name} ra khỏi danh sách quản lý?",
                       url_for("registry.detail", person_id=person.id),
                       "Đưa ra khỏi danh sách")
        if not errors:
            services.add_event(person, EVENT_KINDS[kind], data, current_user)
            db.session.commit()
            # No "#timeline" anchor: for htmx, a hash-only change would not reload the page.
            return done(url_for("registry.detail", person_id=person.id),
                         f"Đã ghi: {EVENT_LABELS[EVENT_KINDS[kind]].lower()}.")
        form.add_service_errors(errors)
    context = detail_context(person, _event_forms(kind, form), open_kind=kind)
    return render("registry/detail.html", "registry/_timeline.html", status=422, **context)


# --- Corrections and voiding ------------------------------------------------------------------

def _entry_or_404(person_id: int, kind: str, entry_id: int):
    person = get_person_or_404(current_user, person_id)
    if not may_edit_file(current_user, person):
        abort(403)
    entry = corrections.find(person, kind, entry_id)
    if entry is None:
        abort(404)
    return person, entry


def _fingerprint(entry) -> str:
    """What the form was opened on: a correction made since then makes it stale."""
    import hashlib

    values = [str(getattr(entry, n)) for n in (*corrections.fields_of(entry), "voided_at",
                                                "corrected_at")]
    return hashlib.sha256("|".join(values).encode()).hexdigest()[:16]


def _entry_page(person, entry, form=None, void_form=None, status=200, stale=None):
    fields = corrections.fields_of(entry)
    return render("registry/correct.html", status=status, person=person, entry=entry,
                  kind=corrections.kind_of(entry), label=corrections.label_of(entry),
                  form=form if form is not None else (correction_form(entry, fields)
                                                      if fields else None),
                  void_form=void_form or VoidForm(formdata=None, prefix="void"),
                  fingerprint=_fingerprint(entry), stale=stale, event_labels=EVENT_LABELS)


@bp.route("/<int:person_id>/entries/<kind>/<int:entry_id>")
@roles(Role.COMMUNE)
def entry(person_id: int, kind: str, entry_id: int):
    person, found = _entry_or_404(person_id, kind, entry_id)
    audit.record("view", "Person", person.id, {"page": "entry", "kind": kind})
    db.session.commit()
    return _entry_page(person, found)


@bp.route("/<int:person_id>/entries/<kind>/<int:entry_id>/correct", methods=["POST"])
@roles(Role.COMMUNE)
def correct_entry(person_id: int, kind: str, entry_id: int):
    person, found = _entry_or_404(person_id, kind, entry_id)
    fields = corrections.fields_of(found)
    if not fields:
        abort(404)
    form = correction_form(found, fields, request.form)
    if request.form.get("fingerprint") != _fingerprint(found):
        fresh = correction_form(found, fields)
        return _entry_page(person, found, fresh, status=409, stale=(
            "Mục này vừa được sửa hoặc hủy bởi thao tác khác. Giá trị hiện tại đã được điền "
            "lại bên dưới; vui lòng xem lại rồi lưu."))
    if form.validate():
        errors = corrections.correct(found, form.to_data(), form.why.data, current_user)
        if not errors:
            db.session.commit()
            return done(url_for("registry.detail", person_id=person.id),
                        f"Đã sửa {corrections.label_of(found)}.")
        form.add_service_errors(errors)
    db.session.rollback()
    return _entry_page(person, found, form, status=422)


@bp.route("/<int:person_id>/entries/<kind>/<int:entry_id>/void", methods=["POST"])
@roles(Role.COMMUNE)
def void_entry(person_id: int, kind: str, entry_id: int):
    person, found = _entry_or_404(person_id, kind, entry_id)
    form = VoidForm(prefix="void")
    back = url_for("registry.entry", person_id=person.id, kind=kind, entry_id=entry_id)
    if request.form.get("fingerprint") != _fingerprint(found):
        return _entry_page(person, found, status=409, stale=(
            "Mục này vừa được sửa hoặc hủy bởi thao tác khác; vui lòng xem lại."))
    if not form.validate():  # e.g. a refused character in the reason
        return _entry_page(person, found, void_form=form, status=422)
    errors = corrections.void(found, form.why.data, current_user)
    if not errors and not confirmed():
        db.session.rollback()
        return ask(f"Hủy {corrections.label_of(found)} (ghi nhầm)? Mục này vẫn được giữ trong hồ "
                   "sơ (gạch ngang, ghi rõ người hủy, thời gian, lý do) nhưng không còn được "
                   "tính trong tình trạng, số liệu báo cáo và việc cần làm.", back,
                   "Hủy mục này (ghi nhầm)")
    if not errors:
        db.session.commit()
        reopened = isinstance(found, corrections.PersonEvent) and found.kind == "closing"
        return done(url_for("registry.detail", person_id=person.id),
                    "Đã mở lại hồ sơ." if reopened else
                    f"Đã hủy {corrections.label_of(found)} (ghi nhầm).")
    db.session.rollback()
    form.why.errors = list(form.why.errors) + [m for k, m in errors.items() if k == "why"]
    return _entry_page(person, found, void_form=form, status=422)


# --- Transfers --------------------------------------------------------------------------------

@bp.route("/<int:person_id>/transfer", methods=["POST"])
@roles(Role.COMMUNE)
def request_transfer(person_id: int):
    person = get_person_or_404(current_user, person_id)
    form = TransferForm()
    to_unit = db.session.scalar(select(Unit).where(Unit.code == (form.to_unit.data or "")))
    try:
        if form.input_error():
            raise services.RegistryError(form.input_error())
        if to_unit is None:
            raise services.RegistryError("Vui lòng chọn xã chuyển đến.")
        services.request_transfer(person, to_unit, current_user, form.note.data)
    except services.RegistryError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return done(url_for("registry.detail", person_id=person.id))
    db.session.commit()
    return done(url_for("registry.detail", person_id=person.id),
                 f"Đã gửi đề nghị chuyển hồ sơ đến {to_unit.name}.")


@bp.route("/transfers/incoming", methods=["POST"])
@roles(Role.COMMUNE)
def request_incoming():
    """From the duplicate warning: ask the commune that holds the file to send it here.

    The person is identified again from what was typed, so only a real match can be asked for.
    """
    data = _identity_typed()
    note = request.form.get("note")
    if input_problem(note, multiline=True):
        flash(f"Ghi chú: {input_problem(note, multiline=True)}", "error")
        return done(url_for("registry.new"))
    wanted = request.form.get("person_ref", type=int)
    duplicates = _probe(data, "transfer")
    if duplicates is None:
        flash("Bạn đã kiểm tra trùng hồ sơ quá nhiều lần trong thời gian ngắn. Vui lòng chờ ít "
              "phút rồi thử lại.", "error")
        return done(url_for("registry.new"))
    match = next((d for d in duplicates
                  if d.person_id == wanted and not d.in_scope and d.unit is not None), None)
    if match is None:
        flash("Không tìm thấy hồ sơ phù hợp để đề nghị chuyển.", "error")
        return done(url_for("registry.new"))
    from .models import Person

    person = db.session.get(Person, match.person_id)
    try:
        services.request_transfer(person, person.unit, current_user,
                                  note, incoming=True)
    except services.RegistryError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return done(url_for("registry.transfers"))
    db.session.commit()
    return done(url_for("registry.transfers"),
                 f"Đã gửi đề nghị {match.unit.name} chuyển hồ sơ về xã.")


@bp.route("/transfers/")
@roles(*OFFICERS)
def transfers():
    return _transfers_page()


def _transfers_page(reason_errors: dict | None = None, status: int = 200):
    rows = db.session.scalars(scoped_transfers(current_user)
                              .order_by((TransferRequest.status != "pending"),
                                        TransferRequest.requested_at.desc()).limit(200)).all()
    audit.record("view_list", "TransferRequest", None, {"rows": len(rows)},
                 persons=[t.person_id for t in rows])
    db.session.commit()
    return render("registry/transfers.html", transfers=rows, status_labels=TRANSFER_STATUS,
                  reason_errors=reason_errors or {}, status=status)


@bp.route("/transfers/<int:transfer_id>/<action>", methods=["POST"])
@roles(Role.COMMUNE)
def decide(transfer_id: int, action: str):
    transfer = get_transfer_or_404(current_user, transfer_id)
    form = DecideTransferForm()
    if form.input_error():
        return _transfers_page({transfer.id: form.input_error()}, status=422)
    if action == "accept" and transfer.status == "pending" and not confirmed():
        return ask(f"Tiếp nhận hồ sơ chuyển từ {transfer.from_unit.name} đến "
                   f"{transfer.to_unit.name}? Toàn bộ hồ sơ và quá trình quản lý chuyển theo.",
                   url_for("registry.transfers"), "Tiếp nhận hồ sơ")
    try:
        if action == "accept":
            services.decide_transfer(transfer, True, current_user)
            message = "Đã tiếp nhận hồ sơ."
        elif action == "refuse":
            services.decide_transfer(transfer, False, current_user, form.reason.data)
            message = "Đã từ chối đề nghị chuyển hồ sơ."
        elif action == "cancel":
            services.cancel_transfer(transfer, current_user)
            message = "Đã hủy đề nghị."
        else:
            abort(404)
    except services.RegistryError as exc:
        db.session.rollback()
        if exc.field == "reason":
            return _transfers_page({transfer.id: str(exc)}, status=422)
        flash(str(exc), "error")
        return done(url_for("registry.transfers"))
    db.session.commit()
    return done(url_for("registry.transfers"), message)
