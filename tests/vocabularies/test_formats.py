"""File formats as people know them, from a format's name or its media type."""

from __future__ import annotations

import pytest

from marketplace.vocabularies.formats import _TITLES, FORMATS, format_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    ("format_name", "media_type", "label"),
    [
        ("XLSX", None, "Excel spreadsheet (XLSX)"),
        (None, XLSX, "Excel spreadsheet (XLSX)"),  # the media type alone is enough
        ("csv", "text/csv", "CSV spreadsheet (CSV)"),  # any case
        (".jpg", None, "JPEG image (JPEG)"),  # a spelling publishers use
        ("JSON", None, "JSON"),  # a name people already use stands alone
        ("Shapefile bundle", None, "Shapefile bundle"),  # not one we list: the publisher's words
        (None, None, ""),
        (None, "application/x-unknown", ""),
    ],
)
def test_a_format_reads_as_people_know_it(format_name, media_type, label):
    assert format_label(format_name, media_type) == label


def test_every_named_format_is_one_we_list():
    assert set(_TITLES) <= set(FORMATS)
