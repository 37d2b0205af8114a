"""How a data share request's answers are checked: one set of rules for the pages and the API."""

from __future__ import annotations

from datetime import date

import pytest

from marketplace.rules.access_request_questions import (
    QUESTIONS,
    SECTION_NAMES,
    check_answers,
    missing_answers,
    section_named,
    section_status,
)

TODAY = date(2026, 12, 4)


def test_sections_are_the_data_marketplaces_four_and_every_design_field_is_asked():
    assert SECTION_NAMES == ("purpose", "legal", "data_protection", "governance")
    assert set(QUESTIONS) == {
        "purpose", "project_aims", "data_required", "benefits", "who_will_access", "needed_by",
        "legal_power", "legal_gateway",
        "personal_data", "special_category_data", "lawful_basis", "leaves_uk", "controller_role",
        "delivery", "format", "storage_and_retention", "disposal",
    }  # fmt: skip


def test_text_is_trimmed_and_blank_means_unanswered():
    cleaned, errors = check_answers({"purpose": "  Planning  ", "benefits": "   "}, today=TODAY)
    assert errors == {}
    assert cleaned == {"purpose": "Planning", "benefits": None}


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"purpose": "x" * 5001}, "purpose", "5,000 characters or fewer"),
        ({"format": "x" * 501}, "format", "500 characters or fewer"),
        ({"needed_by": "2026-12-03"}, "needed_by", "today or in the future"),
        ({"needed_by": "2027-02-31"}, "needed_by", "real date"),
        ({"needed_by": "next week"}, "needed_by", "real date"),
        ({"personal_data": "yes"}, "personal_data", "yes (true) or no (false)"),
        ({"controller_role": "owner"}, "controller_role", "Choose one of"),
        ({"delivery": 3}, "delivery", "Answer with text"),
        ({"purpose": "tab\tis fine but NUL \x00 is not"}, "purpose", "control characters"),
        ({"colour": "blue"}, "colour", "no question called"),
    ],
)
def test_a_bad_answer_is_refused_with_a_message_naming_it(answers, field, message):
    cleaned, errors = check_answers(answers, today=TODAY)
    assert message in errors[field][0]
    assert field not in cleaned


def test_answers_that_are_not_an_object_are_refused():
    assert "answers" in check_answers(["purpose"], today=TODAY)[1]


def test_html_and_markdown_are_kept_as_typed_for_the_pages_to_escape():
    typed = "<script>alert(1)</script> **bold** [link](javascript:alert(1))"
    assert check_answers({"purpose": typed}, today=TODAY)[0]["purpose"] == typed


def test_today_is_a_good_needed_by_date():
    assert check_answers({"needed_by": "2026-12-04"}, today=TODAY) == ({"needed_by": "2026-12-04"}, {})


def test_the_lawful_basis_and_role_are_asked_only_when_personal_data_is_involved():
    section = section_named("data_protection")
    without = missing_answers(section, {"personal_data": False, "leaves_uk": False})
    assert without == {}
    with_personal = missing_answers(section, {"personal_data": True, "leaves_uk": False})
    assert set(with_personal) == {"special_category_data", "lawful_basis", "controller_role"}


def test_a_sections_status_follows_its_answers_and_the_reviewers_return():
    section = section_named("legal")
    assert section_status(section, {}, [], []) == "not_started"
    assert section_status(section, {"legal_power": "An Act"}, [], []) == "in_progress"
    assert section_status(section, {"legal_power": "An Act"}, [], ["legal"]) == "returned"
    assert section_status(section, {"legal_power": "An Act"}, ["legal"], []) == "completed"
