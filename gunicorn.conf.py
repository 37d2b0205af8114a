"""gunicorn's settings for serving wsgi:app, read from the environment.

`gunicorn -c gunicorn.conf.py wsgi:app`; a command-line option overrides the file. Workers are
processes (WEB_CONCURRENCY, one per core), each with GUNICORN_THREADS threads (the gthread worker).

One thread per worker by default: on 2 cores, 4 threads a worker gave no more throughput than 1
(bench/load.py at 100,000 entries), as the workers' CPU is the limit. A worker holds about 250 MB
of its own at 100,000 entries whatever its threads (searchers read the index's memory maps in
place: search/whoosh_fixes.py). Keep it at 1 on Python 3.11: under load on CPython 3.11.7 a worker
running app code in two threads died of memory corruption in 6 of 7 runs (search/worker.py says
more; not seen on 3.12).
"""

import faulthandler
import os
import shutil
import tempfile

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread"
# The app logs every request itself (request id, user id, route, duration: request_log.py).
accesslog = None
errorlog = "-"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Behind a load balancer that keeps connections open: longer than gunicorn's 2 s default.
keepalive = 5
# Replace each worker after about this many requests, not all at once, so slow leaks stay small.
max_requests = 2000
max_requests_jitter = 200


# The directory on_starting made (not one the environment named), removed again on_exit.
_made = []


def on_starting(server):
    """Prometheus's multiprocess mode: every worker writes its counts to files in one directory,
    which must start empty (old files from a dead server would be summed in)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)
    else:
        directory = tempfile.mkdtemp(prefix="marketplace-prometheus-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        _made.append(directory)
    server.log.info("prometheus multiprocess directory: %s", directory)


def post_fork(server, worker):
    """A worker that dies of a fatal signal (a segmentation fault in a C extension, say) writes
    every thread's Python stack to the error log first, rather than vanishing with only gunicorn's
    "worker exited" to say so."""
    faulthandler.enable()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    for directory in _made:
        shutil.rmtree(directory, ignore_errors=True)
