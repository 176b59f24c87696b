"""Demo registry: about 320 persons in the ten demo communes, with timelines from 2020 to today.

Two steps, so the generator can be tested without a database:
- `generate_specs(seed, today)` is pure: it draws every person and event from one
  `random.Random(seed)`; the same seed and the same day always give the same specs.
- `load_persons(seed)` records the specs through the registry services (validate, then save),
  exactly as an officer would, and adds a few transfers between two communes.

The mix follows the seeds (Điện Biên / Tuần Giáo): almost all men, mostly Thái and Hmông in
the mountain communes and Kinh in the towns, mostly heroin, mostly farmers.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from .. import settings
from ..auth.models import Role, User
from ..extensions import db
from ..registry.models import Person
from ..registry.services import (add_event, decide_transfer, request_transfer, save_person,
                                 validate_event, validate_person)
from ..registry.vocab import EventKind
from ..timeutil import today_local
from ..units.models import Unit
from ..vntext import nfc

START = date(2020, 1, 1)
KINH, THAI, HMONG, KHMU = "01", "03", "08", "29"

# --- Communes: how many persons, who lives there, the villages ---------------------------------


@dataclass(frozen=True)
class Profile:
    count: int
    ethnic_mix: tuple[tuple[str, float], ...]
    agri_share: float
    villages: tuple[str, ...]


def _tdp(n: int) -> tuple[str, ...]:
    return tuple(f"Tổ dân phố {i}" for i in range(1, n + 1))


PROFILES: dict[str, Profile] = {
    "99101": Profile(36, ((KINH, .55), (THAI, .35), (HMONG, .05), (KHMU, .05)), .75,
                     ("Thôn Tân Tiến", "Thôn Hòa Bình", "Thôn Đoàn Kết", "Bản Na Há", "Bản Co Mị",
                      "Bản Huổi Lóng")),
    "99102": Profile(40, ((KINH, .15), (THAI, .60), (HMONG, .20), (KHMU, .05)), .85,
                     ("Bản Lạn", "Bản Nà Sản", "Bản Phiêng Ban", "Bản Huổi Một", "Bản Co Muông",
                      "Bản Pá Lông")),
    "99103": Profile(24, ((KINH, .75), (THAI, .20), (HMONG, .05)), .35, _tdp(8)),
    "99104": Profile(34, ((KINH, .05), (THAI, .15), (HMONG, .55), (KHMU, .25)), .9,
                     ("Bản Phiêng Cằm", "Bản Huổi Sáy", "Bản Pá Hốc", "Bản Nậm Piền",
                      "Bản Háng Lìa", "Bản Tà Cọ")),
    "99201": Profile(38, ((KINH, .15), (THAI, .75), (HMONG, .05), (KHMU, .05)), .85,
                     ("Bản Chiềng", "Bản Nà Lốc", "Bản Ten", "Bản Hốc", "Bản Xôm", "Bản Phiêng Cại")),
    "99202": Profile(34, ((KINH, .30), (THAI, .60), (HMONG, .10)), .8,
                     ("Bản Minh Thắng", "Bản Nong Tấu", "Bản Có", "Bản Quài Nưa", "Bản Hua Sát",
                      "Bản Món")),
    "99203": Profile(30, ((KINH, .05), (THAI, .10), (HMONG, .85)), .9,
                     ("Bản Phình Cứ", "Bản Ten Hon", "Bản Đề Chơ", "Bản Pú Nhung", "Bản Háng Chua",
                      "Bản Trạm Củ")),
    "99301": Profile(28, ((KINH, .85), (THAI, .15)), .15, _tdp(12)),
    "99302": Profile(22, ((KINH, .80), (THAI, .20)), .2, _tdp(10)),
    "99303": Profile(34, ((KINH, .30), (THAI, .50), (HMONG, .05), (KHMU, .15)), .75,
                     ("Bản Hua La", "Bản Noong Đúc", "Bản Mé", "Bản Cọ", "Bản Púng", "Bản Lọng Xẻ")),
}

# --- Names --------------------------------------------------------------------------------------

# (surnames with weights, male middle names, female middle names, male given, female given)
NAMES: dict[str, dict[str, tuple]] = {
    KINH: {
        "surnames": (("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 8), ("Hoàng", 6), ("Vũ", 5),
                     ("Đặng", 4), ("Bùi", 4), ("Đỗ", 4), ("Hồ", 2), ("Ngô", 3), ("Dương", 2),
                     ("Đinh", 2), ("Lý", 1), ("Đào", 2), ("Phan", 2), ("Tạ", 1), ("Mai", 1)),
        "middle_m": ("Văn", "Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Thanh",
                     "Ngọc", "Công", "Mạnh", "Tiến", "Duy"),
        "middle_f": ("Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc"),
        "given_m": ("Hùng", "Dũng", "Tuấn", "Hải", "Nam", "Long", "Thắng", "Cường", "Sơn", "Tùng",
                    "Hiếu", "Trung", "Quân", "Đạt", "Huy", "Phong", "Hoàng", "Kiên", "Thành",
                    "Bình", "Toàn", "Lâm", "Khánh", "Việt", "Tiến", "Hưng", "Duy", "Hòa", "Tâm",
                    "Vinh", "Chiến", "Đông", "Hậu", "Lợi", "Mạnh", "Nghĩa", "Quyết", "Thịnh",
                    "Trường", "Tú"),
        "given_f": ("Hoa", "Lan", "Hương", "Mai", "Hằng", "Nga", "Thủy", "Yến", "Linh", "Trang",
                    "Huyền", "Thảo"),
        "nicknames": ("Tý", "Tèo", "Bin", "Cu", "Tũn", "Bống", "Sún"),
    },
    THAI: {
        "surnames": (("Lò", 22), ("Quàng", 14), ("Lường", 12), ("Cà", 10), ("Tòng", 8), ("Lù", 5),
                     ("Điêu", 4), ("Vì", 5), ("Bạc", 3), ("Mè", 2), ("Hoàng", 3), ("Lê", 2)),
        "middle_m": ("Văn",),
        "middle_f": ("Thị",),
        "given_m": ("Pọm", "Ún", "Thanh", "Hặc", "Xôm", "Pánh", "Chăn", "Inh", "Hom", "Bun",
                    "Ngoan", "Xuân", "Thoại", "Sơn", "Biến", "Lả", "Ơn", "Khọ", "Chum", "Phiêng",
                    "Lún", "Tiến", "Hươn", "Pâng", "Cương", "Dũng", "Hải", "Quyết", "Kim", "Tươi",
                    "Hoan", "Ánh", "Khánh", "Ngọc", "Hiên", "Nọi", "Phanh", "Toản", "Xiêng", "Ban"),
        "given_f": ("Xuân", "Ỏn", "Ánh", "Dung", "Phương", "Inh", "Hiên", "Bun", "Lả", "Ngọc"),
        "nicknames": (),
    },
    HMONG: {
        "surnames": (("Giàng", 22), ("Sùng", 14), ("Vàng", 14), ("Lầu", 8), ("Mùa", 8), ("Thào", 10),
                     ("Lý", 6), ("Hạng", 5), ("Vừ", 5), ("Tráng", 4), ("Cứ", 3), ("Chá", 3),
                     ("Hờ", 2), ("Lù", 2)),
        "middle_m": ("A",),
        "middle_f": ("Thị",),
        "given_m": ("Páo", "Chứ", "Dính", "Sử", "Tủa", "Chớ", "Lềnh", "Dia", "Xềnh", "Sếnh", "Pó",
                    "Lử", "Chư", "Phềnh", "Sì", "Thề", "Vảng", "Nhìa", "Tếnh", "Của", "Giống",
                    "Chua", "Dế", "Lồng", "Chả", "Ký", "Cở", "Nếnh", "Sa", "Mua", "Súa", "Tống",
                    "Khua", "Xì", "Dình", "Lâu", "Chông", "Pằng", "Thông", "Vư"),
        "given_f": ("Mỷ", "Dợ", "Chía", "Mai", "Sua", "Pà", "Dung", "Súa", "Dia", "Chò"),
        "nicknames": (),
    },
    KHMU: {
        "surnames": (("Quàng", 30), ("Lò", 20), ("Vì", 15), ("Cút", 10), ("Lường", 10), ("Tòng", 8)),
        "middle_m": ("Văn",),
        "middle_f": ("Thị",),
        "given_m": ("Phăn", "Xiêng", "Khăm", "Bun", "Sinh", "Thoong", "Ít", "Piêng", "Kiên", "Chăn",
                    "Thịnh", "Hòm", "Phới", "Lả", "Nọi", "Ón", "Sen", "Kẻo", "Đôi", "Ơn"),
        "given_f": ("Ín", "Bun", "Xuân", "Ón", "Phon", "Kẻo"),
        "nicknames": (),
    },
}

# --- Other fields -------------------------------------------------------------------------------

AGRI = (("Làm ruộng", 5), ("Làm nương", 4), ("Trồng trọt, chăn nuôi", 1))
AGRI_HIGHLAND = (("Làm nương", 6), ("Làm ruộng", 2), ("Trồng trọt, chăn nuôi", 1))
NON_AGRI = (("Lao động tự do", 10), ("Lái xe", 2), ("Công nhân", 2), ("Buôn bán", 2),
            ("Thợ xây", 2), ("Sửa chữa xe máy", 1), ("Làm thuê", 2))
DRUG_WEIGHTS = (("heroin", 75), ("synthetic", 20), ("cannabis", 3), ("other", 2))
OTHER_DRUGS = {
    "heroin": ("Ma túy tổng hợp (ma túy đá)", "Thuốc phiện", "Ma túy đá, thuốc lắc"),
    "synthetic": ("Thuốc lắc", "Heroin", "Cần sa"),
    "cannabis": ("Ma túy đá",),
    "other": ("Thuốc phiện",),
}
TEST_NOTES = {
    "heroin": "Test nhanh nước tiểu dương tính với chất ma túy nhóm Opiate (MOP).",
    "synthetic": "Test nhanh nước tiểu dương tính với chất ma túy nhóm Methamphetamine (MET).",
    "cannabis": "Test nhanh nước tiểu dương tính với chất ma túy nhóm Cần sa (THC).",
    "other": "Test nhanh nước tiểu dương tính với chất ma túy nhóm Opiate (MOP).",
}
PERSON_NOTES = (
    "Gia đình hợp tác, quản lý chặt chẽ.",
    "Thường xuyên đi làm ăn xa, khó quản lý.",
    "Có tiền án về tội tàng trữ trái phép chất ma túy.",
    "Đã cai nghiện bắt buộc tại Cơ sở cai nghiện ma túy tỉnh năm 2018.",
    "Hoàn cảnh khó khăn, thuộc hộ nghèo.",
    "Đã được tư vấn về điều trị nghiện bằng thuốc Methadone.",
    "Đang được hỗ trợ học nghề.",
)
SUSPECTED_NOTES = (
    "Theo báo cáo của Công an xã, có biểu hiện sử dụng ma túy; chưa xét nghiệm.",
    "Trưởng bản phản ánh có biểu hiện nghiện; chưa xác định tình trạng nghiện.",
    "Nghi nghiện từ trước năm 2022, chưa có kết quả xác định.",
)
CLOSING_NOTES = {
    "term_ended": ("Hết thời hạn quản lý, không phát hiện sử dụng trái phép chất ma túy.",),
    "prison": ("Chấp hành án phạt tù về tội tàng trữ trái phép chất ma túy.",
               "Chấp hành án phạt tù về tội mua bán trái phép chất ma túy.",
               "Chấp hành án phạt tù về tội trộm cắp tài sản."),
    "moved_away": ("Chuyển đến tỉnh Sơn La sinh sống cùng gia đình.",
                   "Đi làm ăn tại tỉnh Bình Dương, đã thông báo cho Công an nơi đến.",
                   "Chuyển đến tỉnh Lai Châu sinh sống."),
    "death": ("Chết do sốc thuốc.", "Chết do bệnh.", "Chết do tai nạn giao thông."),
    "entry_error": ("Nhập trùng hồ sơ.", "Nhập nhầm: người này không cư trú tại địa phương."),
}
PHONE_PREFIXES = ("96", "97", "98", "86", "32", "33", "34", "35", "36", "37", "38", "39", "91",
                  "94", "88", "83", "84", "85", "81", "82", "70", "76", "77", "78", "79")
# CCCD province-of-birth codes: mostly Điện Biên, some neighbours.
ID_PROVINCES = (("011", 85), ("014", 8), ("012", 4), ("001", 3))

# How many persons of each kind of timeline (the rest are addicts); see _timeline.
CLOSED_REASONS = (("term_ended", 12), ("prison", 8), ("moved_away", 6), ("death", 4),
                  ("entry_error", 2))
CATEGORY_COUNTS = (("suspected", 26), ("term_soon", 15), ("user_active", 30),
                   ("user_overdue", 4), ("relapse_user", 4), ("addict_recent", 6))


# --- Specs --------------------------------------------------------------------------------------

@dataclass
class EventSpec:
    kind: EventKind
    data: dict


@dataclass
class PersonSpec:
    commune: str  # unit code
    fields: dict  # the person's data for validate_person, without "unit"
    events: list[EventSpec] = field(default_factory=list)
    transfer: str | None = None  # "accepted" or "pending": the file moves to `transfer_to`
    transfer_to: str | None = None


class _Gen:
    """One generation run: the random source, today, and what must stay unique."""

    def __init__(self, seed: int, today: date):
        self.rng = random.Random(seed)
        self.today = today
        self.term = relativedelta(months=settings.get("management_term_months"))
        self.ids: list[str] = []  # a list, not a set: nothing here may depend on hash order
        self.names: dict[tuple[str, int], bool] = {}
        from . import TREE  # the package is loaded by the time this runs

        self.unit_names: dict[str, str] = {}
        self.parent: dict[str, str] = {}
        for (pcode, pname, _), districts in TREE.items():
            self.unit_names[pcode] = pname
            for (dcode, dname, _), communes in districts.items():
                self.unit_names[dcode] = dname
                for ccode, cname, _ in communes:
                    self.unit_names[ccode] = cname
                    self.parent[ccode] = dcode
        self.province_name = next(iter(TREE))[1]

    # Random helpers
    def weighted(self, pairs):
        values = [v for v, _ in pairs]
        return self.rng.choices(values, weights=[w for _, w in pairs])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def between(self, lo: date, hi: date) -> date:
        return lo + timedelta(days=self.rng.randint(0, (hi - lo).days))

    def digits(self, n: int) -> str:
        return "".join(str(self.rng.randint(0, 9)) for _ in range(n))

    # Names
    def name(self, ethnicity: str, sex: str) -> tuple[str, str]:
        table = NAMES[ethnicity]
        surname = self.weighted(table["surnames"])
        middle, given = self._middle_given(table, sex)
        return nfc(f"{surname} {middle} {given}"), given

    def _middle_given(self, table: dict, sex: str) -> tuple[str, str]:
        middle = self.rng.choice(table["middle_m" if sex == "M" else "middle_f"])
        while True:
            given = self.rng.choice(table["given_m" if sex == "M" else "given_f"])
            if given != middle:
                return middle, given

    def relative(self, ethnicity: str, surname: str, sex: str) -> str:
        table = NAMES[ethnicity]
        surname = surname if sex == "M" else self.weighted(table["surnames"])
        middle, given = self._middle_given(table, sex)
        return nfc(f"{surname} {middle} {given}")

    def phone(self) -> str:
        return "0" + self.rng.choice(PHONE_PREFIXES) + self.digits(7)

    def id_number(self, sex: str, year: int) -> str:
        century = (year // 100) - 19  # 0 for 19xx, 1 for 20xx
        digit = str(century * 2 + (0 if sex == "M" else 1))
        province = self.weighted(ID_PROVINCES)
        while True:
            number = f"{province}{digit}{year % 100:02d}{self.digits(6)}"
            if number not in self.ids:
                self.ids.append(number)
                return number

    # Place words
    def lower_unit(self, code: str) -> str:
        """The unit's name as it reads inside a sentence: "Xã Tân Hòa" → "xã Tân Hòa"."""
        name = self.unit_names[code]
        return name[0].lower() + name[1:]

    def address(self, commune: str, village: str) -> str:
        district = self.parent[commune]
        return (f"{village}, {self.unit_names[commune]}, {self.unit_names[district]}, "
                f"{self.province_name}")


def _working_days(day: date, n: int, step: int = 1) -> date:
    while n > 0:
        day += timedelta(days=step)
        if day.weekday() < 5:
            n -= 1
    return day


def generate_specs(seed: int, today: date) -> list[PersonSpec]:
    """Every demo person and their timeline; pure (no database), deterministic in (seed, today)."""
    g = _Gen(seed, today)
    total = sum(p.count for p in PROFILES.values())
    categories: list[str] = []
    for name, n in CATEGORY_COUNTS:
        categories += [name] * n
    for reason, n in CLOSED_REASONS:
        categories += ["closed:" + reason] * n
    categories += ["addict"] * (total - len(categories))
    g.rng.shuffle(categories)

    specs: list[PersonSpec] = []
    index = 0
    for commune, profile in PROFILES.items():
        for _ in range(profile.count):
            specs.append(_person(g, commune, profile, categories[index]))
            index += 1
    _number_documents(g, specs)
    _choose_transfers(g, specs)
    for spec in specs:
        _check(spec, today)
    return specs


def _age(g: _Gen, adult_only: bool) -> int:
    if not adult_only and g.chance(.02):
        return g.rng.randint(16, 17)
    band = g.weighted((((18, 24), 15), ((25, 34), 38), ((35, 44), 30), ((45, 55), 15),
                       ((56, 62), 2)))
    return g.rng.randint(*band)


def _earliest(fields: dict) -> date:
    """First day an event may carry: from 2020, and not before the age of 14 (law: from 12)."""
    if fields["birth_date"]:
        born = fields["birth_date"]
        at14 = born + relativedelta(years=14)
    else:
        at14 = date(fields["birth_year"] + 15, 1, 1)  # birthday unknown: a year of margin
    return max(START, at14)


def _person(g: _Gen, commune: str, profile: Profile, category: str) -> PersonSpec:
    rng = g.rng
    ethnicity = g.weighted(profile.ethnic_mix)
    sex = "F" if g.chance(.03) else "M"
    while True:
        full_name, given = g.name(ethnicity, sex)
        age = _age(g, adult_only=False)
        birth_date = None
        if g.chance(.4):  # full date of birth, consistent with the age today
            latest = g.today - relativedelta(years=age)
            birth_date = g.between(latest - relativedelta(years=1) + timedelta(days=1), latest)
            year = birth_date.year
        else:
            year = g.today.year - age
        if (full_name, year) not in g.names:
            g.names[(full_name, year)] = True
            break
    highland = ethnicity in (HMONG, KHMU)
    if g.chance(profile.agri_share):
        group, occupation = "agri", g.weighted(AGRI_HIGHLAND if highland else AGRI)
    else:
        group, occupation = "non_agri", g.weighted(NON_AGRI)
    if sex == "F":
        drug = g.weighted((("heroin", 50), ("synthetic", 50)))
    else:
        drug = g.weighted(DRUG_WEIGHTS)
    village = rng.choice(profile.villages)
    address = village  # the commune itself is the person's unit; the address is the village
    current = None
    if g.chance(.08):
        current = g.address(commune, rng.choice(profile.villages))
    surname = full_name.split()[0]
    contact = None
    if g.chance(.8):
        if sex == "M" and age >= 22 and g.chance(.5):
            relation, relative = "Vợ", g.relative(ethnicity, surname, "F")
        elif g.chance(.6):
            relation, relative = "Bố", g.relative(ethnicity, surname, "M")
        else:
            relation, relative = "Mẹ", g.relative(ethnicity, surname, "F")
        contact = f"{relation}: {relative}"
        if g.chance(.6):
            contact += f", SĐT {g.phone()}"
    other_names = None
    if g.chance(.08):
        nicknames = NAMES[ethnicity]["nicknames"]
        if nicknames:
            other_names = rng.choice(nicknames)
        else:
            other_names = f"A {given}" if ethnicity == HMONG else given
    notes = None
    if category == "suspected":
        notes = rng.choice(SUSPECTED_NOTES)
    elif g.chance(.15):
        notes = rng.choice(PERSON_NOTES)
    fields = {
        "full_name": full_name,
        "other_names": other_names,
        "sex": sex,
        "birth_date": birth_date,
        "birth_year": year,
        "id_number": g.id_number(sex, year) if g.chance(.6) else None,
        "ethnicity": ethnicity,
        "occupation": occupation,
        "occupation_group": group,
        "address": address,
        "current_address": current,
        "phone": g.phone() if g.chance(.5) else None,
        "family_contact": contact,
        "main_drug": drug,
        "other_drugs": rng.choice(OTHER_DRUGS[drug]) if g.chance(.15) or drug == "other" else None,
        "injecting": drug == "heroin" and sex == "M" and g.chance(.3),
        "notes": notes,
    }
    spec = PersonSpec(commune, fields)
    spec.events = _timeline(g, spec, category)
    return spec


# --- Timelines ----------------------------------------------------------------------------------

class _Infeasible(Exception):
    """The window for this timeline is empty (a very young person): draw again."""


def _timeline(g: _Gen, spec: PersonSpec, category: str) -> list[EventSpec]:
    if category == "suspected":
        return []
    for _ in range(20):
        try:
            return _build(g, spec, category)
        except _Infeasible:
            # Too young for this history: make them an adult of the same name and try again.
            year = g.today.year - _age(g, adult_only=True)
            while (spec.fields["full_name"], year) in g.names:
                year -= 1
            g.names[(spec.fields["full_name"], year)] = True
            spec.fields["birth_year"] = year
            spec.fields["birth_date"] = None
            if spec.fields["id_number"]:
                g.ids.remove(spec.fields["id_number"])
                spec.fields["id_number"] = g.id_number(spec.fields["sex"], year)
    raise AssertionError(f"no feasible timeline for {spec.fields['full_name']}")


def _build(g: _Gen, spec: PersonSpec, category: str) -> list[EventSpec]:
    rng, today = g.rng, g.today
    earliest = _earliest(spec.fields)
    commune = spec.commune
    district = g.parent[commune]
    drug = spec.fields["main_drug"]
    events: list[EventSpec] = []

    def window(lo: date, hi: date) -> date:
        lo = max(lo, earliest)
        if lo > hi:
            raise _Infeasible
        return g.between(lo, hi)

    def test(on: date) -> date:
        facility = (f"Trạm Y tế {g.lower_unit(commune)}" if g.chance(.85)
                    else f"Trung tâm Y tế {g.lower_unit(district)}")
        events.append(EventSpec(EventKind.POSITIVE_TEST, {
            "event_date": on, "facility": facility, "note": TEST_NOTES[drug]}))
        return on

    def management(on: date) -> date:
        village = spec.fields["address"].split(",")[0]
        leader = "tổ trưởng" if village.startswith("Tổ") else "trưởng"  # bản, thôn: trưởng
        head = f"{leader} {village[0].lower()}{village[1:]}"
        police = "Công an " + g.lower_unit(commune)
        events.append(EventSpec(EventKind.MANAGEMENT, {
            "event_date": on, "doc_number": None,  # numbered in date order afterwards
            "signer": f"Chủ tịch UBND {g.lower_unit(commune)}",
            "note": (f"Tổ quản lý: {police} (tổ trưởng), {head} (tổ phó), đại diện gia đình, "
                     f"Đoàn Thanh niên {g.lower_unit(commune)}.")}))
        return on

    def test_and_management(on: date) -> date:
        """A positive test and, within three working days, the management decision."""
        test(on)
        decided = _working_days(on, rng.choice((0, 1, 1, 2, 2, 3)))
        return management(min(decided, today))

    def determination(on: date, addicted: bool) -> date:
        events.append(EventSpec(EventKind.DETERMINATION, {
            "event_date": on, "doc_number": None, "addicted": addicted,
            "facility": f"Trung tâm Y tế {g.lower_unit(district)}",
            "signer": f"Giám đốc Trung tâm Y tế {g.lower_unit(district)}",
            "note": None if addicted else ("Không đủ tiêu chuẩn chẩn đoán nghiện; tiếp tục "
                                           "quản lý người sử dụng trái phép chất ma túy.")}))
        return on

    def closing(on: date, reason: str) -> date:
        data = {"event_date": on, "reason": reason, "note": rng.choice(CLOSING_NOTES[reason])}
        if reason == "term_ended":
            data.update(doc_number=None, signer=f"Chủ tịch UBND {g.lower_unit(commune)}")
        events.append(EventSpec(EventKind.CLOSING, data))
        return on

    def addict_history(lo: date, hi: date, latest: date) -> date:
        """Test, usually a management decision, then determined addicted (by `latest`);
        returns the day of the determination."""
        first = window(lo, hi)
        if g.chance(.15):  # determined addicted straight after the test: no management decision
            test(first)
            return determination(min(first + timedelta(days=rng.randint(1, 20)), latest), True)
        decided = test_and_management(first)
        gap = rng.randint(10, 60) if g.chance(.6) else rng.randint(60, 300)
        return determination(min(decided + timedelta(days=gap), latest), True)

    year_ago = today - g.term
    if category == "addict":
        if g.chance(.08):  # an earlier term that ended, then a relapse
            decided = test_and_management(window(START, year_ago - timedelta(days=200)))
            ended = closing(decided + g.term + timedelta(days=rng.randint(1, 20)), "term_ended")
            addict_history(ended + timedelta(days=30), today - timedelta(days=40), today)
        else:
            addict_history(START, today - timedelta(days=40), today)
    elif category == "addict_recent":
        decided = test_and_management(window(today - timedelta(days=230), today - timedelta(days=40)))
        determination(window(max(decided + timedelta(days=1), today - timedelta(days=30)),
                             today - timedelta(days=1)), True)
    elif category == "term_soon":
        # Term (from the decision) ends within the next 1–28 days.
        decided = (today + timedelta(days=rng.randint(1, 28))) - g.term
        tested = _working_days(decided, rng.choice((0, 1, 2)), step=-1)
        window(tested, tested)  # feasibility only
        test(tested)
        management(decided)
        if g.chance(.2):
            determination(decided + timedelta(days=rng.randint(20, 90)), False)
    elif category == "user_active":
        if g.chance(.1):  # a new use during the term restarts a fresh year
            first = test_and_management(window(today - timedelta(days=640),
                                               today - timedelta(days=420)))
            again = window(max(first + timedelta(days=60), today - timedelta(days=300)),
                           min(first + timedelta(days=350), today - timedelta(days=5)))
            test_and_management(again)
        else:
            decided = test_and_management(window(today - timedelta(days=300),
                                                 today - timedelta(days=3)))
            if g.chance(.2) and decided + timedelta(days=20) < today:
                determination(window(decided + timedelta(days=20),
                                     min(decided + timedelta(days=120), today)), False)
    elif category == "user_overdue":
        # Term ended some weeks ago and the officer has not closed the file yet.
        test_and_management(window(year_ago - timedelta(days=90), year_ago - timedelta(days=10)))
    elif category == "relapse_user":
        decided = test_and_management(window(START, year_ago - timedelta(days=400)))
        ended = closing(decided + g.term + timedelta(days=rng.randint(1, 20)), "term_ended")
        test_and_management(window(max(ended + timedelta(days=60), today - timedelta(days=300)),
                                   today - timedelta(days=5)))
    elif category.startswith("closed:"):
        reason = category.split(":", 1)[1]
        if reason == "term_ended":
            decided = test_and_management(window(START, year_ago - timedelta(days=30)))
            if g.chance(.2):
                determination(decided + timedelta(days=rng.randint(20, 90)), False)
            closing(min(decided + g.term + timedelta(days=rng.randint(1, 20)), today), reason)
        elif reason == "entry_error":
            decided = test_and_management(window(START, today - timedelta(days=60)))
            closing(decided + timedelta(days=rng.randint(2, 30)), reason)
        else:
            if g.chance(.7):
                last = addict_history(START, today - timedelta(days=150),
                                      today - timedelta(days=30))
            else:
                last = test_and_management(window(START, today - timedelta(days=150)))
            closing(window(last + timedelta(days=15), today - timedelta(days=1)), reason)
    else:
        raise ValueError(category)
    return events


def _number_documents(g: _Gen, specs: list[PersonSpec]) -> None:
    """Decision and result numbers run in date order per issuer and year, as in a register."""
    entries = []
    for order, spec in enumerate(specs):
        for ev in spec.events:
            if "doc_number" not in ev.data:
                continue
            if ev.kind == EventKind.DETERMINATION:
                issuer, suffix = g.parent[spec.commune], "KQ-TTYT"
            else:
                issuer, suffix = spec.commune, "QĐ-UBND"
            entries.append((ev.data["event_date"], issuer, order, ev, suffix))
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    counters: dict[tuple[str, int, str], int] = {}
    for on, issuer, _, ev, suffix in entries:
        key = (issuer, on.year, suffix)
        # The office issues other documents too: numbers grow with the day of the year
        # (a commune people's committee signs roughly one decision a day, a medical centre fewer).
        per_day = 0.9 if suffix == "QĐ-UBND" else 0.35
        expected = int(on.timetuple().tm_yday * per_day) + g.rng.randint(0, 3)
        counters[key] = max(counters.get(key, 0) + 1, expected)
        ev.data["doc_number"] = f"{counters[key]}/{suffix}"


def _choose_transfers(g: _Gen, specs: list[PersonSpec]) -> None:
    """Two accepted transfers between 99101 and 99102 (one each way) and one pending."""
    def open_files(code: str) -> list[PersonSpec]:
        return [s for s in specs if s.commune == code and s.events
                and s.events[-1].kind != EventKind.CLOSING]

    plan = [("99101", "99102", "accepted"), ("99102", "99101", "accepted"),
            ("99101", "99102", "pending")]
    for source, target, status in plan:
        candidates = [s for s in open_files(source) if s.transfer is None]
        spec = g.rng.choice(candidates)
        spec.transfer, spec.transfer_to = status, target
        spec.fields["current_address"] = g.address(target, g.rng.choice(PROFILES[target].villages))


def _check(spec: PersonSpec, today: date) -> None:
    """The generator's own guarantees: dates within [earliest, today] and in order."""
    earliest = _earliest(spec.fields)
    previous = earliest
    for ev in spec.events:
        on = ev.data["event_date"]
        assert previous <= on <= today, (spec.fields["full_name"], ev.kind, on)
        previous = on


# --- Loading ------------------------------------------------------------------------------------

def load_persons(seed: int = 2026) -> int:
    """Record the demo persons through the registry services; returns how many were created.

    The services flush after every save and every event; autoflush is switched off so the
    reads in between (the timeline refresh) do not add a second flush each, which halves the
    time. Every write still goes through validate_* and save_person / add_event.
    """
    today = today_local()
    specs = generate_specs(seed, today)
    db.session.flush()  # the demo users need their ids (created_by)
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(PROFILES)))}
    users = db.session.scalars(select(User).where(User.is_demo.is_(True)).order_by(User.id)).all()
    officers = {u.unit.code: u for u in users if u.role == Role.COMMUNE}
    province = next(u for u in users if u.role == Role.PROVINCE)

    moving: list[tuple[PersonSpec, Person]] = []
    with db.session.no_autoflush:
        for spec in specs:
            actor = officers.get(spec.commune, province)
            data = dict(spec.fields, unit=units[spec.commune])
            errors = validate_person(data, actor, today)
            if errors:
                raise AssertionError(f"{spec.fields['full_name']}: {errors}")
            person = save_person(None, data, actor)
            for ev in spec.events:
                event_data = dict(ev.data)
                errors = validate_event(person, ev.kind, event_data, today)
                if errors:
                    raise AssertionError(f"{spec.fields['full_name']} {ev.kind}: {errors}")
                add_event(person, ev.kind, event_data, actor)
            if spec.transfer:
                moving.append((spec, person))
        db.session.flush()

        for spec, person in moving:
            sender, receiver = officers[spec.commune], officers[spec.transfer_to]
            village = spec.fields["current_address"].split(",")[0]
            request = request_transfer(
                person, units[spec.transfer_to], sender,
                f"Đối tượng đã chuyển đến {village}, {units[spec.transfer_to].name} sinh sống.")
            if spec.transfer == "accepted":
                decide_transfer(request, True, receiver)
    db.session.flush()
    return len(specs)
