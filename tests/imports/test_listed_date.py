"""`Ngày đưa vào quản lý` is the day a person really entered the lists, for every status.

An old paper list imported today must not count as "new on the lists" this month: the periods
and the monthly `flow.new` figure start on the listed date, not on the day of the import.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from xlsx_files import counts, person_row, upload_and_check, xlsx

from webapp.extensions import db
from webapp.imports import services as imports
from webapp.registry import services as registry
from webapp.registry.models import Person
from webapp.reports.figures import as_values, compute
from webapp.units.models import Unit

# The import runs on a December day: the month whose report counts the year.
IMPORT_DAY = date(2025, 12, 10)


@pytest.fixture(autouse=True)
def _december(monkeypatch):
    monkeypatch.setattr(registry, "today_local", lambda: IMPORT_DAY)
    monkeypatch.setattr(imports, "today_local", lambda: IMPORT_DAY)


def imported(app, client, rows) -> dict[str, Person]:
    job_id, page = upload_and_check(client, xlsx(rows))
    assert counts(page) == (len(rows), 0, 0), page
    assert client.post(f"/imports/{job_id}/confirm").status_code in (200, 303)
    with app.app_context():
        found = {}
        for person in db.session.scalars(select(Person)):
            found[person.full_name] = person
            person.periods, person.active_events  # loaded before leaving the session
            db.session.expunge(person)
        return found


def new_on_lists(app, code: str, year: int, month: int) -> int:
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        return as_values(compute(unit, year, month))["flow.new"]


def test_a_suspected_row_with_a_listed_date_starts_its_periods_on_it(app, login_as):
    persons = imported(app, login_as("xa"), [
        person_row(full_name="Lò Văn Nghi", status="Nghi nghiện", management_date="15/03/2021")])
    person = persons["Lò Văn Nghi"]
    assert person.state == "suspected" and person.active_events == []
    assert person.listed_on == date(2021, 3, 15)
    assert person.registered_on == IMPORT_DAY
    assert [(p.state, p.start_date, p.end_date) for p in person.periods] == [
        ("suspected", date(2021, 3, 15), None)]


def test_the_listed_date_of_each_status(app, login_as):
    client = login_as("xa")
    persons = imported(app, client, [
        person_row(full_name="Lò Văn Một", status="Sử dụng trái phép",
                   management_date="10/07/2022"),
        person_row(full_name="Lò Văn Hai", status="Nghiện", determination_date="20/05/2023",
                   management_date="02/02/2023"),
        person_row(full_name="Lò Văn Ba", status="Nghiện", determination_date="11/11/2024"),
        person_row(full_name="Lò Văn Bốn", status="Nghi nghiện"),
    ])
    user = persons["Lò Văn Một"]
    # The user's listed day is also their management decision, as before.
    assert user.listed_on == date(2022, 7, 10)
    assert [(e.kind, e.event_date) for e in user.active_events] == [
        ("management", date(2022, 7, 10))]
    listed_first = persons["Lò Văn Hai"]
    assert listed_first.listed_on == date(2023, 2, 2)
    assert [(e.kind, e.event_date) for e in listed_first.active_events] == [
        ("determination", date(2023, 5, 20))]  # no management decision for an addict
    assert [(p.state, p.start_date) for p in listed_first.periods] == [
        ("suspected", date(2023, 2, 2)), ("addict", date(2023, 5, 20))]
    assert persons["Lò Văn Ba"].listed_on == date(2024, 11, 11)  # the determination's day
    assert persons["Lò Văn Bốn"].listed_on == IMPORT_DAY  # nothing typed: the import's day


def test_an_addict_listed_after_the_determination_is_on_the_lists_from_it_with_a_note(
        app, login_as):
    client = login_as("xa")
    _, page = upload_and_check(client, xlsx([
        person_row(full_name="Lò Văn Năm", status="Nghiện", determination_date="01/01/2024",
                   management_date="01/03/2024")]))
    assert counts(page) == (1, 0, 0)
    assert ("Ngày đưa vào quản lý sau ngày xác định nghiện: hồ sơ được tính trong danh sách "
            "từ 01/01/2024.") in page


def test_an_old_paper_list_imported_in_december_is_not_new_in_december(app, login_as):
    imported(app, login_as("xa"), [
        person_row(full_name="Lò Văn Một", status="Nghi nghiện", management_date="15/03/2021"),
        person_row(full_name="Lò Văn Hai", status="Sử dụng trái phép",
                   management_date="10/07/2022"),
        person_row(full_name="Lò Văn Ba", status="Nghiện", determination_date="20/05/2023",
                   management_date="02/02/2023"),
        person_row(full_name="Lò Văn Bốn", status="Nghiện", determination_date="11/11/2024"),
    ])
    for code in ("99101", "991", "99"):
        assert new_on_lists(app, code, 2025, 12) == 0, code
    for year, month in ((2021, 3), (2022, 7), (2023, 2), (2024, 11)):
        assert new_on_lists(app, "99101", year, month) == 1, (year, month)
        assert new_on_lists(app, "991", year, month) == 1, (year, month)
    assert new_on_lists(app, "99201", 2021, 3) == 0  # another commune's report
