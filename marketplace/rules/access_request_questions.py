"""The questions a data share request asks, in the Data Marketplace's sections, and how each
answer is checked.

One definition for every way in: the question pages, the REST API and the seed all read and
check answers here, so a question's wording, its limits and whether it must be answered are
written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marketplace.rules.text import unstorable_text

LONG_ANSWER = 5000
SHORT_ANSWER = 500
CONTROLLER_ROLES = (
    ("controller", "Controller", "Your organisation decides why and how the data is used"),
    ("joint_controller", "Joint controller", "You decide with the owning organisation"),
    ("processor", "Processor", "You use the data only on another controller's instructions"),
)
DELIVERY_METHODS = (
    ("api", "Through an API"),
    ("secure_file_transfer", "Secure file transfer"),
    ("shared_environment", "Access in a shared, secure environment"),
    ("other", "Another way (say how in the format question)"),
)


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    hint: str = ""
    # text (several lines), line (one line), date, yes_no, choice
    kind: str = "text"
    required: bool = True
    # Asked only when this yes/no answer is yes, e.g. the lawful basis only for personal data.
    asked_if_yes: str | None = None
    choices: tuple[tuple[str, ...], ...] = ()

    @property
    def max_length(self) -> int:
        return SHORT_ANSWER if self.kind == "line" else LONG_ANSWER


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    questions: tuple[Question, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "purpose",
        "Purpose of the data share",
        (
            Question("purpose", "What will the data be used for?", "Describe the work it supports."),
            Question("project_aims", "What are the aims of the project?"),
            Question(
                "data_required",
                "What data do you need?",
                "Name the files, tables or fields, and the period they should cover.",
            ),
            Question(
                "benefits", "What are the benefits of sharing the data?", "To the public or to government."
            ),
            Question(
                "who_will_access",
                "Who will access the data?",
                "Teams or roles, how many people, and whether anyone outside your organisation will.",
            ),
            Question("needed_by", "When do you need the data by?", "For example, 27 3 2027", kind="date"),
        ),
    ),
    Section(
        "legal",
        "Legal power and gateway",
        (
            Question(
                "legal_power",
                "What legal power does your organisation act under?",
                "The power that lets your organisation carry out the work, for example a section of an Act.",
            ),
            Question(
                "legal_gateway",
                "What legal gateway allows the data to be shared?",
                "For example, Part 5 of the Digital Economy Act 2017.",
            ),
        ),
    ),
    Section(
        "data_protection",
        "Data protection",
        (
            Question("personal_data", "Does the data include personal data?", kind="yes_no"),
            Question(
                "special_category_data",
                "Does it include special category data?",
                "For example health, ethnicity, religion or biometric data.",
                kind="yes_no",
                asked_if_yes="personal_data",
            ),
            Question(
                "lawful_basis",
                "What is the lawful basis for processing the personal data?",
                "Under UK GDPR Article 6, and the condition under Article 9 for special category data.",
                asked_if_yes="personal_data",
            ),
            Question("leaves_uk", "Will the data be stored or accessed outside the UK?", kind="yes_no"),
            Question(
                "controller_role",
                "What will your organisation's role be?",
                kind="choice",
                choices=CONTROLLER_ROLES,
                asked_if_yes="personal_data",
            ),
        ),
    ),
    Section(
        "governance",
        "Governance, security and technology",
        (
            Question(
                "delivery", "How should the data be delivered?", kind="choice", choices=DELIVERY_METHODS
            ),
            Question(
                "format", "What format do you need it in?", "For example CSV, Parquet or an API.", "line"
            ),
            Question(
                "storage_and_retention",
                "How will the data be stored, and for how long will it be kept?",
                "Where it will be held, how it is secured, and the retention period.",
            ),
            Question("disposal", "How will the data be disposed of at the end?"),
        ),
    ),
)
SECTION_NAMES = tuple(section.name for section in SECTIONS)
QUESTIONS = {question.name: question for section in SECTIONS for question in section.questions}
SECTION_OF = {question.name: section.name for section in SECTIONS for question in section.questions}


def section_named(name: str) -> Section | None:
    return next((section for section in SECTIONS if section.name == name), None)


def check_answers(raw: Any, *, today: date) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The answers in `raw` cleaned (text trimmed, "" as unanswered, dates as ISO strings), and
    an error per field that cannot be kept. Unknown fields are errors, not dropped."""
    if not isinstance(raw, dict):
        return {}, {"answers": ["Send the answers as an object of question names and answers."]}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in raw.items():
        question = QUESTIONS.get(name) if isinstance(name, str) else None
        if question is None:
            errors[str(name)] = [f"There is no question called {name!r}."]
            continue
        answer, message = _clean(question, value, today)
        if message:
            errors[name] = [message]
        else:
            cleaned[name] = answer
    return cleaned, errors


def _clean(question: Question, value: Any, today: date) -> tuple[Any, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if question.kind == "yes_no":
        if not isinstance(value, bool):
            return None, "Answer yes (true) or no (false)."
        return value, None
    if not isinstance(value, str):
        return None, "Answer with text."
    value = value.strip()
    if unstorable_text(value):
        return None, "Remove the control characters from this answer."
    if question.kind == "date":
        try:
            when = date.fromisoformat(value)
        except ValueError:
            return None, "Enter a real date, as YYYY-MM-DD."
        if when < today:
            return None, "The date you need the data by must be today or in the future."
        return when.isoformat(), None
    if question.kind == "choice":
        allowed = [choice[0] for choice in question.choices]
        if value not in allowed:
            return None, f"Choose one of: {', '.join(allowed)}."
        return value, None
    if len(value) > question.max_length:
        return None, f"Answer in {question.max_length:,} characters or fewer."
    return value, None


def is_asked(question: Question, answers: dict[str, Any]) -> bool:
    return question.asked_if_yes is None or answers.get(question.asked_if_yes) is True


def missing_answers(section: Section, answers: dict[str, Any]) -> dict[str, list[str]]:
    """The questions of `section` that must be answered before it can be marked complete."""
    return {
        question.name: [f"Answer: {question.label}"]
        for question in section.questions
        if question.required and is_asked(question, answers) and answers.get(question.name) is None
    }


def section_status(
    section: Section, answers: dict[str, Any], completed: list[str], returned: list[str]
) -> str:
    """not_started, in_progress, returned (changes asked for) or completed."""
    if section.name in completed:
        return "completed"
    if section.name in returned:
        return "returned"
    if any(answers.get(question.name) is not None for question in section.questions):
        return "in_progress"
    return "not_started"
