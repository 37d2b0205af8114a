"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest

from tests.factories import create_organisation, create_token, create_user


@pytest.fixture
def token(app) -> str:
    """A token of a publisher at the Department for Transport."""
    organisation = create_organisation()
    user = create_user(email="ann@dft.gov.uk", organisation=organisation, roles=("publisher",))
    return create_token(user=user)
