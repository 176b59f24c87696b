"""Inserting many rows at once inside the session's transaction, on either database.

* SQLite: one executemany; with ids, the first row's id read back and the next ones given.
* PostgreSQL: `COPY … FROM STDIN` (psycopg), the ids drawn first from the table's sequence.
  SQLAlchemy's multi-row `INSERT … RETURNING` is slow there: psycopg re-parses every
  statement of thousands of placeholders in Python (seconds for a 5,000-row import).

Rows are dicts with the same keys; JSON columns hold Python values (encoded here for COPY).
Nothing of the ORM runs: callers write their own audit entries (audit.record_created).
"""
from __future__ import annotations

import operator

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
    ids = list(range(first, first + len(rows)))
    rows[0]["id"] = first
    for row, new_id in zip(rows[1:], ids[1:]):
        row["id"] = new_id
    if len(rows) > 1:
        _sqlite_many(table, rows[1:])
    return ids


def _copy(table, rows: list[dict], with_ids: bool) -> list[int]:
    connection = db.session.connection()
    ids: list[int] = []
    if with_ids:
        ids = list(connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": len(rows)}).scalars())
        for row, new_id in zip(rows, ids):
            row["id"] = new_id
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
    return ids
