import click
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..formatting import vn_number
from ..timeutil import today_local
from ..treatment.models import PostRehabTerm
from ..units.models import Unit, under
from . import consistency
from .models import Person
from .routes import bp
from .services import rebuild_periods
from .vocab import EVENT_LABELS, EventKind

CHECK_BATCH = 500
# What each kind of entry is called in the output.
ENTRY_LABELS = {"event": "sự kiện", "episode": "đợt cai nghiện", "methadone": "đợt Methadone",
                "post_rehab": "đợt quản lý sau cai", "activity": "hoạt động sau cai"}


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


class UnknownUnit(click.ClickException):
    exit_code = 2  # not 1, which means "contradictions found"


@bp.cli.command("check")
@click.option("--unit", "unit_code", help="Chỉ kiểm tra hồ sơ thuộc đơn vị này (mã đơn vị).")
def check_command(unit_code: str | None) -> None:
    """List contradictions in the files (data entered before a rule existed, or imported).

    Prints ids, commune codes and messages only: the output may end up in logs, so no names,
    ID numbers or other personal data. Exits 1 when something was found, for scripts.
    """
    query = select(Person).order_by(Person.id).options(
        selectinload(Person.events), selectinload(Person.episodes),
        selectinload(Person.methadone_periods),
        selectinload(Person.post_rehab_terms).selectinload(PostRehabTerm.activities))
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.strip()))
        if unit is None:
            raise UnknownUnit(f"Không có đơn vị nào mang mã “{unit_code}”.")
        query = query.where(Person.unit_id.in_(
            select(Unit.id).where(under(Unit.path, unit.path))))
    today = today_local()
    checked = found = files = 0
    last_id = 0
    while True:
        # Keyset batches with their relations loaded per batch: a few queries per 500 files,
        # and memory stays flat on a national registry.
        batch = db.session.scalars(query.where(Person.id > last_id).limit(CHECK_BATCH)).all()
        if not batch:
            break
        for person in batch:
            checked += 1
            problems = consistency.problems(person, today)
            if problems:
                files += 1
                found += len(problems)
            events = {e.id: e for e in person.events}
            for problem in problems:
                click.echo(f"hồ sơ {person.id} · xã {person.unit.code} · "
                           f"{_entry(problem, events)} · {problem.message}")
        last_id = batch[-1].id
        db.session.expunge_all()
    db.session.rollback()  # read only
    click.echo(f"Đã kiểm tra {vn_number(checked)} hồ sơ: {vn_number(found)} mâu thuẫn ở "
               f"{vn_number(files)} hồ sơ.")
    click.get_current_context().exit(1 if found else 0)


def _entry(problem: consistency.Problem, events: dict) -> str:
    label = f"{ENTRY_LABELS.get(problem.kind, problem.kind)} {problem.entry_id}"
    event = events.get(problem.entry_id) if problem.kind == "event" else None
    if event is not None:
        label += f" ({EVENT_LABELS[EventKind(event.kind)]})"
    return label
