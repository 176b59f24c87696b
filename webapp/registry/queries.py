"""The registry list: filters, search and Vietnamese sorting, all in SQL inside the scope."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from .. import settings
from ..auth.models import User
from ..extensions import db
from ..forms import input_problem, query_problems
from ..scoping import scoped_persons, scoped_units, seek_by_unit
from ..timeutil import today_local
from ..units.models import Unit, under
from ..vntext import fold
from .models import Person, PersonEvent
from .vocab import DRUGS, SEXES, State

STATE_FILTERS = {"": "Đang quản lý (chưa đưa ra khỏi danh sách)",
                 **{s.value: s.label for s in State}, "all": "Tất cả"}
SORTS = {"name": "Tên (theo thứ tự tiếng Việt)", "date": "Ngày cập nhật tình trạng",
         "unit": "Đơn vị"}
# What is due: the worklist counts and the list filters share these definitions.
DUE_FILTERS = {
    "management_soon": "Sắp hết hạn quản lý (trong 30 ngày)",
    "management_overdue": "Đã hết thời hạn quản lý, chờ lập biên bản kết thúc (Mẫu 10)",
    "user_no_decision": "Người sử dụng trái phép chưa có quyết định quản lý",
    "new_use_in_term": "Có kết quả dương tính mới trong thời hạn quản lý, cần quyết định mới",
    "post_rehab_positive": "Dương tính khi đang quản lý sau cai, cần xác định tình trạng nghiện "
                           "và lập biên bản tái nghiện",
    "post_rehab_soon": "Sắp hết hạn quản lý sau cai (trong 30 ngày)",
    "post_rehab_overdue": "Đã hết hạn quản lý sau cai, chưa kết thúc",
    "release_soon": "Sắp hết hạn cai nghiện bắt buộc (trong 30 ngày)",
    "release_overdue": "Quá hạn cai nghiện bắt buộc, chưa ghi kết thúc",
    "untreated": "Đã xác định nghiện, chưa cai nghiện hoặc điều trị Methadone",
}


def _events(kind: str, *where):
    """Counted (not voided) events of one kind of the person in the outer query."""
    # Correlated by name: nested in another subquery (a post-rehab term's), auto-correlation
    # would not reach the persons of the outer query and would match anyone's events.
    return select(PersonEvent.id).where(PersonEvent.person_id == Person.id,
                                        PersonEvent.kind == kind,
                                        PersonEvent.voided_at.is_(None), *where).correlate_except(PersonEvent)


_aliases: dict[str, object] = {}


def _last_decision():
    # One alias, made on first use (mappers are configured by then): a fresh alias per call
    # made every page counting due items rebuild its columns, some milliseconds each time.
    decision = _aliases.get("decision")
    if decision is None:
        decision = _aliases["decision"] = aliased(PersonEvent, name="decision")
    return (select(func.max(decision.event_date))
            .where(decision.person_id == Person.id, decision.kind == "management",
                   decision.voided_at.is_(None)).correlate(Person).scalar_subquery())


_conditions: dict[tuple, object] = {}


def due_condition(name: str, today: date):
    """SQL condition on Person for one kind of due item; "soon" includes today and today + N.

    The same rules as `state.Derived.status_on`: a positive test after the term's end means a
    new decision is needed, not the end-of-term record. Built once per day and setting: the
    home page asks for all ten on every visit, and building them cost more than running them
    for a commune."""
    horizon = today + timedelta(days=settings.get("due_soon_days"))
    key = (name, today, horizon)
    condition = _conditions.get(key)
    if condition is None:
        if len(_conditions) > 100:
            _conditions.clear()
        condition = _conditions[key] = _due_condition(name, today, horizon)
    return condition


def _due_condition(name: str, today: date, horizon: date):
    from ..treatment.models import MethadonePeriod, PostRehabActivity, PostRehabTerm, RehabEpisode

    user = Person.state == State.USER.value
    new_use_after_term = _events("positive_test",
                                 PersonEvent.event_date > Person.management_until).exists()
    # A use since the decision in force, during or after its term, not yet answered.
    unanswered = _events("positive_test", PersonEvent.event_date > _last_decision()).exists()
    ended = Person.management_until < today
    # An active post-rehab term always gives the person a stored treatment (refresh_treatment:
    # in rehab, methadone or post-rehab): persons without one are not looked up at all.
    under_post_rehab = Person.treatment.is_not(None)
    if name == "management_soon":
        return user & Person.management_until.between(today, horizon) & ~new_use_after_term
    if name == "management_overdue":
        return user & ended & ~unanswered
    if name == "user_no_decision":
        return user & (Person.management_until.is_(None) | (ended & unanswered))
    if name == "new_use_in_term":
        return user & ~ended & _events("positive_test", PersonEvent.event_date > _last_decision(),
                                       PersonEvent.event_date <= Person.management_until).exists()
    if name == "post_rehab_positive":
        term = (PostRehabTerm.person_id == Person.id) & (PostRehabTerm.status == "active") \
            & PostRehabTerm.voided_at.is_(None)
        determined_after = select(PersonEvent.id).where(
            PersonEvent.person_id == Person.id, PersonEvent.kind == "determination",
            PersonEvent.voided_at.is_(None), PersonEvent.event_date >= PostRehabTerm.start_date
        ).correlate_except(PersonEvent)
        tested = or_(
            _events("positive_test", PersonEvent.event_date >= PostRehabTerm.start_date).exists(),
            select(PostRehabActivity.id).where(
                PostRehabActivity.term_id == PostRehabTerm.id, PostRehabActivity.positive.is_(True),
                PostRehabActivity.voided_at.is_(None)).exists())
        return under_post_rehab & select(PostRehabTerm.id).where(
            term, tested, ~determined_after.exists()).exists()
    if name in ("post_rehab_soon", "post_rehab_overdue"):
        window = (PostRehabTerm.end_date.between(today, horizon) if name == "post_rehab_soon"
                  else PostRehabTerm.end_date < today)
        # The person's own terms (an index lookup each), not a list of the country's.
        return under_post_rehab & select(PostRehabTerm.id).where(
            PostRehabTerm.person_id == Person.id, PostRehabTerm.status == "active",
            PostRehabTerm.voided_at.is_(None), window).exists()
    if name in ("release_soon", "release_overdue"):
        window = (RehabEpisode.planned_end.between(today, horizon) if name == "release_soon"
                  else RehabEpisode.planned_end < today)
        # An open episode makes the stored treatment "in_rehab": only those persons are looked up.
        return (Person.treatment == "in_rehab") & select(RehabEpisode.id).where(
            RehabEpisode.person_id == Person.id, RehabEpisode.form == "compulsory",
            RehabEpisode.end_date.is_(None), RehabEpisode.voided_at.is_(None), window).exists()
    if name == "untreated":
        started = [select(model.person_id).where(model.person_id == Person.id,
                                                 model.voided_at.is_(None),
                                                 model.start_date >= Person.state_since)
                   for model in (RehabEpisode, MethadonePeriod)]
        return ((Person.state == State.ADDICT.value) & Person.treatment.is_(None)
                & ~started[0].exists() & ~started[1].exists())
    raise ValueError(name)


@dataclass
class PersonFilters:
    q: str = ""
    state: str = ""
    sex: str = ""
    age_band: str = ""
    drug: str = ""
    unit: str = ""
    due: str = ""
    sort: str = "name"
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> PersonFilters:
        f = cls(q=(args.get("q") or "").strip()[:100])
        # A search term or unit with a refused character (NUL, bidi override, only invisible
        # characters) is not searched for; the list says why (forms.input_problem).
        problems = query_problems()
        for name, label in (("q", "Tìm kiếm"), ("unit", "Đơn vị")):
            problem = problems.get(name) or input_problem(args.get(name))
            if problem:
                f.errors[name] = f"{label}: {problem}"
        if "q" in f.errors:
            f.q = ""
        f.state = _choice(args, "state", STATE_FILTERS, f.errors, "Tình trạng")
        f.sex = _choice(args, "sex", {"": "", **SEXES}, f.errors, "Giới tính")
        bands = {str(i): band[0] for i, band in enumerate(settings.get("age_bands"))}
        f.age_band = _choice(args, "age_band", {"": "", **bands}, f.errors, "Độ tuổi")
        f.drug = _choice(args, "drug", {"": "", **DRUGS}, f.errors, "Loại ma túy")
        f.sort = _choice(args, "sort", SORTS, f.errors, "Sắp xếp") or "name"
        f.unit = "" if "unit" in f.errors else (args.get("unit") or "").strip()[:10]
        f.due = _choice(args, "due", {"": "", **DUE_FILTERS}, f.errors, "Việc cần làm")
        if args.get("ending") in ("1", "on", "y"):  # the list's own checkbox
            f.due = "management_soon"
        try:
            f.page = max(1, int(args.get("page", 1)))
        except ValueError:
            f.page = 1
        return f

    def as_args(self, **overrides) -> dict:
        out = {"q": self.q, "state": self.state, "sex": self.sex, "age_band": self.age_band,
               "drug": self.drug, "unit": self.unit, "due": self.due,
               "sort": self.sort if self.sort != "name" else "", "page": self.page}
        out.update(overrides)
        if out["page"] == 1:
            del out["page"]
        return {k: v for k, v in out.items() if v not in ("", None)}


    def back_args(self) -> dict:
        """The list's filters to come back to from a person's page, without the search term:
        a name typed in the search must not travel into the person's URL (history, logs)."""
        return self.as_args(q="", page=1 if self.q else self.page)


def _choice(args, name, allowed, errors, label) -> str:
    value = (args.get(name) or "").strip()
    if value and value not in allowed:
        errors[name] = f"{label}: giá trị \u201c{value[:20]}\u201d không hợp lệ, đã bỏ qua."
        return ""
    return value


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def person_query(user: User, f: PersonFilters, today: date | None = None) -> Select:
    today = today or today_local()
    query = seek_by_unit(scoped_persons(user), user, Person.unit_id)
    for token in fold(f.q).split():
        query = query.where(Person.search_text.like(f"%{_like_escape(token)}%", escape="\\"))
    if f.state == "":
        query = query.where(Person.state != State.CLOSED.value)
    elif f.state != "all":
        query = query.where(Person.state == f.state)
    if f.sex:
        query = query.where(Person.sex == f.sex)
    if f.drug:
        query = query.where(Person.main_drug == f.drug)
    if f.age_band:
        _, low, high = settings.get("age_bands")[int(f.age_band)]
        # Age ≥ low  ⟺  born on or before today − low years; age < high ⟺ born after today − high.
        query = query.where(Person.born_on <= today - relativedelta(years=low))
        if high is not None:
            query = query.where(Person.born_on > today - relativedelta(years=high))
    if f.unit:
        unit = db.session.scalar(scoped_units(user).where(Unit.code == f.unit))
        if unit is None:
            f.errors["unit"] = f"Không có đơn vị mã \u201c{f.unit}\u201d trong phạm vi của bạn."
        else:
            query = query.where(Person.unit_id.in_(
                select(Unit.id).where(under(Unit.path, unit.path))))
    if f.due:
        query = query.where(due_condition(f.due, today))
    if f.sort == "date":
        query = query.order_by(Person.state_since.desc().nulls_last(), Person.sort_key, Person.id)
    elif f.sort == "unit":
        query = query.join(Person.unit).order_by(Unit.path, Person.sort_key, Person.id)
    else:
        query = query.order_by(Person.sort_key, Person.id)
    return query


@dataclass
class Page:
    items: list
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def paginate(query: Select, page: int, size: int, searching: bool = False) -> Page:
    """One page of `query` (a select of one mapped class with an `id`): its ids first, sorted
    and cut in the index (unit, state, order) without reading the rows, then those rows.

    The total comes with the ids (`count(*) OVER ()`, one pass over the matches) for a search,
    whose every match is read anyway, and on PostgreSQL; a plain list on SQLite counts in the
    index apart, then reads only its page of ids in order (twice as fast there, bench)."""
    entity = query.column_descriptions[0]["entity"]
    page = max(page, 1)

    def ids_with_total(page: int) -> list:
        return db.session.execute(query.with_only_columns(entity.id, func.count().over())
                                  .limit(size).offset((page - 1) * size)).all()

    if searching or db.session.get_bind().dialect.name == "postgresql":
        rows = ids_with_total(page)
        if rows:
            total = rows[0][1]
        else:  # nothing on this page: an empty list, or a page past its end
            total = _count(query)
            if total and page > 1:
                page = max(1, -(-total // size))
                rows = ids_with_total(page)
        ids = [row[0] for row in rows]
        return Page(_rows_by_id(query, entity, ids), total, page, size)
    total = _count(query)
    pages = max(1, -(-total // size))
    page = min(page, pages)
    ids = list(db.session.scalars(query.with_only_columns(entity.id)
                                  .limit(size).offset((page - 1) * size)))
    return Page(_rows_by_id(query, entity, ids), total, page, size)


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def _rows_by_id(query: Select, entity, ids: list[int]) -> list:
    """The rows of `ids`, in that order, read by id."""
    found = {item.id: item for item in db.session.scalars(
        query.where(entity.id.in_(ids)).order_by(None)).unique()} if ids else {}
    return [found[i] for i in ids if i in found]


ID_CHUNK = 900  # stay under SQLite's limit on bound parameters


def scoped_person_page(user: User, ids: list[int], page: int, size: int = 100) -> Page:
    """Persons among `ids` that the user may see, in Vietnamese order, one page of them.
    `total` counts only those in scope: a frozen list may name persons who moved out since."""
    order: list[tuple[str, int]] = []
    for i in range(0, len(ids), ID_CHUNK):
        chunk = ids[i:i + ID_CHUNK]
        order += db.session.execute(scoped_persons(user).with_only_columns(
            Person.sort_key, Person.id).where(Person.id.in_(chunk))).all()
    order.sort()
    pages = max(1, -(-len(order) // size))
    page = min(max(page, 1), pages)
    wanted = [pid for _, pid in order[(page - 1) * size:page * size]]
    found = {p.id: p for p in db.session.scalars(
        scoped_persons(user).where(Person.id.in_(wanted)))} if wanted else {}
    return Page([found[pid] for pid in wanted if pid in found], len(order), page, size)
