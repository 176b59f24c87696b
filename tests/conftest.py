"""Fixtures: the app on a per-run database (SQLite file, or TEST_DATABASE_URL for PostgreSQL),
emptied after every test; demo units and users; a client and `login_as`."""
from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db as _db


def _worker_database(url: str):
    """Under pytest-xdist each worker gets a PostgreSQL database of its own, made from
    TEST_DATABASE_URL's name and the worker's ("ci_…_gw0"), dropped at the end; a SQLite file
    is per worker already (each has its own temporary folder)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url, None
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url, drop = _worker_database(os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"))

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        # Start from nothing and build the schema with the migrations, as production does.
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
    yield app
    if drop is not None:
        with app.app_context():
            _db.engine.dispose()
        drop()


@pytest.fixture(autouse=True)
def _empty_database(app):
    """Every test starts and ends with an empty database."""
    yield
    from webapp.jobs import queue

    queue.wait()  # a background job still writing would leave rows for the next test
    with app.app_context():
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def db(ctx):
    return _db


@pytest.fixture
def demo(app):
    """The demo province's units and accounts (password demo12345): ids by code and username.

    Loaded in its own app context and returned as plain ids: a test that holds an app context
    while it sends requests would share Flask-Login's `g` with them.
    """
    from webapp.auth.models import User
    from webapp.demo import load_units, load_users

    with app.app_context():
        units = load_units()
        load_users(units)
        _db.session.commit()
        return {
            "units": {code: unit.id for code, unit in units.items()},
            "users": {u.username: u.id for u in _db.session.scalars(_db.select(User))},
        }


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client, demo):
    def login(username: str, password: str = "demo12345"):
        if client.get_cookie("session") is not None:
            client.post("/logout")  # whoever was signed in on this client before
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 303, f"{username} could not sign in"
        return client

    return login


@pytest.fixture
def demo_transfer(app, demo):
    """The demo accounts plus one person of xa's commune with a pending transfer to xa2's:
    {**demo, "person_id", "transfer_id"}."""
    from sqlalchemy import select

    from webapp.auth.models import User
    from webapp.registry import services
    from webapp.units.models import Unit

    with app.app_context():
        xa = _db.session.get(User, demo["users"]["xa"])
        unit = _db.session.scalar(select(Unit).where(Unit.code == "99101"))
        data = {"full_name": "Lò Văn Pọm", "sex": "M", "birth_year": 1990, "unit": unit}
        assert services.validate_person(data, xa) == {}
        person = services.save_person(None, data, xa)
        other = _db.session.scalar(select(Unit).where(Unit.code == "99102"))
        transfer = services.request_transfer(person, other, xa, None)
        _db.session.commit()
        return {**demo, "person_id": person.id, "transfer_id": transfer.id}
