"""The find page's form: every control has a label, it submits with GET, and its completion
script suggests only titles the visitor may see."""

from __future__ import annotations

import itertools
import re

from tests.web.finding import (
    controls_of,
    get,
)
from tests.web.pages import scripts_of


def test_every_control_has_a_label_and_headings_go_in_order(client, catalogue):
    body = get(client, "/datasets?q=road&theme=education")
    parsed = controls_of(body)
    for control in parsed.controls:
        if control.get("type") != "hidden":
            assert parsed.labels.get(control.get("id")), f"no label for {control}"
    levels = [int(n) for n in re.findall(r"<h([1-6])", body)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_the_form_submits_with_get_to_the_find_page(client, catalogue):
    body = get(client, "/datasets")
    assert '<form method="get" action="/datasets" novalidate>' in body
    assert "Apply filters" in body


def test_the_completion_script_and_its_library_are_served_and_loaded_as_modules(client, catalogue):
    body = get(client, "/datasets")
    assert {"type": "module", "src": "/assets/search.js"} in scripts_of(body)
    assert 'href="/assets/accessible-autocomplete/accessible-autocomplete.min.css"' in body
    assert 'data-app-suggest="/api/v1/suggest"' in body
    script = client.get("/assets/search.js")
    assert script.status_code == 200 and script.mimetype in {"text/javascript", "application/javascript"}
    source = script.get_data(as_text=True)
    assert 'import "./accessible-autocomplete/accessible-autocomplete.min.js";' in source
    assert "window.accessibleAutocomplete(" in source
    library = client.get("/assets/accessible-autocomplete/accessible-autocomplete.min.js")
    assert library.status_code == 200 and b"accessibleAutocomplete" in library.data
    stylesheet = client.get("/assets/accessible-autocomplete/accessible-autocomplete.min.css")
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
    for response in (script, library, stylesheet):
        response.close()


def test_the_suggestions_the_script_asks_for_are_titles_the_visitor_may_see(anonymous, reader, catalogue):
    assert anonymous.get("/api/v1/suggest?q=ba").get_json()["items"] == []
    assert reader.get("/api/v1/suggest?q=ba").get_json()["items"] == [
        {"title": "Bathing water quality", "slug": "bathing-water-quality"}
    ]
