"""The official document shape (webapp/official.py): who issues a document, on which date,
for which province — the rules that head every Excel file, print view and Word document."""
from __future__ import annotations

from datetime import date

import pytest

from webapp import official, settings
from webapp.extensions import db
from webapp.settings.models import Setting
from webapp.units.models import Unit

BEFORE, AFTER = date(2022, 12, 31), date(2026, 6, 30)


@pytest.fixture
def tree(ctx):
    province = Unit(code="99", name="Tỉnh Mai Sơn", kind="tinh", level="province", path="/99/")
    district = Unit(code="991", name="Huyện Mai Sơn", kind="huyen", level="district",
                    path="/99/991/", parent=province)
    commune = Unit(code="99101", name="Xã Tân Hòa", kind="xa", level="commune",
                   path="/99/991/99101/", parent=district)
    other = Unit(code="88", name="Tỉnh Điện Biên", kind="tinh", level="province", path="/88/")
    ward = Unit(code="88001", name="Phường Him Lam", kind="phuong", level="commune",
                path="/88/88001/", parent=other)
    return {"province": province, "district": district, "commune": commune, "other": other,
            "ward": ward}


def set_agency(entries):
    db.session.add(Setting(key="issuing_agency", value=entries))
    db.session.flush()
    settings.forget()


def test_a_2022_report_is_issued_by_the_labour_sector(tree):
    assert official.heading(tree["commune"], BEFORE).left == [
        "ỦY BAN NHÂN DÂN HUYỆN MAI SƠN", "ỦY BAN NHÂN DÂN XÃ TÂN HÒA"]
    assert official.heading(tree["district"], BEFORE).left == [
        "ỦY BAN NHÂN DÂN HUYỆN MAI SƠN", "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"]
    assert official.heading(tree["province"], BEFORE).left == [
        "ỦY BAN NHÂN DÂN TỈNH MAI SƠN", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"]
    assert official.receiver(tree["commune"], BEFORE) == (
        "Phòng Lao động - Thương binh và Xã hội huyện Mai Sơn")


def test_a_2026_report_is_issued_by_the_police(tree):
    assert official.heading(tree["commune"], AFTER).left == [
        "CÔNG AN HUYỆN MAI SƠN", "CÔNG AN XÃ TÂN HÒA"]
    assert official.heading(tree["district"], AFTER).left == [
        "CÔNG AN TỈNH MAI SƠN", "CÔNG AN HUYỆN MAI SƠN"]
    assert official.heading(tree["province"], AFTER).left == ["BỘ CÔNG AN", "CÔNG AN TỈNH MAI SƠN"]
    assert official.receiver(tree["district"], AFTER) == "Công an tỉnh Mai Sơn"
    assert official.receiver(tree["province"], AFTER) == (
        "Cục Cảnh sát điều tra tội phạm về ma túy, Bộ Công an")


def test_the_agency_changes_on_the_first_of_march_2025(tree):
    assert official.agency_on(tree["commune"], date(2025, 2, 28)) == "labour"
    assert official.agency_on(tree["commune"], date(2025, 3, 1)) == "police"


def test_a_second_province_prints_its_own_name_and_its_own_agency(tree):
    set_agency(settings.DEFAULTS["issuing_agency"] + [
        {"from": "2025-03-01", "to": None, "province": "88", "value": "committee"}])
    assert official.heading(tree["ward"], AFTER).left == [
        "ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN", "ỦY BAN NHÂN DÂN PHƯỜNG HIM LAM"]
    assert official.heading(tree["ward"], AFTER).place_date == (
        "Him Lam, ngày 30 tháng 06 năm 2026")
    # Mai Sơn keeps the rule for every province.
    assert official.heading(tree["commune"], AFTER).issuer == "CÔNG AN XÃ TÂN HÒA"


def test_the_number_line_leaves_room_when_no_number_was_given(tree):
    assert official.heading(tree["commune"], AFTER, number=" 12 ").number == "Số: 12/BC-CAX"
    assert official.heading(tree["commune"], AFTER).number == "Số:       /BC-CAX"
    assert official.number_line(tree["district"], BEFORE, "QĐ", "3") == "Số: 3/QĐ-LĐTBXH"
    assert official.number_line(tree["commune"], BEFORE, "QĐ", "3") == "Số: 3/QĐ-UBND"


def test_the_date_line_can_be_left_to_fill_in_by_hand(tree):
    assert official.heading(tree["commune"], AFTER, dated=None).place_date == (
        "Tân Hòa, ngày ….. tháng ….. năm …….")
    assert official.heading(tree["commune"], AFTER, dated=date(2026, 7, 2)).place_date == (
        "Tân Hòa, ngày 02 tháng 07 năm 2026")


def test_the_statistical_form_names_both_bodies(tree):
    assert official.form_lines("01-BCN", tree["commune"], AFTER) == [
        "Biểu số 01-BCN", "Ban hành kèm theo Thông tư số 05/2011/TT-BLĐTBXH",
        "Đơn vị báo cáo: Công an xã Tân Hòa", "Đơn vị nhận báo cáo: Công an huyện Mai Sơn"]
    assert official.recipients(tree["commune"], AFTER).printed == [
        "- Công an huyện Mai Sơn;", "- Lưu: VT."]


def test_a_dated_setting_prefers_the_province_entry_and_ends_the_day_before_to():
    entries = [{"from": None, "to": "2025-03-01", "province": None, "value": "a"},
               {"from": "2025-03-01", "to": None, "province": None, "value": "b"},
               {"from": "2024-01-01", "to": "2025-01-01", "province": "88", "value": "c"}]
    assert settings.overlaps(entries) == []
    assert settings.overlaps(entries + [
        {"from": "2024-12-31", "to": None, "province": "88", "value": "d"}]) == [(2, 3)]
    # Touching periods do not overlap: "to" is exclusive.
    assert settings.overlaps([entries[0], entries[1]]) == []
    assert settings.overlaps([{"from": None, "to": "2025-03-02", "province": None, "value": 1},
                              entries[1]]) == [(0, 1)]


def test_dated_values(app):
    with app.app_context():
        db.session.add(Setting(key="issuing_agency", value=[
            {"from": None, "to": "2025-03-01", "province": None, "value": "labour"},
            {"from": "2025-03-01", "to": None, "province": None, "value": "police"},
            {"from": "2024-01-01", "to": "2025-01-01", "province": "88", "value": "committee"}]))
        db.session.flush()
        settings.forget()
        assert settings.dated("issuing_agency", date(2024, 6, 1), "88") == "committee"
        assert settings.dated("issuing_agency", date(2025, 1, 1), "88") == "labour"
        assert settings.dated("issuing_agency", date(2024, 6, 1), "99") == "labour"
        assert settings.dated("issuing_agency", date(2025, 3, 1)) == "police"
        db.session.rollback()
