"""Writes `common_passwords.txt`: guessable passwords that new passwords may not be.

Run `python -m webapp.auth.make_common_passwords` after changing the word lists; the file is
committed. Entries are stored normalised (`passwords.normalise`) and only when at least
8 characters long, the smallest minimum length an administrator may set.
"""
from __future__ import annotations

from pathlib import Path

from .passwords import MIN_SETTABLE, normalise

PATH = Path(__file__).with_name("common_passwords.txt")

ENGLISH = """password passw0rd p@ssword p@ssw0rd iloveyou welcome admin administrator qwerty
monkey dragon sunshine princess football baseball basketball soccer master letmein shadow
superman batman trustno1 starwars whatever freedom secret computer internet default login
changeme hello hellokitty flower lovely loveme charlie jordan summer winter spring autumn
killer hunter ranger pokemon pepper ginger cookie chocolate banana orange apple cheese
samsung iphone google facebook youtube microsoft windows abc abcd abcdef test testing
user guest root system server database manager office police security access private""".split()

ENGLISH_NAMES = """michael jennifer jessica ashley daniel david robert thomas william joshua
andrew matthew christopher anthony justin nicole amanda sarah elizabeth maria""".split()

VIETNAMESE = """matkhau matkhaumoi matkhaucu anhyeuem emyeuanh yeuem yeuanh yeunhau
vietnam vietnamoi hanoi saigon hochiminh danang haiphong cantho hue nhatrang dalat
congan conganxa conganhuyen congantinh canbo quantri quantrivien xaphuong phuongxa
huyen tinh cainghien matuy nghienmatuy baocao hethong dangnhap taikhoan
xinchao chaoban tamthoi matkhautamthoi thaydoi doimatkhau bimat baomat anninh
maison tanlap muongchien tanhoa muonglan""".split()

SURNAMES = """nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly""".split()

GIVEN_NAMES = """anh minh hung dung huong lan linh thao trang hoa mai ngoc tuan nam long
hai ha thu thuy quang duc son tung hieu trung thanh phuong hang nga van yen khanh hoang
huy kien loan my nhung quynh tam thang tien toan trinh tu vinh viet binh chi cuong dat
giang hanh hiep hoai hue khoa lam loc luan nhan phong phuc quan sang tai thai thinh""".split()

KEYBOARD = """qwertyuiop qwertyuio qwertyui qwerty123 qwerty1234 qwerty123456 asdfghjkl
asdfghjk asdfgh123 zxcvbnm zxcvbnm123 1qaz2wsx 1qaz2wsx3edc qazwsxedc qazwsx123
1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y q1w2e3r4 q1w2e3r4t5 zaq12wsx zaq1zaq1 !qaz2wsx
qweasdzxc qweasd123 asdqwe123 poiuytrewq lkjhgfdsa mnbvcxz 123qweasd 123qwe123
qwer1234 asdf1234 zxcv1234 1234qwer 1234asdf abcd1234 abc12345 abc123456 abcde12345
a1b2c3d4 a1b2c3d4e5 aa123456 aaa12345 1234abcd 123456abc 123456789abc abc123456789
123abc123 iloveyou1 123456789a 12345678a a12345678 a123456789""".split()

DIGIT_RUNS = ["1234567890", "0123456789", "9876543210", "1122334455", "1212121212",
              "1231231231", "1357924680", "0987654321", "147258369", "159357159",
              "123321123", "123454321", "741852963", "963852741", "789456123"]

SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "@123", "123@", "!", "@",
            "123!", "!@#", "2020", "2021", "2022", "2023", "2024", "2025", "2026", "@2024",
            "@2025", "99", "88", "68", "86", "1990", "1995", "2000"]


def candidates() -> set[str]:
    words = ENGLISH + ENGLISH_NAMES + VIETNAMESE + SURNAMES + GIVEN_NAMES
    out = {w + suffix for w in words for suffix in SUFFIXES}
    # Full names as people type them (surname + given name, given name + surname), with the
    # commonest endings only.
    names = [s + g for s in SURNAMES for g in GIVEN_NAMES[:30]]
    names += [g + s for s in SURNAMES[:6] for g in GIVEN_NAMES[:30]]
    out |= {n + suffix for n in names for suffix in ("", "123", "1234", "@123", "12345")}
    out |= {w.capitalize() + suffix for w in ENGLISH + VIETNAMESE for suffix in SUFFIXES}
    out |= {k + suffix for k in KEYBOARD for suffix in SUFFIXES}
    for run in DIGIT_RUNS:
        out |= {run[:n] for n in range(8, len(run) + 1)}
        # The run carried on past its end ("123456789012", "1234567890123…"), up to 16.
        longer = (run * 2)[:16]
        out |= {longer[:n] for n in range(len(run) + 1, 17)}
    # Ascending digit runs, and any digit or letter repeated.
    out |= {"123456789"[:n] + tail for n in range(6, 10) for tail in ("", "0", "00", "000", "a", "abc", "123")}
    out |= {c * n for c in "0123456789abcdefghijklmnopqrstuvwxyz" for n in range(8, 17)}
    # Years and dates of the kind people use: yyyy twice, 01012000…, pairs of years.
    years = range(1960, 2031)
    out |= {f"{y}{y}" for y in years}
    out |= {f"0101{y}" for y in years} | {f"{y}0101" for y in years}
    out |= {f"{a}{a + 1}" for a in years}
    return out


def main() -> None:
    entries = sorted({normalise(c) for c in candidates()} - {""})
    entries = [e for e in entries if len(e) >= MIN_SETTABLE]
    header = ("# Common and guessable passwords, normalised (lower case, no diacritics, no spaces\n"
              "# or - _ . separators). Generated by webapp/auth/make_common_passwords.py.\n")
    PATH.write_text(header + "\n".join(entries) + "\n", encoding="utf-8")
    print(f"{len(entries)} entries written to {PATH}")


if __name__ == "__main__":
    main()
