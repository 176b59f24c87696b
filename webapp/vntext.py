"""Vietnamese text: NFC normalisation, diacritics-insensitive folding, and the sort key.

Written here rather than taken from a library: PyICU's Vietnamese collation would do the
comparison, but it needs the ICU C library at install time, and what the product needs is a
*stored* key that both SQLite and PostgreSQL order the same way, which ICU does not give.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

# Vowel-shape marks make distinct letters (ă, â, ê, ô, ơ, ư); tone marks only break ties.
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
# Tone order of Vietnamese dictionaries: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}

_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]
# Two digits per letter: a key made only of digits sorts identically under any collation,
# so ORDER BY gives the same result on SQLite and on PostgreSQL whatever its locale.
_RANK = {letter: f"{10 + i:02d}" for i, letter in enumerate(_ALPHABET)}
_SPACE = "01"


def nfc(text: str | None) -> str:
    """NFC, with runs of white space collapsed: the form every name is stored in."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).split())


class _Bare(dict):
    """Each character → its canonical decomposition without its combining marks, đ as d,
    worked out the first time the character is met. Decomposition is character by character
    and only reorders combining marks, which are dropped: translating a text with this table
    gives what decomposing the whole text and filtering it gives, in one pass in C."""

    def __missing__(self, code: int) -> str:  # str.translate asks by code point
        bare = "".join(c for c in unicodedata.normalize("NFD", chr(code))
                       if not unicodedata.combining(c))
        self[code] = bare = bare.replace("đ", "d")
        return bare


_BARE = _Bare()


@lru_cache(maxsize=1 << 16)  # pure; imports and searches fold the same names again and again
def fold(text: str | None) -> str:
    """Lower case without any diacritics (đ → d): "Nguyễn Văn Đạt" → "nguyen van dat"."""
    folded = nfc(text).lower()
    return folded if folded.isascii() else folded.translate(_BARE)


def _letters(word: str) -> list[tuple[str, str]]:
    """(letter, tone) pairs of a word, the letter keeping its vowel shape."""
    out: list[tuple[str, str]] = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES and out:
            out[-1] = (out[-1][0], _TONES[ch])
        elif ch in (_BREVE, _CIRCUMFLEX, _HORN) and out:
            out[-1] = (unicodedata.normalize("NFC", out[-1][0] + ch), out[-1][1])
        elif unicodedata.combining(ch):
            continue
        else:
            out.append((ch, "0"))
    return out


@lru_cache(maxsize=1 << 16)  # pure; names are made of few words (surnames, middle names)
def _word(word: str) -> tuple[str, str]:
    """A word's letters as ranks, and their tones."""
    primary, tones = [], []
    for letter, tone in _letters(word):
        if letter in _RANK:
            primary.append(_RANK[letter])
            tones.append(tone)
        elif letter.isdigit():
            primary.append("02")
            tones.append("0")
    return "".join(primary), "".join(tones)


def _encode(words: list[str]) -> tuple[str, str]:
    codes = [_word(word) for word in words]
    return _SPACE.join(p for p, _ in codes), "".join(t for _, t in codes)


def sort_key(full_name: str | None) -> str:
    """Key for sorting people the Vietnamese way.

    Given name (the last word) first, then the rest of the name in order, letters in the
    Vietnamese alphabet (a ă â b c d đ e ê …), tone marks deciding only ties.
    """
    words = nfc(full_name).split()
    if not words:
        return ""
    given, rest = _encode(words[-1:]), _encode(words[:-1])
    return f"{given[0]}00{rest[0]}00{given[1]}{rest[1]}"
