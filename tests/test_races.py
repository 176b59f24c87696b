"""Two requests at once, in two real threads against the app (each with its own client and
database connection): one wins, the other gets the Vietnamese message, never a 500 nor a
second write. A barrier holds both requests after they have read the row and before they
write, so the race is forced, not left to chance. CI runs these on SQLite and PostgreSQL."""
from __future__ import annotations

import sys
import threading

import pytest
from sqlalchemy import func, select

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/imports")
from xlsx_files import job_id_of, person_row, upload, xlsx  # noqa: E402

from webapp.extensions import db  # noqa: E402
from webapp.imports import services as import_services  # noqa: E402
from webapp.registry import services  # noqa: E402
from webapp.registry.models import Person, PersonEvent, TransferRequest  # noqa: E402


def signed_in(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "demo12345"})
    assert response.status_code == 303
    return client


def held_at_barrier(monkeypatch, module, name: str):
    """Make both threads wait inside `module.name`, before it writes anything."""
    barrier = threading.Barrier(2, timeout=20)
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


def at_once(requests) -> list:
    """Run each callable in its own thread at the same time; their results, in order."""
    results: list = [None] * len(requests)
    errors: list = []

    def run(i, request):
        try:
            results[i] = request()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def flashed(client, url: str) -> str:
    return client.get(url).get_data(as_text=True)


@pytest.fixture
def pending_transfer(demo_transfer):
    return demo_transfer["person_id"], demo_transfer["transfer_id"]


@pytest.mark.parametrize("actions", [("accept", "accept"), ("accept", "refuse"),
                                     ("refuse", "refuse")])
def test_two_decisions_of_one_transfer_at_once(app, demo, monkeypatch, pending_transfer,
                                               actions):
    person_id, transfer_id = pending_transfer
    clients = [signed_in(app, "xa2"), signed_in(app, "xa2")]
    held_at_barrier(monkeypatch, services, "decide_transfer")
    responses = at_once([
        lambda c=c, a=a: c.post(f"/persons/transfers/{transfer_id}/{a}",
                                data={"confirmed": "1", "reason": "Chưa đủ hồ sơ"})
        for c, a in zip(clients, actions)])
    assert [r.status_code for r in responses] == [303, 303]
    pages = [flashed(c, "/persons/transfers/") for c in clients]
    assert sum("Đề nghị này đã được xử lý." in p for p in pages) == 1, pages
    with app.app_context():
        events = db.session.scalar(select(func.count(PersonEvent.id)).where(
            PersonEvent.person_id == person_id, PersonEvent.kind == "transfer"))
        transfer = db.session.get(TransferRequest, transfer_id)
        person = db.session.get(Person, person_id)
        assert transfer.status in ("accepted", "refused")
        assert events == (1 if transfer.status == "accepted" else 0)
        assert person.unit.code == ("99102" if transfer.status == "accepted" else "99101")


def test_two_creations_with_one_id_number_at_once(app, demo, monkeypatch):
    clients = [signed_in(app, "xa"), signed_in(app, "xa2")]
    held_at_barrier(monkeypatch, services, "save_person")
    forms = [{"full_name": name, "sex": "M", "birth": "1988", "unit_code": code,
              "id_number": "011088009999"}
             for name, code in (("Lò Văn Pọm", "99101"), ("Giàng A Páo", "99102"))]
    responses = at_once([lambda c=c, f=f: c.post("/persons/new", data=f)
                         for c, f in zip(clients, forms)])
    assert sorted(r.status_code for r in responses) == [303, 409]
    refused = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    assert services.DUPLICATE_ID_MESSAGE in refused
    # beside the field: inside the ID number's block, which the message follows
    assert refused.index(services.DUPLICATE_ID_MESSAGE) > refused.index('name="id_number"')
    with app.app_context():
        assert db.session.scalar(select(func.count(Person.id))) == 1


def test_two_confirmations_of_one_import_at_once(app, demo, monkeypatch):
    clients = [signed_in(app, "xa"), signed_in(app, "xa")]  # the uploader, in two tabs
    job_id = job_id_of(upload(clients[0], xlsx([person_row(full_name="Lò Văn Pọm"),
                                                person_row(full_name="Giàng A Páo",
                                                           id_number="011088001234")])))
    assert clients[0].get(f"/imports/{job_id}").status_code == 200  # checked
    held_at_barrier(monkeypatch, import_services, "confirm")
    responses = at_once([lambda c=c: c.post(f"/imports/{job_id}/confirm") for c in clients])
    assert [r.status_code for r in responses] == [303, 303]
    pages = [flashed(c, f"/imports/{job_id}") for c in clients]
    assert sum("Đã nhập 2 người vào danh sách quản lý." in p for p in pages) == 1, pages
    assert sum("vừa được nhập" in p or "đã được nhập lúc" in p for p in pages) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Person.id))) == 2
