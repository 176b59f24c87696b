"""national root above the provinces: the ministry (C04) as the parent of every province

Existing provinces are re-parented under it and every unit's path gains its code, so the
subtree rule (a path prefix) stays the one rule. An empty database is left empty (the demo
and `units load-official` create the root with the first province).

Revision ID: f2b8d6a4c1e9
Revises: e7c3a1f0b2d4
Create Date: 2026-12-02 15:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f2b8d6a4c1e9'
down_revision = 'e7c3a1f0b2d4'
branch_labels = None
depends_on = None

CODE = "C04"
NAME = "Bộ Công an — Cục Cảnh sát điều tra tội phạm về ma túy (C04)"


def upgrade():
    conn = op.get_bind()
    provinces = conn.execute(sa.text(
        "SELECT count(*) FROM units WHERE parent_id IS NULL AND level = 'province'")).scalar()
    if not provinces:
        return
    root = conn.execute(sa.text("SELECT id FROM units WHERE code = :code"),
                        {"code": CODE}).scalar()
    if root is None:
        conn.execute(sa.text(
            "INSERT INTO units (code, name, kind, level, parent_id, path) "
            "VALUES (:code, :name, 'trung_uong', 'national', NULL, :path)"),
            {"code": CODE, "name": NAME, "path": f"/{CODE}/"})
        root = conn.execute(sa.text("SELECT id FROM units WHERE code = :code"),
                            {"code": CODE}).scalar()
    conn.execute(sa.text("UPDATE units SET path = :prefix || path WHERE id != :root"),
                 {"prefix": f"/{CODE}", "root": root})
    conn.execute(sa.text(
        "UPDATE units SET parent_id = :root WHERE parent_id IS NULL AND level = 'province'"),
        {"root": root})


def downgrade():
    conn = op.get_bind()
    root = conn.execute(sa.text(
        "SELECT id FROM units WHERE code = :code AND level = 'national'"), {"code": CODE}).scalar()
    if root is None:
        return
    tables = sa.inspect(conn).get_table_names()
    for table in ("users", "monthly_submissions", "quotas", "import_jobs", "jobs"):
        if table not in tables:
            continue
        used = conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE unit_id = :root"),
                            {"root": root}).scalar()
        if used:
            raise RuntimeError(
                f"{table}: {used} rows belong to the national unit {CODE}; move or delete them "
                "before downgrading (the national tier cannot be removed under them).")
    conn.execute(sa.text("UPDATE units SET parent_id = NULL WHERE parent_id = :root"),
                 {"root": root})
    prefix = f"/{CODE}"
    conn.execute(sa.text("UPDATE units SET path = substr(path, :start) "
                         "WHERE id != :root AND substr(path, 1, :size) = :prefix"),
                 {"start": len(prefix) + 1, "size": len(prefix) + 1, "prefix": prefix + "/",
                  "root": root})
    conn.execute(sa.text("DELETE FROM units WHERE id = :root"), {"root": root})
