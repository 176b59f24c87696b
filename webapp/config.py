"""Configuration read from the environment (see README, "Environment")."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'app.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY = _secret_key()

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024

    # Demo accounts (password demo12345) may sign in only when DEMO is on.
    DEMO = _flag("DEMO", True)
    PASSWORD_HASH_METHOD = "scrypt"
    # Sign-in throttling, counted in the sign-in log (see auth/services.py): this many wrong
    # passwords for one account from one IP refuse that IP for that account, and this many
    # from one IP across accounts refuse the IP, for the window.
    LOGIN_MAX_FAILURES = 5
    LOGIN_IP_MAX_FAILURES = 30
    LOGIN_THROTTLE_MINUTES = 15
    # A session ends this long after sign-in, however active (inactivity: settings).
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=10)
    TIMEZONE = "Asia/Ho_Chi_Minh"
    PAGE_SIZE = 50


class ProductionConfig(Config):
    DEMO = _flag("DEMO", False)
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Hashing strength is irrelevant to what the tests check; scrypt would dominate their time.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    WTF_CSRF_ENABLED = False


CONFIGS = {"production": ProductionConfig, "test": TestConfig, "default": Config}
