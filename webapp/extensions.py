"""Extensions, created unbound and bound to the app in create_app()."""
from flask_compress import Compress
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints so Alembic migrations behave the same on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
# Pages, CSS and JS compressed by the app too: a trial may run without nginx in front.
compress = Compress()


def commit_keeping_loaded() -> None:
    """Commit (say, the audit entry of a page just read) without expiring what the page has
    loaded: otherwise the template would fetch each of its rows again, one query per row."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def keep_counted(kept, model, **values) -> None:
    """Store what was just counted in its cache row (dashboard months and rankings, reviewers'
    due counts, past years of statistics): `kept` updated, or a new `model` row. Two workers
    counting the same thing at once both succeed: the row's unique key keeps one of them."""
    try:
        with db.session.begin_nested():
            if kept is None:
                db.session.add(model(**values))
            else:
                for name, value in values.items():
                    setattr(kept, name, value)
    except IntegrityError:
        pass
