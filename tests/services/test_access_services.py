"""A distribution's `access_services` name data services of this catalogue that the caller may see,
by the rule of `serves_datasets`: checked when added, one named before may stay, and a data service
created earlier in the same batch counts."""

from __future__ import annotations

import uuid

import pytest

from marketplace.errors import ValidationError
from marketplace.rules.actors import Actor
from marketplace.services.datasets import create_datasets
from marketplace.services.served_datasets import check_access_services
from tests.factories import create_dataset, create_organisation, create_user, valid_entry

SERVICE = {"type": "data_service", "distributions": [], "endpoint_url": "https://api.dft.gov.uk/v1"}
NONE_WITH = "Must name a data service in this catalogue: there is none with the id {}."


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def publisher(dft) -> Actor:
    user = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))
    return Actor.for_user(user, "token", {"read", "publish"})


def given_by(*ids: str) -> dict:
    return {"title": "Counts", "access_url": "https://api.dft.gov.uk/v1", "access_services": list(ids)}


def test_each_unknown_id_is_refused_by_distribution_and_position(dft, publisher):
    service = create_dataset(organisation=dft, **SERVICE)
    missing = str(uuid.uuid4())

    with pytest.raises(ValidationError) as caught:
        check_access_services(publisher, [given_by(str(service.id)), given_by(str(service.id), missing)])

    assert caught.value.errors == {"distributions.1.access_services.1": [NONE_WITH.format(missing)]}


def test_ids_named_before_or_made_in_the_same_batch_are_not_looked_up(publisher):
    before, pending = str(uuid.uuid4()), str(uuid.uuid4())

    check_access_services(publisher, [given_by(before, pending)], already={before}, pending={pending})


def test_a_batch_may_name_a_data_service_created_earlier_in_it(dft, publisher):
    service_id = uuid.uuid4()
    dataset = valid_entry(distributions=[given_by(str(service_id))])

    created = create_datasets(publisher, [(service_id, valid_entry(**SERVICE)), (None, dataset)])

    assert created == 2


def test_a_batch_naming_a_data_service_created_later_in_it_is_refused(dft, publisher):
    service_id = uuid.uuid4()
    dataset = valid_entry(distributions=[given_by(str(service_id))])

    with pytest.raises(ValidationError) as caught:
        create_datasets(publisher, [(None, dataset), (service_id, valid_entry(**SERVICE))])

    assert caught.value.errors == {"distributions.0.access_services.0": [NONE_WITH.format(service_id)]}
