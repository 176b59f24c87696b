"""Small upload bodies for the attachment tests: real formats, built in a few bytes."""
from __future__ import annotations

import struct
import zlib


def pdf(body: bytes = b"") -> bytes:
    """A minimal, valid one-page PDF; `body` is added as an extra object's content."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    if body:
        objects.append(body)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def compressed_stream(content: bytes, kind: str = "/Type /ObjStm") -> bytes:
    data = zlib.compress(content)
    return (f"<< {kind} /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode()
            + data + b"\nendstream")


def image_stream(raw: bytes) -> bytes:
    return (f"<< /Subtype /Image /Length {len(raw)} /Filter /DCTDecode >>\nstream\n".encode()
            + raw + b"\nendstream")


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
