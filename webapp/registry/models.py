from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..extensions import db
from ..timeutil import now_utc
from ..units.models import Unit
from .vocab import CLOSING_REASONS, DRUGS, ETHNICITY_CODES, OCCUPATION_GROUPS, SEXES, State

PERSON_FIELDS = (
    "full_name", "other_names", "sex", "birth_date", "birth_year", "id_number", "ethnicity",
    "occupation", "occupation_group", "unit_id", "address", "current_address", "phone",
    "family_contact", "main_drug", "other_drugs", "injecting", "notes",
)


class Correctable:
    """An entry of a file that can be corrected in place or voided as "ghi nhầm", never deleted.

    A voided entry stays in the file (struck through, with who, when and why) and in the change
    history, and is ignored by state derivation, periods, figures and worklists. The reason of
    the latest correction is kept beside it; each correction's old → new values are in the audit.
    """

    CORRECTION_FIELDS = ("voided_at", "void_reason", "corrected_at", "correction_reason")

    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(Text)
    corrected_at: Mapped[datetime | None]
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)

    @declared_attr
    def voided_by(cls):
        return relationship("User", foreign_keys=[cls.voided_by_id])

    @declared_attr
    def corrected_by(cls):
        return relationship("User", foreign_keys=[cls.corrected_by_id])

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


def active(entries):
    """The entries that count: those not voided."""
    return [e for e in entries if getattr(e, "voided_at", None) is None]


class Person(db.Model):
    """A person on a commune's registry (hồ sơ đối tượng).

    `state`, `state_since`, `management_until` and `closed_reason` are derived from the timeline
    by `registry.state.derive` and stored only so lists can filter and page in SQL.
    `name_folded`, `search_text`, `sort_key` and `born_on` are derived when the person is saved.
    """

    __tablename__ = "persons"
    __audit__ = PERSON_FIELDS + ("version",)
    __table_args__ = (
        Index("ix_persons_unit_sort", "unit_id", "sort_key"),
        Index("ix_persons_unit_state", "unit_id", "state", "sort_key"),
        Index("ix_persons_dupe", "name_folded", "birth_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_persons_unit_sort and ix_persons_unit_state, which begin with it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    full_name: Mapped[str] = mapped_column(String(120))
    other_names: Mapped[str | None] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date | None]
    birth_year: Mapped[int]
    id_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    ethnicity: Mapped[str | None] = mapped_column(String(2))
    occupation: Mapped[str | None] = mapped_column(String(120))
    occupation_group: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(250))
    current_address: Mapped[str | None] = mapped_column(String(250))
    phone: Mapped[str | None] = mapped_column(String(20))
    family_contact: Mapped[str | None] = mapped_column(String(250))
    main_drug: Mapped[str | None] = mapped_column(String(10))
    other_drugs: Mapped[str | None] = mapped_column(String(200))
    injecting: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)

    # Derived on save.
    name_folded: Mapped[str] = mapped_column(String(120))
    search_text: Mapped[str] = mapped_column(String(400))
    sort_key: Mapped[str] = mapped_column(String(400), index=True)
    # birth_date, or 1 January of birth_year. Not indexed: an age filter always comes with a
    # unit's subtree (whose index finds the rows) and matches a large share of them anyway.
    born_on: Mapped[date]

    # Derived from the timeline.
    state: Mapped[str] = mapped_column(String(12), default=State.SUSPECTED.value, index=True)
    state_since: Mapped[date | None]
    management_until: Mapped[date | None] = mapped_column(index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(20))
    # Derived from episodes, methadone and post-rehab terms: in_rehab, methadone, post_rehab.
    treatment: Mapped[str | None] = mapped_column(String(12), index=True)

    version: Mapped[int] = mapped_column(default=1)
    registered_on: Mapped[date | None]  # the day the file was opened in the software
    # The day the person really entered the lists (the old paper register's date): periods and
    # "new on the lists this month" start here, not on the day the row was typed.
    listed_on: Mapped[date | None]  # read, never searched (the periods hold the dates)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Optimistic locking: UPDATE … WHERE version = old. Only edits of the file bump it
    # (services.save_person); re-deriving the state from the timeline does not.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    unit: Mapped[Unit] = relationship(lazy="joined")
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    events: Mapped[list[PersonEvent]] = relationship(
        back_populates="person", order_by="(PersonEvent.event_date, PersonEvent.id)")
    episodes = relationship("RehabEpisode", back_populates="person",
                            order_by="(RehabEpisode.start_date, RehabEpisode.id)")
    methadone_periods = relationship("MethadonePeriod", back_populates="person",
                                     order_by="(MethadonePeriod.start_date, MethadonePeriod.id)")
    post_rehab_terms = relationship("PostRehabTerm", back_populates="person",
                                    order_by="(PostRehabTerm.start_date, PostRehabTerm.id)")
    periods: Mapped[list[PersonPeriod]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonPeriod.start_date")

    @property
    def state_enum(self) -> State:
        return State(self.state)

    @property
    def active_events(self) -> list[PersonEvent]:
        return active(self.events)

    @property
    def sex_label(self) -> str:
        return SEXES.get(self.sex, "")

    @property
    def drug_label(self) -> str:
        return DRUGS.get(self.main_drug or "", "")

    @property
    def ethnicity_label(self) -> str:
        return ETHNICITY_CODES.get(self.ethnicity or "", "")

    @property
    def occupation_group_label(self) -> str:
        return OCCUPATION_GROUPS.get(self.occupation_group or "", "")

    @property
    def closed_reason_label(self) -> str:
        return CLOSING_REASONS.get(self.closed_reason or "", "")

    def age_on(self, day: date) -> int:
        born = self.born_on
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class PersonEvent(Correctable, db.Model):
    """One dated entry of a person's timeline: a test, a decision, a determination, a closing."""

    __tablename__ = "person_events"
    __audit__ = ("kind", "event_date", "doc_number", "signer", "facility", "addicted",
                 "term_end", "reason", "note", "person_id", *Correctable.CORRECTION_FIELDS)
    __table_args__ = (Index("ix_person_events_kind_date", "kind", "event_date"),
                      # A person's events of one kind by date (due items, a unit's flows).
                      Index("ix_person_events_person_kind_date", "person_id", "kind",
                            "event_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_person_events_person_kind_date, which begins with it.
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[str] = mapped_column(String(20))
    event_date: Mapped[date]
    doc_number: Mapped[str | None] = mapped_column(String(50))  # số quyết định / số phiếu
    signer: Mapped[str | None] = mapped_column(String(120))  # người ký / cơ quan ban hành
    facility: Mapped[str | None] = mapped_column(String(200))  # cơ sở y tế xét nghiệm/xác định
    addicted: Mapped[bool | None]  # determination conclusion: có nghiện / không nghiện
    term_end: Mapped[date | None]  # management decision: end of the term
    reason: Mapped[str | None] = mapped_column(String(20))  # closing reason code
    note: Mapped[str | None] = mapped_column(Text)
    # Transfers: the communes involved.
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person] = relationship(back_populates="events")
    created_by = relationship("User", foreign_keys=[created_by_id])
    from_unit = relationship(Unit, foreign_keys=[from_unit_id])
    to_unit = relationship(Unit, foreign_keys=[to_unit_id])


class TransferRequest(db.Model):
    """Moving residence: one commune asks, the other accepts or refuses; the file moves whole."""

    __tablename__ = "transfer_requests"
    __audit__ = ("status", "person_id", "from_unit_id", "to_unit_id", "reason")

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The side that asked; the other side decides.
    requested_by_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=now_utc)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    # Two decisions at once (two clicks, two officers, two workers): UPDATE … WHERE version =
    # the one read, so the second write fails cleanly (services.decide_transfer) on SQLite and
    # PostgreSQL alike; its transfer event and the file's move are rolled back with it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    person: Mapped[Person] = relationship()
    from_unit: Mapped[Unit] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit] = relationship(foreign_keys=[to_unit_id])
    requested_by_unit: Mapped[Unit] = relationship(foreign_keys=[requested_by_unit_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def deciding_unit_id(self) -> int:
        return self.to_unit_id if self.requested_by_unit_id == self.from_unit_id else self.from_unit_id


class PersonPeriod(db.Model):
    """Where a person was and in which legal state, from `start_date` until `end_date`
    (exclusive; open when None). Rebuilt from the timeline whenever it changes, so "the
    registry as of a past day" is one indexed lookup in SQL, for reports of any month."""

    __tablename__ = "person_periods"
    __table_args__ = (Index("ix_person_periods_dates", "start_date", "end_date"),
                      # The periods of a unit's subtree on a day: the unit first.
                      Index("ix_person_periods_unit_start", "unit_id", "start_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # ix_person_periods_unit_start
    state: Mapped[str] = mapped_column(String(12))
    start_date: Mapped[date]
    end_date: Mapped[date | None]

    person: Mapped[Person] = relationship(back_populates="periods")
