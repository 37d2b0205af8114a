"""What a published entry must have: a dataset needs a licence; a data service does not (DCAT-AP
and DCAT-UK leave a service's licence optional), but it needs its endpoint."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from marketplace.schemas.dataset import DatasetInputSchema
from tests.factories import valid_entry

SCHEMA = DatasetInputSchema()
SERVICE = {"type": "data_service", "distributions": [], "endpoint_url": "https://api.dft.gov.uk/v1"}
PUBLISHED = {"status": "published"}


def test_a_published_dataset_without_a_licence_is_refused_naming_it():
    with pytest.raises(ValidationError) as caught:
        SCHEMA.load(valid_entry(**PUBLISHED, licence=None))
    assert caught.value.messages == {"licence": ["Required before the entry can be published."]}


def test_a_published_data_service_needs_no_licence():
    loaded = SCHEMA.load(valid_entry(**SERVICE, **PUBLISHED, licence=None))
    assert loaded["status"] == "published" and loaded["licence"] is None


def test_a_published_data_service_still_needs_its_endpoint():
    with pytest.raises(ValidationError) as caught:
        SCHEMA.load(valid_entry(**{**SERVICE, "endpoint_url": None}, **PUBLISHED, licence=None))
    assert set(caught.value.messages) == {"endpoint_url"}
