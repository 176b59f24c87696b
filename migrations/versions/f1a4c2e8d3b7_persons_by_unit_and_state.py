"""persons by unit, legal state and Vietnamese order: the scoped counts by state (the home
page's overdue decisions) probe each unit's persons of one state, and a registry page finds its
fifty ids in the index alone before reading their rows

Revision ID: f1a4c2e8d3b7
Revises: e7a3c1f5b2d8
Create Date: 2026-12-03 06:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f1a4c2e8d3b7'
down_revision = 'e7a3c1f5b2d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_persons_unit_state", "persons", ["unit_id", "state", "sort_key"],
                    unique=False)


def downgrade():
    op.drop_index("ix_persons_unit_state", table_name="persons")
