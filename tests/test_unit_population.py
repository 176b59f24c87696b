"""Administrators enter a unit's population (for addicts per 1.000 inhabitants)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.units import services
from webapp.units.models import Unit


@pytest.mark.parametrize("typed, value", [("12500", 12500), ("12.500", 12500),
                                          ("1 234 567", 1234567), ("", None), ("0", 0)])
def test_a_population_is_read_the_vietnamese_way(typed, value):
    assert services.parse_population(typed) == value


@pytest.mark.parametrize("typed", ["-5", "12,5", "1.2345", "abc", "١٢"])
def test_a_population_that_is_not_a_whole_number_is_refused(typed):
    with pytest.raises(services.UnitError, match="số nguyên không âm"):
        services.parse_population(typed)


def test_an_administrator_sets_a_population_and_it_is_recorded(app, login_as):
    client = login_as("admin")
    refused = client.post("/units/991/population", data={"population": "12,5"})
    assert refused.status_code == 422
    assert "Dân số phải là số nguyên không âm" in refused.get_data(as_text=True)
    assert client.post("/units/991/population", data={"population": "45.000"}).status_code == 303
    assert "45.000" in client.get("/units/991").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Unit.population).where(Unit.code == "991")) == 45000
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "Unit"))
        assert event.changes["population"][1] == 45000  # before → after
    assert login_as("tinh").post("/units/991/population", data={"population": "1"}
                                 ).status_code == 403
