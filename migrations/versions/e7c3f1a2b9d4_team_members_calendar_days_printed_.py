"""team members of management decisions, the working-day calendar's exceptions, printed
official forms

Revision ID: e7c3f1a2b9d4
Revises: d4e1b7c2a9f3
Create Date: 2026-12-02 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e7c3f1a2b9d4'
down_revision = 'f2b8d6a4c1e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=4), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day'),
    )
    op.create_table(
        'team_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('term_id', sa.Integer(), nullable=True),
        sa.Column('full_name', sa.String(length=120), nullable=False),
        sa.Column('name_folded', sa.String(length=120), nullable=False),
        sa.Column('role', sa.String(length=15), nullable=False),
        sa.Column('counsels', sa.Boolean(), nullable=False),
        sa.Column('position', sa.String(length=200), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('voided_at', sa.DateTime(), nullable=True),
        sa.Column('voided_by_id', sa.Integer(), nullable=True),
        sa.Column('void_reason', sa.Text(), nullable=True),
        sa.Column('corrected_at', sa.DateTime(), nullable=True),
        sa.Column('corrected_by_id', sa.Integer(), nullable=True),
        sa.Column('correction_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['event_id'], ['person_events.id']),
        sa.ForeignKeyConstraint(['term_id'], ['post_rehab_terms.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['voided_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_team_members_person_id', 'team_members', ['person_id'])
    op.create_index('ix_team_members_event_id', 'team_members', ['event_id'])
    op.create_index('ix_team_members_term_id', 'team_members', ['term_id'])
    op.create_index('ix_team_members_unit_name', 'team_members', ['unit_id', 'name_folded'])
    op.create_table(
        'printed_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('form_code', sa.String(length=4), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('entry_kind', sa.String(length=12), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=50), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('signer', sa.String(length=120), nullable=False),
        sa.Column('position', sa.String(length=12), nullable=False),
        sa.Column('printed_by_id', sa.Integer(), nullable=True),
        sa.Column('printed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['printed_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_printed_documents_person_id', 'printed_documents', ['person_id'])
    op.create_index('ix_printed_documents_entry', 'printed_documents',
                    ['entry_kind', 'entry_id', 'form_code'])
    op.create_index('ix_printed_documents_unit_form', 'printed_documents', ['unit_id', 'form_code'])


def downgrade():
    op.drop_table('printed_documents')
    op.drop_table('team_members')
    op.drop_table('calendar_days')
