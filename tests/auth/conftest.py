"""What the sign-in tests share: the Department for Transport with a publisher and an org admin,
and the development provider configured for the live server."""

from __future__ import annotations

import pytest

from tests.auth.signin import (
    ADMIN,
    PUBLISHER,
    configure_provider,
)
from tests.factories import create_organisation, create_user


@pytest.fixture
def base(app, live_server):
    dft = create_organisation(slug="department-for-transport", email_domains=["dft.gov.uk"])
    create_user(email=PUBLISHER, organisation=dft, roles=("publisher",))
    create_user(email=ADMIN, organisation=dft, roles=("org_admin",))
    configure_provider(live_server, reset=True)
    return live_server
