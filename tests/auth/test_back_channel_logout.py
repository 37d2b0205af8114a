"""Back-channel logout from the provider: it ends the person's sessions in every browser, a missing or
forged token is refused, and a logout token is acted on once."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests

from tests.auth.signin import (
    ADMIN,
    PUBLISHER,
    configure_provider,
    eventually,
    me,
    sign_in_as,
    sign_out,
)


def test_back_channel_logout_ends_the_persons_sessions_in_every_browser(base):
    laptop, _ = sign_in_as(base, PUBLISHER)
    phone, _ = sign_in_as(base, PUBLISHER)
    colleague, _ = sign_in_as(base, ADMIN)
    assert me(base, phone).status_code == 200
    sign_out(base, laptop)
    # The provider tells the service in the background; the phone's session then ends too.
    assert eventually(lambda: me(base, phone).status_code == 401)
    assert me(base, colleague).status_code == 200


def test_back_channel_logout_refuses_a_missing_or_forged_token(base):
    missing = requests.post(f"{base}/auth/backchannel-logout", data={}, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    forged = requests.post(
        f"{base}/auth/backchannel-logout", data={"logout_token": "eyJhbGciOiJub25lIn0.e30."}, timeout=10
    )
    assert forged.status_code == 400
    assert forged.headers["Cache-Control"] == "no-store"


class _Receiver(BaseHTTPRequestHandler):
    """Stands in for a service's back-channel logout endpoint, keeping what it is sent."""

    received: list[str] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        type(self).received.append(form["logout_token"][0])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _captured_logout_token(base: str, email: str) -> str:
    """A real logout token from the provider, delivered to a receiver instead of the service."""
    handler = type("Receiver", (_Receiver,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        receiver = f"http://127.0.0.1:{server.server_port}/logout"
        configure_provider(base, client={"backchannel_logout_uri": receiver})
        ended = requests.post(f"{base}/dev-idp/sessions/end", json={"email": email}, timeout=10)
        assert ended.status_code == 200, ended.text
        assert eventually(lambda: bool(handler.received))
    finally:
        server.shutdown()
        server.server_close()
        configure_provider(base, reset=True)
    return handler.received[0]


def test_a_logout_token_is_acted_on_once_and_a_replay_is_refused(base):
    browser, _ = sign_in_as(base, PUBLISHER)
    token = _captured_logout_token(base, PUBLISHER)
    assert me(base, browser).status_code == 200  # the service has not been told yet

    header, payload, signature = token.split(".")
    tampered = ".".join(
        [header, payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1], signature]
    )
    refused = requests.post(f"{base}/auth/backchannel-logout", data={"logout_token": tampered}, timeout=10)
    assert refused.status_code == 400
    assert me(base, browser).status_code == 200

    first = requests.post(f"{base}/auth/backchannel-logout", data={"logout_token": token}, timeout=10)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert me(base, browser).status_code == 401

    again, _ = sign_in_as(base, PUBLISHER)
    replay = requests.post(f"{base}/auth/backchannel-logout", data={"logout_token": token}, timeout=10)
    assert replay.status_code == 400 and "used already" in replay.json()["error_description"]
    assert me(base, again).status_code == 200
