"""A list longer than one step of the export (ids first, then their rows by id) is written
whole, in the list's order, each person once, and recorded as such."""
from __future__ import annotations

from sqlalchemy import select
from test_registry_export import bulk_persons, read

from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.exports import workbooks


def test_a_list_of_many_steps_is_the_list_of_one(app, demo, login_as, monkeypatch):
    bulk_persons(app, demo, 120)
    client = login_as("huyen")
    _, whole, _, _ = read(client.get("/persons/export.xlsx?state=all&sort=date"))
    monkeypatch.setattr(workbooks, "IDS_PER_STEP", 7)
    _, stepped, _, _ = read(client.get("/persons/export.xlsx?state=all&sort=date"))
    assert len(whole) >= 120 and stepped == whole
    with app.app_context():
        entries = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "export").order_by(AuditEvent.id)).all()
        assert [e.changes["rows"] for e in entries] == [len(whole)] * 2
        assert [sorted(p.person_id for p in e.persons) for e in entries][0] == \
            sorted(p.person_id for p in entries[1].persons)
