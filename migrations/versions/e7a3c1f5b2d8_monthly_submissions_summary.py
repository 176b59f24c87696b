"""monthly submissions: the figures a parent lists beside each child, kept with the snapshot

Revision ID: e7a3c1f5b2d8
Revises: d4e1b7c2a9f3
Create Date: 2026-12-02 15:10:00

"""
import json

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7a3c1f5b2d8'
down_revision = "e7c3d1f0a2b4"
branch_labels = None
depends_on = None

SUMMARY_KEYS = ("addicts.total", "persons.total", "flow.rehab_started")  # reports.models


def upgrade():
    with op.batch_alter_table("monthly_submissions") as batch:
        batch.add_column(sa.Column("summary", sa.JSON(), nullable=True))
    table = sa.table("monthly_submissions", sa.column("id", sa.Integer),
                     sa.column("snapshot", sa.JSON), sa.column("summary", sa.JSON))
    connection = op.get_bind()
    last = 0
    while True:  # in batches: a national database holds tens of thousands of reports
        batch = connection.execute(
            sa.select(table.c.id, table.c.snapshot).where(table.c.id > last,
                                                          table.c.snapshot.is_not(None))
            .order_by(table.c.id).limit(2000)).all()
        if not batch:
            break
        updates = []
        for row_id, snapshot in batch:
            if isinstance(snapshot, str):
                snapshot = json.loads(snapshot)
            summary = {key: value for key, _label, _level, value in snapshot or ()
                       if key in SUMMARY_KEYS and value is not None}
            updates.append({"row_id": row_id, "value": summary})
        connection.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                           .values(summary=sa.bindparam("value")), updates)
        last = batch[-1][0]


def downgrade():
    with op.batch_alter_table("monthly_submissions") as batch:
        batch.drop_column("summary")
