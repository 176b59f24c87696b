"""Demo data: the fictional three-tier province Mai Sơn (the name the first seed uses), under
the national root (the ministry, C04).

Official codes are 2 digits (province), 3 (district) and 5 (commune); the demo uses 99…,
which no real unit has, so official units can be loaded beside it.
"""
from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select

from ..auth.models import Role, User
from ..extensions import db
from ..units.models import Unit
from ..dossier.demo import load_documents
from ..units.services import add_unit, national_root
from .periodic import load_periodic
from .persons import load_persons
from .reports import load_submissions
from .treatment import load_treatment

DEMO_PASSWORD = "demo12345"

TREE = {
    ("99", "Tỉnh Mai Sơn", "tinh"): {
        ("991", "Huyện Tân Lập", "huyen"): [
            ("99101", "Xã Tân Hòa", "xa"),
            ("99102", "Xã Mường Lạn", "xa"),
            ("99103", "Thị trấn Tân Lập", "thi_tran"),
            ("99104", "Xã Phiêng Cằm", "xa"),
        ],
        ("992", "Huyện Mường Chiến", "huyen"): [
            ("99201", "Xã Mường Chiến", "xa"),
            ("99202", "Xã Quài Nưa", "xa"),
            ("99203", "Xã Pú Nhung", "xa"),
        ],
        ("993", "Thành phố Mai Sơn", "thanh_pho"): [
            ("99301", "Phường Đồng Tâm", "phuong"),
            ("99302", "Phường Quyết Thắng", "phuong"),
            ("99303", "Xã Hua La", "xa"),
        ],
    }
}

USERS = [
    ("admin", "Quản trị hệ thống", Role.ADMIN, "99"),
    ("trunguong", "Đỗ Minh Quân", Role.NATIONAL, "C04"),
    ("tinh", "Nguyễn Thị Hồng Nhung", Role.PROVINCE, "99"),
    ("huyen", "Trần Văn Bình", Role.DISTRICT, "991"),
    ("huyen2", "Lò Văn Thắng", Role.DISTRICT, "992"),
    ("xa", "Phạm Thị Lan", Role.COMMUNE, "99101"),
    ("xa2", "Quàng Văn Dũng", Role.COMMUNE, "99102"),
    ("xa3", "Lường Thị Mai", Role.COMMUNE, "99201"),
]


def load_units() -> dict[str, Unit]:
    start = date(2020, 1, 1)
    nation = national_root()
    units: dict[str, Unit] = {nation.code: nation}
    for (pcode, pname, pkind), districts in TREE.items():
        province = units[pcode] = add_unit(pcode, pname, pkind, nation, valid_from=start)
        for (dcode, dname, dkind), communes in districts.items():
            district = units[dcode] = add_unit(dcode, dname, dkind, province, valid_from=start)
            for ccode, cname, ckind in communes:
                units[ccode] = add_unit(ccode, cname, ckind, district, valid_from=start)
                # Fictional inhabitants (addicts per 1,000 on the dashboard).
                units[ccode].population = 6_000 + int(ccode[-2:]) * 1_750
            district.population = sum(units[c].population for c, _, _ in communes)
        province.population = sum(units[d].population for d, _, _ in districts)
    db.session.flush()
    return units


def load_users(units: dict[str, Unit]) -> None:
    for username, full_name, role, code in USERS:
        user = User(username=username, full_name=full_name, role=role.value,
                    unit=units[code], is_demo=True)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)


def load() -> None:
    units = load_units()
    load_users(units)
    load_persons()
    load_treatment()
    load_documents()
    load_submissions()
    load_periodic()
    load_deadline_target(units)
    db.session.commit()


def load_deadline_target(units: dict[str, Unit]) -> None:
    """The seed directive's dated obligation, as the province set it."""
    from ..plans.models import DeadlineTarget

    db.session.add(DeadlineTarget(
        unit_id=units["99"].id, form="detox", at_least=1, start_date=date(2023, 1, 1),
        deadline=date(2023, 12, 29),
        title="Trước ngày 30/12/2023, tất cả các địa phương phải đưa được người nghiện ma túy "
              "vào điều trị cắt cơn"))


def is_empty() -> bool:
    return db.session.scalar(select(Unit.id).limit(1)) is None


def register(app) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Chỉ nạp khi cơ sở dữ liệu còn trống.")
    def demo_command(if_empty: bool) -> None:
        """Nạp dữ liệu mẫu tỉnh Mai Sơn."""
        if not is_empty():
            if if_empty:
                click.echo("Cơ sở dữ liệu đã có dữ liệu; bỏ qua dữ liệu mẫu.")
                return
            raise click.ClickException("Cơ sở dữ liệu đã có dữ liệu; chỉ nạp mẫu vào CSDL trống.")
        load()
        click.echo("Đã nạp dữ liệu mẫu tỉnh Mai Sơn. Mật khẩu các tài khoản: " + DEMO_PASSWORD)
