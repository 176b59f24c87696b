"""The confirmation writes in bulk what the registry writes file by file: the same person,
timeline, periods and audit entries as typing each file in, and nothing when one of them is
refused by the database meanwhile."""
from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from sqlalchemy import func, select
from xlsx_files import counts, person_row, upload_and_check, xlsx

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.imports import services
from webapp.registry import services as registry
from webapp.registry.models import Person, PersonEvent, PersonPeriod
from webapp.registry.vocab import EventKind
from webapp.settings import DEFAULTS
from webapp.timeutil import today_local
from webapp.units.models import Unit

TODAY = today_local()
DETERMINED = TODAY - timedelta(days=40)
LISTED = TODAY - timedelta(days=100)
MANAGED = TODAY - timedelta(days=20)
SKIP = {"id", "created_at", "updated_at", "person_id", "registered_on"}
NAMED = {"full_name", "name_folded", "search_text", "sort_key"}  # the two names differ


def file_of(app, name: str) -> dict:
    """A person's file as stored: columns, events, periods, and the audit entries' changes."""
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.full_name == name))
        events = db.session.scalars(select(PersonEvent).where(
            PersonEvent.person_id == person.id).order_by(PersonEvent.id)).all()
        audit = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "create",
            ((AuditEvent.object_type == "Person") & (AuditEvent.object_id == person.id))
            | ((AuditEvent.object_type == "PersonEvent")
               & AuditEvent.object_id.in_([e.id for e in events])))
            .order_by(AuditEvent.object_type, AuditEvent.id)).all()

        def columns(obj):
            return {c.key: getattr(obj, c.key) for c in obj.__table__.columns
                    if c.key not in SKIP}
        return {
            "person": {k: v for k, v in columns(person).items() if k not in NAMED},
            "events": [columns(e) for e in events],
            "periods": [columns(p) for p in db.session.scalars(select(PersonPeriod).where(
                PersonPeriod.person_id == person.id).order_by(PersonPeriod.start_date))],
            "audit": [(a.object_type, a.user_id,
                       {k: v for k, v in a.changes.items() if k not in NAMED | {"person_id"}})
                      for a in audit],
        }


def typed_in(app, demo, name: str, events, listed_on=None) -> None:
    """The same person typed in through the registry, file by file."""
    with app.test_request_context():
        user = db.session.get(User, demo["users"]["xa"])
        from flask_login import login_user
        login_user(user)
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        data = {"full_name": name, "sex": "M", "birth_year": 1990, "ethnicity": "03",
                "unit": unit, "listed_on": listed_on}
        person = registry.save_person(None, data, user)
        for kind, event in events:
            assert registry.validate_event(person, kind, event) == {}
            registry.add_event(person, kind, event, user)
        db.session.commit()


def test_an_imported_file_is_the_file_the_registry_writes(app, demo, login_as):
    client = login_as("xa")
    note = "Nhập từ tệp Excel “ds.xlsx”."
    job_id, page = upload_and_check(client, xlsx([
        person_row(full_name="Lò Văn Một", status="Nghiện",
                   determination_date=DETERMINED.strftime("%d/%m/%Y"),
                   management_date=LISTED.strftime("%d/%m/%Y")),
        person_row(full_name="Lò Văn Hai", status="Sử dụng trái phép",
                   management_date=MANAGED.strftime("%d/%m/%Y")),
        person_row(full_name="Lò Văn Ba", status="Nghi nghiện")]), "ds.xlsx")
    assert counts(page) == (3, 0, 0)
    assert client.post(f"/imports/{job_id}/confirm").status_code == 303

    typed_in(app, demo, "Cà Văn Một", [(EventKind.DETERMINATION, {
        "event_date": DETERMINED, "addicted": True, "facility": services.PLACEHOLDER,
        "note": note})], LISTED)
    typed_in(app, demo, "Cà Văn Hai", [(EventKind.MANAGEMENT, {
        "event_date": MANAGED, "doc_number": services.PLACEHOLDER, "note": note})], MANAGED)
    typed_in(app, demo, "Cà Văn Ba", [])

    for number in ("Một", "Hai", "Ba"):
        imported, typed = file_of(app, f"Lò Văn {number}"), file_of(app, f"Cà Văn {number}")
        for part in ("person", "events", "periods", "audit"):
            assert imported[part] == typed[part], (number, part)
    assert file_of(app, "Lò Văn Một")["person"]["state"] == "addict"
    assert file_of(app, "Lò Văn Hai")["periods"][0]["state"] == "user"


def test_an_id_number_registered_during_the_write_leaves_nothing_written(app, demo, login_as,
                                                                          monkeypatch):
    client = login_as("xa")
    job_id, _ = upload_and_check(client, xlsx([
        person_row(full_name="Lò Văn Pọm", id_number="014090001234"),
        person_row(full_name="Cà Văn Inh")]))
    real = services._write

    def someone_registers_it_first(fresh, user, **kwargs):
        # Registered by another officer between the re-check and the write (same transaction
        # here, so that the unique constraint is what refuses the import).
        db.session.execute(Person.__table__.insert().values(
            unit_id=user.unit_id, full_name="Người khác", sex="M", birth_year=1980,
            id_number="014090001234", name_folded="nguoi khac", search_text="nguoi khac",
            sort_key="x", born_on=TODAY.replace(year=1980), state="suspected", version=1,
            injecting=False))
        return real(fresh, user, **kwargs)

    monkeypatch.setattr(services, "_write", someone_registers_it_first)
    response = client.post(f"/imports/{job_id}/confirm")
    assert response.status_code == 303
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "vừa được đăng ký bởi người khác" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Person.id))) == 0
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.object_type == "Person")) == 0


def test_rows_inserted_in_bulk_get_their_own_ids_in_order(app, demo):
    from webapp.ops import bulk

    with app.app_context():
        user = db.session.get(User, demo["users"]["xa"])
        highest = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        rows = [{"at": TODAY, "user_id": user.id, "action": "view", "object_type": "Bulk",
                 "object_id": n, "changes": {"n": n}} for n in range(5)]
        ids = bulk.insert_rows(AuditEvent.__table__, rows, with_ids=True)
        assert ids == [r["id"] for r in rows] and len(set(ids)) == 5
        assert min(ids) > highest  # above every id the table holds
        stored = {e.id: e.object_id for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "Bulk"))}
        assert stored == {new_id: n for n, new_id in enumerate(ids)}
        db.session.rollback()


def test_each_person_written_in_bulk_keeps_their_own_timeline(app, demo, login_as):
    # Ids drawn ahead for persons and events alike (on PostgreSQL, while the writer's thread
    # takes the rows): every event, period and audit entry on its own person.
    client = login_as("xa")
    statuses = [("Nghiện", DETERMINED, None), ("Sử dụng trái phép", None, MANAGED),
                ("Nghi nghiện", None, None), ("Nghiện", DETERMINED - timedelta(days=1), None),
                ("Sử dụng trái phép", None, MANAGED - timedelta(days=1))]
    job_id, page = upload_and_check(client, xlsx([
        person_row(full_name=f"Lò Văn Số {n}", status=status,
                   determination_date=determined and determined.strftime("%d/%m/%Y"),
                   management_date=managed and managed.strftime("%d/%m/%Y"))
        for n, (status, determined, managed) in enumerate(statuses)]))
    assert counts(page) == (5, 0, 0)
    assert client.post(f"/imports/{job_id}/confirm").status_code == 303
    with app.app_context():
        links = {r["data"]["full_name"]: r["person_id"]
                 for r in db.session.get(services.ImportJob, job_id).results}
    for n, (status, determined, managed) in enumerate(statuses):
        stored = file_of(app, f"Lò Văn Số {n}")
        with app.app_context():
            person_id = db.session.scalar(select(Person.id).where(
                Person.full_name == f"Lò Văn Số {n}"))
        assert links[f"Lò Văn Số {n}"] == person_id
        assert [(e["kind"], e["event_date"]) for e in stored["events"]] == (
            [("determination", determined)] if determined else
            [("management", managed)] if managed else [])
        assert stored["periods"][0]["start_date"] == (determined or managed or TODAY)
        assert [kind for kind, *_ in stored["audit"]] == \
            ["Person"] + ["PersonEvent"] * len(stored["events"])


# --- Written as checked, by the rules of the day of the checking --------------------------------

def _young_user_row() -> dict:
    """Managed at 16: within the legal minimum age (12), not within 18."""
    return person_row(full_name="Lò Văn Trẻ", birth=str(MANAGED.year - 16),
                      status="Sử dụng trái phép", management_date=MANAGED.strftime("%d/%m/%Y"))


def _raise_min_age(app, age: int) -> None:
    from webapp.settings.models import Setting

    with app.app_context():
        db.session.add(Setting(key="min_age", value=age))
        db.session.commit()


def _persons_named(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Person)
                                 .where(Person.full_name == name))


def test_a_decision_s_term_end_is_filled_in_by_the_checking_and_written(app, demo, login_as):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([_young_user_row()]))
    assert counts(page) == (1, 0, 0)
    with app.app_context():
        stored = db.session.get(services.ImportJob, job_id).results[0]["write"]["events"]
    term_end = MANAGED + relativedelta(months=DEFAULTS["management_term_months"])
    assert [(kind, e["term_end"]) for kind, e in stored] == [("management", term_end.isoformat())]
    assert client.post(f"/imports/{job_id}/confirm").status_code == 303
    with app.app_context():
        event = db.session.scalar(select(PersonEvent).join(Person)
                                  .where(Person.full_name == "Lò Văn Trẻ"))
        assert event.term_end == term_end


def test_a_file_confirmed_the_day_it_was_checked_is_written_as_its_preview_showed(
        app, demo, login_as):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([_young_user_row()]))
    assert counts(page) == (1, 0, 0)
    _raise_min_age(app, 18)  # after the preview: the officer confirmed what was shown
    assert client.post(f"/imports/{job_id}/confirm").status_code == 303
    assert _persons_named(app, "Lò Văn Trẻ") == 1


def test_a_file_checked_on_an_earlier_day_is_checked_again_by_today_s_rules(
        app, demo, login_as, monkeypatch):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([_young_user_row()]))
    assert counts(page) == (1, 0, 0)
    _raise_min_age(app, 18)
    tomorrow = today_local() + timedelta(days=1)
    monkeypatch.setattr(services, "today_local", lambda: tomorrow)
    monkeypatch.setattr(registry, "today_local", lambda: tomorrow)
    response = client.post(f"/imports/{job_id}/confirm", follow_redirects=True)
    assert "Dữ liệu đã thay đổi trong khi nhập" in response.get_data(as_text=True)
    assert _persons_named(app, "Lò Văn Trẻ") == 0


def test_a_file_whose_checking_began_the_day_before_is_checked_again(app, demo, login_as):
    client = login_as("xa")
    job_id, page = upload_and_check(client, xlsx([_young_user_row()]))
    assert counts(page) == (1, 0, 0)
    with app.app_context():  # uploaded before midnight, its last step after it
        upload = db.session.get(services.ImportJob, job_id)
        db.session.execute(services.ImportJob.__table__.update().where(
            services.ImportJob.id == job_id).values(
            created_at=upload.created_at - timedelta(days=1)))
        db.session.commit()
    _raise_min_age(app, 18)
    response = client.post(f"/imports/{job_id}/confirm", follow_redirects=True)
    assert "Dữ liệu đã thay đổi trong khi nhập" in response.get_data(as_text=True)
    assert _persons_named(app, "Lò Văn Trẻ") == 0
