"""The administrators' settings page (webapp/settings): legal durations over the law's defaults.

Defaults shown, changes stored only when they differ, a value equal to the default removing the
stored row, Vietnamese errors beside the field with nothing written, the change log, reset,
access, and the rule that a change never rewrites a decision already recorded.
"""
from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from webapp import settings
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db as _db
from webapp.settings import DEFAULTS, LABELS
from webapp.settings.models import Setting
from webapp.settings.services import current_values, reset_setting, save_settings
from webapp.treatment.vocab import REHAB_FORMS

URL = "/admin/settings/"


@pytest.fixture(scope="module", autouse=True)
def _settings_blueprint(app):
    """Register the blueprint if the app factory does not (yet); otherwise do nothing."""
    if "settings" in app.blueprints:
        return
    from webapp.settings.routes import bp

    handled = app._got_first_request
    app._got_first_request = False  # Flask refuses new blueprints once it served a request
    try:
        app.register_blueprint(bp)
    finally:
        app._got_first_request = handled


# --- Helpers ------------------------------------------------------------------------------------

def stored(app) -> dict:
    with app.app_context():
        return {s.key: s.value for s in _db.session.scalars(select(Setting))}


def setting_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = list(_db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "Setting").order_by(AuditEvent.id)))
        _db.session.expunge_all()
        return events


def in_force(app, key: str):
    with app.app_context():
        return settings.get(key)


class _Inputs(HTMLParser):
    """The named inputs of the settings form, as a browser would submit them unchanged."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == "settings-form"
        elif tag == "input" and self.inside and attrs.get("name"):
            if attrs.get("type") == "checkbox" and "checked" not in attrs:
                return  # a browser sends only ticked boxes
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select" and self.inside and attrs.get("name"):
            self.select = attrs["name"]
            self.values[self.select] = ""  # no option selected: the first, empty one
        elif tag == "option" and self.inside and "selected" in attrs:
            self.values[self.select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def page_inputs(client) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(client.get(URL).get_data(as_text=True))
    return parser.values


def error_beside(body: str, field_id: str, message: str) -> bool:
    return f'id="{field_id}-error">{message}</p>' in body


@pytest.fixture
def admin(login_as):
    return login_as("admin")


# --- The page -----------------------------------------------------------------------------------

def test_the_page_shows_every_setting_with_its_legal_default(admin):
    response = admin.get(URL)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for label in LABELS.values():
        assert label in body
    for legend in ("Thời hạn quản lý", "Thời hạn cai nghiện", "Quản lý sau cai", "Báo cáo",
                   "Nhóm tuổi"):
        assert f"<legend>{legend}</legend>" in body
    for label in REHAB_FORMS.values():
        assert label in body
    assert "Mặc định theo quy định: 12" in body
    assert "Mặc định theo quy định: 6 / 6 / 12 tháng" in body
    assert "Mặc định theo quy định: 1 / 15 / 60 ngày" in body
    assert "Dưới 14 (0–14)" in body
    assert "chỉ áp dụng cho các quyết định mới" in body
    assert "Đã thay đổi" not in body and "Khôi phục mặc định" not in body
    inputs = page_inputs(admin)
    assert inputs["management_term_months"] == "12"
    assert inputs["rehab_terms-compulsory-adult-max"] == "24"
    assert inputs["age_bands-4-label"] == "Từ 30 trở lên" and inputs["age_bands-4-to"] == ""


def test_submitting_the_page_unchanged_writes_nothing(app, admin):
    response = admin.post(URL, data=page_inputs(admin))
    assert response.status_code == 303
    assert stored(app) == {} and setting_events(app) == []


def test_a_changed_management_term_is_stored_once_and_in_force(app, admin):
    data = page_inputs(admin) | {"management_term_months": "24"}
    response = admin.post(URL, data=data)
    assert response.status_code == 303 and response.location.endswith(URL)
    assert stored(app) == {"management_term_months": 24}  # only the key that changed
    assert in_force(app, "management_term_months") == 24
    body = admin.get(URL).get_data(as_text=True)
    assert "Đã lưu." in body
    assert "Đã thay đổi" in body and "Khôi phục mặc định" in body
    assert 'action="/admin/settings/management_term_months/reset"' in body
    with app.app_context():
        row = _db.session.scalar(select(Setting))
        admin_id = _db.session.scalar(select(User.id).where(User.username == "admin"))
        assert row.updated_by_id == admin_id


def test_saving_the_default_again_removes_the_stored_row(app, admin):
    admin.post(URL, data={"management_term_months": "24"})
    assert stored(app) == {"management_term_months": 24}
    response = admin.post(URL, data={"management_term_months": "12"})
    assert response.status_code == 303
    assert stored(app) == {}
    assert in_force(app, "management_term_months") == 12
    assert "Đã thay đổi" not in admin.get(URL).get_data(as_text=True)


def test_changes_are_recorded_in_the_audit_log(app, admin):
    admin.post(URL, data={"management_term_months": "24"})
    admin.post(URL, data={"management_term_months": "36"})
    admin.post(URL, data={"management_term_months": "12"})
    events = setting_events(app)
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert events[0].changes == {"key": [None, "management_term_months"], "value": [None, 24]}
    assert events[1].changes == {"value": [24, 36]}
    assert events[2].changes["value"] == [36, None]  # row removed: the legal default applies
    with app.app_context():
        admin_id = _db.session.scalar(select(User.id).where(User.username == "admin"))
    assert {e.user_id for e in events} == {admin_id}
    assert events[0].object_id == events[1].object_id == events[2].object_id


@pytest.mark.parametrize("typed, message", [
    ("0", "Số phải từ 1 đến 60."),
    ("61", "Số phải từ 1 đến 60."),
    ("12.5", "Vui lòng nhập số nguyên, không có phần thập phân."),
    ("12,5", "Vui lòng nhập số nguyên, không có phần thập phân."),
    ("abc", "Vui lòng nhập một số nguyên."),
    ("", "Vui lòng nhập thông tin này."),
])
def test_a_bad_term_is_refused_beside_the_field_and_nothing_is_written(app, admin, typed,
                                                                        message):
    # A valid change submitted together with the bad one is not written either.
    data = page_inputs(admin) | {"management_term_months": typed, "due_soon_days": "45"}
    response = admin.post(URL, data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert error_beside(body, "management_term_months", message)
    assert 'aria-describedby="management_term_months-error"' in body
    assert f'value="{typed}"' in body  # what was typed is kept for correction
    assert "Không có thiết lập nào bị thay đổi." in body
    assert stored(app) == {} and setting_events(app) == []


@pytest.mark.parametrize("key, typed, message", [
    ("min_age", "9", "Số phải từ 10 đến 18."),
    ("min_age", "19", "Số phải từ 10 đến 18."),
    ("due_soon_days", "121", "Số phải từ 1 đến 120."),
    ("post_rehab_months", "0", "Số phải từ 1 đến 60."),
    ("post_rehab_months_compulsory_adult", "61", "Số phải từ 1 đến 60."),
    ("report_due_day", "29", "Số phải từ 1 đến 28."),
    ("report_due_day", "3.0", "Vui lòng nhập số nguyên, không có phần thập phân."),
])
def test_every_whole_number_has_its_range(app, admin, key, typed, message):
    response = admin.post(URL, data={key: typed})
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), key, message)
    assert stored(app) == {}


def test_rehab_terms_need_min_not_above_default_not_above_max(app, admin):
    data = page_inputs(admin) | {"rehab_terms-compulsory-adult-min": "30"}  # 30 > max 24
    response = admin.post(URL, data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert error_beside(body, "rehab_terms-compulsory-adult",
                        "Thời hạn tối thiểu không được lớn hơn thời hạn tối đa.")
    assert stored(app) == {}

    data = page_inputs(admin) | {"rehab_terms-home-minor-default": "13"}  # above max 12
    body = admin.post(URL, data=data).get_data(as_text=True)
    assert error_beside(body, "rehab_terms-home-minor",
                        "Thời hạn mặc định phải nằm trong khoảng tối thiểu – tối đa.")
    for cell, message in (("0", "Tối thiểu: Số phải từ 1 đến 60."),
                          ("abc", "Tối thiểu: Vui lòng nhập một số nguyên."),
                          ("6.5", "Tối thiểu: Vui lòng nhập số nguyên, không có phần thập phân.")):
        data = page_inputs(admin) | {"rehab_terms-facility-adult-min": cell}
        response = admin.post(URL, data=data)
        assert response.status_code == 422
        assert error_beside(response.get_data(as_text=True), "rehab_terms-facility-adult", message)
    assert stored(app) == {} and setting_events(app) == []


def test_a_longer_compulsory_term_is_stored_with_the_whole_table(app, admin):
    data = page_inputs(admin) | {"rehab_terms-compulsory-adult-max": "36"}
    assert admin.post(URL, data=data).status_code == 303
    terms = in_force(app, "rehab_terms")
    assert terms["compulsory"] == {"unit": "months", "adult": [12, 12, 36], "minor": [6, 6, 12]}
    assert terms["detox"] == DEFAULTS["rehab_terms"]["detox"]
    assert set(stored(app)) == {"rehab_terms"}
    body = admin.get(URL).get_data(as_text=True)
    assert 'form="reset-rehab_terms"' in body


@pytest.mark.parametrize("change, row, message", [
    ({"age_bands-2-from": "17"}, 2, "Các nhóm tuổi phải liền nhau: nhóm này phải bắt đầu từ 16 "
                                    "(tuổi kết thúc của nhóm trước)."),
    ({"age_bands-0-from": "12"}, 0, "Nhóm tuổi đầu tiên phải bắt đầu từ 0."),
    ({"age_bands-4-to": "60"}, 4, "Nhóm cuối cùng không có tuổi kết thúc: để trống ô "
                                  "\u201cđến\u201d."),
    ({"age_bands-1-label": "  "}, 1, "Vui lòng nhập tên nhóm tuổi."),
    ({"age_bands-1-to": "14"}, 1, "Tuổi kết thúc phải lớn hơn tuổi bắt đầu."),
    ({"age_bands-3-to": "abc"}, 3, "Đến tuổi: Vui lòng nhập một số nguyên."),
])
def test_age_bands_must_be_contiguous_from_zero_and_open_ended(app, admin, change, row, message):
    response = admin.post(URL, data=page_inputs(admin) | change)
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), f"age_bands-{row}", message)
    assert stored(app) == {}


def test_age_bands_can_be_merged_and_added(app, admin):
    data = page_inputs(admin)
    # Merge the two youngest bands into "Dưới 16", and split "từ 30" at 50 in a spare row.
    data |= {"age_bands-0-label": "Dưới 16", "age_bands-0-to": "16",
             "age_bands-1-label": "", "age_bands-1-from": "", "age_bands-1-to": "",
             "age_bands-4-label": "Từ 30 đến dưới 50", "age_bands-4-to": "50",
             "age_bands-5-label": "Từ 50 trở lên", "age_bands-5-from": "50"}
    assert admin.post(URL, data=data).status_code == 303
    assert in_force(app, "age_bands") == [
        ["Dưới 16", 0, 16], ["Từ 16 đến dưới 18", 16, 18], ["Từ 18 đến dưới 30", 18, 30],
        ["Từ 30 đến dưới 50", 30, 50], ["Từ 50 trở lên", 50, None]]


def test_reset_returns_a_setting_to_the_legal_default(app, admin):
    admin.post(URL, data={"management_term_months": "24", "report_due_day": "5"})
    response = admin.post(f"{URL}management_term_months/reset")
    assert response.status_code == 303 and response.location.endswith(URL)
    assert stored(app) == {"report_due_day": 5}
    assert in_force(app, "management_term_months") == 12
    body = admin.get(URL).get_data(as_text=True)
    assert "Đã khôi phục giá trị mặc định" in body
    assert [e.action for e in setting_events(app)][-1] == "delete"
    # Resetting a default is harmless; an unknown key is not found.
    assert admin.post(f"{URL}management_term_months/reset").status_code == 303
    assert admin.post(f"{URL}khong_co/reset").status_code == 404
    assert admin.get(f"{URL}report_due_day/reset").status_code == 405


RULE = "addicts_determined_only_from"


def test_the_counting_rule_date_is_typed_dd_mm_yyyy_and_stored_as_iso(app, admin):
    assert page_inputs(admin)[RULE] == "01/01/2022"
    assert "Mặc định theo quy định: 01/01/2022" in admin.get(URL).get_data(as_text=True)
    response = admin.post(URL, data=page_inputs(admin) | {RULE: "01/01/2023"})
    assert response.status_code == 303
    assert stored(app) == {RULE: "2023-01-01"}  # plain JSON
    assert page_inputs(admin)[RULE] == "01/01/2023"
    with app.app_context():
        assert settings.addicts_include_suspected(date(2022, 12, 31))
        assert not settings.addicts_include_suspected(date(2023, 1, 1))
    assert admin.post(URL, data={RULE: "1/1/2022"}).status_code == 303  # the default again
    assert stored(app) == {}


@pytest.mark.parametrize("typed, message", [
    ("31/02/2022", "Ngày 31/02/2022 không tồn tại."),
    ("abc", "Ngày phải theo dạng dd/mm/yyyy, ví dụ 07/03/2023."),
    ("2022-02-31", "Ngày 31/02/2022 không tồn tại."),
    ("  ", "Vui lòng nhập ngày (dd/mm/yyyy)."),
    ("01/01/1999", "Năm phải từ 2000 đến 2100."),
])
def test_a_malformed_rule_date_is_refused_and_the_old_value_kept(app, admin, typed, message):
    assert admin.post(URL, data={RULE: "01/01/2023"}).status_code == 303
    events = len(setting_events(app))
    # A valid change submitted together with the bad date is not written either.
    data = page_inputs(admin) | {RULE: typed, "due_soon_days": "45"}
    response = admin.post(URL, data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert error_beside(body, RULE, message)
    assert f'aria-describedby="{RULE}-error"' in body
    assert f'value="{typed}"' in body  # what was typed is kept for correction
    assert stored(app) == {RULE: "2023-01-01"} and len(setting_events(app)) == events
    assert in_force(app, RULE) == "2023-01-01"


@pytest.mark.parametrize("username", ["xa", "huyen", "tinh"])
def test_only_administrators_may_open_or_change_settings(app, login_as, username):
    client = login_as(username)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"management_term_months": "24"}).status_code == 403
    assert client.post(f"{URL}management_term_months/reset").status_code == 403
    assert stored(app) == {}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.location


# --- The services ---------------------------------------------------------------------------------

def test_services_store_only_what_differs_and_nothing_on_error(app, demo):
    with app.app_context():
        admin_user = _db.session.get(User, demo["users"]["admin"])
        values = current_values()
        assert all(v.is_default for v in values.values())
        assert set(values) == set(DEFAULTS)

        errors = save_settings(admin_user, {"management_term_months": 18, "min_age": "9",
                                            "nonexistent": 1})
        assert errors == {"min_age": "Số phải từ 10 đến 18.",
                          "nonexistent": "Thiết lập không tồn tại."}
        _db.session.commit()
        assert _db.session.scalar(select(func.count()).select_from(Setting)) == 0

        assert save_settings(admin_user, {"management_term_months": 18, "min_age": 12,
                                          "age_bands": DEFAULTS["age_bands"]}) == {}
        _db.session.commit()
        assert settings.get("management_term_months") == 18  # forget() dropped the cache
        assert {s.key for s in _db.session.scalars(select(Setting))} == {"management_term_months"}
        assert not current_values()["management_term_months"].is_default

        assert reset_setting(admin_user, "management_term_months") is True
        assert reset_setting(admin_user, "management_term_months") is False
        _db.session.commit()
        assert settings.get("management_term_months") == 12
        with pytest.raises(KeyError):
            reset_setting(admin_user, "nonexistent")


# --- Settings never rewrite the past ----------------------------------------------------------------

def test_a_new_term_applies_to_new_decisions_only(app, admin, demo):
    from webapp.registry import services as registry
    from webapp.registry.models import PersonEvent
    from webapp.registry.vocab import EventKind
    from webapp.units.models import Unit

    def new_user_of_drugs(name: str, on: date) -> tuple[int, int]:
        """A person of Xã Tân Hòa with a positive test and a management decision on `on`."""
        xa = _db.session.get(User, demo["users"]["xa"])
        unit = _db.session.scalar(select(Unit).where(Unit.code == "99101"))
        data = {"full_name": name, "sex": "M", "birth_year": 1990, "unit": unit}
        assert registry.validate_person(data, xa) == {}
        person = registry.save_person(None, data, xa)
        test = {"event_date": on - relativedelta(days=2), "facility": "TTYT huyện"}
        assert registry.validate_event(person, EventKind.POSITIVE_TEST, test) == {}
        registry.add_event(person, EventKind.POSITIVE_TEST, test, xa)
        decision = {"event_date": on, "doc_number": "05/QĐ-UBND"}
        assert registry.validate_event(person, EventKind.MANAGEMENT, decision) == {}
        event = registry.add_event(person, EventKind.MANAGEMENT, decision, xa)
        _db.session.commit()
        return person.id, event.id

    decided = date(2024, 1, 12)
    with app.app_context():
        old_person, old_event = new_user_of_drugs("Lò Văn Pọm", decided)
        assert _db.session.get(PersonEvent, old_event).term_end == date(2025, 1, 12)

    assert admin.post(URL, data={"management_term_months": "24"}).status_code == 303

    with app.app_context():
        from webapp.registry.models import Person

        assert settings.get("management_term_months") == 24
        assert _db.session.get(PersonEvent, old_event).term_end == date(2025, 1, 12)
        assert _db.session.get(Person, old_person).management_until == date(2025, 1, 12)
        _, new_event = new_user_of_drugs("Quàng Văn Dũng", decided)
        assert _db.session.get(PersonEvent, new_event).term_end == date(2026, 1, 12)


# --- Due days of the half-year and year reports ---------------------------------------------------

def test_the_half_year_reports_due_day_is_changed_and_used(app, admin):
    from webapp.reports import periodic

    data = page_inputs(admin) | {"periodic_reports-H1-03-BCN": "10/07"}
    assert admin.post(URL, data=data).status_code == 303
    with app.app_context():
        assert periodic.due_date("03-BCN", 2026, "H1") == date(2026, 7, 10)
        assert periodic.due_date("04-BCN", 2026, "H1") == date(2026, 7, 15)  # untouched
        assert periodic.due_date("03-BCN", 2026, "Y") == date(2027, 1, 7)


@pytest.mark.parametrize("typed, message", [
    ("30/06", "Hạn nộp phải sau ngày cuối kỳ (30/06) và trong vòng 3 tháng."),
    ("01/10", "Hạn nộp phải sau ngày cuối kỳ (30/06) và trong vòng 3 tháng."),
    ("31/07", None),
    ("29/02", "Ngày 29/02 không có trong năm."),
    ("7 tháng 7", "Vui lòng nhập ngày dạng dd/mm, ví dụ 07/07."),
])
def test_a_due_day_not_after_the_period_or_not_a_day_is_refused_beside_it(app, admin, typed,
                                                                           message):
    response = admin.post(URL, data=page_inputs(admin) | {"periodic_reports-H1-04-BCN": typed})
    if message is None:  # later in July is allowed
        assert response.status_code == 303
        return
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "periodic_reports-H1-04-BCN", message)
    assert stored(app) == {}


def test_a_year_reports_due_day_falls_early_in_the_next_year(app, admin):
    response = admin.post(URL, data=page_inputs(admin) | {"periodic_reports-Y-04-BCN": "15/12"})
    assert response.status_code == 422 and stored(app) == {}
    assert admin.post(URL, data=page_inputs(admin) | {
        "periodic_reports-Y-04-BCN": "20/01"}).status_code == 303
    assert in_force(app, "periodic_reports")["Y"]["due"]["04-BCN"] == "01-20"
