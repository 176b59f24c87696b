"""Importing persons from Excel as officers do it: template → filled file → preview → confirm,
re-importing, scope, confirmation rules and the chunked checking of large files."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from xlsx_files import (HX, counts, fill_template, header_row, job_id_of, open_xlsx,
                        person_row, upload, upload_and_check, xlsx)

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.imports import reader, services
from webapp.imports.columns import COLUMNS
from webapp.imports.models import ImportJob
from webapp.registry import services as registry
from webapp.registry.models import Person, PersonEvent
from webapp.timeutil import today_local
from webapp.units.models import Unit

TODAY = today_local()
DETERMINED = TODAY - timedelta(days=40)
MANAGED = TODAY - timedelta(days=20)


def persons(app) -> list[Person]:
    with app.app_context():
        found = list(db.session.scalars(select(Person).order_by(Person.id)))
        for p in found:
            db.session.expunge(p)
        return found


def person_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Person.id)))


def job(app, job_id) -> ImportJob:
    with app.app_context():
        found = db.session.get(ImportJob, job_id)
        db.session.expunge(found)
        return found


def confirm(client, job_id):
    return client.post(f"/imports/{job_id}/confirm")


def register(app, demo, code="99101", username="xa", **fields) -> int:
    with app.app_context():
        user = db.session.get(User, demo["users"][username])
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        data = {"full_name": "Lò Văn Pọm", "sex": "M", "birth_year": 1990, "unit": unit, **fields}
        assert registry.validate_person(data, user) == {}
        person = registry.save_person(None, data, user)
        db.session.commit()
        return person.id


# --- The template -----------------------------------------------------------------------------

def test_the_template_has_the_contract_columns_and_a_guide_sheet(login_as):
    client = login_as("huyen")
    response = client.get("/imports/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = open_xlsx(response.data)
    assert book.sheetnames[:2] == ["Danh sách", "Hướng dẫn"]
    header = header_row(book["Danh sách"])
    assert [c.value for c in header[1] if c.value] == [c.header for c in COLUMNS]
    assert header[0] <= 10
    guide = "\n".join(str(c.value) for row in book["Hướng dẫn"].iter_rows() for c in row if c.value)
    for column in COLUMNS:
        assert column.header in guide
    for allowed in ("Nam / Nữ", "Nghiện / Sử dụng trái phép / Nghi nghiện", "Thái", "Hmông",
                    "Heroin / Ma túy tổng hợp / Cần sa / Khác"):
        assert allowed in guide
    # The communes of the district, not of another district.
    assert "99101" in guide and "Xã Mường Lạn" in guide and "99201" not in guide


# --- Round trip -------------------------------------------------------------------------------

INPUT = [
    # full_name, birth, sex, id, ethnicity, occupation, group, code, address, status,
    # determined, drug, managed, notes
    ["Nguyễn Văn An", datetime(1990, 3, 7), "Nam", "001090001234", "Kinh", "Làm ruộng",
     "Nông nghiệp", "99101", "Thôn Tân Hòa 1", "Nghiện",
     datetime.combine(DETERMINED, datetime.min.time()), "Heroin", None, "Có tiền án"],
    ["Lò Thị Ánh", 1995, "Nữ", None, "Thái", "Lao động tự do", "Phi nông nghiệp", "99101",
     "Bản Mé", "Sử dụng trái phép", None, "Ma túy tổng hợp", MANAGED.strftime("%d/%m/%Y"), None],
    ["Quàng Văn Ún", "12/11/1988", "Nam", "014088000777", "Thái", None, None, "99101", None,
     "Nghi nghiện", None, "Cần sa", None, None],
]


def _expected(values) -> list:
    out = []
    for value in values:
        if isinstance(value, datetime):
            value = value.date()
        elif isinstance(value, str) and re.fullmatch(r"\d\d/\d\d/\d{4}", value):
            value = datetime.strptime(value, "%d/%m/%Y").date()
        elif isinstance(value, str) and value.isdigit() and len(value) == 4:
            value = int(value)
        out.append(value)
    return out


def test_round_trip_template_filled_preview_confirm_and_export_equals_input(app, login_as):
    client = login_as("xa")
    job_id, page = upload_and_check(client, fill_template(client, INPUT), "mau-da-dien.xlsx")
    assert counts(page) == (3, 0, 0)
    assert "Xác nhận nhập 3 người" in page
    assert "tình trạng “Sử dụng trái phép”" in page  # the missing decision number is said
    assert person_count(app) == 0  # nothing written before the confirmation

    response = confirm(client, job_id)
    assert response.status_code == 303
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Đã nhập 3 người vào danh sách quản lý." in page
    assert 'id="import-confirmed"' in page

    by_name = {p.full_name: p for p in persons(app)}
    assert set(by_name) == {"Nguyễn Văn An", "Lò Thị Ánh", "Quàng Văn Ún"}
    an, anh, un = by_name["Nguyễn Văn An"], by_name["Lò Thị Ánh"], by_name["Quàng Văn Ún"]
    assert (an.birth_date, an.birth_year, an.sex, an.id_number, an.ethnicity, an.state) == (
        date(1990, 3, 7), 1990, "M", "001090001234", "01", "addict")
    assert (anh.birth_date, anh.birth_year, anh.sex, anh.state, anh.main_drug) == (
        None, 1995, "F", "user", "synthetic")
    assert (un.birth_date, un.state, un.main_drug, un.occupation) == (
        date(1988, 11, 12), "suspected", "cannabis", None)
    with app.app_context():
        events = {(e.person_id, e.kind, e.event_date, e.doc_number, e.facility)
                  for e in db.session.scalars(select(PersonEvent))}
    assert events == {(an.id, "determination", DETERMINED, None, services.PLACEHOLDER),
                      (anh.id, "management", MANAGED, services.PLACEHOLDER, None)}

    exported = client.get("/persons/export.xlsx")
    if exported.status_code == 404:
        pytest.skip("the registry export is not there yet; the database was compared")
    assert exported.status_code == 200
    ws = open_xlsx(exported.data).worksheets[0]
    line, header = header_row(ws)
    assert [c.value for c in header[:14]] == [c.header for c in COLUMNS]
    rows = {}
    for row in ws.iter_rows(min_row=line + 1, values_only=True):
        if row[0] and row[2]:
            rows[row[0]] = [v.date() if isinstance(v, datetime) else v for v in row[:14]]
    expected = {values[0]: _expected(values) for values in INPUT}
    # A suspected person typed without the date on the lists entered them on the import's day.
    expected["Quàng Văn Ún"][12] = today_local()
    assert rows == expected

    # The export is itself importable: everyone is already registered.
    again, page = upload_and_check(client, exported.data, "xuat.xlsx")
    assert counts(page) == (0, 3, 0)
    assert person_count(app) == 3


def test_reimporting_the_same_file_adds_nobody_twice(app, login_as):
    client = login_as("xa")
    data = xlsx([person_row(full_name="Lò Văn Pọm"), person_row(full_name="Cà Văn Inh",
                                                                id_number="014090000001")])
    first, _ = upload_and_check(client, data)
    confirm(client, first)
    assert person_count(app) == 2

    second, page = upload_and_check(client, data)
    assert counts(page) == (0, 2, 0)
    assert "Bạn đã nhập tệp này lúc" in page
    assert "Trùng số định danh" in page and "Trùng họ tên, ngày sinh, xã" in page
    assert "Xác nhận nhập" not in page
    response = confirm(client, second)
    assert response.status_code == 303
    assert person_count(app) == 2


def test_a_job_is_confirmed_once(app, login_as):
    client = login_as("xa")
    job_id, _ = upload_and_check(client, xlsx([person_row()]))
    assert confirm(client, job_id).status_code == 303
    assert confirm(client, job_id).status_code == 303
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "đã được nhập lúc" in page and "không nhập lại lần nữa" in page
    assert person_count(app) == 1


def test_a_preview_with_bad_rows_cannot_be_confirmed(app, login_as):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([person_row(), person_row(
        full_name="Cà Văn Inh", birth="31/02/2021")]))
    assert counts(page) == (1, 0, 1)
    assert "Xác nhận nhập" not in page
    confirm(client, job_id)
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Còn 1 dòng có lỗi" in page
    assert person_count(app) == 0


def test_the_confirmation_checks_again_and_refuses_when_the_registry_changed(app, demo, login_as):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([
        person_row(full_name="Cà Văn Inh", id_number="014090000001"), person_row()]))
    assert counts(page) == (2, 0, 0)
    register(app, demo, full_name="Cà Văn Inh", id_number="014090000001")  # meanwhile

    confirm(client, job_id)
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Danh sách đối tượng đã thay đổi kể từ khi kiểm tra tệp" in page
    assert counts(page) == (1, 1, 0)
    assert person_count(app) == 1  # only the one registered meanwhile
    confirm(client, job_id)  # the new preview can be confirmed
    assert person_count(app) == 2


def test_a_confirmation_nothing_changed_for_keeps_no_clean_data(app, login_as):
    # The unchanged rows are the preview's own results, written without their clean data.
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([
        person_row(full_name="Cà Văn Inh"), person_row(full_name="Lò Văn Ún")]))
    assert "write" in str(job(app, job_id).results)  # kept for the confirmation
    confirm(client, job_id)
    assert person_count(app) == 2
    saved = job(app, job_id)
    assert saved.status == "confirmed"
    assert "write" not in str(saved.results)
    assert [r["status"] for r in saved.results] == ["create", "create"]
    assert all(r.get("person_id") for r in saved.results)


def test_the_confirmation_asks_the_registry_again_without_parsing_the_cells(
        app, demo, login_as, monkeypatch):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([
        person_row(full_name="Cà Văn Inh"), person_row(full_name="Lò Văn Ún"), person_row()]))
    assert counts(page) == (3, 0, 0)
    register(app, demo, full_name="Cà Văn Inh")  # meanwhile, same name, year and commune

    def parsed_again(*args):
        raise AssertionError("the confirmation parsed the cells again")

    monkeypatch.setattr(services, "_parse", parsed_again)
    confirm(client, job_id)
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Danh sách đối tượng đã thay đổi kể từ khi kiểm tra tệp" in page
    assert counts(page) == (2, 1, 0)
    confirm(client, job_id)
    assert sorted(p.full_name for p in persons(app)) == [
        "Cà Văn Inh", "Lò Văn Pọm", "Lò Văn Ún"]
    assert "write" not in str(job(app, job_id).results)  # the clean data is not kept


def test_the_confirmation_refuses_a_commune_merged_since_the_preview(app, login_as):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([person_row()]))
    assert counts(page) == (1, 0, 0)
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        unit.valid_to = TODAY
        db.session.commit()
    confirm(client, job_id)
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Danh sách đối tượng đã thay đổi kể từ khi kiểm tra tệp" in page
    assert counts(page) == (0, 0, 1)
    assert "Xã Tân Hòa đã sáp nhập; vui lòng chọn đơn vị mới." in page
    assert person_count(app) == 0


def test_a_preview_checked_before_its_clean_data_was_kept_is_checked_again_in_full(
        app, demo, login_as):
    client = login_as("xa")
    data = xlsx([person_row(id_number="014090000001"), person_row(full_name="Cà Văn Inh")])
    job_id, _ = upload_and_check(client, data)
    with app.app_context():
        saved = db.session.get(ImportJob, job_id)
        assert saved.rows is None  # checked: the cells are not kept
        # As such a preview was saved: without the clean data, with the cells.
        saved.results = [{k: v for k, v in r.items() if k != "write"} for r in saved.results]
        saved.rows = reader.read(data).rows
        db.session.commit()
    register(app, demo, full_name="Lò Văn Pọm", id_number="014090000001")
    confirm(client, job_id)
    assert counts(client.get(f"/imports/{job_id}").get_data(as_text=True)) == (1, 1, 0)
    confirm(client, job_id)
    assert person_count(app) == 2


def test_the_confirmation_writes_every_row_or_none(app, login_as, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    client = login_as("xa")
    job_id, _ = upload_and_check(client, xlsx([person_row(full_name=f"Lò Văn Pọm {n}")
                                               for n in "ABC"]))
    from webapp.ops import bulk

    calls = []
    real = bulk.Writer.insert

    def failing_after_the_persons(writer, table, rows, with_ids=False):
        # The three persons are handed over (in one statement), then the write fails.
        real(writer, table, rows, with_ids)
        calls.append((table.name, len(rows)))
        raise IntegrityError("INSERT", {}, Exception("duplicate"))

    monkeypatch.setattr(bulk.Writer, "insert", failing_after_the_persons)
    response = confirm(client, job_id)
    assert response.status_code == 303
    assert calls == [("persons", 3)]
    assert person_count(app) == 0
    assert job(app, job_id).status == "ready"
    monkeypatch.setattr(bulk.Writer, "insert", real)
    confirm(client, job_id)
    assert person_count(app) == 3


def test_the_import_is_recorded_in_the_audit_log(app, demo, login_as):
    client = login_as("xa")
    job_id, _ = upload_and_check(client, xlsx([person_row(), person_row(full_name="Cà Văn Inh")]))
    confirm(client, job_id)
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
        assert (entry.object_type, entry.object_id, entry.user_id) == (
            "ImportJob", job_id, demo["users"]["xa"])
        assert entry.changes["created"] == 2 and entry.changes["skipped"] == 0
        created = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.object_type == "Person", AuditEvent.action == "create"))
        assert created == 2


def test_statuses_become_the_timeline_the_registry_derives_the_state_from(app, login_as):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([
        person_row(full_name="Lò Văn Một", status="Nghiện",
                   determination_date=DETERMINED.strftime("%d/%m/%Y"),
                   management_date=(DETERMINED - timedelta(days=100)).strftime("%d/%m/%Y")),
        person_row(full_name="Lò Văn Hai", status="sử dụng trái phép",
                   management_date=MANAGED.strftime("%d/%m/%Y")),
        person_row(full_name="Lò Văn Ba", status="NGHI NGHIỆN"),
    ]))
    assert counts(page) == (3, 0, 0)
    confirm(client, job_id)
    states = {p.full_name: (p.state, p.management_until) for p in persons(app)}
    assert states["Lò Văn Một"] == ("addict", None)
    assert states["Lò Văn Hai"][0] == "user" and states["Lò Văn Hai"][1] > MANAGED
    assert states["Lò Văn Ba"] == ("suspected", None)


# --- Scope ------------------------------------------------------------------------------------

def test_a_commune_officer_imports_only_into_their_own_commune(app, login_as):
    client = login_as("xa")
    _, page = upload_and_check(client, xlsx([
        person_row(full_name="Lò Văn Một", unit_code="99101"),
        person_row(full_name="Lò Văn Hai", unit_code=None),  # empty: the officer's commune
        person_row(full_name="Lò Văn Ba", unit_code="99102"),
    ]))
    assert counts(page) == (2, 0, 1)
    assert "Xã Mường Lạn (mã 99102) không thuộc phạm vi của bạn." in page


def test_a_district_officer_imports_into_any_commune_of_the_district(app, login_as):
    client = login_as("huyen")
    job_id, page = upload_and_check(client, xlsx([
        person_row(full_name="Lò Văn Một", unit_code="99101"),
        person_row(full_name="Lò Văn Hai", unit_code=99104),  # typed as a number
        person_row(full_name="Lò Văn Ba", unit_code="99201"),
        person_row(full_name="Lò Văn Bốn", unit_code="991"),
        person_row(full_name="Lò Văn Năm", unit_code="12345"),
        person_row(full_name="Lò Văn Sáu", unit_code=None),
    ]))
    assert counts(page) == (2, 0, 4)
    assert "Xã Mường Chiến (mã 99201) không thuộc phạm vi của bạn." in page
    assert "Mã “991” là của Huyện Tân Lập, không phải mã xã" in page
    assert "Không có xã nào mang mã “12345”" in page
    assert "Vui lòng nhập mã xã" in page


def test_jobs_are_visible_only_to_their_uploader(app, login_as):
    job_id, _ = upload_and_check(login_as("xa"), xlsx([person_row()]))
    other = login_as("huyen")  # even the reviewer of that commune
    assert other.get(f"/imports/{job_id}").status_code == 404
    assert other.get(f"/imports/{job_id}/progress", headers=HX).status_code == 404
    assert other.post(f"/imports/{job_id}/confirm").status_code == 404
    assert "danh-sach.xlsx" not in other.get("/imports/").get_data(as_text=True)
    assert person_count(app) == 0


def test_administrators_do_not_import(login_as):
    client = login_as("admin")
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/template.xlsx").status_code == 403
    assert upload(client, xlsx([person_row()])).status_code == 403


def test_a_person_registered_outside_the_scope_is_named_only_by_commune(app, demo, login_as):
    register(app, demo, code="99102", username="xa2", full_name="Quàng Thị Bí Mật",
             id_number="014090000009")
    client = login_as("xa")
    _, page = upload_and_check(client, xlsx([person_row(full_name="Quàng Thị Bí Mật",
                                                        id_number="014090000009")]))
    assert counts(page) == (0, 0, 1)
    assert "Số định danh này đã có hồ sơ tại Xã Mường Lạn" in page
    # The ID number alone (another name) tells nothing, not even the commune; it still refuses.
    _, page = upload_and_check(client, xlsx([person_row(id_number="014090000009")]))
    assert counts(page) == (0, 0, 1)
    assert "Xã Mường Lạn" not in page and "Bí Mật" not in page
    assert "Số định danh này đã có trong hệ thống; liên hệ đơn vị cấp trên để xác minh" in page


def test_a_registered_person_is_found_by_name_and_year_whatever_the_diacritics(
        app, demo, login_as):
    register(app, demo, full_name="Lò Văn Pọm", birth_year=1990)
    register(app, demo, full_name="Cà Văn Inh", birth_year=1985)
    # Folded names with their years: neither the name alone nor the year alone is a match.
    job_id, page = upload_and_check(login_as("xa"), xlsx([
        person_row(full_name="LO VAN POM"), person_row(full_name="Cà Văn Inh", birth="1990"),
        person_row(full_name="Lo  Van   Pom", birth="1991")]))
    assert counts(page) == (2, 1, 0)
    statuses = {r["line"]: (r["status"], (r.get("match") or {}).get("reason"))
                for r in job(app, job_id).results}
    assert sorted(statuses.values()) == [("create", None), ("create", None),
                                         ("skip", "name_birth")]
    # Meanwhile the file's "Cà Văn Inh" of 1990 is registered, without diacritics: the
    # confirmation finds them too.
    register(app, demo, full_name="Ca Van Inh", birth_year=1990)
    client = login_as("xa")
    confirm(client, job_id)
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Danh sách đối tượng đã thay đổi kể từ khi kiểm tra tệp" in page
    assert counts(page) == (1, 2, 0)
    assert person_count(app) == 3


def test_a_possible_duplicate_elsewhere_in_the_province_is_a_notice(app, demo, login_as):
    register(app, demo, code="99102", username="xa2", full_name="Lò Văn Pọm", birth_year=1990)
    _, page = upload_and_check(login_as("xa"), xlsx([person_row()]))
    assert counts(page) == (1, 0, 0)
    assert "Có thể trùng với hồ sơ cùng họ tên, năm sinh tại Xã Mường Lạn" in page


def test_a_namesake_in_another_province_is_neither_a_match_nor_a_notice(app, demo, login_as):
    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        here = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        elsewhere = Unit(code="88101", name="Xã Tỉnh Khác", kind="xa", level="commune",
                         path="/88/881/88101/")
        db.session.add(elsewhere)
        db.session.flush()
        data = {"full_name": "Lò Văn Pọm", "sex": "M", "birth_year": 1990, "unit": here}
        person = registry.save_person(None, data, xa)
        person.unit_id = elsewhere.id  # registered in another province's commune
        db.session.commit()
    _, page = upload_and_check(login_as("xa"), xlsx([person_row()]))
    assert counts(page) == (1, 0, 0)
    assert "Có thể trùng" not in page


# --- Large files ------------------------------------------------------------------------------

def test_a_large_file_is_checked_in_chunks_driven_by_the_polls(app, login_as, monkeypatch):
    monkeypatch.setattr(services, "STEP_SECONDS", 0)  # one chunk per request, however fast
    monkeypatch.setattr(services, "CHUNK", 300)
    client = login_as("huyen")
    given = ["Pọm", "Ún", "Inh", "Chăn", "Xôm", "Hặc"]
    rows = [person_row(full_name=f"Lò Văn {given[n // 200]}", birth=str(1950 + n % 50),
                       unit_code=f"9910{1 + (n // 50) % 4}", address=f"Bản số {n}")
            for n in range(1200)]
    job_id = job_id_of(upload(client, xlsx(rows), "lon.xlsx"))
    assert job(app, job_id).progress_done == 300  # the upload's step, on the cells just read
    assert len(job(app, job_id).rows) == 1200  # kept for the next steps

    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Đang kiểm tra tệp" in page
    assert f'hx-get="/imports/{job_id}/progress"' in page
    assert 'id="import-done">600<' in page
    assert client.get(f"/imports/{job_id}/progress").status_code == 303  # without htmx

    statuses = []
    for _ in range(10):
        response = client.get(f"/imports/{job_id}/progress", headers=HX)
        statuses.append(response.status_code)
        if response.status_code == 286:
            break
        assert 'id="import-done">900<' in response.get_data(as_text=True)
    assert statuses == [200, 286]
    final = response.get_data(as_text=True)
    assert "<html" not in final  # the fragment, swapped in place of the progress bar
    assert counts(final) == (1200, 0, 0)
    assert person_count(app) == 0
    saved = job(app, job_id)
    assert (saved.status, saved.progress_done, saved.progress_total) == ("ready", 1200, 1200)
    assert saved.rows is None  # checked: the cells are no longer kept


def test_a_file_checked_within_the_time_of_one_step_is_checked_by_the_upload(
        app, login_as, monkeypatch):
    monkeypatch.setattr(services, "STEP_SECONDS", 3600)  # as if the machine were fast enough
    monkeypatch.setattr(services, "CHUNK", 100)
    client = login_as("huyen")
    rows = [person_row(full_name=f"Lò Văn Pọm {n}", unit_code=f"9910{1 + n % 4}")
            for n in range(450)]
    job_id = job_id_of(upload(client, xlsx(rows), "vua.xlsx"))
    assert job(app, job_id).status == "ready"  # checked by the upload itself
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Đang kiểm tra tệp" not in page and "hx-trigger" not in page
    assert counts(page) == (450, 0, 0)
    saved = job(app, job_id)
    assert (saved.status, saved.progress_done, len(saved.results)) == ("ready", 450, 450)


def test_an_unconfirmed_upload_is_forgotten_after_30_days(app, login_as):
    client = login_as("xa")
    old_id, _ = upload_and_check(client, xlsx([person_row()]))
    with app.app_context():
        old = db.session.get(ImportJob, old_id)
        old.created_at = old.created_at - timedelta(days=31)
        db.session.commit()
    upload_and_check(client, xlsx([person_row(full_name="Cà Văn Inh")]))
    forgotten = job(app, old_id)
    assert (forgotten.status, forgotten.rows) == ("failed", None)
    page = client.get(f"/imports/{old_id}").get_data(as_text=True)
    assert "đã quá 30 ngày mà chưa được xác nhận" in page
    assert confirm(client, old_id).status_code == 303
    assert person_count(app) == 0
