"""The harvester's HTTP client: it retries what may pass, gives up clearly on what will not,
says who it is, and never follows a redirect away from the web."""

from __future__ import annotations

import pytest

from marketplace.harvest.client import MAX_REDIRECTS, SourceClient, SourceError
from tests.harvest.source_server import Answer, source_server


def _client(**overrides) -> SourceClient:
    settings = {"base_url": "http://catalogue.test", "timeout": 1, "retries": 2, "backoff_ms": 1} | overrides
    return SourceClient(**settings)


def test_it_reads_json_and_says_who_it_is():
    with source_server() as server:
        server.set("/a", Answer(body=b'{"ok": true}'))
        assert _client().get_json(server.url("/a")) == {"ok": True}
        assert server.user_agents == {"DataMarketplace-Harvester/1.0 (+http://catalogue.test)"}


def test_a_failing_source_is_retried_then_reported_with_its_status():
    with source_server() as server:
        server.set("/broken", Answer(status=500, body=b"oops"))
        with pytest.raises(SourceError, match=r"answered 500 Internal Server Error"):
            _client(retries=2).get(server.url("/broken"))
        assert server.count("/broken") == 3  # the first try and two retries


def test_a_missing_page_is_not_retried():
    with source_server() as server:
        with pytest.raises(SourceError, match="answered 404"):
            _client().get(server.url("/nowhere"))
        assert server.count("/nowhere") == 1


def test_a_source_that_does_not_answer_in_time_is_reported():
    with source_server() as server:
        server.set("/slow", Answer(body=b"{}", delay=2.0))
        with pytest.raises(SourceError, match="did not answer in time"):
            _client(timeout=0.3, retries=0).get(server.url("/slow"))


def test_malformed_json_is_reported_naming_the_address():
    with source_server() as server:
        server.set("/bad", Answer(body=b'{"results": [1, 2'))
        with pytest.raises(SourceError, match=r"/bad did not send valid JSON"):
            _client().get_json(server.url("/bad"))


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://files.test/x", "gopher://x/"])
def test_a_redirect_away_from_http_is_never_followed(target):
    with source_server() as server:
        server.set("/away", Answer(status=302, location=target))
        with pytest.raises(SourceError, match="only http and https addresses are harvested"):
            _client().get(server.url("/away"))


def test_redirects_within_the_web_are_followed_up_to_a_limit():
    with source_server() as server:
        server.set("/old", Answer(status=301, location="/new"))
        server.set("/new", Answer(body=b"[]"))
        assert _client().get_json(server.url("/old")) == []
        server.set("/loop", Answer(status=302, location="/loop"))
        with pytest.raises(SourceError, match=f"More than {MAX_REDIRECTS} redirects"):
            _client().get(server.url("/loop"))


def test_only_web_addresses_are_read():
    with pytest.raises(SourceError, match="only http and https"):
        _client().get("file:///etc/hosts")
