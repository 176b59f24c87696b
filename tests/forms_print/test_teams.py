"""The management team of a decision: one leader, one counsellor, changes with a reason, a
member removed is voided not deleted; "the persons counselled by this member", in scope."""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.teams.models import TeamMember

TEAM = {"full_name-0": "Đinh Công Lý", "role-0": "leader", "position-0": "Công an xã",
        "full_name-1": "Quàng Văn Hải", "role-1": "deputy",
        "full_name-2": "Hoàng Thị Lan", "role-2": "family", "counsellor": "2"}


def _url(managed):
    return f"/persons/{managed['person']}/teams/event/{managed['decision']}"


def _members(app):
    with app.app_context():
        return [(m.full_name, m.role, m.counsels, m.voided)
                for m in db.session.scalars(select(TeamMember).order_by(TeamMember.id))]


def test_a_team_without_a_leader_is_refused(app, login_as, managed):
    client = login_as("xa")
    response = client.post(_url(managed), data={**TEAM, "role-0": "mass_org"})
    assert response.status_code == 422
    assert "Tổ quản lý phải có tổ trưởng (cán bộ Công an xã)." in response.get_data(as_text=True)
    assert _members(app) == []


def test_two_leaders_or_no_counsellor_are_refused(app, login_as, managed):
    client = login_as("xa")
    body = client.post(_url(managed), data={**TEAM, "role-1": "leader"}).get_data(as_text=True)
    assert "Tổ quản lý chỉ có một tổ trưởng." in body
    no_counsellor = {k: v for k, v in TEAM.items() if k != "counsellor"}
    response = client.post(_url(managed), data=no_counsellor)
    assert response.status_code == 422
    assert "phân công một thành viên giúp đỡ" in response.get_data(as_text=True)
    assert _members(app) == []


def test_a_member_without_a_role_is_refused_beside_the_row(app, login_as, managed):
    client = login_as("xa")
    response = client.post(_url(managed), data={**TEAM, "role-1": ""})
    assert response.status_code == 422
    assert "Vui lòng chọn vai trò trong tổ." in response.get_data(as_text=True)
    assert _members(app) == []


def test_the_team_is_shown_on_the_file_and_changed_only_with_a_reason(app, login_as, managed):
    client = login_as("xa")
    assert client.post(_url(managed), data=TEAM).status_code == 303
    page = client.get(f"/persons/{managed['person']}").get_data(as_text=True)
    assert "Tổ quản lý" in page and "Đinh Công Lý" in page and "Giúp đỡ, cảm hóa" in page
    # Removing the deputy needs a reason; then the deputy is voided, not deleted.
    with app.app_context():
        ids = [m.id for m in db.session.scalars(select(TeamMember).order_by(TeamMember.id))]
    change = {"id-0": ids[0], "full_name-0": "Đinh Công Lý", "role-0": "leader",
              "id-1": ids[1], "full_name-1": "", "role-1": "deputy",
              "id-2": ids[2], "full_name-2": "Hoàng Thị Lan", "role-2": "family",
              "counsellor": "2"}
    response = client.post(_url(managed), data=change)
    assert response.status_code == 422
    assert "vui lòng nhập lý do thay đổi" in response.get_data(as_text=True)
    assert client.post(_url(managed), data={**change, "why": "Chuyển công tác"}).status_code == 303
    assert _members(app) == [("Đinh Công Lý", "leader", False, False),
                             ("Quàng Văn Hải", "deputy", False, True),
                             ("Hoàng Thị Lan", "family", True, False)]


def test_another_commune_cannot_see_or_change_the_team(app, login_as, managed):
    assert login_as("xa2").get(_url(managed)).status_code == 404
    assert login_as("xa2").post(_url(managed), data=TEAM).status_code == 404
    assert login_as("huyen").post(_url(managed), data=TEAM).status_code == 403
    assert _members(app) == []


def test_the_persons_counselled_by_a_member_within_the_scope(app, login_as, managed):
    client = login_as("xa")
    client.post(_url(managed), data=TEAM)
    found = client.get("/teams/counselled?name=hoang thi lan").get_data(as_text=True)
    assert "Hoàng Văn Thắng" in found
    # The leader counsels nobody; another commune finds nothing of xa's.
    assert "Hoàng Văn Thắng" not in client.get("/teams/counselled?name=dinh cong").get_data(
        as_text=True)
    assert "Hoàng Văn Thắng" not in login_as("xa2").get(
        "/teams/counselled?name=hoang thi lan").get_data(as_text=True)
    assert "Hoàng Văn Thắng" in login_as("huyen").get(
        "/teams/counselled?name=Hoàng Thị Lan").get_data(as_text=True)
