"""A frozen parent report lists its children beside it from their stored summaries: the same
status and figures as their snapshots, without decoding every child's snapshot."""
from __future__ import annotations

import re

from sqlalchemy import event, select, update
from test_report_workflow import (PERIOD, YEAR, MONTH, approved, make_person, state,  # noqa: F401
                                  submitted, text, unit)

from webapp.extensions import db
from webapp.reports.models import MonthlySubmission, summary_of


def child_rows(html: str) -> dict[str, list[str]]:
    """{child name: [status, addicts, on the lists, rehab started]} of the children's table."""
    table = html.split("Báo cáo của các đơn vị trực thuộc", 1)[1].split("</table>", 1)[0]
    out = {}
    for name, status, *numbers in re.findall(
            r'<tr><td><a [^>]*>([^<]+)</a></td>\s*<td><span class="status [^"]*">([^<]+)'
            r'</span></td>\s*<td class="num">([^<]*)</td>\s*<td class="num">([^<]*)</td>'
            r'\s*<td class="num">([^<]*)</td></tr>', table):
        out[name] = [status, *numbers]
    return out


def test_a_frozen_district_report_lists_its_communes_from_their_summaries(app, login_as,
                                                                         make_person):
    make_person("99101", "Lò Văn Một")
    make_person("99101", "Lò Thị Hai", sex="F")
    approved(app, login_as, "99101")
    submitted(app, login_as, "99102")  # sent, not approved: listed without figures
    submitted(app, login_as, "991")
    client = login_as("huyen")

    with app.app_context():
        sub = db.session.scalar(select(MonthlySubmission).where(
            MonthlySubmission.unit_id == unit("99101").id, MonthlySubmission.year == YEAR,
            MonthlySubmission.month == MONTH))
        assert sub.summary == summary_of(sub.snapshot)
        assert sub.summary["addicts.total"] == state(app, "99101")["values"]["addicts.total"]

    statements = []

    def seen(_conn, _cursor, statement, parameters, *_):
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        statements.append((statement, tuple(values)))
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        html = text(client.get(f"/reports/{PERIOD}/991"))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    rows = child_rows(html)
    values = state(app, "99101")["values"]
    assert next(r for r in rows.values() if r[1])[1:] == [
        str(values["addicts.total"]), str(values["persons.total"]),
        str(values.get("flow.rehab_started", 0))]
    assert [r[1:] for r in rows.values() if not r[1]] == [["", "", ""]] * (len(rows) - 1)
    # This month's reports of the children (last month's, not frozen here, are summed live).
    children = [s for s, params in statements if "FROM monthly_submissions" in s
                and " IN (" in s and any(params[i:i + 2] == (YEAR, MONTH)
                                         for i in range(len(params)))]
    assert children and all("monthly_submissions.snapshot," not in s for s in children)

    # A report frozen before summaries were kept is listed from its snapshot, the same.
    with app.app_context():
        db.session.execute(update(MonthlySubmission).values(summary=None))
        db.session.commit()
    assert child_rows(text(client.get(f"/reports/{PERIOD}/991"))) == rows


def test_a_parent_with_nothing_approved_has_the_rows_of_a_report_all_zero(app, make_person):
    """The structure is counted over a subtree that holds nobody, with the month's rule: the
    same keys, labels and levels as the unit's own figures, every value 0."""
    from webapp.reports import services
    from webapp.reports.figures import compute, structure

    make_person("99101", "Lò Văn Một")
    with app.app_context():
        district = unit("991")
        rules = services.rules_of(YEAR, MONTH)
        counted = compute(district, YEAR, MONTH, **rules)
        empty = structure(YEAR, MONTH, **rules)
        assert [(r.key, r.label, r.level) for r in empty] == \
            [(r.key, r.label, r.level) for r in counted]
        assert {r.value for r in empty} == {None, 0}
        assert any(r.value for r in counted)  # the district itself does have persons
        aggregated = services.aggregate(district, YEAR, MONTH)  # nothing approved yet
        assert [r.key for r in aggregated.rows] == [r.key for r in counted]
        assert {r.value for r in aggregated.rows} == {None, 0}
