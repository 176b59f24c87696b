"""A commune's person with a management decision (after a positive test), the requirements
seeded (the suite empties every table after each test), attachments in a temporary folder."""
from __future__ import annotations

import pytest

from dossier_helpers import make_user_under_management
from webapp.extensions import db as _db


@pytest.fixture(autouse=True)
def attachments_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "attachments"
    monkeypatch.setitem(app.config, "ATTACHMENTS_DIR", str(folder))
    return folder


@pytest.fixture
def seeded(app, demo):
    from webapp.dossier import services

    with app.app_context():
        services.seed_defaults()
        _db.session.commit()
    return demo


@pytest.fixture
def managed(app, seeded):
    return {**seeded, **make_user_under_management(app, seeded)}
