"""`flask registry check`: contradictions already in a database are listed without personal data.

The files below are written straight into the tables, as older data or an old import may hold
them: the forms refuse every one of these contradictions today.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, insert, select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import cli
from webapp.registry.models import Person, PersonEvent
from webapp.registry.services import save_person
from webapp.timeutil import now_utc
from webapp.treatment.models import RehabEpisode
from webapp.units.models import Unit
from webapp.vntext import fold, sort_key

NAME = "Nguyễn Văn Kiểm"
ID_NUMBER = "014090001234"
OVERLAP = "Trùng thời gian với đợt cai nghiện từ 01/03/2024: mỗi lúc chỉ một đợt cai nghiện."


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def person(app, code: str = "99101", determined: date | None = date(2024, 1, 15),
           **fields) -> int:
    """A saved person of `code`, determined addicted on `determined` (row inserted as is)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "xa"))
        data = {"full_name": NAME, "sex": "M", "birth_year": 1990, "id_number": ID_NUMBER,
                "unit": unit(code), "listed_on": date(2023, 6, 1), **fields}
        saved = save_person(None, data, user)
        if determined is not None:
            db.session.add(PersonEvent(person_id=saved.id, kind="determination",
                                       event_date=determined, addicted=True, facility="TTYT"))
        db.session.commit()
        return saved.id


def add(app, row) -> int:
    with app.app_context():
        db.session.add(row)
        db.session.commit()
        return row.id


def episode(app, person_id: int, form: str, start: date, end: date | None = None,
            code: str = "99101", **fields) -> int:
    with app.app_context():
        unit_id = unit(code).id
    return add(app, RehabEpisode(person_id=person_id, unit_id=unit_id, form=form,
                                 start_date=start, planned_end=date(start.year + 1, 1, 1),
                                 end_date=end, **fields))


def check(app, *args: str):
    return app.test_cli_runner().invoke(args=["registry", "check", *args])


def lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("hồ sơ ")]


@pytest.fixture(autouse=True)
def _units(demo):
    return demo


def test_two_overlapping_episodes_of_different_forms_are_listed_on_the_later_one(app):
    pid = person(app)
    first = episode(app, pid, "home", date(2024, 3, 1))
    second = episode(app, pid, "compulsory", date(2024, 5, 1), date(2025, 5, 1))
    result = check(app)
    assert lines(result) == [f"hồ sơ {pid} · xã 99101 · đợt cai nghiện {second} · {OVERLAP}"]
    assert f"đợt cai nghiện {first} " not in result.output
    assert result.output.splitlines()[-1] == "Đã kiểm tra 1 hồ sơ: 1 mâu thuẫn ở 1 hồ sơ."
    assert result.exit_code == 1


def test_an_event_after_a_death_closing_is_listed(app):
    pid = person(app)
    closing = add(app, PersonEvent(person_id=pid, kind="closing", event_date=date(2024, 5, 1),
                                   reason="death"))
    after = add(app, PersonEvent(person_id=pid, kind="positive_test",
                                 event_date=date(2024, 6, 1)))
    result = check(app)
    assert lines(result) == [
        f"hồ sơ {pid} · xã 99101 · sự kiện {after} (Kết quả xét nghiệm dương tính) · "
        "Ghi sau khi hồ sơ đã đóng ngày 01/05/2024 (chết hoặc nhập nhầm)."]
    assert f"sự kiện {closing} " not in result.output
    assert result.exit_code == 1


def test_an_episode_before_any_determination_is_listed(app):
    pid = person(app, determined=None)
    ep = episode(app, pid, "community", date(2024, 3, 1))
    result = check(app)
    assert lines(result) == [f"hồ sơ {pid} · xã 99101 · đợt cai nghiện {ep} · "
                             "Bắt đầu cai nghiện khi chưa có kết luận “có nghiện”."]
    assert result.exit_code == 1


def test_a_voided_overlapping_episode_is_not_listed(app):
    pid = person(app)
    episode(app, pid, "home", date(2024, 3, 1))
    episode(app, pid, "compulsory", date(2024, 5, 1), voided_at=now_utc(), void_reason="Ghi nhầm")
    result = check(app)
    assert lines(result) == []
    assert result.output.splitlines()[-1] == "Đã kiểm tra 1 hồ sơ: 0 mâu thuẫn ở 0 hồ sơ."
    assert result.exit_code == 0


def test_a_clean_database_exits_0_with_the_summary(app):
    pid = person(app)
    episode(app, pid, "home", date(2024, 3, 1), date(2024, 9, 1))
    episode(app, pid, "community", date(2024, 10, 1))
    person(app, code="99201", id_number=None, full_name="Lò Thị Sạch")
    result = check(app)
    assert result.exit_code == 0, result.output
    assert result.output == "Đã kiểm tra 2 hồ sơ: 0 mâu thuẫn ở 0 hồ sơ.\n"


def test_the_output_holds_no_name_or_id_number(app):
    pid = person(app, determined=None, birth_date=date(1990, 4, 2))
    episode(app, pid, "community", date(2024, 3, 1))
    output = check(app).output
    assert NAME not in output and fold(NAME) not in output and ID_NUMBER not in output
    assert "1990" not in output and "02/04" not in output


def test_unit_restricts_to_the_subtree(app):
    pid = person(app)
    episode(app, pid, "home", date(2024, 3, 1))
    episode(app, pid, "compulsory", date(2024, 5, 1))
    other = check(app, "--unit", "99201")
    assert lines(other) == [] and other.exit_code == 0
    assert other.output == "Đã kiểm tra 0 hồ sơ: 0 mâu thuẫn ở 0 hồ sơ.\n"
    for code in ("99101", "991", "99"):
        result = check(app, "--unit", code)
        assert len(lines(result)) == 1 and result.exit_code == 1, code
    sibling = check(app, "--unit", "99102")
    assert lines(sibling) == [] and sibling.exit_code == 0


def test_an_unknown_unit_is_a_clear_error(app):
    result = check(app, "--unit", "12345")
    assert result.exit_code == 2  # 1 means contradictions were found
    assert "Không có đơn vị nào mang mã “12345”" in result.output


def test_batches_load_relations_per_batch_not_per_person(app, monkeypatch):
    """1.001 files in batches of 100: the queries grow with the batches, not with the files;
    the summary writes thousands the Vietnamese way."""
    monkeypatch.setattr(cli, "CHECK_BATCH", 100)
    with app.app_context():
        unit_id = unit("99101").id
        rows = [{"unit_id": unit_id, "full_name": f"Người {i}", "sex": "M", "birth_year": 1990,
                 "name_folded": fold(f"Người {i}"), "search_text": "", "born_on": date(1990, 1, 1),
                 "sort_key": sort_key(f"Người {i}"), "state": "addict", "version": 1,
                 "listed_on": date(2023, 1, 1)} for i in range(1001)]
        db.session.execute(insert(Person), rows)
        ids = db.session.scalars(select(Person.id).order_by(Person.id)).all()
        db.session.execute(insert(PersonEvent), [
            {"person_id": i, "kind": "determination", "event_date": date(2024, 1, 15),
             "addicted": True, "created_at": now_utc()} for i in ids])
        # The last file contradicts itself, so the last batch is read too.
        db.session.execute(insert(RehabEpisode), [
            {"person_id": ids[-1], "unit_id": unit_id, "form": "home",
             "start_date": date(2023, 3, 1), "planned_end": date(2023, 9, 1),
             "created_at": now_utc()}])
        db.session.commit()
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = check(app)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert result.output.splitlines()[-1] == "Đã kiểm tra 1.001 hồ sơ: 1 mâu thuẫn ở 1 hồ sơ."
    assert lines(result) == [f"hồ sơ {ids[-1]} · xã 99101 · đợt cai nghiện "
                             f"{_episode_id(app, ids[-1])} · Bắt đầu cai nghiện khi chưa có "
                             "kết luận “có nghiện”."]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # 11 batches (the last one empty) × (persons + 5 relations), plus settings and the unit.
    assert len(selects) <= 11 * 6 + 5, len(selects)


def _episode_id(app, person_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(RehabEpisode.id).where(
            RehabEpisode.person_id == person_id))
