"""One file holds everything needed to bring the system back: the database and the attachments.

The file is a .tar.gz with `manifest.json` (what it is, from which database, the row count of
every table), the dump (`database.sqlite3` through SQLite's online backup API, or
`database.pgdump` from `pg_dump -Fc`) and `attachments/` when that directory exists.
Restore refuses anything else, and checks the row counts against the manifest afterwards.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from ..extensions import db
from ..timeutil import now_utc

FORMAT = "qlcn-backup"
VERSION = 1
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """Said to the operator as it is (Vietnamese)."""


@dataclass
class Summary:
    database: str
    tables: int
    rows: int
    attachments: int


def _url() -> URL:
    return make_url(str(db.engine.url))


def _dialect(url: URL) -> str:
    name = url.get_backend_name()
    if name not in DUMPS:
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu loại {name}.")
    return name


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory"):
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(url.database)


def _libpq_env(url: URL) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore by environment: no password on a command line."""
    env = dict(os.environ)
    for var, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[var] = str(value)
    if "sslmode" in url.query:
        env["PGSSLMODE"] = str(url.query["sslmode"])
    return env


def _run(command: list[str], env: dict[str, str], failure: str | None = None) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"Không tìm thấy lệnh {command[0]} (cài gói postgresql-client).") from None
    if done.returncode != 0:
        raise BackupError(f"{failure or command[0] + ' báo lỗi'}: {done.stderr.strip()[-2000:]}")


def row_counts() -> dict[str, int]:
    names = set(inspect(db.engine).get_table_names())
    tables = [t for t in db.metadata.sorted_tables if t.name in names]
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}


def _revision() -> str | None:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:
        db.session.rollback()
        return None


def _attachments_dir() -> Path:
    return Path(current_app.config["ATTACHMENTS_DIR"])


def backup(target: Path) -> Summary:
    url = _url()
    dialect = _dialect(url)
    counts = row_counts()
    revision = _revision()
    db.session.remove()
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="backup-") as tmp:
        dump = Path(tmp) / DUMPS[dialect]
        if dialect == "sqlite":
            source = sqlite3.connect(_sqlite_path(url))
            copy = sqlite3.connect(dump)
            try:
                source.backup(copy)  # a consistent copy while the app keeps running
            finally:
                copy.close()
                source.close()
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={dump}"], _libpq_env(url))
        attachments = _attachments_dir()
        files = ([p for p in attachments.rglob("*") if p.is_file()]
                 if attachments.is_dir() else [])
        manifest = {"format": FORMAT, "version": VERSION, "created_at": now_utc().isoformat(),
                    "database": dialect, "dump": dump.name, "alembic_revision": revision,
                    "row_counts": counts, "attachments": attachments.is_dir(),
                    "attachment_files": len(files)}
        partial = target.with_name(target.name + ".part")
        # Personal data: readable by the owner only, even while it is being written.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(now_utc().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            if attachments.is_dir():
                tar.add(attachments, arcname="attachments")
        os.replace(partial, target)
    return Summary(dialect, len(counts), sum(counts.values()), len(files))


def read_manifest(tar: tarfile.TarFile, source: Path) -> dict:
    not_ours = (f"Tệp {source} không phải bản sao lưu của hệ thống này "
                "(tạo bằng `flask --app wsgi backup`).")
    try:
        member = tar.getmember("manifest.json")
        manifest = json.loads(tar.extractfile(member).read())
    except (KeyError, AttributeError, ValueError):
        raise BackupError(not_ours) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(not_ours)
    if manifest.get("version") != VERSION or manifest.get("database") not in DUMPS:
        raise BackupError(f"Bản sao lưu {source} có định dạng phiên bản "
                          f"{manifest.get('version')!r}, phần mềm này không đọc được.")
    if manifest.get("dump") != DUMPS[manifest["database"]]:
        raise BackupError(not_ours)
    return manifest


def _extract_safely(tar: tarfile.TarFile, target: str) -> None:
    """Extract with no absolute paths, links out or devices. `filter="data"` exists from
    Python 3.11.4; Debian 12 ships 3.11.2, where the members are checked here instead."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(target, filter="data")
        return
    root = Path(target).resolve()
    for member in tar.getmembers():
        path = (root / member.name).resolve()
        if not (member.isfile() or member.isdir()) or root not in (path, *path.parents):
            raise tarfile.TarError(f"phần tử không an toàn: {member.name}")
    tar.extractall(target)


def restore(source: Path) -> Summary:
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Không có tệp {source}.")
    url = _url()
    dialect = _dialect(url)
    try:
        tar = tarfile.open(source, mode="r:gz")
    except (tarfile.TarError, OSError, EOFError):
        raise BackupError(f"Tệp {source} không phải bản sao lưu của hệ thống này "
                          "(không đọc được dạng .tar.gz).") from None
    with tar, tempfile.TemporaryDirectory(prefix="restore-") as tmp:
        manifest = read_manifest(tar, source)
        if manifest["database"] != dialect:
            raise BackupError(f"Bản sao lưu là của {manifest['database']}, nhưng DATABASE_URL "
                              f"đang trỏ tới {dialect}: không khôi phục chéo được.")
        try:
            _extract_safely(tar, tmp)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"Tệp {source} bị hỏng: {exc}") from None
        dump = Path(tmp) / manifest["dump"]
        if not dump.is_file():
            raise BackupError(f"Tệp {source} thiếu phần cơ sở dữ liệu ({manifest['dump']}).")

        db.session.remove()
        db.engine.dispose()  # no pooled connection holds the old tables
        if dialect == "sqlite":
            _restore_sqlite(dump, _sqlite_path(url))
        else:
            env = _libpq_env(url)
            # Readable before anything is dropped.
            _run(["pg_restore", "--list", str(dump)], env,
                 "Phần cơ sở dữ liệu trong bản sao lưu không đọc được")
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", f"--dbname={env.get('PGDATABASE', '')}", str(dump)], env)
        db.engine.dispose()

        files = 0
        if manifest.get("attachments"):
            files = _replace_attachments(Path(tmp) / "attachments")

    counts = row_counts()
    expected = manifest.get("row_counts", {})
    wrong = {name: (n, counts.get(name)) for name, n in expected.items() if counts.get(name) != n}
    if wrong:
        raise BackupError("Sau khi khôi phục, số dòng không khớp bản sao lưu: " + ", ".join(
            f"{name} {got} ≠ {n}" for name, (n, got) in sorted(wrong.items())))
    return Summary(dialect, len(counts), sum(counts.values()), files)


def _restore_sqlite(dump: Path, target: Path) -> None:
    source = sqlite3.connect(dump)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("Phần cơ sở dữ liệu trong bản sao lưu bị hỏng.")
        if not source.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
            raise BackupError("Phần cơ sở dữ liệu trong bản sao lưu không phải của hệ thống này.")
        target.parent.mkdir(parents=True, exist_ok=True)
        destination = sqlite3.connect(target, timeout=30)
        try:
            source.backup(destination)  # page by page, under SQLite's own lock
        finally:
            destination.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Phần cơ sở dữ liệu trong bản sao lưu không đọc được: {exc}") from None
    finally:
        source.close()


def _replace_attachments(extracted: Path) -> int:
    target = _attachments_dir()
    extracted.mkdir(exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".restoring")
    old = target.with_name(target.name + ".old")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(extracted, staged)
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return sum(1 for p in target.rglob("*") if p.is_file())
