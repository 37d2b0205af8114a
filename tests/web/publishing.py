"""What the publish form tests share: the form's address, reading a page's form and error summary,
posting it, and a complete form (the Department for Transport publisher is a fixture of
conftest.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset
from tests.factories import OGL
from tests.web.pages import page

NEW = "/publish/datasets/new"


def q(text: str) -> str:
    return f"\N{LEFT SINGLE QUOTATION MARK}{text}\N{RIGHT SINGLE QUOTATION MARK}"


class _Form(HTMLParser):
    """What a browser would send for the page's (last) form, as it stands: name -> [values]."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "form":
            self.fields = {}
        elif tag == "input" and name:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select].append(a.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self.fields[self._select] = self.fields[self._select] or [""]
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea][-1] += (
                data.removeprefix("\n") if not self.fields[self._textarea][-1] else data
            )


def form_fields(html: str) -> dict[str, list[str]]:
    parser = _Form()
    parser.feed(html)
    return parser.fields


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post(client, path: str, data: dict, *, status: int, token: str | None = None) -> str:
    if token is None:
        token = csrf(page(client, NEW, status=200).get_data(as_text=True))
    response = page(client, path, method="POST", status=status, data={"csrf_token": token, **data})
    return response.get_data(as_text=True)


def summary_links(html: str) -> list[str]:
    summary = re.search(r'class="govuk-error-summary".*?</div>\s*</div>', html, re.DOTALL)
    return re.findall(r'href="#([^"]+)"', summary.group(0)) if summary else []


def count_datasets() -> int:
    return db.session.scalar(select(func.count()).select_from(Dataset))


def complete_form(**overrides) -> dict:
    """Every field of a dataset, as a publisher would fill in the form."""
    data = {
        "type": "dataset",
        "title": "Reported road casualties",
        "summary": "Casualties in reported road collisions.",
        "description": "Statistics on **reported road casualties** in Great Britain.",
        "alternative_titles": "STATS19 casualties\nRoad casualty statistics",
        "publisher": "department-for-transport",
        "contact_point-name": "Road Safety Statistics",
        "contact_point-email": "roadacc.stats@dft.gov.uk",
        "creators": "Department for Transport",
        "access_rights": "OPEN",
        "security_classification": "OFFICIAL",
        "licence": OGL,
        "themes": ["transport-and-infrastructure", "health-and-care"],
        "keywords": "road safety, casualties\ncollisions",
        "update_frequency": "annual",
        "modified-day": "25",
        "modified-month": "9",
        "modified-year": "2025",
        "issued-day": "27",
        "issued-month": "6",
        "issued-year": "2013",
        "temporal_coverage-start-day": "1",
        "temporal_coverage-start-month": "1",
        "temporal_coverage-start-year": "1979",
        "temporal_coverage-end-day": "31",
        "temporal_coverage-end-month": "12",
        "temporal_coverage-end-year": "2024",
        "spatial_coverage": "Great Britain",
        "identifier": "STATS19",
        "version": "2024",
        "related_resources": "https://www.gov.uk/government/collections/road-accidents-and-safety-statistics",
        "distributions-0-title": "Casualties 2024",
        "distributions-0-download_url": "https://data.dft.gov.uk/casualty-2024.csv",
        "distributions-0-media_type": "text/csv",
        "distributions-0-byte_size": "38,211,022",
        "distributions-0-issued-day": "1",
        "distributions-0-issued-month": "9",
        "distributions-0-issued-year": "2025",
        "action": "publish",
    }
    data.update(overrides)
    return data
