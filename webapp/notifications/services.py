"""Notifications in the application, and by e-mail when an SMTP server is configured.

A reviewer is told when a report awaits them (submitted); a unit when its report is returned or
reopened, and, by the daily `flask --app wsgi notifications remind`, when its report is due
within the reminder days or overdue. Each notification has a key naming what it is about, so
the same event never notifies a user twice. E-mail is off by default: with SMTP_HOST set,
`notifications send-mail` (run after `remind`) sends what is unread and not yet e-mailed, to
users with an address, through the standard library's smtplib.
"""
from __future__ import annotations

import smtplib
from datetime import date
from email.message import EmailMessage

from flask import current_app, url_for
from sqlalchemy import func, select, update

from ..auth.models import OFFICER_ROLES, Role, User
from ..extensions import db
from ..reports import services as reports
from ..units.models import Level, Unit
from ..timeutil import now_utc, today_local
from .models import Notification

REMIND_DAYS = 3  # before the due day


def officers_of(unit_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.unit_id == unit_id, User.active.is_(True), User.role.in_(OFFICER_ROLES))))


def notify(users, kind: str, key: str, text: str, url: str | None = None) -> int:
    """Add the notification for each user who does not have this key yet (flushes)."""
    users = list(users)
    if not users:
        return 0
    have = set(db.session.scalars(select(Notification.user_id).where(
        Notification.key == key, Notification.user_id.in_([u.id for u in users]))))
    added = 0
    for user in users:
        if user.id not in have:
            db.session.add(Notification(user_id=user.id, kind=kind, key=key, text=text[:300],
                                        url=url))
            added += 1
    db.session.flush()
    return added


def _report_url(sub) -> str:
    return url_for("reports.submission", period=sub.period, unit_code=sub.unit.code)


def report_submitted(sub, name: str | None = None, url: str | None = None) -> None:
    """The parent's officers: a report awaits their decision. `name` and `url` say which
    report it is (a monthly report by default; "Biểu 03-BCN 6 tháng đầu năm 2026")."""
    if sub.unit.parent_id is None:
        return
    name = name or f"báo cáo tháng {sub.period_label}"
    notify(officers_of(sub.unit.parent_id), "submitted",
           f"submitted:{sub.__tablename__}:{sub.id}:{sub.version}",
           f"{sub.unit.name} đã gửi {name}: chờ duyệt.", url or _report_url(sub))


def report_returned(sub, reopened: bool = False, name: str | None = None,
                    url: str | None = None) -> None:
    """The unit's officers: their report came back, with the reviewer's comment on it."""
    what = "được mở lại" if reopened else "bị trả lại"
    name = name or f"Báo cáo tháng {sub.period_label}"
    notify(officers_of(sub.unit_id), "returned",
           f"returned:{sub.__tablename__}:{sub.id}:{sub.version}",
           f"{name} của {sub.unit.name} {what}; vui lòng xem ý kiến và gửi lại.",
           url or _report_url(sub))


def remind_due(today: date | None = None) -> int:
    """Reminders of the monthly reports and of the half-year and year reports due."""
    today = today or today_local()
    return _remind_monthly(today) + remind_periodic_due(today)


def _remind_monthly(today: date) -> int:
    """Units whose report of the period being prepared is not sent by REMIND_DAYS before the
    due day (or after it): one reminder per unit, period and day kind (due soon, overdue)."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    due = reports.due_date(year, month)
    if (due - today).days > REMIND_DAYS:
        return 0
    overdue = today > due
    # The ministry's completeness lists the provinces; each province's, its own subtree.
    national = select(Unit.id).where(Unit.level == Level.NATIONAL)
    roots = db.session.scalars(select(Unit).where(
        Unit.parent_id.is_(None) | Unit.parent_id.in_(national)))
    added, seen = 0, set()
    for root in roots:
        for status in reports.completeness(root, year, month):
            if status.unit.id in seen:
                continue
            seen.add(status.unit.id)
            if status.sent:
                continue
            period = f"{month:02d}/{year}"
            text = (f"Báo cáo tháng {period} của {status.unit.name} đã quá hạn nộp "
                    f"({due.strftime('%d/%m/%Y')})." if overdue else
                    f"Báo cáo tháng {period} của {status.unit.name} đến hạn nộp ngày "
                    f"{due.strftime('%d/%m/%Y')}.")
            added += notify(officers_of(status.unit.id), "due",
                            f"due:{status.unit.id}:{year}-{month:02d}:{int(overdue)}", text,
                            url_for("reports.submission", period=f"{year:04d}-{month:02d}",
                                    unit_code=status.unit.code))
    return added


def remind_periodic_due(today: date) -> int:
    """Districts and provinces whose Biểu 03-BCN / 04-BCN of the last half-year or year is
    not sent by REMIND_DAYS before its due day (or after it), once each way."""
    from ..reports import periodic

    added = 0
    provinces = list(db.session.scalars(select(Unit).where(Unit.level == Level.PROVINCE)))
    for year, period in ((today.year, "H1"), (today.year - 1, "Y")):
        if periodic.bounds(year, period)[1] >= today:
            continue  # the period has not ended
        for province in provinces:
            for status in periodic.completeness(province, year, period):
                due = periodic.due_date(status.form, year, period)
                if status.sent or (due - today).days > REMIND_DAYS or (today - due).days > 31:
                    continue
                overdue = today > due
                name = f"Biểu {status.form} {periodic.period_label(year, period).lower()}"
                text = (f"{name} của {status.unit.name} đã quá hạn nộp "
                        f"({due.strftime('%d/%m/%Y')})." if overdue else
                        f"{name} của {status.unit.name} đến hạn nộp ngày "
                        f"{due.strftime('%d/%m/%Y')}.")
                added += notify(
                    officers_of(status.unit.id), "due",
                    f"due:{status.form}:{status.unit.id}:{year}-{period}:{int(overdue)}", text,
                    url_for("periodic.report", term=f"{year:04d}-{period}", form=status.form,
                            unit_code=status.unit.code))
    return added


# --- Reading ----------------------------------------------------------------------------------

def unread_count(user: User) -> int:
    """The header's counter: one count on the (user_id, read_at) index."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def latest(user: User, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(),
                                             Notification.id.desc()).limit(limit)))


def mark_read(user: User, notification_id: int | None = None) -> int:
    """One of the user's notifications read (or all of them); another user's is untouched."""
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=now_utc())).rowcount


def mark_unread(user: User, notification_id: int) -> int:
    return db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.id == notification_id)
        .values(read_at=None)).rowcount


# --- E-mail -------------------------------------------------------------------------------------

def mail_enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_pending_mail() -> int:
    """E-mail each unread, not yet e-mailed notification of users with an address; returns how
    many were sent. Nothing happens without SMTP_HOST (the default)."""
    if not mail_enabled():
        return 0
    pending = list(db.session.execute(
        select(Notification, User.email).join(User, User.id == Notification.user_id)
        .where(Notification.read_at.is_(None), Notification.emailed_at.is_(None),
               User.email.is_not(None), User.email != "")))
    if not pending:
        return 0
    config = current_app.config
    sent = 0
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        for notification, address in pending:
            message = EmailMessage()
            message["Subject"] = "Thông báo: " + notification.text[:80]
            message["From"] = config["SMTP_FROM"]
            message["To"] = address
            # The text only: no personal data of a person ever goes into an e-mail.
            message.set_content(notification.text + "\n\nXem trong phần mềm quản lý cai nghiện.")
            smtp.send_message(message)
            notification.emailed_at = now_utc()
            sent += 1
    return sent
