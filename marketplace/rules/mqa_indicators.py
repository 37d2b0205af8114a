"""The indicators of data.europa.eu's Metadata Quality Assessment (MQA), judged on one entry.

`INDICATORS` is the MQA's table of points (REFERENCE §B): 405 in all. How our model maps
onto the MQA's:

- Indicators about distributions score by the share of distributions that pass
  (points * passing / all, rounded), so one PDF among three files costs a third of the points.
- A dataset with no distributions scores nothing on them; the fix is to add one. Its licence
  is the entry's own, so the licence indicators judge the entry instead.
- A data service has no files: its endpoint URL is its access URL (checked for reachability),
  its licence and dates are the entry's, and the file-only indicators (download URL, format,
  media type, byte size) do not apply to an API, so they are given in full rather than asking
  the publisher for something that cannot exist.
- The "access URL" of a distribution is its access URL, or its download URL when it has only
  that (DCAT-AP requires an accessURL; exports use the download URL for it).
- Reachability comes from the stored link checks (`LinkCheck`, filled by the nightly link
  check), never from a request made here; a URL never checked scores nothing until it is.
- "Rights" is the rights statement on each distribution: in our model, the distribution's
  licence. A distribution given none is under the entry's licence (the publishing form says so,
  and that is the licence it is judged and published with), so it is judged with that one.
- "DCAT-AP compliant" means the entry has every field the DCAT-UK application profile requires
  of a published entry, and every distribution has a URL.

Each missed indicator carries a fix in plain words for the publisher. A fix that tells what the
link checker found (what a link answered, and when) is for the entry's publishers only: such an
indicator also carries `public_fix`, what everyone else reads instead
(`quality.indicators_for` chooses).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from marketplace.models import Dataset, LinkCheck
from marketplace.vocabularies import ACCESS_RIGHTS, find_licence
from marketplace.vocabularies.formats import find_format, media_type_for
from marketplace.vocabularies.media_types import MEDIA_TYPES

# indicator -> (dimension, label, points), in the MQA's order.
INDICATORS: dict[str, tuple[str, str, int]] = {
    "keywords": ("findability", "Keywords", 30),
    "themes": ("findability", "Themes", 30),
    "spatial": ("findability", "Spatial coverage", 20),
    "temporal": ("findability", "Temporal coverage", 20),
    "access_url_reachable": ("accessibility", "Access URL works", 50),
    "download_url": ("accessibility", "Download URL given", 20),
    "download_url_reachable": ("accessibility", "Download URL works", 30),
    "format": ("interoperability", "Format given", 20),
    "media_type": ("interoperability", "Media type given", 10),
    "format_vocabulary": ("interoperability", "Format or media type from a vocabulary", 10),
    "non_proprietary": ("interoperability", "Non-proprietary format", 20),
    "machine_readable": ("interoperability", "Machine-readable format", 20),
    "dcat_ap_compliance": ("interoperability", "DCAT-AP compliant", 30),
    "licence": ("reusability", "Licence given", 20),
    "licence_vocabulary": ("reusability", "Licence from a vocabulary", 10),
    "access_rights": ("reusability", "Access rights", 10),
    "access_rights_vocabulary": ("reusability", "Access rights from a vocabulary", 5),
    "contact_point": ("reusability", "Contact point", 20),
    "publisher": ("reusability", "Publisher", 10),
    "rights": ("contextuality", "Rights statement", 5),
    "byte_size": ("contextuality", "File size", 5),
    "issued": ("contextuality", "Date issued", 5),
    "modified": ("contextuality", "Date modified", 5),
}
# Indicators about files, which an API cannot have.
FILE_ONLY = frozenset(
    {"download_url", "download_url_reachable", "format", "media_type", "format_vocabulary"}
    | {"non_proprietary", "machine_readable", "byte_size"}
)

ADD_DISTRIBUTION = "Add at least one distribution: a file to download or a link to the data"
ADD_DOWNLOAD = "Add a direct download link to each file, so people and software can fetch the data"
NOT_YET_CHECKED = "Links are checked every night; {what} not been checked yet, so check back tomorrow"
# What those who are not the entry's publishers read for a link the checker found broken.
LINK_DOES_NOT_WORK = "A link does not work"
LINK_INDICATORS = frozenset({"access_url_reachable", "download_url_reachable"})
BROKEN_LINK_START = "Fix or replace the "
REQUIRED_FIELDS = (
    ("title", "title"),
    ("description", "description"),
    ("contact_name", "contact name"),
    ("contact_email", "contact email"),
    ("access_rights", "access rights"),
    ("security_classification", "security classification"),
    ("licence", "licence"),
    ("modified", "date last modified"),
)


@dataclass(frozen=True)
class _File:
    """A distribution, or a data service's endpoint, as the indicators see it."""

    title: str
    access_url: str | None
    download_url: str | None = None
    media_type: str | None = None
    format: str | None = None
    byte_size: int | None = None
    licence: str | None = None
    issued: date | None = None
    modified: date | None = None


def _files(dataset: Dataset) -> list[_File]:
    if dataset.type == "data_service":
        return [
            _File(
                title=dataset.title or "the service",
                access_url=dataset.endpoint_url,
                licence=dataset.licence,
                issued=dataset.issued,
                modified=dataset.modified,
            )
        ]
    return [
        _File(
            title=d.title or f"distribution {n}",
            access_url=d.access_url or d.download_url,
            download_url=d.download_url,
            media_type=d.media_type,
            format=d.format,
            byte_size=d.byte_size,
            licence=d.licence or dataset.licence,  # inherited, as the form tells the publisher
            issued=d.issued,
            modified=d.modified,
        )
        for n, d in enumerate(dataset.distributions, start=1)
    ]


def judge_indicators(dataset: Dataset, link_checks: Mapping[str, LinkCheck]) -> list[dict[str, Any]]:
    """Every indicator as `{dimension, indicator, label, points, max_points, fix}`.

    `fix` is None when the indicator passed in full.
    """
    return _Judge(dataset, link_checks).run()


class _Judge:
    def __init__(self, dataset: Dataset, link_checks: Mapping[str, LinkCheck]) -> None:
        self.d = dataset
        self.checks = link_checks
        self.is_service = dataset.type == "data_service"
        self.files = _files(dataset)
        self.results: list[dict[str, Any]] = []

    def add(self, indicator: str, share: float, fix: str | None, public_fix: str | None = None) -> None:
        dimension, label, max_points = INDICATORS[indicator]
        points = round(max_points * share)
        result = {
            "dimension": dimension,
            "indicator": indicator,
            "label": label,
            "points": points,
            "max_points": max_points,
            "fix": None if points == max_points else fix,
        }
        if result["fix"] and public_fix and public_fix != fix:
            result["public_fix"] = public_fix
        self.results.append(result)

    def entry(self, indicator: str, passed: bool, fix: str) -> None:
        self.add(indicator, 1.0 if passed else 0.0, fix)

    def files_share(
        self,
        indicator: str,
        test: Callable[[_File], bool],
        fix: Callable[[list[_File]], str],
        *,
        entry_test: Callable[[], bool] | None = None,
        public_fix: Callable[[list[_File]], str | None] | None = None,
    ) -> None:
        """Score by the share of distributions that pass `test`.

        With no distributions: nothing (the fix: add one), unless `entry_test` judges the entry.
        `public_fix`, where given, says what others than the publishers read when it is not None.
        """
        if self.is_service and indicator in FILE_ONLY:
            self.add(indicator, 1.0, None)
        elif not self.files:
            if entry_test is None:
                self.add(indicator, 0.0, ADD_DISTRIBUTION)
            else:
                self.add(indicator, float(entry_test()), fix([]))
        else:
            failing = [f for f in self.files if not test(f)]
            self.add(
                indicator,
                1 - len(failing) / len(self.files),
                fix(failing) if failing else None,
                public_fix(failing) if failing and public_fix else None,
            )

    def reachable(self, url: str | None) -> bool:
        check = self.checks.get(url) if url else None
        return bool(check and check.ok)

    def reachability_fix(self, failing: list[_File], attribute: str, missing_fix: str) -> str:
        """Name the first broken link and why; else ask for missing links; else say when it is checked."""
        noun = {"access_url": "link", "download_url": "download link"}[attribute]
        if self.is_service:
            noun = "endpoint"
        urls = [(f, getattr(f, attribute)) for f in failing]
        broken = [(f, url) for f, url in urls if url and url in self.checks]
        unchecked = [f for f, url in urls if url and url not in self.checks]
        if broken:
            first, url = broken[0]
            check = self.checks[url]
            if check.status_code:
                answer = f"answered {check.status_code}"
            else:
                answer = f"failed ({check.error or 'no answer'})"
            more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
            when = f"{check.checked_at:%-d %B %Y}"
            return f"{BROKEN_LINK_START}{noun} of “{first.title}”{more}: it {answer} when checked on {when}"
        if not unchecked:
            return missing_fix
        if len(unchecked) == 1:
            return NOT_YET_CHECKED.format(what=f"the {noun} of “{unchecked[0].title}” has")
        return NOT_YET_CHECKED.format(what=f"{len(unchecked)} {noun}s have")

    def run(self) -> list[dict[str, Any]]:
        self.findability()
        self.accessibility()
        self.interoperability()
        self.reusability()
        self.contextuality()
        return self.results

    def findability(self) -> None:
        d = self.d
        self.entry("keywords", bool(d.keywords), "Add at least one keyword")
        self.entry("themes", bool(d.themes), "Choose at least one theme that describes the data")
        self.entry(
            "spatial",
            bool(d.spatial_coverage),
            "Say which area the data covers, such as England or United Kingdom",
        )
        self.entry(
            "temporal",
            d.temporal_start is not None or d.temporal_end is not None,
            "Give the period the data covers (a start date, an end date or both)",
        )

    def checked_broken(self, failing: list[_File], attribute: str) -> str | None:
        """For others than the publishers: only that a link does not work, if the checker says so."""
        if any(getattr(f, attribute) in self.checks for f in failing if getattr(f, attribute)):
            return LINK_DOES_NOT_WORK
        return None

    def accessibility(self) -> None:
        if self.is_service:
            missing_access = "Add the service's endpoint URL"
        else:
            missing_access = "Give each distribution a link to the data"
        self.files_share(
            "access_url_reachable",
            lambda f: self.reachable(f.access_url),
            lambda failing: self.reachability_fix(failing, "access_url", missing_access),
            public_fix=lambda failing: self.checked_broken(failing, "access_url"),
        )
        self.files_share("download_url", lambda f: bool(f.download_url), lambda failing: ADD_DOWNLOAD)
        self.files_share(
            "download_url_reachable",
            lambda f: self.reachable(f.download_url),
            lambda failing: self.reachability_fix(failing, "download_url", ADD_DOWNLOAD),
            public_fix=lambda failing: self.checked_broken(failing, "download_url"),
        )

    def interoperability(self) -> None:
        self.files_share(
            "format",
            lambda f: bool(f.format),
            lambda failing: f"Give the format of “{failing[0].title}”, such as CSV",
        )
        self.files_share(
            "media_type",
            lambda f: bool(f.media_type),
            lambda failing: (
                "Give each file a media type from the IANA list, such as "
                + (media_type_for(failing[0].format) or "text/csv")
            ),
        )
        self.files_share(
            "format_vocabulary",
            lambda f: f.media_type in MEDIA_TYPES or find_format(f.format) is not None,
            lambda failing: (
                f"Use a recognised format name for “{failing[0].title}”"
                + (f" instead of {failing[0].format}" if failing[0].format else "")
                + ", such as CSV, JSON or XLSX, or give its media type"
            ),
        )
        self.files_share(
            "non_proprietary",
            lambda f: _format_is(f, "non_proprietary"),
            lambda failing: _format_fix(failing[0], "an open format such as CSV or ODS"),
        )
        self.files_share(
            "machine_readable",
            lambda f: _format_is(f, "machine_readable"),
            lambda failing: _format_fix(failing[0], "an open, machine-readable format such as CSV"),
        )
        missing = [label for name, label in REQUIRED_FIELDS if not getattr(self.d, name)]
        if self.is_service and not self.d.endpoint_url:
            missing.append("endpoint URL")
        without_url = [f for f in self.files if not f.access_url and not self.is_service]
        if missing:
            fix = f"Fill in the fields every published entry needs: {', '.join(missing)}"
        else:
            fix = "Give each distribution an access or download URL"
        self.entry("dcat_ap_compliance", not missing and not without_url, fix)

    def reusability(self) -> None:
        d = self.d
        self.files_share(
            "licence",
            lambda f: bool(f.licence or d.licence),
            lambda failing: "Choose a licence, such as the Open Government Licence",
            entry_test=lambda: bool(d.licence),
        )
        self.files_share(
            "licence_vocabulary",
            lambda f: find_licence(f.licence or d.licence or "") is not None,
            lambda failing: "Choose the licence from the list, such as the Open Government Licence v3.0",
            entry_test=lambda: find_licence(d.licence or "") is not None,
        )
        self.entry(
            "access_rights",
            bool(d.access_rights),
            "Say who may access the data (open, internal, commercial or restricted)",
        )
        self.entry(
            "access_rights_vocabulary",
            d.access_rights in ACCESS_RIGHTS,
            "Choose the access rights from the list: open, internal, commercial or restricted",
        )
        self.entry(
            "contact_point",
            bool(d.contact_email),
            "Add a contact point with an email address people can write to about the data",
        )
        self.entry(
            "publisher",
            d.organisation_id is not None or d.organisation is not None,
            "Set the publishing organisation",
        )

    def contextuality(self) -> None:
        noun = "the service" if self.is_service else "each distribution"
        self.files_share(
            "rights",
            lambda f: bool(f.licence),
            lambda failing: f"State the licence on {noun} too, so the terms travel with the data",
        )
        self.files_share(
            "byte_size",
            lambda f: f.byte_size is not None,
            lambda failing: "Give the size of each file in bytes",
        )
        self.files_share(
            "issued",
            lambda f: f.issued is not None,
            lambda failing: f"Give the date {noun} was first published",
        )
        self.files_share(
            "modified",
            lambda f: f.modified is not None,
            lambda failing: f"Give the date {noun} was last updated",
        )


def _format_is(file: _File, quality: str) -> bool:
    found = find_format(file.format, file.media_type)
    return bool(found and getattr(found, quality))


def _format_fix(file: _File, instead: str) -> str:
    current = file.format or MEDIA_TYPES.get(file.media_type or "")
    if not current:
        return f"Give the format of “{file.title}” and use {instead}"
    return f"Use {instead} instead of {current} for “{file.title}”"
