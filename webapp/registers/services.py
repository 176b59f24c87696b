"""The commune's yearly registers (Sổ 01–05-SCN): each a filtered list of one year, opened
01/01 and closed 31/12, not a separate store. The rows are read from the rehab episodes and
the post-rehab terms the commune kept, through the scoping helper; the same `register_rows`
feeds the print view and the Excel file."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..formatting import vn_date
from ..registry.models import Person
from ..registry.vocab import SEXES
from ..scoping import restrict
from ..timeutil import today_local
from ..treatment.models import PostRehabTerm, RehabEpisode
from ..treatment.vocab import OUTCOMES, POST_REHAB_STATUS, REHAB_FORMS
from ..units.models import Level, Unit

# The compulsory-in-the-community register existed under the 2008 law; Law 73/2021 (in force
# 01/01/2022) abolished the measure, so its last register is that of 2021.
COMPULSORY_COMMUNITY_LAST_YEAR = 2021

PERSON_COLUMNS = [("STT", 5, "center"), ("Họ và tên", 22, "text"), ("Năm sinh", 8, "center"),
                  ("Giới tính", 7, "center"), ("Nơi cư trú", 24, "text")]


# Sổ 01 and 02 (voluntary rehab at home, in the community) have the same columns.
VOLUNTARY_COLUMNS = [("Ngày bắt đầu", 11, "center"), ("Số quyết định", 14, "text"),
                     ("Ngày quyết định", 11, "center"), ("Dự kiến kết thúc", 11, "center"),
                     ("Ngày kết thúc", 11, "center"), ("Kết quả", 14, "text")]


@dataclass(frozen=True)
class Register:
    code: str        # "01"
    title: str
    columns: list    # (label, width, kind) after the person's columns
    kind: str        # what it lists


REGISTERS = {
    "01": Register("01", "SỔ THEO DÕI CAI NGHIỆN MA TÚY TỰ NGUYỆN TẠI GIA ĐÌNH",
                   VOLUNTARY_COLUMNS, "home"),
    "02": Register("02", "SỔ THEO DÕI CAI NGHIỆN MA TÚY TỰ NGUYỆN TẠI CỘNG ĐỒNG",
                   VOLUNTARY_COLUMNS, "community"),
    "03": Register("03", "SỔ THEO DÕI CAI NGHIỆN MA TÚY BẮT BUỘC TẠI CỘNG ĐỒNG",
                   [("Ngày bắt đầu", 11, "center"), ("Số quyết định", 14, "text"),
                    ("Ngày quyết định", 11, "center"), ("Ngày kết thúc", 11, "center"),
                    ("Kết quả", 14, "text")], "compulsory_community"),
    "04": Register("04", "SỔ THEO DÕI QUẢN LÝ SAU CAI NGHIỆN MA TÚY TẠI NƠI CƯ TRÚ",
                   [("Số quyết định", 14, "text"), ("Ngày quyết định", 11, "center"),
                    ("Từ ngày", 11, "center"), ("Đến ngày", 11, "center"),
                    ("Ngày kết thúc", 11, "center"), ("Tình trạng", 16, "text")], "post_rehab"),
    "05": Register("05", "SỔ THEO DÕI NGƯỜI ĐÃ HOÀN THÀNH CAI NGHIỆN MA TÚY",
                   [("Hình thức cai nghiện", 20, "text"), ("Ngày bắt đầu", 11, "center"),
                    ("Ngày hoàn thành", 11, "center"), ("Số quyết định", 14, "text")],
                   "completed"),
}


class RegisterError(ValueError):
    pass


def registers_for(year: int) -> list[Register]:
    """The registers a commune keeps for `year` (Sổ 03 only while the measure existed)."""
    return [r for r in REGISTERS.values()
            if r.code != "03" or year <= COMPULSORY_COMMUNITY_LAST_YEAR]


def check(unit: Unit, code: str, year: int, today: date | None = None) -> Register:
    """The register asked for, or a Vietnamese refusal."""
    today = today or today_local()
    register = REGISTERS.get(code)
    if register is None:
        raise RegisterError("Không có sổ này.")
    if unit.level != Level.COMMUNE:
        raise RegisterError("Sổ theo dõi do cấp xã lập; vui lòng chọn một xã.")
    if year > today.year:
        raise RegisterError(f"Năm {year} chưa đến: chưa có sổ của năm này.")
    if year < 2000:
        raise RegisterError("Năm không hợp lệ.")
    if register.code == "03" and year > COMPULSORY_COMMUNITY_LAST_YEAR:
        raise RegisterError("Biện pháp cai nghiện bắt buộc tại cộng đồng đã bãi bỏ từ "
                            "01/01/2022 (Luật Phòng, chống ma túy năm 2021): sổ 03 chỉ có đến "
                            f"năm {COMPULSORY_COMMUNITY_LAST_YEAR}.")
    return register


def _person_cells(person: Person) -> list:
    return [person.full_name, person.birth_year, SEXES.get(person.sex, ""), person.address or ""]


def register_rows(user: User, unit: Unit, register: Register, year: int
                  ) -> list[tuple[int, list]]:
    """(person id, the row's cells without STT), in the order they were entered, then by
    name; the ids go to the audit log of the print or the export."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if register.kind in ("home", "community", "completed"):
        query = (select(RehabEpisode, Person).join(Person, Person.id == RehabEpisode.person_id)
                 .where(RehabEpisode.unit_id == unit.id, RehabEpisode.voided_at.is_(None)))
        if register.kind == "completed":
            query = query.where(RehabEpisode.outcome == "completed",
                                RehabEpisode.end_date.between(first, last)
                                ).order_by(RehabEpisode.end_date, Person.sort_key)
        else:
            query = query.where(RehabEpisode.form == register.kind,
                                RehabEpisode.start_date.between(first, last)
                                ).order_by(RehabEpisode.start_date, Person.sort_key)
        rows = []
        for episode, person in db.session.execute(restrict(query, user, RehabEpisode.unit_id)):
            if register.kind == "completed":
                rest = [REHAB_FORMS.get(episode.form, episode.form), episode.start_date,
                        episode.end_date, episode.decision_number]
            else:
                rest = [episode.start_date, episode.decision_number, episode.decision_date,
                        episode.planned_end, episode.end_date,
                        OUTCOMES.get(episode.outcome, "") if episode.outcome else "Đang cai"]
            rows.append((person.id, _person_cells(person) + rest))
        return rows
    if register.kind == "post_rehab":
        query = (select(PostRehabTerm, Person).join(Person, Person.id == PostRehabTerm.person_id)
                 .where(PostRehabTerm.unit_id == unit.id, PostRehabTerm.voided_at.is_(None),
                        PostRehabTerm.status.in_(("active", "completed", "stopped")),
                        PostRehabTerm.start_date.between(first, last))
                 .order_by(PostRehabTerm.start_date, Person.sort_key))
        return [(person.id, _person_cells(person) + [
                    term.decision_number, term.decision_date, term.start_date, term.end_date,
                    term.ended_on, POST_REHAB_STATUS.get(term.status, term.status)])
                for term, person in db.session.execute(
                    restrict(query, user, PostRehabTerm.unit_id))]
    return []  # the compulsory-in-the-community measure is not recorded in the product


def printed(value) -> str:
    """A cell as the print view shows it (the Excel file shows the same in its formats)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return vn_date(value)
    return str(value)
