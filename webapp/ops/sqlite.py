"""SQLite in WAL mode with a busy timeout: readers never block the writer, and a writer waits
for another instead of failing at once with "database is locked".

`synchronous = NORMAL`, SQLite's own advice for WAL: a commit no longer waits for the disk to
sync the log (every page view commits its audit entry; the sync cost ~6 ms each on this
machine's disk), yet the database can never be corrupted: after a power cut, the last commits
before it may be lost, never half-kept. A deployment that cannot accept that runs PostgreSQL
(see README, "What is guaranteed").

Checkpoints (copying the log back into the database file) are run by a thread of each process,
as PostgreSQL's checkpointer does, not by whichever request commits when the log passes
SQLite's threshold: that request used to pay for everyone's writes (a quarter of a second
after a 5,000-row import, charged to the import or to the next page view). The thread looks at
the log every CHECKPOINT_SECONDS and checkpoints it PASSIVE (never waiting for, nor blocking,
a reader or the writer) once it holds CHECKPOINT_PAGES. SQLite's own checkpoint on commit stays
as a backstop at AUTOCHECKPOINT_PAGES, should the thread ever fall behind."""
from __future__ import annotations

import logging
import os
import sqlite3
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 15_000
# Pages kept by each connection (SQLite's default is 2 MiB): writing thousands of persons at
# once (an import) touches their dozen indexes at random places, and with the default cache it
# read the same pages again and again (an eighth of a 5,000-row confirmation's time).
CACHE_KIB = 16 * 1024
CHECKPOINT_SECONDS = 1.0
CHECKPOINT_PAGES = 1000  # SQLite's default threshold for its checkpoint on commit
AUTOCHECKPOINT_PAGES = 50_000  # the backstop: about 200 MB of log
PAGE_BYTES = 4096  # SQLite's default page size, which these databases keep
# After a checkpoint that emptied the log, the next writer truncates its file to this size.
JOURNAL_LIMIT_BYTES = CHECKPOINT_PAGES * PAGE_BYTES


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]  # in memory: "memory"
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    if mode == "wal":
        cursor.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit = {JOURNAL_LIMIT_BYTES}")
        path = next((row[2] for row in cursor.execute("PRAGMA database_list")
                     if row[1] == "main"), "")
        if path:
            checkpointer().watch(path)
    cursor.close()


def install() -> None:
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)


def checkpoint(path: str) -> tuple[int, int, int]:
    """A PASSIVE checkpoint of the database at `path`, on a connection of its own: SQLite's
    (busy, frames in the log, frames copied back)."""
    # mode=rw: a database deleted meanwhile (a test's) is not created again, empty.
    connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1)
    try:
        return connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        connection.close()


class Checkpointer(threading.Thread):
    """One per process: checkpoints the logs of the databases it was asked to watch."""

    def __init__(self):
        super().__init__(daemon=True, name="sqlite-checkpoint")
        self.paths: dict[str, int] = {}  # path → its log's mtime at the last checkpoint
        self.lock = threading.Lock()
        self.pid = os.getpid()

    def watch(self, path: str) -> None:
        with self.lock:
            self.paths.setdefault(path, 0)

    def run(self) -> None:
        never = threading.Event()  # a daemon: it ends with the process
        while not never.wait(CHECKPOINT_SECONDS):
            self.once()

    def once(self, pages: int = CHECKPOINT_PAGES) -> None:
        """Checkpoint every watched log that grew by `pages` since its last checkpoint."""
        with self.lock:
            paths = list(self.paths)
        for path in paths:
            try:
                stat = os.stat(f"{path}-wal")
            except FileNotFoundError:
                if not os.path.exists(path):
                    with self.lock:
                        self.paths.pop(path, None)  # the database is gone (a test's)
                continue
            # Below the threshold the log is left to grow (its file is truncated back to the
            # threshold when a writer starts it again); above it, checkpointed once it changed.
            if stat.st_size < pages * PAGE_BYTES or stat.st_mtime_ns == self.paths.get(path):
                continue
            try:
                checkpoint(path)
            except sqlite3.Error:
                log.warning("checkpoint of %s failed", path, exc_info=True)
                continue
            with self.lock:
                self.paths[path] = stat.st_mtime_ns


_checkpointer: Checkpointer | None = None
_started = threading.Lock()


def checkpointer() -> Checkpointer:
    """This process's checkpointer, started on first use (again in a forked worker)."""
    global _checkpointer
    with _started:
        if _checkpointer is None or _checkpointer.pid != os.getpid():
            _checkpointer = Checkpointer()
            _checkpointer.start()
        return _checkpointer
