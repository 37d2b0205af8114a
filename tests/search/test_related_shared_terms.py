"""Related entries weigh how many of an entry's key terms a match shares (issue 18): one word in
common, however often a match repeats it, counts for less than many words in common. Fuel
poverty is about households, low incomes and energy efficiency, not about the price of petrol,
though road fuel prices say "fuel" in every field and nothing else of the catalogue does."""

from __future__ import annotations

from marketplace.search import index_root, rebuild_index
from tests.factories import create_dataset, create_organisation
from tests.helpers import api

REGIONS = ("the North", "the Midlands", "London", "the South", "Wales", "Scotland")


def test_a_match_on_many_key_terms_outranks_one_word_said_in_every_field(client, app):
    organisation = create_organisation()
    entries = [
        (
            "Fuel poverty statistics",
            ["fuel poverty", "households"],
            "Households in fuel poverty: low income homes with poor energy efficiency.",
        ),
        (
            "Road fuel prices",
            ["fuel", "road fuel"],
            "Fuel prices: the pump price of road fuel, and fuel duty.",
        ),
    ] + [
        (
            f"Household energy in {region}",
            ["households", "homes"],
            f"Households, homes, energy efficiency and low income in {region}.",
        )
        for region in REGIONS
    ]
    for title, keywords, summary in entries:
        create_dataset(
            organisation=organisation,
            title=title,
            themes=["energy"],
            keywords=keywords,
            summary=summary,
            description=f"{summary} Published each year.",
        )
    rebuild_index(index_root())

    body = api(
        client, "GET", "/api/v1/datasets/fuel-poverty-statistics/related?limit=5", status=200
    ).get_json()

    titles = [item["title"] for item in body["items"]]
    assert len(titles) == 5 and all(title.startswith("Household energy in") for title in titles), titles
