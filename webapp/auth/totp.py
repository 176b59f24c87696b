"""Optional two-factor sign-in (TOTP, RFC 6238) for administrators and province officers.

A code is accepted one time step (30 s) either side of now, and only for a step later than the
last one accepted for the account: the step is stored with a conditional UPDATE, so a code
cannot be used twice, not even by two requests at once. The setting `totp_required_roles`
makes enrolment part of the next sign-in for those roles.
"""
from __future__ import annotations

import hmac
import re
import time

import pyotp
from sqlalchemy import or_, update

from .. import settings
from ..extensions import db
from .models import Role, User

ELIGIBLE = (Role.ADMIN, Role.NATIONAL, Role.PROVINCE)
ISSUER = "QLCN"
STEP_SECONDS = 30
WINDOW = 1  # steps either side of now
PENDING_SECONDS = 5 * 60  # the half-signed-in state lapses after this
_CODE = re.compile(r"[0-9]{6}")


def eligible(user: User) -> bool:
    return user.role in ELIGIBLE


def required(user: User) -> bool:
    """Whether the settings make two-factor sign-in compulsory for this account's role."""
    return eligible(user) and user.role in (settings.get("totp_required_roles") or [])


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits


def uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def spaced(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def clean_code(code: str | None) -> str:
    return "".join((code or "").split())


def matching_step(secret: str, code: str | None, after: int | None = None,
                  now: float | None = None) -> int | None:
    """The time step (±WINDOW around now) whose code is `code` and is later than `after`."""
    code = clean_code(code)
    if not secret or not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        # Every candidate is compared (no early exit), in constant time.
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and (
                after is None or step > after):
            found = step
    return found


def accept(user: User, code: str | None) -> bool:
    """Check `code` for `user` and burn its step; False for a wrong, stale or reused code."""
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    burnt = db.session.execute(
        update(User).where(User.id == user.id,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if burnt.rowcount != 1:
        return False  # another request used this code (or a later one) just now
    db.session.refresh(user, ["totp_last_step"])
    return True


def enrol(user: User, secret: str, code: str | None) -> bool:
    """Turn two-factor sign-in on with `secret` if `code` is its current code."""
    step = matching_step(secret, code)
    if step is None:
        return False
    user.totp_secret, user.totp_last_step = secret, step
    return True


def disable(user: User) -> None:
    user.totp_secret, user.totp_last_step = None, None
