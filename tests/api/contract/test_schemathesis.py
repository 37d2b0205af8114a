"""schemathesis against the live server: no 5xx, and every answer is one the document describes.

A bounded, repeatable run over the seed catalogue (conftest.py), with a publisher's token: each
operation's documented examples, then EXAMPLES_PER_OPERATION generated cases that fit the
document and as many that do not, derandomised. Driven through schemathesis's strategies rather
than its pytest plugin, whose lazy loader does not run under pytest 9.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from http import HTTPStatus

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from marketplace.api.openapi_operations import OPERATIONS
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from tests.api.contract.conftest import CASES_RUN, SeededServer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_OPERATION = 25
# Different failures of one operation worth reporting; the rest would repeat them.
MAX_FAILURES_KEPT = 5
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)


@dataclass
class OperationRun:
    cases: int = 0
    failures: list[str] = field(default_factory=list)


def _run(strategy: st.SearchStrategy[Case], check: Callable[[Case], None], examples: int) -> None:
    @given(case=strategy)
    @settings(BOUNDED, max_examples=examples)
    def run(case: Case) -> None:
        check(case)

    run()


def _checker(
    run: OperationRun, base_url: str, session: requests.Session, headers: dict[str, str]
) -> Callable[[Case], None]:
    def check(case: Case) -> None:
        run.cases += 1
        response = case.call(base_url=base_url, session=session, headers=headers)
        CASES_RUN[f"{case.method} {case.path}"][response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as error:
            message = f"{case.method} {case.formatted_path} → {response.status_code}: {error}"[:3000]
            if len(run.failures) < MAX_FAILURES_KEPT and message not in run.failures:
                run.failures.append(message)

    return check


def exercise(server: SeededServer) -> dict[str, OperationRun]:
    """Every operation of the served document, by operationId."""
    served = requests.get(f"{server.url}/api/v1/openapi.json", timeout=10)
    served.raise_for_status()
    schema = schemathesis.openapi.from_dict(served.json())
    headers = {"Authorization": f"Bearer {server.token}"}
    runs: dict[str, OperationRun] = {}
    session = requests.Session()  # one connection, kept alive, for every case
    for result in schema.get_all_operations():
        operation = result.ok()
        run = runs.setdefault(operation.definition.raw["operationId"], OperationRun())

        check = _checker(run, server.url, session, headers)
        for example in schema.get_strategies_from_examples(operation):
            _run(example, check, 1)
        _run(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), check, EXAMPLES_PER_OPERATION)
        # Unsatisfiable: nothing to get wrong, as the operation takes no parameters and no body.
        with suppress(Unsatisfiable):
            negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
            _run(negative, check, EXAMPLES_PER_OPERATION)
    session.close()
    return runs


@pytest.fixture(scope="module")
def runs(seeded_server: SeededServer) -> dict[str, OperationRun]:
    return exercise(seeded_server)


@pytest.mark.parametrize("endpoint", sorted(OPERATIONS))
def test_every_answer_is_documented_and_none_is_a_server_error(endpoint, runs):
    run = runs[endpoint]
    assert run.cases > 0
    assert not run.failures, "\n\n".join(run.failures)


def test_an_empty_entity_tag_in_if_match_matches_no_entry(seeded_server: SeededServer):
    """Found by schemathesis: werkzeug reads "" and W/"" as None, which was a 500."""
    with seeded_server.app.app_context():
        slug = db.session.scalars(
            select(Dataset.slug)
            .join(Dataset.organisation)
            .where(Organisation.slug == "department-for-transport", Dataset.deleted_at.is_(None))
            .order_by(Dataset.slug)
            .limit(1)
        ).one()
        db.session.remove()
    for tag in ('W/""', '""'):
        response = requests.delete(
            f"{seeded_server.url}/api/v1/datasets/{slug}",
            headers={"Authorization": f"Bearer {seeded_server.token}", "If-Match": tag},
            timeout=10,
        )
        assert response.status_code == HTTPStatus.PRECONDITION_FAILED, response.text
        assert response.json()["code"] == "stale_etag"
