"""Audit entries as officers read them: Vietnamese field names and values, not stored codes.

The log keeps what the database held ({field: [old, new]} with codes, ids, ISO dates and
booleans); this turns it into "Giới tính: Nam → Nữ", "Xã nơi cư trú: Xã Tân Hòa",
"Ngày: 28/11/2026", for any page that shows a change history.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..formatting import vn_date, vn_datetime
from ..registry.vocab import (CLOSING_REASONS, DRUGS, EVENT_LABELS, ETHNICITY_CODES,
                              FIELD_LABELS, OCCUPATION_GROUPS, SEXES, TRANSFER_STATUS)
from ..treatment.vocab import (ACTIVITY_KINDS, METHADONE_STOPS, OUTCOMES, POST_REHAB_STATUS,
                               POST_REHAB_STOPS, REHAB_FORMS)
from ..units.models import Unit
from .models import AuditEvent
from .queries import ACTIONS, OBJECTS

# Links between records, not something an officer changes.
HIDDEN = {"version", "person_id", "term_id"}
UNIT_FIELDS = {"unit_id", "from_unit_id", "to_unit_id"}
DATE_FIELDS = {"birth_date", "event_date", "term_end", "start_date", "planned_end",
               "decision_date", "end_date", "ended_on", "on", "listed_on"}
# Timestamps (UTC) shown in the users' time zone.
DATETIME_FIELDS = {"voided_at", "corrected_at"}

# Where a model names a field differently from the person's file.
OBJECT_FIELD_LABELS = {
    "RehabEpisode": {"form": "Hình thức cai nghiện", "start_date": "Ngày bắt đầu",
                     "planned_end": "Ngày kết thúc dự kiến", "facility": "Cơ sở cai nghiện",
                     "decision_number": "Số quyết định", "decision_date": "Ngày ký quyết định",
                     "decided_by": "Người ký / Tòa án", "end_date": "Ngày kết thúc",
                     "outcome": "Kết quả"},
    "MethadonePeriod": {"facility": "Cơ sở điều trị", "start_date": "Ngày bắt đầu",
                        "end_date": "Ngày ngừng điều trị", "stop_reason": "Lý do ngừng"},
    "PostRehabTerm": {"status": "Trạng thái", "months": "Thời hạn (tháng)",
                      "start_date": "Ngày bắt đầu", "end_date": "Ngày hết hạn",
                      "decision_number": "Số quyết định", "decision_date": "Ngày ký quyết định",
                      "signer": "Người ký", "ended_on": "Ngày chấm dứt",
                      "end_reason": "Lý do chấm dứt",
                      "certificate_number": "Số giấy chứng nhận"},
    "PostRehabActivity": {"kind": "Hoạt động", "on": "Ngày", "positive": "Kết quả xét nghiệm"},
}

CODE_LABELS = {"sex": SEXES, "ethnicity": ETHNICITY_CODES, "occupation_group": OCCUPATION_GROUPS,
               "main_drug": DRUGS}
OBJECT_CODE_LABELS = {
    "PersonEvent": {"kind": EVENT_LABELS, "reason": CLOSING_REASONS},
    "TransferRequest": {"status": TRANSFER_STATUS},
    "RehabEpisode": {"form": REHAB_FORMS, "outcome": OUTCOMES},
    "MethadonePeriod": {"stop_reason": METHADONE_STOPS},
    "PostRehabTerm": {"status": POST_REHAB_STATUS, "end_reason": POST_REHAB_STOPS},
    "PostRehabActivity": {"kind": ACTIVITY_KINDS},
}
BOOLEAN_LABELS = {"addicted": ("Có nghiện", "Không nghiện"),
                  "positive": ("Dương tính", "Âm tính")}


@dataclass
class Change:
    label: str
    old: str | None  # None: was empty
    new: str | None


@dataclass
class HistoryRow:
    at: datetime
    user: Any
    action: str  # "create", "update", ...
    what: str  # "Sửa hồ sơ đối tượng", "Tạo mới đợt cai nghiện"
    changes: list[Change] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        return self.action == "update"


def _verb(event: AuditEvent) -> str:
    """An update that voids or corrects an entry says so ("Hủy (ghi nhầm)", "Sửa có lý do")."""
    changes = event.changes or {}
    if event.action == "update" and (changes.get("voided_at") or [None, None])[1]:
        return "Hủy (ghi nhầm)"
    return ACTIONS.get(event.action, event.action)


def describe(events: list[AuditEvent]) -> list[HistoryRow]:
    """Audit entries (create/update/delete) as rows of Vietnamese text, in the order given."""
    units = _unit_names(events)
    rows = []
    for event in events:
        kind = event.object_type
        changes = [Change(field_label(kind, name), _value(kind, name, old, units),
                          _value(kind, name, new, units))
                   for name, (old, new) in (event.changes or {}).items() if name not in HIDDEN]
        obj = OBJECTS.get(kind, kind)
        rows.append(HistoryRow(event.at, event.user, event.action,
                               f"{_verb(event)} {obj[:1].lower()}{obj[1:]}", changes))
    return rows


def field_label(object_type: str, name: str) -> str:
    return OBJECT_FIELD_LABELS.get(object_type, {}).get(name) or FIELD_LABELS.get(name, name)


def _value(object_type: str, name: str, value: Any, units: dict[int, str]) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        yes, no = BOOLEAN_LABELS.get(name, ("Có", "Không"))
        return yes if value else no
    if name in UNIT_FIELDS:
        return units.get(value, str(value))
    if name in DATETIME_FIELDS and isinstance(value, str):
        try:
            return vn_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if name in DATE_FIELDS and isinstance(value, str):
        try:
            return vn_date(date.fromisoformat(value[:10]))
        except ValueError:
            return value
    labels = OBJECT_CODE_LABELS.get(object_type, {}).get(name) or CODE_LABELS.get(name)
    if labels is not None:
        return labels.get(value, str(value))
    return str(value)


def _unit_names(events: list[AuditEvent]) -> dict[int, str]:
    ids = {value for event in events for name, pair in (event.changes or {}).items()
           if name in UNIT_FIELDS for value in pair if isinstance(value, int)}
    if not ids:
        return {}
    # Names only: a person's former commune may lie outside the reader's scope, and a unit's
    # name is not case data (the duplicate warning names communes anywhere too).
    return dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
