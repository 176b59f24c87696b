# Production serving: `gunicorn -c gunicorn.conf.py wsgi:app` (see README, "Deploy").
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 120
# gunicorn 27's control socket lives under $HOME, read-only under the unit's ProtectSystem.
control_socket_disable = True
# %(U)s is the path without the query string: search terms (names) never reach the log.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# The request id (X-Request-ID, also in the application's own log lines) ties the two logs.
access_log_format += ' %({x-request-id}o)s'

# No server name or version in responses (gunicorn writes "Server: gunicorn" itself).
import gunicorn.http.wsgi  # noqa: E402

gunicorn.http.wsgi.SERVER = "intranet"
