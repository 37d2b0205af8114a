"""The find page's filter panel (issue 12, point 7): a long filter shows its most common values
and the rest under "Show more", alphabetically; "Apply filters" at the top and the bottom; on a
phone the panel folds behind "Show filters" (the page works without the script: it is open)."""

from __future__ import annotations

import re

import pytest

from marketplace.search import index_root, rebuild_index
from marketplace.search.store import close_searchers
from marketplace.web.find import FACET_SHOWN
from tests.factories import create_dataset, create_organisation
from tests.web.pages import page

# Organisations with 1..14 entries, named so that count order and alphabetical order differ.
NAMES = [f"Agency {letter}" for letter in "NMLKJIHGFEDCBA"]  # "Agency N" has 1 entry, "Agency A" 14


@pytest.fixture
def organisations(app):
    made = []
    for entries, name in enumerate(NAMES, start=1):
        organisation = create_organisation(slug=name.lower().replace(" ", "-"), title=name, abbreviation=None)
        for n in range(entries):
            create_dataset(organisation=organisation, title=f"{name} entry {n}")
        made.append(organisation)
    rebuild_index(index_root())
    yield made
    close_searchers()


def group(html: str, legend: str) -> str:
    found = re.search(
        rf'<fieldset class="govuk-fieldset"[^>]*>\s*<legend[^>]*>{legend}</legend>(.*?)</fieldset>',
        html,
        re.S,
    )
    assert found, f"no filter {legend}"
    return found.group(1)


def labels(fragment: str) -> list[str]:
    return [
        " ".join(text.split())
        for text in re.findall(r'govuk-checkboxes__label"[^>]*>(.*?)</label>', fragment)
    ]


def test_a_long_filter_shows_the_most_common_values_and_the_rest_alphabetically_under_show_more(
    client, organisations
):
    body = page(client, "/datasets", status=200).text
    organisation = group(body, "Organisation")
    shown, _, more = organisation.partition('<details class="govuk-details app-filter-more">')
    # The ten with the most entries, most first.
    assert labels(shown) == [
        f"Agency {letter} ({count})" for letter, count in zip("ABCDEFGHIJ", range(14, 4, -1), strict=True)
    ]
    assert "Show 4 more" in more
    assert labels(more) == ["Agency K (4)", "Agency L (3)", "Agency M (2)", "Agency N (1)"]
    assert FACET_SHOWN == 10
    # No scrolling box with cut-off names any more.
    assert "app-facet--long" not in body


def test_a_chosen_value_from_show_more_is_shown_with_the_common_ones(client, organisations):
    body = page(client, "/datasets?organisation=agency-n", status=200).text
    shown, _, more = group(body, "Organisation").partition("app-filter-more")
    assert "Agency N (1)" in labels(shown)
    assert re.search(r'value="agency-n" checked', shown)
    assert "Agency N" not in more and "Show 3 more" in more


def test_each_box_has_its_own_id_and_label(client, organisations):
    body = page(client, "/datasets", status=200).text
    ids = re.findall(r'<input class="govuk-checkboxes__input" id="(filter-organisation[^"]*)"', body)
    assert ids[0] == "filter-organisation" and len(ids) == len(set(ids)) == len(NAMES)
    for box_id in ids:
        assert f'<label class="govuk-label govuk-checkboxes__label" for="{box_id}">' in body


def test_a_short_filter_has_no_show_more(client, organisations):
    body = page(client, "/datasets", status=200).text
    assert "app-filter-more" not in group(body, "Type")


def test_apply_filters_is_at_the_top_and_the_bottom_of_the_panel(client, organisations):
    body = page(client, "/datasets", status=200).text
    start = body.index('<div class="app-filters">')
    panel = body[start : body.index('<div class="govuk-grid-column-two-thirds">', start)]
    buttons = [m.start() for m in re.finditer(r"Apply filters", panel)]
    assert len(buttons) == 2
    assert buttons[0] < panel.index("<fieldset") and buttons[1] > panel.rindex("</fieldset>")


def test_the_panel_is_open_without_a_script_and_says_how_many_filters_are_chosen(client, organisations):
    body = page(client, "/datasets?organisation=agency-a&organisation=agency-b", status=200).text
    assert '<details class="app-filters-toggle" open>' in body
    summary = re.search(
        r'<summary class="[^"]*app-filters-toggle__summary"[^>]*>(.*?)</summary>', body
    ).group(1)
    assert summary == "Show filters (2 chosen)"
    assert '<script type="module" src="/assets/filters.js"></script>' in body
