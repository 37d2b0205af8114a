"""The dataset page's quality: the publisher's declared ratings, the metadata quality score named
apart from them with each dimension and the bands explained, and how up to date the entry is."""

from __future__ import annotations

import re
from datetime import date, timedelta

from marketplace.services.quality import rate_quality
from tests.factories import ADMIN, create_dataset
from tests.web.pages import html_of, position_of


def test_declared_quality_ratings_are_a_table_flagging_old_assessments(dft, client):
    dataset = create_dataset(organisation=dft)
    recent = date.today() - timedelta(days=30)
    old = date.today() - timedelta(days=400)
    rate_quality(
        ADMIN,
        dataset.slug,
        {
            "completeness": {
                "rating": 4,
                "assessed_on": recent.isoformat(),
                "method": "Checked against police force returns",
                "action_plan_url": "https://www.gov.uk/plan",
            },
            "accuracy": {"rating": 2, "assessed_on": old.isoformat()},
        },
    )
    html = html_of(client, f"/datasets/{dataset.slug}")
    table = html[
        html.index("Declared quality ratings") : html.index("</table>", html.index("Declared quality"))
    ]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.DOTALL)[1:]
    assert len(rows) == 2
    completeness, accuracy = rows  # in the framework's order, not the alphabet's
    assert "Completeness" in completeness and "4 out of 5: Good" in completeness
    assert "Checked against police force returns" in completeness
    assert 'href="https://www.gov.uk/plan">Action plan' in completeness
    assert "over a year ago" not in completeness
    assert "Accuracy" in accuracy and "2 out of 5: Poor" in accuracy
    assert "Assessed over a year ago" in accuracy


def test_an_entry_without_ratings_says_so(dft, client):
    dataset = create_dataset(organisation=dft)
    assert "The publisher has not rated the quality of this data yet." in html_of(
        client, f"/datasets/{dataset.slug}"
    )


def test_freshness_shows_the_update_frequency_and_last_modified(dft, client):
    dataset = create_dataset(organisation=dft, update_frequency="monthly", modified="2025-10-01")
    html = html_of(client, f"/datasets/{dataset.slug}")
    section = html[html.index("How up to date it is") :]
    assert "Monthly" in section[:400] and "1 October 2025" in section[:400]


def test_metadata_quality_is_named_as_such_apart_from_the_publishers_rating(dft, client):
    dataset = create_dataset(organisation=dft)
    html = html_of(client, f"/datasets/{dataset.slug}")
    assert '<h2 class="govuk-heading-m" id="metadata-quality">Metadata quality</h2>' in html
    assert "not the data itself" in html
    assert "Publisher\u2019s rating of the data" in html
    assert "Data quality</h2>" not in html


def test_each_dimension_shows_as_a_share_of_its_most_with_its_meaning_and_the_bands(dft, client):
    dataset = create_dataset(organisation=dft)
    html = html_of(client, f"/datasets/{dataset.slug}")
    dimensions = html[
        position_of(html, "app-quality-dimensions") : html.index(
            "</dl>", html.index("app-quality-dimensions")
        )
    ]
    shares = re.findall(r"(\d+)%<span class=\"govuk-visually-hidden\"> \((\d+) of (\d+) points\)", dimensions)
    assert len(shares) == 5
    for percent, points, most in shares:
        assert int(percent) == round(100 * int(points) / int(most))
    explained = html[position_of(html, "What the score and the bands mean") :]
    assert "whether people can get to the data" in explained  # accessibility, in plain words
    assert "Excellent</strong>: 351 to 405 points" in explained
    assert "Bad</strong>: 0 to 120 points" in explained
