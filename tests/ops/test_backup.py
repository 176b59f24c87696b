"""Backup and restore round trips (SQLite always, PostgreSQL when it is the test database);
restore refuses what is not a backup; SQLite runs in WAL mode with a busy timeout."""
from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db

CHECKED_TABLES = ["units", "users", "login_events", "audit_log"]


@pytest.fixture
def sqlite_app(tmp_path):
    """A second app on its own SQLite file, built by the migrations."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'own.sqlite3'}"

    app = create_app(Config)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=["test database", "sqlite file"])
def backend(request, app, tmp_path, monkeypatch):
    """The suite's database (SQLite or PostgreSQL), and always a SQLite file too."""
    if request.param == "sqlite file":
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            pytest.skip("the test database is already a SQLite file")
        target = request.getfixturevalue("sqlite_app")
    else:
        target = app
    monkeypatch.setitem(target.config, "ATTACHMENTS_DIR", str(tmp_path / "attachments"))
    return target


def _seed(app) -> None:
    from webapp.auth.models import LoginEvent
    from webapp.demo import load_units, load_users

    with app.app_context():
        load_users(load_units())
        db.session.add(LoginEvent(username="xa", outcome="success", ip="10.0.0.7"))
        db.session.commit()


def _existing(table: str) -> bool:
    return table in db.inspect(db.engine).get_table_names()


def _fingerprint(app) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row, in primary-key order, of a few tables."""
    with app.app_context():
        result = {}
        for name in CHECKED_TABLES:
            if not _existing(name):
                continue
            rows = db.session.execute(text(f"SELECT * FROM {name} ORDER BY id")).all()
            digest = hashlib.sha256(repr([tuple(map(str, r)) for r in rows]).encode()).hexdigest()
            result[name] = (len(rows), digest)
        db.session.remove()
        return result


def _wipe(app) -> None:
    with app.app_context():
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.session.remove()


def test_backup_then_wipe_then_restore_gives_back_every_row(backend, tmp_path):
    _seed(backend)
    attachments = Path(backend.config["ATTACHMENTS_DIR"])
    (attachments / "2026").mkdir(parents=True)
    (attachments / "2026" / "quyet-dinh.pdf").write_bytes(b"%PDF-1.4 scanned decision")
    before = _fingerprint(backend)
    assert before["units"][0] > 10 and before["users"][0] > 5 and before["login_events"][0] == 1

    runner = backend.test_cli_runner()
    file = tmp_path / "sao-luu.tar.gz"
    made = runner.invoke(args=["backup", str(file)])
    assert made.exit_code == 0, made.output
    assert file.stat().st_mode & 0o077 == 0  # personal data: owner only

    _wipe(backend)
    (attachments / "2026" / "quyet-dinh.pdf").unlink()
    (attachments / "stray.txt").write_text("made after the backup")
    assert all(count == 0 for count, _ in _fingerprint(backend).values())

    restored = runner.invoke(args=["restore", str(file), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "Đã khôi phục" in restored.output
    assert _fingerprint(backend) == before
    assert (attachments / "2026" / "quyet-dinh.pdf").read_bytes() == b"%PDF-1.4 scanned decision"
    assert not (attachments / "stray.txt").exists()
    with backend.app_context():  # the app works on the restored database
        assert db.session.scalar(text("SELECT version_num FROM alembic_version"))


def test_the_backup_holds_a_manifest_the_dump_and_the_attachments(backend, tmp_path):
    _seed(backend)
    (Path(backend.config["ATTACHMENTS_DIR"]) / "a.txt").parent.mkdir(parents=True)
    (Path(backend.config["ATTACHMENTS_DIR"]) / "a.txt").write_text("x")
    file = tmp_path / "b.tar.gz"
    assert backend.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    with tarfile.open(file) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["format"] == "qlcn-backup" and manifest["dump"] in names
    assert "attachments/a.txt" in names
    assert manifest["row_counts"]["units"] == _fingerprint(backend)["units"][0]


def _tar_gz(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _manifest(dialect: str, **extra) -> bytes:
    dump = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[dialect]
    return json.dumps({"format": "qlcn-backup", "version": 1, "database": dialect,
                       "dump": dump, **extra}).encode()


def _not_a_tarball(p, _):
    (p / "x.tar.gz").write_bytes(b"not a tarball at all")
    return p / "x.tar.gz"


@pytest.mark.parametrize("make, says", [
    (_not_a_tarball, "không đọc được dạng .tar.gz"),
    (lambda p, d: _tar_gz(p / "x.tar.gz", {"database.sqlite3": b"..."}),
     "không phải bản sao lưu của hệ thống này"),
    (lambda p, d: _tar_gz(p / "x.tar.gz", {"manifest.json": b'{"format": "other"}'}),
     "không phải bản sao lưu của hệ thống này"),
    (lambda p, d: _tar_gz(p / "x.tar.gz", {"manifest.json": _manifest(d, version=9)}),
     "phần mềm này không đọc được"),
    (lambda p, d: _tar_gz(p / "x.tar.gz", {"manifest.json": _manifest(d)}),
     "thiếu phần cơ sở dữ liệu"),
    (lambda p, d: _tar_gz(p / "x.tar.gz", {"manifest.json": _manifest(d),
                                           json.loads(_manifest(d))["dump"]: b"garbage" * 200}),
     "không đọc được"),
    (lambda p, d: p / "missing.tar.gz", "Không có tệp"),
], ids=["not-gzip", "no-manifest", "other-format", "newer-version", "no-dump", "corrupt-dump",
        "missing"])
def test_restore_refuses_what_is_not_a_backup_and_leaves_the_data_alone(
        app, demo, tmp_path, make, says):
    dialect = "sqlite" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "postgresql"
    before = _fingerprint(app)
    result = app.test_cli_runner().invoke(args=["restore", str(make(tmp_path, dialect)), "--yes"])
    assert result.exit_code != 0 and says in result.output, result.output
    assert _fingerprint(app) == before


def test_restore_refuses_a_backup_of_the_other_kind_of_database(app, tmp_path):
    other = "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "sqlite"
    dump = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[other]
    file = _tar_gz(tmp_path / "x.tar.gz", {"manifest.json": json.dumps(
        {"format": "qlcn-backup", "version": 1, "database": other, "dump": dump}).encode(),
        dump: b"..."})
    result = app.test_cli_runner().invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code != 0 and "không khôi phục chéo" in result.output


def test_restore_asks_before_overwriting(app, demo, tmp_path):
    file = tmp_path / "b.tar.gz"
    monkey_dir = tmp_path / "attachments"
    app.config["ATTACHMENTS_DIR"], saved = str(monkey_dir), app.config["ATTACHMENTS_DIR"]
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["backup", str(file)]).exit_code == 0
        before = _fingerprint(app)
        declined = runner.invoke(args=["restore", str(file)], input="n\n")
        assert declined.exit_code != 0 and "Tiếp tục?" in declined.output
        assert _fingerprint(app) == before
    finally:
        app.config["ATTACHMENTS_DIR"] = saved


@pytest.fixture
def file_sqlite_app(app, request):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        return app
    return request.getfixturevalue("sqlite_app")


def test_a_sqlite_file_database_runs_in_wal_mode_with_a_busy_timeout(file_sqlite_app):
    with file_sqlite_app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            # NORMAL (1): the log is not synced on every commit; never FULL (2) or OFF (0).
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1


def test_a_reader_in_a_long_transaction_does_not_block_a_writer(file_sqlite_app):
    path = file_sqlite_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with file_sqlite_app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS wal_probe (n INTEGER)")
        reader = db.engine.connect()
        try:
            reader.exec_driver_sql("BEGIN")
            reader.exec_driver_sql("SELECT count(*) FROM wal_probe").scalar()  # holds a snapshot
            done = []

            def write():
                writer = sqlite3.connect(path, timeout=0.5)  # would fail if it had to wait
                writer.execute("INSERT INTO wal_probe VALUES (1)")
                writer.commit()
                writer.close()
                done.append(True)

            thread = threading.Thread(target=write)
            thread.start()
            thread.join(5)
            assert done == [True]
            assert reader.exec_driver_sql("SELECT count(*) FROM wal_probe").scalar() == 0
        finally:
            reader.rollback()
            reader.close()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE wal_probe")


def test_extraction_is_safe_without_the_data_filter_of_newer_pythons(tmp_path, monkeypatch):
    """Debian 12's Python 3.11.2 has no `filter="data"`: the members are checked by hand."""
    import io
    import tarfile

    from webapp.ops.backup import _extract_safely

    monkeypatch.delattr(tarfile, "data_filter", raising=False)

    def archive(name: str, link: bool = False):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            info = tarfile.TarInfo(name)
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            else:
                info.size = 2
            tar.addfile(info, None if link else io.BytesIO(b"ok"))
        buf.seek(0)
        return tarfile.open(fileobj=buf, mode="r:gz")

    _extract_safely(archive("manifest.json"), str(tmp_path / "a"))
    assert (tmp_path / "a" / "manifest.json").read_bytes() == b"ok"
    for bad in (archive("../escape.txt"), archive("/abs.txt"), archive("link", link=True)):
        with pytest.raises(tarfile.TarError):
            _extract_safely(bad, str(tmp_path / "b"))
    assert not (tmp_path / "escape.txt").exists()
