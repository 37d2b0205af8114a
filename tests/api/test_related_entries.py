"""GET /api/v1/datasets/<id>/related: the entries most like one entry by content (issue 18),
with the visibility of GET /api/v1/datasets/<id> for the entry asked about and of a search for
the entries listed."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest

from marketplace.search import index_root, rebuild_index
from marketplace.services.datasets import delete_dataset, withdraw_dataset
from tests.factories import ADMIN, create_dataset, create_organisation, create_token, create_user
from tests.helpers import api

ROADS = ["transport-and-infrastructure"]
SCHOOLS = ["education"]


@dataclass
class Callers:
    publisher: str  # a DfT publisher
    other_publisher: str  # a DfE publisher
    reader: str  # signed in, in no organisation


@pytest.fixture
def callers(app) -> Callers:
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    for organisation, title, status, access, themes in (
        (dft, "Road casualties", "published", "OPEN", ROADS),
        (dft, "Road traffic counts", "published", "OPEN", ROADS),
        (dft, "Internal road safety audits", "published", "INTERNAL", ROADS),
        (dft, "Draft road casualty forecasts", "draft", "OPEN", ROADS),
        (dft, "Withdrawn road casualty tables", "published", "OPEN", ROADS),
        (dfe, "Road safety education in schools", "published", "OPEN", SCHOOLS),
        (dfe, "Draft road safety lessons", "draft", "OPEN", SCHOOLS),
        (dfe, "School census", "published", "OPEN", SCHOOLS),
    ):
        create_dataset(
            organisation=organisation,
            title=title,
            status=status,
            access_rights=access,
            themes=themes,
            keywords=["roads"] if "oad" in title else ["schools"],
            summary=f"{title}.",
            description=f"{title}, collected each year.",
        )
    withdraw_dataset(ADMIN, "withdrawn-road-casualty-tables")
    rebuild_index(index_root())
    return Callers(
        publisher=create_token(
            user=create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))
        ),
        other_publisher=create_token(
            user=create_user(email="eve@education.gov.uk", organisation=dfe, roles=("publisher",))
        ),
        reader=create_token(user=create_user(email="carol@cabinetoffice.gov.uk", roles=())),
    )


def related(client, slug: str, token: str | None = None, query: str = "") -> list[str]:
    body = api(client, "GET", f"/api/v1/datasets/{slug}/related{query}", status=200, token=token).get_json()
    assert body["count"] == len(body["items"])
    return [item["title"] for item in body["items"]]


NEVER = {"Draft road casualty forecasts", "Withdrawn road casualty tables", "Draft road safety lessons"}


def test_anonymous_callers_see_only_open_published_entries_and_never_the_entry_itself(client, callers):
    titles = related(client, "road-casualties")
    assert "Road casualties" not in titles
    assert titles[0] == "Road traffic counts"
    assert "Road safety education in schools" in titles
    assert not ({"Internal road safety audits"} | NEVER) & set(titles)


def test_a_signed_in_reader_sees_every_published_entry_but_no_drafts(client, callers):
    titles = related(client, "road-casualties", callers.reader)
    assert "Internal road safety audits" in titles and "Road casualties" not in titles
    assert not NEVER & set(titles)


def test_a_publisher_never_sees_another_organisations_drafts(client, callers):
    for token in (callers.publisher, callers.other_publisher):
        assert not NEVER & set(related(client, "road-casualties", token))
    # Nor can anyone reach one by asking for what is related to it, but its own publishers.
    for token in (None, callers.reader, callers.publisher):
        api(client, "GET", "/api/v1/datasets/draft-road-safety-lessons/related", status=404, token=token)
    mine = related(client, "draft-road-safety-lessons", callers.other_publisher)
    assert "Draft road safety lessons" not in mine and not NEVER & set(mine)


def test_an_entry_not_open_is_not_found_for_anonymous_callers(client, callers):
    api(client, "GET", "/api/v1/datasets/internal-road-safety-audits/related", status=404)
    assert "Road casualties" in related(client, "internal-road-safety-audits", callers.reader)


def test_the_entry_can_be_named_by_its_id(client, callers):
    entry = api(client, "GET", "/api/v1/datasets/road-casualties", status=200).get_json()
    assert related(client, entry["id"]) == related(client, "road-casualties")


def test_missing_and_deleted_entries(client, callers):
    api(client, "GET", "/api/v1/datasets/no-such-entry/related", status=404)
    delete_dataset(ADMIN, "school-census")
    response = api(client, "GET", "/api/v1/datasets/school-census/related", status=410, token=callers.reader)
    assert response.mimetype == "application/problem+json"
    assert "School census" not in related(client, "road-casualties", callers.reader)


def test_limit(client, callers):
    assert len(related(client, "road-casualties", callers.reader, "?limit=1")) == 1
    assert len(related(client, "road-casualties", callers.reader, "?limit=20")) <= 20


@pytest.mark.parametrize("limit", ["0", "21", "abc", "-1", "1.5", ""])
def test_a_bad_limit_is_refused_naming_it(client, callers, limit):
    response = api(client, "GET", f"/api/v1/datasets/road-casualties/related?limit={limit}", status=400)
    assert response.mimetype == "application/problem+json"
    assert "limit" in response.get_json()["errors"]


def test_without_an_index_the_entries_sharing_a_theme_answer(client, callers, app):
    shutil.rmtree(index_root(), ignore_errors=True)
    titles = related(client, "road-casualties")
    assert titles and "Road casualties" not in titles
    assert not ({"Internal road safety audits"} | NEVER) & set(titles)
