"""Finding data: the search page, organisations and their entries.

Everything works as a plain GET form. The services decide what the visitor may see; this
module only turns query arguments into checked parameters and the page's links.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from marshmallow import ValidationError as SchemaValidationError
from werkzeug.datastructures import MultiDict

from marketplace.auth.session import session_actor
from marketplace.errors import BadRequestError, flatten_errors
from marketplace.schemas.listing import MULTI_VALUED, DatasetListParamsSchema, load_list_params
from marketplace.services.catalogue import Page, more_when_signed_in
from marketplace.services.finding import LABELS as SEARCH_LABELS
from marketplace.services.finding import find_datasets, thesaurus_matches
from marketplace.services.organisations import get_organisation, list_organisations
from marketplace.services.roles import can_manage_roles
from marketplace.services.search_log import click_signature, filters_of, record_search
from marketplace.web.filters import vocabulary_label

bp = Blueprint("find", __name__)

# The filter panel's headings, in the order facets are shown; facets the search adds later
# (quality band, freshness) appear after these under their own names.
FACET_LEGENDS = {
    "organisation": "Organisation",
    "theme": "Theme",
    "format": "Format",
    "licence": "Licence",
    "access_rights": "Access",
    "type": "Type",
    "quality": "Metadata quality",
    "freshness": "Freshness",
}
# What each parameter is called in an error message that cannot point at a control on the page.
PARAMETER_NAMES = {
    **FACET_LEGENDS,
    "status": "Status",
    "sort": "Sort by",
    "page": "Page number",
    "per_page": "Results per page",
}
# Vocabularies whose labels name a chosen filter when the search gave none (no index).
LABELLED = frozenset({"theme", "licence", "access_rights", "type", "status"})
# Filters whose values the search compares without regard to case.
UPPER_CASED = frozenset({"format"})
DEFAULT_PER_PAGE = 20
# A filter shows this many of its values before "Show more" (see _shown_and_more).
FACET_SHOWN = 10
# Up to this many chosen values, each is a tag of its own (see Search.selected_tags).
MAX_VALUE_TAGS = 10
# "Including results for A&E: ..." names this many of the expressions searched for as well.
MAX_SHOWN_ALTERNATIVES = 4
PARAMETERS = frozenset(DatasetListParamsSchema().fields)


@dataclass
class Search:
    """One search as the page shows it: its checked parameters, the results, or what was wrong."""

    base_path: str
    fixed: frozenset[str] = frozenset()  # parameters the page sets itself (an organisation's slug)
    params: dict[str, Any] = field(default_factory=dict)
    results: Page | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    # The search log's id for this search, when it was recorded: its results then link through
    # the page that records a click (web/search_clicks.py).
    search_id: uuid.UUID | None = None

    @property
    def q(self) -> str:
        return self.params.get("q") or ""

    @property
    def sort(self) -> str:
        return self.params.get("sort") or ("relevance" if self.q.strip() else "updated")

    def sort_options(self) -> list[dict[str, Any]]:
        """The sort select's items. The default order's value is empty, so that a new search typed
        on a page in the default order gets its own default (relevance once there are words)."""
        default = ("relevance", "Most relevant") if self.q.strip() else ("updated", "Recently updated")
        options = [default] + [
            o
            for o in (
                ("updated", "Recently updated"),
                ("title", "Title (A to Z)"),
                ("quality", "Metadata quality"),
            )
            if o != default
        ]
        return [
            {"value": "" if value == default[0] else value, "text": text, "selected": value == self.sort}
            for value, text in options
        ]

    def selected(self) -> list[tuple[str, str]]:
        """The chosen filter values the visitor may remove, in the panel's order."""
        return [
            (name, value)
            for name in MULTI_VALUED
            if name not in self.fixed
            for value in self.params.get(name) or []
        ]

    def selected_tags(self) -> list[dict[str, str]]:
        """Each chosen filter value as a tag: what it says, and the address without it.

        Each address repeats every other chosen value, so past MAX_VALUE_TAGS values a tag per
        value would make the page grow with the square of their number: then each filter is
        one tag that removes all its values (its checkboxes still untick one at a time)."""
        labels = self._facet_labels()
        chosen = self.selected()
        by_filter: dict[str, list[str]] = {}
        for name, value in chosen:
            by_filter.setdefault(name, []).append(value)
        tags = []
        for name, values in by_filter.items():
            legend = PARAMETER_NAMES.get(name) or name.replace("_", " ").capitalize()
            texts = [labels.get(name, {}).get(_compared(name, v)) or _label(name, v) for v in values]
            if len(chosen) <= MAX_VALUE_TAGS:
                tags += [
                    {
                        "text": f"{legend}: {text}",
                        "remove": "Remove filter",
                        "href": self.url_without(name, v),
                    }
                    for v, text in zip(values, texts, strict=True)
                ]
            else:
                tags.append(
                    {
                        "text": f"{legend}: {', '.join(texts)}",
                        "remove": "Remove filters",
                        "href": self.url(**{name: []}),
                    }
                )
        return tags

    def _pairs(self, **changes: Any) -> list[tuple[str, str]]:
        params = {**self.params, **changes}
        pairs: list[tuple[str, str]] = []
        if params.get("q"):
            pairs.append(("q", params["q"]))
        for name in MULTI_VALUED:
            if name not in self.fixed:
                pairs.extend((name, value) for value in params.get(name) or [])
        if params.get("sort"):
            pairs.append(("sort", params["sort"]))
        if params.get("expand") is False:
            pairs.append(("expand", "false"))
        if params.get("per_page", DEFAULT_PER_PAGE) != DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(params["per_page"])))
        if params.get("page", 1) != 1:
            pairs.append(("page", str(params["page"])))
        return pairs

    def url(self, **changes: Any) -> str:
        """This search's address with `changes` (any change of the results goes back to page 1)."""
        pairs = self._pairs(**{"page": 1, **changes})
        return f"{self.base_path}?{urlencode(pairs)}" if pairs else self.base_path

    def expansions(self) -> list[tuple[str, list[str]]]:
        """What else the search looked for, to say so: each expression typed, and up to
        MAX_SHOWN_ALTERNATIVES others of its group, not counting the same letters written
        otherwise ("AandE" for "A&E")."""
        shown = []
        for expansion in (self.results.expanded if self.results else None) or []:
            typed = _letters(expansion["typed"])
            others = [term for term in expansion["including"] if _letters(term) != typed]
            if others:
                shown.append((expansion["typed"], others[:MAX_SHOWN_ALTERNATIVES]))
        return shown

    def expandable(self) -> bool:
        """Whether the thesaurus knows some of the words typed (searched for alone now)."""
        return bool(thesaurus_matches(self.q))

    def url_without(self, name: str, value: str) -> str:
        return self.url(**{name: [v for v in self.params.get(name) or [] if v != value]})

    def url_without_filters(self) -> str:
        return self.url(**{name: [] for name in MULTI_VALUED})

    def result_url(self, slug: str, rank: int) -> str:
        """Where the result at `rank` (from 1) links: through the click recorder when this search
        was logged, signed so that only this search, this entry and this rank are recorded."""
        if self.search_id is None:
            return url_for("dataset_page.show_dataset", slug=slug)
        signature = click_signature(self.search_id, slug, rank)
        return url_for("find.follow_result", slug=slug, search=self.search_id.hex, rank=rank, sig=signature)

    def page_url(self, number: int) -> str:
        return self.url(page=number)

    def pagination(self) -> dict[str, Any] | None:
        """Parameters for govukPagination, or None when everything fits on one page."""
        results = self.results
        if results is None or results.total <= results.per_page:
            return None
        last = -(-results.total // results.per_page)
        current = results.page
        shown = sorted({1, last, *range(max(1, current - 1), min(last, current + 1) + 1)})
        items: list[dict[str, Any]] = []
        for before, number in zip([None, *shown], shown, strict=False):
            if before is not None and number - before > 1:
                items.append({"ellipsis": True})
            items.append({"number": str(number), "href": self.page_url(number), "current": number == current})
        return {
            "items": items,
            "previous": {"href": self.page_url(current - 1)} if current > 1 else None,
            "next": {"href": self.page_url(current + 1)} if current < last else None,
            "landmarkLabel": "Results pages",
        }

    def facets(self) -> list[dict[str, Any]]:
        """The filter panel: each facet the search returned, with the chosen values kept even
        when nothing matches them now (so they can still be unticked)."""
        facets = (self.results.facets if self.results else None) or {}
        names = [n for n in FACET_LEGENDS if n in facets] + [n for n in facets if n not in FACET_LEGENDS]
        panel = []
        for name in names:
            if name in self.fixed:
                continue
            chosen = {_compared(name, v) for v in self.params.get(name) or []}
            options = [
                {**option, "checked": _compared(name, option["value"]) in chosen} for option in facets[name]
            ]
            seen = {_compared(name, option["value"]) for option in options}
            options += [
                {"value": value, "label": _label(name, value), "count": 0, "checked": True}
                for value in self.params.get(name) or []
                if _compared(name, value) not in seen
            ]
            if options:
                legend = FACET_LEGENDS.get(name) or name.replace("_", " ").capitalize()
                shown, more = _shown_and_more(options)
                panel.append({"name": name, "legend": legend, "options": shown, "more": more})
        return panel

    def _facet_labels(self) -> dict[str, dict[str, str]]:
        """The labels the search gave filter values, by filter and compared value."""
        facets = (self.results.facets if self.results else None) or {}
        return {
            name: {_compared(name, option["value"]): option["label"] for option in options}
            for name, options in facets.items()
        }


def _shown_and_more(options: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A long filter (37 organisations) shows its most common values and any chosen ones; the
    rest go under "Show more", alphabetically, where a name is easier to find than by count."""
    if len(options) <= FACET_SHOWN + 2:  # "Show 2 more" would save nothing
        return options, []
    by_count = sorted(options, key=lambda option: -option["count"])  # stable: ties keep their order
    top = {id(option) for option in by_count[:FACET_SHOWN]}
    shown = [option for option in options if id(option) in top or option["checked"]]
    more = sorted(
        (option for option in options if id(option) not in top and not option["checked"]),
        key=lambda option: option["label"].casefold(),
    )
    return shown, more


def _letters(text: str) -> str:
    return "".join(character for character in text.lower().replace("&", "and") if character.isalnum())


def _label(name: str, value: str) -> str:
    if name in SEARCH_LABELS:  # the computed bands and freshness states, named as the search names them
        return SEARCH_LABELS[name].get(value, value)
    return vocabulary_label(name, value) if name in LABELLED else value


def _compared(name: str, value: str) -> str:
    return value.upper() if name in UPPER_CASED else value


# Parameters whose bad value the page can leave out and still answer: it shows the results
# without them, and the error summary links to the control the value would have set.
RECOVERABLE = frozenset(MULTI_VALUED) | {"sort", "page", "per_page"}


def run_search(args: MultiDict, base_path: str, fixed: dict[str, list[str]] | None = None) -> Search:
    """Check the query arguments and search as the signed-in visitor (or anonymously).

    Bad arguments come back as `errors` for the page's error summary, never as an exception.
    A bad filter, sort or page value is left out and the rest searched, so the page still shows
    results and its filters, each error beside its control; any other error (the search words,
    too many parameters) leaves only the search box to correct.
    """
    fixed = fixed or {}
    # Only the search's own parameters: a link with tracking or other extra parameters still works.
    # Empty fields of the form (the sort select's default) mean "not given".
    args = MultiDict([(key, value) for key, value in args.items(multi=True) if key in PARAMETERS and value])
    for name, values in fixed.items():
        args.setlist(name, values)
    search = Search(base_path, frozenset(fixed))
    errors = _search(search, args)
    bad = {key.split(".")[0] for key in errors}
    if errors and bad <= RECOVERABLE - search.fixed:
        for name in bad:
            args.poplist(name)
        if not _search(search, args):
            search.errors = _readable(errors, linked=bad)
            return search
    if errors:
        search.errors = _readable(errors)
        search.results = None
        # Keep what the visitor typed in the box, so they can correct it.
        search.params = {"q": args.get("q", "")} if "q" not in errors else {}
    return search


def _search(search: Search, args: MultiDict) -> dict[str, list[str]]:
    """Load the parameters and search; the errors by parameter, or {} when it answered."""
    try:
        search.params = load_list_params(args)
        search.results = find_datasets(session_actor(), search.params)
    except SchemaValidationError as error:
        return flatten_errors(error.messages)
    except BadRequestError as error:
        return error.errors or {"_schema": [error.detail]}
    return {}


# Where on the page a parameter's error links to (a filter's first checkbox, the sort select).
CONTROL_IDS = {**{name: f"filter-{name}" for name in FACET_LEGENDS}, "q": "q", "sort": "sort"}


def _readable(
    errors: dict[str, list[str]], linked: frozenset[str] | set[str] = frozenset()
) -> dict[str, list[str]]:
    """Messages that say which parameter they are about; the search words, and the parameters in
    `linked` that have a control on the page, keep a link to it (the summary's href)."""
    readable: dict[str, list[str]] = {}
    for key, messages in errors.items():
        name = key.split(".")[0]
        label = "Search terms" if name == "q" else PARAMETER_NAMES.get(name, "The address")
        target = CONTROL_IDS.get(name) if name == "q" or name in linked else None
        readable.setdefault(target or "_schema", []).extend(f"{label}: {m}" for m in messages)
    return readable


def _log_search(search: Search, source: str, organisation_id: Any = None) -> None:
    """Record a search that answered, on its first page only (paging is the same search); its
    results then link through the click recorder."""
    if search.results is None or search.params.get("page", 1) != 1:
        return
    search.search_id = record_search(
        query=search.q,
        filters=filters_of(search.params, search.fixed),
        result_count=search.results.total,
        source=source,
        organisation_id=organisation_id,
    )


@bp.get("/datasets")
def find_data() -> tuple[str, int]:
    search = run_search(request.args, url_for("find.find_data"))
    _log_search(search, "page")
    return render_template(
        "find/find.html", search=search, more_when_signed_in=more_when_signed_in(session_actor())
    ), 400 if search.errors else 200


@bp.get("/organisations")
def organisations() -> str:
    return render_template("organisations/list.html", organisations=list_organisations(session_actor()))


@bp.get("/organisations/<slug>")
def organisation(slug: str) -> tuple[str, int]:
    actor = session_actor()
    found, count = get_organisation(actor, slug)
    path = url_for("find.organisation", slug=found.slug)
    search = run_search(request.args, path, {"organisation": [found.slug]})
    _log_search(search, "organisation", found.id)
    return render_template(
        "organisations/organisation.html",
        organisation=found,
        count=count,
        search=search,
        manages_people=can_manage_roles(actor, found),
        more_when_signed_in=more_when_signed_in(actor, found),
    ), 400 if search.errors else 200
