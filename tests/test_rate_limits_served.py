"""The rate limits across real gunicorn instances sharing Redis: a flood from one address is
refused by every instance once the address's count is spent, while a harvester with a token,
within its own limit, is never refused, even from the same address at the same time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests

from marketplace import limits
from tests.factories import create_dataset, create_organisation, create_token, create_user
from tests.production import production_environment
from tests.test_rate_limits import REDIS_URL, per_minute, redis_reachable

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, index: Path, key_prefix: str) -> Iterator[str]:
    """One gunicorn instance (two workers), production settings, limits counted in Redis."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        **production_environment(base),
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(index),
        "RATELIMIT_ENABLED": "1",
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": key_prefix,
    }
    command = [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    process = subprocess.Popen(
        [*command, "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        while True:  # until it answers (or dies, which fails the test with its output)
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None, process.stdout.read().decode()
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture
def key_prefix() -> Iterator[str]:
    if (why := redis_reachable()) is not None:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({why}): start it to test shared limits")
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def test_two_gunicorn_instances_share_one_count_per_address_and_spare_a_harvester(
    app, database_url, tmp_path, key_prefix
):
    organisation = create_organisation()
    create_dataset(organisation=organisation, title="Bathing water quality")
    harvester = create_token(user=create_user(email="harvest@dft.gov.uk", organisation=organisation))
    allowed = per_minute(limits.API_ANONYMOUS)
    harvest_pages = allowed + 20  # more than an address may make, well within a token's limit
    assert harvest_pages < per_minute(limits.API_AUTHENTICATED)

    with (
        gunicorn(database_url, tmp_path / "a", key_prefix) as a,
        gunicorn(database_url, tmp_path / "b", key_prefix) as b,
        requests.Session() as flood,
        requests.Session() as harvest,
    ):
        statuses = [
            flood.get(f"{(a, b)[n % 2]}/api/v1/datasets", timeout=10).status_code for n in range(allowed)
        ]
        assert statuses == [200] * allowed
        for base in (a, b):  # spent on both instances, in every worker
            for _ in range(2):
                refused = flood.get(f"{base}/api/v1/datasets", timeout=10)
                assert refused.status_code == 429
                assert refused.headers["Content-Type"] == "application/problem+json"
                assert 1 <= int(refused.headers["Retry-After"]) <= 60

        headers = {"Authorization": f"Bearer {harvester}"}
        pages = [
            harvest.get(f"{(a, b)[n % 2]}/api/v1/datasets", headers=headers, timeout=10).status_code
            for n in range(harvest_pages)
        ]
        assert pages == [200] * harvest_pages
        # The flood is still refused meanwhile: the harvester's pages counted apart from it.
        assert flood.get(f"{a}/api/v1/datasets", timeout=10).status_code == 429
