"""No cell of a CSV file we write opens as a formula in a spreadsheet (issue 11, section 6: the
guard missed a leading space or line break before `=`, `+`, `-`, `@`)."""

from __future__ import annotations

import csv
import io

import pytest

from marketplace.services.importing import csv_template
from marketplace.spreadsheet_cells import csv_writer, spreadsheet_safe

FORMULA_STARTS = [
    *"=+-@|",
    *"\uff1d\uff0b\uff0d\uff20\uff5c",  # full-width
    *"\ufe66\ufe62\ufe63\ufe6b",  # small forms
]
# What a spreadsheet skips before a formula: every kind of blank, line breaks, invisible characters.
LEADING = [
    "",
    " ",
    "   ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    " \n\t ",
    "\x00",
    "\x0b",
    "\x0c",
    "\u00a0",
    "\u2003",
    "\u3000",
    "\u2028",
    "\u200b",
    "\ufeff",
]


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=ascii)
@pytest.mark.parametrize("leading", LEADING, ids=ascii)
def test_a_formula_after_any_leading_blank_is_written_as_text(leading, start):
    cell = f'{leading}{start}HYPERLINK("https://attacker.example","x")'
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["\t", "\r", "\n", "\x00", "\tplain", "\rplain"], ids=ascii)
def test_a_cell_starting_with_a_control_character_is_written_as_text(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell",
    ["", "Department for Transport", "e-mail", "A = B", "1+1", "road-casualties", " plain", "\u22121", "'=1"],
    ids=ascii,
)
def test_ordinary_text_is_written_as_it_is(cell):
    assert spreadsheet_safe(cell) == cell


@pytest.mark.parametrize("number", [-5, -0.25, 0, 3, 0.3333, None, True])
def test_numbers_are_left_alone_even_when_negative(number):
    assert spreadsheet_safe(number) is number


def test_the_writer_guards_every_column_and_ends_lines_as_spreadsheets_expect():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["slug", "title", "count"])
    writer.writerows([[" =1+1", "\n@SUM(1)", -3], ["ok", "Fine", 2]])
    assert out.getvalue().endswith("\r\n")
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["slug", "title", "count"],
        ["' =1+1", "'\n@SUM(1)", "-3"],
        ["ok", "Fine", "2"],
    ]


def test_the_import_template_has_no_cell_a_spreadsheet_would_run():
    rows = list(csv.reader(io.StringIO(csv_template())))
    assert len(rows) == 2
    assert all(spreadsheet_safe(cell) == cell for row in rows for cell in row)
