from __future__ import annotations

import pytest

from tests.devidp.oidc_client import OneLoginClient


@pytest.fixture
def rp(app, live_server) -> OneLoginClient:
    """The service's registration, played by hand against the provider on a live server.
    The provider signs in its configured user at once, unless a test turns that back on."""
    one_login = OneLoginClient(live_server, app)
    one_login.configure(reset=True, interactive=False)
    return one_login
