"""Communes also use LibreOffice: its own save of the filled template imports the same."""
from __future__ import annotations

from pathlib import Path

from libreoffice import convert
from xlsx_files import counts, fill_template, upload_and_check


def resave_with_libreoffice(data: bytes, tmp_path: Path) -> bytes:
    source = tmp_path / "mau.xlsx"
    source.write_bytes(data)
    return convert(source, tmp_path).read_bytes()


def test_a_template_filled_and_saved_by_libreoffice_imports(login_as, tmp_path):
    client = login_as("xa")
    rows = [["Lò Văn Pọm", "07/03/1990", "Nam", "014090001234", "Thái", "Làm nương",
             "Nông nghiệp", "99101", "Bản Mé", "Nghi nghiện", None, "Heroin", None, None],
            ["Quàng Thị Ánh", 1995, "Nữ", None, "Thái", None, None, None, None, "Nghi nghiện"]]
    data = resave_with_libreoffice(fill_template(client, rows), tmp_path)
    _, page = upload_and_check(client, data, "mau-libreoffice.xlsx")
    assert counts(page) == (2, 0, 0)
    assert "014090001234" in page  # the code column kept its leading zero
