"""a reviewer's home-page counts of due items, kept for a few minutes (worklist_counts)

Revision ID: f3c9e1b7a5d2
Revises: f1a4c2e8d3b7
Create Date: 2026-12-03 06:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3c9e1b7a5d2'
down_revision = 'f1a4c2e8d3b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "worklist_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("counted_for", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_worklist_counts_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worklist_counts")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_worklist_counts_unit_id")),
    )


def downgrade():
    op.drop_table("worklist_counts")
