"""gunicorn's settings for serving wsgi:app, read from the environment.

`gunicorn -c gunicorn.conf.py wsgi:app`; a command-line option overrides the file. Workers are
processes (WEB_CONCURRENCY, one per core), each with GUNICORN_THREADS threads (the gthread worker).

One thread per worker by default. Each thread searches through its own Whoosh searcher, and
whoosh-reloaded copies the parts of the index it opens into the process's memory: measured at
100,000 entries (bench/load.py), a worker of 4 threads held 680-1,140 MB of private memory, one of
1 thread 430-450 MB, for no more throughput on 2 cores. Raise it on hosts with memory to spare and
slow clients that would otherwise hold a worker.
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
