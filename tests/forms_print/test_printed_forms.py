"""Official forms printed from the file: the officer types number, date and signer; the Word
document downloads, opens in LibreOffice and names the person and the decision number."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from docx import Document
from sqlalchemy import select

from tests.libreoffice import convert
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.forms_print.models import PrintedDocument
from webapp.registry.models import PersonEvent
from webapp.timeutil import today_local


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _print(client, pid, code, kind, entry_id, number, day=None, signer="Lò Văn Hùng",
           position="chairman", **headers):
    day = day or (today_local() - timedelta(days=1)).strftime("%d/%m/%Y")
    return client.post(f"/persons/{pid}/forms/{code}/{kind}/{entry_id}",
                       data={"number": number, "day": day, "signer": signer,
                             "position": position}, headers=headers)


def _download(client, response):
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    got = client.get(response.location)
    assert got.status_code == 200
    assert got.headers["Content-Disposition"].startswith("attachment")
    return got


def _move_to_xa2(app, demo, person_id) -> int:
    """xa asks to move the file to xa2's commune; the pending request's id."""
    from webapp.auth.models import User
    from webapp.registry import services as registry
    from webapp.registry.models import Person
    from webapp.units.models import Unit

    with app.app_context():
        person = db.session.get(Person, person_id)
        to = db.session.scalar(select(Unit).where(Unit.code == "99102"))
        transfer = registry.request_transfer(person, to, db.session.get(User, demo["users"]["xa"]),
                                             None)
        db.session.commit()
        return transfer.id


def _check(tmp_path, got, name, number, code):
    filename = re.search(r'filename=([^;]+)', got.headers["Content-Disposition"]).group(1)
    assert re.fullmatch(rf"mau-{code}-\d+\.docx", filename.strip('"'))
    text = _text(got.data)
    assert name in text and number in text
    path = tmp_path / filename.strip('"')
    path.write_bytes(got.data)
    assert convert(path, tmp_path, "pdf").stat().st_size > 0
    return text


def test_mau_07_prints_with_the_team_and_the_number_typed(app, login_as, managed, tmp_path):
    client = login_as("xa")
    pid = managed["person"]
    team = {"full_name-0": "Đinh Công Lý", "role-0": "leader", "position-0": "Công an xã",
            "full_name-1": "Quàng Văn Hải", "role-1": "deputy", "position-1": "Trưởng bản",
            "full_name-2": "Hoàng Thị Lan", "role-2": "family", "counsellor": "2"}
    assert client.post(f"/persons/{pid}/teams/event/{managed['decision']}",
                       data=team).status_code == 303
    response = _print(client, pid, "07", "event", managed["decision"], "15/QĐ-UBND")
    got = _download(client, response)
    text = _check(tmp_path, got, "Hoàng Văn Thắng", "15/QĐ-UBND", "07")
    assert "Số: 15/QĐ-UBND" in text
    assert "ỦY BAN NHÂN DÂN XÃ" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Đinh Công Lý" in text and "Phân công ông/bà Hoàng Thị Lan" in text
    assert "Điều 1." in text and "Điều 3." in text and "Nơi nhận:" in text
    with app.app_context():
        doc = db.session.scalar(select(PrintedDocument))
        assert (doc.form_code, doc.number, doc.signer) == ("07", "15/QĐ-UBND", "Lò Văn Hùng")
        exported = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.object_type == "PrintedDocument")).all()
        assert len(exported) == 1
    # The next print starts from what was typed.
    page = client.get(f"/persons/{pid}").get_data(as_text=True)
    assert 'value="15/QĐ-UBND"' in page


def test_the_number_and_date_are_stored_back_on_an_entry_without_them(app, login_as, stopped,
                                                                       tmp_path):
    client = login_as("xa")
    got = _download(client, _print(client, stopped["person"], "09", "event",
                                   stopped["closing"], "22/QĐ-UBND", position="vice"))
    text = _check(tmp_path, got, "Vì Văn Toàn", "22/QĐ-UBND", "09")
    assert "KT. CHỦ TỊCH" in text and "PHÓ CHỦ TỊCH" in text
    assert "Chấp hành án phạt tù" in text
    with app.app_context():
        assert db.session.get(PersonEvent, stopped["closing"]).doc_number == "22/QĐ-UBND"


def test_mau_10_after_the_term_ended(app, login_as, demo, managed, tmp_path):
    from webapp.auth.models import User
    from webapp.registry import services as registry
    from webapp.registry.models import Person
    from webapp.registry.vocab import EventKind

    with app.app_context():
        person = db.session.get(Person, managed["person"])
        user = db.session.get(User, demo["users"]["xa"])
        data = {"event_date": today_local(), "reason": "term_ended"}
        # The term has not ended yet: closing for that reason is still recorded by hand.
        errors = registry.validate_event(person, EventKind.CLOSING, data)
        assert errors == {}
        closing = registry.add_event(person, EventKind.CLOSING, data, user)
        db.session.commit()
        closing_id = closing.id
    client = login_as("xa")
    got = _download(client, _print(client, managed["person"], "10", "event", closing_id,
                                   "03/XN-UBND", day=today_local().strftime("%d/%m/%Y")))
    text = _check(tmp_path, got, "Hoàng Văn Thắng", "03/XN-UBND", "10")
    assert "07/QĐ-UBND" in text  # the decision whose term ended


def test_mau_51_and_54_of_a_post_rehab_term(app, login_as, post_rehab, tmp_path):
    client = login_as("xa")
    pid, term = post_rehab["person"], post_rehab["term"]
    got = _download(client, _print(client, pid, "51", "post_rehab", term, "51/QĐ-UBND"))
    text = _check(tmp_path, got, "Lường Thị Xuân", "51/QĐ-UBND", "51")
    for expected in ("CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ", "Ngày, tháng, năm sinh: 17/05/1994",
                     "Nghề nghiệp: Lái xe", "Nơi cư trú: Thôn Bản Mòng, xã", "12 tháng",
                     "Nơi quản lý:", "Giao Công an xã", "Lò Văn Hùng"):
        assert expected in text, expected
    got = _download(client, _print(client, pid, "54", "post_rehab", term, "54/GCN-UBND"))
    text = _check(tmp_path, got, "Lường Thị Xuân", "54/GCN-UBND", "54")
    assert "GIẤY CHỨNG NHẬN" in text and "51/QĐ-UBND" in text


def test_the_move_notice_mau_08_while_a_transfer_waits(app, login_as, demo, managed, tmp_path):
    transfer_id = _move_to_xa2(app, demo, managed["person"])
    client = login_as("xa")
    page = client.get(f"/persons/{managed['person']}").get_data(as_text=True)
    assert "Bàn giao hồ sơ cho" in page  # the handover deadline
    got = _download(client, _print(client, managed["person"], "08", "transfer", transfer_id,
                                   "09/TB-UBND", day=today_local().strftime("%d/%m/%Y")))
    text = _check(tmp_path, got, "Hoàng Văn Thắng", "09/TB-UBND", "08")
    assert "THÔNG BÁO" in text and "Kính gửi" in text and "07/QĐ-UBND" in text


# --- Refusals ----------------------------------------------------------------------------------

def test_a_missing_number_or_a_bad_date_is_refused_beside_the_field(app, login_as, managed):
    client = login_as("xa")
    response = _print(client, managed["person"], "07", "event", managed["decision"], "",
                      day="31/02/2026")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Vui lòng nhập số văn bản." in body and "Ngày 31/02/2026 không tồn tại." in body
    response = client.post(f"/persons/{managed['person']}/forms/07/event/{managed['decision']}",
                           data={"number": "1/QĐ", "day": "01/01/2099", "signer": "A"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'class="print-offer"' in body and "<html" not in body
    assert "Ngày ký không được sau hôm nay." in body
    with app.app_context():
        assert db.session.scalars(select(PrintedDocument)).all() == []


def test_an_htmx_print_sends_the_browser_to_the_download(login_as, managed):
    client = login_as("xa")
    response = client.post(f"/persons/{managed['person']}/forms/07/event/{managed['decision']}",
                           data={"number": "1/QĐ", "signer": "A",
                                 "day": today_local().strftime("%d/%m/%Y")},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert re.fullmatch(rf"/persons/{managed['person']}/documents/\d+", response.headers["HX-Redirect"])


def test_another_commune_gets_404_to_print_and_to_download(app, login_as, managed):
    client = login_as("xa")
    response = _print(client, managed["person"], "07", "event", managed["decision"], "5/QĐ")
    url = response.location
    other = login_as("xa2")
    assert _print(other, managed["person"], "07", "event", managed["decision"],
                  "5/QĐ").status_code == 404
    assert other.get(url).status_code == 404
    assert login_as("xa3").get(url).status_code == 404


def test_the_district_downloads_but_does_not_print(login_as, managed):
    client = login_as("xa")
    url = _print(client, managed["person"], "07", "event", managed["decision"], "5/QĐ").location
    district = login_as("huyen")
    assert district.get(url).status_code == 200
    assert _print(district, managed["person"], "07", "event", managed["decision"],
                  "6/QĐ").status_code == 403


def test_a_form_the_entry_does_not_have_is_404(login_as, managed):
    client = login_as("xa")
    assert _print(client, managed["person"], "54", "event", managed["decision"],
                  "5/QĐ").status_code == 404
    assert _print(client, managed["person"], "07", "event", managed["test"],
                  "5/QĐ").status_code == 404


def test_the_team_of_a_post_rehab_decision_is_printed_on_mau_51(app, login_as, post_rehab):
    client = login_as("xa")
    pid, term = post_rehab["person"], post_rehab["term"]
    team = {"full_name-0": "Đinh Công Lý", "role-0": "leader",
            "full_name-1": "Lò Thị Mai", "role-1": "social_worker", "counsellor": "1"}
    assert client.post(f"/persons/{pid}/teams/post_rehab/{term}", data=team).status_code == 303
    got = _download(client, _print(client, pid, "51", "post_rehab", term, "52/QĐ-UBND"))
    text = _text(got.data)
    assert "Tổ quản lý gồm:" in text and "Lò Thị Mai" in text
    assert "Nhân viên công tác xã hội; giúp đỡ người được quản lý" in text


def test_a_document_dated_before_the_procedure_began_is_refused(app, login_as, managed):
    client = login_as("xa")
    before = (today_local() - timedelta(days=40)).strftime("%d/%m/%Y")
    response = _print(client, managed["person"], "07", "event", managed["decision"], "5/QĐ",
                      day=before)
    assert response.status_code == 422
    tested = (today_local() - timedelta(days=30)).strftime("%d/%m/%Y")
    assert (f"Ngày ký không được trước ngày xét nghiệm dương tính ({tested})."
            in response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalars(select(PrintedDocument)).all() == []


def test_the_move_notice_of_a_person_under_post_rehab_is_mau_53(app, login_as, demo,
                                                                 post_rehab_active, tmp_path):
    transfer_id = _move_to_xa2(app, demo, post_rehab_active["person"])
    client = login_as("xa")
    assert _print(client, post_rehab_active["person"], "08", "transfer", transfer_id,
                  "1/TB").status_code == 404
    got = _download(client, _print(client, post_rehab_active["person"], "53", "transfer",
                                   transfer_id, "10/TB-UBND",
                                   day=today_local().strftime("%d/%m/%Y")))
    text = _check(tmp_path, got, "Lường Thị Xuân", "10/TB-UBND", "53")
    assert "quản lý sau cai nghiện ma túy thay đổi nơi cư trú" in text and "51/QĐ-UBND" in text
