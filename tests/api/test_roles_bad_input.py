"""Bad input to the roles API is refused as problem+json naming the field, and changes nothing: a
role that cannot be granted, an address outside the organisation, a malformed, too long or NUL
email."""

from __future__ import annotations

import pytest

from tests.api.roles import refused_change, role_path


@pytest.mark.parametrize("role", ["site_admin", "member", "banana"])
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_only_publisher_and_org_admin_can_be_granted_or_revoked(client, tokens, method, role):
    problem = refused_change(
        client,
        method,
        role_path("bob@dft.gov.uk", role),
        status=422,
        fields=("role",),
        token=tokens.org_admin,
    )
    assert role in problem["errors"]["role"][0]


@pytest.mark.parametrize(
    "email",
    [
        "mallory@gmail.com",
        "ed@education.gov.uk",  # another department's person
        "carol@notdft.gov.uk",  # ends with the domain's text, but is not a subdomain
        "carol@dft.gov.uk.example.com",
        "carol@gov.uk",
    ],
)
def test_a_role_goes_only_to_an_address_of_the_organisation(client, tokens, email):
    refused_change(
        client, "PUT", role_path(email, "publisher"), status=422, fields=("email",), token=tokens.org_admin
    )


@pytest.mark.parametrize(
    "email", ["not-an-email", "carol@", "@dft.gov.uk", "carol@@dft.gov.uk", "carol smith@dft.gov.uk"]
)
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_malformed_email_is_422_naming_it(client, tokens, method, email):
    refused_change(
        client, method, role_path(email, "publisher"), status=422, fields=("email",), token=tokens.org_admin
    )


@pytest.mark.parametrize("email", ["carol%00@dft.gov.uk", "ann@dft.gov.uk%00"])
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_nul_character_in_the_email_is_not_found(client, tokens, method, email):
    refused_change(client, method, role_path(email, "publisher"), status=404, token=tokens.org_admin)


@pytest.mark.parametrize(
    "email",
    [
        "a" * 250 + "@dft.gov.uk",
        "carol@" + ".".join(letter * 60 for letter in "abcd") + ".dft.gov.uk",
    ],
    ids=["long-local-part", "long-subdomain"],
)
def test_an_email_longer_than_can_be_stored_is_422_naming_it(client, tokens, email):
    assert len(email) > 254
    refused_change(
        client, "PUT", role_path(email, "publisher"), status=422, fields=("email",), token=tokens.org_admin
    )
