"""The release archive: `make dist` → dist/qlcn-<git describe>.tar.gz.

The committed tree (`git archive HEAD`, so never node_modules, .git or an uncommitted file)
without the tests, plus static/vendor/ as `make assets` filled it from package-lock.json. Built
where npm is; the server then needs only Python (`make install`). Standard library only, so it
runs before any virtual environment exists.
"""
from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

NAME = "qlcn"
ROOT = Path(__file__).resolve().parent.parent
VENDOR_FILES = ("static/vendor/htmx.min.js",)
# Top-level paths of the repository the server never needs.
LEFT_OUT = ("tests", ".ci", "pytest.ini", "node_modules", ".git", ".venv", "dist")


class DistError(Exception):
    pass


def _git(root: Path, *args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True)
    if done.returncode != 0:
        raise DistError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def version(root: Path = ROOT) -> str:
    return _git(root, "describe", "--tags", "--always", "--dirty").decode().strip()


def _left_out(path: str) -> bool:
    first = path.split("/", 1)[0]
    return first in LEFT_OUT or "/node_modules/" in f"/{path}/" or "__pycache__" in path


def build(root: Path = ROOT, out_dir: Path | None = None) -> Path:
    """Write the archive and return its path."""
    root = Path(root)
    missing = [name for name in VENDOR_FILES if not (root / name).is_file()]
    if missing:
        raise DistError(f"{', '.join(missing)} is missing: run `make assets` (needs npm) first.")
    tag = version(root)
    prefix = f"{NAME}-{tag}"
    out_dir = Path(out_dir or root / "dist")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{prefix}.tar.gz"
    tree = tarfile.open(fileobj=io.BytesIO(_git(root, "archive", "--format=tar", "HEAD")))
    with tarfile.open(target, "w:gz") as out:
        for member in tree.getmembers():
            if member.type == tarfile.XGLTYPE or _left_out(member.name):
                continue  # the pax header with the commit id; what the server never needs
            data = tree.extractfile(member) if member.isfile() else None
            member.name = f"{prefix}/{member.name}"
            out.addfile(member, data)
        for name in VENDOR_FILES:
            out.add(root / name, arcname=f"{prefix}/{name}", recursive=False)
    return target


def main() -> int:
    try:
        target = build()
    except DistError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
