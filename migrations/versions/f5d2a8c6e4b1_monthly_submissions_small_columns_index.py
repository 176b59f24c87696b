"""monthly submissions: the small columns lists of many units read (status, snapshot and
submission times) in an index of their own, read without the rows' snapshots

Revision ID: f5d2a8c6e4b1
Revises: f3c9e1b7a5d2
Create Date: 2026-12-03 06:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f5d2a8c6e4b1'
down_revision = 'f3c9e1b7a5d2'
branch_labels = None
depends_on = None

COLUMNS = ["unit_id", "year", "month", "status", "snapshot_at", "first_submitted_at",
           "submitted_at"]


def upgrade():
    op.create_index("ix_monthly_submissions_unit_period", "monthly_submissions", COLUMNS,
                    unique=False)


def downgrade():
    op.drop_index("ix_monthly_submissions_unit_period", table_name="monthly_submissions")
