"""Which procedures a person went through, derived from what the registry already knows, and
which documents each requires (the list in force on the day it opened).

- management: each management decision (Mẫu 07) on the timeline; its documents may date from
  the positive test that led to it;
- determination: each determination of addiction;
- voluntary: each voluntary rehab at home or in the community;
- compulsory: each compulsory rehab (its file is prepared before the court decides);
- post_rehab: each post-rehab term once decided (Mẫu 51).

A document may not be dated before its procedure began: the anchor's date, less the setting
`dossier_lead_days_<procedure>` for the papers that precede it (a registration, a request, a file).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .. import settings
from ..registry.models import active
from ..registry.vocab import EventKind
from .vocab import PROCEDURES


@dataclass
class Procedure:
    kind: str
    entry_id: int
    opened_on: date  # the anchor: decision, determination, episode start, post-rehab decision
    documents_from: date  # the earliest date a document of it may bear
    title: str
    reached: set[str] = field(default_factory=set)  # "completed", "stopped", "moved"
    ended_on: date | None = None

    @property
    def label(self) -> str:
        return PROCEDURES[self.kind]

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.entry_id}"


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _lead(kind: str) -> timedelta:
    return timedelta(days=int(settings.get(f"dossier_lead_days_{kind}")))


def _management(person, today: date) -> list[Procedure]:
    events = active(person.events)
    decisions = [e for e in events if e.kind == EventKind.MANAGEMENT]
    found = []
    for i, decision in enumerate(decisions):
        tests = [e.event_date for e in events if e.kind == EventKind.POSITIVE_TEST
                 and e.event_date <= decision.event_date]
        start = max(tests) if tests else decision.event_date - _lead("management")
        proc = Procedure("management", decision.id, decision.event_date, start,
                         f"Quyết định quản lý số {decision.doc_number or '…'} ngày "
                         f"{_d(decision.event_date)}")
        later = decisions[i + 1].event_date if i + 1 < len(decisions) else None
        term_end = decision.term_end
        stops = [e.event_date for e in events if e.event_date > decision.event_date and (
            (e.kind == EventKind.DETERMINATION and e.addicted) or e.kind == EventKind.CLOSING)]
        stop = min(stops) if stops else None
        end = min(d for d in (later, term_end, stop) if d is not None) if (
            later or term_end or stop) else None
        if stop is not None and stop == end and (term_end is None or stop < term_end):
            proc.reached.add("stopped")
            proc.ended_on = stop
        elif term_end is not None and term_end == end and term_end < today:
            proc.reached.add("completed")
            proc.ended_on = term_end
        elif later is not None and later == end:
            proc.ended_on = later  # a new decision took over: neither stopped nor completed
        until = proc.ended_on or today
        if any(e.kind == EventKind.TRANSFER and decision.event_date <= e.event_date <= until
               for e in events):
            proc.reached.add("moved")
        found.append(proc)
    return found


def _determinations(person) -> list[Procedure]:
    return [Procedure("determination", e.id, e.event_date, e.event_date - _lead("determination"),
                      f"Xác định tình trạng nghiện ngày {_d(e.event_date)}"
                      + (f" ({e.facility})" if e.facility else ""))
            for e in active(person.events) if e.kind == EventKind.DETERMINATION]


def _episodes(person) -> list[Procedure]:
    found = []
    for episode in active(person.episodes):
        if episode.form in ("home", "community"):
            kind = "voluntary"
        elif episode.form == "compulsory":
            kind = "compulsory"
        else:
            continue
        anchor = episode.start_date
        proc = Procedure(kind, episode.id, anchor, anchor - _lead(kind),
                         f"{episode.form_label} từ ngày {_d(anchor)}", ended_on=episode.end_date)
        if episode.outcome == "completed":
            proc.reached.add("completed")
        if episode.outcome == "moved":
            proc.reached.add("moved")
        found.append(proc)
    return found


def _post_rehab(person) -> list[Procedure]:
    found = []
    for term in active(person.post_rehab_terms):
        if term.status in ("suggested", "dismissed"):
            continue
        anchor = term.decision_date or term.start_date
        proc = Procedure("post_rehab", term.id, anchor, anchor - _lead("post_rehab"),
                         f"Quyết định quản lý sau cai số {term.decision_number or '…'} ngày "
                         f"{_d(anchor)}", ended_on=term.ended_on)
        if term.status == "completed":
            proc.reached.add("completed")
        if term.end_reason == "moved_away":
            proc.reached.add("moved")
        found.append(proc)
    return found


def procedures_of(person, today: date) -> list[Procedure]:
    """Every procedure of the file, oldest first."""
    found = (_management(person, today) + _determinations(person) + _episodes(person)
             + _post_rehab(person))
    return sorted(found, key=lambda p: (p.opened_on, p.kind, p.entry_id))


def find(person, kind: str, entry_id: int, today: date) -> Procedure | None:
    return next((p for p in procedures_of(person, today)
                 if p.kind == kind and p.entry_id == entry_id), None)
