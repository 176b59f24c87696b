"""Every URL rule, walked as every role and as an anonymous visitor.

Anonymous visitors are sent to sign in; a role the view does not admit gets 403; nothing
answers 500. The expectations come from the same declarations the app enforces.
"""
from __future__ import annotations

import pytest

from webapp.access import PUBLIC, SIGNED_IN, access_of

ROLES = {"admin": "admin", "trunguong": "national", "tinh": "province", "huyen": "district",
         "xa": "commune"}
SAMPLE_ARGS = {"code": "99101", "kind": "positive_test", "action": "accept",
               "episode_id": 999999, "period_id": 999999, "term_id": 999999,
               "key": "management_term_months", "period": "2026-10",
               "job_id": 999999, "entry_id": 999999, "doc_id": 999999,
               "term": "2026-H1", "form": "03-BCN",
               "unit_code": "99101", "year": "2025", "notification_id": 999999,
               "document_id": 999999, "requirement_id": 999999, "public_id": "0" * 32,
               "activity_id": 999999, "criterion_id": 999999, "target_id": 999999}


@pytest.fixture
def demo(demo_transfer):
    """The demo accounts plus one person of xa's commune with a pending transfer to xa2's."""
    return demo_transfer


def walk(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule, demo):
    ids = {"user_id": demo["users"]["xa"], "person_id": demo["person_id"],
           "transfer_id": demo["transfer_id"]}
    args = {name: ids.get(name, SAMPLE_ARGS.get(name)) for name in rule.arguments}
    return rule.build(args)[1]


def test_every_view_declares_who_may_open_it(app):
    with app.test_request_context():
        missing = [e for e in app.view_functions if e != "static" and access_of(e) is None]
    assert missing == []


def test_anonymous_visitors_are_sent_to_sign_in(app, client, demo):
    for rule, method in walk(app):
        with app.test_request_context():
            rule_access = access_of(rule.endpoint)
        response = client.open(url_for_rule(rule, demo), method=method)
        if rule_access == PUBLIC:
            assert response.status_code < 500, rule
            continue
        assert response.status_code == 302, (rule, method)
        assert response.location.startswith("/login"), rule


def test_anonymous_htmx_requests_get_401_with_a_redirect_to_sign_in(app, client, demo):
    response = client.get("/units/", headers={"HX-Request": "true",
                                              "HX-Current-URL": "http://localhost/units/"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=/units/")


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_gets_exactly_the_pages_its_role_admits(app, login_as, username, demo):
    client = login_as(username)
    role = ROLES[username]
    for rule, method in walk(app):
        if rule.endpoint == "auth.logout":
            continue  # signing out would end the walk
        with app.test_request_context():
            rule_access = access_of(rule.endpoint)
        response = client.open(url_for_rule(rule, demo), method=method)
        assert response.status_code < 500, (rule, method, response.status_code)
        if rule_access in (PUBLIC, SIGNED_IN) or role in rule_access:
            assert response.status_code != 403, (rule, method)
        else:
            assert response.status_code == 403, (rule, method, response.status_code)


def test_a_forbidden_htmx_request_reloads_the_page_with_a_message(login_as):
    client = login_as("xa")
    response = client.get("/admin/users/", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/units/"})
    assert response.status_code == 403
    assert response.headers["HX-Redirect"] == "http://localhost/units/"
    page = client.get("/units/").get_data(as_text=True)
    assert "Tài khoản của bạn không có quyền xem trang này." in page


def test_error_pages_are_friendly_and_vietnamese(login_as):
    client = login_as("xa")
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Không tìm thấy" in body and "Về trang chủ" in body
    forbidden = client.get("/admin/users/")
    assert forbidden.status_code == 403 and "Không có quyền truy cập" in forbidden.get_data(as_text=True)


def test_an_unexpected_error_shows_the_vietnamese_500_page(app, login_as):
    client = login_as("xa")

    def boom():
        raise RuntimeError("boom")

    app.view_functions["main.home"], original = boom, app.view_functions["main.home"]
    boom._access = "signed_in"
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/")
    finally:
        app.view_functions["main.home"] = original
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Lỗi hệ thống" in body and "boom" not in body and "Traceback" not in body
