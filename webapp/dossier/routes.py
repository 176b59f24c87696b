"""The dossier on the person page, the scans, case notes, completeness in a scope, and the
administrators' lists of required documents. Thin: forms parse, services decide."""
from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ..access import roles
from ..audit import services as audit
from ..auth.models import Role
from ..confirm import ask, confirmed
from ..extensions import commit_keeping_loaded, db
from ..registry.models import Person
from ..registry.routes import detail_context
from ..rendering import done, render
from ..scoping import (get_person_or_404, get_unit_or_404, may_edit_file, scoped_persons,
                       scoped_units)
from ..units.models import Level, Unit, under
from . import files, services
from .forms import AttachForm, DocumentForm, EndRequirementForm, NoteForm, RequirementForm
from .models import DocumentRequirement
from .vocab import CONDITIONS, NOTE_PROCEDURES, PROCEDURES

bp = Blueprint("dossier", __name__)

OFFICERS = (Role.COMMUNE, Role.DISTRICT, Role.PROVINCE)
UPLOADS = {"dossier.add_document", "dossier.attach"}
_PREFIX = re.compile(r"^doc[0-9]{1,9}-[0-9]{1,12}$")


@bp.record_once
def _install(state) -> None:
    app = state.app
    # First of all request hooks (before CSRF reads the form): an upload larger than the
    # setting is refused from its Content-Length, before its body is read.
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)
    app.add_template_global(section, "dossier_section")
    services.install_corrections()


def _upload_limit() -> None:
    if request.endpoint in UPLOADS:
        request.max_content_length = files.max_bytes() + 256 * 1024  # plus the form's fields


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    """The upload was refused unread: say so beside the file field, with the limit."""
    message = files.too_large_message()
    args = request.view_args or {}
    if current_user.is_authenticated and current_user.role == Role.COMMUNE \
            and "person_id" in args:
        person = get_person_or_404(current_user, args["person_id"])
        if request.endpoint == "dossier.attach":
            form = AttachForm(formdata=None, prefix=f"att{args['document_id']}")
            return _section_page(person, (f"att{args['document_id']}", form),
                                 {"file": message}, 413)
        found = services.dossier(person, args["kind"], args["entry_id"])
        if found is not None:
            key = f"add-{found.procedure.key}"  # the form posted is unknown: its body is unread
            form = DocumentForm(formdata=None, prefix=key).bind(found)
            return _section_page(person, (key, form),
                                 {"file": message}, 413)
    return render_template("errors/error.html", code=413, title="Tệp quá lớn",
                           message=message), 413


# --- On the person page -------------------------------------------------------------------------

def section(person: Person, bound: tuple | None = None) -> dict:
    """What templates/dossier/_section.html shows (a template global: the person page
    includes it without the registry knowing the dossier)."""
    dossiers = services.dossiers_of(person)
    can_edit = may_edit_file(current_user, person)
    forms: dict[str, object] = {}
    if can_edit:
        for d in dossiers:
            key = d.procedure.key
            forms[f"add-{key}"] = DocumentForm(formdata=None, prefix=f"add-{key}").bind(d)
            for row in d.rows:
                forms[f"doc{row.requirement.id}-{d.procedure.entry_id}"] = DocumentForm(
                    formdata=None, prefix=f"doc{row.requirement.id}-{d.procedure.entry_id}"
                ).bind(d, row.requirement.codes[0])
            for document in [*(x for r in d.rows for x in r.documents), *d.others]:
                if not document.voided:
                    forms[f"att{document.id}"] = AttachForm(formdata=None,
                                                            prefix=f"att{document.id}")
            if d.procedure.kind in NOTE_PROCEDURES:
                forms[f"note-{key}"] = NoteForm(formdata=None, prefix=f"note-{key}",
                                                data={"contact_by": current_user.full_name})
    if bound is not None:
        forms[bound[0]] = bound[1]
    return {"dossiers": dossiers, "forms": forms, "can_edit": can_edit,
            "open": bound[0] if bound else None}


def _section_page(person: Person, bound: tuple, errors: dict, status: int = 422):
    bound[1].add_service_errors(errors)
    db.session.rollback()
    return render("registry/detail.html", "dossier/_section.html", status=status,
                  **detail_context(person), dossier_bound=bound)


def _editable(person_id: int) -> Person:
    person = get_person_or_404(current_user, person_id)
    if not may_edit_file(current_user, person):
        abort(403)
    return person


def _detail(person: Person) -> str:
    return url_for("registry.detail", person_id=person.id) + "#dossier"


def _upload(form, required: bool = False):
    """The checked file of `form.file`, None when none was chosen; FileRefused otherwise."""
    storage = form.file.data
    if storage is None or not getattr(storage, "filename", None):
        if required:
            raise files.FileRefused("Vui lòng chọn tệp bản quét (PDF, JPEG hoặc PNG).")
        return None
    return files.check(storage.stream, storage.filename)


@bp.route("/persons/<int:person_id>/dossier/<kind>/<int:entry_id>/documents", methods=["POST"])
@roles(Role.COMMUNE)
def add_document(person_id: int, kind: str, entry_id: int):
    person = _editable(person_id)
    found = services.dossier(person, kind, entry_id) if kind in PROCEDURES else None
    if found is None:
        abort(404)
    prefix = request.form.get("prefix", "")
    prefix = prefix if _PREFIX.match(prefix) else f"add-{found.procedure.key}"
    form = DocumentForm(prefix=prefix).bind(found)
    key = prefix
    if not form.validate():
        return _section_page(person, (key, form), {})
    data = form.to_data()
    errors = services.validate_document(found, data)
    try:
        upload = _upload(form)
    except files.FileRefused as refused:
        errors["file"] = str(refused)
    if errors:
        return _section_page(person, (key, form), errors)
    try:
        services.add_document(person, found, data, current_user, upload)
    except files.FileRefused as refused:
        return _section_page(person, (key, form), {"file": str(refused)})
    services.commit()
    message = "Đã ghi văn bản vào hồ sơ" + (" kèm bản quét." if upload else ".")
    return done(_detail(person), message)


@bp.route("/persons/<int:person_id>/dossier/documents/<int:document_id>/attachments",
          methods=["POST"])
@roles(Role.COMMUNE)
def attach(person_id: int, document_id: int):
    from .models import Document

    person = _editable(person_id)
    document = db.session.get(Document, document_id)
    if document is None or document.person_id != person.id or document.voided:
        abort(404)
    key = f"att{document.id}"
    form = AttachForm(prefix=key)
    if not form.validate():
        return _section_page(person, (key, form), {})
    try:
        upload = _upload(form, required=True)
    except files.FileRefused as refused:
        return _section_page(person, (key, form), {"file": str(refused)})
    replacing = document.active_attachment is not None
    try:
        services.attach(document, upload, current_user)
    except files.FileRefused as refused:
        return _section_page(person, (key, form), {"file": str(refused)})
    services.commit()
    return done(_detail(person), "Đã thay bản quét (bản cũ vẫn được lưu)." if replacing
                else "Đã đính kèm bản quét.")


@bp.route("/dossier/files/<public_id>")
@roles(*OFFICERS)
def download(public_id: str):
    attachment = services.attachment_by_public_id(public_id)
    if attachment is None:
        abort(404)
    person = get_person_or_404(current_user, attachment.person_id)  # 404 outside the scope
    try:
        path = files.path_of(attachment.stored_name)
        handle = open(path, "rb")
    except OSError:
        abort(404)
    audit.record("download", "Attachment", attachment.id,
                 {"document": attachment.document_id, "form": attachment.document.form_code},
                 persons=[person.id])
    db.session.commit()
    response = send_file(handle, mimetype=attachment.mime, as_attachment=True,
                         download_name=services.download_name(attachment), max_age=0)
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/persons/<int:person_id>/dossier/<kind>/<int:entry_id>/notes", methods=["POST"])
@roles(Role.COMMUNE)
def add_note(person_id: int, kind: str, entry_id: int):
    person = _editable(person_id)
    found = services.dossier(person, kind, entry_id) if kind in NOTE_PROCEDURES else None
    if found is None:
        abort(404)
    key = f"note-{found.procedure.key}"
    form = NoteForm(prefix=key)
    if not form.validate():
        return _section_page(person, (key, form), {})
    data = form.to_data()
    errors = services.validate_note(found, data)
    if errors:
        return _section_page(person, (key, form), errors)
    result = services.add_note(person, found, data, current_user)
    if isinstance(result, dict):
        return _section_page(person, (key, form), result)
    db.session.commit()
    extra = (" Kết quả dương tính đã được ghi vào quá trình của hồ sơ."
             if result.test_event_id else "")
    return done(_detail(person), "Đã ghi việc theo dõi." + extra)


# --- Completeness in the user's scope -----------------------------------------------------------

def _communes():
    return list(db.session.scalars(scoped_units(current_user).where(
        Unit.level == Level.COMMUNE, Unit.valid_to.is_(None))))


@bp.route("/dossier/")
@roles(*OFFICERS)
def rates():
    rows = services.rates_by_unit(scoped_persons(current_user), _communes())
    total = services.UnitRate(None, sum(r.procedures for r in rows),
                              sum(r.complete for r in rows),
                              sum(r.persons_incomplete for r in rows))
    return render("dossier/rates.html", rows=rows, total=total)


@bp.route("/dossier/incomplete")
@roles(*OFFICERS)
def incomplete():
    query = scoped_persons(current_user)
    unit = None
    if request.args.get("unit"):
        unit = get_unit_or_404(current_user, request.args["unit"])
        query = query.where(Person.unit_id.in_(select(Unit.id).where(under(Unit.path,
                                                                           unit.path))))
    rows = services.incomplete(query)
    audit.record("view_list", "Document", None, {"page": "incomplete", "rows": len(rows),
                                                 "unit": unit.code if unit else None},
                 persons=[r.person.id for r in rows])
    commit_keeping_loaded()
    return render("dossier/incomplete.html", rows=rows, unit=unit)


# --- Administrators: which documents each procedure requires -------------------------------------

def _requirements_page(form=None, end_forms=None, status: int = 200):
    every = services.all_requirements()
    end_forms = end_forms or {}
    for r in every:
        end_forms.setdefault(r.id, EndRequirementForm(formdata=None, prefix=f"end{r.id}"))
    return render("dossier/requirements.html", status=status, procedures=PROCEDURES,
                  conditions=CONDITIONS, requirements=every,
                  form=form or RequirementForm(formdata=None, prefix="req"),
                  end_forms=end_forms)


@bp.route("/admin/dossier/")
@roles(Role.ADMIN)
def requirements():
    return _requirements_page()


@bp.route("/admin/dossier/", methods=["POST"])
@roles(Role.ADMIN)
def add_requirement():
    form = RequirementForm(prefix="req")
    if form.validate():
        data = form.to_data()
        errors = services.validate_requirement(data)
        if not errors:
            services.add_requirement(data)
            db.session.commit()
            return done(url_for("dossier.requirements"), "Đã thêm văn bản vào danh mục.")
        form.add_service_errors(errors)
    db.session.rollback()
    return _requirements_page(form, status=422)


@bp.route("/admin/dossier/<int:requirement_id>/end", methods=["POST"])
@roles(Role.ADMIN)
def end_requirement(requirement_id: int):
    requirement = db.session.get(DocumentRequirement, requirement_id)
    if requirement is None:
        abort(404)
    form = EndRequirementForm(prefix=f"end{requirement.id}")
    errors = services.end_requirement(requirement, form.valid_to.parsed) if form.validate() \
        else {}
    if form.errors or errors:
        form.add_service_errors(errors)
        db.session.rollback()
        return _requirements_page(end_forms={requirement.id: form}, status=422)
    if not confirmed():
        db.session.rollback()
        return ask(f"Cho văn bản \u201c{requirement.label}\u201d hết hiệu lực từ ngày "
                   f"{form.valid_to.parsed:%d/%m/%Y}? Các thủ tục bắt đầu từ ngày đó không "
                   "còn yêu cầu văn bản này; thủ tục bắt đầu trước vẫn giữ.",
                   url_for("dossier.requirements"), "Cho hết hiệu lực")
    db.session.commit()
    return done(url_for("dossier.requirements"), "Đã cập nhật danh mục.")
