"""Dependencies split into what the server runs and what the tests need; the release archive
carries htmx so the server needs no Node."""
from __future__ import annotations

import importlib.util
import re
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _make_dist():
    spec = importlib.util.spec_from_file_location("make_dist", ROOT / "deploy" / "make_dist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    return {line.split("==")[0].split("[")[0].lower(): line.split("==")[1]
            for line in lines if "==" in line and not line.startswith("#")}


def test_the_server_installs_no_test_packages_and_the_tests_get_everything():
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert "pytest" not in runtime and "playwright" not in runtime
    assert {"pytest", "playwright", "pluggy", "iniconfig"} <= set(dev)
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert not set(runtime) & set(dev)  # each pin in one place
    assert runtime["pyotp"]  # two-factor sign-in runs on the server
    makefile = (ROOT / "Makefile").read_text()
    # `make test` on a fresh clone installs both files; `make run` only the runtime.
    assert re.search(r"^test: setup-dev$", makefile, re.M)
    assert re.search(r"^\$\(VENV\)/\.installed-dev: requirements\.txt requirements-dev\.txt$",
                     makefile, re.M)
    assert "-r requirements-dev.txt" in makefile
    assert re.search(r"^run: setup db$", makefile, re.M)
    assert re.search(r"^setup: install assets$", makefile, re.M)
    assert re.search(r"^dist: assets\n\t\$\(PYTHON\) deploy/make_dist.py$", makefile, re.M)


def test_the_release_archive_holds_the_app_and_htmx_and_no_tests_node_modules_or_git(tmp_path):
    make_dist = _make_dist()
    target = make_dist.build(ROOT, tmp_path)
    assert target.name == f"qlcn-{make_dist.version(ROOT)}.tar.gz"
    prefix = target.name.removesuffix(".tar.gz")
    with tarfile.open(target) as archive:
        names = archive.getnames()
        vendor = archive.extractfile(f"{prefix}/static/vendor/htmx.min.js").read()
    assert vendor == (ROOT / "static/vendor/htmx.min.js").read_bytes()
    assert all(name == prefix or name.startswith(prefix + "/") for name in names)
    inside = {name.removeprefix(prefix + "/") for name in names}
    for needed in ("wsgi.py", "requirements.txt", "Makefile", "webapp/__init__.py",
                   "migrations/env.py", "templates/base.html", "deploy/nginx/qlcn.conf"):
        assert needed in inside
    for part in ("node_modules", "tests", ".git", ".venv", "__pycache__"):
        assert not [n for n in inside if part in n.split("/")], part


def test_the_archive_is_refused_without_the_vendor_file(tmp_path):
    make_dist = _make_dist()
    try:
        make_dist.build(tmp_path, tmp_path / "out")
    except make_dist.DistError as exc:
        assert "make assets" in str(exc)
    else:
        raise AssertionError("built without htmx")
