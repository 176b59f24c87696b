"""Rehabilitation, methadone and post-rehab management through the person page.

The commune officer records; another commune sees nothing; the district reviewer reads only.
Dates are typed dd/mm/yyyy, relative to today (the views use the real day).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services as registry
from webapp.registry.models import Person
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.treatment import services
from webapp.treatment.models import PostRehabTerm, RehabEpisode
from webapp.units.models import Unit

HX = {"HX-Request": "true"}


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def today():
    return today_local()


@pytest.fixture
def make_addict(app, demo, today):
    """A person of `code` determined addicted 400 days ago, registered by `username`; the id."""

    def make(full_name="Nguyễn Văn An", code="99101", username="xa"):
        with app.app_context():
            user = db.session.get(User, demo["users"][username])
            unit = db.session.scalar(select(Unit).where(Unit.code == code))
            data = {"full_name": full_name, "sex": "M", "birth_year": 1990, "unit": unit}
            assert registry.validate_person(data, user) == {}
            person = registry.save_person(None, data, user)
            event = {"event_date": today - timedelta(days=400), "addicted": True,
                     "facility": "Trung tâm Y tế huyện", "doc_number": "15/KL-TTYT"}
            assert registry.validate_event(person, EventKind.DETERMINATION, event) == {}
            registry.add_event(person, EventKind.DETERMINATION, event, user)
            db.session.commit()
            return person.id

    return make


@pytest.fixture
def with_treatment(app, demo, today):
    """Give a person, through the services, a completed community rehab (so a suggested
    post-rehab term), an ongoing home rehab and an ongoing methadone treatment.
    Returns the ids: episode (ongoing), period, term."""

    def give(person_id: int) -> dict:
        with app.app_context():
            user = db.session.get(User, demo["users"]["xa"])
            person = db.session.get(Person, person_id)
            done = {"form": "community", "start_date": today - timedelta(days=380)}
            assert services.validate_episode(person, done) == {}
            first = services.start_episode(person, done, user)
            db.session.flush()
            ended = {"end_date": today - timedelta(days=190), "outcome": "completed"}
            assert services.validate_episode_end(first, ended) == {}
            term = services.end_episode(first, ended, user)
            ongoing = {"form": "home", "start_date": today - timedelta(days=180)}
            assert services.validate_episode(person, ongoing) == {}
            episode = services.start_episode(person, ongoing, user)
            treated = {"facility": "Cơ sở Methadone huyện", "start_date": today - timedelta(days=100)}
            assert services.validate_methadone(person, treated) == {}
            period = services.start_methadone(person, treated, user)
            db.session.commit()
            return {"episode": episode.id, "period": period.id, "term": term.id}

    return give


def treatment_urls(pid: int, ids: dict) -> list[str]:
    e, m, t = ids["episode"], ids["period"], ids["term"]
    return [f"/persons/{pid}/episodes", f"/persons/{pid}/episodes/{e}/end",
            f"/persons/{pid}/methadone", f"/persons/{pid}/methadone/{m}/stop",
            f"/persons/{pid}/post-rehab/{t}/confirm", f"/persons/{pid}/post-rehab/{t}/dismiss",
            f"/persons/{pid}/post-rehab/{t}/activities", f"/persons/{pid}/post-rehab/{t}/end"]


def snapshot(app, pid: int) -> tuple:
    """What the treatment tables hold for a person, to show nothing was written."""
    with app.app_context():
        person = db.session.get(Person, pid)
        return (person.treatment,
                [(e.form, e.start_date, e.planned_end, e.end_date, e.outcome)
                 for e in person.episodes],
                [(m.start_date, m.end_date) for m in person.methadone_periods],
                [(t.status, t.start_date, t.end_date, len(t.activities))
                 for t in person.post_rehab_terms])


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def only(app, model, **where):
    with app.app_context():
        [found] = db.session.scalars(select(model).filter_by(**where)).all()
        db.session.expunge(found)
        return found


# --- The whole course, as the commune officer records it ---------------------------------------

def test_home_rehab_then_post_rehab_management_through_the_person_page(login_as, make_addict,
                                                                        today, app):
    pid = make_addict()
    client = login_as("xa")
    page = f"/persons/{pid}"
    assert "Đang cai nghiện" not in client.get(page).get_data(as_text=True)

    start = today - timedelta(days=200)
    response = client.post(f"{page}/episodes", data={
        "episode-form": "home", "episode-start_date": dmy(start),
        "episode-facility": "Tại gia đình", "episode-decision_number": "22/QĐ-UBND"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(page)
    body = client.get(page).get_data(as_text=True)
    assert "Đang cai nghiện" in body
    assert dmy(start + relativedelta(months=6)) in body  # the default term, computed

    episode = only(app, RehabEpisode, person_id=pid)
    end = today - timedelta(days=10)
    response = client.post(f"{page}/episodes/{episode.id}/end", data={
        f"end{episode.id}-end_date": dmy(end), f"end{episode.id}-outcome": "completed"})
    assert response.status_code == 303
    body = client.get(page).get_data(as_text=True)
    assert "Đã đề xuất quản lý sau cai" in body
    assert "Đề xuất (chờ quyết định)" in body
    assert "Đang cai nghiện" not in body and "Đang quản lý sau cai" not in body

    term = only(app, PostRehabTerm, person_id=pid)
    decided = today - timedelta(days=3)
    response = client.post(f"{page}/post-rehab/{term.id}/confirm", data={
        f"confirm{term.id}-decision_number": "51/QĐ-UBND",
        f"confirm{term.id}-decision_date": dmy(decided),
        f"confirm{term.id}-signer": "Chủ tịch UBND xã Lò Văn Hùng"})
    assert response.status_code == 303
    body = client.get(page).get_data(as_text=True)
    assert "Đang quản lý sau cai" in body
    assert f"từ {dmy(decided)} đến {dmy(decided + relativedelta(months=12))}" in body
    term = only(app, PostRehabTerm, person_id=pid)
    assert (term.status, term.start_date) == ("active", decided)

    response = client.post(f"{page}/post-rehab/{term.id}/activities", data={
        f"act{term.id}-kind": "drug_test", f"act{term.id}-on": dmy(today),
        f"act{term.id}-positive": "0"})
    assert response.status_code == 303
    assert "Xét nghiệm ma túy (âm tính)" in client.get(page).get_data(as_text=True)


def test_an_htmx_save_sends_the_browser_to_the_person_page(login_as, make_addict, today):
    pid = make_addict()
    response = login_as("xa").post(f"/persons/{pid}/methadone", headers=HX, data={
        "methadone-facility": "Cơ sở Methadone huyện",
        "methadone-start_date": dmy(today - timedelta(days=5))})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].endswith(f"/persons/{pid}")


# --- Errors beside the field, nothing written ---------------------------------------------------

def test_a_voluntary_term_of_13_months_is_refused_beside_the_field(login_as, make_addict,
                                                                   today, app):
    pid = make_addict()
    start = today - timedelta(days=30)
    response = login_as("xa").post(f"/persons/{pid}/episodes", data={
        "episode-form": "home", "episode-start_date": dmy(start),
        "episode-planned_end": dmy(start + relativedelta(months=13))})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ('<p class="error" id="episode-planned_end-error">Thời hạn tại gia đình đối với '
            'người thành niên là từ 6 đến 12 tháng.</p>') in body
    assert f'value="{dmy(start)}"' in body  # what was typed stays in the form
    assert count(app, RehabEpisode) == 0
    assert snapshot(app, pid)[0] is None


def test_an_end_date_before_the_start_is_refused_beside_the_field(login_as, make_addict,
                                                                  with_treatment, app, today):
    pid = make_addict()
    ids = with_treatment(pid)
    before = snapshot(app, pid)
    e = ids["episode"]
    response = login_as("xa").post(f"/persons/{pid}/episodes/{e}/end", data={
        f"end{e}-end_date": dmy(today - timedelta(days=181)), f"end{e}-outcome": "completed"})
    assert response.status_code == 422
    assert (f'<p class="error" id="end{e}-end_date-error">Ngày kết thúc không được trước ngày '
            'bắt đầu.</p>') in response.get_data(as_text=True)
    assert snapshot(app, pid) == before
    assert count(app, PostRehabTerm) == 1  # only the earlier suggestion


def test_a_date_not_typed_dd_mm_yyyy_is_refused(login_as, make_addict, app):
    pid = make_addict()
    response = login_as("xa").post(f"/persons/{pid}/episodes", data={
        "episode-form": "home", "episode-start_date": "31/02/2024"})
    assert response.status_code == 422
    assert 'id="episode-start_date-error"' in response.get_data(as_text=True)
    assert count(app, RehabEpisode) == 0


def test_an_htmx_error_returns_only_the_treatment_section(login_as, make_addict, today, app):
    pid = make_addict()
    start = today - timedelta(days=30)
    response = login_as("xa").post(f"/persons/{pid}/episodes", headers=HX, data={
        "episode-form": "home", "episode-start_date": dmy(start),
        "episode-planned_end": dmy(start + relativedelta(months=13))})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in body
    assert '<section class="card" id="treatment">' in body
    assert body.count("<section") == 1
    assert "từ 6 đến 12 tháng" in body
    assert count(app, RehabEpisode) == 0


# --- Who may do what ----------------------------------------------------------------------------

def test_another_commune_gets_404_on_every_treatment_url(login_as, make_addict, with_treatment,
                                                         app):
    pid = make_addict()
    ids = with_treatment(pid)
    before = snapshot(app, pid)
    client = login_as("xa2")
    assert client.get(f"/persons/{pid}").status_code == 404
    for url in treatment_urls(pid, ids):
        assert client.post(url).status_code == 404, url
    assert snapshot(app, pid) == before


def test_the_district_reads_the_treatment_but_cannot_record_it(login_as, make_addict,
                                                               with_treatment, app, today):
    pid = make_addict()
    ids = with_treatment(pid)
    before = snapshot(app, pid)
    client = login_as("huyen")
    body = client.get(f"/persons/{pid}").get_data(as_text=True)
    assert "Cai nghiện tự nguyện tại gia đình" in body
    assert dmy(today - timedelta(days=180)) in body
    assert "Đang cai nghiện" in body
    assert "Lưu đợt cai nghiện" not in body and "Xác nhận quyết định" not in body
    e, t = ids["episode"], ids["term"]
    valid = {f"end{e}-end_date": dmy(today), f"end{e}-outcome": "completed",
             f"confirm{t}-decision_number": "51/QĐ", f"confirm{t}-signer": "Chủ tịch",
             f"confirm{t}-decision_date": dmy(today),
             "episode-form": "detox", "episode-start_date": dmy(today)}
    for url in treatment_urls(pid, ids):
        assert client.post(url, data=valid).status_code == 403, url
    assert snapshot(app, pid) == before


def test_an_episode_of_another_person_is_404(login_as, make_addict, with_treatment, app, today):
    mine = make_addict("Nguyễn Văn An")
    other = make_addict("Lò Văn Bảy")
    ids = with_treatment(other)
    before = snapshot(app, other)
    client = login_as("xa")
    e, m, t = ids["episode"], ids["period"], ids["term"]
    urls = [f"/persons/{mine}/episodes/{e}/end", f"/persons/{mine}/methadone/{m}/stop",
            f"/persons/{mine}/post-rehab/{t}/confirm", f"/persons/{mine}/post-rehab/{t}/dismiss",
            f"/persons/{mine}/post-rehab/{t}/activities", f"/persons/{mine}/post-rehab/{t}/end"]
    data = {f"end{e}-end_date": dmy(today), f"end{e}-outcome": "completed",
            f"stop{m}-end_date": dmy(today), f"stop{m}-stop_reason": "completed"}
    for url in urls:
        assert client.post(url, data=data).status_code == 404, url
    assert client.post(f"/persons/{mine}/episodes/999999/end").status_code == 404
    assert snapshot(app, other) == before
