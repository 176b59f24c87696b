"""Counting rules are dated: before the day of the setting `addicts_determined_only_from`
(01/01/2022, Law 73/2021) suspected persons count among addicts; from it only a positive
determination does — the seed report's 1.186 (2021) → 481 (2022).

    99101 (Xã Tân Hòa)               state on 31/12/2021   on 31/12/2022   on 31/12/2023
      Một  M 1980 agri heroin Kinh      addict (det. 2021)    addict          addict
      Hai  F 1995 non_agri synth. Thái  suspected             addict (02/22)  addict
      Ba   M 1999 agri heroin Thái      suspected             suspected       suspected
      Bốn  M 2000 agri heroin Kinh      suspected             closed (06/22)  closed
      Năm  M 1985 agri heroin Kinh      user (never counted)  user            user
      Sáu  F 1970 agri cannabis Kinh    —                     suspected       suspected

Old rule on 31/12/2021: 1 addict + 3 suspected = 4 (M 3, F 1; 18–30: 3, 30+: 1; agri 3,
non-agri 1; heroin 3, synthetic 1; Kinh 2, minority 2). New rule on 31/12/2022: 2.
"""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from libreoffice import convert
from sqlalchemy import select

from webapp import settings
from webapp.auth.models import User
from webapp.extensions import db
from webapp.registry import services
from webapp.registry.vocab import EventKind
from webapp.reports.figures import as_values, compute
from webapp.reports.services import checks, live_rows
from webapp.settings.services import save_settings
from webapp.stats.services import YearStats, paragraph, paragraphs, rule_note, table, yearly
from webapp.units.models import Unit

TODAY = date(2026, 6, 30)
SETTING = "addicts_determined_only_from"
SUSPECTED_ROW = "Trong đó: nghi nghiện (tính theo quy định trước 01/01/2022)"
DETERMINED_ROW = "Trong đó: đã được xác định tình trạng nghiện"

PARAGRAPH_2021 = (
    "- Năm 2021: Tổng số người nghiện ma túy là 4 người, trong đó:\n"
    "+ Nam: 3 người; Nữ: 1 người.\n"
    "+ Phân theo độ tuổi: Từ 18 đến dưới 30: 3 người; Từ 30 trở lên: 1 người.\n"
    "+ Phân theo nghề nghiệp: Nông nghiệp: 3 người; Phi nông nghiệp: 1 người.\n"
    "+ Hình thức sử dụng các loại ma túy: Heroin: 3 người; ma túy tổng hợp: 1 người.")
PARAGRAPH_2022 = (
    "- Năm 2022: Tổng số người nghiện ma túy là 2 người, trong đó:\n"
    "+ Nam: 1 người; Nữ: 1 người.\n"
    "+ Phân theo độ tuổi: Từ 18 đến dưới 30: 1 người; Từ 30 trở lên: 1 người.\n"
    "+ Phân theo nghề nghiệp: Nông nghiệp: 1 người; Phi nông nghiệp: 1 người.\n"
    "+ Hình thức sử dụng các loại ma túy: Heroin: 1 người; ma túy tổng hợp: 1 người.")


def note(was: str, before: int, now: str, after: int, drop: str, since: str) -> str:
    """The seed report's sentence, with its numbers and the setting's date filled in."""
    return (
        f"(Lý do số liệu người nghiện ma túy từ {was} người năm {before} giảm xuống còn {now} "
        f"người năm {after} (giảm {drop} người - số người này được hiểu là đang nghi nghiện và "
        "nghi sử dụng trái phép chất ma túy) là do Luật Phòng, chống ma túy năm 2021; Nghị định "
        "số 105/2021/NĐ-CP ngày 04/12/2021 của Chính phủ quy định chi tiết và hướng dẫn thi hành "
        "một số điều của Luật Phòng, chống ma túy; Nghị định số 109/2021/NĐ-CP ngày 08/12/2021 "
        "của Chính phủ về quy định cơ sở y tế đủ điều kiện xác định tình trạng nghiện ma túy và "
        "hồ sơ, trình tự, thủ tục xác định tình trạng nghiện ma túy có hiệu lực từ ngày "
        f"{since}. Những người được nghi nghiện hoặc nghi sử dụng trái phép chất ma túy phải có "
        "hồ sơ quản lý và được cơ sở Y tế xác định tình trạng nghiện ma túy và có kết luận là "
        "“Nghiện ma túy” thì mới được coi là người nghiện ma túy).")


PERSONS = [
    # name, sex, birth year, occupation group, drug, ethnicity, opened, events
    ("Lò Văn Một", "M", 1980, "agri", "heroin", "01", date(2020, 6, 1),
     [(EventKind.DETERMINATION, date(2021, 3, 1))]),
    ("Cà Thị Hai", "F", 1995, "non_agri", "synthetic", "03", date(2021, 1, 15),
     [(EventKind.DETERMINATION, date(2022, 2, 10))]),
    ("Quàng Văn Ba", "M", 1999, "agri", "heroin", "03", date(2020, 6, 1), []),
    ("Lường Văn Bốn", "M", 2000, "agri", "heroin", "01", date(2021, 5, 1),
     [(EventKind.CLOSING, date(2022, 6, 1))]),
    ("Tòng Văn Năm", "M", 1985, "agri", "heroin", "01", date(2021, 1, 1),
     [(EventKind.POSITIVE_TEST, date(2021, 4, 1))]),
    ("Hà Thị Sáu", "F", 1970, "agri", "cannabis", "01", date(2022, 3, 1), []),
]


@pytest.fixture
def registry(app, demo):
    with app.app_context():
        xa = db.session.get(User, demo["users"]["xa"])
        unit = db.session.scalar(select(Unit).where(Unit.code == "99101"))
        for name, sex, born, occupation, drug, ethnicity, opened, events in PERSONS:
            person = services.save_person(None, {
                "full_name": name, "sex": sex, "birth_year": born, "unit": unit,
                "occupation_group": occupation, "main_drug": drug, "ethnicity": ethnicity}, xa)
            person.listed_on = opened  # on the paper register since then
            db.session.info.setdefault("periods_stale", set()).add(person)
            for kind, on in events:
                data = {"event_date": on}
                if kind == EventKind.DETERMINATION:
                    data |= {"addicted": True, "facility": "TTYT huyện Tân Lập"}
                if kind == EventKind.CLOSING:
                    data["reason"] = "moved_away"
                services.add_event(person, kind, data, xa)
        db.session.commit()
        yield unit


def move_rule_to(demo, typed: str) -> None:
    admin = db.session.get(User, demo["users"]["admin"])
    assert save_settings(admin, {SETTING: typed}) == {}
    db.session.commit()


def rows_of(stats) -> dict:
    return {label: values for label, _, values in table(stats) if values is not None}


# --- The rule in force on a day -------------------------------------------------------------------

def test_suspected_persons_count_as_addicts_only_before_the_setting_s_day(app, demo):
    with app.app_context():
        assert settings.get(SETTING) == "2022-01-01"  # plain JSON
        assert settings.addicts_include_suspected(date(2021, 12, 31))
        assert not settings.addicts_include_suspected(date(2022, 1, 1))
        move_rule_to(demo, "01/01/2023")
        assert settings.addicts_include_suspected(date(2022, 12, 31))
        assert not settings.addicts_include_suspected(date(2023, 1, 1))


def test_compute_counts_suspected_persons_in_section_ii_only_when_asked(app, registry):
    with app.app_context():
        determined = as_values(compute(registry, 2021, 12))
        old_rule = as_values(compute(registry, 2021, 12, suspected_as_addicts=True))
    assert determined["addicts.total"] == 1 and determined["addicts.sex.M"] == 1
    assert old_rule["addicts.total"] == 4
    assert (old_rule["addicts.sex.M"], old_rule["addicts.sex.F"]) == (3, 1)
    assert (old_rule["addicts.age.3"], old_rule["addicts.age.4"]) == (3, 1)
    assert (old_rule["addicts.occupation.agri"], old_rule["addicts.occupation.non_agri"]) == (3, 1)
    assert (old_rule["addicts.drug.heroin"], old_rule["addicts.drug.synthetic"]) == (3, 1)
    assert (old_rule["addicts.ethnicity.kinh"], old_rule["addicts.ethnicity.minority"]) == (2, 2)
    # Section I is the same whatever the rule: the user (Năm) is never an addict.
    for values in (determined, old_rule):
        assert (values["persons.addict"], values["persons.suspected"], values["persons.user"]) \
            == (1, 3, 1)


# --- Yearly statistics ----------------------------------------------------------------------------

def test_2021_counts_suspected_persons_among_addicts_and_2022_does_not(app, registry):
    with app.app_context():
        y2021, y2022 = yearly(registry, 2021, 2022, TODAY)
        rows = rows_of([y2021, y2022])
    assert (y2021.suspected_included, y2022.suspected_included) == (True, False)
    assert rows["Tổng số người nghiện ma túy"] == [4, 2]
    assert rows[SUSPECTED_ROW] == [3, "—"]
    assert rows[DETERMINED_ROW] == [1, 2]
    assert rows["Nam"] == [3, 1] and rows["Nữ"] == [1, 1]
    assert rows["Từ 18 đến dưới 30"] == [3, 1] and rows["Từ 30 trở lên"] == [1, 1]
    assert rows["Nông nghiệp"] == [3, 1] and rows["Phi nông nghiệp"] == [1, 1]
    assert rows["Heroin"] == [3, 1] and rows["Ma túy tổng hợp"] == [1, 1]
    assert rows["Dân tộc Kinh"] == [2, 1] and rows["Dân tộc thiểu số"] == [2, 1]


def test_the_paragraphs_of_2021_and_2022_explain_the_drop_word_for_word(app, registry):
    with app.app_context():
        texts = paragraphs(yearly(registry, 2021, 2022, TODAY))
    assert texts == [PARAGRAPH_2021, PARAGRAPH_2022, note("4", 2021, "2", 2022, "2", "01/01/2022")]


def test_the_note_writes_the_seed_report_s_own_numbers():
    old = YearStats(2021, 12, {"addicts.total": 1186}, {}, suspected_included=True)
    new = YearStats(2022, 12, {"addicts.total": 481}, {})
    assert rule_note(old, new) == note("1.186", 2021, "481", 2022, "705", "01/01/2022")


def test_no_note_when_the_years_shown_are_under_one_rule(app, registry):
    with app.app_context():
        stats = yearly(registry, 2022, 2023, TODAY)
        texts = paragraphs(stats)
        rows = rows_of(stats)
    assert texts == [paragraph(s) for s in stats] and len(texts) == 2
    assert not any("Lý do" in t for t in texts)
    assert SUSPECTED_ROW not in rows and DETERMINED_ROW not in rows
    assert rows["Tổng số người nghiện ma túy"] == [2, 2]


def test_a_rule_moved_to_2023_counts_2022_the_old_way(app, demo, registry):
    with app.app_context():
        move_rule_to(demo, "01/01/2023")
        stats = yearly(registry, 2021, 2023, TODAY)
        texts = paragraphs(stats)
        rows = rows_of(stats)
    assert [s.suspected_included for s in stats] == [True, True, False]
    # 2022 old way: Một, Hai (addicts) + Ba, Sáu (suspected); 2023: Một, Hai.
    assert rows["Tổng số người nghiện ma túy"] == [4, 4, 2]
    assert rows["Trong đó: nghi nghiện (tính theo quy định trước 01/01/2023)"] == [3, 2, "—"]
    assert rows[DETERMINED_ROW] == [1, 2, 2]
    # No note between 2021 and 2022 any more; it now follows 2023.
    assert len(texts) == 4 and texts[0] == PARAGRAPH_2021
    assert texts[1].startswith("- Năm 2022: Tổng số người nghiện ma túy là 4 người, trong đó:\n"
                               "+ Nam: 2 người; Nữ: 2 người.\n")
    assert texts[2].startswith("- Năm 2023: Tổng số người nghiện ma túy là 2 người")
    assert texts[3] == note("4", 2022, "2", 2023, "2", "01/01/2023")


def test_a_rule_from_31_12_2021_already_counts_2021_the_new_way(app, demo, registry):
    # The year's figure is as of 31/12: a rule in force that very day applies to it.
    with app.app_context():
        move_rule_to(demo, "31/12/2021")
        stats = yearly(registry, 2021, 2022, TODAY)
        texts = paragraphs(stats)
    assert [s.suspected_included for s in stats] == [False, False]
    assert stats[0].values["addicts.total"] == 1 and len(texts) == 2


def test_the_current_year_follows_the_rule_of_its_as_of_month(app, demo, registry):
    with app.app_context():
        move_rule_to(demo, "01/07/2026")
        (june,) = yearly(registry, 2026, 2026, date(2026, 6, 15))
        (july,) = yearly(registry, 2026, 2026, date(2026, 7, 15))
    assert june.suspected_included and june.values["addicts.total"] == 4  # Một, Hai, Ba, Sáu
    assert not july.suspected_included and july.values["addicts.total"] == 2


def test_without_a_drop_the_note_still_says_the_years_are_counted_differently():
    old = YearStats(2021, 12, {"addicts.total": 40}, {}, suspected_included=True)
    new = YearStats(2022, 12, {"addicts.total": 52}, {})
    text = rule_note(old, new)
    assert text.startswith(
        "(Số liệu người nghiện ma túy năm 2021 (40 người) tính cả người nghi nghiện; từ năm 2022 "
        "(52 người) chỉ tính người đã được xác định tình trạng nghiện, do Luật Phòng, chống ma "
        "túy năm 2021; ")
    assert "giảm" not in text and text.endswith("thì mới được coi là người nghiện ma túy).")


def test_the_page_and_its_excel_say_the_same(login_as, registry, tmp_path):
    client = login_as("huyen")
    page = client.get("/stats/?unit=99101&from=2021&to=2022").get_data(as_text=True)
    assert "Tổng số người nghiện ma túy là 4 người" in page
    assert SUSPECTED_ROW in page and DETERMINED_ROW in page
    assert "Lý do số liệu người nghiện ma túy từ 4 người năm 2021 giảm xuống còn 2 người năm 2022" \
        in page
    assert ("Năm 2021: số người nghiện ma túy tính theo quy định trước ngày 01/01/2022, "
            "gồm cả người nghi nghiện.") in page

    response = client.get("/stats/export.xlsx?unit=99101&from=2021&to=2022")
    assert response.status_code == 200
    path = tmp_path / "thong-ke.xlsx"
    path.write_bytes(response.data)
    for book in (openpyxl.load_workbook(path), openpyxl.load_workbook(convert(path, tmp_path))):
        cells = [r for r in book.worksheets[0].iter_rows(values_only=True)
                 if r and isinstance(r[0], str)]
        rows = {r[0].strip(): list(r[1:3]) for r in cells}
        assert rows["Tổng số người nghiện ma túy"] == [4, 2]
        assert rows[SUSPECTED_ROW] == [3, "—"] and rows[DETERMINED_ROW] == [1, 2]
        text = " ".join(r[0] for r in cells)
        assert note("4", 2021, "2", 2022, "2", "01/01/2022") in text
        assert ("Năm 2021: số người nghiện ma túy tính theo quy định trước ngày 01/01/2022, "
                "gồm cả người nghi nghiện.") in text


# --- The monthly report of a past month -----------------------------------------------------------

def test_a_monthly_report_counts_with_the_rule_that_held_that_month(app, registry):
    with app.app_context():
        december, _ = live_rows(registry, 2021, 12)
        january, _ = live_rows(registry, 2022, 1)
        errors, _ = checks(december, None, 2021, 12, TODAY)
    before, after = as_values(december), as_values(january)
    assert before["addicts.total"] == 4 and before["addicts.sex.M"] == 3
    assert after["addicts.total"] == 1  # Hai is determined only on 10/02/2022
    assert errors == []  # the splits add up to the total that includes suspected persons
    label = {r.key: r.label for r in december}["addicts.total"]
    assert label == "Tổng số người nghiện ma túy (gồm cả người nghi nghiện)"
