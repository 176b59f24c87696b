"""Funding entries (Circular 62/2022): exact amounts, their refusals, the yearly totals by source
and category rolled up the tree, and the seed report's paragraph word for word."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.funding import services
from webapp.funding.models import FundingEntry
from webapp.registry import services as registry
from webapp.units.models import Unit

from seed_figures import SEED_PARAGRAPH


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def count_entries() -> int:
    return db.session.scalar(select(func.count(FundingEntry.id)))


# --- Amounts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["65.900.000", "65 900 000", "65900000", "65.900.000đ",
                                   "65\u00a0900\u00a0000 đồng", " 65900000 "])
def test_an_amount_is_understood_however_it_is_grouped(typed):
    assert services.parse_amount(typed) == 65_900_000


@pytest.mark.parametrize("typed, message", [
    ("-30.000", "không được âm"),
    ("65.900.000,5", "không có phần lẻ"),
    ("30000.50", "không có phần lẻ"),
    ("1,5", "không có phần lẻ"),
    ("0", "lớn hơn 0"),
    ("100.000.000.001", "quá lớn"),
    ("ba mươi nghìn", "không phải số tiền"),
    ("65.90.000", "không phải số tiền"),
    ("", "Vui lòng nhập số tiền"),
])
def test_negative_fractional_or_absurd_amounts_are_refused(typed, message):
    with pytest.raises(ValueError, match=message):
        services.parse_amount(typed)


def test_the_largest_amount_allowed_is_accepted():
    assert services.parse_amount("100.000.000.000") == services.MAX_AMOUNT


# --- Totals and roll-up -------------------------------------------------------------------------

def test_the_funding_paragraph_is_the_seed_reports_word_for_word(ctx, seed_funding):
    result = services.summary(unit("991"), 2020, 2022)
    assert "\n".join(services.paragraphs(result)) == SEED_PARAGRAPH


def test_one_year_is_drafted_without_the_range_sentence(ctx, seed_funding):
    lines = services.paragraphs(services.summary(unit("991"), 2020, 2020))
    assert " ".join(lines) == (
        "Năm 2020: Kinh phí thực hiện công tác cai nghiện ma túy là: 65.900.000đ, trong đó: "
        "- Ngân sách địa phương: 65.900.000đ - Nguồn đóng góp của người cai nghiện, gia đình "
        "người cai nghiện: Không thực hiện. - Nguồn khác: Không.")


def test_totals_by_source_and_category_roll_up_the_tree(ctx, seed_funding):
    district = services.summary(unit("991"), 2020, 2022)
    assert [y.total for y in district.years] == [65_900_000, 66_150_000, 36_750_000]
    assert district.source_total("local") == 168_800_000
    assert district.source_total("contribution") == 0
    assert district.category_total("stipends") == 108_050_000
    assert district.category_total("meetings") == 30_000_000
    assert district.category_total("files") == 750_000
    by_child = {child.code: sum(y.total for y in years) for child, years in district.children}
    assert by_child == {"99101": 56_150_000, "99102": 15_900_000, "99103": 750_000, "99104": 0}
    assert district.own_level() == [30_000_000, 30_000_000, 36_000_000]
    commune = services.summary(unit("99101"), 2020, 2022)
    assert commune.total == 56_150_000 and commune.children == []
    province = services.summary(unit("99"), 2020, 2022)
    assert province.total == 168_800_000
    assert {c.code: sum(y.total for y in ys) for c, ys in province.children} == {
        "991": 168_800_000, "992": 0, "993": 0}


def test_a_commune_entry_does_not_count_for_its_neighbour(ctx, seed_funding):
    assert services.summary(unit("99102"), 2021, 2021).total == 0
    assert services.summary(unit("99102"), 2020, 2020).years[0].cells == {
        ("local", "stipends"): 15_900_000}


# --- Entries and their refusals -----------------------------------------------------------------

def entry(**overrides):
    data = {"spent_on": "12/05/2023", "source": "local", "category": "stipends",
            "amount": "1.800.000", "description": "Thù lao tháng 5"}
    data.update(overrides)
    return data


def test_an_officer_records_an_entry_of_their_unit(ctx, demo):
    saved = services.add_entry(user("xa"), unit("99101"), 2023, entry())
    db.session.commit()
    assert (saved.amount, saved.source, saved.category) == (1_800_000, "local", "stipends")
    assert isinstance(saved.amount, int)


def test_the_circulars_rate_suggests_the_amount_for_files(ctx, demo):
    rates = services.rates_on(date(2023, 3, 1), unit("99101"))
    assert rates["files"].amount == 30_000 and rates["files"].label == "30.000đ/hồ sơ"
    # At most 0,6 × the base salary: 1.490.000đ until 30/6/2023, 1.800.000đ from 01/7/2023.
    assert rates["stipends"].amount == 894_000
    assert rates["stipends"].label == "tối đa 894.000đ/người/tháng"
    assert services.rates_on(date(2023, 6, 30))["stipends"].amount == 894_000
    assert services.rates_on(date(2023, 7, 1))["stipends"].amount == 1_080_000
    assert services.rates_on(date(2023, 7, 1))["completion"].amount == 1_800_000
    saved = services.add_entry(user("xa"), unit("99101"), 2023,
                               entry(spent_on="01/03/2023", category="files", amount="",
                                     quantity="25"))
    assert saved.amount == 750_000 and saved.quantity == 25


def test_no_rate_is_suggested_before_the_circular(ctx, demo):
    assert services.rates_on(date(2021, 6, 1)) == {}
    with pytest.raises(services.FundingError) as refused:
        services.add_entry(user("xa"), unit("99101"), 2021,
                           entry(spent_on="01/06/2021", category="files", amount="",
                                 quantity="25"))
    assert "không có mức chi gợi ý" in refused.value.errors["amount"]


@pytest.mark.parametrize("overrides, field, message", [
    ({"amount": "-1.800.000"}, "amount", "không được âm"),
    ({"amount": "1.800.000,50"}, "amount", "không có phần lẻ"),
    ({"spent_on": "31/12/2022"}, "spent_on", "không thuộc năm 2023"),
    ({"spent_on": "01/01/2024"}, "spent_on", "không thuộc năm 2023"),
    ({"spent_on": "30/02/2023"}, "spent_on", "không tồn tại"),
    ({"category": "banquet"}, "category", "Nội dung chi không hợp lệ"),
    ({"source": "loan"}, "source", "Nguồn kinh phí không hợp lệ"),
    ({"quantity": "1,5", "amount": ""}, "quantity", "số nguyên"),
])
def test_bad_entries_are_refused_and_nothing_is_saved(ctx, demo, overrides, field, message):
    with pytest.raises(services.FundingError) as refused:
        services.add_entry(user("xa"), unit("99101"), 2023, entry(**overrides))
    assert message in refused.value.errors[field]
    db.session.rollback()
    assert count_entries() == 0


def test_an_entry_dated_after_today_is_refused(ctx, demo):
    with pytest.raises(services.FundingError) as refused:
        services.add_entry(user("xa"), unit("99101"), 2026, entry(spent_on="03/12/2026"),
                           today=date(2026, 12, 2))
    assert refused.value.errors["spent_on"] == "Ngày không được sau hôm nay."
    assert services.add_entry(user("xa"), unit("99101"), 2026, entry(spent_on="02/12/2026"),
                              today=date(2026, 12, 2)).amount == 1_800_000


def test_the_first_and_last_day_of_the_year_are_in_the_year(ctx, demo):
    for day in ("01/01/2023", "31/12/2023"):
        services.add_entry(user("xa"), unit("99101"), 2023, entry(spent_on=day))
    assert count_entries() == 2


def test_a_person_of_another_commune_cannot_be_named_on_an_entry(ctx, demo):
    neighbour = registry.save_person(None, {"full_name": "Lò Văn Pọm", "sex": "M",
                                            "birth_year": 1990, "unit": unit("99102")},
                                     user("xa2"))
    mine = registry.save_person(None, {"full_name": "Quàng Văn Ún", "sex": "M",
                                       "birth_year": 1991, "unit": unit("99101")}, user("xa"))
    db.session.commit()
    with pytest.raises(services.FundingError) as refused:
        services.add_entry(user("xa"), unit("99101"), 2023, entry(person_id=str(neighbour.id)))
    assert refused.value.errors["person_id"] == (
        f"Không có hồ sơ số {neighbour.id} trong địa bàn Xã Tân Hòa.")
    db.session.rollback()
    assert count_entries() == 0
    saved = services.add_entry(user("xa"), unit("99101"), 2023, entry(person_id=str(mine.id)))
    assert saved.person_id == mine.id


def test_only_the_units_own_officers_record_its_spending(ctx, demo):
    with pytest.raises(services.FundingError) as refused:
        services.add_entry(user("huyen"), unit("99101"), 2023, entry())
    assert "Chỉ cán bộ của đơn vị" in refused.value.errors["unit"]


# --- Pages --------------------------------------------------------------------------------------

def test_a_bad_entry_posted_shows_the_message_beside_the_field(login_as, app):
    client = login_as("xa")
    response = client.post("/funding/?year=2023", data=entry(amount="-5.000"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Số tiền không được âm." in body
    with app.app_context():
        assert count_entries() == 0
    response = client.post("/funding/?year=2023", data=entry(category="banquet"))
    assert response.status_code == 422
    assert "Nội dung chi không hợp lệ" in response.get_data(as_text=True)


def test_an_entry_posted_is_listed_and_counted(login_as, app):
    client = login_as("xa")
    response = client.post("/funding/?year=2023", data=entry(amount="65 900 000"))
    assert response.status_code == 303
    page = client.get("/funding/?year=2023").get_data(as_text=True)
    assert "65.900.000đ" in page and "Thù lao tháng 5" in page


def test_a_district_sees_its_communes_entries_and_a_commune_not_its_neighbours(
        login_as, seed_funding):
    district = login_as("huyen").get("/funding/summary?from=2020&to=2022")
    assert district.status_code == 200
    assert "168.800.000đ" in district.get_data(as_text=True)
    neighbour = login_as("xa2").get("/funding/?unit=99101&year=2020").get_data(as_text=True)
    assert "Không có đơn vị mã “99101” trong phạm vi của bạn." in neighbour
    assert "20.000.000đ" not in neighbour


def test_an_entry_of_another_commune_cannot_be_deleted(login_as, app, seed_funding):
    with app.app_context():
        entry_id = db.session.scalar(select(FundingEntry.id).join(Unit).where(Unit.code == "99101"))
    response = login_as("xa2").post(f"/funding/entries/{entry_id}/delete",
                                    data={"confirmed": "1"})
    assert response.status_code == 404
    client = login_as("xa")
    asked = client.post(f"/funding/entries/{entry_id}/delete")
    assert "Xóa khoản chi 20.000.000đ" in asked.get_data(as_text=True)
    assert client.post(f"/funding/entries/{entry_id}/delete",
                       data={"confirmed": "1"}).status_code == 303
    with app.app_context():
        assert db.session.get(FundingEntry, entry_id) is None


def test_the_annex_has_the_years_categories_and_sources(login_as, seed_funding, tmp_path):
    import io

    import openpyxl

    response = login_as("huyen").get("/funding/annex.xlsx?from=2020&to=2022")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book["Phụ lục 02"]
    rows = list(sheet.iter_rows(values_only=True))
    labels = [r[1] for r in rows]
    assert "PHỤ LỤC 02: KINH PHÍ THỰC HIỆN CÔNG TÁC CAI NGHIỆN MA TÚY" in [r[0] for r in rows]
    year_row = rows[labels.index("Năm 2020")]
    assert year_row[2:6] == (65_900_000, 0, 0, 65_900_000)
    total_row = rows[labels.index("Tổng cộng giai đoạn 2020 – 2022")]
    assert total_row[2:6] == (168_800_000, 0, 0, 168_800_000)
    units = [r for r in book["Theo đơn vị"].iter_rows(values_only=True)]
    assert ("Xã Tân Hòa" in [r[1] for r in units])
