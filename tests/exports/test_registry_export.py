"""The registry download, /persons/export.xlsx: the list's persons, filters, scope and order,
the import template's columns, real dates and text ID numbers, the audit entry, and a bounded
number of SQL statements however long the list."""
from __future__ import annotations

import re
from datetime import date, datetime
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import event, select

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services
from webapp.registry.models import Person, PersonEvent, PersonPeriod
from webapp.registry.queries import PersonFilters, person_query
from webapp.registry.vocab import EventKind
from webapp.timeutil import today_local
from webapp.treatment import services as treatment
from webapp.treatment.models import RehabEpisode
from webapp.units.models import Unit

IMPORT_COLUMNS = ["Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Dân tộc",
                  "Nghề nghiệp", "Nhóm nghề", "Mã xã", "Địa chỉ", "Tình trạng",
                  "Ngày xác định nghiện", "Loại ma túy", "Ngày đưa vào quản lý", "Ghi chú"]
EXTRA_COLUMNS = ["Tình trạng hiện tại", "Đợt cai nghiện hiện tại", "Ngày bắt đầu cai nghiện",
                 "Hạn quản lý", "Tên đơn vị"]
DETERMINED = date(2024, 1, 15)


@pytest.fixture
def make_person(app, demo):
    """Register a person through the services as `username` in `code`; returns the id.

    `determined`: a positive determination on that day; `managed`: a management decision
    (after a positive test) on that day; `rehab`: a rehab episode of that form, started the day
    after the determination and still ongoing."""

    def make(full_name="Nguyễn Văn An", code="99101", username="xa", determined=None,
             managed=None, rehab=None, **fields):
        with app.app_context():
            user = db.session.get(User, demo["users"][username])
            unit = db.session.scalar(select(Unit).where(Unit.code == code))
            data = {"full_name": full_name, "sex": "M", "birth_year": 1990, "unit": unit,
                    **fields}
            assert services.validate_person(data, user) == {}
            person = services.save_person(None, data, user)
            events = []
            if managed:
                events += [(EventKind.POSITIVE_TEST, {"event_date": managed, "facility": "TYT"}),
                           (EventKind.MANAGEMENT, {"event_date": managed, "doc_number": "12/QĐ",
                                                   "term_end": date(managed.year + 1,
                                                                    managed.month, 1)})]
            if determined:
                events.append((EventKind.DETERMINATION, {"event_date": determined,
                                                         "addicted": True,
                                                         "facility": "Trung tâm Y tế"}))
            for kind, data_ in events:
                assert services.validate_event(person, kind, data_) == {}
                services.add_event(person, kind, data_, user)
            if rehab:
                episode = {"form": rehab, "start_date": date(determined.year, determined.month,
                                                             determined.day + 1)}
                assert treatment.validate_episode(person, episode) == {}
                treatment.start_episode(person, episode, user)
            db.session.commit()
            return person.id

    return make


def read(response):
    """(header row, data rows as lists, worksheet) of an export response."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet")
    book = openpyxl.load_workbook(BytesIO(response.data))
    ws = book.worksheets[0]
    width = len(IMPORT_COLUMNS) + len(EXTRA_COLUMNS)
    header, rows = None, []
    for number, values in enumerate(ws.iter_rows(max_col=width, values_only=True), start=1):
        if header is None:
            if values[0] == "Họ và tên":
                header, header_values = number, list(values)
        elif values[0] in (None, ""):
            break
        else:
            rows.append(list(values))
    assert header is not None, "no header row"
    return header_values, rows, ws, header


def listed_names(client, query: str) -> list[str]:
    html = client.get(f"/persons/?{query}").get_data(as_text=True)
    return re.findall(r'<a href="/persons/\d+(?:\?back=[^"]*)?">([^<]+)</a>', html)


# --- Content ----------------------------------------------------------------------------------

def test_the_columns_are_the_import_templates_then_the_registrys_own(login_as, make_person):
    make_person()
    header, rows, ws, header_row = read(login_as("xa").get("/persons/export.xlsx"))
    assert header[:len(IMPORT_COLUMNS)] == IMPORT_COLUMNS
    assert header[len(IMPORT_COLUMNS):len(IMPORT_COLUMNS) + len(EXTRA_COLUMNS)] == EXTRA_COLUMNS
    assert len(rows) == 1
    assert ws.freeze_panes == f"B{header_row + 1}"
    assert ws.auto_filter.ref == f"A{header_row}:S{header_row + 1}"


def test_a_row_holds_the_persons_file_with_real_dates_and_text_id_numbers(
        login_as, make_person):
    make_person("Lò Văn Pọm", birth_date=date(1990, 5, 10), id_number="001090000123",
                ethnicity="03", occupation="Làm nương", occupation_group="agri",
                address="Bản Pá Lông", main_drug="heroin", notes="=1+1 không phải công thức",
                determined=DETERMINED, rehab="community")
    make_person("Quàng Văn Ban", managed=date(2025, 3, 2))
    header, rows, ws, header_row = read(login_as("xa").get("/persons/export.xlsx"))
    by_name = {row[0]: row for row in rows}
    pom = dict(zip(header, by_name["Lò Văn Pọm"]))
    assert pom["Ngày sinh"] == datetime(1990, 5, 10)
    assert pom["Giới tính"] == "Nam"
    assert pom["Số định danh cá nhân"] == "001090000123"  # leading zeros kept: a text cell
    assert pom["Dân tộc"] == "Thái"
    assert pom["Nghề nghiệp"] == "Làm nương"
    assert pom["Nhóm nghề"] == "Nông nghiệp"
    assert pom["Mã xã"] == "99101"
    assert pom["Địa chỉ"] == "Bản Pá Lông"
    assert pom["Tình trạng"] == "Nghiện"
    assert pom["Ngày xác định nghiện"] == datetime(2024, 1, 15)
    assert pom["Loại ma túy"] == "Heroin"
    assert pom["Ngày đưa vào quản lý"] is None
    assert pom["Ghi chú"] == "=1+1 không phải công thức"  # never a formula
    assert pom["Tình trạng hiện tại"] == "Người nghiện ma túy"
    assert pom["Đợt cai nghiện hiện tại"] == "Cai nghiện tự nguyện tại cộng đồng"
    assert pom["Ngày bắt đầu cai nghiện"] == datetime(2024, 1, 16)
    assert pom["Tên đơn vị"] == "Xã Tân Hòa"
    ban = dict(zip(header, by_name["Quàng Văn Ban"]))
    assert ban["Ngày sinh"] == 1990  # only the year is known: a number, shown as 1990
    assert ban["Tình trạng"] == "Sử dụng trái phép"
    assert ban["Ngày đưa vào quản lý"] == datetime(2025, 3, 2)
    assert ban["Hạn quản lý"] == datetime(2026, 3, 1)
    assert ban["Đợt cai nghiện hiện tại"] is None

    cells = {ws.cell(header_row, c).value: c for c in range(1, 20)}
    row = header_row + 1 + [r[0] for r in rows].index("Lò Văn Pọm")
    id_cell = ws.cell(row, cells["Số định danh cá nhân"])
    assert id_cell.data_type == "s" and id_cell.number_format == "@"
    for name in ("Ngày sinh", "Ngày xác định nghiện", "Ngày bắt đầu cai nghiện"):
        assert ws.cell(row, cells[name]).number_format == "dd/mm/yyyy", name
    assert ws.cell(row, cells["Ghi chú"]).data_type == "s"
    year_row = header_row + 1 + [r[0] for r in rows].index("Quàng Văn Ban")
    assert ws.cell(year_row, cells["Ngày sinh"]).number_format == "0"  # 1990, not 1.990


def test_a_closed_file_keeps_its_last_state_in_the_template_column(app, login_as, make_person):
    pid = make_person("Lò Văn Chum", determined=DETERMINED)
    with app.app_context():
        person = db.session.get(Person, pid)
        user = db.session.get(User, person.created_by_id)
        data = {"event_date": date(2025, 1, 10), "reason": "moved_away"}
        assert services.validate_event(person, EventKind.CLOSING, data) == {}
        services.add_event(person, EventKind.CLOSING, data, user)
        db.session.commit()
    header, rows, _, _ = read(login_as("xa").get("/persons/export.xlsx?state=closed"))
    chum = dict(zip(header, rows[0]))
    assert chum["Tình trạng"] == "Nghiện"
    assert chum["Tình trạng hiện tại"] == ("Đã đưa ra khỏi danh sách quản lý "
                                           "(Chuyển khỏi địa bàn)")


# --- The export is the list ------------------------------------------------------------------

@pytest.mark.parametrize("username,query", [
    ("xa", "q=van&state=addict"),
    ("xa", "state=all"),
    ("huyen", "state=all&sort=unit"),
    ("huyen", "q=lo+van&sort=date"),
    ("tinh", "state=addict&unit=99102"),
])
def test_the_export_holds_the_lists_persons_in_the_lists_order(
        app, demo, login_as, make_person, username, query):
    for name, code, user, determined in [
            ("Lò Văn Bình", "99101", "xa", DETERMINED), ("Lò Văn An", "99101", "xa", None),
            ("Nguyễn Văn Cường", "99101", "xa", date(2023, 6, 1)),
            ("Đỗ Thị Dung", "99101", "xa", DETERMINED),
            ("Lò Văn Em", "99102", "xa2", DETERMINED), ("Vàng A Páo", "99102", "xa2", None),
            ("Lò Văn Giàng", "99201", "xa3", DETERMINED)]:
        make_person(name, code=code, username=user, determined=determined)
    client = login_as(username)
    _, rows, _, _ = read(client.get(f"/persons/export.xlsx?{query}"))
    exported = [row[0] for row in rows]
    with app.app_context():
        user = db.session.get(User, demo["users"][username])
        args = dict(pair.split("=") for pair in query.replace("+", " ").split("&"))
        expected = [p.full_name for p in db.session.scalars(
            person_query(user, PersonFilters.from_args(args)))]
    assert exported == expected
    assert exported == listed_names(client, query)
    assert exported  # every case above matches someone


def test_a_commune_exports_its_own_persons_only(login_as, make_person):
    make_person("Lò Văn An", code="99101", username="xa")
    make_person("Lò Văn Em", code="99102", username="xa2")
    header, rows, _, _ = read(login_as("xa").get("/persons/export.xlsx?state=all"))
    assert [row[0] for row in rows] == ["Lò Văn An"]
    assert {row[header.index("Mã xã")] for row in rows} == {"99101"}
    # A unit outside the scope is not a way around it: ignored, like on the list page.
    _, rows, _, _ = read(login_as("xa").get("/persons/export.xlsx?state=all&unit=99102"))
    assert [row[0] for row in rows] == ["Lò Văn An"]
    _, rows, _, _ = read(login_as("huyen").get("/persons/export.xlsx?state=all"))
    assert sorted(row[0] for row in rows) == ["Lò Văn An", "Lò Văn Em"]
    _, rows, _, _ = read(login_as("huyen2").get("/persons/export.xlsx?state=all"))
    assert rows == []


def test_bad_filter_values_are_ignored_and_said_in_the_file(login_as, make_person):
    make_person()
    response = login_as("huyen").get(
        "/persons/export.xlsx?state=bogus&sex=X&age_band=99&drug=%27&sort=zzz&due=x"
        "&unit=nope&page=abc&q=" + "a" * 300)
    assert response.status_code == 200
    _, rows, ws, header_row = read(response)
    assert rows == []  # q is cut to 100 characters and matches nobody
    response = login_as("huyen").get("/persons/export.xlsx?state=bogus&age_band=-1&unit=nope")
    _, rows, ws, header_row = read(response)
    assert [row[0] for row in rows] == ["Nguyễn Văn An"]
    texts = " ".join(str(ws.cell(r, 1).value) for r in range(1, header_row))
    assert "Điều kiện lọc" in texts


def test_the_file_is_named_after_the_unit_and_the_day_and_is_never_cached(login_as,
                                                                            make_person):
    make_person()
    response = login_as("xa").get("/persons/export.xlsx")
    day = today_local().strftime("%d-%m-%Y")
    assert f"filename=danh-sach-doi-tuong-99101-{day}.xlsx" in \
        response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    response = login_as("huyen").get("/persons/export.xlsx?unit=99101")
    assert f"danh-sach-doi-tuong-99101-{day}.xlsx" in response.headers["Content-Disposition"]


# --- Access and audit -------------------------------------------------------------------------

def test_every_export_is_recorded_with_its_filters_and_row_count(app, demo, login_as,
                                                                  make_person):
    make_person("Lò Văn An", determined=DETERMINED)
    make_person("Lò Văn Bình")
    read(login_as("xa").get("/persons/export.xlsx?q=lo+van&state=addict"))
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.object_type == "Person"))
        assert entry is not None
        assert entry.user_id == demo["users"]["xa"]
        # The search term only as a keyed hash; the persons in the file by id.
        assert entry.changes["filters"]["state"] == "addict"
        assert entry.changes["filters"]["q"].startswith("hmac:")
        assert "lo van" not in str(entry.changes).lower()
        assert entry.changes["rows"] == 1 and entry.changes["persons"] == 1
        assert len(entry.persons) == 1


def test_administrators_and_visitors_get_no_list(client, demo, login_as, make_person):
    make_person()
    assert client.get("/persons/export.xlsx").status_code in (302, 303)
    assert login_as("admin").get("/persons/export.xlsx").status_code == 403


# --- Size ------------------------------------------------------------------------------------

def bulk_persons(app, demo, count: int) -> None:
    """`count` persons in 99101 and 99102, straight through the ORM (no services, no events
    replayed): a tenth with a determination and an ongoing rehab, a tenth with a decision."""
    with app.app_context():
        creator = demo["users"]["xa"]
        units = [demo["units"]["99101"], demo["units"]["99102"]]
        persons = []
        for i in range(count):
            born = date(1980 + i % 30, 1 + i % 12, 1 + i % 28) if i % 3 else None
            person = Person(full_name=f"Người Thử {i:05d}", sex="MF"[i % 2],
                            birth_year=1980 + i % 30, birth_date=born,
                            id_number=f"{i:012d}", unit_id=units[i % 2], state="suspected",
                            registered_on=date(2024, 1, 1), created_by_id=creator,
                            address=f"Bản {i % 40}", main_drug="heroin")
            services._derive_fields(person)
            person.periods = [PersonPeriod(unit_id=person.unit_id, state=person.state,
                                           start_date=date(2024, 1, 1))]
            if i % 10 == 0:
                person.state, person.state_since = "addict", DETERMINED
                person.events = [PersonEvent(kind="determination", event_date=DETERMINED,
                                             addicted=True, facility="TTYT")]
                person.episodes = [RehabEpisode(unit_id=person.unit_id, form="home",
                                                start_date=date(2024, 2, 1),
                                                planned_end=date(2024, 8, 1))]
            elif i % 10 == 1:
                person.state, person.management_until = "user", date(2026, 3, 1)
                person.events = [PersonEvent(kind="management", event_date=date(2025, 3, 2),
                                             term_end=date(2026, 3, 1), doc_number="1")]
            persons.append(person)
            if len(persons) == 500:  # the audit listener's cost grows with the flush's size
                db.session.add_all(persons)
                db.session.flush()
                persons = []
        db.session.add_all(persons)
        db.session.commit()


def test_a_long_list_is_written_with_a_bounded_number_of_statements(app, demo, login_as):
    bulk_persons(app, demo, 5000)
    client = login_as("huyen")

    def export(query):
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/persons/export.xlsx?{query}")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return response, statements

    response, statements = export("state=all")
    header, rows, _, _ = read(response)
    assert len(rows) == 5000
    assert len(statements) <= 20, "\n".join(statements)
    # No query per person: five hundred rows or five thousand, the same statements.
    few, few_statements = export("state=addict")
    assert len(read(few)[1]) == 500
    assert len(few_statements) == len(statements)
    first = dict(zip(header, rows[0]))
    assert first["Họ và tên"] == "Người Thử 00000"
    assert first["Số định danh cá nhân"] == "000000000000"
    assert first["Ngày xác định nghiện"] == datetime(2024, 1, 15)
    assert first["Đợt cai nghiện hiện tại"] == "Cai nghiện tự nguyện tại gia đình"
    second = dict(zip(header, rows[1]))
    assert second["Ngày đưa vào quản lý"] == datetime(2025, 3, 2)
    assert second["Hạn quản lý"] == datetime(2026, 3, 1)


def test_the_registry_workbook_is_built_in_a_temporary_file(app, demo, make_person):
    from io import BytesIO as Memory

    from webapp.exports.workbooks import registry_workbook

    make_person()
    with app.test_request_context():
        user = db.session.get(User, demo["users"]["xa"])
        export = registry_workbook(user, PersonFilters.from_args({}))
        try:
            assert not isinstance(export.stream, Memory)
            assert export.stream.fileno() >= 0  # a real (anonymous) file, not memory
            assert export.rows == 1
            assert openpyxl.load_workbook(export.stream).worksheets[0].title == \
                "Danh sách đối tượng"
        finally:
            export.stream.close()
