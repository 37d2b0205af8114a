"""Signing in and out through the embedded provider's page, and an API token made in the browser."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.signin import header, one_login_header
from tests.factories import valid_entry

PUBLISHER = "publisher@dft.gov.uk"
# Signing out ends every session of that user (the provider's back-channel logout), so the
# sign-out test uses a publisher whom no other test signs in as.
SIGNING_OUT = "publisher@defra.gov.uk"


def test_a_publisher_signs_in_on_the_providers_page_lands_where_they_asked_and_signs_out(
    page: Page, base_url: str
):
    page.goto("/account/tokens")
    # Sent to the embedded provider's page: pick a user with the radios, Continue.
    expect(page.get_by_role("heading", name="Who do you want to sign in as?")).to_be_visible()
    page.get_by_label(SIGNING_OUT, exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{base_url}/account/tokens")
    expect(page.get_by_role("heading", name="Your API tokens", level=1)).to_be_visible()
    expect(header(page).get_by_role("link", name="Your account")).to_be_visible()
    expect(header(page).get_by_role("link", name="Sign in")).to_have_count(0)

    one_login_header(page).get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base_url)}/signed-out(\?|$)"))
    expect(page.get_by_role("heading", name="You have signed out", level=1)).to_be_visible()
    expect(header(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(header(page).get_by_role("link", name="Your account")).to_have_count(0)

    page.goto("/account")
    expect(page.get_by_role("heading", name="Who do you want to sign in as?")).to_be_visible()


def test_a_token_made_on_the_tokens_page_creates_and_deletes_an_entry_through_the_api(page_as, base_url: str):
    page = page_as(PUBLISHER)
    page.goto("/account/tokens")
    page.get_by_label("Name").fill("browser test harvester")
    page.get_by_label("Publish").check()
    page.get_by_label("In 30 days").check()
    page.get_by_role("button", name="Create token").click()

    expect(page.get_by_role("heading", name="Token created")).to_be_visible()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("dm_")
    check_page(page, "tokens-new-token-shown")
    # Creating redirected to the list, so a refresh shows the list again and makes no second token.
    page.reload()
    expect(page.get_by_role("heading", name="Your API tokens")).to_be_visible()
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="browser test harvester")).to_have_count(1)

    entry = valid_entry(title="Road casualties made with a browser-made token")
    response = requests.post(
        f"{base_url}/api/v1/datasets", json=entry, headers={"Authorization": f"Bearer {secret}"}, timeout=10
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["title"] == entry["title"]

    page.goto("/account/tokens")
    row = page.get_by_role("row").filter(has_text="browser test harvester")
    expect(row).to_contain_text("publish, read")
    expect(row).not_to_contain_text("Not used")

    # The token deletes it too; its page then says it is gone.
    deleted = requests.delete(
        f"{base_url}/api/v1/datasets/{created['id']}",
        headers={"Authorization": f"Bearer {secret}"},
        timeout=10,
    )
    assert deleted.status_code == 204, deleted.text
    assert page.goto(f"/datasets/{created['slug']}").status == 410
    check_page(page, "gone")

    # Revoking asks first; the token works until "Yes" is chosen.
    page.goto("/account/tokens")
    page.get_by_role("link", name="Revoke the token \N{LEFT SINGLE QUOTATION MARK}browser test").click()
    expect(page.get_by_role("heading", name=re.compile("^Are you sure you want to revoke"))).to_be_visible()
    check_page(page, "tokens-revoke-confirm")
    me = requests.get(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert me.status_code == 200
    page.get_by_role("button", name="Yes, revoke this token").click()
    expect(page.get_by_text("has been revoked")).to_be_visible()
    me = requests.get(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert me.status_code == 401


def test_on_a_phone_the_one_login_menu_opens_from_its_button_and_offers_sign_out(
    new_context, _sign_in_states
):
    """GOV.UK One Login's header folds its links behind a "One Login" button on small screens."""
    context = new_context(viewport={"width": 375, "height": 812}, storage_state=_sign_in_states(PUBLISHER))
    page = context.new_page()
    page.goto("/account")
    toggle = one_login_header(page).get_by_role("button", name="Show GOV.UK One Login menu")
    sign_out = one_login_header(page).get_by_role("button", name="Sign out")
    expect(toggle).to_be_visible()
    expect(sign_out).to_be_hidden()
    toggle.click()
    expect(one_login_header(page).get_by_role("button", name="Hide GOV.UK One Login menu")).to_have_attribute(
        "aria-expanded", "true"
    )
    expect(sign_out).to_be_visible()
    expect(one_login_header(page).get_by_role("link", name="GOV.UK One Login")).to_be_visible()
    check_page(page, "one-login-menu-open-mobile")


def test_without_javascript_the_one_login_links_show_on_a_phone(new_context, _sign_in_states):
    context = new_context(
        viewport={"width": 375, "height": 812},
        storage_state=_sign_in_states(PUBLISHER),
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto("/account")
    expect(one_login_header(page).get_by_role("button", name="Sign out")).to_be_visible()
    expect(one_login_header(page).get_by_role("link", name="GOV.UK One Login")).to_be_visible()
