"""The registry as officers use it through the pages: search, create, edit, events, transfers."""
from __future__ import annotations

from html.parser import HTMLParser

import re
import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services
from webapp.registry.models import Person, TransferRequest
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.units.models import Unit

HX = {"HX-Request": "true"}


@pytest.fixture
def make_person(app, demo):
    """Register a person through the services, as `username`, in `code`; returns the id."""

    def make(full_name="Nguyễn Văn An", code="99101", username="xa", events=(), **fields):
        with app.app_context():
            user = db.session.get(User, demo["users"][username])
            unit = db.session.scalar(select(Unit).where(Unit.code == code))
            data = {"full_name": full_name, "sex": "M", "birth_year": 1990, "unit": unit, **fields}
            errors = services.validate_person(data, user)
            assert errors == {}
            person = services.save_person(None, data, user)
            for kind, event in events:
                assert services.validate_event(person, kind, event) == {}
                services.add_event(person, kind, event, user)
            db.session.commit()
            return person.id

    return make


def person(app, person_id):
    with app.app_context():
        found = db.session.get(Person, person_id)
        db.session.expunge(found)
        return found


FORM = {"full_name": "Lò Văn Pọm", "sex": "M", "birth": "1988", "unit_code": "99101",
        "ethnicity": "03", "occupation_group": "agri", "main_drug": "heroin"}


# --- Scope ------------------------------------------------------------------------------------

def test_a_commune_officer_gets_404_for_a_person_of_another_commune_on_every_url(
        login_as, make_person):
    pid = make_person(code="99101")
    client = login_as("xa2")
    urls = [("get", f"/persons/{pid}"), ("get", f"/persons/{pid}/edit"),
            ("post", f"/persons/{pid}/edit"), ("post", f"/persons/{pid}/transfer")]
    urls += [("post", f"/persons/{pid}/events/{kind}")
             for kind in ("positive_test", "management", "determination", "closing")]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 404, url
    assert "Lò Văn" not in client.get("/persons/?state=all").get_data(as_text=True)


def test_the_district_sees_its_communes_but_not_another_district(login_as, make_person):
    pid = make_person(code="99102", username="xa2")
    assert login_as("huyen").get(f"/persons/{pid}").status_code == 200
    assert login_as("huyen2").get(f"/persons/{pid}").status_code == 404


def test_administrators_do_not_open_case_files(login_as, make_person):
    pid = make_person()
    assert login_as("admin").get(f"/persons/{pid}").status_code == 403


# --- Search and list --------------------------------------------------------------------------

def test_search_ignores_case_and_diacritics(login_as, make_person):
    make_person("Nguyễn Văn An")
    make_person("Lò Văn Đạt", birth_year=1985)
    make_person("Trần Thị Bích", birth_year=1992, sex="F")
    client = login_as("xa")
    body = client.get("/persons/?q=nguyen+van+an").get_data(as_text=True)
    assert "Nguyễn Văn An" in body and "Lò Văn Đạt" not in body
    assert "Lò Văn Đạt" in client.get("/persons/?q=DAT").get_data(as_text=True)
    nfd = unicodedata.normalize("NFD", "Bích")
    assert "Trần Thị Bích" in client.get(f"/persons/?q={nfd}").get_data(as_text=True)


def test_search_finds_an_id_number(login_as, make_person):
    make_person(id_number="011090001234")
    assert "Nguyễn Văn An" in login_as("xa").get("/persons/?q=0110900").get_data(as_text=True)


def test_an_htmx_search_returns_only_the_results(login_as, make_person):
    make_person()
    response = login_as("xa").get("/persons/?q=an", headers=HX)
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Nguyễn Văn An" in body
    assert "HX-Request" in response.headers["Vary"]


def test_the_list_is_sorted_by_given_name_the_vietnamese_way(login_as, make_person):
    for name in ["Vàng A Dính", "Lò Văn Đạt", "Nguyễn Văn An", "Bùi Thị Ánh"]:
        make_person(name)
    body = login_as("xa").get("/persons/").get_data(as_text=True)
    positions = [body.index(n) for n in ["Nguyễn Văn An", "Bùi Thị Ánh", "Vàng A Dính", "Lò Văn Đạt"]]
    assert positions == sorted(positions)


def test_filters_by_state_sex_age_and_drug(login_as, make_person):
    today = today_local()
    make_person("Lò Văn Một", main_drug="heroin", events=[
        (EventKind.DETERMINATION, {"event_date": today - timedelta(days=3), "addicted": True,
                                   "facility": "TTYT"})])
    make_person("Lò Thị Hai", sex="F", birth_year=today.year - 17)
    client = login_as("xa")
    addicts = client.get("/persons/?state=addict").get_data(as_text=True)
    assert "Lò Văn Một" in addicts and "Lò Thị Hai" not in addicts
    women = client.get("/persons/?sex=F").get_data(as_text=True)
    assert "Lò Thị Hai" in women and "Lò Văn Một" not in women
    minors = client.get("/persons/?age_band=2").get_data(as_text=True)  # 16 to under 18
    assert "Lò Thị Hai" in minors and "Lò Văn Một" not in minors
    heroin = client.get("/persons/?drug=heroin").get_data(as_text=True)
    assert "Lò Văn Một" in heroin and "Lò Thị Hai" not in heroin


def test_management_terms_ending_within_30_days_can_be_listed(login_as, make_person):
    today = today_local()
    decision = {"event_date": today - timedelta(days=340), "doc_number": "1/QĐ",
                "term_end": today + timedelta(days=30)}
    make_person("Cà Văn Sắp", events=[(EventKind.MANAGEMENT, decision)])
    make_person("Cà Văn Xa", events=[(EventKind.MANAGEMENT, {
        **decision, "term_end": today + timedelta(days=31)})])
    body = login_as("xa").get("/persons/?ending=1").get_data(as_text=True)
    assert "Cà Văn Sắp" in body and "Cà Văn Xa" not in body


def test_bad_filter_values_in_the_url_are_explained_not_fatal(login_as):
    client = login_as("huyen")
    response = client.get("/persons/?state=xyz&page=abc&unit=00001&sort=%3Cb%3E")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tình trạng: giá trị “xyz” không hợp lệ" in body
    assert "Không có đơn vị mã “00001” trong phạm vi của bạn." in body


@pytest.fixture
def pages_of_two(app, monkeypatch, login_as, make_person):
    """xa's client on a registry of `names`, two persons a page."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)

    def client_with(*names):
        for i, name in enumerate(names):
            make_person(name, birth_year=1980 + i)
        return login_as("xa")
    return client_with


def test_the_list_pages_through_results(pages_of_two):
    client = pages_of_two("A An", "B Bình", "C Cường")
    first = client.get("/persons/").get_data(as_text=True)
    second = client.get("/persons/?page=2").get_data(as_text=True)
    beyond = client.get("/persons/?page=99")
    assert "A An" in first and "C Cường" not in first and "Trang sau" in first
    assert "C Cường" in second and "A An" not in second
    assert beyond.status_code == 200 and "C Cường" in beyond.get_data(as_text=True)


def test_a_search_pages_through_its_matches_with_their_total(pages_of_two):
    """A search counts its matches in the pass that finds its page (count(*) OVER ()): the
    total, the last page for a page past the end, and nothing for no match."""
    client = pages_of_two("Lò Văn An", "Lò Văn Bình", "Lò Văn Cường", "Cà Thị Dung")
    first = client.get("/persons/?q=lo+van").get_data(as_text=True)
    beyond = client.get("/persons/?q=lo+van&page=99").get_data(as_text=True)
    none = client.get("/persons/?q=khong+ai&page=3")
    assert "Lò Văn An" in first and "Lò Văn Cường" not in first and "Cà Thị Dung" not in first
    assert "3 người · trang 1/2" in first
    assert "Lò Văn Cường" in beyond and "Lò Văn An" not in beyond and "trang 2/2" in beyond
    assert none.status_code == 200 and "0 người" in none.get_data(as_text=True)


def test_back_to_the_list_keeps_its_filters_but_not_the_name_searched(login_as, make_person):
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    pid = make_person("Lò Thị Hoa", sex="F")
    client = login_as("xa")
    listed = client.get("/persons/?q=hoa&sex=F&state=all&sort=date", headers=HX)
    link = unescape(re.search(rf'href="(/persons/{pid}[^"]*)"', listed.get_data(as_text=True))
                    .group(1))
    assert "hoa" not in link.lower()  # the search term stays out of the person's URL
    back = parse_qs(urlsplit(link).query)["back"][0]
    assert parse_qs(urlsplit(back).query) == {"sex": ["F"], "state": ["all"], "sort": ["date"]}

    page = client.get(link).get_data(as_text=True)
    here = unescape(re.search(r'<a href="([^"]*)">← Danh sách</a>', page).group(1))
    assert urlsplit(here).path == "/persons/"
    assert parse_qs(urlsplit(here).query) == {"sex": ["F"], "state": ["all"], "sort": ["date"]}

    # Only a list URL comes out, rebuilt from known filters.
    for forged in ("https://example.com/persons/?sex=F", "//example.com/persons/",
                   "/admin/users/", "/persons/?q=hoa&sex=F&x=<b>"):
        page = client.get(f"/persons/{pid}", query_string={"back": forged}).get_data(as_text=True)
        here = unescape(re.search(r'<a href="([^"]*)">← Danh sách</a>', page).group(1))
        assert here in ("/persons/", "/persons/?sex=F"), (forged, here)
    plain = client.get("/persons/").get_data(as_text=True)
    assert f'href="/persons/{pid}"' in plain  # nothing to keep: a plain link


# --- Create and edit --------------------------------------------------------------------------

def test_an_officer_registers_a_person(app, login_as):
    client = login_as("xa")
    response = client.post("/persons/new", data=FORM)
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "Lò Văn Pọm" in page and "Nghi nghiện (chưa xác định)" in page and "Đã lưu." in page


def test_errors_are_shown_beside_each_field_and_nothing_is_saved(app, login_as):
    client = login_as("xa")
    response = client.post("/persons/new", data={
        **FORM, "full_name": "  ", "birth": "31/02/2021", "id_number": "12345",
        "notes": "x" * 5000}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in body
    for message in ["Vui lòng nhập họ và tên.", "Ngày 31/02/2021 không tồn tại.",
                    "Số định danh cá nhân phải gồm 12 chữ số.", "Tối đa 2.000 ký tự"]:
        assert message in body
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Person)) == 0


def test_after_a_refused_save_the_first_wrong_field_has_the_focus(login_as):
    body = login_as("xa").post("/persons/new", data={
        **FORM, "birth": "31/02/1990", "id_number": "12345"}, headers=HX).get_data(as_text=True)
    inputs = {name: re.search(rf'<input [^>]*name="{name}"[^>]*>', body).group(0)
              for name in ("full_name", "birth", "id_number", "phone")}
    assert "autofocus" in inputs["birth"] and body.count("autofocus") == 1
    assert 'aria-invalid="true"' in inputs["id_number"]
    assert 'aria-describedby="id_number-error"' in inputs["id_number"]
    assert 'id="id_number-error"' in body
    # Fields without an error say nothing about errors ("None" is not a value for ARIA).
    assert "aria-" not in inputs["full_name"] and "aria-" not in inputs["phone"]
    assert '"None"' not in body


def test_a_person_under_12_is_refused(login_as):
    year = today_local().year - 11
    body = login_as("xa").post("/persons/new", data={**FORM, "birth": str(year)}).get_data(as_text=True)
    assert "Người dưới 12 tuổi không thuộc diện quản lý" in body


def test_a_birth_date_in_the_future_is_refused(login_as):
    tomorrow = (today_local() + timedelta(days=1)).strftime("%d/%m/%Y")
    body = login_as("xa").post("/persons/new", data={**FORM, "birth": tomorrow}).get_data(as_text=True)
    assert "Ngày sinh không được sau ngày hôm nay." in body


def test_an_unknown_commune_code_is_refused(login_as):
    body = login_as("xa").post("/persons/new", data={**FORM, "unit_code": "99201"}).get_data(as_text=True)
    assert "Giá trị đã chọn không hợp lệ." in body


def test_html_is_stored_as_typed_and_shown_escaped(app, login_as):
    client = login_as("xa")
    response = client.post("/persons/new", data={**FORM, "notes": "<script>alert(1)</script>"})
    page = client.get(response.location).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_decomposed_input_is_stored_composed(app, login_as):
    client = login_as("xa")
    client.post("/persons/new", data={**FORM, "full_name": unicodedata.normalize("NFD", "Lò Văn Pọm")})
    with app.app_context():
        assert db.session.scalar(select(Person.full_name)) == "Lò Văn Pọm"


# --- Duplicates -------------------------------------------------------------------------------

def test_the_same_id_number_in_another_commune_names_only_the_commune(app, login_as, make_person):
    """Named once the name matches too; the ID number alone tells nothing but still blocks."""
    make_person("Giàng A Páo", code="99201", username="xa3", id_number="011088001111")
    client = login_as("xa")
    response = client.post("/persons/new", data={**FORM, "full_name": "giang a pao",
                                                 "id_number": "011088001111"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Xã Mường Chiến" in body and "Giàng A Páo" not in body
    assert "Đề nghị chuyển hồ sơ về xã" in body
    response = client.post("/persons/new", data={**FORM, "id_number": "011088001111"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Xã Mường Chiến" not in body and "Giàng A Páo" not in body
    assert "Đề nghị chuyển hồ sơ về xã" not in body
    assert "Số định danh này đã có trong hệ thống; liên hệ đơn vị cấp trên để xác minh" in body
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Person)) == 1


def test_the_same_name_and_birth_year_must_be_confirmed_before_saving(app, login_as, make_person):
    make_person("Lò Văn Pọm", birth_year=1988)
    client = login_as("xa")
    warned = client.post("/persons/new", data={**FORM, "full_name": "lo van pom"})
    assert warned.status_code == 409 and "Trùng họ tên và năm sinh" in warned.get_data(as_text=True)
    saved = client.post("/persons/new", data={**FORM, "full_name": "lo van pom",
                                              "confirm_duplicate": "1"})
    assert saved.status_code == 303


def test_the_duplicate_check_runs_as_the_officer_types(login_as, make_person):
    make_person("Giàng A Páo", code="99102", username="xa2", birth_year=1990)
    body = login_as("xa").post("/persons/check-duplicates", data={
        "full_name": "giang a pao", "birth": "1990"}, headers=HX).get_data(as_text=True)
    assert "Xã Mường Lạn" in body and "Giàng A Páo" not in body


def test_a_duplicate_typed_with_its_diacritics_is_found_by_the_check_and_the_search(
        login_as, make_person):
    make_person("Giàng A Páo", code="99102", username="xa2", birth_year=1990)
    make_person("Nguyễn Thị Ánh", birth_year=1992, sex="F")
    client = login_as("xa")
    for typed in ("Giàng A Páo", unicodedata.normalize("NFD", "Giàng A Páo"), "GIÀNG A PÁO"):
        body = client.post("/persons/check-duplicates", data={
            "full_name": typed, "birth": "1990"}, headers=HX).get_data(as_text=True)
        assert "Trùng họ tên và năm sinh" in body and "Xã Mường Lạn" in body, typed
    saved = client.post("/persons/new", data={**FORM, "full_name": "Giàng A Páo", "birth": "1990"})
    assert saved.status_code == 409 and "Xã Mường Lạn" in saved.get_data(as_text=True)
    for typed in ("Nguyễn Thị Ánh", "Thị Ánh", unicodedata.normalize("NFD", "Nguyễn Thị Ánh")):
        found = client.get("/persons/", query_string={"q": typed}).get_data(as_text=True)
        assert "Nguyễn Thị Ánh" in found and "1 người" in found, typed


def test_every_live_duplicate_check_answers_with_the_block_the_next_check_targets(
        login_as, make_person):
    """The fields swap `#duplicates` whole (outerHTML): the answer must carry that id again,
    with or without a match, or every later check has nothing to target."""
    make_person("Giàng A Páo", code="99102", username="xa2", birth_year=1990)
    client = login_as("xa")
    page = client.get("/persons/new").get_data(as_text=True)
    assert page.count('id="duplicates"') == 1
    for name in ("full_name", "birth", "id_number"):
        tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', page).group(0)
        assert 'data-hx-target="#duplicates"' in tag and 'data-hx-swap="outerHTML"' in tag, name
    for typed in ({"full_name": "giang a pao", "birth": "1990"},  # a match
                  {"full_name": "giang a pao", "birth": "1991"}):  # none
        body = client.post("/persons/check-duplicates", data=typed,
                           headers=HX).get_data(as_text=True)
        assert body.lstrip().startswith('<div id="duplicates">'), body[:200]
        assert body.count('id="duplicates"') == 1


def test_a_commune_can_ask_for_the_file_of_a_person_found_elsewhere(app, login_as, make_person):
    pid = make_person("Giàng A Páo", code="99102", username="xa2", id_number="011088001111")
    client = login_as("xa")
    response = client.post("/persons/transfers/incoming", data={
        **FORM, "full_name": "Giàng A Páo", "id_number": "011088001111", "person_ref": pid})
    assert response.status_code == 303
    with app.app_context():
        transfer = db.session.scalar(select(TransferRequest))
        assert (transfer.from_unit.code, transfer.to_unit.code) == ("99102", "99101")
        assert transfer.status == "pending"


def test_a_transfer_cannot_be_asked_for_a_person_who_does_not_match(app, login_as, make_person):
    pid = make_person("Giàng A Páo", code="99102", username="xa2")
    login_as("xa").post("/persons/transfers/incoming", data={**FORM, "person_ref": pid})
    with app.app_context():
        assert db.session.scalar(select(TransferRequest)) is None


# --- Stale edits ------------------------------------------------------------------------------

class _PersonForm(HTMLParser):
    """The values the person form would send as it stands (as a browser would)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._in = False
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "person-form":
            self._in = True
        elif not self._in:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._in and self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # a browser sends a textarea's line breaks as CR LF
            self.values[self._textarea] = self.values[self._textarea].lstrip("\r\n") \
                .replace("\r\n", "\n").replace("\n", "\r\n")
            self._textarea = None


def person_form(response) -> dict[str, str]:
    assert response.status_code in (200, 409), response.status_code
    parser = _PersonForm()
    parser.feed(response.get_data(as_text=True))
    return parser.values


def test_a_stale_form_shows_who_changed_what_and_keeps_what_was_typed(app, login_as, make_person):
    pid = make_person("Lò Văn Pọm", birth_year=1988)
    first = login_as("xa")
    form = person_form(first.get(f"/persons/{pid}/edit"))
    assert first.post(f"/persons/{pid}/edit", data={**form, **FORM, "phone": "0912000111"}
                      ).status_code == 303
    stale = first.post(f"/persons/{pid}/edit", data={**form, "address": "Bản Phiêng"})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Hồ sơ đã được Phạm Thị Lan sửa lúc" in body
    assert "Số điện thoại" in body and "0912000111" in body
    assert "Dân tộc: <s>(trống)</s> → <strong>Thái</strong>" in body  # labels, not codes
    assert 'value="Bản Phiêng"' in body and 'name="version" type="hidden" value="2"' in body
    again = first.post(f"/persons/{pid}/edit", data=person_form(stale))
    assert again.status_code == 303
    saved = person(app, pid)
    assert (saved.address, saved.phone, saved.ethnicity) == ("Bản Phiêng", "0912000111", "03")


def test_saving_again_after_a_stale_edit_keeps_the_other_users_changes(app, client, login_as,
                                                                       make_person):
    """A opens the file; B changes the phone, the notes and the drug; A, who changed only the
    address (and the phone too), saves: conflict; A saves again from the conflict page."""
    pid = make_person("Lò Văn Pọm", birth_year=1988, phone="0900000000", notes="Dòng 1\nDòng 2",
                      main_drug="heroin")
    user_a = login_as("xa")
    opened_by_a = person_form(user_a.get(f"/persons/{pid}/edit"))
    from flask.testing import FlaskClient

    user_b = FlaskClient(app, app.response_class, use_cookies=True)
    assert user_b.post("/login", data={"username": "xa", "password": "demo12345"}
                       ).status_code == 303
    opened_by_b = person_form(user_b.get(f"/persons/{pid}/edit"))
    assert user_b.post(f"/persons/{pid}/edit", data={
        **opened_by_b, "phone": "0911111111", "notes": "Ghi chú của B", "main_drug": "synthetic",
        "injecting": "y"}).status_code == 303

    conflict = user_a.post(f"/persons/{pid}/edit", data={
        **opened_by_a, "address": "Bản Phiêng", "phone": "0922222222"})
    assert conflict.status_code == 409
    body = conflict.get_data(as_text=True)
    assert "Người khác vừa sửa thông tin này thành “0911111111”" in body  # both changed it
    refilled = person_form(conflict)
    assert refilled["notes"].replace("\r\n", "\n") == "Ghi chú của B"  # untouched by A
    assert refilled["main_drug"] == "synthetic" and refilled["injecting"] == "y"
    assert refilled["address"] == "Bản Phiêng" and refilled["phone"] == "0922222222"

    assert user_a.post(f"/persons/{pid}/edit", data=refilled).status_code == 303
    saved = person(app, pid)
    assert (saved.notes, saved.main_drug, saved.injecting) == ("Ghi chú của B", "synthetic", True)
    assert (saved.address, saved.phone) == ("Bản Phiêng", "0922222222")  # A chose, seeing B's


def test_a_stale_form_without_what_it_first_showed_is_refilled(app, login_as, make_person):
    pid = make_person("Lò Văn Pọm", birth_year=1988)
    client = login_as("xa")
    opened = person_form(client.get(f"/persons/{pid}/edit"))
    assert client.post(f"/persons/{pid}/edit", data={**opened, "phone": "0912000111"}
                       ).status_code == 303
    stale = client.post(f"/persons/{pid}/edit",
                        data={**opened, "seen": "", "address": "Bản Phiêng"})
    assert stale.status_code == 409
    assert person_form(stale)["phone"] == "0912000111"  # never reverted


# --- Timeline ---------------------------------------------------------------------------------

def test_recording_a_positive_determination_makes_the_person_an_addict(app, login_as, make_person):
    pid = make_person()
    client = login_as("xa")
    day = (today_local() - timedelta(days=2)).strftime("%d/%m/%Y")
    response = client.post(f"/persons/{pid}/events/determination", data={
        "determination-event_date": day, "determination-addicted": "1",
        "determination-facility": "Trung tâm Y tế huyện Tân Lập"})
    assert response.status_code == 303
    assert "Người nghiện ma túy" in client.get(f"/persons/{pid}").get_data(as_text=True)
    assert person(app, pid).state == "addict"


def test_an_event_in_the_future_is_refused_beside_the_date(app, login_as, make_person):
    pid = make_person()
    tomorrow = (today_local() + timedelta(days=1)).strftime("%d/%m/%Y")
    response = login_as("xa").post(f"/persons/{pid}/events/positive_test",
                                   data={"positive_test-event_date": tomorrow}, headers=HX)
    assert response.status_code == 422
    assert "Ngày không được sau ngày hôm nay." in response.get_data(as_text=True)
    assert person(app, pid).state == "suspected"


def test_a_refused_event_keeps_what_was_typed_there_and_only_there(app, login_as, make_person):
    """The blank event forms are written once per process; the refused one is written live
    with its values, and the next person's page shows blank forms again."""
    pid, other = make_person(), make_person(full_name="Lò Thị Bích")
    client = login_as("xa")
    client.get(f"/persons/{pid}")  # the blank forms, kept
    tomorrow = (today_local() + timedelta(days=1)).strftime("%d/%m/%Y")
    page = client.post(f"/persons/{pid}/events/management", data={
        "management-event_date": tomorrow, "management-doc_number": "QĐ 77/2026"},
        headers=HX).get_data(as_text=True)
    assert 'value="QĐ 77/2026"' in page and 'value="' + tomorrow + '"' in page
    assert page.count("Ngày không được sau ngày hôm nay.") == 1
    for shown in (client.get(f"/persons/{other}").get_data(as_text=True),
                  client.get(f"/persons/{pid}").get_data(as_text=True)):
        assert "QĐ 77/2026" not in shown and tomorrow not in shown
        assert shown.count('name="management-doc_number"') == 1


def test_a_mistaken_record_is_closed_not_deleted(app, login_as, make_person):
    pid = make_person()
    client = login_as("xa")
    client.post(f"/persons/{pid}/events/closing", data={
        "closing-event_date": today_local().strftime("%d/%m/%Y"), "closing-reason": "entry_error",
        "confirmed": "1"})
    assert person(app, pid).state == "closed"
    assert "Nguyễn Văn An" not in client.get("/persons/").get_data(as_text=True)
    assert "Nguyễn Văn An" in client.get("/persons/?state=closed").get_data(as_text=True)
    assert client.get(f"/persons/{pid}").status_code == 200


# --- Transfers --------------------------------------------------------------------------------

def test_a_transfer_is_requested_accepted_and_the_history_moves(app, login_as, make_person, client):
    pid = make_person(events=[(EventKind.POSITIVE_TEST, {"event_date": date(2024, 5, 2)})])
    login_as("xa").post(f"/persons/{pid}/transfer", data={"to_unit": "99102", "note": "Chuyển về nhà vợ"})
    client.post("/logout")
    xa2 = login_as("xa2")
    assert "Nguyễn Văn An" in xa2.get("/persons/transfers/").get_data(as_text=True)
    with app.app_context():
        tid = db.session.scalar(select(TransferRequest.id))
    assert xa2.post(f"/persons/transfers/{tid}/accept", data={"confirmed": "1"}).status_code == 303
    page = xa2.get(f"/persons/{pid}").get_data(as_text=True)
    assert "Kết quả xét nghiệm dương tính" in page and "Chuyển hồ sơ sang xã khác" in page
    client.post("/logout")
    assert login_as("xa").get(f"/persons/{pid}").status_code == 404


def test_refusing_a_transfer_needs_a_reason_shown_beside_the_field(app, login_as, make_person, client):
    pid = make_person()
    login_as("xa").post(f"/persons/{pid}/transfer", data={"to_unit": "99102"})
    client.post("/logout")
    xa2 = login_as("xa2")
    with app.app_context():
        tid = db.session.scalar(select(TransferRequest.id))
    refused = xa2.post(f"/persons/transfers/{tid}/refuse", data={"reason": " "})
    assert refused.status_code == 422 and "Vui lòng nhập lý do từ chối." in refused.get_data(as_text=True)
    assert xa2.post(f"/persons/transfers/{tid}/refuse",
                    data={"reason": "Không cư trú tại xã"}).status_code == 303
    with app.app_context():
        assert db.session.get(TransferRequest, tid).status == "refused"
        assert db.session.get(Person, pid).unit.code == "99101"


def test_pending_transfers_appear_on_both_communes_worklists(login_as, make_person, client):
    pid = make_person()
    login_as("xa").post(f"/persons/{pid}/transfer", data={"to_unit": "99102"})
    assert "đang chờ xã kia xử lý" in login_as("xa").get("/").get_data(as_text=True)
    client.post("/logout")
    assert "chờ xã tiếp nhận hoặc từ chối" in login_as("xa2").get("/").get_data(as_text=True)


# --- Audit ------------------------------------------------------------------------------------

def test_views_of_a_person_and_of_the_list_are_recorded(app, login_as, make_person, demo):
    pid = make_person()
    client = login_as("huyen")
    client.get(f"/persons/{pid}")
    client.get("/persons/?q=an")
    with app.app_context():
        actions = {(e.action, e.object_id) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.user_id == demo["users"]["huyen"]))}
    assert ("view", pid) in actions and ("view_list", None) in actions


def test_the_change_history_is_shown_to_reviewers(login_as, make_person, client):
    pid = make_person()
    xa = login_as("xa")
    xa.post(f"/persons/{pid}/edit", data={**FORM, "full_name": "Nguyễn Văn An", "version": "1",
                                          "birth": "1990", "phone": "0988777666"})
    assert "Lịch sử thay đổi" not in xa.get(f"/persons/{pid}").get_data(as_text=True)
    client.post("/logout")
    page = login_as("huyen").get(f"/persons/{pid}").get_data(as_text=True)
    assert "Lịch sử thay đổi" in page and "0988777666" in page and "Phạm Thị Lan" in page


def test_the_change_history_reads_in_vietnamese_not_in_stored_codes(app, login_as, make_person,
                                                                   client, demo):
    from webapp.treatment import services as treatment

    pid = make_person("Lò Thị Hoa", sex="F", ethnicity="03", occupation_group="agri",
                      main_drug="heroin", events=[(EventKind.DETERMINATION, {
                          "event_date": date(2025, 11, 28), "addicted": True,
                          "facility": "Trung tâm Y tế huyện Tân Lập"})])
    with app.app_context():
        rehab = {"form": "home", "start_date": date(2025, 12, 1)}
        assert treatment.validate_episode(db.session.get(Person, pid), rehab) == {}
        treatment.start_episode(db.session.get(Person, pid), rehab,
                                db.session.get(User, demo["users"]["xa"]))
        db.session.commit()
    xa = login_as("xa")
    assert xa.post(f"/persons/{pid}/edit", data={
        **FORM, "full_name": "Lò Thị Hoa", "sex": "F", "birth": "1990", "ethnicity": "01",
        "injecting": "y", "version": "1"}).status_code == 303
    xa.post(f"/persons/{pid}/transfer", data={"to_unit": "99102"})
    client.post("/logout")
    with app.app_context():
        tid = db.session.scalar(select(TransferRequest.id))
    assert login_as("xa2").post(f"/persons/transfers/{tid}/accept",
                                data={"confirmed": "1"}).status_code == 303
    client.post("/logout")

    page = login_as("huyen").get(f"/persons/{pid}").get_data(as_text=True)
    history = page[page.index("Lịch sử thay đổi"):]
    for shown in ("Giới tính: Nữ", "Dân tộc: Thái", "Dân tộc: <s>Thái</s> → Kinh",
                  "Nhóm nghề: Nông nghiệp", "Loại ma túy sử dụng: Heroin", "Tiêm chích: Không",
                  "Tiêm chích: <s>Không</s> → Có",
                  "Xã nơi cư trú: Xã Tân Hòa", "Xã nơi cư trú: <s>Xã Tân Hòa</s> → Xã Mường Lạn",
                  "Loại sự kiện: Xác định tình trạng nghiện ma túy", "Kết luận: Có nghiện",
                  "Ngày: 28/11/2025", "Tạo mới đợt cai nghiện",
                  "Hình thức cai nghiện: Cai nghiện tự nguyện tại gia đình",
                  "Ngày bắt đầu: 01/12/2025", "Sửa hồ sơ đối tượng"):
        assert shown in history, shown
    for code in ("determination", "True", "False", "Giới tính: F", "Dân tộc: 03",
                 "Nhóm nghề: agri", "heroin", ": home"):
        assert code not in history, code
    assert not re.search(r"\d{4}-\d{2}-\d{2}", history)
    assert not re.search(r"Xã nơi cư trú: (<s>)?\d", history)


# --- The date on the lists ----------------------------------------------------------------------

def test_an_old_paper_file_typed_today_enters_the_lists_on_its_paper_date(app, login_as):
    from webapp.reports.figures import as_values, compute

    client = login_as("xa")
    assert client.post("/persons/new", data={**FORM, "listed_on": "01/03/2021"}).status_code == 303
    with app.app_context():
        found = db.session.scalar(select(Person).where(Person.full_name == "Lò Văn Pọm"))
        assert found.listed_on == date(2021, 3, 1)
        assert [(p.state, p.start_date) for p in found.periods] == [("suspected", date(2021, 3, 1))]
        commune = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        today = today_local()
        assert as_values(compute(commune, 2021, 3))["flow.new"] == 1
        assert as_values(compute(commune, today.year, today.month))["flow.new"] == 0


@pytest.mark.parametrize("typed, message", [
    ("01/01/2100", "Ngày đưa vào danh sách không được sau ngày hôm nay."),
    ("01/01/1980", "Ngày đưa vào danh sách không được trước ngày sinh."),
])
def test_a_date_on_the_lists_in_the_future_or_before_birth_is_refused_beside_it(
        app, login_as, typed, message):
    response = login_as("xa").post("/persons/new", data={**FORM, "listed_on": typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'id="listed_on-error"' in html
    with app.app_context():
        assert db.session.scalar(select(Person.id)) is None
