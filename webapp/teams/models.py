from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..registry.models import Correctable
from ..timeutil import now_utc

ROLES = {
    "leader": "Tổ trưởng (cán bộ Công an xã)",
    "deputy": "Tổ phó (đại diện thôn, tổ dân phố)",
    "family": "Thành viên gia đình",
    "mass_org": "Đại diện tổ chức chính trị - xã hội",
    "social_worker": "Nhân viên công tác xã hội",
}
DECISIONS = {"event": "Quyết định quản lý (Mẫu 07)", "post_rehab": "Quyết định quản lý sau cai (Mẫu 51)"}


class TeamMember(Correctable, db.Model):
    """One member of the management team (tổ quản lý) named by a management decision (Mẫu 07,
    a `PersonEvent` of kind management) or a post-rehab decision (Mẫu 51, a `PostRehabTerm`).
    Exactly one leader and one member assigned to counsel the person per team; a member who
    leaves is voided with a reason, never deleted."""

    __tablename__ = "team_members"
    __audit__ = ("person_id", "event_id", "term_id", "full_name", "role", "counsels", "position",
                 "phone", *Correctable.CORRECTION_FIELDS)
    __table_args__ = (
        # "The persons counselled by this member", within a unit's subtree.
        Index("ix_team_members_unit_name", "unit_id", "name_folded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("person_events.id"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("post_rehab_terms.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    name_folded: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(15))
    counsels: Mapped[bool] = mapped_column(default=False)
    position: Mapped[str | None] = mapped_column(String(200))  # chức vụ, nơi công tác
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person = relationship("Person")
    event = relationship("PersonEvent")
    term = relationship("PostRehabTerm")

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)
