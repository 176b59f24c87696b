"""The workbooks the product makes, all through the common look of `excel.py`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import IO, Iterator

from sqlalchemy import ARRAY, Integer, Select, any_, bindparam, case, func, select

from .. import settings
from ..auth.models import User
from ..extensions import db
from ..formatting import vn_date, vn_number
from ..registry.models import Person, PersonEvent, PersonPeriod
from ..registry.queries import (DUE_FILTERS, SORTS, STATE_FILTERS, PersonFilters,
                                person_query)
from ..registry.vocab import (CLOSING_REASONS, DRUGS, ETHNICITY_CODES, OCCUPATION_GROUPS, SEXES,
                              STATE_LABELS, State, Status)
from ..reports import document
from ..reports import services as reports
from ..reports.figures import month_bounds
from ..timeutil import today_local
from ..treatment.models import RehabEpisode
from ..treatment.vocab import REHAB_FORMS
from ..units.models import Unit, under
from . import excel
from .excel import Column

SIGN_HEAD = ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)")


# --- Monthly report (Biểu 01-BCN) ----------------------------------------------------------

REPORT_TITLE = document.TITLE
REPORT_COLUMNS = [Column("STT", 6, "center"), Column("Chỉ tiêu", 52),
                  Column("Đơn vị tính", 10, "center"), Column("Số liệu", 14, "int"),
                  Column("Ghi chú", 20)]


def report_rows(unit: Unit, year: int, month: int):
    """The rows the screen shows: the frozen snapshot once sent, else the live figures."""
    return document.report_rows(unit, year, month)


def report_workbook(unit: Unit, year: int, month: int) -> BytesIO:
    """One unit's monthly report, line for line what its print view says; for a parent unit,
    the table of its children (a row per unit) on the following sheets."""
    sub, rows = report_rows(unit, year, month)
    doc = document.monthly_document(unit, year, month, sub, rows)
    last = month_bounds(year, month)[1]
    book = excel.Workbook(title=f"Báo cáo tháng {month:02d}/{year} — {unit.name}")
    sheet = book.sheet("Báo cáo tháng", unit, doc.title, [doc.period], REPORT_COLUMNS,
                       issued_on=doc.issued, rules_on=last, form="01-BCN",
                       number=sub.document_number if sub is not None else None)
    if doc.empty:
        sheet.note(doc.empty, "heading")
    for line in doc.lines:
        if line.style == "section":
            sheet.row([line.number, line.label], style="section")
        elif line.level == 2:
            sheet.row(["", line.label, line.unit, line.value], indent=(0, 2))
        else:
            sheet.row([int(line.number), line.label, line.unit, line.value, line.note],
                      kinds=(None, None, None, line.kind))
    for label, text in doc.narrative:
        sheet.blank()
        sheet.note(label, "heading")
        sheet.note(text, "text")
    sheet.signatures(*doc.signatures)
    recipients_block(sheet, doc.recipients)

    children = (reports.aggregate(unit, year, month).children
                if reports.sums_children(unit, year, month) else [])
    if children:
        children_sheets(book, unit, rows, children, doc)
    return book.close()


def recipients_block(sheet: excel.Sheet, recipients) -> None:
    if recipients is None:
        return
    sheet.blank()
    sheet.note("Nơi nhận:", "heading")
    for line in recipients.printed:
        sheet.note(line, "italic")


def children_columns(rows) -> tuple[list, list, list]:
    """The columns of the parent's table: the main figures (level 1) grouped by section, and
    the breakdown of addicts (section II's parts) for the second table."""
    main, parts, groups, section = [], [], [], None
    for key, label, level, value in rows:
        if level == 0:
            section = label
            continue
        if level == 1:
            main.append((key, label, section))
        elif key.startswith("addicts."):
            parts.append((key, label, section))
    return main, parts, groups


def _grouped(figures, fixed: int) -> list[tuple[str, int, int]]:
    groups: list[list] = []
    for i, (_, _, section) in enumerate(figures):
        if groups and groups[-1][0] == section:
            groups[-1][2] = fixed + i
        else:
            groups.append([section, fixed + i, fixed + i])
    return [tuple(g) for g in groups]


def children_sheets(book: excel.Workbook, unit: Unit, rows, children, doc) -> None:
    """A row per child unit (its approved report), a column per main figure, the total
    below; then the breakdown of addicts the same way. A4 landscape, one page wide, header
    rows repeated: a province of a hundred communes prints on a few pages."""
    main, parts, _ = children_columns(rows)
    last = month_bounds(doc.year, doc.month)[1]
    for name, figures, note in (
            ("Theo đơn vị", main, "Các chỉ tiêu chính"),
            ("Theo đơn vị - phân tổ", parts, "Người nghiện ma túy phân theo giới tính, độ "
                                               "tuổi, nghề nghiệp, loại ma túy, dân tộc")):
        if not figures:
            continue
        fixed = [Column("STT", 4, "center"), Column("Đơn vị", 18), Column("Báo cáo", 9, "center")]
        width = max(5.0, min(9.0, (excel.PAGE_WIDTH[True] * 1.6 - 31) / len(figures)))
        detail = book.sheet(
            name, unit, doc.title,
            [doc.period, f"{note} của từng đơn vị theo báo cáo đã được duyệt; đơn vị chưa có "
                         "báo cáo được duyệt để trống."],
            fixed + [Column(label, width, "int") for _, label, _ in figures],
            landscape=True, fit_width=True, autofilter=True, freeze_columns=2,
            groups=_grouped(figures, len(fixed)), issued_on=doc.issued, rules_on=last)
        totals: dict[str, int] = {}
        for i, line in enumerate(children, start=1):
            state = "Đã duyệt" if line.values is not None else "Chưa duyệt"
            values = line.values or {}
            for key, value in values.items():
                totals[key] = totals.get(key, 0) + value
            detail.row([i, line.unit.name, state] + [values.get(key) for key, _, _ in figures])
        approved = sum(1 for line in children if line.values is not None)
        detail.row(["", "Tổng cộng", f"{approved}/{len(children)}"]
                   + [totals.get(key, 0) for key, _, _ in figures], style="total")


# --- Registry list (/persons/export.xlsx) ---------------------------------------------------

REGISTRY_TITLES = {
    "": "DANH SÁCH NGƯỜI TRONG DIỆN QUẢN LÝ",
    State.ADDICT.value: "DANH SÁCH NGƯỜI NGHIỆN MA TÚY",
    State.USER.value: "DANH SÁCH NGƯỜI SỬ DỤNG TRÁI PHÉP CHẤT MA TÚY",
    State.SUSPECTED.value: "DANH SÁCH NGƯỜI NGHI NGHIỆN MA TÚY (CHƯA XÁC ĐỊNH)",
    State.CLOSED.value: "DANH SÁCH NGƯỜI ĐÃ ĐƯA RA KHỎI DANH SÁCH QUẢN LÝ",
    "all": "DANH SÁCH NGƯỜI TRONG HỒ SƠ QUẢN LÝ (TẤT CẢ TÌNH TRẠNG)",
}
# The import template's words for a state (contract.md), so a list can be filled in and
# imported elsewhere.
IMPORT_STATES = {State.ADDICT.value: "Nghiện", State.USER.value: "Sử dụng trái phép",
                 State.SUSPECTED.value: "Nghi nghiện"}
# The import template's columns first, in its order, then what only the registry knows.
REGISTRY_COLUMNS = [
    Column("Họ và tên", 24), Column("Ngày sinh", 12, "date"), Column("Giới tính", 8, "center"),
    Column("Số định danh cá nhân", 15, "id"), Column("Dân tộc", 10), Column("Nghề nghiệp", 18),
    Column("Nhóm nghề", 16), Column("Mã xã", 8, "id"), Column("Địa chỉ", 28),
    Column("Tình trạng", 18), Column("Ngày xác định nghiện", 12, "date"),
    Column("Loại ma túy", 16), Column("Ngày đưa vào quản lý", 12, "date"), Column("Ghi chú", 28),
    Column("Tình trạng hiện tại", 30), Column("Đợt cai nghiện hiện tại", 28),
    Column("Ngày bắt đầu cai nghiện", 12, "date"), Column("Hạn quản lý", 12, "date"),
    Column("Tên đơn vị", 22),
]
IMPORT_COLUMN_COUNT = 14
YIELD_PER = 1000
IDS_PER_STEP = 10_000  # a step's rows in memory: ~10 MB


@dataclass
class Export:
    stream: IO[bytes]
    rows: int
    unit_code: str  # whose list it is: the unit filtered on, else the user's unit
    person_ids: list[int] = field(default_factory=list)  # who is in it, for the audit log


def registry_select(user: User, filters: PersonFilters, today: date | None = None) -> Select:
    """The registry list's own query (scope, filters, order), as plain columns plus the dates
    and the current episode, each a correlated subquery: one statement whatever the size."""
    # The list's query seeks the subtree's persons by unit on PostgreSQL (scoping.seek_by_unit):
    # for a file with no LIMIT, walking the country in name order would cost far more.
    query = person_query(user, filters, today)

    def last_event(*conditions):
        return (select(func.max(PersonEvent.event_date))
                .where(PersonEvent.person_id == Person.id, PersonEvent.voided_at.is_(None),
                       *conditions).scalar_subquery())

    def ongoing(column):
        return (select(column).where(RehabEpisode.person_id == Person.id,
                                     RehabEpisode.voided_at.is_(None),
                                     RehabEpisode.end_date.is_(None))
                .order_by(RehabEpisode.start_date.desc(), RehabEpisode.id.desc())
                .limit(1).scalar_subquery())

    # A closed file shows, in the template's "Tình trạng", the state it had before closing
    # (asked of closed files only: nothing else reads it).
    open_state = case((Person.state == State.CLOSED.value,
                       select(PersonPeriod.state)
                       .where(PersonPeriod.person_id == Person.id,
                              PersonPeriod.state != State.CLOSED.value)
                       .order_by(PersonPeriod.start_date.desc(), PersonPeriod.id.desc())
                       .limit(1).scalar_subquery()))
    # The management decision's date is written for an illegal user only (a closed file's
    # former state may be one): an addict's or a suspect's row never reads it.
    managed_on = case((Person.state.not_in((State.ADDICT.value, State.SUSPECTED.value)),
                       last_event(PersonEvent.kind == "management")))
    return query.with_only_columns(
        Person.full_name, Person.birth_date, Person.birth_year, Person.sex, Person.id_number,
        Person.ethnicity, Person.occupation, Person.occupation_group, Person.unit_id,
        Person.address, Person.state, Person.main_drug, Person.notes, Person.closed_reason,
        Person.management_until, Person.listed_on,
        last_event(PersonEvent.kind == "determination",
                   PersonEvent.addicted.is_(True)).label("determined_on"),
        managed_on.label("managed_on"),
        ongoing(RehabEpisode.form).label("episode_form"),
        ongoing(RehabEpisode.start_date).label("episode_start"),
        open_state.label("open_state"),
        Person.id.label("person_id"),  # for the audit log, not a column of the file
        maintain_column_froms=True,
    )


# The labels of a row, looked up once per value rather than worked out per row.
_STATE_LABELS = {state.value: label for state, label in STATE_LABELS.items()}
_CLOSED = State.CLOSED.value
_CLOSED_LABELS = {reason: f"{STATE_LABELS[State.CLOSED]} ({text})"
                  for reason, text in CLOSING_REASONS.items()}
# A period's status coarsened to its state (an illegal user's three statuses are one state).
_COARSE = {status.value: status.state.value for status in Status}
_USER, _ADDICT = State.USER.value, State.ADDICT.value


def registry_values(row, units: dict[int, tuple[str, str]]) -> list:
    """One person's cells, from a row of `registry_select` (its columns in their order)."""
    (full_name, birth_date, birth_year, sex, id_number, ethnicity, occupation,
     occupation_group, unit_id, address, state, main_drug, notes, closed_reason,
     management_until, listed_on, determined_on, managed_on, episode_form, episode_start,
     open_state, _) = row
    code, name = units.get(unit_id, ("", ""))
    if state == _CLOSED:
        current = (_CLOSED_LABELS.get(closed_reason)
                   or f"{_STATE_LABELS[_CLOSED]} ({closed_reason})") if closed_reason \
            else _STATE_LABELS[_CLOSED]
        # The state as the template names it: a closed file's last one.
        opened = open_state or ""
    else:
        current = _STATE_LABELS.get(state, state)
        opened = state
    opened = _COARSE.get(opened, opened)  # periods' statuses coarsened
    return [
        full_name,
        birth_date or birth_year,
        SEXES.get(sex, ""),
        id_number,
        ETHNICITY_CODES.get(ethnicity, ""),
        occupation,
        OCCUPATION_GROUPS.get(occupation_group, ""),
        code,
        address,
        IMPORT_STATES.get(opened, ""),
        determined_on,
        DRUGS.get(main_drug, ""),
        # The import reads this column as the decision's date for an illegal user, and as the
        # date on the lists for everyone else (an addict's defaults to the determination's):
        # export what it will read back.
        managed_on if opened == _USER else
        None if opened == _ADDICT and listed_on == determined_on else
        listed_on,
        notes,
        current,
        REHAB_FORMS.get(episode_form, episode_form) if episode_form else None,
        episode_start,
        management_until if state == _USER else None,
        name,
    ]


def registry_rows(statement: Select, units: dict[int, tuple[str, str]],
                  seen: list[int] | None = None) -> Iterator[list]:
    """The list's rows as cell values, a chunk at a time; the ids of the persons written are
    appended to `seen` (the audit log's record of the file).

    A list of at most IDS_PER_STEP persons (a province's) is read in one pass; a longer one in
    two steps: the persons' ids in the list's order first (one narrow query: sorting ids is
    cheap where sorting whole rows of a country is not), then their columns and dates
    IDS_PER_STEP persons at a time, by id. Which it is, a count that stops after
    IDS_PER_STEP + 1 rows, unsorted, says."""
    narrow = statement.with_only_columns(Person.id, maintain_column_froms=True)
    counted = db.session.scalar(select(func.count()).select_from(
        narrow.order_by(None).limit(IDS_PER_STEP + 1).subquery()))
    # Plain column tuples: run on the session's connection (the same transaction), the rows
    # skip the ORM's loading, which has no object to build here.
    connection = db.session.connection()
    if counted <= IDS_PER_STEP:  # a province's list: one pass, as sorted by the database
        result = connection.execute(statement.execution_options(yield_per=YIELD_PER))
        try:
            for row in result:
                if seen is not None:
                    seen.append(row.person_id)
                yield registry_values(row, units)
        finally:
            result.close()
        return
    ids = list(db.session.scalars(narrow))
    # By id alone: the ids are the scoped, filtered list already (with the scope's conditions
    # too, SQLite walks the whole subtree again for every step).
    wide = select(*statement.selected_columns)
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(ids), IDS_PER_STEP):
        chunk = ids[start:start + IDS_PER_STEP]
        # One array parameter on PostgreSQL (psycopg parses thousands of placeholders slowly).
        among = Person.id == any_(bindparam("ids", chunk, type_=ARRAY(Integer))) \
            if postgresql else Person.id.in_(chunk)
        rows = {row.person_id: row for row in connection.execute(
            wide.where(among).execution_options(yield_per=YIELD_PER))}
        for person_id in chunk:
            row = rows.get(person_id)
            if row is None:  # gone since the first step
                continue
            if seen is not None:
                seen.append(person_id)
            yield registry_values(row, units)


def scoped_unit_names(user: User) -> dict[int, tuple[str, str]]:
    """{unit id: (code, name)} of every unit in the user's scope (one query)."""
    return {uid: (code, name) for uid, code, name in db.session.execute(
        select(Unit.id, Unit.code, Unit.name).where(under(Unit.path, user.unit.path)))}


def describe_filters(filters: PersonFilters, unit_name: str | None) -> str:
    parts = []
    if filters.q:
        parts.append(f"tìm “{filters.q}”")
    parts.append(f"tình trạng: {STATE_FILTERS.get(filters.state, '').lower()}")
    if filters.sex:
        parts.append(f"giới tính: {SEXES[filters.sex]}")
    if filters.age_band:
        parts.append(f"độ tuổi: {settings.get('age_bands')[int(filters.age_band)][0].lower()}")
    if filters.drug:
        parts.append(f"loại ma túy: {DRUGS[filters.drug]}")
    if unit_name:
        parts.append(f"đơn vị: {unit_name}")
    if filters.due:
        parts.append(f"việc cần làm: {DUE_FILTERS[filters.due].lower()}")
    parts.append(f"sắp xếp: {SORTS.get(filters.sort, SORTS['name']).lower()}")
    return "Điều kiện lọc: " + "; ".join(parts) + "."


def registry_workbook(user: User, filters: PersonFilters, today: date | None = None) -> Export:
    """The registry list with its filters, written row by row into a temporary file."""
    today = today or today_local()
    units = scoped_unit_names(user)
    statement = registry_select(user, filters, today)  # also reports a bad `unit` filter
    list_code, list_name = user.unit.code, None
    if filters.unit and "unit" not in filters.errors:
        list_code = filters.unit
        list_name = next((name for code, name in units.values() if code == filters.unit), None)
    book = excel.Workbook(constant_memory=True, title="Danh sách đối tượng")
    sheet = book.sheet(
        "Danh sách đối tượng", user.unit, REGISTRY_TITLES.get(filters.state, REGISTRY_TITLES[""]),
        [f"Tính đến ngày {vn_date(today)}", describe_filters(filters, list_name)],
        REGISTRY_COLUMNS, landscape=True, autofilter=True, freeze_columns=1, issued_on=today)
    seen = []
    try:
        count = sheet.rows(registry_rows(statement, units, seen))
    except BaseException:
        book.close().close()  # xlsxwriter's own temporary files go with it
        raise
    sheet.blank()
    sheet.note(f"Tổng số: {vn_number(count)} người.", "heading")
    sheet.note("Danh sách có dữ liệu cá nhân nhạy cảm (Nghị định 13/2023/NĐ-CP): chỉ dùng cho "
               "công tác quản lý, không sao chép, chuyển cho người không có trách nhiệm.",
               "italic")
    sheet.signatures(("NGƯỜI LẬP DANH SÁCH", "(Ký, ghi rõ họ tên)"), SIGN_HEAD)
    return Export(book.close(), count, list_code, seen)
