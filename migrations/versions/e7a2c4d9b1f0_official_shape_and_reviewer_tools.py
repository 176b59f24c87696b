"""official shape and reviewer tools: a report's số, the unit head's name and title, reports
opened by reviewers, in-app notifications and an optional e-mail address

Revision ID: e7a2c4d9b1f0
Revises: d4e1b7c2a9f3
Create Date: 2026-12-02 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a2c4d9b1f0'
down_revision = "e3b5c7d9f1a2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('monthly_submissions') as batch:
        batch.add_column(sa.Column('document_number', sa.String(length=30), nullable=True))
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('head_name', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('head_title', sa.String(length=120), nullable=True))
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('email', sa.String(length=200), nullable=True))
    op.create_table(
        'report_openings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['monthly_submissions.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('submission_id', 'user_id', name='uq_report_opening'),
    )
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('url', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('emailed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'key', name='uq_notification_user_key'),
    )
    # The header's counter: unread of one user, one index range.
    op.create_index('ix_notifications_user_read', 'notifications', ['user_id', 'read_at'])
    op.create_index('ix_notifications_user_created', 'notifications', ['user_id', 'created_at'])


def downgrade():
    op.drop_index('ix_notifications_user_created', table_name='notifications')
    op.drop_index('ix_notifications_user_read', table_name='notifications')
    op.drop_table('notifications')
    op.drop_table('report_openings')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email')
    with op.batch_alter_table('units') as batch:
        batch.drop_column('head_title')
        batch.drop_column('head_name')
    with op.batch_alter_table('monthly_submissions') as batch:
        batch.drop_column('document_number')
