"""Band and freshness tags where entries are listed or shown: on search results, on the dataset page
(with when the next update is expected), and on the publish dashboard, which lists overdue entries first."""

from __future__ import annotations

import re

from marketplace.search import index_root, rebuild_index
from marketplace.search.store import close_searchers
from marketplace.services.datasets import patch_dataset
from tests.factories import ADMIN, create_dataset, create_user
from tests.web.pages import html_of
from tests.web.quality import DUE, FRESH, OVERDUE, UNKNOWN, set_quality, tags_of


def test_search_results_carry_band_and_freshness_tags(dft, anonymous):
    good = create_dataset(organisation=dft, title="Road casualties")
    set_quality(good, band="good", **OVERDUE)
    bad = create_dataset(organisation=dft, title="Port freight")
    set_quality(bad, band="bad", **FRESH)
    rebuild_index(index_root())
    try:
        html = html_of(anonymous, "/datasets")
    finally:
        close_searchers()
    results = dict(
        re.findall(r'<a class="govuk-link" href="/datasets/([^"]+)">.*?</a>(.*?)</li>', html, re.S)
    )
    tags = {slug: tags_of(section) for slug, section in results.items()}
    # Each its own row, named by the row, so a screen reader does not hear the name twice.
    assert tags[good.slug] == ["Good", "Overdue"] and tags[bad.slug] == ["Bad", "Up to date"]
    rows = {slug: " ".join(re.sub(r"<[^>]+>", " ", section).split()) for slug, section in results.items()}
    assert "Metadata quality: Good Updates: Overdue" in rows[good.slug]
    assert "Metadata quality: Bad Updates: Up to date" in rows[bad.slug]
    assert "govuk-tag--turquoise app-tag--band" in results[good.slug]
    assert "govuk-tag--red app-tag--freshness" in results[good.slug]


def test_the_dataset_page_shows_the_freshness_tag_and_when_the_next_update_is_expected(dft, anonymous):
    dataset = create_dataset(organisation=dft)
    set_quality(dataset, band="good", **FRESH)
    html = html_of(anonymous, f"/datasets/{dataset.slug}")
    section = html[html.index("How up to date it is") :]
    assert tags_of(section[:600]) == ["Freshness: Up to date"]
    assert (
        f"The next update is expected by {FRESH['fresh_until'].day} {FRESH['fresh_until']:%B %Y}." in section
    )

    set_quality(dataset, band="good", **UNKNOWN)
    html = html_of(anonymous, f"/datasets/{dataset.slug}")
    assert tags_of(html[html.index("How up to date it is") :][:600]) == ["Freshness: Not known"]


def test_the_dashboard_lists_overdue_entries_first_then_due_then_by_last_change(dft, signed_in):
    states = [
        ("Fresh and old", FRESH),
        ("Overdue and old", OVERDUE),
        ("Unknown", UNKNOWN),
        ("Due", DUE),
        ("Overdue and recent", OVERDUE),
        ("Fresh and recent", FRESH),
    ]
    for title, dates in states:
        dataset = create_dataset(organisation=dft, title=title)
        patch_dataset(ADMIN, str(dataset.id), {"summary": f"Changed: {title}."})  # later is newer
        set_quality(dataset, band="sufficient", **dates)
    draft = create_dataset(organisation=dft, title="Overdue draft", status="draft")
    set_quality(draft, band="bad", **OVERDUE)
    client = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))

    html = html_of(client, "/publish")
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html.split("<tbody", 1)[1], re.S)
    titles = [re.search(r'/publish/datasets/[^"]+">([^<]+)<span', row).group(1) for row in rows]
    assert titles == [
        "Overdue draft",
        "Overdue and recent",
        "Overdue and old",
        "Due",
        "Fresh and recent",
        "Unknown",
        "Fresh and old",
    ]
    assert tags_of(rows[1]) == ["Metadata quality: Sufficient", "Freshness: Overdue"]
    assert "150 out of 405" in rows[1]
    assert tags_of(rows[4]) == ["Metadata quality: Sufficient", "Freshness: Up to date"]
    assert "overdue for an update first" in html


def test_an_update_due_says_by_when_in_words_on_the_dataset_page(dft, anonymous):
    dataset = create_dataset(organisation=dft)
    set_quality(dataset, band="good", **DUE)
    html = html_of(anonymous, f"/datasets/{dataset.slug}")
    summary = html[html.index("Published by") : html.index("How to get this data")]
    due_by = DUE["fresh_until"]
    # The summary's row names each tag ("Updates", "Metadata quality"), so the tags do not.
    assert tags_of(summary) == [f"Update due by {due_by.day} {due_by:%B %Y}", "Good"]
