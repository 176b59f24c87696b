"""Issue 13, items 3 and 4: the duplicate check is not an oracle, and "who saw this person"
has a complete answer (views, lists, exports, probes, refusals), without search terms in clear.
"""
from __future__ import annotations

import sys
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from webapp.audit.models import AuditEvent, AuditPerson
from webapp.audit.services import keyed
from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services
from webapp.registry.models import Person
from webapp.settings.models import Setting
from webapp.timeutil import now_utc
from webapp.units.models import Unit

sys.path.insert(0, str(Path(__file__).parent / "imports"))
from xlsx_files import person_row, upload_and_check, xlsx  # noqa: E402

HX = {"HX-Request": "true"}
FORM = {"full_name": "Lò Văn Pọm", "sex": "M", "birth": "1988", "unit_code": "99101",
        "ethnicity": "03", "occupation_group": "agri", "main_drug": "heroin"}
SECRET_NAME = "Giàng A Páo"
SECRET_ID = "011088001111"
NEUTRAL = "Số định danh này đã có trong hệ thống; liên hệ đơn vị cấp trên để xác minh"
LIMITED = "Bạn đã kiểm tra trùng hồ sơ quá nhiều lần"


@pytest.fixture
def make_person(app, demo):
    def make(full_name=SECRET_NAME, code="99201", username="xa3", **fields):
        with app.app_context():
            user = db.session.get(User, demo["users"][username])
            unit = db.session.scalar(select(Unit).where(Unit.code == code))
            data = {"full_name": full_name, "sex": "M", "birth_year": 1988, "unit": unit,
                    **fields}
            assert services.validate_person(data, user) == {}
            person = services.save_person(None, data, user)
            db.session.commit()
            return person.id

    return make


def events(app, action=None, **where):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        found = list(db.session.scalars(query))
        for e in found:
            e.person_ids = sorted(p.person_id for p in e.persons)
            e.text = str(e.changes)
        return found


def set_setting(app, key, value):
    with app.app_context():
        db.session.add(Setting(key=key, value=value))
        db.session.commit()


# --- 3. The duplicate check is not an oracle ----------------------------------------------------

def test_every_probe_is_recorded_with_keyed_hashes_and_the_ids_it_matched(app, demo, login_as,
                                                                        make_person):
    pid = make_person(id_number=SECRET_ID)
    client = login_as("xa")
    client.post("/persons/check-duplicates", data={"full_name": "giang a pao", "birth": "1988"},
                headers=HX)
    client.post("/persons/new", data={**FORM, "id_number": SECRET_ID})
    live, save = events(app, "probe")
    assert (live.changes["where"], save.changes["where"]) == ("live", "save")
    assert live.user_id == save.user_id == demo["users"]["xa"]
    assert live.person_ids == save.person_ids == [pid]
    for e in (live, save):
        for clear in (SECRET_ID, "giang", "Giàng", "Pọm", "lo van"):
            assert clear.lower() not in e.text.lower()
    with app.app_context():
        assert save.changes["id_number"] == keyed(SECRET_ID, "id")
        assert live.changes["name"] == keyed("Giàng A Páo 1988", "name")


def test_an_id_number_alone_outside_the_scope_tells_nothing_and_still_blocks(app, login_as,
                                                                           make_person):
    make_person(id_number=SECRET_ID)
    client = login_as("xa")
    live = client.post("/persons/check-duplicates", data={"full_name": "Lò Văn Pọm",
                                                          "id_number": SECRET_ID},
                       headers=HX).get_data(as_text=True)
    saved = client.post("/persons/new", data={**FORM, "id_number": SECRET_ID})
    for body in (live, saved.get_data(as_text=True)):
        assert NEUTRAL in body
        assert "Xã Mường Chiến" not in body and "Páo" not in body
        assert "Đề nghị chuyển hồ sơ về xã" not in body
    assert saved.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Person)) == 1
    # The same ID number with the matching name: "a file exists in another commune".
    named = client.post("/persons/check-duplicates", data={"full_name": "giang a pao",
                                                           "id_number": SECRET_ID},
                        headers=HX).get_data(as_text=True)
    assert "Xã Mường Chiến" in named and NEUTRAL not in named
    # And no transfer can be asked for through the neutral answer.
    pid = events(app, "probe")[0].person_ids[0]
    client.post("/persons/transfers/incoming", data={**FORM, "id_number": SECRET_ID,
                                                     "person_ref": pid})
    with app.app_context():
        from webapp.registry.models import TransferRequest

        assert db.session.scalar(select(TransferRequest)) is None


def test_probes_beyond_the_limit_get_a_message_and_no_answer(app, demo, login_as, make_person):
    make_person()
    set_setting(app, "probe_limit", 2)
    client = login_as("xa")
    typed = {"full_name": "giang a pao", "birth": "1988"}
    for _ in range(2):
        body = client.post("/persons/check-duplicates", data=typed, headers=HX).get_data(
            as_text=True)
        assert "Xã Mường Chiến" in body
    refused = client.post("/persons/check-duplicates", data=typed, headers=HX)
    body = refused.get_data(as_text=True)
    assert LIMITED in body and "Xã Mường Chiến" not in body
    assert body.lstrip().startswith('<div id="duplicates">')
    saved = client.post("/persons/new", data={**FORM, **typed, "confirm_duplicate": "1"})
    assert saved.status_code == 429 and LIMITED in saved.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Person)) == 1
    assert len(events(app, "probe")) == 2 and len(events(app, "probe_refused")) == 2
    # Another account has its own allowance; the window slides (old probes stop counting).
    assert "Xã Mường Chiến" in login_as("xa2").post(
        "/persons/check-duplicates", data=typed, headers=HX).get_data(as_text=True)
    with app.app_context():
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "probe")):
            e.at = now_utc() - timedelta(minutes=11)
        db.session.commit()
    assert "Xã Mường Chiến" in login_as("xa").post(
        "/persons/check-duplicates", data=typed, headers=HX).get_data(as_text=True)


def test_the_reviewers_of_the_commune_see_who_probed_their_persons_never_what_was_typed(
        app, login_as, make_person):
    pid = make_person(id_number=SECRET_ID)
    login_as("xa").post("/persons/check-duplicates", data={"full_name": "X", "id_number":
                                                           SECRET_ID}, headers=HX)
    for reviewer in ("huyen2", "tinh"):
        page = login_as(reviewer).get(f"/persons/{pid}").get_data(as_text=True)
        section = page[page.index('id="probes"'):]
        assert "Phạm Thị Lan (xa)" in section and "Xã Tân Hòa" in section, reviewer
        assert SECRET_ID not in section
    commune = login_as("xa3").get(f"/persons/{pid}").get_data(as_text=True)
    assert 'id="probes"' not in commune


# --- 4. Who saw this person ---------------------------------------------------------------------

def test_edit_form_entry_print_transfers_and_import_previews_are_recorded(app, demo, login_as,
                                                                         make_person):
    pid = make_person(code="99101", username="xa", id_number=SECRET_ID)
    client = login_as("xa")
    assert client.get(f"/persons/{pid}/edit").status_code == 200
    [edit] = events(app, "view", object_id=pid)
    assert edit.changes == {"page": "edit"}
    other = make_person("Lò Thị Ún", code="99101", username="xa")
    with app.app_context():
        services.request_transfer(db.session.get(Person, other),
                                  db.session.scalar(select(Unit).where(Unit.code == "99102")),
                                  db.session.get(User, demo["users"]["xa"]), None)
        db.session.commit()
    assert client.get("/persons/transfers/").status_code == 200
    [transfers] = events(app, "view_list", object_type="TransferRequest")
    assert transfers.person_ids == [other]
    assert client.get("/reports/2026-10/99101/print").status_code == 200
    [printed] = events(app, "print")
    assert printed.changes == {"unit": "99101", "period": "2026-10"}
    upload_and_check(client, xlsx([person_row(full_name=SECRET_NAME, birth="1988",
                                              id_number=SECRET_ID)]))
    [preview] = events(app, "view_list", object_type="ImportJob")
    assert preview.person_ids == [pid]


def test_refused_out_of_scope_attempts_are_security_events(app, demo, login_as, make_person):
    pid = make_person()
    client = login_as("xa")
    assert client.get(f"/persons/{pid}").status_code == 404
    assert client.get(f"/persons/{pid}/edit").status_code == 404
    assert client.get("/reports/2026-10/99201").status_code == 404
    assert client.get("/persons/999999").status_code == 404  # nothing there: nothing to record
    person_refusals = events(app, "refused", object_type="Person")
    assert [e.object_id for e in person_refusals] == [pid, pid]
    assert person_refusals[0].user_id == demo["users"]["xa"]
    assert person_refusals[1].changes["path"] == f"/persons/{pid}/edit"
    [unit] = events(app, "refused", object_type="Unit")
    assert unit.object_id == demo["units"]["99201"]


def test_a_list_records_the_ids_it_showed_and_never_the_search_term(app, login_as, make_person):
    shown = make_person(code="99101", username="xa", id_number=SECRET_ID)
    make_person("Lò Thị Ún", code="99101", username="xa")
    client = login_as("xa")
    response = client.get("/persons/", query_string={"q": "giang a", "state": "all"}, headers=HX)
    assert SECRET_NAME in response.get_data(as_text=True)  # bookmarks and scripts still work
    # The live search pushes the list's address without the term into the browser history.
    assert response.headers["HX-Push-Url"] == "/persons/?state=all"
    client.get("/persons/", query_string={"q": SECRET_ID})
    first, second = events(app, "view_list")
    assert first.person_ids == second.person_ids == [shown]
    assert first.changes["persons"] == 1
    for e in (first, second):
        assert "giang" not in e.text.lower() and SECRET_ID not in e.text
        assert e.changes["filters"]["q"].startswith("hmac:")
    assert first.changes["filters"]["state"] == "all"


def test_a_list_keeps_at_most_the_cap_of_ids_and_always_the_count(app, demo):
    from webapp.audit import services as audit

    with app.test_request_context():
        audit.record("export", "Person", None, {"rows": 1500}, persons=range(1, 1501))
        db.session.commit()
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
        assert entry.changes == {"rows": 1500, "persons": 1500,
                                 "persons_recorded": audit.PERSONS_CAP}
        assert db.session.scalar(select(db.func.count()).select_from(AuditPerson)) == \
            audit.PERSONS_CAP


def test_a_list_counts_and_keeps_each_person_once(app, demo):
    from webapp.audit import services as audit

    with app.test_request_context():
        event = audit.record("export", "Person", None, {"rows": 5}, persons=[7, 3, 7, 5, 3])
        empty = audit.record("export", "Person", None, {"rows": 0}, persons=[])
        db.session.commit()
        assert event.changes == {"rows": 5, "persons": 3}
        assert empty.changes == {"rows": 0, "persons": 0}
        assert sorted(db.session.scalars(select(AuditPerson.person_id).where(
            AuditPerson.event_id == event.id))) == [3, 5, 7]


def test_the_admin_finds_a_person_and_every_audit_event_about_them(app, demo, login_as,
                                                                  make_person):
    pid = make_person(id_number=SECRET_ID, address="Bản Bí Mật")
    xa = login_as("xa")
    xa.post("/persons/check-duplicates", data={"full_name": "giang a pao", "birth": "1988"},
            headers=HX)
    reviewer = login_as("huyen2")
    reviewer.get(f"/persons/{pid}")
    reviewer.get("/persons/", query_string={"state": "all"})
    reviewer.get("/persons/export.xlsx")
    admin = login_as("admin")
    assert admin.get("/admin/audit").status_code == 200
    for typed in ("giang a pao", "GIÀNG", SECRET_ID):
        page = admin.post("/admin/audit/persons", data={"q": typed}).get_data(as_text=True)
        assert SECRET_NAME in page and "Xã Mường Chiến" in page and f"/admin/audit/persons/{pid}" \
            in page, typed
        assert "Bản Bí Mật" not in page and "Heroin" not in page
    finds = events(app, "find")
    assert all(e.person_ids == [pid] for e in finds)
    assert not any("giang" in e.text.lower() or SECRET_ID in e.text for e in finds)
    trail = admin.get(f"/admin/audit/persons/{pid}").get_data(as_text=True)
    for label in ("Kiểm tra trùng hồ sơ", "Xem hồ sơ", "Xem danh sách", "Tải Excel", "Tạo mới"):
        assert label in trail, label
    assert "xa (Xã Tân Hòa)" in trail and "huyen2 (Huyện Mường Chiến)" in trail
    assert "Bản Bí Mật" not in trail
    response = admin.get(f"/admin/audit/persons/{pid}.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("no-store")
    sheet = openpyxl.load_workbook(BytesIO(response.data)).worksheets[0]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "Kiểm tra trùng hồ sơ" in cells and "huyen2" in cells
    assert not any("Bản Bí Mật" in c for c in cells)
    assert events(app, "export", object_id=pid)[-1].changes["page"] == "trail"
    # A person outside the administrator's unit is not there; other roles have no finder.
    assert login_as("xa").get(f"/admin/audit/persons/{pid}").status_code == 403


def test_prune_deletes_old_access_records_and_keeps_change_records(app, demo, make_person):
    pid = make_person()
    from webapp.audit import services as audit

    now = now_utc()
    with app.test_request_context():
        for days, action in ((800, "view"), (800, "probe"), (800, "view_list"), (700, "view"),
                             (10, "probe")):
            entry = audit.record(action, "Person", pid, {}, persons=[pid])
            entry.at = now - timedelta(days=days)
        db.session.flush()
        for change in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "create")):
            change.at = now - timedelta(days=900)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "prune"])
    assert result.exit_code == 0, result.output
    assert "Đã xóa 3 mục" in result.output
    with app.app_context():
        left = sorted(e.action for e in db.session.scalars(select(AuditEvent)))
        # The recent access records stay, and every change record however old.
        assert [a for a in left if a != "create"] == ["probe", "view"]
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "create", AuditEvent.object_type == "Person",
            AuditEvent.object_id == pid)) is not None
        assert db.session.scalar(select(db.func.count()).select_from(AuditPerson)) == 2
