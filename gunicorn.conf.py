"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py 'tracker:create_app()'`.

Every value can be overridden on the command line or with GUNICORN_* style variables
(`GUNICORN_WORKERS=4`). No state lives in a worker, so workers and machines can be added.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", (os.cpu_count() or 1) * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# PDFs and large imports run on the job queue (`flask --app tracker worker`) when
# TRACKER_REDIS_URL is set; without it they run in the request, which this must cover.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 90))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# The path without its query string, and no referrer (the previous page's address, query
# string and all): a search for a name or a number must not be kept in a log.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
