"""Legal durations and thresholds, with the defaults of the law (domain.md).

Read through `get()` so a later settings page (stored in the database) can override them
without touching the callers; decisions already recorded keep the values they were made with.
"""
from __future__ import annotations

DEFAULTS: dict[str, object] = {
    # Decree 105/2021: a management decision for an illegal user lasts one year.
    "management_term_months": 12,
    # Law 73/2021 applies from age 12; younger persons cannot be on the registry.
    "min_age": 12,
    # Age bands of the reports: (label, from age inclusive, to age exclusive or None).
    "age_bands": [
        ("Dưới 14", 0, 14),
        ("Từ 14 đến dưới 16", 14, 16),
        ("Từ 16 đến dưới 18", 16, 18),
        ("Từ 18 đến dưới 30", 18, 30),
        ("Từ 30 trở lên", 30, None),
    ],
    # Worklist horizon: terms ending within this many days.
    "due_soon_days": 30,
}


def get(key: str):
    return DEFAULTS[key]
