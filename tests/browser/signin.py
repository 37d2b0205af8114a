"""Signing in through the embedded provider's interactive page, as a person does."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.sync_api import Page, expect


def sign_in(page: Page, email: str, *, next_path: str = "/account") -> None:
    """From /login, pick `email` on the provider's page and Continue; end on `next_path`, signed in."""
    page.goto(f"/login?{urlencode({'next': next_path})}")
    expect(page.get_by_role("heading", name="Who do you want to sign in as?")).to_be_visible()
    page.get_by_label(email, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**{next_path}")
    # On a small screen "Sign out" is in the One Login menu, folded behind its button.
    expect(one_login_header(page).get_by_role("button", name="Sign out")).to_be_attached()


def header(page: Page):
    """The service navigation, where "Sign in" or "Your account" are."""
    return page.locator(".govuk-service-navigation")


def one_login_header(page: Page):
    """GOV.UK One Login's header, above the service navigation once signed in: "Sign out" is there."""
    return page.locator("[data-module='one-login-header']")
