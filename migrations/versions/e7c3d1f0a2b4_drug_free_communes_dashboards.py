"""drug-free communes (criteria seeded as an example, entries with evidence, yearly targets),
targets with a deadline, units' population, the dashboard's monthly figures cache

Revision ID: e7c3d1f0a2b4
Revises: d4e1b7c2a9f3
Create Date: 2026-12-02 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e7c3d1f0a2b4'
down_revision = "e7f2a9c41b6d"
branch_labels = None
depends_on = None

# The example criteria, in our own words (webapp/drugfree/seed.py); administrators check them
# against Decision 28/2025/QĐ-TTg on the criteria page.
from webapp.drugfree.seed import seed_rows  # noqa: E402


def upgrade():
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("population", sa.Integer(), nullable=True))

    criteria = op.create_table(
        "drugfree_criteria",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("label", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("metric", sa.String(20), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("seeded", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_index("ix_drugfree_criteria_code", "drugfree_criteria", ["code"])
    op.bulk_insert(criteria, seed_rows())

    op.create_table(
        "drugfree_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), sa.ForeignKey("drugfree_criteria.id"),
                  nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("unit_id", "year", "criterion_id", name="uq_drugfree_entry"),
    )
    op.create_index("ix_drugfree_entries_year_unit", "drugfree_entries", ["year", "unit_id"])

    op.create_table(
        "drugfree_targets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("unit_id", "year", name="uq_drugfree_target_unit_year"),
    )

    op.create_table(
        "deadline_targets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("form", sa.String(12), nullable=False),
        sa.Column("at_least", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_deadline_targets_unit_deadline", "deadline_targets",
                    ["unit_id", "deadline"])

    op.create_table(
        "dashboard_figures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("snapshot_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("unit_id", "year", "month", name="uq_dashboard_figures_unit_month"),
    )


def downgrade():
    op.drop_table("dashboard_figures")
    op.drop_index("ix_deadline_targets_unit_deadline", table_name="deadline_targets")
    op.drop_table("deadline_targets")
    op.drop_table("drugfree_targets")
    op.drop_index("ix_drugfree_entries_year_unit", table_name="drugfree_entries")
    op.drop_table("drugfree_entries")
    op.drop_index("ix_drugfree_criteria_code", table_name="drugfree_criteria")
    op.drop_table("drugfree_criteria")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("population")
