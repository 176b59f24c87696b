"""The home page's dashboard: charts as valid SVG carrying the numbers of their tables, month-end
figures read from approved snapshots or counted once and kept, scope, page weight."""
from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from webapp import charts
from webapp.auth.models import User
from webapp.dashboard import services
from webapp.dashboard.models import MonthFigures
from webapp.extensions import db
from webapp.registry import services as registry
from webapp.registry.vocab import EventKind
from webapp.reports import services as reports
from webapp.timeutil import today_local
from webapp.units.models import Unit

SVG = "{http://www.w3.org/2000/svg}"


def _unit(code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def _user(name):
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def addicts(app, demo):
    """Three addicts in xa's commune, determined five months ago; one in xa3's."""
    with app.app_context():
        day = today_local().replace(day=1) - timedelta(days=150)
        for code, name in (("99101", "Lò Văn Pọm"), ("99101", "Quàng Văn Ún"),
                           ("99101", "Cà Văn Lả"), ("99201", "Lường Văn Piêng")):
            officer = db.session.scalar(select(User).where(User.unit_id == _unit(code).id))
            person = registry.save_person(None, {"full_name": name, "sex": "M",
                                                 "birth_year": 1990, "unit": _unit(code),
                                                 "main_drug": "heroin"}, officer)
            registry.add_event(person, EventKind.DETERMINATION, {
                "event_date": day, "addicted": True, "facility": "TTYT"}, officer)
        _unit("991").population = 20_000
        db.session.commit()
    return day


def home_board(client) -> str:
    """The home page, with its dashboard as htmx loads it (the fragment the page points to)."""
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'id="dashboard"[^>]*hx-get="([^"]+)"[^>]*hx-trigger="load"', page)
    if found is None:
        return page
    fragment = client.get(found.group(1), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert "<html" not in body  # the fragment alone, not a second page
    return page + body


def values_of(svg: str) -> list[str]:
    """The data-value of every drawn mark, in document order."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text  # an accessible name
    return [el.get("data-value") for el in root.iter() if el.get("data-value") is not None]


def shown(value: str) -> str:
    return charts._fmt(float(value) if "." in value else int(value))


# --- Charts ----------------------------------------------------------------------------------

def test_a_line_chart_is_valid_svg_with_the_numbers_of_its_table():
    chart = charts.line_chart("t", "Xu hướng <thử>", ["11/2025", "12/2025", "01/2026"],
                              [("Người nghiện", [1280, 1300, 0]), ("Sau cai", [3, None, 5])])
    drawn = values_of(chart.svg)
    table = [cell for row in chart.rows for cell in row[1:]]
    # Column by column in the table, series by series in the drawing: the same numbers.
    by_series = [cell for i in range(2) for cell in [row[1 + i] for row in chart.rows]]
    assert [shown(v) for v in drawn] == [v for v in by_series if v != "—"]
    assert "1.280" in table and "—" in table
    assert "Xu hướng &lt;thử&gt;" in chart.svg  # escaped, still valid XML


def test_a_bar_chart_and_a_ranking_carry_the_numbers_of_their_tables():
    bars = charts.bar_chart("b", "Cai nghiện", ["Tại gia đình", "Cắt cơn"],
                            [("Bắt đầu", [12, 0]), ("Chỉ tiêu", [10, None])])
    assert [shown(v) for v in values_of(bars.svg)] == ["12", "10", "0"]
    assert bars.rows == [["Tại gia đình", "12", "10"], ["Cắt cơn", "0", "—"]]

    ranking = charts.hbar_chart("r", "Người nghiện trên 1.000 dân",
                                [("Huyện A", 2.5, "/reports/2026-10/991"),
                                 ("Huyện B", None, "/reports/2026-10/992")], "Trên 1.000 dân")
    root = ET.fromstring(ranking.svg)
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["/reports/2026-10/991", "/reports/2026-10/992"]
    assert [shown(v) for v in values_of(ranking.svg)] == ["2,5"]
    assert ranking.rows == [["Huyện A", "2,5"], ["Huyện B", "—"]]
    assert ranking.links == links


def test_every_chart_on_the_home_page_is_valid_svg_matching_its_table(app, login_as, addicts):
    page = home_board(login_as("huyen"))
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 7  # trend, rehab, drug, age; three rankings
    for svg in svgs:
        cid = re.search(r'id="([^"]+)"', svg).group(1)
        table = re.search(rf'<table class="grid" id="{cid}-table">(.*?)</table>', page, re.S)
        cells = re.findall(r'<td class="num">([^<]*)</td>', table.group(1))
        drawn = [shown(v) for v in values_of(svg)]
        assert sorted(drawn) == sorted(c.removesuffix("%") for c in cells if c != "—"), cid


# --- Figures: snapshots, cache, scope -------------------------------------------------------

def test_the_trend_counts_addicts_at_each_month_end(app, login_as, addicts):
    with app.app_context():
        board = services.build(_user("xa"), _unit("99101"))
        trend = board.charts[0]
        addict_column = [row[1] for row in trend.rows]
        months = services.window()
        expected = ["3" if date(y, m, 1) > addicts.replace(day=1) or
                    (y, m) == (addicts.year, addicts.month) else "0" for y, m in months]
        assert addict_column == expected


def test_months_are_counted_once_then_read_back(app, addicts):
    with app.app_context():
        unit = _unit("991")
        services.month_rows(unit, services.window())
        db.session.commit()
        assert db.session.scalar(select(func.count(MonthFigures.id))) == 12
        # A correction after the count shows only once the stored month is older than the
        # setting's hours: the home page never recounts twelve months.
        rows = services.month_rows(unit, services.window())
        assert db.session.scalar(select(func.count(MonthFigures.id))) == 12
        last = services.window()[-1]
        assert dict((k, v) for k, _, _, v in rows[last])["persons.addict"] == 3


def test_an_approved_snapshot_is_read_instead_of_counting(app, addicts):
    with app.app_context():
        year, month = services.window()[-1]
        unit, xa, huyen = _unit("99101"), _user("xa"), _user("huyen")
        sub = reports.save_draft(unit, year, month, {}, xa)
        reports.freeze(sub, reports.to_freeze(unit, year, month), xa, None)
        reports.approve(sub, huyen)
        sub.snapshot = [r if r[0] != "persons.addict" else [r[0], r[1], r[2], 99]
                        for r in sub.snapshot]  # what the approved report said
        db.session.commit()
        rows = services.month_rows(unit, [(year, month)])
        assert dict((k, v) for k, _, _, v in rows[(year, month)])["persons.addict"] == 99
        kept = db.session.scalar(select(MonthFigures))  # its drawn rows, kept compact
        assert kept.snapshot_at == sub.snapshot_at
        db.session.commit()
        rows = services.month_rows(unit, [(year, month)])  # read back from the copy
        assert dict((k, v) for k, _, _, v in rows[(year, month)])["persons.addict"] == 99

        # Reopened, the report no longer speaks for the month: the registry is counted.
        reports.reopen(sub, huyen, "Sai số liệu")
        db.session.commit()
        rows = services.month_rows(unit, [(year, month)])
        assert dict((k, v) for k, _, _, v in rows[(year, month)])["persons.addict"] == 3


def test_a_dashboard_outside_the_scope_is_not_found(login_as, addicts):
    client = login_as("huyen")
    assert client.get("/dashboard/991").status_code == 200
    assert client.get("/dashboard/99101").status_code == 200
    response = client.get("/dashboard/992")  # the other district
    assert response.status_code == 404
    assert "Không tìm thấy" in response.get_data(as_text=True)
    assert login_as("xa").get("/dashboard/99102").status_code == 404


def test_a_reviewer_sees_child_units_ranked_with_links_to_their_reports(app, login_as, addicts):
    page = home_board(login_as("tinh"))
    year, month = services.window()[-1]
    assert f'href="/reports/{year:04d}-{month:02d}/991"' in page
    # 3 addicts in Huyện Tân Lập, 20.000 inhabitants: 0,15 per 1.000, shown rounded.
    assert re.search(r"Huyện Tân Lập</a></th><td class=\"num\">0,1|Huyện Tân Lập</a></th><td class=\"num\">0,2", page)
    commune = home_board(login_as("xa"))
    assert "So sánh các đơn vị trực thuộc" not in commune and "<svg" in commune


def test_administrators_get_no_case_figures_on_their_home_page(login_as, addicts):
    page = home_board(login_as("admin"))
    assert "<svg" not in page and 'id="dashboard"' not in page


def test_the_home_page_stays_small_on_a_slow_link(app, login_as, addicts):
    """First load: the page and every stylesheet and script it links, compressed."""
    client = login_as("tinh")
    page = home_board(client).encode()  # the page and its dashboard, loaded after it
    total = len(gzip.compress(page, 6))
    for asset in re.findall(rb'(?:href|src)="(/static/[^"?]+)', page):
        total += len(gzip.compress(client.get(asset.decode()).get_data(), 6))
    assert total <= 30 * 1024, total


def test_a_districts_report_approved_without_all_its_communes_is_counted_instead(app, addicts):
    """Summing only the approved communes would show a dip the registry does not have."""
    from webapp.reports.models import MonthlySubmission

    with app.app_context():
        year, month = services.window()[-1]
        district = _unit("991")
        db.session.add(MonthlySubmission(
            unit_id=district.id, year=year, month=month, status="approved",
            snapshot=[["persons.addict", "Người nghiện", 2, 0]], children_included=["99102"]))
        db.session.commit()
        rows = services.month_rows(district, [(year, month)])
        assert dict((k, v) for k, _, _, v in rows[(year, month)])["persons.addict"] == 3


def test_the_nightly_command_counts_a_units_months_ahead(app, addicts):
    result = app.test_cli_runner().invoke(args=["dashboard", "refresh", "--unit", "991"])
    assert result.exit_code == 0 and "1 đơn vị" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(MonthFigures.id))) == 12


def test_a_report_sent_late_on_the_due_day_is_on_time_and_just_after_midnight_is_late(app, demo):
    """Timeliness is judged on the first sending, by the due day's end in Vietnam's time."""
    from datetime import datetime

    from webapp.reports.models import MonthlySubmission

    with app.app_context():
        year, month = services.window()[-1]
        due = reports.due_date(year, month)
        # 23:59 on the due day in Hà Nội is 16:59 UTC; 00:01 the day after is 17:01 UTC.
        for code, at in (("99101", datetime(due.year, due.month, due.day, 16, 59)),
                         ("99102", datetime(due.year, due.month, due.day, 17, 1))):
            db.session.add(MonthlySubmission(unit_id=_unit(code).id, year=year, month=month,
                                             status="submitted", first_submitted_at=at,
                                             submitted_at=at))
        db.session.commit()
        with app.test_request_context():
            board = services.build(_user("huyen"), _unit("991"))
        timely = dict(board.ranking[0].rows)
        assert timely["Xã Tân Hòa"] == "8%" and timely["Xã Mường Lạn"] == "0%"  # 1 of 12 months


def _timeliness(app) -> dict[str, str]:
    with app.test_request_context():
        board = services.build(_user("huyen"), _unit("991"))
    db.session.commit()
    return dict(board.ranking[0].rows)


def test_a_ranking_is_counted_once_then_read_back_until_a_childs_report_changes(app, addicts):
    """The district's ranking keeps what it counted; a child's report arriving (or the
    setting's hours passing) counts it again, so a report sent today shows today."""
    from webapp.dashboard.models import RankingFigures
    from webapp.reports.models import MonthlySubmission

    with app.app_context():
        assert _timeliness(app)["Xã Tân Hòa"] == "0%"
        kept = db.session.scalar(select(RankingFigures))
        assert kept is not None and kept.figures["99101"][3] == 3  # its three addicts
        # Read back, not counted again: a kept value (here forged) is what the page shows.
        kept.figures = {**kept.figures, "99101": [6, 0, 0, 3]}
        db.session.commit()
        assert _timeliness(app)["Xã Tân Hòa"] == "50%"

        year, month = services.window()[-1]
        due = reports.due_date(year, month)
        db.session.add(MonthlySubmission(
            unit_id=_unit("99102").id, year=year, month=month, status="submitted",
            first_submitted_at=datetime(due.year, due.month, due.day, 9),
            submitted_at=datetime(due.year, due.month, due.day, 9)))
        db.session.commit()
        timely = _timeliness(app)
        assert timely["Xã Tân Hòa"] == "0%" and timely["Xã Mường Lạn"] == "8%"
        assert db.session.scalar(select(func.count(RankingFigures.id))) == 1

        kept = db.session.scalar(select(RankingFigures))
        kept.figures = {**kept.figures, "99101": [6, 0, 0, 3]}
        db.session.commit()
        assert _timeliness(app)["Xã Tân Hòa"] == "50%"
        kept.computed_at -= timedelta(hours=25)  # older than dashboard_cache_hours (24)
        db.session.commit()
        assert _timeliness(app)["Xã Tân Hòa"] == "0%"


def test_a_dashboard_read_back_reloads_neither_the_user_nor_the_unit(app, login_as, addicts):
    """Its commit keeps what the page loaded: a plain commit would expire them, and the page
    would read the signed-in user and the unit again (two statements on every home page)."""
    from sqlalchemy import event

    client = login_as("tinh")
    assert client.get("/dashboard/99", headers={"HX-Request": "true"}).status_code == 200
    users = []
    with app.app_context():
        engine = db.engine

    def on(_conn, _cursor, statement, *_):
        if "FROM users" in statement:
            users.append(statement)
    event.listen(engine, "before_cursor_execute", on)
    try:
        assert client.get("/dashboard/99", headers={"HX-Request": "true"}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", on)
    assert len(users) == 1, users  # the session's own sign-in check
