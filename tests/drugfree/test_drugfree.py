"""Drug-free communes: the status at the criteria's boundaries, the commune's evidence and the
parent's confirmation, the province's yearly target."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from webapp.auth.models import User
from webapp.drugfree import services
from webapp.drugfree.models import Criterion, Entry, Target
from webapp.extensions import db
from webapp.registry import services as registry
from webapp.registry.vocab import EventKind
from webapp.units.models import Unit

YEAR = 2025


@pytest.fixture
def criteria(app, demo):
    with app.app_context():
        services.seed_criteria()
        db.session.commit()


def _unit(code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def _user(name):
    return db.session.scalar(select(User).where(User.username == name))


def addict(code: str, determined_on: date, name="Lò Văn Pọm"):
    officer = db.session.scalar(select(User).where(User.unit_id == _unit(code).id))
    person = registry.save_person(None, {"full_name": name, "sex": "M", "birth_year": 1990,
                                         "unit": _unit(code)}, officer)
    registry.add_event(person, EventKind.DETERMINATION, {
        "event_date": determined_on, "addicted": True, "facility": "TTYT"}, officer)
    return person


def criterion(code: str) -> Criterion:
    return db.session.scalar(select(Criterion).where(Criterion.code == code))


def only(*codes):
    """Keep only these criteria in force (the others end before the year)."""
    for c in db.session.scalars(select(Criterion)):
        if c.code not in codes:
            c.valid_to = date(2020, 1, 1)
    db.session.commit()


def result(assessment, code):
    return next(r for r in assessment.results if r.criterion.code == code)


def test_the_addicts_criterion_passes_at_its_threshold_and_fails_one_above(ctx, criteria):
    only("addicts_max")
    criterion("addicts_max").threshold = 1
    addict("99101", date(YEAR, 3, 1), "Lò Văn Pọm")
    a = services.assess_one(_unit("99101"), YEAR)
    assert result(a, "addicts_max").value == 1 and a.status == "met"

    addict("99101", date(YEAR, 12, 31), "Quàng Văn Ún")  # the year's last day counts
    a = services.assess_one(_unit("99101"), YEAR)
    assert result(a, "addicts_max").value == 2 and a.status == "not_met"
    assert [r.criterion.code for r in a.failing] == ["addicts_max"]


def test_an_addict_determined_after_the_year_end_does_not_count_for_that_year(ctx, criteria):
    only("addicts_max")
    addict("99101", date(YEAR + 1, 1, 1))
    assert services.assess_one(_unit("99101"), YEAR).status == "met"
    assert services.assess_one(_unit("99101"), YEAR + 1).status == "not_met"


def test_an_addict_in_rehab_is_treated_and_one_without_is_not(ctx, criteria):
    from webapp.treatment import services as treatment

    only("untreated_addicts")
    person = addict("99101", date(YEAR, 3, 1))
    assert result(services.assess_one(_unit("99101"), YEAR), "untreated_addicts").value == 1
    officer = _user("xa")
    from webapp.treatment.models import RehabEpisode
    db.session.add(RehabEpisode(person_id=person.id, unit_id=person.unit_id, form="community",
                                start_date=date(YEAR, 6, 1), planned_end=date(YEAR + 1, 6, 1),
                                created_by_id=officer.id))
    db.session.flush()
    assert treatment is not None
    a = services.assess_one(_unit("99101"), YEAR)
    assert result(a, "untreated_addicts").value == 0 and a.status == "met"


def test_a_user_without_a_management_decision_is_unmanaged(ctx, criteria):
    only("unmanaged_users")
    officer = _user("xa")
    person = registry.save_person(None, {"full_name": "Lò Văn Pọm", "sex": "M",
                                         "birth_year": 1990, "unit": _unit("99101")}, officer)
    registry.add_event(person, EventKind.POSITIVE_TEST, {"event_date": date(YEAR, 5, 1)},
                       officer)
    a = services.assess_one(_unit("99101"), YEAR)
    assert result(a, "unmanaged_users").value == 1 and a.status == "not_met"


def test_an_entered_criterion_counts_only_once_confirmed_with_evidence(ctx, criteria):
    only("no_crime")
    xa, huyen, commune = _user("xa"), _user("huyen"), _unit("99101")
    assert services.assess_one(commune, YEAR).status == "pending"
    entry = services.enter(xa, commune, YEAR, criterion("no_crime"), True, "", None)
    db.session.commit()
    assert result(services.assess_one(commune, YEAR), "no_crime").outcome == "unconfirmed"

    with pytest.raises(services.DrugFreeError, match="chưa ghi căn cứ"):
        services.confirm(huyen, entry)
    db.session.rollback()
    entry = db.session.get(Entry, entry.id)
    assert entry.confirmed_at is None

    entry = services.enter(xa, commune, YEAR, criterion("no_crime"), True, None,
                           "Báo cáo 12/BC-CAX ngày 20/12/2025")
    with pytest.raises(services.DrugFreeError, match="cấp trên trực tiếp"):
        services.confirm(_user("huyen2"), entry)
    services.confirm(huyen, entry)
    assert services.assess_one(commune, YEAR).status == "met"

    # A changed answer must be confirmed again.
    services.enter(xa, commune, YEAR, criterion("no_crime"), True, "Không phát hiện vụ nào",
                   "Báo cáo 12/BC-CAX ngày 20/12/2025")
    assert services.assess_one(commune, YEAR).status == "pending"
    services.enter(xa, commune, YEAR, criterion("no_crime"), False, "Phát hiện 1 vụ", None)
    assert services.assess_one(commune, YEAR).status == "not_met"


def test_a_criterion_not_in_force_in_the_year_is_not_assessed(ctx, criteria):
    only("addicts_max")
    c = criterion("addicts_max")
    c.valid_from = date(YEAR + 1, 1, 1)  # from next year: this year has no criterion
    addict("99101", date(YEAR, 3, 1))
    assert services.assess_one(_unit("99101"), YEAR).results == []
    c.valid_from = date(YEAR, 12, 31)  # in force on the year's last day: assessed
    assert services.assess_one(_unit("99101"), YEAR).status == "not_met"


def test_a_share_target_over_100_percent_is_refused_and_100_accepted(ctx, criteria):
    tinh = _user("tinh")
    with pytest.raises(services.DrugFreeError, match="không thể vượt quá 100%"):
        services.set_target(tinh, YEAR, "share", "120")
    db.session.rollback()
    assert db.session.scalar(select(Target.id)) is None
    target = services.set_target(tinh, YEAR, "share", "100%")
    assert (target.kind, target.amount) == ("share", 100)
    with pytest.raises(services.DrugFreeError, match="vượt quá số xã"):
        services.set_target(tinh, YEAR, "count", "11")  # the demo province has 10 communes
    with pytest.raises(services.DrugFreeError, match="số nguyên"):
        services.set_target(tinh, YEAR, "count", "2,5")
    with pytest.raises(services.DrugFreeError, match="cấp tỉnh"):
        services.set_target(_user("huyen"), YEAR, "count", "2")


def test_progress_counts_drug_free_communes_against_the_target_and_the_2030_goal(ctx, criteria):
    only("addicts_max")
    addict("99101", date(YEAR, 3, 1))
    services.set_target(_user("tinh"), YEAR, "share", "30")  # 30 % of 10 communes: 3
    p = services.progress(_user("tinh"), _unit("99"), YEAR)
    assert (p.total, p.met, p.target_count, p.goal_count) == (10, 9, 3, 5)
    assert p.label(p.target_count) == "9/3 (300%)"
    assert [a.unit.code for a in p.off_track] == ["99101"]
    district = services.progress(_user("huyen"), _unit("991"), YEAR)
    assert district.total == 4 and district.target_count == 2  # 30 % of 4, rounded up
    services.set_target(_user("tinh"), YEAR, "count", "3")
    assert services.progress(_user("huyen"), _unit("991"), YEAR).target_count is None
    assert services.progress(_user("tinh"), _unit("99"), YEAR).target_count == 3


def test_the_yearly_report_states_each_years_drug_free_communes(ctx, criteria):
    only("addicts_max")
    addict("99101", date(YEAR, 3, 1))
    services.set_target(_user("tinh"), YEAR, "share", "30")
    label = criterion("addicts_max").label
    assert services.report_paragraphs(_unit("99101"), YEAR, YEAR) == [
        f"Năm {YEAR}: chưa đạt xã, phường không ma túy (chưa đạt: {label})."]
    assert services.report_paragraphs(_unit("99"), YEAR, YEAR) == [
        f"Năm {YEAR}: 9/10 xã, phường, thị trấn đạt tiêu chí không ma túy (90%); chỉ tiêu năm: "
        "9/3 (300%); mục tiêu đến năm 2030: 5 xã (50%); 1 xã chưa đạt tiêu chí."]
    # Before the criteria were in force, the report says there is nothing to state.
    criterion("addicts_max").valid_from = date(2025, 1, 1)
    assert services.report_paragraphs(_unit("99"), 2020, 2020) == [
        "Chưa có đánh giá xã, phường không ma túy trong thời gian báo cáo."]


# --- Pages -----------------------------------------------------------------------------------

def test_confirming_a_criterion_without_evidence_is_refused_on_the_page(app, login_as, criteria):
    with app.app_context():
        entry = services.enter(_user("xa"), _unit("99101"), YEAR, criterion("no_hotspot"), True,
                               None, None)
        db.session.commit()
        entry_id, criterion_id = entry.id, entry.criterion_id
    client = login_as("huyen")
    response = client.post(f"/drugfree/99101/{YEAR}/{criterion_id}/confirm",
                           data={"confirmed": "1"})
    assert response.status_code == 422
    assert "Không thể xác nhận: xã chưa ghi căn cứ" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Entry, entry_id).confirmed_at is None


def test_a_commune_enters_evidence_and_its_district_confirms_it(app, login_as, criteria):
    with app.app_context():
        criterion_id = criterion("no_hotspot").id
    xa = login_as("xa")
    response = xa.post(f"/drugfree/99101/{YEAR}/{criterion_id}", data={
        f"c{criterion_id}-met": "1", f"c{criterion_id}-evidence": "Rà soát 4 thôn, không có tụ điểm",
        f"c{criterion_id}-reference": ""})
    assert response.status_code == 303
    huyen = login_as("huyen")
    asked = huyen.post(f"/drugfree/99101/{YEAR}/{criterion_id}/confirm")
    assert asked.status_code == 200 and "Xác nhận tiêu chí" in asked.get_data(as_text=True)
    assert huyen.post(f"/drugfree/99101/{YEAR}/{criterion_id}/confirm",
                      data={"confirmed": "1"}).status_code == 303
    page = huyen.get(f"/drugfree/99101/{YEAR}").get_data(as_text=True)
    assert "Rà soát 4 thôn" in page and "xác nhận" in page
    assert huyen.get(f"/drugfree/99201/{YEAR}").status_code == 404  # another district's commune


def test_a_target_of_120_percent_is_refused_on_the_page_and_nothing_saved(app, login_as, criteria):
    client = login_as("tinh")
    response = client.post(f"/drugfree/targets?year={YEAR}", data={"kind": "share",
                                                                     "amount": "120"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Tỷ lệ xã, phường không ma túy không thể vượt quá 100% (đã nhập 120%)." in body
    with app.app_context():
        assert db.session.scalar(select(Target.id)) is None
    assert client.post(f"/drugfree/targets?year={YEAR}", data={"kind": "share", "amount": "40"}
                       ).status_code == 303
    page = client.get(f"/drugfree/?year={YEAR}").get_data(as_text=True)
    assert "40%" in page


def test_an_administrator_corrects_a_seeded_criterion(app, login_as, criteria):
    with app.app_context():
        c = criterion("addicts_max")
        criterion_id = c.id
    client = login_as("admin")
    assert "chưa được đối chiếu" in client.get("/drugfree/criteria").get_data(as_text=True)
    response = client.post(f"/drugfree/criteria/{criterion_id}", data={
        "label": "Số người nghiện không quá ngưỡng", "kind": "computed", "metric": "addicts",
        "threshold": "3", "valid_from": "01/01/2026", "valid_to": "01/01/2025"})
    assert response.status_code == 422
    assert "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực." in response.get_data(as_text=True)
    assert client.post(f"/drugfree/criteria/{criterion_id}", data={
        "label": "Số người nghiện không quá ngưỡng", "kind": "computed", "metric": "addicts",
        "threshold": "3", "valid_from": "01/01/2026", "valid_to": ""}).status_code == 303
    with app.app_context():
        c = db.session.get(Criterion, criterion_id)
        assert (c.threshold, c.valid_from, c.seeded) == (3, date(2026, 1, 1), False)
