"""SQLite in WAL mode with a busy timeout: readers never block the writer, and a writer waits
for another instead of failing at once with "database is locked".

`synchronous = NORMAL`, SQLite's own advice for WAL: a commit no longer waits for the disk to
sync the log (every page view commits its audit entry; the sync cost ~6 ms each on this
machine's disk), yet the database can never be corrupted: after a power cut, the last commits
before it may be lost, never half-kept. A deployment that cannot accept that runs PostgreSQL
(see README, "What is guaranteed")."""
from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15_000
# Pages kept by each connection (SQLite's default is 2 MiB): writing thousands of persons at
# once (an import) touches their dozen indexes at random places, and with the default cache it
# read the same pages again and again (an eighth of a 5,000-row confirmation's time).
CACHE_KIB = 16 * 1024


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")  # an in-memory database answers "memory"
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    cursor.close()


def install() -> None:
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
