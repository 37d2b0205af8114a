"""What the find page's tests share: a small catalogue of three departments' entries (some
drafts, some not open), and reading a find page: its results, facets, links, sort options and
error summary."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from marketplace.models import Organisation
from marketplace.search import index_root, rebuild_index
from tests.factories import create_dataset, create_organisation
from tests.web.pages import page

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
TRANSPORT = "transport-and-infrastructure"


@dataclass
class Catalogue:
    dft: Organisation
    dfe: Organisation
    defra: Organisation


def add(organisation: Organisation, title: str, *, formats: tuple[str, ...] = ("text/csv",), **fields):
    """An entry whose words are only those the test gives it, so searches match on purpose."""
    distributions = [
        {
            "title": f"{title} ({media_type})",
            "download_url": f"https://data.gov.uk/{n}",
            "media_type": media_type,
        }
        for n, media_type in enumerate(formats)
    ]
    defaults = {"description": "Figures.", "keywords": [], "distributions": distributions}
    return create_dataset(organisation=organisation, title=title, **{**defaults, **fields})


def build_catalogue(*, index: bool = True) -> Catalogue:
    """Four OPEN published entries, one INTERNAL, one draft; indexed unless `index` is false."""
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    defra = create_organisation(
        slug="department-for-environment-food-rural-affairs",
        title="Department for Environment, Food & Rural Affairs",
        abbreviation="Defra",
    )
    add(
        dft,
        "Road casualties",
        summary="Casualties in reported road collisions.",
        themes=[TRANSPORT],
        modified="2025-09-01",
    )
    add(
        dft,
        "Rail passenger numbers",
        summary="Passenger journeys by rail.",
        themes=[TRANSPORT],
        formats=("application/vnd.ms-excel",),
        licence=CC_BY,
        modified="2025-06-01",
    )
    add(
        dfe,
        "School census",
        summary="Pupils in schools in England.",
        themes=["education"],
        formats=("text/csv", "application/json"),
        modified="2025-03-01",
    )
    add(
        defra,
        "Bathing water quality",
        summary="Bathing water samples at beaches.",
        themes=["environment-and-nature", "health-and-care"],
        formats=("application/geo+json",),
        access_rights="INTERNAL",
        modified="2024-12-01",
    )
    add(
        dft,
        "Road traffic counts API",
        summary="Traffic counts on major roads.",
        type="data_service",
        distributions=[],
        endpoint_url="https://roadtraffic.dft.gov.uk/api",
        themes=[TRANSPORT],
        modified="2025-01-01",
    )
    add(dft, "Secret road plans", summary="Road plans not yet published.", status="draft", themes=[TRANSPORT])
    if index:
        rebuild_index(index_root())
    return Catalogue(dft, dfe, defra)


def quoted(text: str) -> str:
    """`text` in the curly quotes the pages use."""
    return f"\N{LEFT SINGLE QUOTATION MARK}{text}\N{RIGHT SINGLE QUOTATION MARK}"


def text_of(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def result_titles(body: str) -> list[str]:
    return [text_of(t) for t in re.findall(r'class="govuk-heading-s app-result__title">(.*?)</h', body, re.S)]


class _Controls(HTMLParser):
    """Every form control with its attributes, and every label with the text it says."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"input", "select", "textarea"}:
            self.controls.append({"tag": tag, **dict(attrs)})
        if tag == "label":
            self._label, self._text = dict(attrs).get("for"), []

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label is not None:
            self.labels[self._label] = " ".join("".join(self._text).split())
            self._label = None


def controls_of(body: str) -> _Controls:
    parser = _Controls()
    parser.feed(body)
    return parser


def facet(body: str, name: str) -> dict[str, str]:
    """The checkboxes of one facet: {label with count: "checked" or ""}."""
    parsed = controls_of(body)
    return {
        parsed.labels[c["id"]]: "checked" if "checked" in c else ""
        for c in parsed.controls
        if c.get("type") == "checkbox" and c.get("name") == name
    }


def links_of(body: str, css_class: str) -> dict[str, str]:
    """{link text: href} for the links with `css_class`."""
    found = re.findall(rf'<a class="govuk-link {css_class}" href="([^"]*)">(.*?)</a>', body, re.S)
    return {text_of(text): html_lib.unescape(href) for href, text in found}


def link_to(body: str, text: str) -> str:
    for href, inner in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', body, re.S):
        if text_of(inner) == text:
            return html_lib.unescape(href)
    raise AssertionError(f"no link saying {text!r}")


def query_of(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query)


def get(client, path: str, status: int = 200, **kwargs) -> str:
    return page(client, path, status=status, **kwargs).get_data(as_text=True)


def options_of(body: str) -> list[tuple[str, str, bool]]:
    found = re.findall(r'<option value="(\w*)"( selected)?>(.*?)</option>', body, re.S)
    return [(value, " ".join(text.split()), bool(selected)) for value, selected, text in found]


def summary_links(body: str) -> dict[str, str | None]:
    """{message: the href it links to, or None} in the error summary."""
    items = re.findall(
        r"<li>(.*?)</li>", re.search(r'govuk-error-summary__list">(.*?)</ul>', body, re.S).group(1), re.S
    )
    found = {}
    for item in items:
        link = re.search(r'<a href="([^"]+)">(.*?)</a>', item, re.S)
        found[text_of(link.group(2) if link else item)] = link.group(1) if link else None
    return found
