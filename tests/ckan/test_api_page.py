"""The /api page lists every CKAN action and every extras key a package may carry."""

from __future__ import annotations

from marketplace.ckan.package_dict import EXTRAS
from marketplace.ckan.views import DOCUMENTED, READ_ACTIONS, WRITE_ACTIONS


def test_every_action_served_is_documented_and_every_documented_one_is_served():
    assert {name for name, _, _ in DOCUMENTED} == set(READ_ACTIONS) | set(WRITE_ACTIONS)


def test_the_api_page_lists_the_actions_and_the_extras_keys(client):
    html = client.get("/api", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "CKAN Action API" in html and "X-CKAN-API-Key" in html
    for name, _, _ in DOCUMENTED:
        assert f"<code>{name}</code>" in html
    for key in EXTRAS:
        assert f"<code>{key}</code>" in html
