"""Metadata quality, after data.europa.eu's Metadata Quality Assessment (MQA): the score out of
405, its band and dimensions, and the fixes that would raise it. The indicators themselves, and
how our model maps onto the MQA's, are in `mqa_indicators`; storing the score on each entry and
recomputing it is `services.metadata_quality`.

What the link checker found is for an entry's publishers only: `indicators_for` and `fixes_for`
give the stored indicators as a viewer may read them, for the API and the entry page alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marketplace.models import Dataset, LinkCheck
from marketplace.rules.actors import Actor
from marketplace.rules.mqa_indicators import (
    ADD_DISTRIBUTION,
    BROKEN_LINK_START,
    INDICATORS,
    LINK_DOES_NOT_WORK,
    LINK_INDICATORS,
    judge_indicators,
)
from marketplace.rules.permissions import can_publish_for

__all__ = [
    "ADD_DISTRIBUTION",
    "BANDS",
    "DIMENSIONS",
    "DIMENSION_HINTS",
    "INDICATORS",
    "MAX_SCORE",
    "Assessment",
    "BandRange",
    "assess",
    "band_for",
    "band_ranges",
    "entry_urls",
    "fixes_for",
    "fixes_of",
    "indicators_for",
    "link_details_visible",
]

BANDS: dict[str, str] = {"excellent": "Excellent", "good": "Good", "sufficient": "Sufficient", "bad": "Bad"}
BAND_THRESHOLDS = (("excellent", 351), ("good", 221), ("sufficient", 121))
DIMENSIONS: dict[str, str] = {
    "findability": "Findability",
    "accessibility": "Accessibility",
    "interoperability": "Interoperability",
    "reusability": "Reusability",
    "contextuality": "Contextuality",
}
# What each dimension asks of an entry's metadata, in plain words (the names are the MQA's).
DIMENSION_HINTS: dict[str, str] = {
    "findability": "whether people can find it: keywords, themes, and the place and time period covered",
    "accessibility": "whether people can get to the data: links that work when checked, and direct downloads",
    "interoperability": (
        "whether software can use it: formats and media types given, open and machine-readable"
    ),
    "reusability": "whether people may reuse it: a licence, access rights, a contact and a publisher",
    "contextuality": (
        "the context around it: a rights statement, file sizes, and when it was issued and last updated"
    ),
}
MAX_SCORE = sum(points for _, _, points in INDICATORS.values())  # 405


@dataclass(frozen=True)
class Assessment:
    score: int
    band: str
    dimensions: dict[str, int]
    indicators: list[dict[str, Any]]

    @property
    def fixes(self) -> list[str]:
        return fixes_of(self.indicators)


def fixes_of(indicators: Iterable[Mapping[str, Any]]) -> list[str]:
    """The fix for each missed indicator, in order, each said once."""
    return list(dict.fromkeys(i["fix"] for i in indicators if i.get("fix")))


def link_details_visible(actor: Actor, dataset: Dataset) -> bool:
    """Whether `actor` may read what the link checker found on the entry's links (what a link
    answered, and when): its organisation's publishers and site admins may. Others could otherwise
    learn how hosts answer the service (the checker asks from inside its network)."""
    return can_publish_for(actor, dataset.organisation)


def indicators_for(actor: Actor, dataset: Dataset) -> list[dict[str, Any]]:
    """The entry's stored indicators with each fix as `actor` may read it: where it tells what
    the link checker found, others than the publishers read only that a link does not work."""
    indicators = dataset.metadata_indicators or []
    if link_details_visible(actor, dataset):
        return list(indicators)
    return [{**i, "fix": _public_fix(i)} for i in indicators]


def fixes_for(actor: Actor, dataset: Dataset) -> list[str]:
    """What would raise the entry's score, as `actor` may read it (see `indicators_for`)."""
    return fixes_of(indicators_for(actor, dataset))


def _public_fix(indicator: Mapping[str, Any]) -> str | None:
    fix = indicator.get("fix")
    if "public_fix" in indicator:
        return indicator["public_fix"]
    # Scored before `public_fix` was stored (until the next check or edit scores it again).
    if fix and indicator.get("indicator") in LINK_INDICATORS and fix.startswith(BROKEN_LINK_START):
        return LINK_DOES_NOT_WORK
    return fix


@dataclass(frozen=True)
class BandRange:
    band: str
    label: str
    low: int
    high: int

    @property
    def range(self) -> str:
        return f"{self.low} to {self.high}"


def band_ranges() -> tuple[BandRange, ...]:
    """Each band with the scores it covers, best first, from the thresholds the score uses."""
    ranges = []
    upper = MAX_SCORE
    for band, minimum in BAND_THRESHOLDS:
        ranges.append(BandRange(band, BANDS[band], minimum, upper))
        upper = minimum - 1
    lowest = next(band for band in BANDS if band not in dict(BAND_THRESHOLDS))
    ranges.append(BandRange(lowest, BANDS[lowest], 0, upper))
    return tuple(ranges)


def band_for(score: int) -> str:
    for band, minimum in BAND_THRESHOLDS:
        if score >= minimum:
            return band
    return "bad"


def entry_urls(dataset: Dataset) -> set[str]:
    """Every URL of an entry that the link check looks at."""
    urls = {dataset.endpoint_url} if dataset.type == "data_service" else set()
    for d in dataset.distributions:
        urls.update((d.access_url, d.download_url))
    return {u for u in urls if u}


def assess(dataset: Dataset, link_checks: Mapping[str, LinkCheck]) -> Assessment:
    """Score an entry's metadata against every MQA indicator; `link_checks` maps URL to its last check."""
    indicators = judge_indicators(dataset, link_checks)
    dimensions = dict.fromkeys(DIMENSIONS, 0)
    for indicator in indicators:
        dimensions[indicator["dimension"]] += indicator["points"]
    score = sum(dimensions.values())
    return Assessment(score=score, band=band_for(score), dimensions=dimensions, indicators=indicators)
