"""Configuration read from the environment (see README, "Environment")."""
from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import orjson
from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent


def json_loads(value):
    """orjson for text, as SQLite hands it, or its bytes, as psycopg does; anything else
    (SQLite hands back a bare number stored in a JSON column as a number) as the standard
    library took it."""
    return orjson.loads(value) if type(value) in (str, bytes) else json.loads(value)


# What json.dumps refuses, orjson must refuse too (it would write dates and dataclasses).
_AS_JSON_DOES = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                 | orjson.OPT_PASSTHROUGH_DATACLASS)


def _refuse(value):
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_dumps(value) -> str:
    """orjson for what json.dumps writes the same values of (UTF-8 rather than \\u escapes,
    no spaces; a 5,000-row import's cells and results in a tenth of the time); anything else
    (integers beyond 64 bits) by json.dumps, which also raises for what neither writes."""
    try:
        return orjson.dumps(value, default=_refuse, option=_AS_JSON_DOES).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value)


INSTANCE = ROOT / "instance"

# A .env file beside the code (or ENV_FILE; see deploy/env.example) is read before the classes
# below look at the environment; variables already set win over it.
load_dotenv(os.environ.get("ENV_FILE") or ROOT / ".env", override=False)


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
    # JSON columns are read and written with orjson (the same values as the json module,
    # 2.5× faster to read: a province's report decodes its hundred children's snapshots; 8×
    # to write: an import keeps every row's cells and outcome).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "json_deserializer": json_loads,
                                 "json_serializer": json_dumps}
    SECRET_KEY = _secret_key()

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # Compression (Flask-Compress) when no nginx does it: brotli if the browser takes it, else
    # gzip; quick levels, the server has two cores. Excel files are zip already.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]  # static files are sent as streams
    COMPRESS_BR_LEVEL = 4
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 500
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "image/svg+xml", "text/plain", "text/csv"]

    # E-mail as a second channel for notifications: off unless an SMTP server is named.
    SMTP_HOST = os.environ.get("SMTP_HOST") or None
    SMTP_PORT = int(os.environ.get("SMTP_PORT") or 587)
    SMTP_USER = os.environ.get("SMTP_USER") or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
    SMTP_FROM = os.environ.get("SMTP_FROM") or "qlcn@localhost"
    SMTP_STARTTLS = _flag("SMTP_STARTTLS", True)

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

    PRODUCTION = False
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0 = none).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    ATTACHMENTS_DIR = os.environ.get("ATTACHMENTS_DIR", str(INSTANCE / "attachments"))
    # Background jobs (webapp/jobs/queue.py): "inprocess" threads, or "rq" with REDIS_URL and
    # `flask --app wsgi jobs worker`. A running job beats every JOB_HEARTBEAT_SECONDS; one
    # silent for JOB_STALE_SECONDS lost its worker and is reported failed.
    JOB_QUEUE = os.environ.get("JOB_QUEUE", "inprocess").strip().lower()
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "qlcn")
    JOBS_DIR = os.environ.get("JOBS_DIR", str(INSTANCE / "jobs"))
    JOB_HEARTBEAT_SECONDS = 10
    JOB_STALE_SECONDS = int(os.environ.get("JOB_STALE_SECONDS", "180"))
    JOB_TIMEOUT_SECONDS = 2 * 3600
    # Above this many rows an import confirmation runs as a job; the registry list offers a
    # background export from this many persons on (the direct download streams at any size).
    JOB_IMPORT_ROWS = 2000
    JOB_EXPORT_ROWS = 20000


class ProductionConfig(Config):
    PRODUCTION = True
    # Never generated, never a default: check_production() names what is missing.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    # gunicorn binds 127.0.0.1, so only the local nginx can set these headers.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "1"))
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
    # Job result files of the tests never land in the real instance/.
    JOBS_DIR = os.path.join(tempfile.gettempdir(), f"qlcn-test-jobs-{os.getpid()}")


class ConfigError(RuntimeError):
    """The configuration is not fit to run; the message says what to set."""


# Values copied from examples and tutorials: as good as public.
PLACEHOLDER_KEYS = {"changeme", "change-me", "change_me", "secret", "secret-key", "secretkey",
                    "your-secret-key", "dev", "development", "test", "test-secret", "…", "...",
                    "xxx", "replace-me", "please-change-me"}
MIN_SECRET_KEY_LENGTH = 32


def secret_key_problem(key: str | None) -> str | None:
    if not key:
        return "SECRET_KEY chưa được đặt"
    lowered = key.strip().lower()
    if lowered in PLACEHOLDER_KEYS or any(word in lowered for word in
                                          ("changeme", "change-me", "change_me", "replace", "example")):
        return "SECRET_KEY là giá trị mẫu, ai cũng biết"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY quá ngắn ({len(key)} ký tự, cần ít nhất {MIN_SECRET_KEY_LENGTH})"
    if len(set(key)) < 8:
        return "SECRET_KEY quá đơn giản (lặp lại ít ký tự)"
    return None


def check_production(config: Mapping) -> None:
    """Refuse to start in production without a strong secret key and an explicit database."""
    problems = []
    key_problem = secret_key_problem(config.get("SECRET_KEY"))
    if key_problem:
        problems.append(f"{key_problem}; tạo một khóa bằng: "
                        "python3 -c 'import secrets; print(secrets.token_hex(32))'")
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        problems.append("DATABASE_URL chưa được đặt (ví dụ postgresql+psycopg://user@host/db)")
    if problems:
        raise ConfigError("APP_CONFIG=production: không khởi động được:\n  - "
                          + "\n  - ".join(problems))


CONFIGS = {"production": ProductionConfig, "test": TestConfig, "default": Config}
