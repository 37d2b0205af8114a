"""The service's own sample files, answered by the app in this process when the link checker asks
for them: a requests transport adapter mounted for BASE_URL/samples/.

The seed checks them before any server runs (`seeding.sample_links`), and `quality check-links`
checks them with everything else; over the network the checker would refuse them in development
(BASE_URL is on loopback, which it never asks, against server-side request forgery) and, behind
a proxy, would ask the public host for files this process holds. The answers are the app's own:
its routing, its HEAD handling, its 404 for a file that is not there.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

from marketplace.samples import SAMPLES_PATH


def samples_prefix(app: Flask) -> str:
    """Where the app's sample files are, as entries link to them."""
    return app.config["BASE_URL"] + SAMPLES_PATH


def own_sample_adapters(app: Flask) -> dict[str, BaseAdapter]:
    """The link checker's transport adapters for the app's own sample files, by URL prefix."""
    return {samples_prefix(app): InProcessAdapter(app)}


class InProcessAdapter(BaseAdapter):
    """A requests transport that answers by calling a WSGI app in this process (no socket)."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> Response:
        url = urlsplit(request.url or "")
        builder = EnvironBuilder(
            path=url.path,
            query_string=url.query,
            base_url=f"{url.scheme}://{url.netloc}",
            method=request.method,
            headers=list(request.headers.items()),
            data=request.body or b"",
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        body, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        code, _, reason = status.partition(" ")
        response = Response()
        response.status_code = int(code)
        response.reason = reason
        response.headers = CaseInsensitiveDict(headers.items())
        response.encoding = get_encoding_from_headers(response.headers)
        # The checker reads the first bytes of a GET's body from `raw`, as from a socket.
        response.raw = HTTPResponse(
            body=io.BytesIO(b"".join(body)),
            headers=list(headers.items()),
            status=int(code),
            reason=reason,
            request_method=request.method,  # so an answer to HEAD is known to have no body
            preload_content=False,
            decode_content=False,
        )
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass
