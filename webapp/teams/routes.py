"""The management team of a decision, and "the persons counselled by this member"."""
from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from ..access import roles
from ..audit import services as audit
from ..auth.models import OFFICER_ROLES, Role
from ..extensions import commit_keeping_loaded, db
from ..rendering import done, render
from ..scoping import get_person_or_404, may_edit_file, scoped_persons
from . import services
from .models import DECISIONS, ROLES

bp = Blueprint("teams", __name__)
OFFICERS = OFFICER_ROLES
SPARE_ROWS = 6  # rows shown for a new team


def _rows_from(members) -> list[services.Row]:
    return [services.Row(m.id, m.full_name, m.role, m.position or "", m.phone or "", m.counsels)
            for m in members if not m.voided]


def _posted_rows() -> list[services.Row]:
    form = request.form
    counsellor = form.get("counsellor", "")
    rows = []
    for i in range(services.MAX_MEMBERS + 3):
        raw_id = form.get(f"id-{i}", "")
        rows.append(services.Row(int(raw_id) if raw_id.isdigit() else None,
                                 form.get(f"full_name-{i}", ""), form.get(f"role-{i}", ""),
                                 form.get(f"position-{i}", ""), form.get(f"phone-{i}", ""),
                                 counsellor == str(i)))
    return rows


@bp.route("/persons/<int:person_id>/teams/<kind>/<int:entry_id>", methods=["GET", "POST"])
@roles(*OFFICERS)
def edit(person_id: int, kind: str, entry_id: int):
    person = get_person_or_404(current_user, person_id)
    entry = services.decision_of(person, kind, entry_id)
    if entry is None:
        abort(404)
    can_edit = may_edit_file(current_user, person)
    members = services.members(kind, entry)
    errors, status = {}, 200
    if request.method == "POST":
        if not can_edit:
            abort(403)
        rows = _posted_rows()
        errors = services.save(person, kind, entry, rows, request.form.get("why"), current_user)
        if not errors:
            db.session.commit()
            return done(url_for("registry.detail", person_id=person.id),
                        "Đã lưu tổ quản lý.")
        db.session.rollback()
        status = 422
        rows = [r for r in rows if not r.blank or r.errors]
    else:
        rows = _rows_from(members)
        audit.record("view", "Person", person.id, {"page": "team"})
        commit_keeping_loaded()
    rows += [services.Row() for _ in range(max(SPARE_ROWS, len(rows) + 2) - len(rows))]
    rows = rows[:services.MAX_MEMBERS + 3]
    return render("teams/edit.html", status=status, person=person, kind=kind, entry=entry,
                  decision_label=DECISIONS[kind], rows=rows, roles=ROLES, errors=errors,
                  members=members, can_edit=can_edit, why=request.form.get("why", ""),
                  recorded=any(not m.voided for m in members))


@bp.route("/teams/counselled")
@roles(*OFFICERS)
def counselled():
    name = (request.args.get("name") or "").strip()[:120]
    found = services.counselled_by(scoped_persons(current_user), name) if name else []
    if name:
        audit.record("view_list", "TeamMember", None, {"filters": audit.filters_for_log(
            {"name": name}), "rows": len(found)}, persons=[p.id for _, p in found])
        commit_keeping_loaded()
    return render("teams/counselled.html", "teams/_counselled_rows.html", name=name,
                  found=found)
