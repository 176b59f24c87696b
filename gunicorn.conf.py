# Production serving: `gunicorn -c gunicorn.conf.py wsgi:app` (see README, "Deploy").
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 120
# %(U)s is the path without the query string: search terms (names) never reach the log.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
