"""An org admin's API clients in the browser: register one (an error first), copy its secret from
the page shown once, make a new secret, revoke it; every page checked with axe and at 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page

ADMIN = "admin@dft.gov.uk"  # DfT's org admin in the seed
CLIENTS = "/organisations/department-for-transport/api-clients"
SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_an_org_admin_registers_rotates_and_revokes_a_client(page_as, size):
    name = f"Transport catalogue ({size})"
    page = page_as(ADMIN)
    page.set_viewport_size(SIZES[size])
    page.goto(CLIENTS)
    expect(page.get_by_role("heading", level=1)).to_have_text("API clients")
    check_page(page, f"api-clients-{size}")

    page.get_by_role("button", name="Register an API client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register an API client")
    check_page(page, f"api-clients-new-{size}")
    page.get_by_label("Discover").uncheck()
    page.get_by_text("Public keys (JWK Set) for private_key_jwt").click()
    page.get_by_label("Public keys (JWK Set)").fill('{"keys": [{"kty": "RSA"}]}')
    page.get_by_role("button", name="Register client").click()
    expect(page).to_have_title(re.compile("^Error: Register an API client"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a name for the client")
    expect(summary).to_contain_text("Choose what the client may do")
    expect(summary).to_contain_text("JSON Web Key Set")
    check_page(page, f"api-clients-new-errors-{size}")

    page.locator("#name").fill(name)
    page.get_by_label("Publish").check()
    page.get_by_label("Public keys (JWK Set)").fill("")
    page.get_by_label("1 year").check()
    page.get_by_role("button", name="Register client").click()
    expect(page.locator(".govuk-panel")).to_contain_text("API client registered")
    secret = page.locator("#client-secret").inner_text()
    assert secret.startswith("dmcs_")
    expect(page.locator("#get-token-example")).to_contain_text(secret)
    check_page(page, f"api-clients-registered-{size}")

    page.get_by_role("link", name=re.compile("Back to Department for Transport")).click()
    card = page.locator(".govuk-summary-card").filter(has_text=name)
    card.get_by_role("link", name=f"Rotate secret ({name})").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure you want a new secret")
    check_page(page, f"api-clients-rotate-{size}")
    page.get_by_role("button", name="Yes, make a new secret").click()
    expect(page.locator(".govuk-panel")).to_contain_text("New secret made")
    assert page.locator("#client-secret").inner_text() != secret
    check_page(page, f"api-clients-rotated-{size}")

    page.goto(CLIENTS)
    card.get_by_role("link", name=f"Revoke ({name})").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure you want to revoke")
    check_page(page, f"api-clients-revoke-{size}")
    page.get_by_role("button", name="Yes, revoke this client").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been revoked")
    expect(card).to_contain_text("Revoked")
    check_page(page, f"api-clients-revoked-{size}")
