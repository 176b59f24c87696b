"""Communes also use LibreOffice: its own save of the filled template imports the same."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from xlsx_files import counts, fill_template, upload_and_check

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def resave_with_libreoffice(data: bytes, tmp_path: Path) -> bytes:
    if SOFFICE is None:
        message = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    source = tmp_path / "mau.xlsx"
    source.write_bytes(data)
    outdir = tmp_path / "converted"
    outdir.mkdir()
    profile = tmp_path / "lo-profile"
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(source)],
        capture_output=True, text=True, timeout=240, env={**os.environ, "HOME": str(tmp_path)})
    converted = outdir / source.name
    assert result.returncode == 0 and converted.exists(), result.stdout + result.stderr
    return converted.read_bytes()


def test_a_template_filled_and_saved_by_libreoffice_imports(login_as, tmp_path):
    client = login_as("xa")
    rows = [["Lò Văn Pọm", "07/03/1990", "Nam", "014090001234", "Thái", "Làm nương",
             "Nông nghiệp", "99101", "Bản Mé", "Nghi nghiện", None, "Heroin", None, None],
            ["Quàng Thị Ánh", 1995, "Nữ", None, "Thái", None, None, None, None, "Nghi nghiện"]]
    data = resave_with_libreoffice(fill_template(client, rows), tmp_path)
    _, page = upload_and_check(client, data, "mau-libreoffice.xlsx")
    assert counts(page) == (2, 0, 0)
    assert "014090001234" in page  # the code column kept its leading zero
