"""What the person page shows below the file (one include, templates/forms_print/_person.html):
the deadlines in working days, the management teams, the official forms to print."""
from __future__ import annotations

from ..registry.models import Person
from ..teams import services as teams
from ..timeutil import today_local
from ..workdays import deadlines
from . import services


def person_panel(person: Person, transfer=None) -> dict:
    today = today_local()
    team_of = teams.teams_of(person)
    decisions = [("event", e, f"Quyết định quản lý ngày {e.event_date:%d/%m/%Y}"
                  + (f", số {e.doc_number}" if e.doc_number else ""))
                 for e in person.active_events if e.kind == "management"]
    decisions += [("post_rehab", t, f"Quản lý sau cai từ {t.start_date:%d/%m/%Y}"
                   + (f", quyết định số {t.decision_number}" if t.decision_number else ""))
                  for t in person.post_rehab_terms
                  if not t.voided and t.status not in ("suggested", "dismissed")]
    return {
        "deadlines": deadlines.for_person(person, transfer, today),
        "teams": [(kind, entry, about, team_of.get((kind, entry.id), []))
                  for kind, entry, about in decisions],
        "offers": services.offers(person, transfer, today),
        "positions": services.POSITIONS,
    }
