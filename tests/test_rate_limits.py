"""Rate limits over real HTTP, counted in memory and in Redis: each limited endpoint answers 429
with Retry-After once its limit is spent (a GOV.UK page for browsers, problem+json otherwise),
authenticated API callers get their higher limit, two workers sharing Redis share the counts,
and a Redis that is down never fails a request.

The limits are the policy's own (marketplace/limits.py), not smaller ones made for the tests;
every count starts empty (a key prefix per test) and is removed afterwards.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from http.cookiejar import DefaultCookiePolicy

import pytest
import redis
import requests
from flask import Flask
from limits import parse_many
from sqlalchemy import func, select

from marketplace import create_app, limits
from marketplace.extensions import db
from marketplace.models import Feedback
from tests.auth.signin import configure_provider, csrf_token, sign_in_as
from tests.conftest import empty_all_tables, make_app, serving
from tests.factories import create_organisation, create_token, create_user
from tests.production import production_settings
from tests.web.pages import BROWSER_ACCEPT

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PUBLISHER = "publisher@dft.gov.uk"
JSON = {"Accept": "application/json"}
HTML = {"Accept": BROWSER_ACCEPT}


def per_minute(limit: str) -> int:
    """How many requests a minute a limit string of the policy allows."""
    return next(item.amount for item in parse_many(limit) if item.GRANULARITY.name == "minute")


def redis_reachable() -> str | None:
    """None if Redis answers, else why not."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"{type(error).__name__}: {error}"
    return None


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> str:
    """REDIS_URL for the run: empty (each process's memory) or the test Redis."""
    if request.param == "memory":
        return ""
    if (why := redis_reachable()) is not None:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({why}): start it to test shared limits")
    return REDIS_URL


@pytest.fixture
def key_prefix() -> Iterator[str]:
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    if redis_reachable() is None:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)


@pytest.fixture
def limited_apps(database_url, tmp_path, key_prefix) -> Iterator[Callable[..., Flask]]:
    """Make apps with the limits on, sharing the run's database and (unless told) one key prefix;
    the first one's context stays pushed for factories. Tables are emptied afterwards."""
    made: list[Flask] = []
    with ExitStack() as stack:

        def make(**overrides) -> Flask:
            config = {"RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": key_prefix, **overrides}
            app = make_app(database_url, tmp_path / f"app{len(made)}", **config)
            if not made:
                stack.enter_context(app.app_context())
            made.append(app)
            return app

        yield make
        db.session.remove()
        empty_all_tables()
        db.session.remove()
        for app in made:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def base(limited_apps, storage) -> Iterator[str]:
    """One worker with the limits on, served over HTTP."""
    with serving(limited_apps(REDIS_URL=storage)) as base_url:
        yield base_url


def spend(method: str, url: str, times: int, **kwargs) -> list[int]:
    """Make the same request `times` times from a client that keeps no cookies; the statuses."""
    with requests.Session() as session:
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        return [session.request(method, url, timeout=10, **kwargs).status_code for _ in range(times)]


def assert_refused(response: requests.Response, *, html: bool) -> int:
    """429 with a Retry-After of at most the window, as a GOV.UK page or problem+json."""
    assert response.status_code == 429, response.text[:500]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    if html:
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Sorry, there have been too many requests" in response.text
        assert "then try again" in response.text
    else:
        assert response.headers["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 429 and body["retry_after"] == retry_after
        assert "then try again" in body["detail"]
    return retry_after


def test_the_policy_names_only_endpoints_that_exist(app):
    assert set(limits.ENDPOINT_RULES) | set(limits.EXTRA_API_RULES) <= set(app.view_functions)


def test_sign_in_stops_after_its_limit_with_a_page_for_browsers_and_json_for_others(base):
    allowed = per_minute(limits.SIGN_IN)
    statuses = spend("GET", f"{base}/login", allowed, headers=HTML, allow_redirects=False)
    assert statuses == [302] * allowed
    assert_refused(requests.get(f"{base}/login", headers=HTML, allow_redirects=False, timeout=10), html=True)
    assert_refused(requests.get(f"{base}/login", headers=JSON, allow_redirects=False, timeout=10), html=False)


def test_the_sign_in_callback_stops_after_its_limit(base):
    allowed = per_minute(limits.SIGN_IN)
    url = f"{base}/auth/callback?code=guess&state=guess"
    assert 429 not in spend("GET", url, allowed, headers=HTML)
    assert_refused(requests.get(url, headers=HTML, timeout=10), html=True)


def test_the_embedded_providers_token_endpoint_stops_after_its_limit(base):
    allowed = per_minute(limits.PROVIDER_TOKEN)
    form = {"grant_type": "authorization_code", "code": "guess", "redirect_uri": f"{base}/auth/callback"}
    assert 429 not in spend("POST", f"{base}/dev-idp/token", allowed, data=form)
    assert_refused(requests.post(f"{base}/dev-idp/token", data=form, timeout=10), html=False)


def test_back_channel_logout_stops_an_address_that_sends_refused_logout_tokens(base):
    allowed = per_minute(limits.BACKCHANNEL_LOGOUT_REFUSALS)
    url = f"{base}/auth/backchannel-logout"
    assert spend("POST", url, allowed, data={"logout_token": "forged"}) == [400] * allowed
    assert_refused(requests.post(url, data={"logout_token": "forged"}, timeout=10), html=False)


def test_an_address_that_sends_unknown_api_tokens_is_refused_any_token_but_may_read_without_one(base):
    secret = create_token(user=create_user(email="reader@cabinetoffice.gov.uk", roles=()))
    allowed = per_minute(limits.BEARER_FAILURES)
    me, bad = f"{base}/api/v1/me", {"Authorization": "Bearer dm_guessed"}
    valid = {"Authorization": f"Bearer {secret}"}
    assert spend("GET", me, allowed - 1, headers=bad) == [401] * (allowed - 1)
    # A token that checks out does not count, and is still accepted below the limit.
    assert requests.get(me, headers=valid, timeout=10).status_code == 200
    assert requests.get(me, headers=bad, timeout=10).status_code == 401
    assert_refused(requests.get(me, headers=bad, timeout=10), html=False)
    # Once over, a right guess is refused like a wrong one: guessing tells nothing.
    assert_refused(requests.get(me, headers=valid, timeout=10), html=False)
    assert requests.get(f"{base}/api/v1/licences", timeout=10).status_code == 200


def test_the_api_stops_an_anonymous_address_after_its_limit(base):
    allowed = per_minute(limits.API_ANONYMOUS)
    assert spend("GET", f"{base}/api/v1/licences", allowed) == [200] * allowed
    assert_refused(requests.get(f"{base}/api/v1/organisations", timeout=10), html=False)


def test_an_api_token_gets_the_higher_limit_counted_apart_from_its_address(base):
    secret = create_token(user=create_user(email="harvester@cabinetoffice.gov.uk", roles=()))
    anonymous, authenticated = per_minute(limits.API_ANONYMOUS), per_minute(limits.API_AUTHENTICATED)
    assert authenticated > anonymous
    assert spend("GET", f"{base}/api/v1/licences", anonymous) == [200] * anonymous
    assert requests.get(f"{base}/api/v1/licences", timeout=10).status_code == 429
    token = {"Authorization": f"Bearer {secret}"}
    assert spend("GET", f"{base}/api/v1/licences", authenticated, headers=token) == [200] * authenticated
    assert_refused(requests.get(f"{base}/api/v1/licences", headers=token, timeout=10), html=False)


def test_the_find_pages_share_one_limit(base):
    create_organisation(slug="department-for-transport")
    allowed = per_minute(limits.FIND_PAGES)
    half = allowed // 2
    assert spend("GET", f"{base}/datasets", half, headers=HTML) == [200] * half
    organisation = f"{base}/organisations/department-for-transport"
    assert spend("GET", organisation, allowed - half, headers=HTML) == [200] * (allowed - half)
    assert_refused(requests.get(f"{base}/datasets?q=roads", headers=HTML, timeout=10), html=True)
    assert_refused(requests.get(organisation, headers=HTML, timeout=10), html=True)


@pytest.fixture
def publisher(base) -> requests.Session:
    """A publisher signed in through the embedded provider, as a browser."""
    dft = create_organisation(slug="department-for-transport", email_domains=["dft.gov.uk"])
    create_user(email=PUBLISHER, organisation=dft, roles=("publisher",))
    configure_provider(base, reset=True)
    browser, response = sign_in_as(base, PUBLISHER)
    assert response.status_code == 200, response.text[:500]
    browser.headers.update(HTML)
    return browser


def test_token_creation_stops_a_person_after_its_limit(base, publisher):
    allowed = int(limits.TOKEN_CREATION.split()[0])
    url = f"{base}/account/tokens"
    csrf = csrf_token(publisher.get(url, timeout=10).text)
    form = {"csrf_token": csrf, "name": "script", "scope": ["read"], "expires": "30"}
    assert [publisher.post(url, data=form, timeout=10).status_code for _ in range(allowed)] == [200] * allowed
    assert_refused(publisher.post(url, data=form, timeout=10), html=True)


def test_csv_import_stops_a_person_after_its_limit(base, publisher):
    allowed = int(limits.CSV_IMPORT.split()[0])
    url = f"{base}/publish/import"
    form = {"csrf_token": csrf_token(publisher.get(url, timeout=10).text)}
    # Uploads without a file: refused by the page, but counted all the same.
    statuses = [publisher.post(url, data=form, timeout=10).status_code for _ in range(allowed)]
    assert statuses == [400] * allowed
    assert_refused(publisher.post(url, data=form, timeout=10), html=True)
    assert_refused(publisher.post(f"{url}/confirm", data=form, timeout=10), html=True)


def test_feedback_stops_an_address_after_its_limit_and_what_is_refused_is_not_kept(base):
    allowed = int(limits.FEEDBACK.split()[0])
    url = f"{base}/feedback"
    with requests.Session() as browser:
        browser.headers.update(HTML)
        form = {"csrf_token": csrf_token(browser.get(url, timeout=10).text), "message": "Hello"}
        statuses = [
            browser.post(url, data=form, allow_redirects=False, timeout=10).status_code
            for _ in range(allowed)
        ]
        assert statuses == [303] * allowed
        assert_refused(browser.post(url, data=form, allow_redirects=False, timeout=10), html=True)
        # Reading the form is not limited: only sending it.
        assert browser.get(url, timeout=10).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == allowed


def test_two_workers_sharing_redis_share_the_counts(limited_apps):
    if (why := redis_reachable()) is not None:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({why}): start it to test shared limits")
    allowed = per_minute(limits.SIGN_IN)
    with serving(limited_apps(REDIS_URL=REDIS_URL)) as one, serving(limited_apps(REDIS_URL=REDIS_URL)) as two:
        statuses = [
            requests.get(f"{(one, two)[n % 2]}/login", allow_redirects=False, timeout=10).status_code
            for n in range(allowed)
        ]
        assert statuses == [302] * allowed
        for worker in (one, two):
            assert_refused(requests.get(f"{worker}/login", allow_redirects=False, timeout=10), html=False)


def test_without_redis_each_worker_counts_alone(limited_apps):
    allowed = per_minute(limits.SIGN_IN)
    with serving(limited_apps(REDIS_URL="")) as one, serving(limited_apps(REDIS_URL="")) as two:
        for worker in (one, two):
            assert spend("GET", f"{worker}/login", allowed, allow_redirects=False) == [302] * allowed


def test_a_redis_that_is_down_fails_open_and_each_worker_still_counts(limited_apps, caplog):
    app = limited_apps(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    allowed = per_minute(limits.SIGN_IN)
    with caplog.at_level(logging.WARNING), serving(app) as base_url:
        assert spend("GET", f"{base_url}/login", allowed, allow_redirects=False) == [302] * allowed
        assert_refused(requests.get(f"{base_url}/login", allow_redirects=False, timeout=10), html=False)
        bad = {"Authorization": "Bearer dm_guessed"}
        assert 500 not in spend("GET", f"{base_url}/api/v1/me", 3, headers=bad)
    assert any("storage unreachable" in record.getMessage() for record in caplog.records)


def test_a_client_cannot_choose_its_address_with_forwarded_headers(base):
    allowed = per_minute(limits.SIGN_IN)
    statuses = [
        requests.get(
            f"{base}/login", headers={"X-Forwarded-For": f"203.0.113.{n}"}, allow_redirects=False, timeout=10
        ).status_code
        for n in range(allowed + 1)
    ]
    assert statuses == [302] * allowed + [429]


def test_behind_a_proxy_each_forwarded_client_is_counted_on_its_own(limited_apps):
    allowed = per_minute(limits.SIGN_IN)
    with serving(limited_apps(PROXY_HOPS=1)) as base_url:
        first, second = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
        assert (
            spend("GET", f"{base_url}/login", allowed, headers=first, allow_redirects=False)
            == [302] * allowed
        )
        assert (
            requests.get(f"{base_url}/login", headers=first, allow_redirects=False, timeout=10).status_code
            == 429
        )
        assert (
            requests.get(f"{base_url}/login", headers=second, allow_redirects=False, timeout=10).status_code
            == 302
        )


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_network(app, address, counted_as):
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        assert limits.client_address() == counted_as


def test_with_limits_off_nothing_is_counted(live_server):  # the suite's own configuration
    times = 2 * per_minute(limits.SIGN_IN)
    assert 429 not in spend("GET", f"{live_server}/login", times, allow_redirects=False)


def test_production_without_redis_warns_that_each_worker_counts_alone(tmp_path, caplog):
    # Production's log does not propagate to the root, where caplog listens: listen here.
    logger = logging.getLogger("marketplace.limits")
    logger.addHandler(caplog.handler)
    try:
        create_app(production_settings(tmp_path), instance_path=str(tmp_path / "one"))
        assert any("REDIS_URL is not set" in record.getMessage() for record in caplog.records)
        caplog.clear()
        create_app(production_settings(tmp_path, REDIS_URL=REDIS_URL), instance_path=str(tmp_path / "two"))
        assert not any("REDIS_URL" in record.getMessage() for record in caplog.records)
    finally:
        logger.removeHandler(caplog.handler)


def test_the_ckan_api_and_dcat_pages_share_the_apis_count(base):
    allowed = per_minute(limits.API_ANONYMOUS)
    half = allowed // 2
    assert spend("GET", f"{base}/api/3/action/status_show", half) == [200] * half
    assert spend("GET", f"{base}/catalog.ttl", allowed - half) == [200] * (allowed - half)
    assert_refused(requests.get(f"{base}/api/action/site_read", timeout=10), html=False)
    assert_refused(requests.get(f"{base}/api/v1/licences", timeout=10), html=False)


def test_the_whole_catalogue_download_has_a_tighter_limit_of_its_own_within_the_apis(base):
    allowed = next(item.amount for item in parse_many(limits.BULK_DOWNLOAD))
    assert allowed < per_minute(limits.API_ANONYMOUS)
    assert spend("GET", f"{base}/api/v1/datasets.jsonl", allowed) == [200] * allowed
    assert_refused(requests.get(f"{base}/api/v1/datasets.jsonl", timeout=10), html=False)
    # The rest of the API still answers; the downloads counted towards its limit too (the refused
    # one as well: Flask-Limiter had counted it there before the download's own limit refused it).
    left = per_minute(limits.API_ANONYMOUS) - allowed - 1
    assert spend("GET", f"{base}/api/v1/licences", left) == [200] * left
    assert requests.get(f"{base}/api/v1/licences", timeout=10).status_code == 429


@pytest.mark.parametrize("header", ["Authorization", "X-CKAN-API-Key"])
def test_a_token_sent_as_ckan_clients_send_it_gets_the_higher_limit(base, header):
    secret = create_token(user=create_user(email="ckan@cabinetoffice.gov.uk", roles=()))
    anonymous, authenticated = per_minute(limits.API_ANONYMOUS), per_minute(limits.API_AUTHENTICATED)
    url = f"{base}/api/3/action/status_show"
    assert spend("GET", url, anonymous) == [200] * anonymous
    assert requests.get(url, timeout=10).status_code == 429
    assert spend("GET", url, authenticated, headers={header: secret}) == [200] * authenticated
    assert_refused(requests.get(url, headers={header: secret}, timeout=10), html=False)
