"""Text typed with the legacy fonts (.VnTime / TCVN3, VNI-Times) is found and converted;
normal Unicode Vietnamese is never touched."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from xlsx_files import person_row, upload_and_check, xlsx

from webapp.demo import TREE
from webapp.demo.persons import AGRI, NAMES, NON_AGRI
from webapp.extensions import db
from webapp.imports import legacy
from webapp.registry.models import Person
from webapp.registry.vocab import ETHNICITIES


def demo_names() -> list[str]:
    names = set()
    for table in NAMES.values():
        for surname, _ in table["surnames"]:
            for middle in set(table["middle_m"] + table["middle_f"]):
                for given in table["given_m"] + table["given_f"]:
                    names.add(f"{surname} {middle} {given}")
    return sorted(names)


def unit_names() -> list[str]:
    out = []

    def walk(tree):
        for (code, name, _), children in tree.items():
            out.append(name)
            for child in children if isinstance(children, list) else []:
                out.append(child[1])
            if isinstance(children, dict):
                walk(children)

    walk(TREE)
    return out


UNICODE_TEXTS = (demo_names() + ETHNICITIES + unit_names()
                 + [name for name, _ in AGRI + NON_AGRI]
                 + ["Hòa", "Thái", "Tày", "Tô", "Ông", "Lò Văn Pọm", "Hòa Bình", "Café",
                    "Uống ½ viên", "Nguyễn Văn An", "Bản Hua La", "Tổ dân phố 3",
                    "Có tiền án, tiền sự", "Nghi nghiện", "Sử dụng trái phép"])


def test_the_examples_of_the_issue():
    assert legacy.detect("NguyÔn V¨n An").after == "Nguyễn Văn An"
    assert legacy.detect("NguyÔn V¨n An").encoding == "tcvn3"
    assert legacy.detect("Nguyeãn Vaên An").after == "Nguyễn Văn An"
    assert legacy.detect("Nguyeãn Vaên An").encoding == "vni"
    assert legacy.detect("Hµ Néi").after == "Hà Nội"
    assert legacy.detect("Möôøng Laïn").after == "Mường Lạn"


def test_unicode_vietnamese_is_never_converted():
    touched = [text for text in UNICODE_TEXTS if legacy.detect(text) is not None]
    assert touched == []
    assert len(UNICODE_TEXTS) > 10_000


@pytest.mark.parametrize("encoding", [legacy.TCVN3, legacy.VNI])
def test_names_typed_in_a_legacy_font_come_back_as_unicode(encoding):
    names = demo_names()
    wrong = []
    for name in names:
        typed = legacy.encode(name, encoding)
        found = legacy.detect(typed)
        if (found.after if found else typed) != name:
            wrong.append(name)
    # A name whose every word reads as Vietnamese both ways ("Thò" is VNI for Thị, and a word
    # too) is left alone unless the rest of its row gives the font away (next test).
    assert len(wrong) / len(names) < 0.02, wrong[:20]
    for name in wrong:
        typed = legacy.encode(name, encoding)
        assert legacy.detect(typed, hint=encoding).after == name


def test_tcvn3_capitals_are_restored():
    assert legacy.detect("§Æng ThÞ ¸nh").after == "Đặng Thị Ánh"
    assert legacy.detect("NGUYÔN V¡N AN").after == "NGUYỄN VĂN AN"


def test_a_row_typed_in_vni_converts_its_ambiguous_cells_too():
    row = [legacy.encode("Phan Thị Linh", legacy.VNI), legacy.encode("Bản Mường Lạn", legacy.VNI)]
    assert legacy.detect(row[0]) is None  # "Phan Thò Linh" could be Unicode
    hint = legacy.common_encoding(row)
    assert hint == legacy.VNI
    assert legacy.detect(row[0], hint).after == "Phan Thị Linh"


def test_a_unicode_cell_is_not_converted_by_a_legacy_neighbour():
    # "Ngô Xuân Tú" cannot be VNI ("Xuân" would be "Xuaân"): the hint does not apply.
    assert legacy.detect("Ngô Xuân Tú", hint=legacy.VNI) is None
    assert legacy.detect("Hoàng Thu Hòa", hint=legacy.TCVN3) is None


def test_the_preview_shows_the_conversions_and_the_registry_gets_unicode(app, login_as):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([
        person_row(full_name="NguyÔn V¨n An", address="Th«n T©n Hßa", occupation="Lµm ruéng"),
        person_row(full_name=legacy.encode("Lường Thị Ánh", legacy.VNI), sex="Nöõ",
                   address=legacy.encode("Bản Mé", legacy.VNI)),
        person_row(full_name="Quàng Văn Ún"),
    ]))
    assert "Xác nhận nhập 3 người" in page
    assert "<td>Dòng 2</td><td>Họ và tên</td><td>Phông TCVN3 (.VnTime) → Unicode</td>" \
           "<td>NguyÔn V¨n An</td><td>Nguyễn Văn An</td>" in page
    assert "<td>Phông VNI (VNI-Times) → Unicode</td><td>Löôøng Thò AÙnh</td>" \
           "<td>Lường Thị Ánh</td>" in page
    assert "3 ô gõ bằng phông TCVN3 (.VnTime)" in page
    conversions = page.split('id="import-conversions"')[1].split("</table>")[0]
    assert "Quàng Văn Ún" not in conversions
    client.post(f"/imports/{job_id}/confirm")
    with app.app_context():
        people = {p.full_name: p for p in db.session.scalars(select(Person))}
    assert set(people) == {"Nguyễn Văn An", "Lường Thị Ánh", "Quàng Văn Ún"}
    assert people["Nguyễn Văn An"].address == "Thôn Tân Hòa"
    assert people["Nguyễn Văn An"].occupation == "Làm ruộng"
    assert people["Lường Thị Ánh"].sex == "F" and people["Lường Thị Ánh"].address == "Bản Mé"
