"""Every bad input on the publish form gets a GOV.UK error summary pointing at its input, the
form's own errors and the services' are shown together, and nothing is saved."""

from __future__ import annotations

import pytest

from tests.factories import create_organisation
from tests.web.pages import title_of
from tests.web.publishing import NEW, complete_form, count_datasets, post, summary_links

BAD_INPUTS = [
    (
        {"modified-day": "31", "modified-month": "2", "modified-year": "2024"},
        "modified-day",
        "must be a real date",
    ),
    (
        {"modified-day": "aa", "modified-month": "bb", "modified-year": "2024"},
        "modified-day",
        "must be a real date",
    ),
    (
        {"modified-day": "1", "modified-month": "", "modified-year": "2024"},
        "modified-day",
        "must include a month",
    ),
    ({"issued-day": "1", "issued-month": "2", "issued-year": "24"}, "issued-day", "must include 4 numbers"),
    (
        {"modified-day": "1", "modified-month": "1", "modified-year": "2999"},
        "modified-day",
        "must not be in the future",
    ),
    (
        {
            "temporal_coverage-start-day": "1",
            "temporal_coverage-start-month": "1",
            "temporal_coverage-start-year": "2025",
        },
        "temporal_coverage-start-day",
        "must be on or before the end date",
    ),
    (
        {"distributions-0-download_url": "data.dft.gov.uk/x.csv"},
        "distributions-0-download_url",
        "not a valid web address",
    ),
    (
        {"distributions-0-access_url": "ftp://data.dft.gov.uk/x"},
        "distributions-0-access_url",
        "not a valid web address",
    ),
    (
        {"distributions-0-download_url": ""},
        "distributions-0-access_url",
        "Give an access URL or a download URL",
    ),
    ({"related_resources": "www.gov.uk/roads"}, "related_resources", "not a valid web address"),
    ({"distributions-0-byte_size": "-1"}, "distributions-0-byte_size", "whole number of bytes from 0"),
    ({"distributions-0-byte_size": "ten"}, "distributions-0-byte_size", "must be a whole number of bytes"),
    (
        {"distributions-0-byte_size": "9" * 5000},
        "distributions-0-byte_size",
        "must be a whole number of bytes",
    ),
    ({"distributions-0-title": ""}, "distributions-0-title", "Enter a title for distribution 1"),
    (
        {"distributions-0-media_type": "text/nonsense"},
        "distributions-0-media_type",
        "is not a known media type",
    ),
    ({"access_rights": "SECRETIVE"}, "access_rights", "is not a known access right"),
    ({"security_classification": "SECRET"}, "security_classification", "may not be listed"),
    ({"licence": "https://example.com/my-licence"}, "licence", "is not a licence we list"),
    ({"themes": ["transport-and-infrastructure", "astrology"]}, "themes", "is not a known theme"),
    ({"update_frequency": "hourly"}, "update_frequency", "is not a known update frequency"),
    ({"type": "spaceship"}, "type", "is not a known entry type"),
    ({"contact_point-email": "not-an-email"}, "contact_point-email", "is not a valid e-mail address"),
    ({"contact_point-name": ""}, "contact_point-name", "Enter a contact name"),
    ({"publisher": "home-office"}, "publisher", "You are not a publisher for Home Office"),
    ({"publisher": "no-such-department"}, "publisher", "There is no organisation"),
    ({"title": "Road\x00casualties"}, "title", "must not contain NUL characters"),
    ({"description": "Bad\x00text"}, "description", "must not contain NUL characters"),
    ({"title": "x" * 10_000}, "title", "Title must be 200 characters or fewer"),
    ({"title": "   "}, "title", "Enter a title"),
    ({"keywords": "k" * 101}, "keywords", "Keywords must be 100 characters or fewer"),
    ({"endpoint_url": "api.dft.gov.uk"}, "endpoint_url", "not a valid web address"),
    (
        {"type": "data_service", "endpoint_url": "https://api.dft.gov.uk/v1"},
        "distributions-0-title",
        "Only datasets have distributions",
    ),
    ({"service_kind": "BULK"}, "service_kind", "Kind of service: Only data services have this field"),
    (
        {"type": "data_service", "endpoint_url": "https://api.dft.gov.uk/v1", "service_kind": "STREAMING"},
        "service_kind",
        "Kind of service: &#39;STREAMING&#39; is not a known kind of service",
    ),
    (
        {"distributions-0-access_services": "not-an-id"},
        "distributions-0-title",
        "The data services giving distribution 1 must be the id (a UUID) of a data service",
    ),
]


@pytest.mark.parametrize(("change", "anchor", "message"), BAD_INPUTS)
def test_a_bad_input_gets_an_error_summary_pointing_at_it_and_saves_nothing(
    publisher, change, anchor, message
):
    create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    html = post(publisher, NEW, complete_form(**change), status=400)
    assert title_of(html).startswith("Error: ")
    assert anchor in summary_links(html), summary_links(html)
    assert f'id="{anchor}"' in html
    assert message in html
    assert count_datasets() == 0


def test_the_forms_own_errors_and_the_services_are_shown_together(publisher):
    form = complete_form(
        title="",
        **{
            "modified-day": "31",
            "modified-month": "2",
            "modified-year": "2024",
            "distributions-0-byte_size": "big",
        },
    )
    html = post(publisher, NEW, form, status=400)
    assert summary_links(html) == ["title", "modified-day", "distributions-0-byte_size"]
    assert "Enter a date" not in html and "Enter the date the data was last modified" not in html
    assert count_datasets() == 0
