"""Scoring an entry's metadata (after data.europa.eu's MQA): every indicator's points and how to fix
it when missed, the licence, access rights and contact, and the bands."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from marketplace.models import Dataset
from marketplace.rules.quality import BANDS, DIMENSIONS, assess, band_for
from tests.rules.quality_entries import ALL_OK, a_file, indicator, perfect_entry

# indicator -> (dimension, points): REFERENCE §B.
POINTS = {
    "keywords": ("findability", 30),
    "themes": ("findability", 30),
    "spatial": ("findability", 20),
    "temporal": ("findability", 20),
    "access_url_reachable": ("accessibility", 50),
    "download_url": ("accessibility", 20),
    "download_url_reachable": ("accessibility", 30),
    "format": ("interoperability", 20),
    "media_type": ("interoperability", 10),
    "format_vocabulary": ("interoperability", 10),
    "non_proprietary": ("interoperability", 20),
    "machine_readable": ("interoperability", 20),
    "dcat_ap_compliance": ("interoperability", 30),
    "licence": ("reusability", 20),
    "licence_vocabulary": ("reusability", 10),
    "access_rights": ("reusability", 10),
    "access_rights_vocabulary": ("reusability", 5),
    "contact_point": ("reusability", 20),
    "publisher": ("reusability", 10),
    "rights": ("contextuality", 5),
    "byte_size": ("contextuality", 5),
    "issued": ("contextuality", 5),
    "modified": ("contextuality", 5),
}


def test_the_indicators_and_their_points_are_the_mqa_s() -> None:
    assessment = assess(perfect_entry(), ALL_OK)

    got = {i["indicator"]: (i["dimension"], i["max_points"]) for i in assessment.indicators}
    assert got == POINTS
    assert sum(points for _, points in POINTS.values()) == 405
    assert list(assessment.dimensions) == list(DIMENSIONS)


def test_a_perfect_entry_scores_405_and_is_excellent_with_nothing_to_fix() -> None:
    assessment = assess(perfect_entry(), ALL_OK)

    assert assessment.score == 405
    assert assessment.band == "excellent"
    assert assessment.dimensions == {
        "findability": 100,
        "accessibility": 100,
        "interoperability": 110,
        "reusability": 75,
        "contextuality": 20,
    }
    assert assessment.fixes == []
    assert all(i["fix"] is None and i["points"] == i["max_points"] for i in assessment.indicators)
    assert all(
        set(i) == {"dimension", "indicator", "label", "points", "max_points", "fix"}
        for i in assessment.indicators
    )


# indicator -> (how to break a perfect entry, words the fix must contain)
FAILURES: dict[str, tuple[Callable[[Dataset], None], str]] = {
    "keywords": (lambda d: setattr(d, "keywords", []), "Add at least one keyword"),
    "themes": (lambda d: setattr(d, "themes", []), "Choose at least one theme"),
    "spatial": (lambda d: setattr(d, "spatial_coverage", None), "which area the data covers"),
    "temporal": (lambda d: setattr(d, "temporal_start", None), "period the data covers"),
    "download_url": (
        lambda d: setattr(d.distributions[0], "download_url", None),
        "Add a direct download link",
    ),
    "format": (lambda d: setattr(d.distributions[0], "format", None), "Give the format of “Roads 2024”"),
    "media_type": (
        lambda d: setattr(d.distributions[0], "media_type", None),
        "Give each file a media type from the IANA list, such as text/csv",
    ),
    "dcat_ap_compliance": (
        lambda d: setattr(d, "contact_name", None),
        "Fill in the fields every published entry needs: contact name",
    ),
    "access_rights_vocabulary": (
        lambda d: setattr(d, "access_rights", "PUBLIC"),
        "Choose the access rights from the list",
    ),
    "publisher": (lambda d: setattr(d, "organisation_id", None), "Set the publishing organisation"),
    "byte_size": (
        lambda d: setattr(d.distributions[0], "byte_size", None),
        "Give the size of each file in bytes",
    ),
    "issued": (lambda d: setattr(d.distributions[0], "issued", None), "first published"),
    "modified": (lambda d: setattr(d.distributions[0], "modified", None), "last updated"),
}


@pytest.mark.parametrize("name", FAILURES)
def test_each_missed_indicator_loses_its_points_and_says_how_to_fix_it(name: str) -> None:
    entry = perfect_entry()
    breaks, words = FAILURES[name]
    breaks(entry)

    assessment = assess(entry, ALL_OK)

    missed = indicator(assessment, name)
    assert missed["points"] == 0
    assert words in missed["fix"]
    assert missed["fix"] in assessment.fixes
    # With no download URL there is nothing to reach either.
    also_lost = 30 if name == "download_url" else 0
    assert assessment.score == 405 - POINTS[name][1] - also_lost


def test_a_distribution_without_its_own_licence_is_judged_with_the_entrys() -> None:
    # The form says a file's licence defaults to the entry's, so leaving it empty costs nothing.
    entry = perfect_entry()
    entry.distributions[0].licence = None
    assessment = assess(entry, ALL_OK)
    assert indicator(assessment, "rights")["points"] == indicator(assessment, "rights")["max_points"]
    assert assessment.score == 405
    assert not any("State the licence" in fix for fix in assessment.fixes)


def test_an_entry_with_no_licence_misses_the_licence_indicators_and_the_required_fields() -> None:
    entry = perfect_entry(licence=None, distributions=[a_file(licence=None)])

    assessment = assess(entry, ALL_OK)

    assert indicator(assessment, "licence")["points"] == 0
    assert indicator(assessment, "licence")["fix"] == "Choose a licence, such as the Open Government Licence"
    assert indicator(assessment, "licence_vocabulary")["points"] == 0
    assert indicator(assessment, "rights")["points"] == 0
    assert "licence" in indicator(assessment, "dcat_ap_compliance")["fix"]
    assert assessment.score == 405 - 20 - 10 - 5 - 30


def test_a_licence_outside_the_list_misses_only_the_vocabulary_indicator() -> None:
    entry = perfect_entry(distributions=[a_file(licence="Ask us")], licence=None)

    assessment = assess(entry, ALL_OK)

    assert indicator(assessment, "licence")["points"] == 20
    assert indicator(assessment, "licence_vocabulary")["points"] == 0
    assert "Choose the licence from the list" in indicator(assessment, "licence_vocabulary")["fix"]


def test_no_access_rights_misses_both_access_rights_indicators() -> None:
    assessment = assess(perfect_entry(access_rights=None), ALL_OK)

    assert indicator(assessment, "access_rights")["points"] == 0
    assert "Say who may access the data" in indicator(assessment, "access_rights")["fix"]
    assert indicator(assessment, "access_rights_vocabulary")["points"] == 0


def test_no_contact_email_misses_the_contact_point() -> None:
    assessment = assess(perfect_entry(contact_email=None), ALL_OK)

    assert indicator(assessment, "contact_point")["points"] == 0
    assert "contact point with an email address" in indicator(assessment, "contact_point")["fix"]


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (405, "excellent"),
        (351, "excellent"),
        (350, "good"),
        (221, "good"),
        (220, "sufficient"),
        (121, "sufficient"),
        (120, "bad"),
        (0, "bad"),
    ],
)
def test_band_boundaries(score: int, band: str) -> None:
    assert band_for(score) == band
    assert band in BANDS
