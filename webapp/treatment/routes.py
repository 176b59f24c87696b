"""Rehabilitation, methadone and post-rehab actions on a person's page (commune officers)."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from ..access import roles
from ..auth.models import Role
from ..extensions import db
from ..registry.models import Person
from ..rendering import done, render
from ..scoping import get_person_or_404
from . import services
from .forms import (ActivityForm, ConfirmForm, EpisodeEndForm, EpisodeForm, MethadoneForm,
                    MethadoneStopForm, PostRehabEndForm)
from .models import MethadonePeriod, PostRehabTerm, RehabEpisode
from .vocab import (ACTIVITY_KINDS, METHADONE_STOPS, OUTCOMES, POST_REHAB_STOPS, REHAB_FORMS,
                    TREATMENT_LABELS)

bp = Blueprint("treatment", __name__, url_prefix="/persons")


def treatment_context(person: Person, bound: tuple[str, object] | None = None) -> dict:
    """Forms for the treatment section; `bound` = (key, form with errors) replaces one of them."""
    forms: dict[str, object] = {
        "episode": EpisodeForm(formdata=None, prefix="episode"),
        "methadone": MethadoneForm(formdata=None, prefix="methadone"),
    }
    for e in person.episodes:
        if e.ongoing:
            forms[f"end{e.id}"] = EpisodeEndForm(formdata=None, prefix=f"end{e.id}")
    for m in person.methadone_periods:
        if m.ongoing:
            forms[f"stop{m.id}"] = MethadoneStopForm(formdata=None, prefix=f"stop{m.id}")
    for t in person.post_rehab_terms:
        if t.status == "suggested":
            forms[f"confirm{t.id}"] = ConfirmForm(formdata=None, prefix=f"confirm{t.id}")
        if t.status == "active":
            forms[f"act{t.id}"] = ActivityForm(formdata=None, prefix=f"act{t.id}")
            forms[f"postend{t.id}"] = PostRehabEndForm(formdata=None, prefix=f"postend{t.id}")
    if bound is not None:
        forms[bound[0]] = bound[1]
    return {"tforms": forms, "open_treatment": bound[0] if bound else None,
            "rehab_forms": REHAB_FORMS, "outcomes": OUTCOMES, "methadone_stops": METHADONE_STOPS,
            "activity_kinds": ACTIVITY_KINDS, "post_rehab_stops": POST_REHAB_STOPS,
            "treatment_labels": TREATMENT_LABELS}


def _own_person(person_id: int) -> Person:
    """Only the commune that manages the person records their treatment."""
    person = get_person_or_404(current_user, person_id)
    if person.unit_id != current_user.unit_id:
        abort(403)
    return person


def _child(model, child_id: int, person: Person):
    found = db.session.get(model, child_id)
    if found is None or found.person_id != person.id:
        abort(404)
    return found


def _apply(person: Person, key: str, form, validate, apply, message: str):
    """Parse, check with the service, then apply and commit; or show the errors in place."""
    data = form.to_data() if form.validate() else None
    errors = validate(data) if data is not None else {}
    if data is not None and not errors:
        result = apply(data)
        db.session.commit()
        if isinstance(result, PostRehabTerm):
            message += " Đã đề xuất quản lý sau cai: vui lòng nhập quyết định để xác nhận."
        return done(_detail_url(person), message)
    form.add_service_errors(errors)
    from ..registry.routes import detail_context

    return render("registry/detail.html", "treatment/_section.html", status=422,
                  **detail_context(person, treatment_bound=(key, form)))


def _detail_url(person: Person) -> str:
    from flask import url_for

    return url_for("registry.detail", person_id=person.id)


@bp.route("/<int:person_id>/episodes", methods=["POST"])
@roles(Role.COMMUNE)
def start_episode(person_id: int):
    person = _own_person(person_id)
    return _apply(person, "episode", EpisodeForm(prefix="episode"),
                  lambda d: services.validate_episode(person, d),
                  lambda d: services.start_episode(person, d, current_user),
                  "Đã ghi đợt cai nghiện.")


@bp.route("/<int:person_id>/episodes/<int:episode_id>/end", methods=["POST"])
@roles(Role.COMMUNE)
def end_episode(person_id: int, episode_id: int):
    person = _own_person(person_id)
    episode = _child(RehabEpisode, episode_id, person)
    return _apply(person, f"end{episode.id}", EpisodeEndForm(prefix=f"end{episode.id}"),
                  lambda d: services.validate_episode_end(episode, d),
                  lambda d: services.end_episode(episode, d, current_user),
                  "Đã ghi kết thúc đợt cai nghiện.")


@bp.route("/<int:person_id>/methadone", methods=["POST"])
@roles(Role.COMMUNE)
def start_methadone(person_id: int):
    person = _own_person(person_id)
    return _apply(person, "methadone", MethadoneForm(prefix="methadone"),
                  lambda d: services.validate_methadone(person, d),
                  lambda d: services.start_methadone(person, d, current_user),
                  "Đã ghi điều trị Methadone.")


@bp.route("/<int:person_id>/methadone/<int:period_id>/stop", methods=["POST"])
@roles(Role.COMMUNE)
def stop_methadone(person_id: int, period_id: int):
    person = _own_person(person_id)
    period = _child(MethadonePeriod, period_id, person)
    return _apply(person, f"stop{period.id}", MethadoneStopForm(prefix=f"stop{period.id}"),
                  lambda d: services.validate_methadone_stop(period, d),
                  lambda d: services.stop_methadone(period, d, current_user),
                  "Đã ghi dừng điều trị Methadone.")


@bp.route("/<int:person_id>/post-rehab/<int:term_id>/confirm", methods=["POST"])
@roles(Role.COMMUNE)
def confirm_post_rehab(person_id: int, term_id: int):
    person = _own_person(person_id)
    term = _child(PostRehabTerm, term_id, person)
    return _apply(person, f"confirm{term.id}", ConfirmForm(prefix=f"confirm{term.id}"),
                  lambda d: services.validate_confirm(term, d),
                  lambda d: services.confirm_post_rehab(term, d),
                  "Đã quyết định quản lý sau cai nghiện.")


@bp.route("/<int:person_id>/post-rehab/<int:term_id>/dismiss", methods=["POST"])
@roles(Role.COMMUNE)
def dismiss_post_rehab(person_id: int, term_id: int):
    person = _own_person(person_id)
    term = _child(PostRehabTerm, term_id, person)
    try:
        services.dismiss_post_rehab(term)
    except services.RegistryError as exc:
        return done(_detail_url(person), str(exc), "error")
    db.session.commit()
    return done(_detail_url(person), "Đã bỏ đề xuất quản lý sau cai.")


@bp.route("/<int:person_id>/post-rehab/<int:term_id>/activities", methods=["POST"])
@roles(Role.COMMUNE)
def add_activity(person_id: int, term_id: int):
    person = _own_person(person_id)
    term = _child(PostRehabTerm, term_id, person)
    return _apply(person, f"act{term.id}", ActivityForm(prefix=f"act{term.id}"),
                  lambda d: services.validate_activity(term, d),
                  lambda d: services.add_activity(term, d, current_user),
                  "Đã ghi hoạt động quản lý sau cai.")


@bp.route("/<int:person_id>/post-rehab/<int:term_id>/end", methods=["POST"])
@roles(Role.COMMUNE)
def end_post_rehab(person_id: int, term_id: int):
    person = _own_person(person_id)
    term = _child(PostRehabTerm, term_id, person)
    return _apply(person, f"postend{term.id}", PostRehabEndForm(prefix=f"postend{term.id}"),
                  lambda d: services.validate_post_rehab_end(term, d),
                  lambda d: services.end_post_rehab(term, d),
                  "Đã kết thúc quản lý sau cai nghiện.")
