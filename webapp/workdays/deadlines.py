"""The deadlines a file runs against, computed in working days (workdays.calendar).

* the management decision: N working days after the positive test it answers
  (`management_decision_deadline`, 3 by default);
* handing a moving person's file to the new commune: `transfer_handover` in force on the day
  of the request — 5 working days, or 24 hours from 01/07/2026;
* the compulsory-rehab file of Decree 116: `compulsory_file_steps`, each step N working days
  after the previous one, from the addiction result.

The monthly report's due day stays a calendar day (main.worklist.report_due).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import func, select

from .. import settings
from ..extensions import db
from ..official import province_code
from ..registry.models import Person, PersonEvent, TransferRequest
from ..registry.queries import due_condition
from ..registry.state import derive
from ..registry.vocab import Status
from ..scoping import scoped_persons, scoped_transfers
from ..timeutil import LOCAL_TZ, to_local, today_local
from . import calendar



@dataclass(frozen=True)
class Deadline:
    label: str
    due: date
    today: date
    due_at: datetime | None = None   # for a deadline in hours: the moment, in local time
    now: datetime | None = None
    rule: str = ""                   # "3 ngày làm việc", "24 giờ"

    @property
    def overdue(self) -> bool:
        if self.due_at is not None and self.now is not None:
            return self.now > self.due_at
        return self.today > self.due

    @property
    def days_left(self) -> int:
        """Working days from today to the due day (0: due today; negative: overdue)."""
        return calendar.working_days_between(self.today, self.due)

    @property
    def status(self) -> str:
        """ "còn 2 ngày làm việc", "hạn hôm nay", "quá hạn 3 ngày làm việc", "còn 5 giờ"."""
        if self.due_at is not None and self.now is not None:
            hours = (self.due_at - self.now).total_seconds() / 3600
            if hours >= 0:
                return f"còn {int(hours)} giờ" if hours >= 1 else "còn dưới 1 giờ"
            late = -hours
            return f"quá hạn {int(late)} giờ" if late < 48 else f"quá hạn {int(late // 24)} ngày"
        left = self.days_left
        if left > 0:
            return f"còn {left} ngày làm việc"
        if left == 0 and not self.overdue:
            return "hạn hôm nay"
        return f"quá hạn {-left} ngày làm việc" if left < 0 else "quá hạn"

    @property
    def due_text(self) -> str:
        if self.due_at is not None:
            return self.due_at.strftime("%H:%M %d/%m/%Y")
        return self.due.strftime("%d/%m/%Y")


def _rule_text(value: dict) -> str:
    return f"{value['hours']} giờ" if value.get("hours") else f"{value['working_days']} ngày làm việc"


def decision_days(person: Person | None, day: date) -> int:
    value = settings.dated("management_decision_deadline", day,
                           province_code(person.unit) if person is not None else None)
    return int((value or {"working_days": 3})["working_days"])


def management_decision(person: Person, today: date | None = None) -> Deadline | None:
    """The management decision due for a positive test not yet answered by a decision."""
    today = today or today_local()
    derived = derive(person.events)
    if derived.status_on(today) != Status.USER_PENDING or derived.last_positive is None:
        return None
    days = decision_days(person, derived.last_positive)
    return Deadline("Ra quyết định quản lý (Mẫu 07) kể từ ngày xét nghiệm dương tính "
                    f"{derived.last_positive:%d/%m/%Y}",
                    calendar.add_working_days(derived.last_positive, days), today,
                    rule=f"{days} ngày làm việc")


def handover(transfer: TransferRequest, today: date | None = None,
             now: datetime | None = None) -> Deadline:
    """The file's handover to the new commune, by the rule in force on the request's day."""
    today = today or today_local()
    asked_local = to_local(transfer.requested_at)
    value = settings.dated("transfer_handover", asked_local.date(),
                           province_code(transfer.from_unit)) or {"working_days": 5}
    label = (f"Bàn giao hồ sơ cho {transfer.to_unit.name} (đề nghị ngày "
             f"{asked_local:%d/%m/%Y})")
    if value.get("hours"):
        due_at = asked_local + timedelta(hours=int(value["hours"]))
        now = to_local(now or datetime.now(LOCAL_TZ))
        return Deadline(label, due_at.date(), today, due_at=due_at, now=now,
                        rule=_rule_text(value))
    due = calendar.add_working_days(asked_local.date(), int(value["working_days"]))
    return Deadline(label, due, today, rule=_rule_text(value))


def compulsory_file(person: Person, today: date | None = None) -> list[Deadline]:
    """The Decree 116 steps from the latest positive determination, for an addict who is in no
    rehab, methadone or post-rehab (the file the commune would have to draw up)."""
    today = today or today_local()
    if person.state != "addict" or person.treatment is not None:
        return []
    results = [e for e in person.active_events if e.kind == "determination" and e.addicted]
    if not results:
        return []
    start = results[-1].event_date
    if any(e.start_date >= start and not e.voided for e in person.episodes):
        return []
    steps, day = [], start
    for _code, label, days in settings.get("compulsory_file_steps"):
        day = calendar.add_working_days(day, int(days))
        steps.append(Deadline(label, day, today, rule=f"{days} ngày làm việc"))
    return steps


def for_person(person: Person, transfer: TransferRequest | None,
               today: date | None = None) -> dict:
    today = today or today_local()
    return {"decision": management_decision(person, today),
            "handover": handover(transfer, today) if transfer is not None else None,
            "compulsory": compulsory_file(person, today)}


# --- Lists in a scope ------------------------------------------------------------------------

def pending_decisions(persons_query, today: date) -> list[tuple[Person, Deadline]]:
    """Persons of the (scoped) query waiting for a management decision, by due day."""
    persons = db.session.scalars(persons_query.where(due_condition("user_no_decision", today))
                                 .order_by(None).limit(500)).all()
    out = [(p, management_decision(p, today)) for p in persons]
    return sorted([(p, d) for p, d in out if d is not None], key=lambda pd: pd[1].due)


def overdue_decision(today: date):
    """(SQL condition on Person, its cutoff day): waiting for a management decision past the
    deadline — the latest positive test on or before the last day whose deadline has passed."""
    cutoff = calendar.latest_start_due_before(today, decision_days(None, today))
    last_positive = (select(func.max(PersonEvent.event_date))
                     .where(PersonEvent.person_id == Person.id,
                            PersonEvent.kind == "positive_test",
                            PersonEvent.voided_at.is_(None)).scalar_subquery())
    return due_condition("user_no_decision", today) & (last_positive <= cutoff), cutoff


def overdue_decisions_count(persons_query, today: date) -> int:
    """How many waiting persons of the query are past the deadline, counted in SQL."""
    condition, _ = overdue_decision(today)
    query = persons_query.where(condition).order_by(None)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def worklist_items(user, today: date, late: int | None = None, transfers=None) -> list:
    """The home page's items (label, count, url, urgent): overdue management decisions and
    file handovers (`late` and the pending `transfers` when the caller has them already)."""
    items = []
    if late is None:
        late = overdue_decisions_count(scoped_persons(user), today)
    if late:
        items.append((f"Quá hạn ra quyết định quản lý ({decision_days(None, today)} ngày làm "
                          f"việc kể từ ngày xét nghiệm dương tính): {late} người", late,
                          url_for("workdays.index"), True))
    if transfers is None:
        transfers = db.session.scalars(scoped_transfers(user).where(
            TransferRequest.status == "pending")).all()
    late = sum(1 for t in transfers if handover(t, today).overdue)
    if late:
        items.append((f"Quá hạn bàn giao hồ sơ chuyển nơi cư trú: {late} hồ sơ", late,
                          url_for("workdays.index"), True))
    return items
