"""audit: an index by object and action, so a file's change history skips the object's views

Revision ID: c3e5a7b9d1f4
Revises: b2d4f6a8c0e1
Create Date: 2026-12-03 13:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f4'
down_revision = 'b2d4f6a8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_events_object_action", "audit_events",
                    ["object_type", "object_id", "action"])


def downgrade():
    op.drop_index("ix_audit_events_object_action", table_name="audit_events")
