"""a reviewer's ranking of child units, counted once per month while the children's reports
stay the same (dashboard_rankings)

Revision ID: a1c3e5f7b9d2
Revises: f5d2a8c6e4b1
Create Date: 2026-12-03 12:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1c3e5f7b9d2'
down_revision = 'f5d2a8c6e4b1'
branch_labels = None
depends_on = None


def upgrade():
    # Nothing to migrate: a ranking is counted again on the first home page that shows it.
    op.create_table(
        "dashboard_rankings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_dashboard_rankings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_rankings")),
        sa.UniqueConstraint("unit_id", "year", "month", name="uq_dashboard_rankings_unit_month"),
    )


def downgrade():
    op.drop_table("dashboard_rankings")
