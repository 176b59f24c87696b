"""Vietnamese text and number conventions."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime

from webapp.formatting import vn_date, vn_datetime, vn_money, vn_number
from webapp.vntext import fold, nfc, sort_key


def test_folding_ignores_case_and_diacritics_and_maps_d_bar_to_d():
    assert fold("Nguyễn Văn An") == "nguyen van an"
    assert fold("ĐẶNG Thị Đào") == "dang thi dao"
    assert fold("Lò Văn Pọm") == "lo van pom"


def test_decomposed_input_is_stored_composed():
    typed = unicodedata.normalize("NFD", "Nguyễn  Thị   Hường ")
    assert nfc(typed) == "Nguyễn Thị Hường"
    assert unicodedata.is_normalized("NFC", nfc(typed))
    assert fold(typed) == "nguyen thi huong"


def vn_sorted(names):
    return sorted(names, key=sort_key)


def test_people_are_sorted_by_given_name_first():
    assert vn_sorted(["Trần Văn Bình", "Lê Thị An", "Nguyễn Văn Cường"]) == [
        "Lê Thị An", "Trần Văn Bình", "Nguyễn Văn Cường"]


def test_same_given_name_is_ordered_by_the_rest_of_the_name():
    assert vn_sorted(["Nguyễn Văn An", "Lê Thị An", "Đỗ An", "Bế An"]) == [
        "Bế An", "Đỗ An", "Lê Thị An", "Nguyễn Văn An"]


def test_d_bar_comes_right_after_d_not_after_z():
    assert vn_sorted(["Vàng A Zơ", "Lò Văn Đạt", "Lê Văn Dũng", "Quàng Văn E"]) == [
        "Lê Văn Dũng", "Lò Văn Đạt", "Quàng Văn E", "Vàng A Zơ"]


def test_vowel_shapes_are_distinct_letters_in_alphabet_order():
    assert vn_sorted(["X Ân", "X Ăn", "X An", "X Anh"]) == ["X An", "X Anh", "X Ăn", "X Ân"]


def test_tone_marks_decide_only_ties():
    # Tones: ngang, huyền, hỏi, ngã, sắc, nặng; a tone never beats a later letter.
    assert vn_sorted(["A Ạn", "A Án", "A Ãn", "A Ản", "A Àn", "A An"]) == [
        "A An", "A Àn", "A Ản", "A Ãn", "A Án", "A Ạn"]
    assert vn_sorted(["A Ạn", "A Anh"]) == ["A Ạn", "A Anh"]


def test_the_sort_key_is_digits_only_so_every_database_orders_it_alike():
    assert sort_key("Nguyễn Thị Ánh Hồng").isdigit()


def test_dates_numbers_and_money_are_written_the_vietnamese_way():
    assert vn_date(date(2026, 3, 7)) == "07/03/2026"
    assert vn_datetime(datetime(2026, 3, 6, 18, 30)) == "01:30 07/03/2026"  # UTC → UTC+7
    assert vn_number(1280) == "1.280"
    assert vn_number(1186000) == "1.186.000"
    assert vn_number(7) == "7"
    assert vn_number(12.5) == "12,5"
    assert vn_money(65900000) == "65.900.000đ"
    assert vn_date(None) == "" and vn_number(None) == ""
