"""What we publish reads back through our own DCAT reader (marketplace/harvest/dcat.py) to the
fields the entry holds: the mapping and the harvester use the same terms."""

from __future__ import annotations

import pytest

from marketplace.harvest.dcat import entry_from_dcat
from marketplace.schemas.dataset_out import editable_view
from marketplace.vocabularies import ACCESS_RIGHTS, LISTED_SECURITY_CLASSIFICATIONS
from tests.dcat.entries import admin_token, entry_node, fetch_graph
from tests.dcat.test_shacl import EVERYTHING, SERVICE
from tests.factories import create_dataset, create_organisation

# The fields the reader knows; the rest (summary, coverage, creators…) it leaves to our forms.
READ_BACK = (
    "type",
    "title",
    "description",
    "identifier",
    "issued",
    "modified",
    "themes",
    "version",
    "contact_point",
    "licence",
    "access_rights",
    "update_frequency",
    "security_classification",
    "endpoint_url",
    "endpoint_description",
)


def _read_back(client, overrides) -> tuple[dict, dict]:
    dataset = create_dataset(organisation=create_organisation(), **overrides)
    graph = fetch_graph(client, f"/datasets/{dataset.slug}.ttl", token=admin_token())
    return editable_view(dataset), entry_from_dcat(graph, entry_node(dataset.slug))


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(EVERYTHING, id="everything-filled"),
        pytest.param(SERVICE, id="data-service"),
        *(
            pytest.param({"access_rights": right, "security_classification": classification}, id=right)
            for right, classification in zip(ACCESS_RIGHTS, LISTED_SECURITY_CLASSIFICATIONS, strict=False)
        ),
    ],
)
def test_an_entry_reads_back_to_the_same_fields(client, overrides):
    ours, back = _read_back(client, overrides)
    assert {name: back.get(name) for name in READ_BACK} == {name: ours.get(name) for name in READ_BACK}
    assert back["slug"] == ours["slug"]
    assert sorted(back["keywords"]) == sorted(ours["keywords"])


def test_distributions_read_back_with_their_addresses_types_and_sizes(client):
    ours, back = _read_back(client, EVERYTHING)
    fields = ("title", "access_url", "download_url", "media_type", "byte_size", "issued", "modified")
    by_title = {d["title"]: d for d in back["distributions"]}
    for distribution in ours["distributions"]:
        read = by_title[distribution["title"]]
        assert {name: read.get(name) for name in fields} == {name: distribution[name] for name in fields}
    # A format outside the EU table comes back by its name, not as a blank node's id.
    assert by_title["Odd format"]["format"] == "XYZ"
    assert by_title["Casualties 2024"]["format"] == "CSV"


def test_formats_in_the_eu_table_and_licences_read_back_as_ours(client):
    csv = {"title": "Data", "download_url": "https://example.gov.uk/a.csv", "format": "CSV"}
    overrides = {
        "licence": "DATA_SHARE_AGREEMENT",
        "access_rights": "RESTRICTED",
        "distributions": [
            {
                **csv,
                "title": "Linked data",
                "format": "JSON-LD",
                "download_url": "https://example.gov.uk/a.jsonld",
            },
            {**csv, "title": "Turtle", "format": "TTL", "download_url": "https://example.gov.uk/a.ttl"},
            {**csv, "title": "Own licence", "licence": "OGL-UK-3.0"},
        ],
    }
    ours, back = _read_back(client, overrides)
    assert back["licence"] == ours["licence"] == "DATA_SHARE_AGREEMENT"
    by_title = {d["title"]: d for d in back["distributions"]}
    assert by_title["Linked data"]["format"] == "JSON-LD" and by_title["Turtle"]["format"] == "TTL"
    # The dataset's licence, which DCAT repeats on a distribution without one, is not copied on.
    assert "licence" not in by_title["Linked data"]
    assert by_title["Own licence"]["licence"] == ours["distributions"][2]["licence"]
