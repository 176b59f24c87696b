"""The home page's worklist: what is due, with its boundaries (today, in 30 days, overdue)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.main.worklist import report_due, worklist
from webapp.registry import services
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.units.models import Unit

TODAY = today_local()


@pytest.fixture
def officer(app, demo):
    with app.test_request_context():
        yield db.session.get(User, demo["users"]["xa"])


def managed_until(term_end: date, name: str) -> None:
    unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
    xa = db.session.scalar(select(User).where(User.username == "xa"))
    data = {"full_name": name, "sex": "M", "birth_year": 1990, "unit": unit}
    assert services.validate_person(data, xa) == {}
    person = services.save_person(None, data, xa)
    decision = {"event_date": min(TODAY, term_end - timedelta(days=365)), "doc_number": "1/QĐ",
                "term_end": term_end}
    assert services.validate_event(person, EventKind.MANAGEMENT, decision) == {}
    services.add_event(person, EventKind.MANAGEMENT, decision, xa)
    db.session.commit()


def counts(user) -> dict[str, int]:
    items = worklist(user, TODAY)
    return {item.url.split("due=")[-1]: item.count for item in items if "due=" in item.url}


def test_a_term_ending_today_is_due_soon_not_overdue(officer):
    managed_until(TODAY, "Lò Văn Một")
    assert counts(officer) == {"management_soon": 1}


def test_a_term_ending_in_30_days_is_due_soon(officer):
    managed_until(TODAY + timedelta(days=30), "Lò Văn Hai")
    assert counts(officer) == {"management_soon": 1}


def test_a_term_ending_in_31_days_is_not_yet_on_the_worklist(officer):
    managed_until(TODAY + timedelta(days=31), "Lò Văn Ba")
    assert counts(officer) == {}


def test_a_term_that_ended_yesterday_is_overdue(officer):
    managed_until(TODAY - timedelta(days=1), "Lò Văn Bốn")
    assert counts(officer) == {"management_overdue": 1}


def test_an_addict_with_no_rehab_or_methadone_started_is_listed(officer):
    managed_until(TODAY + timedelta(days=200), "Lò Văn Năm")
    from webapp.registry.models import Person

    person = db.session.scalar(select(Person))
    services.add_event(person, EventKind.DETERMINATION, {
        "event_date": TODAY, "addicted": True, "facility": "TTYT"}, officer)
    db.session.commit()
    assert counts(officer) == {"untreated": 1}


def test_worklist_labels_keep_their_commas_and_count_the_vietnamese_way(login_as, app):
    with app.app_context():
        managed_until(TODAY - timedelta(days=1), "Lò Văn Chín")
        managed_until(TODAY + timedelta(days=200), "Lò Văn Mười")
        from webapp.registry.models import Person

        xa = db.session.scalar(select(User).where(User.username == "xa"))
        person = db.session.scalar(select(Person).where(Person.full_name == "Lò Văn Mười"))
        services.add_event(person, EventKind.DETERMINATION, {
            "event_date": TODAY, "addicted": True, "facility": "TTYT"}, xa)
        db.session.commit()
    home = login_as("xa").get("/").get_data(as_text=True)
    assert "Đã hết thời hạn quản lý, chờ lập biên bản kết thúc (Mẫu 10): 1 người" in home
    assert "Đã xác định nghiện, chưa cai nghiện hoặc điều trị Methadone: 1 người" in home
    assert "nghiện. chưa" not in home


def test_the_worklist_of_another_district_does_not_count_these_persons(app, demo, officer):
    managed_until(TODAY, "Lò Văn Sáu")
    other = db.session.get(User, demo["users"]["huyen2"])
    assert counts(other) == {}
    district = db.session.get(User, demo["users"]["huyen"])
    assert counts(district) == {"management_soon": 1}


def test_following_a_worklist_link_lists_exactly_the_persons_counted(login_as, app):
    with app.app_context():
        managed_until(TODAY - timedelta(days=1), "Lò Văn Bảy")
        managed_until(TODAY + timedelta(days=5), "Lò Văn Tám")
    body = login_as("xa").get("/persons/?due=management_overdue").get_data(as_text=True)
    assert "Lò Văn Bảy" in body and "Lò Văn Tám" not in body


@pytest.mark.parametrize("today, period, due", [
    (date(2026, 11, 2), "10/2026", date(2026, 11, 3)),
    (date(2026, 11, 3), "10/2026", date(2026, 11, 3)),   # due today
    (date(2026, 11, 4), "11/2026", date(2026, 12, 3)),
    (date(2026, 12, 20), "12/2026", date(2027, 1, 3)),   # over the year end
    (date(2027, 1, 1), "12/2026", date(2027, 1, 3)),
])
def test_the_monthly_report_is_due_on_the_third_of_the_next_month(today, period, due):
    assert report_due(today) == (period, due)


def test_reports_waiting_for_review_and_the_units_own_report_are_on_the_worklist(app, demo):
    from webapp.reports import services as reports

    label, _ = report_due(TODAY)
    month, year = (int(x) for x in label.split("/"))
    with app.test_request_context():
        xa = db.session.get(User, demo["users"]["xa"])
        huyen = db.session.get(User, demo["users"]["huyen"])
        own = [i.label for i in worklist(xa, TODAY)]
        assert any(f"Báo cáo tháng {label} của đơn vị chưa gửi" in text for text in own)
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        sub = reports.save_draft(unit, year, month, {}, xa)
        sub.status = "submitted"
        db.session.commit()
        waiting = [i.label for i in worklist(huyen, TODAY)]
        assert f"1 báo cáo tháng {month:02d}/{year} chờ duyệt" in waiting
        assert not any("của đơn vị chưa gửi" in item.label for item in worklist(xa, TODAY))


# --- A reviewer's counts are kept a few minutes; a commune's are live ------------------------

def _signed_in(app, username: str):
    client = app.test_client()  # each its own: two officers at once
    assert client.post("/login", data={"username": username,
                                       "password": "demo12345"}).status_code == 303
    return client


def test_a_reviewers_counts_are_kept_for_the_setting_then_counted_again(app, demo):
    from webapp.dashboard.models import WorklistCounts
    from webapp.settings import forget
    from webapp.settings.models import Setting

    province, commune = _signed_in(app, "tinh"), _signed_in(app, "xa")
    before = province.get("/").get_data(as_text=True)
    soon = "Sắp hết hạn quản lý (trong 30 ngày): "
    assert soon not in before and 'id="work-counted"' in before
    with app.test_request_context():
        managed_until(TODAY + timedelta(days=10), "Lò Văn Chín")
    # The commune's officer acts on it: counted at once. The province sees its kept count,
    # and says when it was counted; the list it links to is live.
    assert "Sắp hết hạn quản lý (trong 30 ngày): 1 người" in commune.get("/").get_data(as_text=True)
    kept = province.get("/").get_data(as_text=True)
    assert soon not in kept and "được đếm lúc" in kept
    assert "Lò Văn Chín" in province.get("/persons/?due=management_soon").get_data(as_text=True)
    with app.app_context():  # ten minutes later
        row = db.session.scalar(select(WorklistCounts))
        row.computed_at -= timedelta(minutes=11)
        db.session.commit()
    assert "Sắp hết hạn quản lý (trong 30 ngày): 1 người" in province.get("/").get_data(
        as_text=True)
    with app.app_context():  # kept from another day: counted again, whatever its age
        row = db.session.scalar(select(WorklistCounts))
        row.counted_for -= timedelta(days=1)
        row.counts = {}
        db.session.commit()
    assert "Sắp hết hạn quản lý (trong 30 ngày): 1 người" in province.get("/").get_data(
        as_text=True)
    with app.app_context():  # 0: counted on every view, nothing said about a time
        db.session.add(Setting(key="worklist_cache_minutes", value=0))
        db.session.commit()
        forget()
    with app.test_request_context():
        managed_until(TODAY + timedelta(days=12), "Lò Văn Mười")
    live = province.get("/").get_data(as_text=True)
    assert "Sắp hết hạn quản lý (trong 30 ngày): 2 người" in live
    assert 'id="work-counted"' not in live
