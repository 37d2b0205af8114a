"""Link checks: is each access, download and endpoint URL in the catalogue reachable?

Run from the CLI only (``flask quality check-links``), never inside a web request: a run makes
many outbound requests and can take minutes. The outcome per URL is stored in `LinkCheck`,
which the metadata quality scores read for the accessibility indicators.

The URLs are chosen by publishers, so requests go only where the address policy allows
(`services.outbound`): by default public addresses, judged on the address each connection is
made to, at every redirect hop. A refused address is stored as "address not allowed".
"""

from __future__ import annotations

import http.client
import itertools
import logging
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import BaseAdapter
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.extensions import db
from marketplace.models import Dataset, Distribution, LinkCheck
from marketplace.models.types import utcnow
from marketplace.services.metadata_quality import recompute_all
from marketplace.services.outbound import AddressNotAllowedError, AddressPolicy, guarded_session

logger = logging.getLogger(__name__)

# Says who is calling, so a site's operator can find us rather than block us.
USER_AGENT = (
    "DataMarketplace-LinkChecker/0.1 (+https://www.data-marketplace.gov.uk; link checks of the catalogue)"
)
DEFAULT_CONCURRENCY = 8
DEFAULT_PER_HOST = 2
DEFAULT_TIMEOUT = 10.0
MAX_REDIRECTS = 10
# Answers to HEAD that often mean "HEAD not supported here" rather than "broken"; ask again with GET.
HEAD_REFUSED = frozenset({403, 405, 501})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# With GET, read this much of the body to see it start, then hang up.
SAMPLE_BYTES = 1024
BATCH_SIZE = 100

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LinkOutcome:
    """What checking one URL found; `error` is a short fixed phrase, never an exception's text."""

    url: str
    status_code: int | None
    ok: bool
    error: str | None = None
    elapsed_ms: int | None = None

    @property
    def kind(self) -> str:
        """How it failed, for the summary: the error phrase, or ``HTTP 404`` and the like."""
        if self.ok:
            return "ok"
        return self.error or f"HTTP {self.status_code}"


@dataclass
class LinkCheckSummary:
    checked: int = 0
    ok: int = 0
    broken: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    elapsed_seconds: float = 0.0
    recomputed: int = 0

    @property
    def rate(self) -> float:
        """URLs checked per second."""
        return self.checked / self.elapsed_seconds if self.elapsed_seconds else 0.0


class _Failed(Exception):
    """A check ended without a usable answer; `args[0]` is the phrase to store."""


def check_links(
    *,
    organisation_id: Any = None,
    older_than: timedelta | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    per_host: int = DEFAULT_PER_HOST,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    address_policy: AddressPolicy | None = None,
    adapters: Mapping[str, BaseAdapter] | None = None,
) -> LinkCheckSummary:
    """Check every URL of the entries (of one organisation if given; only those not checked
    within `older_than` if given), store each outcome, then recompute the metadata quality scores.

    At most `concurrency` requests are in flight, and at most `per_host` to any one host.
    Connections go only to addresses `address_policy` permits (by default, public ones).
    One bad URL never stops the run. Commits in batches.
    """
    urls, skipped = links_to_check(organisation_id=organisation_id, older_than=older_than)
    summary = check_urls(
        urls,
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        progress=progress,
        address_policy=address_policy,
        adapters=adapters,
    )
    summary.skipped = skipped
    summary.recomputed = recompute_all(organisation_id=organisation_id)
    logger.info(
        "Checked %s links: %s ok, %s broken, %.1f/s",
        summary.checked,
        summary.ok,
        summary.checked - summary.ok,
        summary.rate,
        extra={"checked": summary.checked, "ok": summary.ok, "broken": dict(summary.broken)},
    )
    return summary


def check_urls(
    urls: list[str],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    per_host: int = DEFAULT_PER_HOST,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    address_policy: AddressPolicy | None = None,
    adapters: Mapping[str, BaseAdapter] | None = None,
) -> LinkCheckSummary:
    """Check these URLs as `check_links` does and store each outcome; the scores are left to
    the caller to recompute.

    `adapters` are requests transport adapters by URL prefix, mounted on every session: the
    service's own /samples/ are answered by the app in process (`samples.in_process`).
    """
    policy = address_policy or AddressPolicy()
    started = time.perf_counter()
    summary = LinkCheckSummary()
    if progress:
        progress(0, len(urls))
    batch: list[LinkOutcome] = []
    sessions = _Sessions(policy, adapters or {})
    for outcome in _check_all(urls, sessions, concurrency=concurrency, per_host=per_host, timeout=timeout):
        summary.checked += 1
        if outcome.ok:
            summary.ok += 1
        else:
            summary.broken[outcome.kind] += 1
        batch.append(outcome)
        if len(batch) >= BATCH_SIZE:
            _store(batch)
            batch = []
        if progress:
            progress(summary.checked, len(urls))
    if batch:
        _store(batch)
    summary.elapsed_seconds = time.perf_counter() - started
    return summary


def links_to_check(
    *, organisation_id: Any = None, older_than: timedelta | None = None
) -> tuple[list[str], int]:
    """The distinct URLs of entries that are not deleted, and how many were left out as recently
    checked."""
    conditions = [Dataset.deleted_at.is_(None)]
    if organisation_id is not None:
        conditions.append(Dataset.organisation_id == organisation_id)
    urls: set[str] = set()
    for access_url, download_url in db.session.execute(
        select(Distribution.access_url, Distribution.download_url)
        .join(Dataset, Distribution.dataset_id == Dataset.id)
        .where(*conditions)
    ):
        urls.update((access_url, download_url))
    urls.update(db.session.scalars(select(Dataset.endpoint_url).where(*conditions)))
    urls.discard(None)
    urls.discard("")
    skipped = 0
    if older_than is not None:
        recent = set(
            db.session.scalars(select(LinkCheck.url).where(LinkCheck.checked_at > utcnow() - older_than))
        )
        skipped = len(urls & recent)
        urls -= recent
    return sorted(urls), skipped


def _check_all(
    urls: list[str], sessions: _Sessions, *, concurrency: int, per_host: int, timeout: float
) -> Iterator[LinkOutcome]:
    limiter = _HostLimiter(per_host)
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="link-check")
    try:
        futures = [
            executor.submit(_check_link, url, sessions, limiter, timeout) for url in _spread_hosts(urls)
        ]
        for future in as_completed(futures):
            yield future.result()
    finally:
        # An interrupted run (^C) stops at the requests in flight instead of finishing the queue.
        executor.shutdown(wait=True, cancel_futures=True)
        sessions.close()


def _check_link(url: str, sessions: _Sessions, limiter: _HostLimiter, timeout: float) -> LinkOutcome:
    """Check one URL: HEAD, or GET where HEAD is refused, following redirects; never raises."""
    spent = 0.0
    status: int | None = None
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            _require_web_address(current)
            hop_started = time.perf_counter()
            try:
                with limiter.slot(current):
                    status, location = _ask(sessions.get(), current, timeout)
            finally:
                spent += time.perf_counter() - hop_started
            if status not in REDIRECTS or not location:
                return LinkOutcome(url, status, ok=200 <= status < 400, elapsed_ms=round(spent * 1000))
            current = urljoin(current, location)
        raise _Failed("too many redirects")
    except _Failed as failure:
        return LinkOutcome(url, status, ok=False, error=failure.args[0], elapsed_ms=round(spent * 1000))
    except Exception as error:  # one URL must never stop the run
        logger.warning("Link check of a URL failed unexpectedly: %s", type(error).__name__)
        return LinkOutcome(url, status, ok=False, error="check failed", elapsed_ms=round(spent * 1000))


def _require_web_address(url: str) -> None:
    """Refuse, without a request, what is not an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port out of range
    except ValueError as error:
        raise _Failed("invalid URL") from error
    if parts.scheme.lower() not in {"http", "https"}:
        raise _Failed("not an http(s) URL")
    if not parts.hostname:
        raise _Failed("invalid URL")


def _ask(session: requests.Session, url: str, timeout: float) -> tuple[int, str | None]:
    """One hop: the status and any redirect target."""
    try:
        with session.head(url, timeout=(timeout, timeout), allow_redirects=False) as response:
            if response.status_code not in HEAD_REFUSED:
                return response.status_code, response.headers.get("Location")
    except REQUEST_ERRORS as error:
        # A server that mishandles HEAD (drops the connection, sends garbage) may still serve GET.
        if _describe(error) not in RETRY_WITH_GET:
            raise _Failed(_describe(error)) from error
    try:
        with session.get(url, timeout=(timeout, timeout), allow_redirects=False, stream=True) as response:
            response.raw.read(SAMPLE_BYTES, decode_content=False)
            return response.status_code, response.headers.get("Location")
    except REQUEST_ERRORS as error:
        raise _Failed(_describe(error)) from error


# requests' own errors, and urllib3's and the socket's, which reading a streamed body raises unwrapped.
REQUEST_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)
RETRY_WITH_GET = frozenset({"connection reset", "bad response"})


def _describe(error: BaseException) -> str:
    """A short fixed phrase for a failed request (an exception's own text may carry the URL)."""
    causes = list(_causes(error))

    def caused_by(*types: type[BaseException]) -> bool:
        return any(isinstance(c, types) for c in causes)

    # First: it is a urllib3 NewConnectionError, which the tests below would name otherwise.
    if caused_by(AddressNotAllowedError):
        return "address not allowed"
    # Not urllib3's TimeoutError: its NewConnectionError (refused, no such host…) is one too.
    if caused_by(requests.Timeout, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        return "timed out"
    if caused_by(requests.exceptions.SSLError, urllib3.exceptions.SSLError, ssl.SSLError):
        return "TLS error"
    if caused_by(ConnectionRefusedError):
        return "connection refused"
    if caused_by(urllib3.exceptions.NameResolutionError, socket.gaierror):
        return "host not found"
    if caused_by(
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
        urllib3.exceptions.LocationParseError,
    ):
        return "invalid URL"
    if caused_by(ConnectionResetError, http.client.RemoteDisconnected):
        return "connection reset"
    if caused_by(
        http.client.HTTPException,
        urllib3.exceptions.ProtocolError,
        urllib3.exceptions.DecodeError,
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
    ):
        return "bad response"
    # Every requests error is an OSError, so this test comes last.
    if caused_by(requests.ConnectionError, OSError):
        return "connection failed"
    return "request failed"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps: requests wraps urllib3, which wraps the socket's error."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        pending.extend(w for w in wrapped if isinstance(w, BaseException))


def _spread_hosts(urls: list[str]) -> list[str]:
    """The URLs with hosts taking turns, so the workers are not all queued on one host's limit."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(_host(url), []).append(url)
    rounds = itertools.zip_longest(*by_host.values())
    return [url for row in rounds for url in row if url is not None]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class _HostLimiter:
    """No more than `per_host` requests to one host at once (a semaphore per host name)."""

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.Semaphore] = {}

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        host = _host(url)
        with self._lock:
            semaphore = self._semaphores.setdefault(host, threading.Semaphore(self.per_host))
        with semaphore:
            yield


class _Sessions:
    """A `requests.Session` per worker thread (a session's connection pool is not shared safely),
    each connecting only where `policy` allows, with `adapters` mounted for their URL prefixes."""

    def __init__(self, policy: AddressPolicy, adapters: Mapping[str, BaseAdapter]) -> None:
        self.policy = policy
        self.adapters = dict(adapters)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[requests.Session] = []

    def get(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = guarded_session(self.policy)
            session.headers["User-Agent"] = USER_AGENT
            for prefix, adapter in self.adapters.items():
                session.mount(prefix, adapter)
            self._local.session = session
            with self._lock:
                self._all.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._all:
                session.close()
            self._all.clear()


def _store(outcomes: list[LinkOutcome]) -> None:
    """Upsert one batch of outcomes and commit it (a long run keeps what it has done)."""
    checked_at = utcnow()
    rows = [
        {
            "url": o.url,
            "status_code": o.status_code,
            "ok": o.ok,
            "error": o.error,
            "checked_at": checked_at,
            "elapsed_ms": o.elapsed_ms,
        }
        for o in outcomes
    ]
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(LinkCheck).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[LinkCheck.url],
        set_={name: statement.excluded[name] for name in rows[0] if name != "url"},
    )
    db.session.execute(statement)
    db.session.commit()
