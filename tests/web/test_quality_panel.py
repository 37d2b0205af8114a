"""The dataset page's metadata quality panel: the score out of 405, its band, each dimension as a
share of its most, and the fixes that would raise the score for the owning publishers only."""

from __future__ import annotations

import re

import pytest

from marketplace.models import Dataset
from tests.factories import create_dataset, create_user
from tests.web.pages import html_of
from tests.web.quality import DUE, set_quality, tags_of


def _indicator(dimension: str, name: str, points: int, max_points: int, fix: str | None = None) -> dict:
    label = name.replace("_", " ").capitalize()
    return {
        "dimension": dimension,
        "indicator": name,
        "label": label,
        "points": points,
        "max_points": max_points,
        "fix": fix,
    }


INDICATORS = [
    _indicator("findability", "keywords", 30, 30),
    _indicator("findability", "themes", 0, 30, "Add at least one theme"),
    _indicator("findability", "spatial", 20, 20),
    _indicator("findability", "temporal", 20, 20),
    _indicator("accessibility", "access_url", 50, 50),
    _indicator("accessibility", "download_url", 20, 20),
    _indicator("accessibility", "download_reachable", 0, 30, "Fix the broken download link of “Casualties”"),
    _indicator("interoperability", "format", 20, 20),
    _indicator("interoperability", "media_type", 10, 10),
    _indicator("interoperability", "vocabulary", 10, 10),
    _indicator("interoperability", "non_proprietary", 20, 20),
    _indicator("interoperability", "machine_readable", 20, 20),
    _indicator("interoperability", "dcat_ap", 30, 30),
    _indicator("reusability", "licence", 20, 20),
    _indicator("reusability", "licence_vocabulary", 10, 10),
    _indicator("reusability", "access_rights", 10, 10),
    _indicator("reusability", "access_rights_vocabulary", 5, 5),
    _indicator("reusability", "contact_point", 20, 20),
    _indicator("reusability", "publisher", 10, 10),
    _indicator("contextuality", "rights", 0, 5, "Give each file its own licence"),
    _indicator("contextuality", "byte_size", 5, 5),
    _indicator("contextuality", "issued", 5, 5),
    _indicator("contextuality", "modified", 5, 5),
]


DIMENSION_POINTS = {
    "findability": 70,
    "accessibility": 70,
    "interoperability": 110,
    "reusability": 75,
    "contextuality": 15,
}


FULL_MARKS = {
    "findability": 100,
    "accessibility": 100,
    "interoperability": 110,
    "reusability": 75,
    "contextuality": 20,
}


SCORE = 340  # the sum of DIMENSION_POINTS: "good"


def _scored(organisation, **fields) -> Dataset:
    dataset = create_dataset(organisation=organisation, **fields)
    set_quality(
        dataset,
        band="good",
        score=SCORE,
        metadata_dimensions=DIMENSION_POINTS,
        metadata_indicators=INDICATORS,
        **DUE,
    )
    return dataset


def _panel(html: str) -> str:
    start = html.index('<h2 class="govuk-heading-m" id="metadata-quality">Metadata quality</h2>')
    return html[start : html.index("Publisher\u2019s rating of the data", start)]


def test_the_panel_shows_the_score_out_of_405_its_band_and_each_dimension_as_a_share(dft, anonymous):
    dataset = _scored(dft)
    panel = _panel(html_of(anonymous, f"/datasets/{dataset.slug}"))
    assert re.search(r"340 out of 405</span>\s*<strong", panel)
    assert tags_of(panel) == ["Metadata quality: Good"]
    dimensions = re.findall(
        r'app-quality-dimension__name">([^<]+)</dt>.*?'
        r'app-quality-bar__value--(\d+)"></span></span>\s*(\d+)%'
        r'<span class="govuk-visually-hidden"> \((\d+) of (\d+) points\)</span>',
        panel,
        re.S,
    )
    # Shares of each dimension's most, since the maxima (100, 110, 75, 20) differ.
    assert dimensions == [
        ("Findability", "70", "70", "70", "100"),
        ("Accessibility", "70", "70", "70", "100"),
        ("Interoperability", "100", "100", "110", "110"),
        ("Reusability", "100", "100", "75", "75"),
        ("Contextuality", "75", "75", "15", "20"),
    ]
    # The bars are decoration: the numbers beside them say it all.
    assert panel.count('class="app-quality-bar" aria-hidden="true"') == 5


def test_the_owning_publisher_sees_what_would_raise_the_score(dft, signed_in):
    dataset = _scored(dft)
    client = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))
    panel = _panel(html_of(client, f"/datasets/{dataset.slug}"))
    fixes = re.findall(r"<li>(.*?) <span[^>]*>\((.*?)\)</span></li>", panel)
    assert fixes == [
        ("Add at least one theme", "up to 30 more points"),
        ("Fix the broken download link of “Casualties”", "up to 30 more points"),
        ("Give each file its own licence", "up to 5 more points"),
    ]
    assert "The metadata misses" not in panel


@pytest.mark.parametrize("who", ["anonymous", "reader", "other publisher", "member without the role"])
def test_everyone_else_gets_a_short_summary_and_no_fixes(dft, home_office, anonymous, signed_in, who):
    dataset = _scored(dft)
    if who == "anonymous":
        client = anonymous
    elif who == "reader":
        client = signed_in(create_user(email="carol@cabinetoffice.gov.uk", roles=()))
    elif who == "other publisher":
        client = signed_in(
            create_user(email="sam@homeoffice.gov.uk", organisation=home_office, roles=("publisher",))
        )
    else:
        client = signed_in(create_user(email="max@dft.gov.uk", organisation=dft, roles=("member",)))
    panel = _panel(html_of(client, f"/datasets/{dataset.slug}"))
    assert "The metadata misses 3 of 23 checks. Its publisher can see what would raise the score." in panel
    assert "Add at least one theme" not in panel and "What would raise the score" not in panel


def test_an_entry_passing_every_check_says_so_and_one_not_scored_says_that(dft, anonymous):
    perfect = create_dataset(organisation=dft)
    set_quality(
        perfect,
        band="excellent",
        score=405,
        metadata_dimensions=FULL_MARKS,
        metadata_indicators=[{**i, "points": i["max_points"], "fix": None} for i in INDICATORS],
    )  # fmt: skip
    panel = _panel(html_of(anonymous, f"/datasets/{perfect.slug}"))
    assert "405 out of 405" in panel and "passes every check" in panel
    assert "app-quality-bar__value--100" in panel and "--95" not in panel

    unscored = create_dataset(organisation=dft)
    set_quality(unscored, band=None, metadata_dimensions=None, metadata_indicators=None)
    panel = _panel(html_of(anonymous, f"/datasets/{unscored.slug}"))
    assert "has not been scored yet" in panel and "out of 405" not in panel
