"""Gunicorn settings for serving Pledge (``gunicorn -c python:pledge.gunicorn_config pledge.wsgi:app``).

Every value can be overridden on the command line or by the environment variables named below;
docs/deploy.md explains the choices. What must not be changed without thought:

- the access log never holds a client address, a user agent, a referrer, a query string or a
  receipt's leaf hash (:class:`pledge.serving.AccessLogger` drops them whatever the format says);
- the app is not preloaded: each worker opens its own database connections after the fork.
"""

import multiprocessing
import os

bind = os.environ.get("PLEDGE_BIND", "127.0.0.1:8000")
# One process per core does the CPU work (token and ciphertext checks, page rendering); a few
# threads per process keep slow clients and uploads from holding a whole process.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("PLEDGE_THREADS", "4"))
# A trustee's partials upload for a large round is checked in the request (every proof): allow it time.
timeout = int(os.environ.get("PLEDGE_WORKER_TIMEOUT", "300"))
graceful_timeout = 30
keepalive = 5
preload_app = False
# Recycle workers now and then (bounded memory over weeks), staggered so they do not all restart at once.
max_requests = 20000
max_requests_jitter = 2000

# Behind a reverse proxy, trust its X-Forwarded-* headers only from these addresses (the app
# itself reads them only when PLEDGE_PROXY_HOPS is set; see docs/deploy.md).
forwarded_allow_ips = os.environ.get("PLEDGE_FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("PLEDGE_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("PLEDGE_LOG_LEVEL", "info")
logger_class = "pledge.serving.AccessLogger"
# Time, method, path (receipts redacted), status, bytes, duration: nothing about the visitor.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss'
proc_name = "pledge"
