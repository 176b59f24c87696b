"""Printing an official form from a person's file, and downloading it (scoped, audited)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, send_file, url_for
from flask_login import current_user

from ..access import roles
from ..audit import services as audit
from ..auth.models import OFFICER_ROLES, Role
from ..documents.word import DOCX_MIMETYPE
from ..errors import hx_redirect
from ..extensions import db, htmx
from ..rendering import render
from ..scoping import get_person_or_404, may_edit_file
from ..registry import services as registry
from ..registry.routes import detail_context
from . import services
from .models import PrintedDocument
from .panel import person_panel

bp = Blueprint("forms_print", __name__)
OFFICERS = OFFICER_ROLES


@bp.app_template_global("person_panel")
def _person_panel(person, transfer=None):
    return person_panel(person, transfer)


@bp.route("/persons/<int:person_id>/forms/<code>/<kind>/<int:entry_id>", methods=["POST"])
@roles(Role.COMMUNE)
def print_form(person_id: int, code: str, kind: str, entry_id: int):
    person = get_person_or_404(current_user, person_id)
    if not may_edit_file(current_user, person):
        abort(403)
    offer = services.find_offer(person, registry.pending_transfer(person), code, kind, entry_id)
    if offer is None:
        abort(404)
    data, errors = services.parse(request.form, offer)
    if errors:
        state = {"key": offer.key, "errors": errors, "form": request.form}
        if htmx:
            return render("forms_print/_offer.html", status=422, person=person, o=offer,
                          state=state, positions=services.POSITIONS)
        return render("registry/detail.html", status=422, print_state=state,
                      **detail_context(person))
    doc = services.record(person, offer, data, current_user)
    db.session.commit()
    url = url_for("forms_print.download", person_id=person.id, doc_id=doc.id)
    return hx_redirect(url) if htmx else redirect(url, 303)


@bp.route("/persons/<int:person_id>/documents/<int:doc_id>")
@roles(*OFFICERS)
def download(person_id: int, doc_id: int):
    person = get_person_or_404(current_user, person_id)
    doc = db.session.get(PrintedDocument, doc_id)
    if doc is None or doc.person_id != person.id:
        abort(404)
    stream = services.build(doc).save()
    audit.record("export", "PrintedDocument", doc.id, {"form": doc.form_code},
                 persons=[person.id])
    db.session.commit()
    return send_file(stream, mimetype=DOCX_MIMETYPE, as_attachment=True,
                     download_name=f"mau-{doc.form_code}-{doc.id}.docx", max_age=0)
