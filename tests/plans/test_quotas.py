"""Yearly quotas (chỉ tiêu): the province gives each district its quota, the district splits it
among its communes, and everyone sees "achieved/quota (pct%)" rolled up the tree."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.plans.models import Quota
from webapp.plans.services import (AMOUNT_MESSAGE, Cell, QuotaError, progress, set_quotas,
                                   units_without_progress)
from webapp.registry.services import save_person, validate_person
from webapp.timeutil import today_local
from webapp.treatment.models import RehabEpisode
from webapp.units.models import Unit
from webapp.units.services import add_unit, merge_unit

YEAR = 2024
DETOX_OVER = ("Tổng chỉ tiêu điều trị cắt cơn giao cho các đơn vị (35) "
              "vượt chỉ tiêu được giao (30).")


# --- Helpers ------------------------------------------------------------------------------------

def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def started(code: str, form: str, on: date, n: int = 1) -> None:
    """`n` rehabilitations of `form` organised by commune `code`, starting on `on`."""
    commune = unit(code)
    data = {"full_name": "Lò Văn Pọm", "sex": "M", "birth_year": 1990, "unit": commune}
    province = account("tinh")
    assert validate_person(data, province) == {}
    person = save_person(None, data, province)
    for _ in range(n):
        db.session.add(RehabEpisode(person_id=person.id, unit_id=commune.id, form=form,
                                    start_date=on, planned_end=on + timedelta(days=180)))
    db.session.flush()


def quotas_stored() -> dict[tuple[str, str], int]:
    return {(u.code, q.form): q.amount
            for q, u in db.session.execute(select(Quota, Unit).join(Unit, Unit.id == Quota.unit_id))}


def row(p, code: str):
    return next(r for r in p.children if r.unit.code == code)


@pytest.fixture
def seed(app, demo):
    """Run `fn` in its own app context and commit: page tests must not hold a context open."""
    def run(fn):
        with app.app_context():
            fn()
            db.session.commit()
    return run


@contextmanager
def statements():
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- The cell -----------------------------------------------------------------------------------

def test_a_cell_reads_achieved_over_quota_with_the_percentage():
    assert Cell(30, 36).label == "36/30 (120%)"
    assert Cell(30, 36).percent == 120


def test_a_cell_without_quota_says_so_and_has_no_percentage():
    cell = Cell(None, 5)
    assert cell.label == "5/—" and cell.percent is None and cell.status == "none"


def test_percentages_are_rounded_half_up():
    assert Cell(8, 1).percent == 13  # 12.5 %
    assert Cell(3, 2).percent == 67
    assert Cell(3, 1).percent == 33


@pytest.mark.parametrize("quota, achieved, status", [
    (30, 29, "under"), (30, 30, "met"), (30, 36, "over"), (0, 0, "met"), (0, 2, "over"),
    (None, 0, "none")])
def test_a_cell_is_under_met_or_over_its_quota(quota, achieved, status):
    assert Cell(quota, achieved).status == status


def test_large_figures_are_written_the_vietnamese_way():
    assert Cell(1000, 1280).label == "1.280/1.000 (128%)"


# --- Progress -----------------------------------------------------------------------------------

def test_a_district_has_achieved_the_sum_of_its_communes(demo, ctx):
    started("99101", "detox", date(YEAR, 3, 1), 2)
    started("99102", "detox", date(YEAR, 5, 1), 3)
    started("99104", "detox", date(YEAR, 7, 1), 1)
    started("99102", "community", date(YEAR, 7, 1), 4)
    started("99201", "detox", date(YEAR, 7, 1), 5)  # another district

    p = progress(account("huyen"), YEAR)
    assert [r.unit.code for r in p.children] == ["99101", "99102", "99103", "99104"]
    assert [r.cells["detox"].achieved for r in p.children] == [2, 3, 0, 1]
    assert p.own["detox"].achieved == 6 == p.totals["detox"].achieved
    assert p.own["community"].achieved == 4
    assert p.own["compulsory"].achieved == 0


def test_the_province_row_of_a_district_sums_all_its_communes(demo, ctx):
    for code, n in (("99101", 1), ("99102", 2), ("99103", 3), ("99104", 4), ("99201", 7)):
        started(code, "detox", date(YEAR, 6, 1), n)

    p = progress(account("tinh"), YEAR)
    assert [r.unit.code for r in p.children] == ["991", "992", "993"]
    assert row(p, "991").cells["detox"].achieved == 10
    assert row(p, "992").cells["detox"].achieved == 7
    assert row(p, "993").cells["detox"].achieved == 0
    assert p.own["detox"].achieved == 17
    assert p.own["detox"].quota is None  # nobody assigns the province a quota


def test_a_year_runs_from_1_january_to_31_december(demo, ctx):
    started("99101", "detox", date(YEAR - 1, 12, 31))
    started("99101", "detox", date(YEAR, 1, 1))
    started("99101", "detox", date(YEAR, 12, 31))
    started("99101", "detox", date(YEAR + 1, 1, 1))
    assert progress(account("xa"), YEAR).own["detox"].achieved == 2
    assert progress(account("xa"), YEAR - 1).own["detox"].achieved == 1
    assert progress(account("huyen"), YEAR + 1).own["detox"].achieved == 1


def test_progress_shows_quotas_assigned_by_the_parent(demo, ctx):
    set_quotas(account("tinh"), YEAR, {("991", "detox"): "30"})
    set_quotas(account("huyen"), YEAR, {("99101", "detox"): "20", ("99102", "detox"): "10"})
    started("99101", "detox", date(YEAR, 2, 1), 20)
    started("99102", "detox", date(YEAR, 2, 1), 16)

    district = progress(account("huyen"), YEAR)
    assert district.own["detox"].label == "36/30 (120%)"
    assert district.own["detox"].status == "over"
    assert row(district, "99101").cells["detox"].status == "met"
    assert row(district, "99102").cells["detox"].label == "16/10 (160%)"
    assert row(district, "99103").cells["detox"].status == "none"
    assert district.allocated["detox"] == 30 and district.totals["detox"].label == "36/30 (120%)"

    assert row(progress(account("tinh"), YEAR), "991").cells["detox"].label == "36/30 (120%)"
    commune = progress(account("xa"), YEAR)
    assert commune.children == [] and commune.own["detox"].label == "20/20 (100%)"


def test_progress_takes_a_fixed_number_of_statements_however_many_units(demo, ctx):
    started("99101", "detox", date(YEAR, 2, 1), 2)
    set_quotas(account("huyen"), YEAR, {("99101", "detox"): "3"})

    def measure() -> int:
        user = account("huyen")
        assert user.unit.path  # the signed-in user and unit are loaded before any view runs
        with statements() as seen:
            p = progress(user, YEAR)
            for r in [p.own, *(r.cells for r in p.children), p.totals]:
                [(c.label, c.status) for c in r.values()]
            [(r.unit.name, r.unit.code, r.unit.level, r.unit.valid_to) for r in p.children]
        return len(seen)

    few = measure()
    district = unit("991")
    for i in range(5, 25):
        code = f"991{i:02d}"
        add_unit(code, f"Xã {code}", "xa", district, valid_from=date(2020, 1, 1))
        db.session.flush()
        started(code, "detox", date(YEAR, 4, 1))
    many = measure()
    assert few == many <= 4


def test_a_merged_commune_still_shows_for_the_years_it_existed(demo, ctx):
    started("99103", "detox", date(YEAR, 2, 1))
    merge_unit(unit("99103"), unit("99102"), date(YEAR, 7, 1))
    db.session.flush()
    assert "99103" in [r.unit.code for r in progress(account("huyen"), YEAR).children]
    assert "99103" not in [r.unit.code for r in progress(account("huyen"), YEAR + 1).children]


# --- Setting quotas -----------------------------------------------------------------------------

def test_a_district_may_over_allocate_but_is_warned(demo, ctx):
    assert set_quotas(account("tinh"), YEAR, {("991", "detox"): "30"}) == []
    warnings = set_quotas(account("huyen"), YEAR,
                          {("99101", "detox"): "20", ("99102", "detox"): "15"})
    assert warnings == [DETOX_OVER]
    assert quotas_stored() == {("991", "detox"): 30, ("99101", "detox"): 20,
                               ("99102", "detox"): 15}
    assert progress(account("huyen"), YEAR).warnings == [DETOX_OVER]


def test_allocating_exactly_the_quota_gives_no_warning(demo, ctx):
    set_quotas(account("tinh"), YEAR, {("991", "detox"): "30"})
    assert set_quotas(account("huyen"), YEAR,
                      {("99101", "detox"): "20", ("99102", "detox"): "10"}) == []


def test_the_province_is_never_warned_it_has_no_quota_of_its_own(demo, ctx):
    assert set_quotas(account("tinh"), YEAR, {("991", "detox"): "300"}) == []


@pytest.mark.parametrize("typed", ["-1", "30.5", "abc", "1e3", "3 0", "+5", "٣"])
def test_only_whole_numbers_not_below_zero_are_accepted_and_nothing_is_written(
        demo, ctx, typed):
    with pytest.raises(QuotaError) as refused:
        set_quotas(account("huyen"), YEAR, {("99101", "detox"): "12",
                                            ("99102", "detox"): typed})
    assert refused.value.cells == {("99102", "detox"): AMOUNT_MESSAGE}
    db.session.rollback()
    assert quotas_stored() == {}


def test_several_bad_cells_are_all_reported_at_once(demo, ctx):
    with pytest.raises(QuotaError) as refused:
        set_quotas(account("huyen"), YEAR, {("99101", "detox"): "-1",
                                            ("99102", "home"): "30.5",
                                            ("99103", "facility"): "4"})
    assert set(refused.value.cells) == {("99101", "detox"), ("99102", "home")}


def test_an_empty_cell_removes_the_quota_and_the_removal_is_recorded(demo, ctx):
    set_quotas(account("huyen"), YEAR, {("99101", "detox"): " 12 ", ("99102", "detox"): "0"})
    assert quotas_stored() == {("99101", "detox"): 12, ("99102", "detox"): 0}
    set_quotas(account("huyen"), YEAR, {("99101", "detox"): "", ("99102", "detox"): "0",
                                        ("99103", "detox"): ""})
    assert quotas_stored() == {("99102", "detox"): 0}
    actions = [a for a, in db.session.execute(
        select(AuditEvent.action).where(AuditEvent.object_type == "Quota").order_by(AuditEvent.id))]
    assert actions == ["create", "create", "delete"]
    removal = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delete"))
    assert removal.changes["amount"] == [12, None]


def test_changing_a_quota_is_recorded_with_before_and_after(demo, ctx):
    set_quotas(account("huyen"), YEAR, {("99101", "detox"): "12"})
    set_quotas(account("huyen"), YEAR, {("99101", "detox"): "15"})
    change = db.session.scalar(select(AuditEvent).where(
        AuditEvent.object_type == "Quota", AuditEvent.action == "update"))
    assert change.changes == {"amount": [12, 15]}


@pytest.mark.parametrize("code", ["99201", "991", "99", "992"])
def test_a_district_sets_quotas_only_for_its_own_communes(demo, ctx, code):
    with pytest.raises(QuotaError):
        set_quotas(account("huyen"), YEAR, {("99101", "detox"): "5", (code, "detox"): "5"})
    db.session.rollback()
    assert quotas_stored() == {}


def test_the_province_sets_quotas_for_districts_not_for_communes(demo, ctx):
    with pytest.raises(QuotaError):
        set_quotas(account("tinh"), YEAR, {("99101", "detox"): "5"})


def test_a_commune_cannot_set_quotas(demo, ctx):
    with pytest.raises(QuotaError):
        set_quotas(account("xa"), YEAR, {("99101", "detox"): "5"})


def test_an_unknown_form_is_refused(demo, ctx):
    with pytest.raises(QuotaError):
        set_quotas(account("huyen"), YEAR, {("99101", "methadone"): "5"})


@pytest.mark.parametrize("year", [1999, today_local().year + 2])
def test_quotas_are_set_from_2000_to_next_year(demo, ctx, year):
    with pytest.raises(QuotaError):
        set_quotas(account("huyen"), year, {("99101", "detox"): "5"})
    assert set_quotas(account("huyen"), today_local().year + 1, {("99101", "detox"): "5"}) == []


def test_a_merged_commune_gets_no_quota_for_the_years_after_it_was_merged(demo, ctx):
    merge_unit(unit("99103"), unit("99102"), date(YEAR, 1, 1))
    db.session.flush()
    with pytest.raises(QuotaError):
        set_quotas(account("huyen"), YEAR, {("99103", "detox"): "5"})


# --- Communes with nothing achieved -------------------------------------------------------------

def test_units_without_progress_lists_communes_where_nobody_started_the_form(demo, ctx):
    started("99101", "detox", date(YEAR, 12, 30))
    started("99201", "detox", date(YEAR, 1, 1))
    started("99102", "community", date(YEAR, 6, 1))  # another form
    started("99103", "detox", date(YEAR - 1, 12, 31))  # another year
    merge_unit(unit("99303"), unit("99302"), date(YEAR, 6, 1))
    db.session.flush()

    district = units_without_progress(account("huyen"), YEAR, "detox")
    assert [u.code for u in district] == ["99102", "99103", "99104"]
    province = units_without_progress(account("tinh"), YEAR, "detox")
    assert [u.code for u in province] == ["99102", "99103", "99104", "99202", "99203",
                                          "99301", "99302"]
    assert [u.code for u in units_without_progress(account("huyen"), YEAR, "community")] == [
        "99101", "99103", "99104"]


# --- Pages --------------------------------------------------------------------------------------

def test_the_district_page_shows_each_commune_with_its_progress(seed, login_as):
    def data():
        set_quotas(account("tinh"), YEAR, {("991", "detox"): "30"})
        set_quotas(account("huyen"), YEAR, {("99101", "detox"): "20"})
        started("99101", "detox", date(YEAR, 2, 1), 36)
    seed(data)
    page = login_as("huyen").get(f"/plans/quotas?year={YEAR}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<span class="progress over">36/30 (120%)</span>' in body
    assert '<span class="progress over">36/20 (180%)</span>' in body
    assert "Xã Phiêng Cằm" in body and "Xã Mường Chiến" not in body
    assert 'name="q-99101-detox"' in body and 'value="20"' in body
    assert "01/01/2024" in body and "31/12/2024" in body


def test_the_province_page_rolls_communes_up_into_districts(seed, login_as):
    seed(lambda: started("99104", "compulsory", date(YEAR, 2, 1), 3))
    body = login_as("tinh").get(f"/plans/quotas?year={YEAR}").get_data(as_text=True)
    assert "Huyện Tân Lập" in body and 'name="q-991-compulsory"' in body
    assert '<span class="progress none" title="Chưa giao chỉ tiêu">3/—</span>' in body
    drill = login_as("tinh").get(f"/plans/quotas?year={YEAR}&unit=991")
    assert drill.status_code == 200 and 'name="q-' not in drill.get_data(as_text=True)


def test_a_district_cannot_look_into_another_district(demo, login_as):
    assert login_as("huyen").get(f"/plans/quotas?year={YEAR}&unit=992").status_code == 404


def test_a_commune_sees_its_own_quota_read_only_and_cannot_save(seed, login_as):
    seed(lambda: set_quotas(account("huyen"), YEAR, {("99101", "detox"): "8"}))
    client = login_as("xa")
    body = client.get(f"/plans/quotas?year={YEAR}").get_data(as_text=True)
    assert "0/8 (0%)" in body and 'name="q-' not in body and "Lưu chỉ tiêu" not in body
    assert client.post(f"/plans/quotas?year={YEAR}",
                       data={"q-99101-detox": "50"}).status_code == 403


def test_saving_quotas_redirects_with_saved_and_the_over_allocation_warning(
        app, seed, login_as):
    seed(lambda: set_quotas(account("tinh"), YEAR, {("991", "detox"): "30"}))
    client = login_as("huyen")
    response = client.post(f"/plans/quotas?year={YEAR}",
                           data={"q-99101-detox": "20", "q-99102-detox": "15"})
    assert response.status_code == 303
    assert response.location.endswith(f"/plans/quotas?year={YEAR}")
    body = client.get(response.location).get_data(as_text=True)
    assert '<p class="flash success" role="status">Đã lưu.</p>' in body
    assert f'<p class="flash warning" role="status">{DETOX_OVER}</p>' in body
    with app.app_context():
        assert quotas_stored()[("99102", "detox")] == 15


def test_a_bad_cell_shows_its_message_beside_it_and_nothing_is_saved(app, demo, login_as):
    response = login_as("huyen").post(f"/plans/quotas?year={YEAR}", data={
        "q-99101-detox": "12", "q-99102-detox": "30.5", "q-99103-home": "abc"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count(AMOUNT_MESSAGE) == 2
    assert 'id="q-99102-detox-error"' in body and 'value="30.5"' in body
    with app.app_context():
        assert quotas_stored() == {}


def test_a_district_posting_for_another_districts_commune_is_refused(app, demo, login_as):
    response = login_as("huyen").post(f"/plans/quotas?year={YEAR}",
                                      data={"q-99101-detox": "5", "q-99201-detox": "5"})
    assert response.status_code == 422
    assert "Chỉ được giao chỉ tiêu cho các đơn vị trực thuộc Huyện Tân Lập." in \
        response.get_data(as_text=True)
    with app.app_context():
        assert quotas_stored() == {}


@pytest.mark.parametrize("year", ["abc", "1999", "99999"])
def test_a_bad_year_is_explained_and_the_current_year_shown(demo, login_as, year):
    response = login_as("huyen").get(f"/plans/quotas?year={year}")
    body = response.get_data(as_text=True)
    current = today_local().year
    assert response.status_code == 200
    assert "không hợp lệ" in body and f"Chỉ tiêu cai nghiện năm {current}" in body


def test_the_missing_page_lists_communes_with_nobody_in_detox(seed, login_as):
    seed(lambda: started("99101", "detox", date(YEAR, 5, 5)))
    body = login_as("huyen").get(f"/plans/quotas/missing?year={YEAR}&form=detox") \
        .get_data(as_text=True)
    assert "Xã Mường Lạn" in body and "Thị trấn Tân Lập" in body and "Xã Tân Hòa" not in body
    assert "Xã Mường Chiến" not in body
    assert "31/12/2024" in body


def test_only_province_and_district_officers_open_the_missing_page(demo, login_as):
    assert login_as("xa").get("/plans/quotas/missing").status_code == 403
    assert login_as("tinh").get("/plans/quotas/missing?form=khac").status_code == 200


def test_nobody_but_officers_opens_the_quota_page(demo, login_as):
    assert login_as("admin").get("/plans/quotas").status_code == 403


def test_a_voided_episode_no_longer_counts_toward_the_quota(demo, ctx):
    started("99101", "home", date(YEAR, 3, 1), 2)
    wrong = db.session.scalars(select(RehabEpisode)).first()
    wrong.voided_at, wrong.void_reason = datetime.now(), "Ghi nhầm"
    db.session.flush()
    p = progress(account("huyen"), YEAR)
    assert [r.cells["home"].achieved for r in p.children][0] == 1
    assert p.own["home"].achieved == 1
    assert [u.code for u in units_without_progress(account("huyen"), YEAR, "home")] == [
        "99102", "99103", "99104"]
