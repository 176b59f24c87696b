"""Yearly statistics of a small fixture registry: the table and the drafted paragraph,
word for word in the seed report's wording."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.plans.models import Quota
from webapp.registry import services
from webapp.registry.vocab import EventKind
from webapp.stats.services import paragraph, rehab_paragraph, table, yearly
from webapp.treatment import services as treatment
from webapp.units.models import Unit

PERSONS = [
    # name, sex, birth year, occupation group, drug, determined on, closed on
    ("Lò Văn Pọm", "M", 1980, "agri", "heroin", date(2023, 3, 1), None),
    ("Quàng Văn Ún", "M", 2000, "agri", "synthetic", date(2023, 5, 2), None),
    ("Lường Thị Xuân", "F", 1996, "non_agri", "heroin", date(2023, 7, 3), date(2024, 6, 1)),
    ("Cà Văn Thanh", "M", 2005, "non_agri", "heroin", date(2024, 2, 4), None),
]


@pytest.fixture
def registry(app, demo):
    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        for name, sex, born, occupation, drug, determined, closed in PERSONS:
            person = services.save_person(None, {
                "full_name": name, "sex": sex, "birth_year": born, "unit": unit,
                "occupation_group": occupation, "main_drug": drug}, xa)
            services.add_event(person, EventKind.DETERMINATION, {
                "event_date": determined, "addicted": True, "facility": "TTYT"}, xa)
            if closed:
                services.add_event(person, EventKind.CLOSING,
                                   {"event_date": closed, "reason": "prison"}, xa)
            if name == "Cà Văn Thanh":
                data = {"form": "compulsory", "start_date": date(2024, 3, 1),
                        "decision_number": "5/2024/QĐ-TA", "decided_by": "TAND huyện"}
                assert treatment.validate_episode(person, data) == {}
                treatment.start_episode(person, data, xa)
        db.session.add(Quota(year=2024, unit_id=unit.id, form="compulsory", amount=2))
        db.session.commit()
        yield unit


def test_the_table_counts_addicts_at_each_year_end(app, registry):
    with app.app_context():
        stats = yearly(registry, 2023, 2024)
        rows = {label: values for label, _, values in table(stats) if values is not None}
    assert rows["Tổng số người nghiện ma túy"] == [3, 3]
    assert rows["Nam"] == [2, 3] and rows["Nữ"] == [1, 0]
    assert rows["Từ 18 đến dưới 30"] == [2, 2]  # born 2000 and 1996; then 2000 and 2005
    assert rows["Từ 30 trở lên"] == [1, 1]
    assert rows["Cai nghiện bắt buộc"] == ["0/—", "1/2 (50%)"]


def test_the_paragraph_reads_like_the_seed_report(app, registry):
    with app.app_context():
        stats = yearly(registry, 2023, 2024)
    assert paragraph(stats[0]) == (
        "- Năm 2023: Tổng số người nghiện ma túy là 3 người, trong đó:\n"
        "+ Nam: 2 người; Nữ: 1 người.\n"
        "+ Phân theo độ tuổi: Từ 18 đến dưới 30: 2 người; Từ 30 trở lên: 1 người.\n"
        "+ Phân theo nghề nghiệp: Nông nghiệp: 2 người; Phi nông nghiệp: 1 người.\n"
        "+ Hình thức sử dụng các loại ma túy: Heroin: 2 người; ma túy tổng hợp: 1 người.")
    assert paragraph(stats[1]).startswith(
        "- Năm 2024: Tổng số người nghiện ma túy là 3 người, trong đó:\n"
        "+ Nam: 3 người; Nữ: 0 người.\n")
    assert rehab_paragraph(stats[1]) == "Năm 2024: Cai nghiện bắt buộc: 1/2 người đạt 50% KH giao."


def test_thousands_are_written_with_dots():
    from webapp.stats.services import YearStats

    stats = YearStats(2020, 12, {"addicts.total": 1280, "addicts.sex.M": 1244,
                                 "addicts.sex.F": 36},
                      {"addicts.sex.M": "Giới tính: Nam", "addicts.sex.F": "Giới tính: Nữ"})
    assert paragraph(stats).splitlines()[:2] == [
        "- Năm 2020: Tổng số người nghiện ma túy là 1.280 người, trong đó:",
        "+ Nam: 1.244 người; Nữ: 36 người."]


def test_the_page_and_its_excel_show_the_same_numbers(login_as, registry):
    client = login_as("huyen")
    page = client.get("/stats/?unit=99101&from=2023&to=2024").get_data(as_text=True)
    assert "Tổng số người nghiện ma túy là 3 người" in page
    response = client.get("/stats/export.xlsx?unit=99101&from=2023&to=2024")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = {r[0].strip(): list(r[1:]) for r in sheet.iter_rows(values_only=True)
            if r and isinstance(r[0], str)}
    assert rows["Tổng số người nghiện ma túy"] == [3, 3]


@pytest.mark.parametrize("query, message", [
    ("from=1999", "Năm “1999” không hợp lệ"),
    ("from=2026&to=2024", "Năm kết thúc phải từ năm bắt đầu trở đi."),
    ("unit=99201", "Không có đơn vị mã “99201” trong phạm vi của bạn."),
    ("from=abc", "Năm “abc” không hợp lệ"),
])
def test_bad_parameters_are_explained_beside_the_field(login_as, query, message):
    response = login_as("huyen").get(f"/stats/?{query}")
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def _addicts(unit, first: int, last: int) -> list[int]:
    return [s.values["addicts.total"] for s in yearly(unit, first, last, date(2025, 6, 1))]


def test_a_provinces_past_year_is_counted_once_then_read_back_for_the_settings_hours(
        app, registry):
    """The country's statistics recounted 230,000 persons for every year on every view: a
    past year of a district, province or the country is kept; the current year never is."""
    from datetime import timedelta

    from webapp.stats.models import YearFigures

    with app.app_context():
        province = db.session.scalar(select(Unit).where(Unit.code == "99"))
        assert _addicts(province, 2023, 2025) == [3, 3, 3]
        db.session.commit()
        kept = db.session.scalars(select(YearFigures)).all()
        assert sorted(k.year for k in kept) == [2023, 2024]  # not 2025, the current year
        # Read back, not counted again: a kept value (here forged) is what is shown...
        for k in kept:
            k.rows = [[key, label, level, 99 if key == "addicts.total" else value]
                      for key, label, level, value in k.rows]
        db.session.commit()
        assert _addicts(province, 2023, 2025) == [99, 99, 3]
        stats = yearly(province, 2023, 2025, date(2025, 6, 1))
        assert [s.counted_at is not None for s in stats] == [True, True, False]
        # ...until it is older than `dashboard_cache_hours`.
        for k in kept:
            k.computed_at -= timedelta(hours=25)
        db.session.commit()
        assert _addicts(province, 2023, 2025) == [3, 3, 3]


def test_a_communes_statistics_are_always_counted_live(app, registry):
    from webapp.stats.models import YearFigures

    with app.app_context():
        assert _addicts(registry, 2023, 2024) == [3, 3]
        db.session.commit()
        assert db.session.scalars(select(YearFigures)).all() == []


def test_the_page_says_when_the_kept_years_were_counted(login_as, registry):
    client = login_as("tinh")
    first = client.get("/stats/").get_data(as_text=True)
    assert 'id="stats-counted"' not in first  # counted just now
    again = client.get("/stats/").get_data(as_text=True)
    assert 'id="stats-counted"' in again and "tính lại sau 24 giờ" in again
    assert 'id="stats-counted"' not in login_as("xa").get("/stats/").get_data(as_text=True)
