"""SQLite's log is copied back into the database by a thread of the process, not by the
request that happens to commit when it passes the threshold (webapp/ops/sqlite.py)."""
from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from webapp.ops import sqlite


def _engine(path):
    sqlite.install()
    return create_engine(f"sqlite:///{path}")


def _fill(engine, rows: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (x TEXT)"))
        conn.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "é" * 500}] * rows)


def test_a_connection_leaves_checkpoints_to_the_thread_with_a_backstop(tmp_path):
    engine = _engine(tmp_path / "a.sqlite3")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == \
            sqlite.AUTOCHECKPOINT_PAGES
    assert str(tmp_path / "a.sqlite3") in sqlite.checkpointer().paths
    engine.dispose()


def _own_watcher(monkeypatch) -> sqlite.Checkpointer:
    """A checkpointer whose thread is not started: the test runs its rounds itself (the
    process's own would checkpoint these files whenever its second comes)."""
    watcher = sqlite.Checkpointer()
    monkeypatch.setattr(sqlite, "checkpointer", lambda: watcher)
    return watcher


def test_a_log_past_the_threshold_is_checkpointed_and_a_small_one_is_left(tmp_path,
                                                                          monkeypatch):
    path = tmp_path / "b.sqlite3"
    watcher = _own_watcher(monkeypatch)
    engine = _engine(path)
    _fill(engine, 100)  # about a dozen pages of log
    watcher.once()
    assert watcher.paths[str(path)] == 0  # left alone: never checkpointed

    _fill(engine, 20_000)  # past CHECKPOINT_PAGES, in the log only
    assert os.path.getsize(f"{path}-wal") >= sqlite.CHECKPOINT_PAGES * sqlite.PAGE_BYTES
    assert os.path.getsize(path) < 1_000_000
    watcher.once()
    assert os.path.getsize(path) > 20_000 * 500  # copied into the database file
    assert watcher.paths[str(path)] == os.stat(f"{path}-wal").st_mtime_ns
    engine.dispose()


def test_a_deleted_database_is_forgotten_not_created_again(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    watcher = _own_watcher(monkeypatch)
    engine = _engine(path)
    _fill(engine, 10)
    engine.dispose()
    assert str(path) in watcher.paths
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{path}{suffix}"):
            os.remove(f"{path}{suffix}")
    watcher.once(pages=0)
    assert str(path) not in watcher.paths
    assert not path.exists()
