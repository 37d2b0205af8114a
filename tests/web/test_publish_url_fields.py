"""The publish form refuses the web addresses and served datasets the API refuses, with a GOV.UK
error summary pointing at the input and saying what is wrong, and saves nothing."""

from __future__ import annotations

import pytest

from tests.web.pages import title_of
from tests.web.publishing import (
    NEW,
    complete_form,
    count_datasets,
    post,
    summary_links,
)

# A data service has no distributions: the form's first, empty.
DISTRIBUTION_INPUTS = ("title", "download_url", "media_type", "byte_size")
DATE_INPUTS = ("issued-day", "issued-month", "issued-year")
NO_DISTRIBUTION = {f"distributions-0-{name}": "" for name in (*DISTRIBUTION_INPUTS, *DATE_INPUTS)}
SERVICE = {"type": "data_service", "endpoint_url": "https://api.dft.gov.uk/v1", **NO_DISTRIBUTION}


@pytest.mark.parametrize(
    ("change", "anchor", "message"),
    [
        (
            {"distributions-0-download_url": "https://ann:secret@data.dft.gov.uk/c.csv"},
            "distributions-0-download_url",
            "Download URL of distribution 1 must not include a user name or password",
        ),
        (
            {"distributions-0-access_url": "https://data.dft.gov.uk:70000/c.csv"},
            "distributions-0-access_url",
            "Access URL of distribution 1 must have a port number from 1 to 65535",
        ),
        (
            {"related_resources": "https://www.gov.uk/datasets/../account/tokens"},
            "related_resources",
            "Related resources must not contain “..” in its path",
        ),
        (
            {**SERVICE, "endpoint_description": "https://api.dft.gov.uk/docs\x01"},
            "endpoint_description",
            "Endpoint description URL must not contain spaces or control characters",
        ),
        (
            {**SERVICE, "serves_datasets": "../../logout"},
            "serves_datasets",
            "Datasets served must be the web address name (slug) of an entry in this catalogue",
        ),
    ],
)
def test_a_bad_address_gets_an_error_summary_pointing_at_it_and_saves_nothing(
    publisher,
    change,
    anchor,
    message,
):
    html = post(publisher, NEW, complete_form(**change), status=400)

    assert title_of(html).startswith("Error: ")
    assert summary_links(html) == [anchor]
    assert message in html
    assert count_datasets() == 0
