"""Activities and documents issued: recorded per unit and year, refused when wrong, listed for
the parent, counted into the yearly report's sentences."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.funding import activities
from webapp.funding.models import Activity, FundingEntry
from webapp.funding.services import FundingError
from webapp.units.models import Unit


def unit(code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def decision(**overrides):
    data = {"held_on": "30/03/2020", "kind": "document", "document_type": "decision",
            "document_number": "328/QĐ-UBND",
            "title": "phân bổ chỉ tiêu cai nghiện năm 2020"}
    data.update(overrides)
    return data


def test_a_document_issued_is_drafted_as_the_seed_lists_it(ctx, demo):
    activities.add_activity(user("huyen"), unit("991"), 2020, decision())
    activities.add_activity(user("huyen"), unit("991"), 2020, decision(
        held_on="01/04/2020", document_type="plan", document_number="64/KH-UBND",
        title="triển khai công tác cai nghiện ma túy năm 2020 trên địa bàn huyện"))
    years = activities.counts(unit("991"), 2020, 2021)
    assert activities.documents_paragraphs(years) == [
        "- Năm 2020: Quyết định số 328/QĐ-UBND ngày 30/03/2020 về việc phân bổ chỉ tiêu cai "
        "nghiện năm 2020; Kế hoạch số 64/KH-UBND ngày 01/04/2020 về việc triển khai công tác "
        "cai nghiện ma túy năm 2020 trên địa bàn huyện;",
        "- Năm 2021: chưa ghi nhận văn bản chỉ đạo, hướng dẫn nào."]


def test_trainings_and_inspections_are_counted_over_the_subtree(ctx, demo):
    activities.add_activity(user("huyen"), unit("991"), 2020, {
        "held_on": "15/06/2020", "kind": "training", "participants": "150",
        "title": "Tập huấn nâng cao năng lực cán bộ làm công tác cai nghiện"})
    activities.add_activity(user("xa"), unit("99101"), 2020, {
        "held_on": "26/06/2020", "kind": "communication", "participants": "80",
        "title": "Mít tinh hưởng ứng ngày toàn dân phòng, chống ma túy 26/6"})
    activities.add_activity(user("xa"), unit("99101"), 2020, {
        "held_on": "10/10/2020", "kind": "inspection", "title": "Kiểm tra cai nghiện tại gia đình"})
    district = activities.counts(unit("991"), 2020, 2020)
    assert activities.activity_paragraphs(district) == [
        "- Năm 2020: tổ chức 1 hội nghị, lớp tập huấn với 150 lượt người tham gia; 1 buổi "
        "tuyên truyền với 80 lượt người nghe."]
    assert activities.inspection_paragraphs(district) == [
        "- Năm 2020: tổ chức 1 cuộc kiểm tra, giám sát: Kiểm tra cai nghiện tại gia đình "
        "(10/10/2020)."]
    neighbour = activities.counts(unit("99102"), 2020, 2022)
    assert activities.inspection_paragraphs(neighbour) == [
        "Trong giai đoạn 2020 – 2022, chưa tổ chức cuộc thanh tra, kiểm tra, giám sát nào về "
        "công tác cai nghiện ma túy."]


@pytest.mark.parametrize("overrides, field, message", [
    ({"held_on": "31/12/2019"}, "held_on", "không thuộc năm 2020"),
    ({"kind": "party"}, "kind", "Loại hoạt động không hợp lệ"),
    ({"document_type": ""}, "document_type", "Vui lòng chọn loại văn bản"),
    ({"title": "  "}, "title", "Vui lòng nhập trích yếu"),
    ({"participants": "-3", "kind": "training"}, "participants", "số nguyên không âm"),
])
def test_bad_activities_are_refused_and_nothing_is_saved(ctx, demo, overrides, field, message):
    with pytest.raises(FundingError) as refused:
        activities.add_activity(user("huyen"), unit("991"), 2020, decision(**overrides))
    assert message in refused.value.errors[field]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Activity.id))) == 0


def test_an_activity_with_funding_is_not_deleted(ctx, demo):
    training = activities.add_activity(user("xa"), unit("99101"), 2023, {
        "held_on": "15/06/2023", "kind": "training", "title": "Tập huấn"})
    db.session.add(FundingEntry(unit_id=unit("99101").id, spent_on=date(2023, 6, 15),
                                amount=3_000_000, source="local", category="other",
                                description="Nước uống", activity_id=training.id))
    db.session.flush()
    assert activities.funding_of([training.id]) == {training.id: 3_000_000}
    with pytest.raises(FundingError, match="Có 1 khoản chi gắn với hoạt động này"):
        activities.delete_activity(user("xa"), training)


def test_the_page_lists_a_districts_and_its_communes_activities(login_as, app):
    client = login_as("xa")
    assert client.post("/activities/?year=2023", data={
        "held_on": "26/06/2023", "kind": "communication", "participants": "120",
        "title": "Tuyên truyền tháng hành động phòng, chống ma túy"}).status_code == 303
    refused = client.post("/activities/?year=2023", data={
        "held_on": "26/06/2024", "kind": "communication", "title": "x"})
    assert refused.status_code == 422
    assert "không thuộc năm 2023" in refused.get_data(as_text=True)
    page = login_as("huyen").get("/activities/?year=2023").get_data(as_text=True)
    assert "Tuyên truyền tháng hành động" in page and "Xã Tân Hòa" in page
    assert "Tuyên truyền tháng hành động" not in login_as("xa2").get(
        "/activities/?year=2023").get_data(as_text=True)
