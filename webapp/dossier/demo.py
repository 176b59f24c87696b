"""Demo papers: each commune of Mai Sơn keeps its files more or less completely, so the
completeness per commune and the worklist have something to show."""
from __future__ import annotations

import random

from sqlalchemy import select

from ..auth.models import Role, User
from ..extensions import db
from ..registry.models import Person
from ..registry.vocab import State
from ..timeutil import today_local
from . import procedures, services
from .models import Document

SIGNERS = {"management": "Chủ tịch UBND xã", "determination": "Giám đốc Trung tâm Y tế huyện",
           "voluntary": "Chủ tịch UBND xã", "compulsory": "Trưởng Công an xã",
           "post_rehab": "Chủ tịch UBND xã"}


def load_documents(seed: int = 2026) -> int:
    """Record papers for the persons on the lists; returns how many."""
    rng = random.Random(seed)
    today = today_local()
    services.seed_defaults()
    every = services.all_requirements()
    officers = {u.unit_id: u for u in db.session.scalars(
        select(User).where(User.role == Role.COMMUNE).order_by(User.id))}
    share: dict[int, float] = {}
    made = 0
    persons = db.session.scalars(select(Person).where(Person.state != State.CLOSED.value)
                                 .order_by(Person.id))
    for person in persons:
        officer = officers.get(person.unit_id)
        keep = share.setdefault(person.unit_id, rng.choice((0.55, 0.7, 0.85, 0.95)))
        for proc in procedures.procedures_of(person, today):
            for requirement in services.requirements_for(proc.kind, proc.opened_on, every):
                if not services.applies(requirement, proc) or rng.random() > keep:
                    continue
                day = min(proc.ended_on or proc.opened_on, today)
                db.session.add(Document(
                    person_id=person.id, procedure=proc.kind, entry_id=proc.entry_id,
                    form_code=requirement.codes[0], doc_date=day,
                    number=f"{rng.randint(1, 199)}/{day.year}" if requirement.codes[0] in (
                        "07", "09", "24", "51", "54") else None,
                    signer=SIGNERS[proc.kind],
                    created_by_id=officer.id if officer else None))
                made += 1
    db.session.flush()
    return made
