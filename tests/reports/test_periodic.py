"""Half-yearly and yearly reports: Biểu 03-BCN of a district from its communes' approved months,
Biểu 04-BCN of the province from its districts' approved 03-BCN; the communes with no addicts at
the period's end; the life cycle; the Excel file and the print view say the same thing."""
from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.notifications.models import Notification
from webapp.registry import services as registry
from webapp.registry.vocab import EventKind
from webapp.reports import periodic
from webapp.reports import services as monthly
from webapp.reports.figures import as_values, compute
from webapp.reports.models import MonthlySubmission
from webapp.reports.periodic_models import PeriodicSubmission
from webapp.units.models import Unit

H1 = "2026-H1"
REPORT = f"/periodic/{H1}/03-BCN/991"
PROVINCE = f"/periodic/{H1}/04-BCN/99"
COMMUNES = ("99101", "99102", "99103", "99104")


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def text(response) -> str:
    return response.get_data(as_text=True)


def approved_month(code: str, year: int, month: int, values: dict[str, int]) -> None:
    """An approved monthly report of `code` whose frozen figures are `values` (others 0)."""
    rows = [r.as_list() for r in compute(unit(code), year, month)]
    rows = [[k, label, level, None if v is None else values.get(k, 0)]
            for k, label, level, v in rows]
    db.session.add(MonthlySubmission(unit_id=unit(code).id, year=year, month=month,
                                     status="approved", snapshot=rows))


@pytest.fixture
def half_year(app, demo):
    """Tân Lập's communes: 99101 and 99102 approved every month of H1 2026 with known
    figures; 99103 approved January to May only; 99104 nothing."""
    with app.app_context():
        for month in range(1, 7):
            approved_month("99101", 2026, month, {
                "flow.new": month, "flow.rehab_started": 1, "flow.rehab_started.home": 1,
                "persons.total": 10 + month, "persons.addict": 5 + month,
                "addicts.total": 5 + month, "quota.home.achieved": month})
            approved_month("99102", 2026, month, {
                "flow.new": 2, "flow.closed": 1, "persons.total": 3, "addicts.total": 0})
        for month in range(1, 6):
            approved_month("99103", 2026, month, {"flow.new": 7, "persons.total": 70,
                                                  "addicts.total": 9})
        db.session.commit()


def post(client, url: str, action: str, **form):
    return client.post(f"{url}/{action}", data={"confirmed": "1", **form})


# --- Figures ------------------------------------------------------------------------------

def test_flows_are_summed_over_the_months_and_stocks_read_at_the_periods_end(app, half_year):
    with app.app_context():
        view = periodic.compute_view(unit("991"), "03-BCN", 2026, "H1")
        lines = {line["code"]: line for line in view["lines"]}
        first = lines["99101"]["values"]
        assert first["flow.new"] == 1 + 2 + 3 + 4 + 5 + 6          # a flow: summed
        assert first["flow.rehab_started.home"] == 6
        assert first["persons.total"] == 16 and first["addicts.total"] == 11  # June's stock
        assert first["quota.home.achieved"] == 6                   # year to date: June's
        assert lines["99102"]["values"]["flow.closed"] == 6
        # 99103 sent no June: its flows count, its stocks are unknown; 99104 sent nothing.
        assert lines["99103"]["values"]["flow.new"] == 35
        assert "persons.total" not in lines["99103"]["values"]
        assert lines["99103"]["missing"] == [6] and lines["99104"]["missing"] == [1, 2, 3, 4, 5, 6]
        assert lines["99104"]["values"] is None
        totals = as_values(view["rows"])
        assert totals["flow.new"] == 21 + 12 + 35
        assert totals["persons.total"] == 16 + 3
        assert totals["addicts.total"] == 11
        assert view["unknown"] == ["99103", "99104"]
        assert [c["code"] for c in view["no_addicts"]] == ["99102"]
        labels = {key: label for key, label, level, _ in view["rows"] if level == 0}
        assert labels["s4"] == "IV. Phát sinh trong kỳ (từ ngày 01/01/2026 đến ngày 30/06/2026)"


def person_closed_on(code: str, officer: str, closed: date, name: str) -> None:
    user = account(officer)
    data = {"full_name": name, "sex": "M", "birth_year": 1990, "unit": unit(code),
            "ethnicity": "01", "occupation_group": "agri", "main_drug": "heroin"}
    assert registry.validate_person(data, user) == {}
    person = registry.save_person(None, data, user)
    determination = {"event_date": date(2026, 2, 1), "addicted": True, "facility": "TTYT"}
    registry.add_event(person, EventKind.DETERMINATION, determination, user)
    closing = {"event_date": closed, "reason": "moved_away"}
    assert registry.validate_event(person, EventKind.CLOSING, closing) == {}
    registry.add_event(person, EventKind.CLOSING, closing, user)


def test_a_commune_whose_last_addict_left_on_30_06_has_no_addicts_on_30_06(app, demo):
    """The registry's periods end on the closing day (exclusive): closed on 30/06, off the lists
    on 30/06; closed on 01/07, still an addict on 30/06."""
    with app.app_context():
        person_closed_on("99101", "xa", date(2026, 6, 30), "Lò Văn Pọm")
        person_closed_on("99102", "xa2", date(2026, 7, 1), "Quàng Văn Ún")
        db.session.commit()
        for code, officer in (("99101", "xa"), ("99102", "xa2")):
            monthly.submit(unit(code), 2026, 6, {"warning_comment": "Đã rà soát."},
                           account(officer))
            monthly.approve(monthly.submission_for(unit(code), 2026, 6), account("huyen"))
        db.session.commit()
        view = periodic.compute_view(unit("991"), "03-BCN", 2026, "H1")
        assert [c["code"] for c in view["no_addicts"]] == ["99101"]
        lines = {line["code"]: line for line in view["lines"]}
        assert lines["99101"]["no_addicts"] is True and lines["99102"]["no_addicts"] is False
        assert lines["99102"]["values"]["addicts.total"] == 1
        assert view["unknown"] == ["99103", "99104"]  # no approved June: not counted either way


# --- Life cycle ---------------------------------------------------------------------------

def test_a_half_year_report_cannot_be_sent_before_the_period_ends(app, login_as, half_year):
    client = login_as("huyen")
    response = post(client, "/periodic/2026-Y/03-BCN/991", "submit", note="Giải trình.")
    assert response.status_code == 409
    assert "Kỳ báo cáo năm 2026 chưa kết thúc (đến hết ngày 31/12/2026)" in text(response)
    with app.app_context():
        assert db.session.scalar(select(PeriodicSubmission)) is None
        with pytest.raises(monthly.ReportError):
            periodic.submit(unit("991"), "03-BCN", 2026, "H1", {"note": "x"}, account("huyen"),
                            today=date(2026, 6, 30))
        db.session.rollback()
        sub = periodic.submit(unit("991"), "03-BCN", 2026, "H1", {"note": "x"},
                              account("huyen"), today=date(2026, 7, 1))  # the day after
        assert sub.status == "submitted"
        db.session.rollback()


def test_unapproved_months_are_listed_and_need_an_explanation(app, login_as, half_year):
    client = login_as("huyen")
    page = text(client.get(REPORT))
    assert "Xã Thị trấn" not in page
    assert "Thị trấn Tân Lập: tháng 06" in page
    assert "Xã Phiêng Cằm: tháng 01, 02, 03, 04, 05, 06" in page
    response = post(client, REPORT, "submit", number="12")
    assert response.status_code == 422
    assert "vui lòng ghi giải trình trước khi gửi" in text(response)
    with app.app_context():
        assert db.session.scalar(select(PeriodicSubmission)) is None  # nothing half-written

    response = post(client, REPORT, "submit", number="12",
                    note="Thị trấn Tân Lập và xã Phiêng Cằm chậm gửi; sẽ bổ sung.")
    assert response.status_code == 303
    with app.app_context():
        sub = periodic.submission_for(unit("991"), "03-BCN", 2026, "H1")
        assert sub.status == "submitted" and sub.number == "12"
        assert sub.children_included == ["99101", "99102", "99103"]
        assert [t.action for t in sub.transitions] == ["submit"]
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.object_type == "PeriodicSubmission"))
    html = text(client.get(f"{REPORT}/print"))
    assert "Giải trình: Thị trấn Tân Lập và xã Phiêng Cằm chậm gửi; sẽ bổ sung." in html
    assert "Số: 12/BC-CAH" in html
    assert "Đã gửi" not in html  # the workflow status is never printed


def test_the_province_approves_and_its_04_bcn_shows_the_district(app, login_as, half_year):
    huyen = login_as("huyen")
    assert post(huyen, REPORT, "submit", note="Chậm gửi.").status_code == 303
    # The district cannot approve its own report, nor a neighbour.
    with app.app_context():
        version = periodic.submission_for(unit("991"), "03-BCN", 2026, "H1").version
    assert post(huyen, REPORT, "approve", version=version).status_code == 409
    huyen2 = login_as("huyen2")
    assert post(huyen2, REPORT, "approve", version=version).status_code == 404

    tinh = login_as("tinh")
    response = post(tinh, REPORT, "return", version=version)
    assert response.status_code == 422 and "Vui lòng ghi ý kiến" in text(response)
    response = post(tinh, REPORT, "approve", version=version)
    assert response.status_code == 303
    again = post(tinh, REPORT, "approve", version=version)  # a double click
    assert again.status_code == 409 and "vừa được cập nhật" in text(again)

    html = text(tinh.get(PROVINCE))
    assert "Huyện Tân Lập" in html and "Huyện Mường Chiến: chưa có Biểu 03-BCN được duyệt" in html
    with app.app_context():
        view = periodic.compute_view(unit("99"), "04-BCN", 2026, "H1")
        values = {line["code"]: line["values"] for line in view["lines"]}
        assert values["991"]["flow.new"] == 68 and values["992"] is None
        assert [c["code"] for c in view["no_addicts"]] == ["99102"]
        assert view["no_addicts"][0]["parent"] == "Huyện Tân Lập"
        # Every commune of the province counts; those of districts not approved, as unknown.
        assert view["communes"] == 10
        assert view["unknown"] == ["99103", "99104", "99201", "99202", "99203", "99301",
                                   "99302", "99303"]
    assert "Số xã, phường, thị trấn không có người nghiện ma túy đến ngày 30/06/2026: 1/10: " \
           "Xã Mường Lạn (Huyện Tân Lập)." in html

    # The province's 04-BCN has no reviewer: sent is final; reopened only by itself.
    response = post(tinh, PROVINCE, "submit", note="Hai huyện chưa gửi.")
    assert response.status_code == 303
    with app.app_context():
        sub = periodic.submission_for(unit("99"), "04-BCN", 2026, "H1")
        assert sub.status == "submitted"
        with pytest.raises(monthly.ReportError, match="bản cuối cùng"):
            periodic.approve(sub, account("tinh"))
        version = sub.version
    response = post(tinh, PROVINCE, "reopen", version=version)
    assert response.status_code == 422
    assert post(tinh, PROVINCE, "reopen", version=version,
                comment="Bổ sung số liệu huyện Mường Chiến.").status_code == 303


def test_a_province_cannot_approve_another_provinces_report(app, login_as, half_year):
    from webapp.units.services import add_unit

    with app.app_context():
        other = add_unit("98", "Tỉnh Sơn Hà", "tinh")
        district = add_unit("981", "Huyện Hà Lâm", "huyen", other)
        add_unit("98101", "Xã Hà Yên", "xa", district)
        db.session.add(PeriodicSubmission(unit_id=unit("98").id, form="04-BCN", year=2026,
                                          period="H1", status="submitted"))
        db.session.add(PeriodicSubmission(unit_id=unit("981").id, form="03-BCN", year=2026,
                                          period="H1", status="submitted"))
        db.session.commit()
    tinh = login_as("tinh")
    assert post(tinh, f"/periodic/{H1}/04-BCN/98", "approve", version=1).status_code == 404
    assert post(tinh, f"/periodic/{H1}/03-BCN/981", "approve", version=1).status_code == 404
    assert tinh.get(f"/periodic/{H1}/04-BCN/98").status_code == 404
    with app.app_context():
        with pytest.raises(monthly.ReportError):
            periodic.approve(periodic.submission_for(unit("981"), "03-BCN", 2026, "H1"),
                             account("tinh"))
        db.session.rollback()
        assert {s.status for s in db.session.scalars(select(PeriodicSubmission))} == {"submitted"}


def test_a_commune_makes_no_periodic_report(login_as, half_year):
    client = login_as("xa")
    assert client.get(f"/periodic/{H1}/03-BCN/99101").status_code == 404
    assert client.get(REPORT).status_code == 404  # the district is outside its scope
    assert login_as("huyen").get(f"/periodic/{H1}/04-BCN/991").status_code == 404
    assert login_as("huyen").get("/periodic/2026-H3/03-BCN/991").status_code == 404


def test_completeness_pages_list_the_periodic_reports(login_as, half_year):
    tinh = login_as("tinh")
    html = text(tinh.get(f"/periodic/{H1}/"))
    for code in ("991", "992", "993"):
        assert f'id="periodic-03-BCN-{code}"' in html
    assert 'id="periodic-04-BCN-99"' in html
    assert "07/07/2026" in html and "15/07/2026" in html
    assert 'id="periodic-03-BCN-991"' in text(tinh.get("/reports/2026-06/"))
    assert 'id="periodic-04-BCN-99"' in text(tinh.get("/reports/2026-06/?view=year"))
    huyen = text(login_as("huyen").get(f"/periodic/{H1}/"))
    assert 'id="periodic-03-BCN-991"' in huyen and "992" not in huyen


def test_due_days_come_from_the_settings(app):
    with app.app_context():
        assert periodic.due_date("03-BCN", 2026, "H1") == date(2026, 7, 7)
        assert periodic.due_date("03-BCN", 2026, "Y") == date(2027, 1, 7)
        assert periodic.due_date("04-BCN", 2026, "H1") == date(2026, 7, 15)
        assert periodic.due_date("04-BCN", 2026, "Y") == date(2027, 1, 15)
        assert periodic.bounds(2026, "H1") == (date(2026, 1, 1), date(2026, 6, 30))


# --- Documents ----------------------------------------------------------------------------

def workbook_lines(response) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    return [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]


def test_the_excel_header_names_the_agency_of_the_periods_end(app, login_as, half_year):
    client = login_as("huyen")
    lines = workbook_lines(client.get(f"{REPORT}.xlsx"))
    assert "CÔNG AN HUYỆN TÂN LẬP" in lines and "CÔNG AN TỈNH MAI SƠN" in lines
    assert "Biểu số 03-BCN" in lines
    assert "Đơn vị nhận báo cáo: Công an tỉnh Mai Sơn" in lines
    old = workbook_lines(client.get("/periodic/2022-H1/03-BCN/991.xlsx"))
    assert "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI" in old
    assert "ỦY BAN NHÂN DÂN HUYỆN TÂN LẬP" in old
    assert not any("CÔNG AN" in line for line in old)


def test_the_print_view_says_what_the_excel_file_says(app, login_as, half_year):
    client = login_as("huyen")
    assert post(client, REPORT, "submit", number="7", note="Chậm gửi.").status_code == 303
    excel = workbook_lines(client.get(f"{REPORT}.xlsx"))
    html = text(client.get(f"{REPORT}/print"))
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")
    for cell in excel:
        value = cell
        if re.fullmatch(r"[0-9]+", cell):
            value = f"{int(cell):,}".replace(",", ".")
        assert value in shown, cell
    assert "Đã gửi" not in "".join(excel) and "Đã gửi" not in shown


def test_a_district_of_100_communes_prints_on_a_few_a4_pages(app, tmp_path, demo):
    from tests.libreoffice import convert
    from webapp.exports.periodic_workbook import periodic_workbook
    from webapp.reports.periodic_document import build
    from webapp.units.services import add_unit

    with app.app_context():
        district = unit("992")
        for i in range(100):
            add_unit(f"9925{i:02d}", f"Xã Thử Nghiệm Số {i + 1}", "xa", district)
        db.session.flush()
        view = periodic.compute_view(district, "03-BCN", 2026, "H1")
        assert len(view["lines"]) == 103
        path = tmp_path / "bieu.xlsx"
        path.write_bytes(periodic_workbook(build(district, "03-BCN", 2026, "H1", None,
                                                 view)).getvalue())
        db.session.rollback()
    pdf = convert(path, tmp_path, "pdf")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))
    assert 1 <= pages <= 4


def test_only_the_districts_own_officer_sends_its_report(app, login_as, half_year):
    for username in ("tinh", "admin"):
        client = login_as(username)
        response = post(client, REPORT, "submit", note="Thay huyện.")
        if username == "admin":
            assert response.status_code == 403
            continue
        assert response.status_code == 409
        assert "Chỉ cán bộ của đơn vị mới lập báo cáo" in text(response)
        assert "/periodic/2026-H1/03-BCN/991/save" not in text(client.get(REPORT))
    with app.app_context():
        assert db.session.scalar(select(PeriodicSubmission)) is None
        assert periodic.can_edit(account("huyen"), unit("991"))
        assert not periodic.can_edit(account("huyen2"), unit("991"))


def test_returned_reports_are_corrected_and_sent_again_then_reopened_with_a_reason(
        app, login_as, half_year):
    huyen, tinh = login_as("huyen"), None
    assert post(huyen, REPORT, "submit", note="Chậm gửi.").status_code == 303
    tinh = login_as("tinh")
    with app.app_context():
        version = periodic.submission_for(unit("991"), "03-BCN", 2026, "H1").version
    assert post(tinh, REPORT, "return", version=version,
                comment="Đề nghị ghi số văn bản.").status_code == 303
    huyen = login_as("huyen")
    page = text(huyen.get(REPORT))
    assert "Báo cáo bị trả lại" in page and "Đề nghị ghi số văn bản." in page
    assert post(huyen, REPORT, "submit", note="Chậm gửi.", number="21").status_code == 303
    tinh = login_as("tinh")
    with app.app_context():
        version = periodic.submission_for(unit("991"), "03-BCN", 2026, "H1").version
    assert post(tinh, REPORT, "approve", version=version).status_code == 303
    with app.app_context():
        version = periodic.submission_for(unit("991"), "03-BCN", 2026, "H1").version
    response = post(tinh, REPORT, "reopen", version=version)
    assert response.status_code == 422 and "Vui lòng ghi lý do mở lại" in text(response)
    assert post(tinh, REPORT, "reopen", version=version,
                comment="Xã Phiêng Cằm đã gửi bổ sung.").status_code == 303
    with app.app_context():
        sub = periodic.submission_for(unit("991"), "03-BCN", 2026, "H1")
        assert sub.status == "returned" and sub.number == "21"
        assert [(t.action, t.to_status) for t in sub.transitions] == [
            ("submit", "submitted"), ("return", "returned"), ("submit", "submitted"),
            ("approve", "approved"), ("reopen", "returned")]
        # The reviewer was told what awaited them, the district what came back, twice.
        said = {name: [n.text for n in db.session.scalars(select(Notification).where(
            Notification.user_id == account(name).id))] for name in ("tinh", "huyen")}
    sent = "Huyện Tân Lập đã gửi Biểu 03-BCN 6 tháng đầu năm 2026: chờ duyệt."
    assert said["tinh"].count(sent) == 2
    assert [t for t in said["huyen"] if t.startswith("Biểu 03-BCN 6 tháng đầu năm 2026 của "
                                                      "Huyện Tân Lập")] == [
        "Biểu 03-BCN 6 tháng đầu năm 2026 của Huyện Tân Lập bị trả lại; vui lòng xem ý kiến "
        "và gửi lại.",
        "Biểu 03-BCN 6 tháng đầu năm 2026 của Huyện Tân Lập được mở lại; vui lòng xem ý kiến "
        "và gửi lại."]


def test_a_two_tier_province_reports_its_communes_months_in_both_forms(app, demo):
    from webapp.auth.models import Role
    from webapp.units.services import add_unit

    with app.app_context():
        province = add_unit("97", "Tỉnh Hà Giang Mới", "tinh")
        for code, name in (("97001", "Xã Lũng Cú"), ("97002", "Phường Hà Giang 1")):
            add_unit(code, name, "xa" if code == "97001" else "phuong", province)
        officer = User(username="tinh97", full_name="Vàng Thị Mỷ", role=Role.PROVINCE.value,
                       unit=province)
        officer.set_password("demo12345")
        db.session.add(officer)
        db.session.flush()
        for month in range(1, 7):
            approved_month("97001", 2026, month, {"flow.new": 1, "addicts.total": 2,
                                                  "persons.total": 2})
            approved_month("97002", 2026, month, {"flow.new": 3, "addicts.total": 0})
        db.session.flush()
        assert periodic.forms_of(province) == ["03-BCN", "04-BCN"]
        assert periodic.forms_of(unit("99")) == ["04-BCN"] and periodic.forms_of(unit("991")) == ["03-BCN"]
        view = periodic.compute_view(province, "04-BCN", 2026, "H1")
        assert as_values(view["rows"])["flow.new"] == 24
        assert [c["code"] for c in view["no_addicts"]] == ["97002"] and view["communes"] == 2
        sub = periodic.submit(province, "04-BCN", 2026, "H1", {}, officer)
        assert sub.status == "submitted"  # the top of the tree: final
        assert not periodic.reviewer_exists(province)
        db.session.rollback()


def test_a_province_with_nothing_approved_says_so(login_as, demo):
    html = text(login_as("tinh").get(PROVINCE))
    assert "Chưa có số liệu được duyệt" in html


def test_a_refused_character_or_a_long_number_is_said_beside_the_field(app, login_as, half_year):
    client = login_as("huyen")
    response = post(client, REPORT, "save", number="12/BC-CAH", note="Chậm\u202egửi")
    assert response.status_code == 422
    body = text(response)
    assert "Số văn bản tối đa 20 ký tự, không gồm ký hiệu" in body
    assert "\u202e" not in body
    with app.app_context():
        assert db.session.scalar(select(PeriodicSubmission)) is None
    assert post(client, REPORT, "save", number=" 12 ", note="Chậm gửi.").status_code == 303
    with app.app_context():
        sub = periodic.submission_for(unit("991"), "03-BCN", 2026, "H1")
        assert (sub.status, sub.number, sub.note) == ("draft", "12", "Chậm gửi.")


def test_a_second_province_prints_its_own_name_and_agency(app, login_as, demo):
    """Sơn Hà kept the labour sector for its reports until 2027 (a province entry of the
    dated setting); Mai Sơn's 2026 report is the police's."""
    from webapp.auth.models import Role
    from webapp.settings.models import Setting
    from webapp.units.services import add_unit

    with app.app_context():
        other = add_unit("98", "Tỉnh Sơn Hà", "tinh")
        district = add_unit("981", "Huyện Hà Lâm", "huyen", other)
        add_unit("98101", "Xã Hà Yên", "xa", district)
        officer = User(username="tinh98", full_name="Hà Thị Yến", role=Role.PROVINCE.value,
                       unit=other)
        officer.set_password("demo12345")
        db.session.add(officer)
        from webapp import settings
        db.session.add(Setting(key="issuing_agency", value=settings.DEFAULTS["issuing_agency"] + [
            {"from": None, "to": "2027-01-01", "province": "98", "value": "labour"}]))
        db.session.commit()
    lines = workbook_lines(login_as("tinh98").get(f"/periodic/{H1}/04-BCN/98.xlsx"))
    assert "ỦY BAN NHÂN DÂN TỈNH SƠN HÀ" in lines and "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI" in lines
    assert "Đơn vị báo cáo: Sở Lao động - Thương binh và Xã hội tỉnh Sơn Hà" in lines
    assert not any("MAI SƠN" in line for line in lines)
    mine = workbook_lines(login_as("tinh").get(f"/periodic/{H1}/04-BCN/99.xlsx"))
    assert "CÔNG AN TỈNH MAI SƠN" in mine and "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI" not in mine


def test_the_province_approves_from_the_completeness_page(app, login_as, half_year):
    assert post(login_as("huyen"), REPORT, "submit", note="Chậm gửi.").status_code == 303
    tinh = login_as("tinh")
    page = text(tinh.get(f"/periodic/{H1}/"))
    assert f'action="{REPORT}/approve"' in page
    assert 'action="/periodic/2026-H1/04-BCN/99/approve"' not in page  # nobody above it
    with app.app_context():
        version = periodic.submission_for(unit("991"), "03-BCN", 2026, "H1").version
    asked = tinh.post(f"{REPORT}/approve", data={"version": version, "back": f"/periodic/{H1}/"})
    assert asked.status_code == 200 and "Duyệt Biểu 03-BCN 6 tháng đầu năm 2026" in text(asked)
    done = post(tinh, REPORT, "approve", version=version, back=f"/periodic/{H1}/")
    assert done.status_code == 303 and done.location.endswith(f"/periodic/{H1}/")
    assert "Đã duyệt" in text(tinh.get(f"/periodic/{H1}/"))
    assert f'action="{REPORT}/approve"' not in text(login_as("huyen").get(f"/periodic/{H1}/"))


def test_the_period_reported_now_is_the_last_that_ended(app):
    with app.app_context():
        assert periodic.current_term(date(2026, 6, 30)) == "2025-Y"
        assert periodic.current_term(date(2026, 7, 1)) == "2026-H1"
        assert periodic.current_term(date(2027, 1, 5)) == "2026-Y"
