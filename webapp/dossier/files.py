"""Scanned attachments: what a file really is (from its bytes, never its name), whether a PDF
carries active content, and where it is kept (outside the web root, under a random name).

Storage is `ATTACHMENTS_DIR` (default `instance/attachments`, the folder the backup takes),
one sub-folder per two first characters of the random name. Files are never deleted here: a
replaced or removed attachment is voided in the database and stays on disk.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from .. import settings

TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
EXTENSIONS = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".png": "image/png"}
CHUNK = 64 * 1024


class FileRefused(ValueError):
    """Said to the officer beside the file field."""


def max_bytes() -> int:
    return int(settings.get("attachment_max_mb")) * 1024 * 1024


def too_large_message() -> str:
    return (f"Tệp quá lớn: chỉ nhận tệp đến {settings.get('attachment_max_mb')} MB. Vui lòng "
            "quét lại với độ phân giải thấp hơn (200 dpi, đen trắng) hoặc chia thành nhiều tệp.")


def sniff(head: bytes) -> str | None:
    """The type the content is, from its first bytes."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


# Active content: scripts, launching programs, actions run on opening (with a script).
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_ACTIVE = re.compile(rb"/(JS|JavaScript|Launch|RichMedia|XFA)(?![A-Za-z0-9])")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.S)


def _names(raw: bytes) -> bytes:
    """PDF names may spell letters as #xx (/J#61vaScript): undo that before looking."""
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def pdf_problem(data: bytes) -> str | None:
    """Why this PDF is refused, or None. Looks at the dictionaries: outside the streams, and
    inside the compressed object streams that hide dictionaries. Not inside image or page
    data, where any three bytes may happen to read "/JS"."""
    if b"/Encrypt" in data:
        return ("Tệp PDF có mật khẩu hoặc được mã hóa nên không kiểm tra được nội dung. Vui "
                "lòng lưu lại bản không mã hóa.")
    parts = [_STREAM.sub(b"stream\nendstream", data)]
    for match in _STREAM.finditer(data):
        header = data[max(0, match.start() - 2000):match.start()]
        header = header[header.rfind(b"obj"):]  # this stream's own dictionary
        if b"/ObjStm" not in _names(header):
            continue
        try:
            parts.append(zlib.decompressobj().decompress(match.group(1), 50 * 1024 * 1024))
        except zlib.error:
            parts.append(match.group(1))  # not Flate: look at it as it is
    for part in parts:
        if _ACTIVE.search(_names(part)):
            return ("Tệp PDF chứa mã lệnh (JavaScript) hoặc lệnh tự chạy chương trình nên bị "
                    "từ chối. Vui lòng in ra PDF lại từ máy quét hoặc dùng ảnh JPEG/PNG.")
    return None


@dataclass
class Checked:
    data: bytes
    mime: str
    sha256: str
    original_name: str | None


def check(stream, filename: str | None) -> Checked:
    """Read the upload (at most the limit), and say why it is refused if it is."""
    limit = max_bytes()
    chunks, size = [], 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise FileRefused(too_large_message())
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise FileRefused("Vui lòng chọn tệp bản quét (PDF, JPEG hoặc PNG).")
    mime = sniff(data[:16])
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:200] or None
    claimed = EXTENSIONS.get(os.path.splitext(name or "")[1].lower())
    if mime is None:
        raise FileRefused("Tệp không phải bản quét PDF, JPEG hoặc PNG (kiểm tra theo nội dung "
                          "tệp, không theo tên tệp). Vui lòng chọn đúng tệp.")
    if claimed is not None and claimed != mime:
        ext = os.path.splitext(name)[1].lower()
        raise FileRefused(f"Tệp có tên đuôi {ext} nhưng nội dung là {TYPES[mime]}: tên tệp "
                          "không đúng với nội dung. Vui lòng kiểm tra lại tệp.")
    if mime == "application/pdf":
        problem = pdf_problem(data)
        if problem:
            raise FileRefused(problem)
    return Checked(data, mime, hashlib.sha256(data).hexdigest(), name)


def root() -> Path:
    return Path(current_app.config["ATTACHMENTS_DIR"])


def path_of(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{40}\.bin", stored_name):
        raise FileNotFoundError(stored_name)  # only names this module made
    return root() / stored_name


def store(data: bytes) -> str:
    """Write the bytes under a new random name; returns that name. Written whole or not at
    all (a temporary file renamed into place)."""
    token = secrets.token_hex(20)
    name = f"{token[:2]}/{token}.bin"
    target = root() / name
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_suffix(".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return name


def discard(stored_name: str) -> None:
    """Undo `store` when the database refused the row that would have pointed at it."""
    try:
        path_of(stored_name).unlink(missing_ok=True)
    except FileNotFoundError:
        pass
