"""The notifications page: the user's own, newest first, read/unread."""
from __future__ import annotations

import click
from flask import Blueprint, url_for
from flask_login import current_user

from ..access import signed_in
from ..extensions import db
from ..rendering import done, render
from . import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
bp.cli.short_help = "Thông báo"


@bp.route("/")
@signed_in
def index():
    return render("notifications/index.html", items=services.latest(current_user))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@signed_in
def read(notification_id: int):
    services.mark_read(current_user, notification_id)
    db.session.commit()
    return done(url_for("notifications.index"))


@bp.route("/<int:notification_id>/unread", methods=["POST"])
@signed_in
def unread(notification_id: int):
    services.mark_unread(current_user, notification_id)
    db.session.commit()
    return done(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@signed_in
def read_all():
    count = services.mark_read(current_user)
    db.session.commit()
    return done(url_for("notifications.index"), f"Đã đánh dấu {count} thông báo là đã đọc.")


@bp.cli.command("remind")
def remind() -> None:
    """Remind units of the monthly report due soon or overdue (run daily)."""
    from flask import current_app

    with current_app.test_request_context():  # url_for outside a request
        count = services.remind_due()
        db.session.commit()
        sent = services.send_pending_mail()
        db.session.commit()
    click.echo(f"{count} nhắc nhở mới; {sent} thư điện tử đã gửi.")


@bp.cli.command("send-mail")
def send_mail() -> None:
    """E-mail unread notifications (only when SMTP_HOST is set)."""
    sent = services.send_pending_mail()
    db.session.commit()
    click.echo(f"{sent} thư điện tử đã gửi.")
