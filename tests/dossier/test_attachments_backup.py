"""A scan attached through the app survives a backup, a wiped server and a restore: the
backup takes the folder the app writes to (the same ATTACHMENTS_DIR)."""
from __future__ import annotations

import io

from sqlalchemy import select

from dossier_helpers import add_documents
from upload_bodies import pdf
from webapp.dossier.models import Attachment, Document
from webapp.extensions import db


def test_an_attached_scan_comes_back_with_the_restored_database(
        app, managed, login_as, attachments_dir, tmp_path):
    add_documents(app, managed, managed["person_id"], managed["decision_id"], ["07"])
    client = login_as("xa")
    with app.app_context():
        document_id = db.session.scalar(select(Document.id))
    body = pdf(b"<< /Producer (May quet) >>")
    key = f"att{document_id}"
    assert client.post(
        f"/persons/{managed['person_id']}/dossier/documents/{document_id}/attachments",
        data={f"{key}-file": (io.BytesIO(body), "qd.pdf")},
        content_type="multipart/form-data").status_code == 303
    with app.app_context():
        public_id = db.session.scalar(select(Attachment.public_id))
        db.session.remove()

    runner = app.test_cli_runner()
    file = tmp_path / "sao-luu.tar.gz"
    made = runner.invoke(args=["backup", str(file)])
    assert made.exit_code == 0 and "1 tệp đính kèm" in made.output, made.output

    with app.app_context():  # the server is lost: database rows and files
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.session.remove()
    for path in attachments_dir.rglob("*.bin"):
        path.unlink()

    restored = runner.invoke(args=["restore", str(file), "--yes"])
    assert restored.exit_code == 0, restored.output
    download = login_as("xa").get(f"/dossier/files/{public_id}")
    assert download.status_code == 200 and download.data == body
