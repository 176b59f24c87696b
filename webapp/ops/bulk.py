"""Inserting many rows at once inside the session's transaction, on either database.

* SQLite: one executemany; with ids, the first row's id read back and the next ones given.
* PostgreSQL: `COPY … FROM STDIN` (psycopg), the ids drawn first from the table's sequence.
  SQLAlchemy's multi-row `INSERT … RETURNING` is slow there: psycopg re-parses every
  statement of thousands of placeholders in Python (seconds for a 5,000-row import).

Rows are dicts with the same keys; JSON columns hold Python values (encoded here for COPY).
Nothing of the ORM runs: callers write their own audit entries (audit.record_created).

`Writer` runs a transaction's several bulk inserts in order; on PostgreSQL each COPY goes to a
thread of its own, so that Python builds the next table's rows while the server takes the
previous one (the server's share of an import's confirmation is about half of it).
"""
from __future__ import annotations

import operator
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import JSON, Date, DateTime, insert, text
from sqlalchemy.exc import IntegrityError

from ..config import json_dumps
from ..extensions import db


def insert_rows(table, rows: list[dict], with_ids: bool = False) -> list[int]:
    """Insert `rows` into `table` (a Table, or a model's `__table__`); with `with_ids`, the new
    ids in the rows' order (also set as each row's "id")."""
    if not rows:
        return []
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        return _copy(table, rows, with_ids)
    if not with_ids:
        _sqlite_many(table, rows)
        return []
    return _sqlite_with_ids(table, rows)


def _sqlite_many(table, rows: list[dict]) -> None:
    """One executemany of already bound values: each column's own bind processor (dates,
    JSON) applied here, without SQLAlchemy's per-row parameter building (a third of a large
    import's write). Tables whose missing columns have Python-side defaults go through
    SQLAlchemy, which fills them."""
    names = list(rows[0])
    if any(c.name not in rows[0] and (c.default is not None or c.onupdate is not None)
           for c in table.c):
        db.session.execute(insert(table), rows)
        return
    dialect = db.session.get_bind().dialect
    processors = [(i, _memoised(process) if isinstance(table.c[name].type, (Date, DateTime))
                   else process) for i, name in enumerate(names)
                  if (process := table.c[name].type._cached_bind_processor(dialect))]
    values = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    bound = []
    for row in rows:
        row_values = list(values(row))
        for i, process in processors:
            row_values[i] = process(row_values[i])
        bound.append(tuple(row_values))
    columns = ", ".join(f'"{name}"' for name in names)
    db.session.connection().exec_driver_sql(
        f'INSERT INTO "{table.name}" ({columns}) VALUES ({", ".join("?" * len(names))})', bound)


def _memoised(process):
    """A date's or a moment's processor (string formatting on SQLite), once per value: the
    rows of one insert share their moment of writing, their day of registration, and many of
    their other days."""
    done: dict = {}

    def memoised(value):
        out = done.get(value, done)
        if out is done:
            done[value] = out = process(value)
        return out

    return memoised


def _sqlite_with_ids(table, rows: list[dict]) -> list[int]:
    """The first row inserted on its own gives its id; the others take the next ones, in one
    executemany. That insert holds SQLite's write lock until the commit, so nobody else
    inserts meanwhile, and its new id is above every id the table has or had (max + 1, or the
    AUTOINCREMENT counter + 1): the next ids are free. (`INSERT … RETURNING` of many rows in
    their order is one statement per row on SQLite: seconds for a 5,000-row import.)"""
    session = db.session
    first = session.execute(insert(table).returning(table.c.id), rows[0]).scalar_one()
    ids = _given(rows, list(range(first, first + len(rows))))
    if len(rows) > 1:
        _sqlite_many(table, rows[1:])
    return ids


def _copy(table, rows: list[dict], with_ids: bool) -> list[int]:
    connection = db.session.connection()
    ids = _given(rows, _next_ids(connection, table, len(rows))) if with_ids else []
    _copy_rows(connection, table, rows)
    return ids


def _next_ids(connection, table, count: int) -> list[int]:
    """`count` new ids from the table's sequence."""
    return list(connection.execute(
        text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
        {"t": table.name, "n": count}).scalars())


def _given(rows: list[dict], ids: list[int]) -> list[int]:
    """Each row's "id" set, in order; the ids."""
    for row, new_id in zip(rows, ids):
        row["id"] = new_id
    return ids


def _copy_rows(connection, table, rows: list[dict]) -> None:
    names = list(rows[0])
    encode = {name for name in names if isinstance(table.c[name].type, JSON)}
    columns = ", ".join(f'"{name}"' for name in names)
    import psycopg

    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json_dumps(row[n]) if n in encode
                                and row[n] is not None else row[n] for n in names])
    except psycopg.IntegrityError as exc:  # a unique ID number: as SQLAlchemy reports it
        raise IntegrityError(f"COPY {table.name}", None, exc) from exc
    finally:
        cursor.close()


class Writer:
    """The bulk inserts of one transaction, in the order they are asked for.

    On PostgreSQL each insert is a COPY run by one thread of the writer's, on the session's
    connection, while the caller goes on building rows; the caller must not use the session
    until `finish()`, which waits for them and raises the first failure (an IntegrityError as
    insert_rows raises it). Rows handed over are not changed afterwards. Elsewhere (SQLite, whose
    module holds the interpreter while it binds every row) each insert runs at once."""

    def __init__(self):
        self.connection = db.session.connection()
        self.threaded = self.connection.dialect.name == "postgresql"
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="bulk") if self.threaded else None
        self._pending: list[Future] = []
        self._reserved: dict[str, list[int]] = {}

    def reserve(self, table, count: int) -> None:
        """On PostgreSQL, draw `count` ids of `table` now, for its next inserts with ids, so
        that those need not wait for the COPYs handed over before them. Elsewhere nothing."""
        if self.threaded and count:
            self._wait()
            self._reserved.setdefault(table.name, []).extend(
                _next_ids(self.connection, table, count))

    def insert(self, table, rows: list[dict], with_ids: bool = False) -> list[int]:
        """As insert_rows; the ids are known (and set on the rows) when it returns."""
        if not rows:
            return []
        if not self.threaded:
            return insert_rows(table, rows, with_ids)
        ids = []
        if with_ids:
            ahead = self._reserved.get(table.name, [])
            if len(ahead) >= len(rows):
                drawn, self._reserved[table.name] = ahead[:len(rows)], ahead[len(rows):]
            else:
                self._wait()  # the connection is the COPY thread's until then
                drawn = _next_ids(self.connection, table, len(rows))
            ids = _given(rows, drawn)
        self._pending.append(self._pool.submit(_copy_rows, self.connection, table, rows))
        return ids

    def _wait(self) -> None:
        """Until every insert handed over has ended; the first failure raised."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def finish(self) -> None:
        try:
            self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.finish()
            return
        try:  # already failing: let the COPYs end before the caller rolls back
            self.finish()
        except Exception:
            pass
