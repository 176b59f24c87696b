"""The checklist of a procedure: missing, present, voided; conditional papers; the list in
force on the day the procedure began; bad dates; the worklist and the completeness per commune."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from dossier_helpers import add_documents, make_user_under_management
from webapp.auth.models import User
from webapp.dossier import services
from webapp.dossier.models import Document, DocumentRequirement
from webapp.extensions import db
from webapp.registry import corrections
from webapp.registry.models import Person
from webapp.timeutil import today_local


def _dossier(app, person_id, decision_id):
    with app.app_context():
        person = db.session.get(Person, person_id)
        found = services.dossier(person, "management", decision_id)
        return {"missing": [r.requirement.form_code for r in found.missing],
                "complete": found.complete, "rows": [r.requirement.form_code for r in found.rows]}


def test_a_new_management_file_misses_its_four_papers_until_they_are_recorded(app, managed):
    seen = _dossier(app, managed["person_id"], managed["decision_id"])
    # Mẫu 08, 09, 10 are not due: no move, no stop, the term runs.
    assert seen["rows"] == ["03", "05", "06", "07"] and seen["missing"] == seen["rows"]
    add_documents(app, managed, managed["person_id"], managed["decision_id"], ["03", "05", "06"])
    assert _dossier(app, managed["person_id"], managed["decision_id"])["missing"] == ["07"]
    add_documents(app, managed, managed["person_id"], managed["decision_id"], ["07"])
    assert _dossier(app, managed["person_id"], managed["decision_id"])["complete"]


def test_a_voided_paper_counts_as_missing_again_and_stays_visible(app, managed, login_as):
    add_documents(app, managed, managed["person_id"], managed["decision_id"],
                  ["03", "05", "06", "07"])
    with app.app_context():
        xa = db.session.get(User, managed["users"]["xa"])
        document = db.session.scalar(select(Document).where(Document.form_code == "07"))
        assert corrections.void(document, "", xa) == {"why": "Vui lòng nhập lý do hủy (ghi nhầm)."}
        assert corrections.void(document, "Nhập nhầm số quyết định", xa) == {}
        db.session.commit()
    assert _dossier(app, managed["person_id"], managed["decision_id"])["missing"] == ["07"]
    page = login_as("xa").get(f"/persons/{managed['person_id']}").get_data(as_text=True)
    assert "Nhập nhầm số quyết định" in page and 'class="voided"' in page


def test_the_end_of_term_notice_is_due_once_the_term_is_over(app, seeded):
    today = today_local()
    tested = today - timedelta(days=400)
    made = make_user_under_management(app, seeded, tested=tested, decided=tested + timedelta(1))
    seen = _dossier(app, made["person_id"], made["decision_id"])
    assert seen["rows"] == ["03", "05", "06", "07", "10"]


def test_a_procedure_uses_the_list_in_force_the_day_it_began(app, seeded):
    """A decree from 01/07/2026 replaces Mẫu 06 with Mẫu 06a: files begun before keep 06."""
    switch = today_local() - timedelta(days=20)
    with app.app_context():
        old = db.session.scalar(select(DocumentRequirement).where(
            DocumentRequirement.procedure == "management", DocumentRequirement.form_code == "06"))
        assert services.end_requirement(old, switch) == {}
        data = {"procedure": "management", "form_code": "06a", "label": "Bản tự khai (Mẫu 06a)",
                "condition": "always", "valid_from": switch, "valid_to": None}
        assert services.validate_requirement(data) == {}
        services.add_requirement(data)
        overlapping = {"procedure": "management", "form_code": "06a/06", "label": "Trùng",
                       "condition": "always", "valid_from": switch + timedelta(1),
                       "valid_to": None}
        assert "Trùng thời gian" in services.validate_requirement(overlapping)["valid_from"]
        db.session.commit()
    before = make_user_under_management(app, seeded, name="Lò Văn A",
                                        tested=switch - timedelta(5), decided=switch - timedelta(3))
    after = make_user_under_management(app, seeded, name="Lò Văn B",
                                       tested=switch + timedelta(1), decided=switch + timedelta(2))
    assert "06" in _dossier(app, before["person_id"], before["decision_id"])["rows"]
    rows_after = _dossier(app, after["person_id"], after["decision_id"])["rows"]
    assert "06a" in rows_after and "06" not in rows_after


def _post_document(client, managed, **fields):
    req_id = fields.pop("req_id")
    prefix = f"doc{req_id}-{managed['decision_id']}"
    data = {"prefix": prefix, **{f"{prefix}-{k}": v for k, v in fields.items()}}
    return client.post(f"/persons/{managed['person_id']}/dossier/management/"
                       f"{managed['decision_id']}/documents", data=data,
                       content_type="multipart/form-data")


def _requirement_id(app, code):
    with app.app_context():
        return db.session.scalar(select(DocumentRequirement.id).where(
            DocumentRequirement.procedure == "management", DocumentRequirement.form_code == code))


def _documents(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Document.id)))


def test_a_paper_dated_before_the_procedure_began_is_refused_beside_the_date(
        app, managed, login_as):
    client = login_as("xa")
    early = managed["tested"] - timedelta(days=1)
    response = _post_document(client, managed, req_id=_requirement_id(app, "05"),
                              form_code="05", doc_date=early.strftime("%d/%m/%Y"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "trước ngày bắt đầu thủ tục" in body and managed["tested"].strftime("%d/%m/%Y") in body
    assert _documents(app) == 0


def test_a_malformed_date_is_explained_and_nothing_is_stored(app, managed, login_as):
    client = login_as("xa")
    response = _post_document(client, managed, req_id=_requirement_id(app, "05"),
                              form_code="05", doc_date="31/02/2026")
    assert response.status_code == 422
    assert "Ngày 31/02/2026 không tồn tại." in response.get_data(as_text=True)
    response = _post_document(client, managed, req_id=_requirement_id(app, "05"),
                              form_code="05", doc_date="hôm qua")
    assert "Ngày phải theo dạng dd/mm/yyyy" in response.get_data(as_text=True)
    assert _documents(app) == 0


def test_a_paper_recorded_on_the_page_completes_the_row(app, managed, login_as):
    client = login_as("xa")
    response = _post_document(client, managed, req_id=_requirement_id(app, "05"), form_code="05",
                              doc_date=managed["tested"].strftime("%d/%m/%Y"),
                              signer="Công an xã")
    assert response.status_code == 303
    assert _dossier(app, managed["person_id"], managed["decision_id"])["missing"] == [
        "03", "06", "07"]


def test_a_reviewer_reads_the_dossier_but_cannot_add_to_it(app, managed, login_as):
    client = login_as("huyen")
    page = client.get(f"/persons/{managed['person_id']}").get_data(as_text=True)
    assert "Hồ sơ giấy tờ theo thủ tục" in page and "Ghi văn bản" not in page
    response = _post_document(client, managed, req_id=_requirement_id(app, "05"),
                              form_code="05", doc_date="01/01/2026")
    assert response.status_code == 403


def test_the_worklist_and_the_list_say_what_is_missing(app, managed, login_as):
    add_documents(app, managed, managed["person_id"], managed["decision_id"], ["03", "05"])
    client = login_as("xa")
    home = client.get("/").get_data(as_text=True)
    assert "Hồ sơ còn thiếu giấy tờ: 1 hồ sơ của 1 người" in home
    listing = client.get("/dossier/incomplete").get_data(as_text=True)
    assert "Quàng Văn Sính" in listing
    assert "(Mẫu 06)" in listing and "(Mẫu 07)" in listing and "(Mẫu 05)" not in listing
    other = login_as("xa2").get("/dossier/incomplete").get_data(as_text=True)
    assert "Quàng Văn Sính" not in other


def test_district_and_province_see_the_rate_per_commune_and_open_the_list(
        app, managed, login_as):
    second = make_user_under_management(app, managed, name="Vì Văn Hai")
    add_documents(app, managed, second["person_id"], second["decision_id"],
                  ["03", "05", "06", "07"])
    for username in ("huyen", "tinh"):
        client = login_as(username)
        page = client.get("/dossier/").get_data(as_text=True)
        assert "Xã Tân Hòa" in page and "50%" in page
        assert "/dossier/incomplete?unit=99101" in page
        listing = client.get("/dossier/incomplete?unit=99101").get_data(as_text=True)
        assert "Quàng Văn Sính" in listing and "Vì Văn Hai" not in listing
    # A district cannot open another district's commune.
    assert login_as("huyen2").get("/dossier/incomplete?unit=99101").status_code == 404
    assert "Xã Tân Hòa" not in login_as("huyen2").get("/dossier/").get_data(as_text=True)


def test_the_administrator_ends_a_requirement_after_confirming(app, seeded, login_as):
    client = login_as("admin")
    assert "Danh mục văn bản" in client.get("/admin/dossier/").get_data(as_text=True)
    req_id = _requirement_id(app, "06")
    asked = client.post(f"/admin/dossier/{req_id}/end", data={f"end{req_id}-valid_to": "01/07/2026"})
    assert asked.status_code == 200 and "Cho hết hiệu lực" in asked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(DocumentRequirement, req_id).valid_to is None
    done = client.post(f"/admin/dossier/{req_id}/end",
                       data={f"end{req_id}-valid_to": "01/07/2026", "confirmed": "1"})
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(DocumentRequirement, req_id).valid_to == date(2026, 7, 1)
    bad = client.post("/admin/dossier/", data={"req-procedure": "management", "req-form_code": "",
                                               "req-label": "", "req-condition": "always"})
    assert bad.status_code == 422 and "Vui lòng nhập mã mẫu" in bad.get_data(as_text=True)


def test_a_paper_is_corrected_with_a_reason_under_the_same_date_rule(app, managed, login_as):
    add_documents(app, managed, managed["person_id"], managed["decision_id"], ["07"])
    with app.app_context():
        xa = db.session.get(User, managed["users"]["xa"])
        document = db.session.scalar(select(Document))
        early = {"number": "15/QĐ-UBND", "doc_date": managed["tested"] - timedelta(days=3),
                 "signer": "Chủ tịch UBND xã", "note": None}
        errors = corrections.correct(document, dict(early), "Sửa ngày", xa)
        assert "trước ngày bắt đầu thủ tục" in errors["doc_date"]
        fixed = {**early, "doc_date": managed["decided"]}
        assert corrections.correct(document, fixed, "", xa)["why"] == "Vui lòng nhập lý do sửa."
        assert corrections.correct(document, fixed, "Ghi nhầm ngày ký", xa) == {}
        db.session.commit()
        assert document.doc_date == managed["decided"] and document.corrected_at is not None
    page = login_as("xa").get(f"/persons/{managed['person_id']}/entries/document/{document.id}")
    assert page.status_code == 200 and "Ngày văn bản" in page.get_data(as_text=True)
    assert login_as("xa2").get(
        f"/persons/{managed['person_id']}/entries/document/{document.id}").status_code == 404


def test_the_home_pages_count_is_the_lists_count(app, managed):
    """The worklist counts from plain rows (no ORM objects); the list builds the dossiers of
    ORM persons: the same procedures, papers and voided papers must give the same numbers."""
    from webapp.scoping import scoped_persons

    complete = make_user_under_management(app, managed, name="Vì Văn Hai")
    add_documents(app, managed, complete["person_id"], complete["decision_id"],
                  ["03", "05", "06", "07"])
    voided = make_user_under_management(app, managed, name="Lò Văn Ba")
    add_documents(app, managed, voided["person_id"], voided["decision_id"],
                  ["03", "05", "06", "07"])
    with app.app_context():
        xa = db.session.get(User, managed["users"]["xa"])
        paper = db.session.scalar(select(Document).where(
            Document.person_id == voided["person_id"], Document.form_code == "06"))
        assert corrections.void(paper, "Ghi nhầm", xa) == {}
        db.session.commit()
        for username in ("xa", "huyen", "tinh", "xa2"):
            user = db.session.scalar(select(User).where(User.username == username))
            rows = services.incomplete(scoped_persons(user), today_local())
            counted = services.count_incomplete(scoped_persons(user), today_local())
            assert counted == (len(rows), len({r.person.id for r in rows})), username
            assert counted == ((2, 2) if username != "xa2" else (0, 0)), username
