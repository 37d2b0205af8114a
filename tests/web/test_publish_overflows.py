"""Numbers in the publishing pages' addresses and forms are read within bounds: a page number or
a distribution's position too big to mean anything gets a 400 page or is ignored, never a 500.

(The review sent /publish?page=10^20: OverflowError, 500.)
"""

from __future__ import annotations

import pytest

from marketplace.schemas.listing import MAX_PAGE_NUMBER
from tests.auth.signin import configure_provider, sign_in_as
from tests.factories import create_dataset, create_organisation, create_user
from tests.web.pages import BROWSER_ACCEPT, page
from tests.web.publishing import NEW, complete_form, count_datasets, form_fields, post
from tests.web.test_publish_quality import completeness, send

HUGE = "9" * 5000
PAGE_MESSAGE = f"Page number: Must be a whole number from 1 to {MAX_PAGE_NUMBER:,}."


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def publisher(dft, signed_in):
    return signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))


def test_a_dashboard_page_of_ten_to_the_twentieth_gets_a_400_page_over_http(app, live_server, dft):
    create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",))
    configure_provider(live_server, reset=True)
    browser, dashboard = sign_in_as(live_server, "pat@dft.gov.uk", next_path="/publish")
    assert dashboard.status_code == 200 and "Your entries" in dashboard.text
    response = browser.get(
        f"{live_server}/publish?page={10**20}", headers={"Accept": BROWSER_ACCEPT}, timeout=30
    )
    assert response.status_code == 400
    assert PAGE_MESSAGE in response.text


@pytest.mark.parametrize("number", [HUGE, str(MAX_PAGE_NUMBER + 1), "0", "-1", "two", "\N{SUPERSCRIPT TWO}"])
def test_a_dashboard_page_number_out_of_bounds_gets_a_400_page_saying_so(publisher, number):
    body = page(publisher, "/publish", status=400, query_string={"page": number}).get_data(as_text=True)
    assert PAGE_MESSAGE in body


def test_dashboard_pages_within_bounds_are_shown_even_past_the_last(publisher, dft):
    create_dataset(organisation=dft, title="Road casualties")
    assert "Road casualties" in page(publisher, "/publish", status=200).get_data(as_text=True)
    past = page(publisher, "/publish", status=200, query_string={"page": str(MAX_PAGE_NUMBER)})
    assert "Road casualties" not in past.get_data(as_text=True)


@pytest.mark.parametrize("position", [HUGE, "\N{SUPERSCRIPT TWO}", "\N{ARABIC-INDIC DIGIT ZERO}", "-0", " 0"])
def test_removing_a_distribution_at_a_position_no_form_has_removes_nothing(publisher, position):
    form = complete_form(**{"distributions-0-title": "First"})
    html = post(publisher, NEW, {**form, "remove_distribution": position}, status=200)
    assert form_fields(html)["distributions-0-title"] == ["First"]
    assert count_datasets() == 0


def test_a_byte_size_of_five_thousand_digits_on_the_form_is_an_error_on_its_input(publisher):
    html = post(publisher, NEW, complete_form(**{"distributions-0-byte_size": HUGE}), status=400)
    assert "must be a whole number of bytes" in html
    assert count_datasets() == 0


def test_a_rating_of_five_thousand_digits_on_the_quality_form_is_an_error_on_its_input(dft, publisher):
    dataset = create_dataset(organisation=dft, title="Road traffic estimates")
    html = send(publisher, dataset, completeness(**{"completeness-rating": HUGE}), status=400)
    assert 'href="#completeness-rating"' in html
