"""The dated setting `issuing_agency` edited on the settings page: rows beside their messages
(overlapping periods for one province, malformed dates, an unknown agency or province), nothing
saved unless every row is right; a saved row changes the agency a report is headed with."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from webapp import official, settings
from webapp.extensions import db
from webapp.settings.models import Setting
from webapp.units.models import Unit

URL = "/admin/settings/"


def rows(*entries):
    """The page's fields for these rows (from, to, province, value)."""
    form = {}
    for i, (start, end, province, value) in enumerate(entries):
        form |= {f"issuing_agency-{i}-from": start, f"issuing_agency-{i}-to": end,
                 f"issuing_agency-{i}-province": province, f"issuing_agency-{i}-value": value}
    return form


def stored(app):
    with app.app_context():
        row = db.session.scalar(select(Setting).where(Setting.key == "issuing_agency"))
        return row.value if row else None


DEFAULT_ROWS = [("", "01/03/2025", "", "labour"), ("01/03/2025", "", "", "police")]


def test_the_agency_rows_are_shown_and_a_province_row_is_saved(app, login_as):
    client = login_as("admin")
    page = client.get(URL).get_data(as_text=True)
    assert 'name="issuing_agency-0-to" value="01/03/2025"' in page
    response = client.post(URL, data=rows(*DEFAULT_ROWS, ("01/01/2026", "", "99", "committee")))
    assert response.status_code == 303
    assert stored(app)[-1] == {"from": "2026-01-01", "to": None, "province": "99",
                               "value": "committee"}
    with app.app_context():
        commune = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        assert official.agency_on(commune, date(2026, 2, 1)) == "committee"
        assert official.agency_on(commune, date(2025, 12, 31)) == "police"
        assert official.agency_on(commune, date(2022, 6, 30)) == "labour"


def test_overlapping_periods_for_one_province_are_refused_beside_both_rows(app, login_as):
    client = login_as("admin")
    response = client.post(URL, data=rows(*DEFAULT_ROWS, ("01/01/2026", "", "99", "committee"),
                                          ("01/06/2026", "", "99", "labour")))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="issuing_agency-2-error"' in page and 'id="issuing_agency-3-error"' in page
    assert "Trùng thời gian với dòng 4" in page
    assert stored(app) is None  # nothing saved


def test_the_same_period_for_another_province_is_not_an_overlap(app, login_as):
    client = login_as("admin")
    response = client.post(URL, data=rows(*DEFAULT_ROWS, ("01/01/2026", "", "99", "committee"),
                                          ("01/01/2026", "", "", "police")))
    assert response.status_code == 422  # but the general rows overlap each other now
    assert "mọi tỉnh" in response.get_data(as_text=True)


def test_malformed_dates_an_unknown_agency_or_province_are_refused(app, login_as):
    client = login_as("admin")
    response = client.post(URL, data=rows(("31/02/2025", "", "", "police"),
                                          ("01/03/2025", "01/01/2025", "", "police"),
                                          ("", "", "12", "police"),
                                          ("01/01/2030", "", "", "ministry")))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for i in range(4):
        assert f'id="issuing_agency-{i}-error"' in page, i
    assert "phải sau" in page and "Không có tỉnh mã “12”" in page
    assert "Vui lòng chọn cơ quan ban hành" in page
    assert stored(app) is None
    with app.app_context():
        assert settings.get("issuing_agency") == settings.DEFAULTS["issuing_agency"]


def test_only_the_administrator_edits_the_agency(login_as):
    assert login_as("tinh").post(URL, data=rows(*DEFAULT_ROWS)).status_code == 403
