import click
from sqlalchemy import select

from ..extensions import db
from .models import Person
from .routes import bp
from .services import rebuild_periods


@bp.cli.command("rebuild-periods")
def rebuild_periods_command() -> None:
    """Rebuild every person's periods (unit and state over time) from their timeline."""
    count = 0
    for person in db.session.scalars(select(Person)):
        rebuild_periods(person)
        count += 1
        if count % 500 == 0:
            db.session.flush()
    db.session.commit()
    click.echo(f"Đã tính lại quá trình của {count:,} hồ sơ.".replace(",", "."))
