"""Text typed with the legacy Vietnamese fonts (TCVN3 / ABC ".VnTime", VNI-Windows "VNI-Times").

Old lists were typed before Unicode: each font drew Vietnamese letters on Latin-1 code points,
so once the cell is shown in a Unicode font it reads as mojibake ("NguyÔn V¨n An" is TCVN3,
"Nguyeãn Vaên An" is VNI). We detect such cells and convert them back.

Why not a PyPI package: the converters found there are either for the VNI *typing method*
(`vniencoder`: "a1" → "á", a different thing) or a whole document loader for retrieval
pipelines (`viparse`), far more than two small tables. The tables are public, stable since the
1990s, and the hard part, deciding *whether* to convert, is specific to short spreadsheet cells.

Detection never touches normal Unicode: a cell is a candidate only if it has Latin-1 letters or
symbols and no Vietnamese letter beyond Latin-1 (ă, đ, ơ, ư, ạ, ễ … exist only in Unicode).
It is converted only when that turns more of its words into well-formed Vietnamese syllables
than it breaks. "Hòa", "Thái", "Tô" stay as they are; "Hoaøng", "Th¸i" are converted.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

TCVN3 = "tcvn3"
VNI = "vni"
LABELS = {TCVN3: "TCVN3 (.VnTime)", VNI: "VNI (VNI-Times)"}

# --- TCVN3 (TCVN 5712:1993 VN3, the "ABC" fonts) ------------------------------------------------
# One Latin-1 character per letter. The set has no upper-case toned vowels: .VnTimeH fonts
# draw the lower-case codes as capitals, so case is restored afterwards from the ASCII letters.
_TCVN3_UPPER = {"¡": "Ă", "¢": "Â", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư", "§": "Đ"}
_TCVN3_LOWER = (
    # (shape letter, its TCVN3 char) then five toned forms: huyền, hỏi, ngã, sắc, nặng
    ("ă", "¨", "»¼½¾Æ"), ("â", "©", "ÇÈÉÊË"), ("ê", "ª", "ÒÓÔÕÖ"), ("ô", "«", "åæçèé"),
    ("ơ", "¬", "êëìíî"), ("ư", "\u00ad", "õö÷øù"), ("đ", "®", ""),
    ("a", "", "µ¶·¸¹"), ("e", "", "ÌÎÏÐÑ"), ("i", "", "×ØÜÝÞ"), ("o", "", "ßáâãä"),
    ("u", "", "ïñòóô"), ("y", "", "úûüýþ"),
)
# Combining marks in the order huyền, hỏi, ngã, sắc, nặng.
_TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")


def _tcvn3_table() -> dict[str, str]:
    table = dict(_TCVN3_UPPER)
    for letter, plain, toned in _TCVN3_LOWER:
        if plain:
            table[plain] = letter
        for tone, char in zip(_TONES, toned):
            table[char] = unicodedata.normalize("NFC", letter + tone)
    return table


# --- VNI-Windows ---------------------------------------------------------------------------------
# A base ASCII vowel followed by one mark character; ơ, ư, đ and the i-vowels are single chars.
_VNI_SHAPE = {"â": "\u0302", "ê": "\u0306"}  # after a/e/o: circumflex; after a: breve
_VNI_PLAIN_TONES = "øûõùï"  # huyền, hỏi, ngã, sắc, nặng on a plain vowel, ơ or ư
_VNI_HAT_TONES = "àåãáä"  # the same tones on â, ê, ô (the mark replaces "â")
_VNI_BREVE_TONES = "èúüéë"  # the same tones on ă (the mark replaces "ê")
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị",
               "î": "ỵ"}


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(seq: str, text: str) -> None:
        text = unicodedata.normalize("NFC", text)
        table[seq] = text
        table[seq.upper()] = text.upper()

    for single, letter in _VNI_SINGLE.items():
        add(single, letter)
    for base in "aeouy":
        for tone, mark in zip(_TONES, _VNI_PLAIN_TONES):
            add(base + mark, base + tone)
    for base in "aeo":
        add(base + "â", base + "\u0302")
        for tone, mark in zip(_TONES, _VNI_HAT_TONES):
            add(base + mark, base + "\u0302" + tone)
    add("aê", "ă")
    for tone, mark in zip(_TONES, _VNI_BREVE_TONES):
        add("a" + mark, "a\u0306" + tone)
    for base, letter in (("ô", "ơ"), ("ö", "ư")):
        for tone, mark in zip(_TONES, _VNI_PLAIN_TONES):
            add(base + mark, letter + tone)
    add("yï", "ỵ")  # some VNI files write ỵ as y + dot rather than "î"
    return table


TABLES = {TCVN3: _tcvn3_table(), VNI: _vni_table()}


def _strays(table: dict[str, str]) -> frozenset[str]:
    """Latin-1 letters that text in this encoding never holds on their own: VNI's marks outside
    a pair ("Xuân" has â after u), TCVN3's unassigned codes (à, À, Í…). Seeing one means the
    cell is Unicode after all."""
    singles = {seq for seq in table if len(seq) == 1}
    if any(len(seq) == 2 for seq in table):
        return frozenset({seq[1] for seq in table if len(seq) == 2} - singles)
    return frozenset(chr(c) for c in range(0xC0, 0x100) if chr(c).isalpha()) - singles


STRAYS = {name: _strays(table) for name, table in TABLES.items()}


def _decode(text: str, table: dict[str, str], strays: frozenset[str] = frozenset()) \
        -> tuple[str, int]:
    """Longest match first, one left-to-right pass (an output is never matched again).
    Also counts the stray characters left unconverted."""
    out, i, stray = [], 0, 0
    while i < len(text):
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
        else:
            stray += text[i] in strays
            out.append(table.get(text[i], text[i]))
            i += 1
    return "".join(out), stray


def encode(text: str, encoding: str) -> str:
    """Unicode → how the legacy font stored it (tests build their samples with this)."""
    inverse: dict[str, str] = {}
    for seq, letter in sorted(TABLES[encoding].items(), key=lambda kv: (len(kv[0]), kv[0])):
        inverse.setdefault(letter, seq)
    if encoding == VNI:
        inverse["ỵ"], inverse["Ỵ"] = "î", "Î"
    out = []
    for char in unicodedata.normalize("NFC", text):
        if encoding == TCVN3 and char not in inverse and char.lower() in inverse:
            char = char.lower()  # TCVN3 has no capital toned vowels
        out.append(inverse.get(char, char))
    return "".join(out)


# --- Is this a Vietnamese syllable? -------------------------------------------------------------
# Spelling rules, not a dictionary: initial + vowel nucleus + final, where some nuclei need a
# final consonant (ăn, tiên), some cannot take one (mua, hai), and a syllable ending in c, ch, p
# or t carries only the sắc or nặng tone. Enough to tell "Bạc" from "Baùc".
_INITIAL = "ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_OPEN = "oa|oe|uê|uy|a|e|ê|i|o|ô|ơ|u|ư|y"
_NEED_FINAL = "uyê|iê|yê|uô|ươ|oă|uâ|ă|â"
_NO_FINAL = ("oai|oao|oay|oeo|uây|uôi|ươi|ươu|iêu|yêu|uya|uyu|"
             "ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|ơi|ua|ui|ưa|ưi|ưu|uơ")
_FINAL = "ch|ng|nh|c|m|n|p|t"
_SYLLABLE = re.compile(f"^(?P<initial>{_INITIAL})?(?:(?P<open>{_OPEN})(?P<final1>{_FINAL})?|"
                       f"(?P<need>{_NEED_FINAL})(?P<final2>{_FINAL})|(?P<closed>{_NO_FINAL}))$")
_STOP_FINALS = {"c", "ch", "p", "t"}
_STOP_TONES = {"\u0301", "\u0323"}  # sắc, nặng
_FRONT = ("e", "ê", "i", "y")
_BEFORE_NH = {"a", "ê", "i", "y", "oa", "uê", "uy"}
_TONE_MARKS = set(_TONES)
_SPLIT = re.compile(r"[\s,;:.!?()\[\]\"'/\-–]+")


# Which letter of the nucleus carries the tone mark (Vietnamese spelling puts it on the main
# vowel: "màu", "mía", "tiến", "người"); "oa", "oe", "uy" take it on either (hóa / hoá).
_TONE_AT = {"oa": (0, 1), "oe": (0, 1), "uy": (0, 1), "uê": (1,), "uâ": (1,),
            "oă": (1,), "iê": (1,), "yê": (1,), "uô": (1,), "ươ": (1,), "uơ": (1,),
            "uyê": (2,), "oai": (1,), "oao": (1,), "oay": (1,), "oeo": (1,), "uây": (1,),
            "uôi": (1,), "ươi": (1,), "ươu": (1,), "iêu": (1,), "yêu": (1,), "uya": (1,),
            "uyu": (1,)}


@lru_cache(maxsize=1 << 16)  # words repeat: a file has few distinct ones
def _is_syllable(word: str) -> bool:
    if not (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())):
        return False  # "NguyÔn": a capital inside a word is a legacy letter
    bare_chars, tone, toned_at = [], None, None
    for i, char in enumerate(unicodedata.normalize("NFC", word.lower())):
        parts = unicodedata.normalize("NFD", char)
        marks = [c for c in parts if c in _TONE_MARKS]
        if marks:
            if tone is not None or len(marks) > 1:
                return False  # two tone marks
            tone, toned_at = marks[0], i
        bare_chars.append(unicodedata.normalize("NFC", "".join(
            c for c in parts if c not in _TONE_MARKS)))
    bare = "".join(bare_chars)
    match = _SYLLABLE.match(bare) if len(bare) == len(bare_chars) else None
    if match is None:
        return False
    initial = match.group("initial") or ""
    kind = "open" if match.group("open") else "need" if match.group("need") else "closed"
    vowel, start = match.group(kind), match.start(kind)
    final = match.group("final1") or match.group("final2") or ""
    if tone is not None and toned_at - start not in _TONE_AT.get(vowel, (0,)):
        return False  # "Chaù": the tone is not on the main vowel
    if final in _STOP_FINALS and tone is not None and tone not in _STOP_TONES:
        return False
    if final in ("nh", "ch") and vowel not in _BEFORE_NH:
        return False  # "onh", "uch" are not Vietnamese spellings
    front = vowel.startswith(_FRONT)
    if (initial == "c" and front) or (initial in ("k", "gh", "ngh") and not front):
        return False
    return not (initial in ("g", "ng") and vowel[0] in ("e", "ê"))


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text) if w and not any(c in "0123456789" for c in w)]


# Latin-1's letters and symbols; letters and marks beyond Latin-1 (every character of these
# blocks is one), as Vietnamese Unicode text has: the loop below, in one search.
_LATIN1 = re.compile("[\u00a1-\u00ff]")
_BEYOND_LATIN1 = re.compile("[\u0100-\u024f\u0300-\u036f\u1e00-\u1eff]")


def _is_candidate(text: str) -> bool:
    """Latin-1 letters or symbols, and no letter that only Unicode has."""
    if text.isascii() or not _LATIN1.search(text) or _BEYOND_LATIN1.search(text):
        return False
    has_latin1 = False
    for char in text:
        code = ord(char)
        if 0xA1 <= code <= 0xFF:
            has_latin1 = True
        elif code > 0xFF and unicodedata.category(char)[0] in "LM":
            return False
    return has_latin1


def _gain(text: str, converted: str) -> tuple[int, int]:
    """(words made well-formed, well-formed words broken) by a conversion."""
    made = broken = 0
    for before, after in zip(_words(text), _words(converted)):
        if before == after:
            continue
        ok_before, ok_after = _is_syllable(before), _is_syllable(after)
        made += ok_after and not ok_before
        broken += ok_before and not ok_after
    return made, broken


def _restore_case(original: str, converted: str) -> str:
    """TCVN3 letters are lower case: "NGUYÔN" → "NGUYỄN", "¸nh" beside capitalised names → "Ánh"."""
    words_o, words_c = original.split(" "), converted.split(" ")
    if len(words_o) != len(words_c):
        return converted
    capitalised = sum(1 for w in words_o if w[:1].isascii() and w[:1].isupper())
    lettered = sum(1 for w in words_o if w[:1].isalpha() and w[:1].isascii())
    out = []
    for before, after in zip(words_o, words_c):
        ascii_letters = [c for c in before if c.isascii() and c.isalpha()]
        if len(ascii_letters) >= 2 and all(c.isupper() for c in ascii_letters):
            after = after.upper()
        elif after[:1].islower() and before[:1] != after[:1] and lettered and \
                capitalised == lettered:
            after = after[:1].upper() + after[1:]
        out.append(after)
    return " ".join(out)


@dataclass(frozen=True)
class Conversion:
    encoding: str
    before: str
    after: str

    @property
    def label(self) -> str:
        return LABELS[self.encoding]


def convert(text: str, encoding: str) -> str:
    return _convert(text, encoding)[0]


def _convert(text: str, encoding: str) -> tuple[str, int]:
    converted, strays = _decode(text, TABLES[encoding], STRAYS[encoding])
    if encoding == TCVN3:
        converted = _restore_case(text, converted)
    return unicodedata.normalize("NFC", converted), strays


@lru_cache(maxsize=1 << 16)  # a pure function of its text; cells repeat (names, places, lists)
def detect(text: str, hint: str | None = None) -> Conversion | None:
    """The conversion this cell needs, or None when it is (or may well be) Unicode already.

    `hint` is the encoding the rest of the row was found to use: a cell that would convert
    without breaking anything (VNI "Thò" is Thị, but "thò" is also a word) follows the row.
    """
    if not text or not _is_candidate(text):
        return None
    best: tuple[int, str, str] | None = None
    for encoding in (TCVN3, VNI):
        converted, strays = _convert(text, encoding)
        if converted == text or strays:
            continue
        made, broken = _gain(text, converted)
        score = made - broken
        if score <= 0 and not (encoding == hint and broken == 0):
            continue
        if best is None or score > best[0]:
            best = (score, encoding, converted)
        elif score == best[0] and hint not in (encoding, best[1]):
            return None  # both read as Vietnamese: do not guess
        elif score == best[0] and hint == encoding:
            best = (score, encoding, converted)
    if best is None:
        return None
    return Conversion(best[1], text, best[2])


def common_encoding(texts, minimum: int = 1) -> str | None:
    """The legacy encoding these texts (a row's cells) clearly share: at least `minimum` of
    them detected on their own, none in the other encoding. Used as the `hint` for the rest:
    rows are typed in one go, while a file may mix old rows and rows added in Unicode."""
    counts = {TCVN3: 0, VNI: 0}
    for text in texts:
        found = detect(text, None)  # the cache's key of a cell read without a hint, as _Row's
        if found is not None:
            counts[found.encoding] += 1
    for encoding, other in ((TCVN3, VNI), (VNI, TCVN3)):
        if counts[encoding] >= minimum and counts[other] == 0:
            return encoding
    return None
