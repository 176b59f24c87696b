"""The intranet for drug-rehabilitation case management (quản lý người nghiện, cai nghiện)."""
from __future__ import annotations

import logging
import re

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from . import access, errors, formatting, forms, ops
from .config import CONFIGS, ROOT
from .extensions import compress, csrf, db, htmx, login_manager, migrate


class _NoQueryStrings(logging.Filter):
    """Search terms are names: keep query strings out of the access log."""

    _query = re.compile(r"\?[^ \"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(self._query.sub("?…", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def create_app(config: str | type | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    if isinstance(config, str) or config is None:
        import os

        config = CONFIGS[config or os.environ.get("APP_CONFIG", "default")]
    app.config.from_object(config)
    ops.register(app)  # refuses a weak production set-up; headers, proxy, logging, commands
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)

    from .audit import services as audit_services
    from .audit import models as _audit_models  # noqa: F401
    from .dossier import models as _dossier_models  # noqa: F401
    from .funding import models as _funding_models  # noqa: F401
    from .dashboard import models as _dashboard_models  # noqa: F401
    from .stats import models as _stats_models  # noqa: F401
    from .drugfree import models as _drugfree_models  # noqa: F401
    from .plans import models as _plans_models  # noqa: F401
    from .imports import models as _imports_models  # noqa: F401
    from .jobs import models as _jobs_models  # noqa: F401
    from .registry import models as _registry_models  # noqa: F401
    from .reports import models as _reports_models  # noqa: F401
    from .reports import periodic_models as _periodic_models  # noqa: F401
    from .settings import models as _settings_models  # noqa: F401
    from .treatment import models as _treatment_models  # noqa: F401
    from .forms_print import models as _forms_print_models  # noqa: F401
    from .teams import models as _teams_models  # noqa: F401
    from .workdays import models as _workdays_models  # noqa: F401

    audit_services.install()
    from .audit.cli import audit as audit_cli

    app.cli.add_command(audit_cli)
    from .jobs.cli import jobs as jobs_cli

    app.cli.add_command(jobs_cli)
    from .dashboard.cli import dashboard as dashboard_cli

    app.cli.add_command(dashboard_cli)

    from . import demo
    from .admin import routes as admin
    from .auth import routes as auth
    from .dossier import routes as dossier
    from .dashboard import routes as dashboard
    from .drugfree import routes as drugfree
    from .main import routes as main
    from .registry import cli as _registry_cli  # noqa: F401
    from .registry import routes as registry
    from .exports import routes as exports
    from .funding import routes as funding
    from .imports import routes as imports
    from .jobs import routes as jobs
    from .plans import routes as plans
    from .notifications import models as _notification_models  # noqa: F401
    from .notifications import routes as notifications
    from .registers import routes as registers
    from .reports import routes as reports
    from .reports import periodic_routes as periodic
    from .settings import routes as settings_routes
    from .stats import routes as stats
    from .treatment import routes as treatment
    from .units import cli as _units_cli  # noqa: F401
    from .units import routes as units
    from .forms_print import routes as forms_print
    from .teams import routes as teams
    from .workdays import routes as workdays

    for module in (main, auth, units, registry, treatment, plans, reports, stats, exports,
                   imports, jobs, admin, settings_routes, forms_print, teams, workdays, periodic,
                   registers, notifications, dossier, funding, dashboard, drugfree):
        app.register_blueprint(module.bp)
    demo.register(app)

    app.before_request(forms.clean_query_string)  # first: nothing reads a refused value
    app.before_request(access.enforce)
    app.before_request(_password_change_first)
    formatting.register(app)
    app.jinja_env.tests["first_invalid"] = forms.first_invalid
    errors.register(app)
    logging.getLogger("werkzeug").addFilter(_NoQueryStrings())

    @app.context_processor
    def navigation():
        from .navigation import menu_for

        from .timeutil import today_local

        return {"menu": menu_for(current_user) if current_user.is_authenticated else [],
                "today": today_local(), "unread_notifications": unread_counter}

    from .notifications.services import unread_count

    def unread_counter() -> int:
        """The header's counter, counted only when the page shows it (one indexed count)."""
        return unread_count(current_user) if current_user.is_authenticated else 0

    return app


def _password_change_first():
    """After an admin reset, the user must choose their own password before anything else."""
    allowed = {"auth.change_password", "auth.logout", "static", "main.healthz"}
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in allowed):
        return redirect(url_for("auth.change_password"))
