"""Input hygiene: NUL and other control characters, bidi overrides and values made only of
zero-width characters are refused beside the field on every form, in the query-string filters
and in Excel cells; digits of other scripts and years past 9998 give a message. Never a 500,
and nothing with such a character reaches the database (run on PostgreSQL too: CI does)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import JSON, String, Text, select
from test_access import url_for_rule, walk
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from webapp.access import PUBLIC, SIGNED_IN, access_of
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.forms import (BIDI_MESSAGE, CONTROL_MESSAGE, INVISIBLE_MESSAGE, BaseForm,
                          DateParseError, input_problem, parse_birth, parse_vn_date)

NUL, BIDI, INVISIBLE = "Lò\x00 Văn Pọm", "Lò Văn \u202ePọm", "\u200b\u200d\ufeff"
BAD = (NUL, BIDI, INVISIBLE)


# --- The rule itself ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, multiline, message", [
    ("a\x00b", False, CONTROL_MESSAGE), ("a\x00b", True, CONTROL_MESSAGE),
    ("a\x1bb", True, CONTROL_MESSAGE), ("a\x85b", False, CONTROL_MESSAGE),  # C1 (NEL)
    ("a\x7fb", False, CONTROL_MESSAGE), ("a\nb", False, CONTROL_MESSAGE),
    ("a\tb", False, CONTROL_MESSAGE),
    ("x\u202ey", False, BIDI_MESSAGE), ("x\u202ay", True, BIDI_MESSAGE),
    ("x\u2066y\u2069", False, BIDI_MESSAGE),
    ("\u200b", False, INVISIBLE_MESSAGE), (" \u2060 \ufeff ", True, INVISIBLE_MESSAGE),
    ("\u200c\u200d", False, INVISIBLE_MESSAGE),
    ("Lò Văn Pọm", False, None), ("dòng 1\r\ndòng 2\tcột", True, None), ("", False, None),
    ("   ", False, None), ("Nguyễn\u200bAn", False, None),  # zero-width inside a word: kept
])
def test_input_problem(value, multiline, message):
    assert input_problem(value, multiline) == message


@pytest.mark.parametrize("text", ["٠١/٠١/١٩٩٠", "01/01/١٩٩٠", "0²/01/1990", "01/01/9999",
                                  "01/01/0999"])
def test_vn_dates_take_ascii_digits_and_years_up_to_9998(text):
    with pytest.raises(DateParseError):
        parse_vn_date(text)
    assert parse_vn_date("31/12/9998") == date(9998, 12, 31)


@pytest.mark.parametrize("text", ["١٩٩٠", "199²", "9999", "²"])
def test_a_birth_year_takes_ascii_digits(text):
    with pytest.raises(DateParseError):
        parse_birth(text)


def test_other_digits_in_number_fields_give_messages(ctx):
    from webapp.plans.services import parse_amount
    from webapp.reports.services import validate_narrative
    from webapp.settings.services import _Invalid, parse_int
    from webapp.stats.services import parse_years

    assert "²".isdigit()  # why isdigit() alone is not enough
    for raw in ("²", "٣", "1²"):
        with pytest.raises(_Invalid):
            parse_int(raw, 0, 100)
        with pytest.raises(ValueError):
            parse_amount(raw)
        errors = validate_narrative({"staff_count": raw, "funding_local": raw}, 12)
        assert set(errors) == {"staff_count", "funding_local"}
        first, last, errors = parse_years({"from": raw, "to": "\x00"}, date(2026, 6, 1))
        assert (first, last) == (2024, 2026) and set(errors) == {"from", "to"}
    assert parse_int("１２", 0, 100) == 12  # full-width digits of a Vietnamese IME are digits
    errors = validate_narrative({"staff_count": "99999999999"}, 12)
    assert "staff_count" in errors  # the INTEGER column would overflow on PostgreSQL


# --- Every form route ---------------------------------------------------------------------------

ROLE_USERS = [(Role.COMMUNE, "xa"), (Role.DISTRICT, "huyen"), (Role.PROVINCE, "tinh"),
              (Role.ADMIN, "admin")]
PREFIXES = ("", "positive_test-", "management-", "determination-", "closing-", "void-",
            "episode-", "methadone-", "fix-")
RAW_TEXTS = ("work_done", "difficulties", "proposals", "warning_comment", "comment", "note",
             "age_bands-0-label", "why", "reason")
# Enough valid values that a form refused only for its text would otherwise be saved.
VALID = {"full_name": "Lò Văn Pọm", "sex": "M", "birth": "1988", "unit_code": "99101",
         "ethnicity": "03", "occupation_group": "agri", "main_drug": "heroin",
         "to_unit": "99102", "confirmed": "1", "reason": "Chưa đủ hồ sơ",
         "comment": "Ý kiến", "work_done": "Đã làm", "username": "can.bo.moi", "role": "commune",
         "new_password": "Tram-nam-trong-coi-9", "confirm": "Tram-nam-trong-coi-9",
         "positive_test-event_date": "01/01/2025", "positive_test-note": "Ghi chú"}


def _form_field_names() -> set[str]:
    names, stack = set(), [BaseForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names |= {n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField)}
    names -= {"csrf_token", "version", "seen", "confirm_duplicate"}
    return {p + n for p in PREFIXES for n in names} | set(RAW_TEXTS)


def _user_for(app, rule: Rule) -> str | None:
    with app.test_request_context():
        allowed = access_of(rule.endpoint)
    if allowed == PUBLIC:
        return None
    for role, username in ROLE_USERS:
        if allowed == SIGNED_IN or role in allowed:
            return username
    return None


def stored_problems(app) -> list[tuple[str, str, str]]:
    """Every text and JSON value in the database holding a refused character."""
    found = []

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from strings(k)
                yield from strings(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from strings(v)

    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            for column in columns:
                for value in db.session.scalars(select(column)):
                    for text in strings(value):
                        if input_problem(text, multiline=True):
                            found.append((table.name, column.name, text))
    return found


@pytest.fixture
def demo(demo_transfer):
    """The demo accounts, one person of xa's commune and a pending transfer to xa2's."""
    return demo_transfer


SHARDS = 8  # the routes in eight parts: two test workers share the ~3,000 requests evenly


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_form_route_refuses_bad_characters_and_stores_none(app, client, login_as, demo,
                                                                 shard):
    names = _form_field_names()
    texts = sorted(n for n in names if n in RAW_TEXTS or n.split("-")[-1] in {
        "full_name", "other_names", "occupation", "address", "current_address", "phone",
        "family_contact", "other_drugs", "notes", "note", "doc_number", "signer", "facility",
        "reason", "why", "username"})
    routes = [(rule, _user_for(app, rule)) for rule, method in walk(app) if method == "POST"
              and rule.endpoint not in ("auth.logout", "auth.login")]
    order = {None: -1, **{u: i for i, (_, u) in enumerate(ROLE_USERS)}}
    routes.sort(key=lambda r: (order[r[1]], r[0].rule))  # the administrator (who may
    routes = routes[shard::SHARDS]                      # disable xa) last, in a fixed order
    signed_in, posted = "", 0
    for rule, username in routes:
        if username and username != signed_in:
            login_as(username)
            signed_in = username
        url = url_for_rule(rule, demo)
        payloads = [{n: bad for n in names} | {"confirmed": "1"} for bad in BAD]
        payloads += [{**VALID, name: BAD[i % 3]} for i, name in enumerate(texts)]
        for payload in payloads:
            response = client.post(url, data=payload)
            assert response.status_code < 500, (rule, payload)
            posted += 1
    assert posted > 500 // SHARDS
    assert stored_problems(app) == []


def test_a_refused_name_is_shown_beside_the_field(login_as, demo):
    client = login_as("xa")
    for bad, message in zip(BAD, (CONTROL_MESSAGE, BIDI_MESSAGE, INVISIBLE_MESSAGE)):
        response = client.post("/persons/new", data={**VALID, "full_name": bad})
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert message in page
        assert "\x00" not in page and "\u202e" not in page
    response = client.post(f"/persons/{demo['person_id']}/edit",
                           data={**VALID, "version": "1", "notes": "dòng 1\r\ndòng\t2"})
    assert response.status_code == 303  # line breaks and tabs are fine in a multi-line field


def test_signing_in_with_a_nul_in_the_username_is_refused(app, client, demo):
    response = client.post("/login", data={"username": "xa\x00", "password": "demo12345\x00"})
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)
    assert stored_problems(app) == []


# --- Query strings ------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", BAD)
def test_the_registry_list_and_its_export_refuse_a_bad_search(app, login_as, demo, bad):
    client = login_as("xa")
    for url in ("/persons/", "/persons/export.xlsx"):
        response = client.get(url, query_string={"q": bad, "unit": bad})
        assert response.status_code < 500, url
    page = client.get("/persons/", query_string={"q": bad}).get_data(as_text=True)
    assert "Tìm kiếm: " + input_problem(bad) in page
    assert "Lò Văn Pọm" in page  # not searched for: the whole list
    assert stored_problems(app) == []  # nor written to the audit of list views


@pytest.mark.parametrize("raw", [NUL, BIDI, INVISIBLE, "²", "٢٠٢٤", "99999"])
def test_statistics_years_give_a_message(login_as, raw):
    client = login_as("tinh")
    for url in ("/stats/", "/stats/export.xlsx"):
        response = client.get(url, query_string={"from": raw, "to": raw, "unit": raw})
        assert response.status_code < 500, url
    page = client.get("/stats/", query_string={"from": raw}).get_data(as_text=True)
    assert 'class="error"' in page


def test_every_get_page_survives_bad_query_strings(app, client, login_as, demo):
    routes = [(rule, _user_for(app, rule)) for rule, method in walk(app) if method == "GET"]
    signed_in = ""
    for rule, username in sorted(routes, key=lambda r: r[1] or ""):
        if username and username != signed_in:
            login_as(username)
            signed_in = username
        for bad in BAD:
            query = {k: bad for k in ("q", "unit", "from", "to", "year", "view", "page", "form",
                                      "username", "day_from", "object_id", "dl", "next",
                                      "state", "back")}
            response = client.get(url_for_rule(rule, demo), query_string=query)
            assert response.status_code < 500, (rule, bad)
    assert stored_problems(app) == []


# --- Excel cells ----------------------------------------------------------------------------------

def test_bad_characters_in_excel_cells_are_bad_cells(app, login_as, ctx):
    from webapp.auth.models import User
    from webapp.imports.services import check_rows

    user = db.session.scalar(select(User).where(User.username == "xa"))
    rows = [{"line": 2 + i, "cells": {"full_name": bad, "sex": "Nam", "birth": "1990",
                                      "status": "Nghi nghiện", "address": "Bản\x00 Mòng",
                                      "unit_code": "99101\x00"}}
            for i, bad in enumerate(BAD)]
    checked = check_rows(rows, user, {})
    for result, message in zip((c.result for c in checked),
                               (CONTROL_MESSAGE, BIDI_MESSAGE, INVISIBLE_MESSAGE)):
        errors = dict(result["errors"])
        assert result["status"] == "error"
        assert errors["full_name"] == message
        assert errors["address"] == CONTROL_MESSAGE
        assert errors["unit_code"] == CONTROL_MESSAGE
