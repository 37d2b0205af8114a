"""The entry page's related entries are related by content (issue 18): over the seed catalogue,
road casualties offers road and transport entries, not sanctions or small-boat crossings."""

from __future__ import annotations

import re

ROAD_CASUALTIES = "/datasets/reported-road-casualties-great-britain-stats19"
ON_THE_ROADS = re.compile(r"\b([Rr]oads?|[Tt]raffic|[Tt]ransport|[Vv]ehicles?|MOT)\b")


def related_titles(html: str) -> list[str]:
    aside = html[html.index('id="related-heading"') : html.index("</aside>")]
    return re.findall(r'<a class="govuk-link" href="/datasets/[^"]+">([^<]+)</a>', aside)


def test_road_casualties_offers_road_and_transport_entries(seeded):
    response = seeded.client.get(ROAD_CASUALTIES)
    assert response.status_code == 200
    titles = related_titles(response.get_data(as_text=True))
    assert len(titles) == 5
    assert sum(bool(ON_THE_ROADS.search(title)) for title in titles) >= 3, titles
    for unrelated in ("Sanctions", "small boats", "Reported road casualties"):
        assert not any(unrelated in title for title in titles), titles
