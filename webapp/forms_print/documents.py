"""The official forms a commune prints from a file, as Word documents in the layout of
Decree 30/2020 (webapp/documents/word.py, heading and closing from webapp/official.py).

The legal wording follows the structure of the forms annexed to Decrees 105/2021 and
116/2021 (căn cứ, then Điều 1–3) in the project's own words; the person's data, the decision
and its team come from the file, the number, date and signer from what the officer typed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from .. import official
from ..documents.word import OfficialDocument
from ..registry.models import Person, PersonEvent, TransferRequest
from ..registry.vocab import CLOSING_REASONS
from ..teams.models import ROLES
from ..treatment.models import PostRehabTerm

LAW = "Căn cứ Luật Phòng, chống ma túy ngày 30 tháng 3 năm 2021;"
LOCAL_GOV = "Căn cứ Luật Tổ chức chính quyền địa phương;"
DECREE_105 = ("Căn cứ Nghị định số 105/2021/NĐ-CP ngày 04 tháng 12 năm 2021 của Chính phủ quy "
              "định chi tiết và hướng dẫn thi hành một số điều của Luật Phòng, chống ma túy;")
DECREE_116 = ("Căn cứ Nghị định số 116/2021/NĐ-CP ngày 21 tháng 12 năm 2021 của Chính phủ quy "
              "định chi tiết một số điều của Luật Phòng, chống ma túy, Luật Xử lý vi phạm hành "
              "chính về cai nghiện ma túy và quản lý sau cai nghiện ma túy;")
POSITIONS = {"chairman": "Chủ tịch", "vice": "Phó Chủ tịch"}


@dataclass(frozen=True)
class Issue:
    """What the officer typed when printing."""

    number: str
    day: date
    signer: str
    position: str  # a key of POSITIONS


def _d(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "……"


def _birth(person: Person) -> str:
    return _d(person.birth_date) if person.birth_date else str(person.birth_year)


def _residence(person: Person) -> str:
    parts = [person.address, _own(person.unit),
             _own(person.unit.parent) if person.unit.parent else None]
    return ", ".join(p for p in parts if p)


def _own(unit) -> str:
    """ "xã Tân Hòa", inside a sentence."""
    return unit.name[:1].lower() + unit.name[1:]


def _chairman_of(unit) -> str:
    return f"CHỦ TỊCH ỦY BAN NHÂN DÂN {unit.name.upper()}"


def _signature(issue: Issue) -> official.Signature:
    if issue.position == "vice":
        return official.Signature("PHÓ CHỦ TỊCH", "(Ký, ghi rõ họ tên, đóng dấu)",
                                  issue.signer, above="KT. CHỦ TỊCH")
    return official.Signature("CHỦ TỊCH", "(Ký, ghi rõ họ tên, đóng dấu)", issue.signer)


def _agency(unit, day: date) -> str:
    from .. import settings

    value = settings.dated("forms_issuing_agency", day, official.province_code(unit))
    return value if value in official.AGENCIES else "committee"


def _document(unit, issue: Issue, kind: str, title: str, subtitle: str,
              core: str) -> OfficialDocument:
    typed = issue.number.strip()
    # "15" gets the ký hiệu ("Số: 15/QĐ-UBND"); "15/QĐ-UBND" typed whole is printed as typed.
    head = official.heading(unit, issue.day, kind=kind, number=typed.split("/")[0],
                            agency=_agency(unit, issue.day))
    if "/" in typed:
        head = replace(head, number=f"Số: {typed}")
    return OfficialDocument(head, title, subtitle, core_title=core)


def _decision(unit, issue: Issue, subtitle: str, code: str, decree: str) -> OfficialDocument:
    """A chairman's decision up to its căn cứ: heading, title, the chairman, the laws."""
    doc = _document(unit, issue, "QĐ", "QUYẾT ĐỊNH", subtitle, code)
    doc.centered(_chairman_of(unit))
    for line in (LOCAL_GOV, LAW, decree):
        doc.paragraph(line, italic=True)
    return doc


def _article(doc: OfficialDocument, number: int, text: str) -> None:
    doc.runs([(f"Điều {number}. ", True, False), (text, False, False)])


def _in_force(doc: OfficialDocument, body: str) -> None:
    _article(doc, 3, f"Quyết định này có hiệu lực kể từ ngày ký. {body}, Tổ quản lý, người có "
                     f"tên tại Điều 1 và gia đình người đó chịu trách nhiệm thi hành Quyết định "
                     f"này.")


def _person_lines(doc: OfficialDocument, person: Person) -> None:
    doc.runs([("Họ và tên: ", False, False), (person.full_name, True, False),
              (f"; giới tính: {person.sex_label}.", False, False)])
    other = f" Tên gọi khác: {person.other_names}." if person.other_names else ""
    doc.paragraph(f"Sinh ngày: {_birth(person)}.{other}")
    doc.paragraph(f"Số định danh cá nhân: {person.id_number or '……………………'}.")
    doc.paragraph(f"Dân tộc: {person.ethnicity_label or '……'}; nghề nghiệp: "
                  f"{person.occupation or '……'}.")
    doc.paragraph(f"Nơi cư trú: {_residence(person)}.")


def _closing(doc: OfficialDocument, unit, issue: Issue, *others: str) -> None:
    day = issue.day
    lines = [*others]
    parent = official.receiver(unit, day)
    police = f"Công an {_own(unit)}"
    for line in (police, parent):
        if line and line not in lines:
            lines.append(line)
    doc.closing(_signature(issue), official.Recipients(lines))


def _team_table(doc: OfficialDocument, team) -> None:
    rows = [(i, m.full_name, m.position or "", ROLES.get(m.role, m.role)
             + ("; giúp đỡ người được quản lý" if m.counsels else ""))
            for i, m in enumerate(team, start=1)]
    doc.table(["STT", "Họ và tên", "Chức vụ, nơi công tác", "Nhiệm vụ trong tổ"], rows,
              widths_mm=(12, 48, 55, 50))


def management_decision(person: Person, event: PersonEvent, team, issue: Issue,
                        test: PersonEvent | None) -> OfficialDocument:
    """Mẫu 07: the commune chairman's decision to manage an illegal drug user, with its team."""
    unit = person.unit
    doc = _decision(unit, issue, "Về việc quản lý người sử dụng trái phép chất ma túy",
                    "Mẫu số 07", DECREE_105)
    if test is not None:
        facility = f" của {test.facility}" if test.facility else ""
        number = f" số {test.doc_number}" if test.doc_number else ""
        doc.paragraph(f"Căn cứ kết quả xét nghiệm chất ma túy{number} ngày "
                      f"{_d(test.event_date)}{facility};", italic=True)
    doc.paragraph(f"Theo đề nghị của Trưởng Công an {_own(unit)}.",
                  italic=True)
    doc.centered("QUYẾT ĐỊNH:")
    _article(doc, 1, "Quản lý người sử dụng trái phép chất ma túy đối với:")
    _person_lines(doc, person)
    doc.paragraph(f"Thời hạn quản lý: 01 năm, kể từ ngày {_d(event.event_date)} đến ngày "
                  f"{_d(event.term_end)}.")
    _article(doc, 2, "Thành lập Tổ quản lý người sử dụng trái phép chất ma túy gồm:")
    if team:
        _team_table(doc, team)
        counsellor = next((m for m in team if m.counsels), None)
        if counsellor is not None:
            doc.paragraph(f"Phân công ông/bà {counsellor.full_name} trực tiếp giúp đỡ, tư vấn, "
                          f"động viên, cảm hóa người được quản lý.")
    else:
        doc.paragraph("(Chưa ghi nhận thành viên tổ quản lý.)", italic=True)
    doc.paragraph("Tổ quản lý có trách nhiệm theo dõi, quản lý, giúp đỡ người được quản lý; "
                  "phát hiện, báo cáo kịp thời việc sử dụng trái phép chất ma túy trong thời "
                  "hạn quản lý.")
    _in_force(doc, f"Công an {_own(unit)}")
    _closing(doc, unit, issue, "Như Điều 3")
    return doc


def stop_decision(person: Person, closing: PersonEvent, decision: PersonEvent | None,
                  issue: Issue) -> OfficialDocument:
    """Mẫu 09: the decision to stop managing an illegal drug user before the term's end."""
    unit = person.unit
    doc = _decision(unit, issue, "Về việc chấm dứt quản lý người sử dụng trái phép chất ma túy",
                    "Mẫu số 09", DECREE_105)
    if decision is not None:
        doc.paragraph(f"Căn cứ Quyết định số {decision.doc_number or '……'} ngày "
                      f"{_d(decision.event_date)} về việc quản lý người sử dụng trái phép chất "
                      f"ma túy;", italic=True)
    doc.paragraph(f"Xét: {CLOSING_REASONS.get(closing.reason or '', 'lý do khác').lower()}.",
                  italic=True)
    doc.centered("QUYẾT ĐỊNH:")
    _article(doc, 1, f"Chấm dứt việc quản lý người sử dụng trái phép chất ma túy kể từ ngày "
                     f"{_d(closing.event_date)} đối với:")
    _person_lines(doc, person)
    doc.paragraph(f"Lý do chấm dứt: {CLOSING_REASONS.get(closing.reason or '', '……')}.")
    _article(doc, 2, f"Tổ quản lý kết thúc nhiệm vụ; hồ sơ quản lý được lưu tại Công an "
                     f"{_own(unit)}.")
    _in_force(doc, f"Công an {_own(unit)}")
    _closing(doc, unit, issue, "Như Điều 3")
    return doc


def end_of_term(person: Person, decision: PersonEvent, closing: PersonEvent | None,
                issue: Issue) -> OfficialDocument:
    """Mẫu 10: the confirmation that the year of management ended with no use found."""
    unit = person.unit
    doc = _document(unit, issue, "XN", "GIẤY XÁC NHẬN",
                    "Hoàn thành thời hạn quản lý người sử dụng trái phép chất ma túy",
                    "Mẫu số 10")
    doc.centered(f"ỦY BAN NHÂN DÂN {unit.name.upper()} XÁC NHẬN:")
    _person_lines(doc, person)
    doc.paragraph(f"Đã chấp hành xong thời hạn quản lý người sử dụng trái phép chất ma túy theo "
                  f"Quyết định số {decision.doc_number or '……'} ngày {_d(decision.event_date)} "
                  f"của Chủ tịch Ủy ban nhân dân {_own(unit)}, từ ngày "
                  f"{_d(decision.event_date)} đến ngày {_d(decision.term_end)}; trong thời hạn "
                  f"quản lý không phát hiện sử dụng trái phép chất ma túy.")
    doc.paragraph("Người có tên trên được đưa ra khỏi danh sách người sử dụng trái phép chất ma "
                  f"túy do Công an xã quản lý kể từ ngày "
                  f"{_d(closing.event_date if closing else decision.term_end)}.")
    _closing(doc, unit, issue, "Người có tên trên")
    return doc


def post_rehab_decision(person: Person, term: PostRehabTerm, team, issue: Issue
                        ) -> OfficialDocument:
    """Mẫu 51: the decision placing a person under post-rehab management where they live."""
    unit = person.unit
    doc = _decision(unit, issue, "Về việc quản lý sau cai nghiện ma túy tại nơi cư trú",
                    "Mẫu số 51", DECREE_116)
    if term.episode is not None:
        source = (f"Căn cứ việc người có tên tại Điều 1 đã hoàn thành "
                  f"{term.episode.form_label.lower()} (kết thúc ngày "
                  f"{_d(term.episode.end_date)});")
    elif term.methadone is not None:
        source = (f"Căn cứ việc người có tên tại Điều 1 đã hoàn thành điều trị nghiện bằng "
                  f"thuốc thay thế tại {term.methadone.facility};")
    else:
        source = None
    if source:
        doc.paragraph(source, italic=True)
    doc.paragraph(f"Theo đề nghị của Trưởng Công an {_own(unit)}.",
                  italic=True)
    doc.centered("QUYẾT ĐỊNH:")
    _article(doc, 1, "Quản lý sau cai nghiện ma túy tại nơi cư trú đối với:")
    doc.runs([("Họ và tên: ", False, False), (person.full_name, True, False),
              (f"; giới tính: {person.sex_label}.", False, False)])
    doc.paragraph(f"Ngày, tháng, năm sinh: {_birth(person)}.")
    doc.paragraph(f"Nghề nghiệp: {person.occupation or '……'}.")
    doc.paragraph(f"Nơi cư trú: {_residence(person)}.")
    doc.paragraph(f"Thời hạn quản lý: {term.months} tháng, kể từ ngày {_d(term.start_date)} "
                  f"đến ngày {_d(term.end_date)}.")
    doc.paragraph(f"Nơi quản lý: {unit.name}"
                  f"{', ' + _own(unit.parent) if unit.parent else ''}.")
    body = f"Công an {_own(unit)}"
    _article(doc, 2, f"Giao {body} chủ trì, phối hợp với Tổ quản lý, gia đình và các tổ chức, "
                     f"đoàn thể ở địa phương tổ chức thực hiện việc quản lý sau cai nghiện đối "
                     f"với người có tên tại Điều 1.")
    if team:
        doc.paragraph("Tổ quản lý gồm:")
        _team_table(doc, team)
    _in_force(doc, body)
    _closing(doc, unit, issue, "Như Điều 3")
    return doc


def post_rehab_certificate(person: Person, term: PostRehabTerm, issue: Issue
                           ) -> OfficialDocument:
    """Mẫu 54: the certificate of a completed post-rehab term."""
    unit = person.unit
    doc = _document(unit, issue, "GCN", "GIẤY CHỨNG NHẬN",
                    "Hoàn thành thời gian quản lý sau cai nghiện ma túy", "Mẫu số 54")
    doc.centered(f"CHỦ TỊCH ỦY BAN NHÂN DÂN {unit.name.upper()} CHỨNG NHẬN:")
    _person_lines(doc, person)
    doc.paragraph(f"Đã hoàn thành thời gian quản lý sau cai nghiện ma túy tại {unit.name} theo "
                  f"Quyết định số {term.decision_number or '……'} ngày {_d(term.decision_date)}, "
                  f"từ ngày {_d(term.start_date)} đến ngày {_d(term.ended_on or term.end_date)}.")
    _closing(doc, unit, issue, "Người có tên trên")
    return doc


def move_notice(person: Person, transfer: TransferRequest, issue: Issue, post_rehab: bool,
                decision: str) -> OfficialDocument:
    """Mẫu 08 (an illegal user under management) or Mẫu 53 (post-rehab): the notice to the new
    commune that the person has moved, with the file handed over."""
    unit = transfer.from_unit
    what = ("người đang quản lý sau cai nghiện ma túy" if post_rehab
            else "người sử dụng trái phép chất ma túy đang bị quản lý")
    code = "Mẫu số 53" if post_rehab else "Mẫu số 08"
    doc = _document(unit, issue, "TB", "THÔNG BÁO", f"Về việc {what} thay đổi nơi cư trú", code)
    to = transfer.to_unit
    doc.centered(f"Kính gửi: Ủy ban nhân dân {_own(to)}"
                 f"{', ' + _own(to.parent) if to.parent else ''}", bold=False)
    doc.paragraph(f"Ủy ban nhân dân {_own(unit)} thông báo:")
    _person_lines(doc, person)
    doc.paragraph(f"Hiện là {what} theo {decision}.")
    doc.paragraph(f"Nay người có tên trên thay đổi nơi cư trú đến {to.name}"
                  f"{', ' + _own(to.parent) if to.parent else ''}. Ủy ban nhân dân "
                  f"{_own(unit)} chuyển hồ sơ quản lý kèm theo Thông "
                  f"báo này, đề nghị Ủy ban nhân dân {_own(to)} tiếp nhận "
                  f"và tiếp tục quản lý trong thời gian còn lại theo quy định.")
    _closing(doc, unit, issue, f"Ủy ban nhân dân {_own(to)}",
             "Người có tên trên")
    return doc
