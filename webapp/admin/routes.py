from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from ..access import roles
from ..auth import passwords, sessions
from ..auth.models import Role, User
from ..extensions import db
from ..rendering import render
from ..scoping import (get_unit_or_404, get_user_or_404, scoped_login_events, scoped_units,
                       scoped_users)
from ..units.models import Unit
from ..vntext import fold
from .forms import NewUserForm, ResetPasswordForm, UserForm
from .services import role_unit_error, username_taken

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _unit_choices() -> list[SelectChoice]:
    units = db.session.scalars(scoped_units(current_user).where(Unit.valid_to.is_(None)))
    return [SelectChoice(u.code, "\u00a0\u00a0" * u.depth + f"{u.name} ({u.code})")
            for u in units]


@bp.route("/users/")
@roles(Role.ADMIN)
def users():
    q = (request.args.get("q") or "").strip()
    query = scoped_users(current_user).join(User.unit).order_by(Unit.path, User.username)
    if q:
        needle = f"%{fold(q)}%"
        query = query.where(or_(User.username.ilike(needle), User.full_name.ilike(f"%{q}%")))
    rows = db.session.scalars(query).all()
    return render("admin/users.html", "admin/_user_rows.html", users=rows, q=q)


def _validate(form: UserForm, user_id: int | None = None) -> Unit | None:
    if not form.validate_on_submit():
        return None
    unit = get_unit_or_404(current_user, form.unit_code.data)
    ok = True
    if username_taken(form.username.data, user_id):
        form.username.errors.append("Tên đăng nhập đã được dùng.")
        ok = False
    message = role_unit_error(form.role.data, unit)
    if message:
        form.role.errors.append(message)
        ok = False
    return unit if ok else None


@bp.route("/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_user():
    form = NewUserForm()
    form.unit_code.choices = _unit_choices()
    unit = _validate(form)
    problem = form.new_password.data and passwords.problem(form.new_password.data,
                                                           form.username.data)
    if problem and not form.new_password.errors:
        form.new_password.errors.append(problem)
    if unit is not None and not problem:
        user = User(username=form.username.data, full_name=form.full_name.data,
                    role=form.role.data, unit=unit, active=form.active.data,
                    email=form.email.data, must_change_password=True)
        user.set_password(form.new_password.data)
        db.session.add(user)
        db.session.commit()
        flash(f"Đã tạo tài khoản {user.username}.", "success")
        return redirect(url_for("admin.users"), 303)
    return render("admin/user_form.html", form=form, user=None,
                  password_min=passwords.min_length(),
                  status=400 if form.is_submitted() else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_user(user_id: int):
    user = get_user_or_404(current_user, user_id)
    form = UserForm(obj=user, unit_code=user.unit.code)
    form.unit_code.choices = _unit_choices()
    unit = _validate(form, user.id)
    if unit is not None:
        if user.id == current_user.id and (not form.active.data or form.role.data != Role.ADMIN):
            form.active.errors.append("Không thể tự khóa hoặc bỏ quyền quản trị của chính mình.")
        else:
            user.username, user.full_name = form.username.data, form.full_name.data
            user.role, user.unit, user.active = form.role.data, unit, form.active.data
            user.email = form.email.data
            db.session.commit()
            flash("Đã lưu.", "success")
            return redirect(url_for("admin.users"), 303)
    return render("admin/user_form.html", form=form, user=user,
                  reset_form=ResetPasswordForm(formdata=None),
                  password_min=passwords.min_length(),
                  status=400 if form.is_submitted() else 200)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles(Role.ADMIN)
def reset_password(user_id: int):
    user = get_user_or_404(current_user, user_id)
    form = ResetPasswordForm()
    valid = form.validate_on_submit()
    problem = valid and passwords.problem(form.new_password.data, user.username, user)
    if problem:
        form.new_password.errors.append(problem)
    elif valid:
        user.set_password(form.new_password.data)
        user.must_change_password = True
        # Every open session of the account ends: a reset follows a lost or leaked password.
        sessions.end_all(user, "password_reset")
        db.session.commit()
        flash(f"Đã đặt lại mật khẩu cho {user.username}. Người dùng phải đổi mật khẩu "
              "khi đăng nhập lần sau.", "success")
        return redirect(url_for("admin.edit_user", user_id=user.id), 303)
    edit_form = UserForm(obj=user, unit_code=user.unit.code, formdata=None)
    edit_form.unit_code.choices = _unit_choices()
    return render("admin/user_form.html", form=edit_form, user=user, reset_form=form,
                  password_min=passwords.min_length(), status=400)


@bp.route("/sign-ins")
@roles(Role.ADMIN)
def sign_ins():
    from ..auth.models import LoginEvent

    events = db.session.scalars(
        scoped_login_events(current_user).order_by(LoginEvent.at.desc()).limit(200)).all()
    return render("admin/sign_ins.html", events=events, labels=LoginEvent.OUTCOME_LABELS)


@bp.route("/audit")
@roles(Role.ADMIN)
def audit_log():
    """Who viewed, exported or changed what, and when: what a breach report needs."""
    from ..audit.queries import (ACTIONS, OBJECTS, PAGE, SHOWN_CHANGES, AuditFilters,
                                 audit_query, page_of)

    filters = AuditFilters.from_args(request.args)
    events, total = page_of(audit_query(current_user, filters), filters.page)
    return render("admin/audit.html", events=events, total=total, f=filters, page_size=PAGE,
                  actions=ACTIONS, objects=OBJECTS, shown_changes=SHOWN_CHANGES)


# --- Who saw this person ------------------------------------------------------------------------

FINDER_LIMIT = 50


def _audited_person_or_404(person_id: int):
    """A person of the administrator's unit or below, for the audit trail only (name, commune,
    id: administrators do not open case files)."""
    from ..registry.models import Person
    from ..scoping import restrict

    person = db.session.scalar(restrict(select(Person), current_user, Person.unit_id)
                               .where(Person.id == person_id))
    if person is None:
        abort(404)
    return person


@bp.route("/audit/persons", methods=["GET", "POST"])
@roles(Role.ADMIN)
def audit_persons():
    """Find a person by name (without diacritics) or ID number, to list who saw their file.
    The form posts: what is typed stays out of the address bar, the history and the logs."""
    from ..audit import services as audit
    from ..registry.models import Person
    from ..registry.queries import _like_escape
    from ..registry.services import normalize_id_number
    from ..scoping import restrict

    q = (request.form.get("q") or "").strip()[:100] if request.method == "POST" else ""
    found = None
    if q:
        query = restrict(select(Person), current_user, Person.unit_id)
        id_number = normalize_id_number(q)
        if id_number and id_number.isdigit():
            query = query.where(Person.id_number == id_number)
        else:
            for token in fold(q).split():
                query = query.where(Person.search_text.like(f"%{_like_escape(token)}%",
                                                            escape="\\"))
        found = list(db.session.scalars(query.order_by(Person.sort_key, Person.id)
                                        .limit(FINDER_LIMIT + 1)))
        audit.record("find", "Person", None, {"q": "hmac:" + (audit.keyed(q) or "")},
                     persons=[p.id for p in found[:FINDER_LIMIT]])
        db.session.commit()
    return render("admin/audit_persons.html", q=q, found=found, limit=FINDER_LIMIT)


def _trail(person_id: int):
    from ..audit.queries import about_person

    return list(db.session.scalars(about_person(current_user, person_id).limit(TRAIL_LIMIT)))


TRAIL_LIMIT = 2000


@bp.route("/audit/persons/<int:person_id>")
@roles(Role.ADMIN)
def audit_person(person_id: int):
    """Every audit entry about one person: who viewed, listed, exported, probed, changed."""
    from ..audit import services as audit
    from ..audit.queries import ACTIONS, OBJECTS

    person = _audited_person_or_404(person_id)
    audit.record("find", "Person", person.id, {"page": "trail"})
    db.session.commit()
    return render("admin/audit_person.html", person=person, events=_trail(person.id),
                  limit=TRAIL_LIMIT, actions=ACTIONS, objects=OBJECTS, detail=trail_detail)


@bp.route("/audit/persons/<int:person_id>.xlsx")
@roles(Role.ADMIN)
def audit_person_xlsx(person_id: int):
    from ..audit import services as audit
    from ..exports.routes import _send
    from ..timeutil import today_local
    from .trail import trail_workbook

    person = _audited_person_or_404(person_id)
    events = _trail(person.id)
    stream = trail_workbook(person, events, current_user.unit, today_local())
    audit.record("export", "Person", person.id, {"page": "trail", "rows": len(events)})
    db.session.commit()
    return _send(stream, f"nhat-ky-truy-cap-ho-so-{person.id}.xlsx")


def trail_detail(event) -> str:
    from .trail import detail_of

    return detail_of(event)
