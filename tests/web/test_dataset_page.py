"""The dataset page shows every field of an entry, its files and links, and the fields of a data
service, in the order people read them."""

from __future__ import annotations

import re

import pytest

from marketplace.web.dataset_page import human_size
from tests.factories import create_dataset
from tests.web.pages import TITLE_SUFFIX, h1_of, html_of, position_of, title_of


def test_the_page_shows_every_field_of_a_dataset(dft, client):
    dataset = create_dataset(
        organisation=dft,
        title="Reported road casualties",
        alternative_titles=["STATS19 casualties"],
        creators=["Road Safety Statistics team"],
        version="2024.1",
        created="2013-01-10",
        identifier="https://www.gov.uk/government/statistical-data-sets/reported-road-accidents",
        related_resources=["https://www.gov.uk/guidance/road-accident-and-safety-statistics-guidance"],
        security_classification="OFFICIAL_SENSITIVE",
        themes=["transport-and-infrastructure", "health-and-care"],
    )
    html = html_of(client, f"/datasets/{dataset.slug}")
    assert title_of(html) == "Reported road casualties" + TITLE_SUFFIX
    assert h1_of(html) == "Reported road casualties"
    breadcrumbs = html[
        html.index('class="govuk-breadcrumbs"') : html.index("</nav>", html.index("govuk-breadcrumbs"))
    ]
    assert 'href="/">Home' in breadcrumbs and 'href="/datasets">Find data' in breadcrumbs
    assert 'href="/organisations/department-for-transport">Department for Transport' in breadcrumbs
    assert "Casualties in reported road collisions, by severity and road user type." in html
    assert "Statistics on <strong>reported road casualties</strong> in Great Britain." in html
    for shown in (
        "Dataset",
        "Published",
        "STATS19 casualties",
        "Open",
        "Official-Sensitive",
        '<a class="govuk-link" href="http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/">'
        "Open Government Licence v3.0</a>",
        'href="/datasets?theme=transport-and-infrastructure">Transport and infrastructure</a>',
        'href="/datasets?theme=health-and-care">Health and care</a>',
        'href="/datasets?q=%22road+safety%22">road safety</a>',
        'href="/datasets?q=%22casualties%22">casualties</a>',
        "Annually",
        "25 September 2025",  # modified
        "27 June 2013",  # issued
        "10 January 2013",  # created
        "1 January 1979 to 31 December 2024",
        "Great Britain",
        "Road Safety Statistics<br>",
        '<a class="govuk-link" href="mailto:roadacc.stats@dft.gov.uk">roadacc.stats@dft.gov.uk</a>',
        "Road Safety Statistics team",
        "2024.1",
        'href="https://www.gov.uk/government/statistical-data-sets/reported-road-accidents"',
        'href="https://www.gov.uk/guidance/road-accident-and-safety-statistics-guidance"',
        str(dataset.id),
    ):
        assert shown in html, shown
    # Nothing that belongs to data services, and no request button yet (a later issue).
    assert "Endpoint URL" not in html and "Service type" not in html
    assert "Request access" not in html


def test_distributions_are_a_table_with_links_formats_and_readable_sizes(dft, client):
    other_licence = "https://creativecommons.org/licenses/by/4.0/"
    dataset = create_dataset(
        organisation=dft,
        distributions=[
            {
                "title": "Casualties 2024",
                "download_url": "https://data.dft.gov.uk/casualty-2024.csv",
                "media_type": "text/csv",
                "format": "CSV",
                "byte_size": 38211022,
            },
            {
                "title": "Casualties explorer",
                "access_url": "https://roadtraffic.dft.gov.uk/explorer",
                "format": "HTML",
                "licence": other_licence,
            },
        ],
    )
    html = html_of(client, f"/datasets/{dataset.slug}")
    table = html[
        html.index("Files and links for") : html.index("</table>", html.index("Files and links for"))
    ]
    assert (
        '<a class="govuk-link" href="https://data.dft.gov.uk/casualty-2024.csv">Casualties 2024</a>' in table
    )
    assert (
        '<a class="govuk-link" href="https://roadtraffic.dft.gov.uk/explorer">Casualties explorer</a>'
        in table
    )
    # Formats as people know them in the table; media types, for software, in a details below it.
    assert "CSV spreadsheet (CSV)" in table and "Web page (HTML)" in table
    assert "text/csv" not in table
    after = html[html.index("</table>", html.index("Files and links for")) :]
    assert "Media types, for software" in after and "text/csv" in after
    assert "38.2 MB" in table
    # The licence column appears because one file differs from the entry's, and names only that one.
    assert "Creative Commons Attribution 4.0" in table
    assert "Open Government Licence" not in table


def test_the_licence_column_is_left_out_when_every_file_has_the_entrys_licence(dft, client):
    dataset = create_dataset(organisation=dft)
    html = html_of(client, f"/datasets/{dataset.slug}")
    table = html[
        html.index("Files and links for") : html.index("</table>", html.index("Files and links for"))
    ]
    assert ">Licence</th>" not in table


@pytest.mark.parametrize(
    ("byte_size", "text"),
    [
        (None, ""),
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (1000, "1 KB"),
        (1536, "1.54 KB"),
        (38211022, "38.2 MB"),
        (999_999, "1 MB"),
        (5 * 10**12, "5 TB"),
        (2 * 10**18, "2,000 PB"),
    ],
)
def test_sizes_read_as_people_write_them(byte_size, text):
    assert human_size(byte_size) == text


def test_a_data_service_shows_its_endpoint_and_service_fields(dft, client):
    served = create_dataset(organisation=dft, title="Traffic counts")
    service = create_dataset(
        organisation=dft,
        type="data_service",
        title="Traffic counts API",
        distributions=[],
        endpoint_url="https://roadtraffic.dft.gov.uk/api",
        endpoint_description="https://roadtraffic.dft.gov.uk/api/docs",
        service_type="REST",
        service_kind="TRANSACTIONAL",
        service_status="LIVE",
        serves_datasets=[served.slug],
    )
    html = html_of(client, f"/datasets/{service.slug}")
    assert "Data service" in html
    for shown in (
        "Endpoint URL",
        '<a class="govuk-link" href="https://roadtraffic.dft.gov.uk/api">https://roadtraffic.dft.gov.uk/api</a>',
        'href="https://roadtraffic.dft.gov.uk/api/docs"',
        "Service type",
        "REST",
        "Service status",
        "Live",
        f'<a class="govuk-link" href="/datasets/{served.slug}">{served.slug}</a>',
    ):
        assert shown in html, shown
    assert re.search(r"Kind of service\s*</dt>\s*<dd[^>]*>\s*Transactional\s*</dd>", html), html
    assert "Data files and links" not in html  # services have endpoints, not distributions


def test_the_json_representation_is_linked_and_announced_in_the_head(dft, client):
    dataset = create_dataset(organisation=dft)
    html = html_of(client, f"/datasets/{dataset.slug}")
    head = html[: html.index("</head>")]
    assert f'<link rel="alternate" type="application/json" href="/api/v1/datasets/{dataset.id}">' in head
    assert f'href="/api/v1/datasets/{dataset.id}">This entry as JSON</a>' in html
    assert f'href="/api/v1/datasets/{dataset.id}/revisions"' in html
    assert client.get(f"/api/v1/datasets/{dataset.id}").status_code == 200
    assert client.get(f"/api/v1/datasets/{dataset.id}/revisions").status_code == 200


def test_the_summary_how_to_get_it_and_the_files_come_before_the_description(dft, client):
    dataset = create_dataset(
        organisation=dft,
        description="A long description of how the figures were collected.",
        distributions=[
            {"title": "Casualties 2024", "download_url": "https://data.dft.gov.uk/c.csv", "format": "CSV"}
        ],
    )
    html = html_of(client, f"/datasets/{dataset.slug}")
    order = [
        position_of(html, "<h1"),
        position_of(html, "Published by"),
        position_of(html, "How to get this data"),
        position_of(html, "Data files and links"),
        position_of(html, ">Description</h2>"),
        position_of(html, ">Details</h2>"),
    ]
    assert order == sorted(order)
    summary = html[position_of(html, "Published by") : position_of(html, "How to get this data")]
    assert f'<a class="govuk-link" href="/organisations/{dft.slug}">' in summary  # markup, not text
    assert "&lt;" not in summary


def test_formats_read_as_people_know_them_and_media_types_stay_for_software(dft, client):
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    dataset = create_dataset(
        organisation=dft,
        distributions=[
            {"title": "Tables", "download_url": "https://data.dft.gov.uk/t.xlsx", "media_type": xlsx}
        ],
    )
    html = html_of(client, f"/datasets/{dataset.slug}")
    table = html[
        position_of(html, "Files and links for") : html.index("</table>", html.index("Files and links for"))
    ]
    assert "Excel spreadsheet (XLSX)" in table and xlsx not in table
    assert xlsx in html[html.index("Media types, for software") :]


def test_the_datas_date_and_the_records_date_are_named_apart(dft, client):
    dataset = create_dataset(organisation=dft, modified="2024-09-26")
    html = html_of(client, f"/datasets/{dataset.slug}")
    assert "Data last updated" in html and "26 September 2024" in html
    assert "Record last edited" in html
    assert "Last modified" not in html


def test_a_data_service_without_a_kind_shows_no_kind_row(dft, client):
    service = create_dataset(
        organisation=dft, type="data_service", distributions=[], endpoint_url="https://api.dft.gov.uk/v1"
    )
    assert "Kind of service" not in html_of(client, f"/datasets/{service.slug}")
