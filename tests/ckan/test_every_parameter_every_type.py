"""Every parameter of every action, sent with every JSON type: an envelope each time, never a 500,
and nothing changes."""

from __future__ import annotations

import pytest

from marketplace.ckan.views import READ_ACTIONS, WRITE_ACTIONS
from marketplace.extensions import db
from marketplace.models import Dataset

PARAMETERS = {
    "package_search": [
        "q",
        "fq",
        "rows",
        "start",
        "sort",
        "facet.field",
        "facet.limit",
        "facet.mincount",
        "include_private",
        "include_drafts",
    ],
    "package_show": ["id"],
    "package_list": ["limit", "offset", "include_private"],
    "current_package_list_with_resources": ["limit", "offset", "page"],
    "organization_list": ["all_fields", "sort", "limit", "offset", "organizations"],
    "organization_show": ["id", "include_datasets"],
    "tag_list": ["query"],
    "group_list": ["all_fields"],
    "resource_show": ["id"],
    "package_create": [
        "name",
        "title",
        "owner_org",
        "tags",
        "groups",
        "resources",
        "license_id",
        "extras",
        "id",
    ],
    "package_update": ["name", "title", "notes", "tags", "resources", "extras", "owner_org"],
    "package_patch": ["title", "tags", "groups", "resources", "extras", "license_id", "version"],
    "package_delete": ["id"],
    "help_show": ["name"],
}
VALUES = [None, 0, -1, 2**63, 1.5, True, "", "x", [], ["x"], [{"name": None}], {}, {"key": 1}]


def _state() -> list[tuple]:
    db.session.expire_all()
    return [(d.slug, d.lock_version, d.deleted_at) for d in db.session.scalars(db.select(Dataset))]


def test_every_action_is_exercised():
    assert set(PARAMETERS) | {"status_show", "site_read", "license_list"} == set(READ_ACTIONS) | set(
        WRITE_ACTIONS
    )


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_each_parameter_with_each_type_gets_an_envelope(client, catalogue, name):
    before = _state()
    # Writes name an existing entry so that the value reaches the mapping and the schema.
    base = {"id": catalogue.roads.slug} if name in WRITE_ACTIONS and name != "package_create" else {}
    for parameter in PARAMETERS[name]:
        for value in VALUES:
            response = client.post(
                f"/api/3/action/{name}",
                json={**base, parameter: value},
                headers={"Authorization": catalogue.token},
            )
            assert response.status_code < 500, (parameter, value, response.get_data(as_text=True))
            assert isinstance(response.json["success"], bool)
            if name in WRITE_ACTIONS and name != "package_create" and response.json["success"]:
                before = _state()  # an accepted change: later refusals must leave it as it is
    if name == "package_create":
        assert len(_state()) >= len(before)
    else:
        assert _state() == before
