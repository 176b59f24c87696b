"""The deployment files say what the README promises; the backup retention keeps what it says;
the README's security list names tests that exist."""
from __future__ import annotations

import os
import re
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

from webapp.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def test_nginx_serves_https_gzip_and_static_files_and_trusts_nothing_from_the_client():
    conf = (DEPLOY / "nginx" / "qlcn.conf").read_text()
    assert "listen 443 ssl" in conf and "ssl_certificate " in conf and "return 301 https://" in conf
    assert "gzip on;" in conf and "server_tokens off;" in conf
    static = re.search(r"location /static/ \{(.*?)\}", conf, re.S).group(1)
    assert "alias /srv/qlcn/app/static/;" in static and "max-age=31536000" in static
    assert not re.search(r"^\s*expires ", static, re.M)  # a second Cache-Control header
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf  # overwritten, one hop
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header X-Request-ID $request_id;" in conf
    log_format = re.search(r"log_format qlcn (.*?);", conf, re.S).group(1)
    assert "$uri" in log_format and "$request " not in log_format and "$args" not in log_format
    size = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    assert size * 1024 * 1024 == Config.MAX_CONTENT_LENGTH


def test_the_nginx_site_uses_only_directives_debian_12s_nginx_knows():
    # Checked by hand with `nginx -t` on Debian 12 (nginx 1.22): "http2 on;" needs 1.25.1.
    conf = (DEPLOY / "nginx" / "qlcn.conf").read_text()
    assert "http2 on" not in conf and "listen 443 ssl http2;" in conf


def test_an_upload_nginx_refuses_as_too_large_is_explained_in_vietnamese():
    conf = (DEPLOY / "nginx" / "qlcn.conf").read_text()
    assert "error_page 413 /413.html;" in conf and "Tệp quá lớn" in conf


def test_the_systemd_units_run_gunicorn_and_a_nightly_backup():
    service = (DEPLOY / "systemd" / "qlcn.service").read_text()
    assert "ExecStart=/srv/qlcn/app/.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app" in service
    assert "EnvironmentFile=/srv/qlcn/app/.env" in service and "User=qlcn" in service
    timer = (DEPLOY / "systemd" / "qlcn-backup.timer").read_text()
    assert "OnCalendar=*-*-* 02:30:00" in timer and "Persistent=true" in timer
    backup = (DEPLOY / "systemd" / "qlcn-backup.service").read_text()
    assert "ExecStart=/srv/qlcn/app/deploy/backup.sh" in backup
    assert os.access(DEPLOY / "backup.sh", os.X_OK)
    env = (DEPLOY / "env.example").read_text()
    assert "APP_CONFIG=production" in env and "PROXY_COUNT=1" in env


def test_backup_retention_keeps_two_weeks_of_nights_and_a_year_of_months(tmp_path):
    today = date.today()
    ages = {3: "recent", 20: "old night", 400: "old month"}
    made = {}
    for age, _ in ages.items():
        day = today - timedelta(days=age)
        for name in (f"qlcn-{day:%Y-%m-%d}.tar.gz", f"qlcn-{day:%Y-%m}-01.tar.gz"):
            path = tmp_path / name
            path.write_bytes(b"")
            stamp = time.mktime((today - timedelta(days=age)).timetuple())
            os.utime(path, (stamp, stamp))
            made[name] = age
    done = subprocess.run([str(DEPLOY / "backup.sh")], capture_output=True, text=True,
                          env={**os.environ, "BACKUP_DIR": str(tmp_path), "FLASK": "true"})
    assert done.returncode == 0, done.stderr
    left = {p.name for p in tmp_path.iterdir()}
    for name, age in made.items():
        monthly = name.endswith("-01.tar.gz")
        kept = age <= 14 or (monthly and age <= 366)
        assert (name in left) == kept, (name, age)


def test_every_test_the_readme_security_section_names_exists():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Security", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", section)
    assert len(named) >= 10
    for path, test in named:
        assert re.search(rf"^def {test}\(", (ROOT / path).read_text(), re.M), f"{path}::{test}"
