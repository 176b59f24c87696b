import click

from ..extensions import db
from .routes import bp
from .services import UnitError, load_official_province

bp.cli.short_help = "Đơn vị hành chính"


@bp.cli.command("load-official")
@click.argument("province_code", type=int)
def load_official(province_code: int) -> None:
    """Load one province and its communes from the vietnam-provinces package."""
    try:
        root, count = load_official_province(province_code)
    except UnitError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{root.name} ({root.code}): {count} đơn vị cấp xã.")
