"""The administrative tree: any depth, subtrees by prefix, merges, moves, official lists."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.scoping import can_review, scoped_units
from webapp.units.models import Unit
from webapp.units.services import UnitError, add_unit, load_official_province, merge_unit, move_unit


def unit(code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username):
    return db.session.scalar(select(User).where(User.username == username))


def codes_seen_by(username):
    return [u.code for u in db.session.scalars(scoped_units(account(username)))]


def test_each_officer_sees_exactly_their_subtree(demo, ctx):
    assert codes_seen_by("xa") == ["99101"]
    assert codes_seen_by("huyen") == ["991", "99101", "99102", "99103", "99104"]
    assert len(codes_seen_by("tinh")) == 1 + 3 + 10
    assert codes_seen_by("tinh")[0] == "99"  # the province does not see the ministry
    assert codes_seen_by("trunguong")[:2] == ["C04", "99"]
    assert len(codes_seen_by("trunguong")) == 1 + 1 + 3 + 10


def test_the_ministry_sits_above_the_provinces_and_reviews_them(demo, ctx):
    nation = unit("C04")
    assert nation.level == "national" and nation.parent_id is None and nation.path == "/C04/"
    assert unit("99").parent_id == nation.id and unit("99101").path == "/C04/99/991/99101/"
    assert can_review(account("trunguong"), unit("99"))
    assert not can_review(account("trunguong"), unit("991"))  # districts are the province's
    assert not can_review(account("tinh"), unit("99"))


def test_a_second_province_loads_under_the_same_ministry(demo, ctx):
    root, _ = load_official_province(11)
    db.session.commit()
    assert root.parent.code == "C04"
    assert db.session.query(Unit).filter(Unit.level == "national").count() == 1
    assert "11" in codes_seen_by("trunguong") and "11" not in codes_seen_by("tinh")


def test_the_reviewer_of_a_commune_is_its_district(demo, ctx):
    assert can_review(account("huyen"), unit("99101"))
    assert not can_review(account("huyen2"), unit("99101"))
    assert not can_review(account("tinh"), unit("99101"))  # the province reviews districts
    assert can_review(account("tinh"), unit("991"))
    assert not can_review(account("xa"), unit("99101"))


def test_in_a_two_tier_province_the_province_reviews_its_communes(demo, ctx):
    # 2025: districts abolished, communes placed directly under the province.
    move_unit(unit("99101"), unit("99"))
    db.session.commit()
    assert unit("99101").path == "/C04/99/99101/"
    assert can_review(account("tinh"), unit("99101"))
    assert not can_review(account("huyen"), unit("99101"))


def test_moving_a_district_rewrites_the_paths_of_everything_below(ctx):
    a = add_unit("01", "Tỉnh A", "tinh")
    b = add_unit("02", "Tỉnh B", "tinh")
    d = add_unit("011", "Huyện C", "huyen", a)
    add_unit("01101", "Xã D", "xa", d)
    db.session.commit()
    move_unit(d, b)
    db.session.commit()
    assert unit("01101").path == "/02/011/01101/"


def test_a_unit_cannot_move_under_its_own_child(demo, ctx):
    with pytest.raises(UnitError):
        move_unit(unit("991"), unit("99101"))


def test_a_merged_unit_keeps_its_history_and_names_its_successor(demo, ctx):
    merge_unit(unit("99104"), unit("99103"), date(2025, 7, 1))
    db.session.commit()
    merged = unit("99104")
    assert merged.successor.code == "99103"
    assert merged.is_active_on(date(2025, 6, 30)) and not merged.is_active_on(date(2025, 7, 1))
    assert "99104" in codes_seen_by("huyen")  # old reports still reach it


def test_official_units_load_from_the_vietnam_provinces_package(ctx):
    root, count = load_official_province(1)  # Hà Nội, two-tier since 2025
    db.session.commit()
    assert root.code == "01" and root.name == "Thành phố Hà Nội" and root.level == "province"
    assert count > 100
    ward = db.session.scalar(select(Unit).where(Unit.parent_id == root.id).limit(1))
    assert len(ward.code) == 5 and ward.level == "commune"
    # Loading again adds nothing.
    load_official_province(1)
    db.session.commit()
    assert db.session.query(Unit).count() == count + 2  # the province and the ministry
    assert root.parent.code == "C04" and root.path == "/C04/01/"


def test_an_unknown_province_code_is_a_clear_error(ctx):
    with pytest.raises(UnitError, match="Không có tỉnh/thành phố mã 98"):
        load_official_province(98)


def test_the_cli_loads_a_province(app):
    result = app.test_cli_runner().invoke(args=["units", "load-official", "8"])
    assert result.exit_code == 0, result.output
    assert "đơn vị cấp xã" in result.output


def test_the_unit_pages_show_only_the_subtree(login_as):
    client = login_as("huyen2")
    page = client.get("/units/").get_data(as_text=True)
    assert "Xã Mường Chiến" in page and "Xã Tân Hòa" not in page
    assert client.get("/units/99101").status_code == 404
    assert client.get("/units/99201").status_code == 200
