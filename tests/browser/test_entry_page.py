"""The entry page as people use it, on a desktop and a phone: what they came for comes first, and
an entry they cannot see signed out tells them signing in may help, then brings them back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page

STATS19 = "Reported road casualties Great Britain (STATS19)"
ANALYST = "analyst@dft.gov.uk"
SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


def top_of(page: Page, name: str) -> float:
    box = page.get_by_role("heading", name=name, exact=True).bounding_box()
    assert box, f"no heading {name!r}"
    return box["y"]


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_how_to_get_the_data_and_the_files_come_before_the_description(new_context, catalogue, size):
    page = new_context(viewport=SIZES[size]).new_page()
    page.goto(f"/datasets/{catalogue.slug_of(title=STATS19)}")
    expect(page.get_by_role("heading", level=1)).to_have_text(STATS19)

    order = [top_of(page, name) for name in ("How to get this data", "Data files and links", "Description")]
    assert order == sorted(order), order
    # The files start within two screens of the top, not after the description and every detail.
    assert order[1] < 2 * SIZES[size]["height"], order
    files = page.get_by_role("table", name=re.compile("^Files and links for"))
    expect(files).to_contain_text(re.compile(r"\((CSV|XLSX|ZIP|HTML|JSON|PDF)\)"))
    check_page(page, f"dataset-open-{size}")


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_signed_out_an_entry_shared_within_government_says_to_sign_in_and_comes_back(
    new_context, catalogue, size
):
    slug = catalogue.slug_of(status="published", access_rights="INTERNAL")
    page = new_context(viewport=SIZES[size]).new_page()
    response = page.goto(f"/datasets/{slug}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("You may need to sign in to see this")
    check_page(page, f"dataset-sign-in-to-see-{size}")

    page.get_by_role("link", name="Sign in to see this page").click()
    expect(page.get_by_role("heading", name="Who do you want to sign in as?")).to_be_visible()
    page.get_by_label(ANALYST, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/datasets/{slug}")
    expect(page.get_by_role("heading", name="How to get this data")).to_be_visible()
    expect(page.locator(".app-how-to-get")).to_contain_text("shared within government")
    check_page(page, f"dataset-internal-how-to-get-{size}")
