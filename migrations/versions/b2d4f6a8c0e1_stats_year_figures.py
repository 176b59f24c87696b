"""statistics: a district's, province's or the country's figures at the end of a past year,
kept for a few hours (stats_year_figures)

Revision ID: b2d4f6a8c0e1
Revises: a1c3e5f7b9d2
Create Date: 2026-12-03 12:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b2d4f6a8c0e1'
down_revision = 'a1c3e5f7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    # Nothing to migrate: a year is counted again on the first statistics page that shows it.
    op.create_table(
        "stats_year_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("suspected_included", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_stats_year_figures_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_year_figures")),
        sa.UniqueConstraint("unit_id", "year", "month", "suspected_included",
                            name="uq_stats_year_figures_unit_year"),
    )


def downgrade():
    op.drop_table("stats_year_figures")
