"""The dataset page's 'How to get this data': open data points to its files under its licence; data
that is not open says who may have it and whom to ask."""

from __future__ import annotations

import pytest

from tests.factories import create_dataset, create_user
from tests.web.pages import html_of, position_of


def test_open_data_points_to_its_files_under_its_licence(dft, client):
    dataset = create_dataset(
        organisation=dft,
        access_rights="OPEN",
        distributions=[
            {"title": "Casualties 2024", "download_url": "https://data.dft.gov.uk/c.csv", "format": "CSV"}
        ],
    )
    html = html_of(client, f"/datasets/{dataset.slug}")
    section = html[position_of(html, "How to get this data") : position_of(html, "Data files and links")]
    assert "This is open data: anyone can use it under its licence." in section
    assert 'href="#data-files"' in section and "Open Government Licence" in section
    assert 'id="data-files"' in html
    assert "Who to ask" not in section


@pytest.mark.parametrize(
    ("access_rights", "words"),
    [
        ("INTERNAL", "This data is shared within government. Civil servants can ask the publisher for it."),
        ("RESTRICTED", "This data is restricted"),
        ("COMMERCIAL", "commercial agreement with the publisher"),
    ],
)
def test_data_that_is_not_open_says_who_may_have_it_and_whom_to_ask(
    dft, ons, signed_in, access_rights, words
):
    dataset = create_dataset(
        organisation=dft,
        access_rights=access_rights,
        contact_point={"name": "Road safety statistics", "email": "roadsafety.stats@dft.gov.uk"},
    )
    reader = signed_in(create_user(email="analyst@ons.gov.uk", organisation=ons))
    html = html_of(reader, f"/datasets/{dataset.slug}")
    section = html[position_of(html, "How to get this data") : position_of(html, ">Details</h2>")]
    assert words in section
    assert "Who to ask" in section and 'href="mailto:roadsafety.stats@dft.gov.uk"' in section
    assert "Road safety statistics" in section


def test_an_entry_with_no_contact_sends_people_to_its_organisation(dft, signed_in):
    # Only a draft may lack a contact: its publisher sees, in its preview, what readers would.
    dataset = create_dataset(organisation=dft, access_rights="INTERNAL", contact_point=None, status="draft")
    publisher = signed_in(create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",)))
    html = html_of(publisher, f"/datasets/{dataset.slug}")
    section = html[position_of(html, "How to get this data") : position_of(html, ">Details</h2>")]
    assert "This entry names no contact" in section
    assert f'href="/organisations/{dft.slug}"' in section
