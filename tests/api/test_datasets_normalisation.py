"""What the API does to values as they come in: the same keyword once, vocabulary terms given by
label, alias or case stored as their values, licences as their URIs, formats from media types."""

from __future__ import annotations

import pytest

from tests.factories import OGL, valid_entry
from tests.helpers import api


def create(client, token: str, **fields) -> dict:
    return api(
        client, "POST", "/api/v1/datasets", status=201, token=token, json=valid_entry(**fields)
    ).get_json()


def test_keywords_are_deduplicated_ignoring_case_keeping_the_first_spelling(client, token):
    keywords = ["Road safety", "road safety", "casualties", "ROAD SAFETY", "Casualties", "STATS19"]
    assert create(client, token, keywords=keywords)["keywords"] == ["Road safety", "casualties", "STATS19"]


def test_a_theme_given_by_its_label_is_stored_as_its_value(client, token):
    body = create(client, token, themes=["Transport and infrastructure", "health and care"])
    assert body["themes"] == ["health-and-care", "transport-and-infrastructure"]


@pytest.mark.parametrize(
    "licence", ["OGL-UK-3.0", "uk-ogl", OGL, OGL.replace("http://", "https://").rstrip("/")]
)
def test_a_licence_given_by_its_id_or_a_variant_of_its_uri_is_stored_as_its_uri(client, token, licence):
    body = create(client, token, licence=licence)
    assert body["licence"] == OGL
    assert body["licence_title"] == "Open Government Licence v3.0"


def test_other_terms_given_by_label_alias_or_case_are_stored_as_their_values(client, token):
    body = create(
        client,
        token,
        access_rights="open",
        security_classification="OFFICIAL-SENSITIVE",
        update_frequency="http://purl.org/cld/freq/monthly",
    )
    assert (body["access_rights"], body["security_classification"]) == ("OPEN", "OFFICIAL_SENSITIVE")
    assert body["update_frequency"] == "monthly"


def test_a_distribution_format_is_derived_from_its_media_type(client, token):
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    distributions = [
        {"title": "CSV", "download_url": "https://data.dft.gov.uk/a.csv", "media_type": "text/csv"},
        {"title": "Workbook", "access_url": "https://data.dft.gov.uk/b", "media_type": xlsx},
        {"title": "Given", "download_url": "https://data.dft.gov.uk/c", "format": "geojson"},
    ]
    body = create(client, token, distributions=distributions)
    assert [d["format"] for d in body["distributions"]] == ["CSV", "XLSX", "GEOJSON"]
    first = body["distributions"][0]
    assert first["access_url"] == first["download_url"] == "https://data.dft.gov.uk/a.csv"


@pytest.mark.parametrize("field", ["summary", "version", "identifier", "spatial_coverage"])
def test_a_blank_optional_text_is_stored_as_absent(client, token, field):
    # A blank used to reach the length check as None and answer 500.
    assert create(client, token, **{field: "   "})[field] is None


def test_a_blank_description_on_a_draft_is_stored_as_absent_and_publishing_then_asks_for_it(client, token):
    draft = create(client, token, status="draft", description="")
    assert draft["description"] is None
    refused = api(
        client,
        "PATCH",
        f"/api/v1/datasets/{draft['id']}",
        status=422,
        token=token,
        json={"status": "published"},
    )
    assert "description" in refused.get_json()["errors"]
