"""The criteria seeded by the migration: an EXAMPLE, written in our own words.

Administrators check each one against the text of Decision 28/2025/QĐ-TTg and correct it on the
criteria page; a criterion stays marked "seeded" (shown as "mẫu, cần đối chiếu") until then.
Rows: (code, label, kind, metric, threshold). Computed criteria pass when the metric counted
from the registry at the year's end is at most the threshold.
"""
from __future__ import annotations

SEED = [
    ("unmanaged_users", "Không còn người sử dụng trái phép chất ma túy trên địa bàn chưa có "
     "quyết định quản lý còn hiệu lực (tính đến cuối năm)", "computed", "unmanaged", 0),
    ("untreated_addicts", "Không còn người nghiện ma túy trên địa bàn chưa được cai nghiện, "
     "điều trị (tính đến cuối năm)", "computed", "untreated", 0),
    ("addicts_max", "Số người nghiện ma túy trên địa bàn không vượt quá ngưỡng (tính đến cuối "
     "năm)", "computed", "addicts", 0),
    ("no_crime", "Không phát hiện tội phạm về ma túy trên địa bàn trong năm", "entered", None,
     None),
    ("no_hotspot", "Không có tụ điểm, điểm phức tạp về ma túy trên địa bàn", "entered", None,
     None),
    ("no_cultivation", "Không phát hiện trồng cây có chứa chất ma túy trên địa bàn", "entered",
     None, None),
]


def seed_rows() -> list[dict]:
    return [{"code": code, "label": label, "kind": kind, "metric": metric,
             "threshold": threshold, "position": i, "valid_from": None, "valid_to": None,
             "seeded": True}
            for i, (code, label, kind, metric, threshold) in enumerate(SEED, start=1)]
