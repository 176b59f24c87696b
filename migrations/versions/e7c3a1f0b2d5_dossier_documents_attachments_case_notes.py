"""dossier: required documents per procedure (dated, seeded with the decrees' forms), the
documents of a file, their scanned attachments, case notes of supervision

Revision ID: e7c3a1f0b2d5
Revises: d4e1b7c2a9f3
Create Date: 2026-12-02 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e7c3a1f0b2d5'
down_revision = "e7a2c4d9b1f0"
branch_labels = None
depends_on = None

# A copy of webapp/dossier/vocab.py DEFAULT_REQUIREMENTS as of this revision: a migration
# must not change when the code's defaults do.
DEFAULTS = [
    ("management", "03", "Phiếu kết quả xét nghiệm chất ma túy (Mẫu 03)", "always"),
    ("management", "05", "Bản tóm tắt lý lịch (Mẫu 05)", "always"),
    ("management", "06", "Bản tự khai của người sử dụng trái phép chất ma túy (Mẫu 06)", "always"),
    ("management", "07", "Quyết định quản lý người sử dụng trái phép chất ma túy (Mẫu 07)",
     "always"),
    ("management", "08", "Văn bản chuyển hồ sơ khi thay đổi nơi cư trú (Mẫu 08)", "moved"),
    ("management", "09", "Quyết định chấm dứt việc quản lý (Mẫu 09)", "stopped"),
    ("management", "10", "Văn bản thông báo kết thúc thời hạn quản lý (Mẫu 10)", "completed"),
    ("determination", "KQXĐ", "Phiếu kết quả xác định tình trạng nghiện ma túy", "always"),
    ("voluntary", "22/23/24", "Đơn / phiếu đăng ký cai nghiện tự nguyện (Mẫu 22, 23 hoặc 24)",
     "always"),
    ("voluntary", "26a", "Giấy xác nhận hoàn thành cai nghiện tự nguyện (Mẫu 26a)", "completed"),
    ("compulsory", "27", "Biên bản vi phạm (Mẫu 27)", "always"),
    ("compulsory", "29", "Văn bản đề nghị áp dụng biện pháp cai nghiện bắt buộc (Mẫu 29)",
     "always"),
    ("compulsory", "30", "Bản tóm tắt lý lịch (Mẫu 30)", "always"),
    ("compulsory", "31", "Bản tự khai của người bị đề nghị (Mẫu 31)", "always"),
    ("compulsory", "KQXĐ", "Phiếu kết quả xác định tình trạng nghiện ma túy", "always"),
    ("compulsory", "32", "Thông báo về việc lập hồ sơ đề nghị (Mẫu 32)", "always"),
    ("post_rehab", "50", "Văn bản đề nghị quản lý sau cai nghiện (Mẫu 50)", "always"),
    ("post_rehab", "51", "Quyết định quản lý sau cai nghiện ma túy (Mẫu 51)", "always"),
    ("post_rehab", "52", "Danh sách người được quản lý sau cai nghiện (Mẫu 52)", "always"),
    ("post_rehab", "53", "Thông báo khi thay đổi nơi cư trú (Mẫu 53)", "moved"),
    ("post_rehab", "54", "Giấy chứng nhận hoàn thành thời gian quản lý sau cai (Mẫu 54)",
     "completed"),
]


def _correctable():
    return [
        sa.Column('voided_at', sa.DateTime(), nullable=True),
        sa.Column('voided_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('void_reason', sa.Text(), nullable=True),
        sa.Column('corrected_at', sa.DateTime(), nullable=True),
        sa.Column('corrected_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('correction_reason', sa.Text(), nullable=True),
    ]


def upgrade():
    requirements = op.create_table(
        'dossier_requirements',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('procedure', sa.String(20), nullable=False),
        sa.Column('form_code', sa.String(30), nullable=False),
        sa.Column('label', sa.String(200), nullable=False),
        sa.Column('condition', sa.String(12), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_dossier_requirements_procedure', 'dossier_requirements',
                    ['procedure', 'valid_from'])
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(requirements, [
        {"procedure": p, "form_code": c, "label": label, "condition": cond, "position": i,
         "valid_from": None, "valid_to": None, "updated_at": now}
        for i, (p, c, label, cond) in enumerate(DEFAULTS)])

    op.create_table(
        'dossier_documents',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('persons.id'), nullable=False),
        sa.Column('procedure', sa.String(20), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('form_code', sa.String(20), nullable=False),
        sa.Column('number', sa.String(50), nullable=True),
        sa.Column('doc_date', sa.Date(), nullable=False),
        sa.Column('signer', sa.String(120), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        *_correctable(),
    )
    op.create_index('ix_dossier_documents_person_procedure', 'dossier_documents',
                    ['person_id', 'procedure', 'entry_id'])

    op.create_table(
        'dossier_attachments',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('public_id', sa.String(32), nullable=False, unique=True),
        sa.Column('document_id', sa.Integer(), sa.ForeignKey('dossier_documents.id'),
                  nullable=False),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('persons.id'), nullable=False),
        sa.Column('stored_name', sa.String(80), nullable=False),
        sa.Column('original_name', sa.String(200), nullable=True),
        sa.Column('mime', sa.String(40), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        *_correctable(),
    )
    op.create_index('ix_dossier_attachments_document_id', 'dossier_attachments', ['document_id'])
    op.create_index('ix_dossier_attachments_person_id', 'dossier_attachments', ['person_id'])

    op.create_table(
        'case_notes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('persons.id'), nullable=False),
        sa.Column('procedure', sa.String(20), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('contact_kind', sa.String(12), nullable=False),
        sa.Column('contact_by', sa.String(120), nullable=False),
        sa.Column('positive', sa.Boolean(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('test_event_id', sa.Integer(), sa.ForeignKey('person_events.id'),
                  nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        *_correctable(),
    )
    op.create_index('ix_case_notes_person_on', 'case_notes', ['person_id', 'on'])


def downgrade():
    op.drop_table('case_notes')
    op.drop_table('dossier_attachments')
    op.drop_table('dossier_documents')
    op.drop_table('dossier_requirements')
