"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document that describes every /api/v1 route."""

from __future__ import annotations

import re
from pathlib import Path

from openapi_spec_validator import validate

import marketplace
from marketplace import errors
from marketplace.api.openapi import api_operations, build_document
from marketplace.schemas.api_docs import PROBLEM_CODES

WRITES = {"post", "put", "patch", "delete"}
SOURCE = Path(marketplace.__file__).parent


def served_document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def described(document: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, operations in document["paths"].items() for method in operations}


def routed(app) -> set[tuple[str, str]]:
    return {(path, method) for path, method, _ in api_operations(app)}


def test_the_served_document_is_valid_openapi_3_1(client):
    document = served_document(client)
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_and_method_is_described_and_nothing_else(client, app):
    assert described(served_document(client)) == routed(app)


def test_a_route_added_without_an_operation_is_missing_from_the_document(app):
    app.add_url_rule("/api/v1/undescribed", endpoint="api.undescribed", view_func=lambda: "")
    assert routed(app) - described(build_document(app)) == {("/api/v1/undescribed", "get")}


def test_reads_take_a_token_or_the_session_and_writes_only_a_token(client):
    document = served_document(client)
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    for path, method in described(document):
        operation = document["paths"][path][method]
        if method in WRITES:
            assert operation["security"] == [{"bearerToken": []}], (method, path)
            assert {"401", "403"} <= set(operation["responses"]), (method, path)
        else:
            assert {"bearerToken": []} in operation["security"], (method, path)
            assert {"sessionCookie": []} in operation["security"], (method, path)


def test_reads_carry_an_etag_and_changes_to_an_entry_honour_if_match(client):
    document = served_document(client)
    headers = document["components"]["headers"]
    assert headers["ETag"]["required"] and headers["Location"]["required"]
    for path, method in described(document):
        operation = document["paths"][path][method]
        parameters = {parameter.get("$ref", "").rsplit("/", 1)[-1] for parameter in operation["parameters"]}
        success = operation["responses"].get("200", {})
        if method == "get" and "application/json" in success.get("content", {}):
            assert "ETag" in success["headers"], path
            assert "If-None-Match" in parameters and "304" in operation["responses"], path
        if method in {"put", "patch", "delete"} and path.startswith("/api/v1/datasets/"):
            assert "If-Match" in parameters and "412" in operation["responses"], (method, path)
    created = document["paths"]["/api/v1/datasets"]["post"]["responses"]["201"]
    assert {"ETag", "Location"} <= set(created["headers"])
    assert "Retry-After" in document["components"]["responses"]["Problem429"]["headers"]


def test_every_error_is_a_problem_document_with_a_documented_code(client):
    document = served_document(client)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert problem["properties"]["code"]["enum"] == list(PROBLEM_CODES)
    for code in PROBLEM_CODES:
        assert f"`{code}`" in document["info"]["description"]
    for path, method in described(document):
        for status, response in document["paths"][path][method]["responses"].items():
            if int(status) >= 400:
                assert response["$ref"] == f"#/components/responses/Problem{status}", (method, path)


def test_every_code_the_service_can_answer_with_is_documented():
    """Codes by status and by error class (errors.py), and every narrower `code="…"` raised."""
    codes = set(errors.CODES_BY_STATUS.values())
    codes |= {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.MarketplaceError)
    }
    for module in SOURCE.rglob("*.py"):
        codes |= set(re.findall(r'\bcode="([a-z_]+)"', module.read_text()))
    assert codes <= set(PROBLEM_CODES), codes - set(PROBLEM_CODES)


def test_list_parameters_come_from_the_schema_that_reads_them(client):
    parameters = served_document(client)["paths"]["/api/v1/datasets"]["get"]["parameters"]
    by_name = {parameter["name"]: parameter for parameter in parameters if "name" in parameter}
    assert {"q", "theme", "sort", "page", "per_page", "cursor", "modified_since"} <= set(by_name)
    assert "metadata_modified" in by_name["sort"]["schema"]["enum"]
    assert by_name["theme"]["schema"]["type"] == "array"
    assert by_name["modified_since"]["schema"]["format"] == "date-time"


def test_each_read_answers_the_media_type_the_document_names_and_refuses_others(client):
    """The document's success type per GET agrees with the API's content negotiation (406)."""
    document = served_document(client)
    for path, methods in document["paths"].items():
        if "get" not in methods:
            continue
        address = re.sub(r"{[^}]+}", "no-such-thing", path)
        (media_type,) = methods["get"]["responses"]["200"]["content"]
        assert client.get(address, headers={"Accept": media_type}).status_code != 406, path
        other = "text/csv" if media_type != "text/csv" else "text/turtle"
        refused = client.get(address, headers={"Accept": other})
        assert refused.status_code == 406, path
        assert "406" in methods["get"]["responses"], path
