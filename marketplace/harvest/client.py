"""The HTTP client harvesting uses: bounded in time, size and redirects, and polite.

Written over requests and urllib3's Retry rather than by hand; what is ours is the policy: a
timeout on every request, retries with backoff on connection errors and 429/5xx (honouring
Retry-After), a User-Agent that says who we are, redirects followed only to http(s) addresses,
and a cap on the bytes read, so that a source cannot hold a run or its memory for ever.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import TimeoutError as urllib3_timeouts
from urllib3.util.retry import Retry

USER_AGENT = "DataMarketplace-Harvester/1.0 (+{base_url})"
MAX_REDIRECTS = 5
# A page of 1,000 CKAN packages is a few megabytes; a source sending more than this in one
# answer is not a catalogue page.
MAX_BYTES = 64 * 1024 * 1024


class SourceError(Exception):
    """The source could not be read: the run fails, saying this, and changes nothing."""


class SourceClient:
    def __init__(
        self, *, base_url: str, timeout: float = 30, retries: int = 3, backoff_ms: int = 500
    ) -> None:
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT.format(base_url=base_url or "no base URL")
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff_ms / 1000,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            respect_retry_after_header=True,
            redirect=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def get(self, url: str, *, params: dict[str, Any] | None = None, accept: str | None = None) -> bytes:
        """The body at `url`, following at most MAX_REDIRECTS redirects, each to http(s) only."""
        return self.get_typed(url, params=params, accept=accept)[0]

    def get_typed(
        self, url: str, *, params: dict[str, Any] | None = None, accept: str | None = None
    ) -> tuple[bytes, str]:
        """The body at `url` and its media type (the Content-Type without parameters)."""
        headers = {"Accept": accept} if accept else {}
        for _ in range(MAX_REDIRECTS + 1):
            _require_web_address(url)
            try:
                response = self.session.get(
                    url,
                    params=params,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                    stream=True,
                )
            except requests.RequestException as error:
                raise SourceError(f"Could not read {url}: {_reason(error)}") from error
            with response:
                if response.is_redirect:
                    url, params = urljoin(url, response.headers["Location"]), None
                    continue
                if response.status_code >= 400:
                    raise SourceError(f"{response.url} answered {response.status_code} {response.reason}.")
                media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                return _read_bounded(response), media_type
        raise SourceError(f"More than {MAX_REDIRECTS} redirects from {url}.")

    def get_json(self, url: str, *, params: dict[str, Any] | None = None) -> Any:
        body = self.get(url, params=params, accept="application/json")
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise SourceError(f"{url} did not send valid JSON: {error}.") from error


def _require_web_address(url: str) -> None:
    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        raise SourceError(f"Will not follow {url!r}: only http and https addresses are harvested.")


def _read_bounded(response: requests.Response) -> bytes:
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > MAX_BYTES:
                megabytes = MAX_BYTES // (1024 * 1024)
                raise SourceError(f"{response.url} sent more than {megabytes} MB in one answer.")
            chunks.append(chunk)
    except requests.RequestException as error:
        raise SourceError(f"Could not read {response.url}: {_reason(error)}") from error
    return b"".join(chunks)


def _reason(error: requests.RequestException) -> str:
    # After retries, requests wraps the last failure: a ConnectionError holding urllib3's
    # MaxRetryError, whose reason is what happened on the last try.
    last = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(error, requests.Timeout) or isinstance(last, TimeoutError | urllib3_timeouts):
        return "it did not answer in time"
    if isinstance(error, requests.exceptions.RetryError):
        return "it kept failing after retries"
    if isinstance(error, requests.ConnectionError):
        return "could not connect"
    return type(error).__name__
