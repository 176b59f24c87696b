"""Audit entries shown to officers: field names and values in Vietnamese, never stored codes."""
from __future__ import annotations

from webapp.audit.display import describe
from webapp.audit.models import AuditEvent


def shown(row) -> list[tuple[str, str | None, str | None]]:
    return [(c.label, c.old, c.new) for c in row.changes]


def test_treatment_entries_read_as_officers_say_them():
    rows = describe([
        AuditEvent(action="update", object_type="PostRehabTerm", changes={
            "status": ["active", "stopped"], "ended_on": [None, "2026-11-28"],
            "end_reason": [None, "relapsed"], "person_id": [7, 7]}),
        AuditEvent(action="create", object_type="PostRehabActivity", changes={
            "kind": [None, "drug_test"], "on": [None, "2026-03-02"], "positive": [None, True],
            "term_id": [None, 3]}),
        AuditEvent(action="update", object_type="MethadonePeriod", changes={
            "stop_reason": [None, "dropped"], "end_date": [None, "2026-04-30"]}),
        AuditEvent(action="create", object_type="RehabEpisode", changes={
            "form": [None, "compulsory"], "outcome": [None, None]}),
    ])
    assert [r.what for r in rows] == ["Sửa quản lý sau cai", "Tạo mới hoạt động sau cai",
                                      "Sửa điều trị Methadone", "Tạo mới đợt cai nghiện"]
    assert shown(rows[0]) == [("Trạng thái", "Đang quản lý sau cai", "Chấm dứt"),
                              ("Ngày chấm dứt", None, "28/11/2026"),
                              ("Lý do chấm dứt", None, "Tái nghiện")]
    assert shown(rows[1]) == [("Hoạt động", None, "Xét nghiệm ma túy"),
                              ("Ngày", None, "02/03/2026"),
                              ("Kết quả xét nghiệm", None, "Dương tính")]
    assert shown(rows[2]) == [("Lý do ngừng", None, "Bỏ điều trị"),
                              ("Ngày ngừng điều trị", None, "30/04/2026")]
    assert shown(rows[3]) == [("Hình thức cai nghiện", None, "Cai nghiện bắt buộc"),
                              ("Kết quả", None, None)]


def test_booleans_say_yes_or_no_and_a_determination_says_addicted_or_not():
    person, event = describe([
        AuditEvent(action="update", object_type="Person", changes={"injecting": [False, True]}),
        AuditEvent(action="create", object_type="PersonEvent", changes={
            "kind": [None, "determination"], "addicted": [None, False],
            "event_date": [None, "2025-11-28"]}),
    ])
    assert shown(person) == [("Tiêm chích", "Không", "Có")]
    assert shown(event) == [("Loại sự kiện", None, "Xác định tình trạng nghiện ma túy"),
                            ("Kết luận", None, "Không nghiện"), ("Ngày", None, "28/11/2025")]


def test_an_unknown_code_is_shown_as_stored_rather_than_hidden():
    (row,) = describe([AuditEvent(action="update", object_type="Person",
                                  changes={"main_drug": ["heroin", "ketamine"]})])
    assert shown(row) == [("Loại ma túy sử dụng", "Heroin", "ketamine")]


def test_a_void_reads_as_a_void_with_its_reason_and_local_time():
    row, = describe([AuditEvent(action="update", object_type="RehabEpisode", changes={
        "voided_at": [None, "2026-12-02T06:30:00"], "void_reason": [None, "Ghi nhầm người"]})])
    assert row.what == "Hủy (ghi nhầm) đợt cai nghiện"
    assert shown(row) == [("Hủy (ghi nhầm) lúc", None, "13:30 02/12/2026"),
                          ("Lý do hủy", None, "Ghi nhầm người")]
