"""A data service's `serves_datasets` names entries of this catalogue that its publisher may see."""

from __future__ import annotations

import pytest

from marketplace.errors import ValidationError
from marketplace.rules.actors import Actor
from marketplace.services.datasets import delete_dataset
from marketplace.services.served_datasets import check_served_datasets
from tests.factories import ADMIN, create_dataset, create_organisation, create_user


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def home_office(app):
    return create_organisation(
        slug="home-office", title="Home Office", abbreviation="HO", email_domains=["homeoffice.gov.uk"]
    )


@pytest.fixture
def publisher(dft) -> Actor:
    user = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))
    return Actor.for_user(user, "token", {"read", "publish"})


NO_ENTRY = "Must name an entry in this catalogue: there is none called {!r}."


def refusals(actor: Actor, slugs: list[str], **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        check_served_datasets(actor, slugs, **kwargs)
    return caught.value.errors


def test_entries_the_publisher_may_see_may_be_served(dft, home_office, publisher):
    own_draft = create_dataset(organisation=dft, status="draft", title="Traffic counts draft")
    published = create_dataset(organisation=home_office, title="Police recorded crime")

    check_served_datasets(publisher, [own_draft.slug, published.slug])


def test_a_slug_that_names_no_entry_is_refused_by_position(dft, publisher):
    served = create_dataset(organisation=dft, title="Traffic counts")

    errors = refusals(publisher, [served.slug, "no-such-entry"])

    assert errors == {"serves_datasets.1": [NO_ENTRY.format("no-such-entry")]}


def test_another_organisations_draft_is_refused_as_if_it_did_not_exist(home_office, publisher):
    hidden = create_dataset(organisation=home_office, status="draft", title="Unannounced statistics")

    assert refusals(publisher, [hidden.slug]) == {"serves_datasets.0": [NO_ENTRY.format(hidden.slug)]}


def test_a_deleted_entry_cannot_be_added_but_one_already_served_may_stay(dft, publisher):
    gone = create_dataset(organisation=dft, title="Old counts")
    delete_dataset(ADMIN, gone.slug)

    assert refusals(publisher, [gone.slug]) == {"serves_datasets.0": [NO_ENTRY.format(gone.slug)]}
    check_served_datasets(publisher, [gone.slug], already=[gone.slug])


def test_entries_created_in_the_same_batch_count(publisher):
    check_served_datasets(publisher, ["made-in-this-import"], pending={"made-in-this-import"})
