"""Round trip through LibreOffice headless: what a commune's office suite makes of our files.

Skipped where LibreOffice is missing, except in CI (CI set), where that is a failure.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: Path, tmp_path: Path, target: str = "xlsx:Calc MS Excel 2007 XML") -> Path:
    """Open and save `path` with LibreOffice (xlsx → xlsx by default; "pdf" for a workbook or
    a Word document); return the converted file."""
    if SOFFICE is None:
        message = ("LibreOffice (soffice) is not installed: "
                   "apt-get install libreoffice-calc-nogui libreoffice-writer-nogui")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    outdir = tmp_path / "converted"
    outdir.mkdir(exist_ok=True)
    profile = tmp_path / "lo-profile"  # its own profile: no clash with a running LibreOffice
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(outdir), str(path)],
        capture_output=True, text=True, timeout=240, env={**os.environ, "HOME": str(tmp_path)})
    converted = outdir / (path.name if target.startswith("xlsx")
                          else f"{path.stem}.{target.split(':')[0]}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert converted.exists() and converted.stat().st_size > 0, result.stdout + result.stderr
    assert "Error" not in result.stderr, result.stderr
    return converted
