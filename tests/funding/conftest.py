"""The seed report's funding (Tuần Giáo, 2020–2022) spread over the demo district Tân Lập: its
communes' spending and its own add up to the seed's yearly totals."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from webapp.extensions import db as _db
from webapp.funding.models import FundingEntry
from webapp.units.models import Unit

# (unit code, day, source, category, amount): 2020 65.900.000đ, 2021 66.150.000đ,
# 2022 36.750.000đ, all from the local budget, 168.800.000đ in all.
SEED_ENTRIES = [
    ("99101", date(2020, 5, 12), "local", "stipends", 20_000_000),
    ("99102", date(2020, 6, 3), "local", "stipends", 15_900_000),
    ("991", date(2020, 3, 30), "local", "meetings", 30_000_000),
    ("99101", date(2021, 4, 2), "local", "stipends", 36_150_000),
    ("991", date(2021, 9, 9), "local", "tests", 30_000_000),
    ("99103", date(2022, 12, 1), "local", "files", 750_000),
    ("991", date(2022, 7, 15), "local", "stipends", 36_000_000),
]


@pytest.fixture
def seed_funding(app, demo):
    with app.app_context():
        units = {u.code: u for u in _db.session.scalars(select(Unit))}
        for code, day, source, category, amount in SEED_ENTRIES:
            _db.session.add(FundingEntry(unit_id=units[code].id, spent_on=day, amount=amount,
                                         source=source, category=category,
                                         description="Theo báo cáo"))
        _db.session.commit()
    return demo
