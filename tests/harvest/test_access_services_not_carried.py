"""A CKAN resource harvested from another instance of ours names data services by that catalogue's
ids, which name nothing here: they are left out, and the run notes it, rather than the entry refused."""

from __future__ import annotations

import uuid

from marketplace.harvest.mapping import entry_for
from marketplace.harvest.records import Record


def test_a_harvested_resources_access_services_are_left_out_and_noted():
    resource = {
        "name": "Counts",
        "url": "https://example.gov.uk/c.csv",
        "access_services": [str(uuid.uuid4())],
    }
    record = Record(
        "source-id", "Counts", None, {"name": "counts", "title": "Counts", "resources": [resource]}
    )

    entry = entry_for("ckan", record)

    assert entry["distributions"][0]["access_services"] == []
    assert record.notes["access_services"] == [
        "The data services a resource names are the source's: left out."
    ]
