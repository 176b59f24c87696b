"""Scans attached to a document: the type from the content, not the name; no active PDF;
the size limit said beside the field; stored under a random name outside the web root;
downloaded only in scope, as an attachment, and recorded; replaced or removed, kept."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from dossier_helpers import add_documents
from upload_bodies import compressed_stream, image_stream, jpeg, pdf, png
from webapp import settings
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.dossier import files, services
from webapp.dossier.models import Attachment, Document, DocumentRequirement
from webapp.extensions import db
from webapp.registry import corrections
from webapp.registry.models import Person


def _stored(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(Document.id))),
                db.session.scalar(select(func.count(Attachment.id))))


def _post_07(client, app, managed, body: bytes, name: str):
    with app.app_context():
        req_id = db.session.scalar(select(DocumentRequirement.id).where(
            DocumentRequirement.form_code == "07"))
    prefix = f"doc{req_id}-{managed['decision_id']}"
    return client.post(
        f"/persons/{managed['person_id']}/dossier/management/{managed['decision_id']}/documents",
        data={"prefix": prefix, f"{prefix}-form_code": "07", f"{prefix}-number": "15/QĐ-UBND",
              f"{prefix}-doc_date": managed["decided"].strftime("%d/%m/%Y"),
              f"{prefix}-signer": "Chủ tịch UBND xã",
              f"{prefix}-file": (io.BytesIO(body), name)},
        content_type="multipart/form-data")


@pytest.mark.parametrize("head, mime", [(pdf(), "application/pdf"), (png(), "image/png"),
                                        (jpeg(), "image/jpeg"), (b"MZ\x90\x00", None),
                                        (b"<html><script>", None)])
def test_the_type_is_read_from_the_first_bytes(head, mime):
    assert files.sniff(head[:16]) == mime


def test_a_scan_is_stored_under_a_random_name_and_downloaded_as_an_attachment(
        app, managed, login_as, attachments_dir):
    client = login_as("xa")
    body = pdf()
    response = _post_07(client, app, managed, body, "QD 15 Quang Van Sinh.pdf")
    assert response.status_code == 303
    [stored] = _stored(attachments_dir)
    assert "Sinh" not in str(stored) and stored.read_bytes() == body
    assert stored.stat().st_mode & 0o077 == 0
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        public_id, attachment_id = attachment.public_id, attachment.id
    page = client.get(f"/persons/{managed['person_id']}").get_data(as_text=True)
    assert f"/dossier/files/{public_id}" in page
    download = client.get(f"/dossier/files/{public_id}")
    assert download.status_code == 200 and download.data == body
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Sinh" not in disposition
    assert download.headers["Content-Type"] == "application/pdf"
    with app.app_context():
        logged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "download"))
        assert logged.object_type == "Attachment" and logged.object_id == attachment_id
        assert [p.person_id for p in logged.persons] == [managed["person_id"]]


def test_another_communes_officer_gets_404_and_the_attempt_is_recorded(
        app, managed, login_as):
    _post_07(login_as("xa"), app, managed, pdf(), "qd.pdf")
    with app.app_context():
        public_id = db.session.scalar(select(Attachment.public_id))
    assert login_as("xa2").get(f"/dossier/files/{public_id}").status_code == 404
    assert login_as("huyen2").get(f"/dossier/files/{public_id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "refused")) == 2
    assert login_as("tinh").get(f"/dossier/files/{public_id}").status_code == 200
    assert login_as("xa").get("/dossier/files/" + "f" * 32).status_code == 404
    assert login_as("xa").get("/dossier/files/not-an-id").status_code == 404


@pytest.mark.parametrize("body, name, message", [
    (png(), "quyet-dinh.pdf", "Tệp có tên đuôi .pdf nhưng nội dung là PNG"),
    (b"MZ\x90\x00 this is a program", "quyet-dinh.pdf", "Tệp không phải bản quét PDF, JPEG"),
    (b"<html><script>alert(1)</script>", "anh.jpg", "Tệp không phải bản quét PDF, JPEG"),
    (pdf(b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"), "qd.pdf", "JavaScript"),
    (pdf(b"<< /OpenAction << /S /J#61vaScript /J#53 (x) >> >>"), "qd.pdf", "JavaScript"),
    (pdf(b"<< /S /Launch /F (cmd.exe) >>"), "qd.pdf", "tự chạy chương trình"),
    (pdf(compressed_stream(b"<< /Type /ObjStm >> << /S /JavaScript /JS (x) >>")), "qd.pdf",
     "JavaScript"),
    (pdf(b"<< /Encrypt 9 0 R >>"), "qd.pdf", "mã hóa"),
    (b"", "qd.pdf", "Vui lòng chọn tệp"),
])
def test_a_refused_file_is_explained_beside_the_field_and_nothing_is_stored(
        app, managed, login_as, attachments_dir, body, name, message):
    response = _post_07(login_as("xa"), app, managed, body, name)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'id="doc' in page
    assert _counts(app) == (0, 0) and _stored(attachments_dir) == []


def test_image_bytes_that_happen_to_read_js_do_not_refuse_a_scan():
    scan = pdf(image_stream(b"\xff\xd8\xff\x00 /JS \x00/JavaScript\x01 /Launch\xff\xd9"))
    assert files.pdf_problem(scan) is None
    page = pdf(compressed_stream(b"BT /F1 12 Tf (/JS ) Tj ET", kind="/Length1 0"))
    assert files.pdf_problem(page) is None


def test_a_pdf_named_jpg_is_still_a_pdf_refused_by_name_mismatch(app, managed, login_as):
    response = _post_07(login_as("xa"), app, managed, pdf(), "scan.jpg")
    assert "nội dung là PDF" in response.get_data(as_text=True)


def test_an_oversized_upload_is_refused_early_with_the_limit_in_vietnamese(
        app, managed, login_as, attachments_dir):
    from webapp.settings.models import Setting

    with app.app_context():
        db.session.add(Setting(key="attachment_max_mb", value=1))
        db.session.commit()
    big = pdf() + b"0" * (2 * 1024 * 1024)
    response = _post_07(login_as("xa"), app, managed, big, "qd.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Tệp quá lớn: chỉ nhận tệp đến 1 MB" in page and "Hồ sơ giấy tờ theo thủ tục" in page
    key = f"add-management-{managed['decision_id']}"
    assert f'id="{key}-file-error">Tệp quá lớn' in page  # beside the field, in an open form
    assert _counts(app) == (0, 0) and _stored(attachments_dir) == []
    # Just over the limit but under the request margin: read, counted, refused the same way.
    response = _post_07(login_as("xa"), app, managed, pdf() + b"0" * (1024 * 1024), "qd.pdf")
    assert response.status_code == 422 and "Tệp quá lớn" in response.get_data(as_text=True)
    assert _counts(app) == (0, 0) and _stored(attachments_dir) == []


def test_when_the_database_refuses_the_row_no_file_is_left_on_disk(
        app, managed, attachments_dir):
    with app.app_context():
        xa = db.session.get(User, managed["users"]["xa"])
        person = db.session.get(Person, managed["person_id"])
        found = services.dossier(person, "management", managed["decision_id"])
        data = {"form_code": "07", "doc_date": managed["decided"]}
        upload = files.check(io.BytesIO(pdf()), "qd.pdf")

        def refuse(_session):
            raise RuntimeError("disk full")

        services.add_document(person, found, data, xa, upload)
        assert len(_stored(attachments_dir)) == 1  # written before the commit...
        event.listen(db.session(), "before_commit", refuse)
        with pytest.raises(RuntimeError):
            services.commit()
        db.session.remove()
    assert _stored(attachments_dir) == []  # ...and gone with the refused transaction
    assert _counts(app) == (0, 0)


def test_a_replaced_scan_is_kept_voided_and_a_removal_needs_a_reason(
        app, managed, login_as, attachments_dir):
    add_documents(app, managed, managed["person_id"], managed["decision_id"], ["07"])
    client = login_as("xa")
    with app.app_context():
        document_id = db.session.scalar(select(Document.id))
    url = f"/persons/{managed['person_id']}/dossier/documents/{document_id}/attachments"
    key = f"att{document_id}"
    assert client.post(url, data={f"{key}-file": (io.BytesIO(pdf()), "a.pdf")},
                       content_type="multipart/form-data").status_code == 303
    assert client.post(url, data={f"{key}-file": (io.BytesIO(png()), "b.png")},
                       content_type="multipart/form-data").status_code == 303
    assert len(_stored(attachments_dir)) == 2
    with app.app_context():
        old, new = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert old.voided and old.void_reason == "Thay bằng bản quét mới." and not new.voided
        xa = db.session.get(User, managed["users"]["xa"])
        assert corrections.void(new, " ", xa) == {"why": "Vui lòng nhập lý do hủy (ghi nhầm)."}
        assert corrections.void(new, "Quét nhầm văn bản khác", xa) == {}
        db.session.commit()
        old_id = old.public_id
    assert len(_stored(attachments_dir)) == 2  # nothing deleted
    assert login_as("xa").get(f"/dossier/files/{old_id}").status_code == 200


def test_the_size_limit_is_a_setting_with_10_mb_by_default(app):
    with app.app_context():
        assert settings.get("attachment_max_mb") == 10
        assert files.max_bytes() == 10 * 1024 * 1024


def test_another_commune_cannot_add_papers_scans_or_notes_to_a_file(app, managed, login_as):
    add_documents(app, managed, managed["person_id"], managed["decision_id"], ["07"])
    with app.app_context():
        document_id = db.session.scalar(select(Document.id))
    base = f"/persons/{managed['person_id']}/dossier"
    client = login_as("xa2")
    for url in (f"{base}/management/{managed['decision_id']}/documents",
                f"{base}/documents/{document_id}/attachments",
                f"{base}/management/{managed['decision_id']}/notes"):
        response = client.post(url, data={"file": (io.BytesIO(pdf()), "qd.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 404, url
    assert _counts(app) == (1, 0)


def test_a_file_the_server_cannot_write_is_explained_and_no_row_is_kept(
        app, managed, login_as, monkeypatch):
    def full(_data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "store", full)
    response = _post_07(login_as("xa"), app, managed, pdf(), "qd.pdf")
    assert response.status_code == 422
    assert "Máy chủ không lưu được tệp" in response.get_data(as_text=True)
    assert _counts(app) == (0, 0)
