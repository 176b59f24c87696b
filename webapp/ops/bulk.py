"""Inserting many rows at once inside the session's transaction, on either database.

* SQLite: one executemany; with ids, batched `INSERT … VALUES …, … RETURNING id`.
* PostgreSQL: `COPY … FROM STDIN` (psycopg), the ids drawn first from the table's sequence.
  SQLAlchemy's multi-row `INSERT … RETURNING` is slow there: psycopg re-parses every
  statement of thousands of placeholders in Python (seconds for a 5,000-row import).

Rows are dicts with the same keys; JSON columns hold Python values (encoded here for COPY).
Nothing of the ORM runs: callers write their own audit entries (audit.record_created).
"""
from __future__ import annotations

import json

from sqlalchemy import JSON, insert, text
from sqlalchemy.exc import IntegrityError

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
        session.execute(insert(table), rows)
        return []
    ids = list(session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())
    for row, new_id in zip(rows, ids):
        row["id"] = new_id
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
                copy.write_row([json.dumps(row[n], ensure_ascii=False) if n in encode
                                and row[n] is not None else row[n] for n in names])
    except psycopg.IntegrityError as exc:  # a unique ID number: as SQLAlchemy reports it
        raise IntegrityError(f"COPY {table.name}", None, exc) from exc
    finally:
        cursor.close()
    return ids
