"""indexes for unit-scoped figures: a unit's periods, episodes, methadone by start; a person's
events by kind and date; a term's activities by date

Revision ID: d4e1b7c2a9f3
Revises: d12c7826b54d
Create Date: 2026-12-02 06:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4e1b7c2a9f3'
down_revision = 'd12c7826b54d'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_person_periods_unit_start", "person_periods", ["unit_id", "start_date"]),
    ("ix_person_events_person_kind_date", "person_events", ["person_id", "kind", "event_date"]),
    ("ix_rehab_episodes_unit_start", "rehab_episodes", ["unit_id", "start_date"]),
    ("ix_methadone_periods_unit_start", "methadone_periods", ["unit_id", "start_date"]),
    ("ix_post_rehab_activities_term_on", "post_rehab_activities", ["term_id", "on"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
