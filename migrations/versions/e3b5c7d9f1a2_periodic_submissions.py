"""periodic submissions (Biểu 03-BCN, 04-BCN: half-yearly and yearly) and their transitions

Revision ID: e3b5c7d9f1a2
Revises: d4e1b7c2a9f3
Create Date: 2026-12-02 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e3b5c7d9f1a2'
down_revision = "e7c3f1a2b9d4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('periodic_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('snapshot_at', sa.DateTime(), nullable=True),
    sa.Column('children_included', sa.JSON(), nullable=True),
    sa.Column('number', sa.String(length=30), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('first_submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_periodic_submissions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_periodic_submissions_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_periodic_submissions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_submissions')),
    sa.UniqueConstraint('unit_id', 'form', 'year', 'period', name='uq_periodic_unit_form_period')
    )
    with op.batch_alter_table('periodic_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_periodic_submissions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_periodic_submissions_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_periodic_submissions_period', ['year', 'period', 'form', 'unit_id'], unique=False)

    op.create_table('periodic_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('from_status', sa.String(length=10), nullable=False),
    sa.Column('to_status', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['periodic_submissions.id'], name=op.f('fk_periodic_transitions_submission_id_periodic_submissions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_periodic_transitions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_transitions'))
    )
    with op.batch_alter_table('periodic_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_periodic_transitions_submission_id'), ['submission_id'], unique=False)


def downgrade():
    with op.batch_alter_table('periodic_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_periodic_transitions_submission_id'))
    op.drop_table('periodic_transitions')
    with op.batch_alter_table('periodic_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_periodic_submissions_period')
        batch_op.drop_index(batch_op.f('ix_periodic_submissions_unit_id'))
        batch_op.drop_index(batch_op.f('ix_periodic_submissions_status'))
    op.drop_table('periodic_submissions')
