"""Production refuses a weak set-up; .env is read; the first administrator from the command line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from webapp import create_app
from webapp.auth.models import Role, User
from webapp.config import ConfigError, ProductionConfig
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "3f9c1e7a5b2d8c4f6a0e9d1b7c3a5f2e8d4b6c0a1f3e5d7b9c2a4e6f8d0b1c3a"


def production(**settings):
    return type("Production", (ProductionConfig,), settings)


@pytest.mark.parametrize("key, says", [
    ("", "SECRET_KEY chưa được đặt"),
    ("changeme", "giá trị mẫu"),
    ("please-change-me-before-going-live-0123456789", "giá trị mẫu"),
    ("short-but-random-Q7x", "quá ngắn"),
    ("a" * 40, "quá đơn giản"),
])
def test_production_refuses_a_missing_or_weak_secret_key(tmp_path, key, says):
    with pytest.raises(ConfigError) as refused:
        create_app(production(SECRET_KEY=key,
                              SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}"))
    assert "SECRET_KEY" in str(refused.value) and says in str(refused.value)
    assert "DATABASE_URL" not in str(refused.value)


def test_production_refuses_to_start_without_a_database_url():
    with pytest.raises(ConfigError) as refused:
        create_app(production(SECRET_KEY=GOOD_KEY, SQLALCHEMY_DATABASE_URI=""))
    assert "DATABASE_URL" in str(refused.value) and "SECRET_KEY" not in str(refused.value)


def test_production_starts_with_a_strong_key_and_a_database(tmp_path):
    app = create_app(production(SECRET_KEY=GOOD_KEY,
                                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}"))
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["DEMO"] is False
    with app.app_context():
        db.engine.dispose()


def _python(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DATABASE_URL", "APP_CONFIG", "ENV_FILE"}}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, **env}, timeout=60)


def test_the_real_entry_point_refuses_and_names_both_missing_settings(tmp_path):
    done = _python("import wsgi", APP_CONFIG="production", ENV_FILE=str(tmp_path / "none.env"))
    assert done.returncode != 0
    assert "SECRET_KEY chưa được đặt" in done.stderr and "DATABASE_URL chưa được đặt" in done.stderr


def test_a_dot_env_file_is_read_and_the_environment_wins_over_it(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"SECRET_KEY={GOOD_KEY}\nDATABASE_URL=sqlite:///{tmp_path / 'a.db'}\n"
                        "PROXY_COUNT=2\n")
    done = _python("import wsgi; c = wsgi.app.config; "
                   "print(c['SECRET_KEY'][:8], c['SQLALCHEMY_DATABASE_URI'], c['PROXY_COUNT'])",
                   APP_CONFIG="production", ENV_FILE=str(env_file), PROXY_COUNT="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [GOOD_KEY[:8], f"sqlite:///{tmp_path / 'a.db'}", "1"]


def _admins(app):
    with app.app_context():
        return [(u.username, u.full_name, u.unit.code, u.must_change_password)
                for u in db.session.scalars(db.select(User).where(User.role == Role.ADMIN,
                                                                  User.is_demo.is_(False)))]


def test_create_admin_with_options_then_the_admin_signs_in(app, demo, client):
    result = app.test_cli_runner().invoke(args=[
        "users", "create-admin", "--username", "QuanTri", "--full-name", "Nguyễn  Văn Quản",
        "--unit-code", "99", "--password", "Mai-Son-2026-kho-doan"])
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản quản trị quantri" in result.output
    assert _admins(app) == [("quantri", "Nguyễn Văn Quản", "99", False)]
    response = client.post("/login", data={"username": "quantri",
                                           "password": "Mai-Son-2026-kho-doan"})
    assert response.status_code == 303


def test_create_admin_asks_interactively_with_the_password_hidden_and_repeated(app, demo):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin"],
        input="quantri\nTrần Thị Hoa\n99\nMai-Son-2026-kho-doan\nMai-Son-2026-kho-doan\n")
    assert result.exit_code == 0, result.output
    assert "Mai-Son-2026" not in result.output  # never echoed
    assert _admins(app) == [("quantri", "Trần Thị Hoa", "99", False)]


# The same rules as every new password (webapp/auth/passwords.py).
@pytest.mark.parametrize("password, says", [
    ("ngan-qua", "ít nhất 12 ký tự"),
    ("123456789012", "quá phổ biến"),
    ("matkhau123456", "quá phổ biến"),
    ("abababababab", "quá phổ biến"),
])
def test_create_admin_refuses_weak_or_short_passwords(app, demo, password, says):
    result = app.test_cli_runner().invoke(args=[
        "users", "create-admin", "--username", "quantri", "--full-name", "Quản trị",
        "--unit-code", "99", "--password", password])
    assert result.exit_code != 0 and says in result.output
    assert _admins(app) == []


def test_create_admin_refuses_an_unknown_unit_or_a_taken_username(app, demo):
    runner = app.test_cli_runner()
    base = ["users", "create-admin", "--full-name", "Quản trị", "--password",
            "Mai-Son-2026-kho-doan"]
    unknown = runner.invoke(args=base + ["--username", "quantri", "--unit-code", "12345"])
    assert unknown.exit_code != 0 and "Không có đơn vị mã 12345" in unknown.output
    taken = runner.invoke(args=base + ["--username", "admin", "--unit-code", "99"])
    assert taken.exit_code != 0 and "đã có" in taken.output
