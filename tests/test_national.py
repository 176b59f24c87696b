"""The national tier: the ministry (C04) above the provinces follows the provinces' reports,
sums their approved figures and sees the country's statistics, scoped like a province one
level up; nothing of it leaks downwards."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy import text as sql

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services as registry
from webapp.registry.vocab import EventKind
from webapp.reports import services
from webapp.reports.figures import as_values
from webapp.units.models import Unit

PERIOD, YEAR, MONTH = "2025-10", 2025, 10
NATIONAL_REVISION = "f2b8d6a4c1e9"  # migrations/versions/…_national_root_above_the_provinces


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def addict(app, demo):
    """One person of xa's commune, determined addicted in October 2025."""
    with app.app_context():
        user = db.session.get(User, demo["users"]["xa"])
        data = {"full_name": "Lò Văn Pọm", "sex": "M", "birth_year": 1990, "unit": unit("99101"),
                "ethnicity": "01", "occupation_group": "agri", "main_drug": "heroin"}
        assert registry.validate_person(data, user) == {}
        person = registry.save_person(None, data, user)
        event = {"event_date": date(2025, 10, 5), "addicted": True,
                 "facility": "Trung tâm Y tế huyện"}
        assert registry.validate_event(person, EventKind.DETERMINATION, event) == {}
        registry.add_event(person, EventKind.DETERMINATION, event, user)
        db.session.commit()


def version(app, code: str) -> int:
    with app.app_context():
        return services.submission_for(unit(code), YEAR, MONTH).version


def status(app, code: str) -> str | None:
    with app.app_context():
        sub = services.submission_for(unit(code), YEAR, MONTH)
        return sub.status if sub else None


def send(login_as, code: str, officer: str):
    return login_as(officer).post(f"/reports/{PERIOD}/{code}/submit", data={
        "confirmed": "1", "work_done": "Đã rà soát địa bàn.",
        "warning_comment": "Các đơn vị còn lại chưa có báo cáo được duyệt."})


def decide(app, login_as, code: str, reviewer: str, action: str = "approve"):
    return login_as(reviewer).post(f"/reports/{PERIOD}/{code}/{action}", data={
        "confirmed": "1", "version": version(app, code), "comment": "Đề nghị bổ sung."})


def up_to_the_ministry(app, login_as):
    """99101 → Huyện Tân Lập → Tỉnh Mai Sơn, each approved by its parent; then the province
    sends to the ministry."""
    for code, officer, reviewer in (("99101", "xa", "huyen"), ("991", "huyen", "tinh")):
        assert send(login_as, code, officer).status_code == 303
        assert decide(app, login_as, code, reviewer).status_code == 303
        assert status(app, code) == "approved"
    assert send(login_as, "99", "tinh").status_code == 303
    assert status(app, "99") == "submitted"


def test_the_ministry_follows_the_provinces_reports_only(app, login_as, addict):
    client = login_as("trunguong")
    page = text(client.get(f"/reports/{PERIOD}/"))
    assert "Tỉnh Mai Sơn" in page
    assert "Huyện Tân Lập" not in page and "Xã Tân Hòa" not in page  # each province's own
    assert client.get(f"/reports/{PERIOD}/?view=year").status_code == 200
    # The province's own completeness page still lists its districts and communes.
    page = text(login_as("tinh").get(f"/reports/{PERIOD}/"))
    assert "Huyện Tân Lập" in page and "Xã Tân Hòa" in page


def test_only_the_ministry_approves_or_returns_a_province_report(app, login_as, addict):
    up_to_the_ministry(app, login_as)
    for other in ("tinh", "huyen", "xa"):
        decide(app, login_as, "99", other)
        assert status(app, "99") == "submitted", other
    assert decide(app, login_as, "99", "trunguong", "return").status_code == 303
    assert status(app, "99") == "returned"
    assert send(login_as, "99", "tinh").status_code == 303
    assert decide(app, login_as, "99", "trunguong").status_code == 303
    assert status(app, "99") == "approved"


def test_the_national_aggregate_is_the_sum_of_the_approved_province_reports(app, login_as,
                                                                          addict):
    up_to_the_ministry(app, login_as)
    client = login_as("trunguong")
    assert "Tỉnh Mai Sơn" in text(client.get(f"/reports/{PERIOD}/C04"))
    with app.app_context():
        assert services.aggregate(unit("C04"), YEAR, MONTH).included == []  # not approved yet
    assert decide(app, login_as, "99", "trunguong").status_code == 303
    with app.app_context():
        national = services.aggregate(unit("C04"), YEAR, MONTH)
        assert national.included == ["99"]
        province = as_values(services.submission_for(unit("99"), YEAR, MONTH).snapshot)
        live, _ = services.live_rows(unit("C04"), YEAR, MONTH)
        assert as_values(live)["addicts.total"] == province["addicts.total"] == 1
    book = client.get(f"/reports/{PERIOD}/C04.xlsx")
    assert book.status_code == 200
    top = {str(c.value) for row in load_workbook(BytesIO(book.data)).active.iter_rows(max_row=4)
           for c in row if c.value}
    assert {"BỘ CÔNG AN", "CỤC CẢNH SÁT ĐIỀU TRA TỘI PHẠM VỀ MA TÚY"} <= top
    assert any(t.startswith("Hà Nội, ngày") for t in top)
    printed = text(client.get(f"/reports/{PERIOD}/C04/print"))
    assert "BỘ CÔNG AN" in printed and "CỤC CẢNH SÁT ĐIỀU TRA TỘI PHẠM VỀ MA TÚY" in printed
    # The province's own documents are issued by its police, the ministry only above it.
    printed = text(login_as("tinh").get(f"/reports/{PERIOD}/99/print"))
    assert "CÔNG AN TỈNH MAI SƠN" in printed and "CỤC CẢNH SÁT" not in printed


def test_the_ministry_sees_the_countrys_statistics_and_registry(app, login_as, addict):
    client = login_as("trunguong")
    page = text(client.get("/stats/?from=2025&to=2025"))
    assert "Bộ Công an" in page
    assert client.get("/stats/?unit=99&from=2025&to=2025").status_code == 200
    assert "Lò Văn Pọm" in text(client.get("/persons/"))
    assert client.get("/plans/quotas").status_code == 200
    # Nothing of the ministry is visible from below.
    tinh = login_as("tinh")
    assert tinh.get("/units/C04").status_code == 404
    assert tinh.get(f"/reports/{PERIOD}/C04").status_code == 404
    assert "Bộ Công an" not in text(tinh.get("/stats/?unit=C04"))


def test_a_national_account_sits_at_the_national_unit(app, ctx, demo):
    from webapp.admin.services import role_unit_error

    assert role_unit_error("national", unit("C04")) is None
    assert "trung ương" in role_unit_error("national", unit("99"))
    assert role_unit_error("province", unit("C04")) is not None


def test_the_migration_puts_existing_provinces_under_the_ministry_and_back(app, ctx):
    """Downgrade to before the national tier, load a province the old way, upgrade again."""
    from alembic.script import ScriptDirectory
    from flask import current_app
    from flask_migrate import downgrade, upgrade

    config = current_app.extensions["migrate"].migrate.get_config()
    before = ScriptDirectory.from_config(config).get_revision(NATIONAL_REVISION).down_revision
    downgrade(revision=before)
    try:
        # The schema of that revision: columns added later are not there yet.
        for code, name, kind, level, parent, path in (
                ("99", "Tỉnh Mai Sơn", "tinh", "province", None, "/99/"),
                ("991", "Huyện Tân Lập", "huyen", "district", "99", "/99/991/"),
                ("99101", "Xã Tân Hòa", "xa", "commune", "991", "/99/991/99101/")):
            db.session.execute(sql(
                "INSERT INTO units (code, name, kind, level, parent_id, path) VALUES "
                "(:code, :name, :kind, :level, (SELECT id FROM units WHERE code = :parent), "
                ":path)"), {"code": code, "name": name, "kind": kind, "level": level,
                            "parent": parent, "path": path})
        db.session.commit()
        upgrade()
        db.session.expire_all()
        assert unit("C04").level == "national"
        assert unit("99").parent_id == unit("C04").id
        assert unit("99101").path == "/C04/99/991/99101/"
        # End the reading transaction: on PostgreSQL a later migration's DROP TABLE would wait
        # for its locks for ever.
        db.session.rollback()
        downgrade(revision=before)
        db.session.expire_all()
        rows = dict(db.session.execute(sql("SELECT code, path FROM units")).all())
        assert rows == {"99": "/99/", "991": "/99/991/", "99101": "/99/991/99101/"}
        assert db.session.scalar(sql("SELECT parent_id FROM units WHERE code = '99'")) is None
    finally:
        db.session.rollback()
        upgrade()
