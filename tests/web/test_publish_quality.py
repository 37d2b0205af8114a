"""Declaring quality ratings per Data Quality Framework dimension on a page: saved through the
quality service, and every bad input gets an error summary pointing at its input, with nothing saved."""

from __future__ import annotations

import re

import pytest

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.schemas.dataset_out import editable_view
from marketplace.services.datasets import patch_dataset
from marketplace.services.quality import rate_quality
from tests.factories import ADMIN, create_dataset, create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, page, title_of


def q(text: str) -> str:
    return f"\N{LEFT SINGLE QUOTATION MARK}{text}\N{RIGHT SINGLE QUOTATION MARK}"


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def dataset(dft):
    return create_dataset(organisation=dft, title="Road traffic estimates")


@pytest.fixture
def publisher(dft, signed_in):
    return signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))


def path_of(dataset: Dataset) -> str:
    return f"/publish/datasets/{dataset.slug}/quality"


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def send(client, dataset: Dataset, ratings: dict, *, status: int) -> str:
    html = page(client, path_of(dataset), status=200).get_data(as_text=True)
    data = {"csrf_token": hidden(html, "csrf_token"), "etag": hidden(html, "etag"), **ratings}
    return page(client, path_of(dataset), method="POST", status=status, data=data).get_data(as_text=True)


def declared(dataset: Dataset) -> dict:
    db.session.expire_all()
    return editable_view(db.session.get(Dataset, dataset.id))["quality"]


def completeness(**overrides: str) -> dict[str, str]:
    rating = {
        "completeness-rating": "4",
        "completeness-assessed_on-day": "3",
        "completeness-assessed_on-month": "3",
        "completeness-assessed_on-year": "2025",
        "completeness-method": "Checked every record against the source.",
        "completeness-action_plan_url": "https://www.gov.uk/roads/plan",
    }
    rating.update(overrides)
    return rating


def summary_links(html: str) -> list[str]:
    summary = re.search(r'class="govuk-error-summary".*?</div>\s*</div>', html, re.DOTALL)
    return re.findall(r'href="#([^"]+)"', summary.group(0)) if summary else []


def test_the_page_offers_every_dimension_with_labelled_ratings(dataset, publisher):
    html = page(publisher, path_of(dataset), status=200).get_data(as_text=True)
    assert title_of(html) == f"Data quality of {q('Road traffic estimates')}" + TITLE_SUFFIX
    for dimension in ("completeness", "uniqueness", "consistency", "timeliness", "validity", "accuracy"):
        assert f'id="{dimension}-rating"' in html and f'id="{dimension}-assessed_on-day"' in html
    assert "5 \N{EN DASH} Very good" in html and "1 \N{EN DASH} Very poor" in html and "Not rated" in html


def test_ratings_are_saved_and_shown_again(dataset, publisher):
    accuracy = {
        "accuracy-rating": "2",
        "accuracy-assessed_on-day": "1",
        "accuracy-assessed_on-month": "2",
        "accuracy-assessed_on-year": "2025",
    }
    response = send(publisher, dataset, {**completeness(), **accuracy}, status=302)
    assert response is not None
    assert declared(dataset) == {
        "accuracy": {"rating": 2, "assessed_on": "2025-02-01", "method": None, "action_plan_url": None},
        "completeness": {
            "rating": 4,
            "assessed_on": "2025-03-03",
            "method": "Checked every record against the source.",
            "action_plan_url": "https://www.gov.uk/roads/plan",
        },
    }
    html = page(publisher, path_of(dataset), status=200).get_data(as_text=True)
    assert re.search(r'name="completeness-rating" type="radio" value="4" checked', html)
    assert 'name="completeness-assessed_on-year" type="text" value="2025"' in html
    dashboard = page(publisher, "/publish", status=200).get_data(as_text=True)
    assert f"The quality ratings of {q('Road traffic estimates')} have been saved." in dashboard
    assert "2 of 6 rated" in dashboard


def test_clearing_a_dimension_unrates_it(dataset, publisher):
    rate_quality(ADMIN, str(dataset.id), {"validity": {"rating": 3, "assessed_on": "2025-01-01"}})
    send(publisher, dataset, completeness(), status=302)
    assert set(declared(dataset)) == {"completeness"}


@pytest.mark.parametrize(
    ("ratings", "anchor", "message"),
    [
        (
            completeness(**{"completeness-rating": "7"}),
            "completeness-rating",
            "must be a whole number from 1 to 5",
        ),
        (
            completeness(**{"completeness-rating": "0"}),
            "completeness-rating",
            "must be a whole number from 1 to 5",
        ),
        (completeness(**{"completeness-rating": "high"}), "completeness-rating", "is not a valid integer"),
        (
            completeness(**{"completeness-rating": ""}),
            "completeness-rating",
            "Select a rating for Completeness",
        ),
        (
            completeness(**{"completeness-assessed_on-year": "2999"}),
            "completeness-assessed_on-day",
            "must not be in the future",
        ),
        (
            completeness(**{"completeness-assessed_on-day": "31", "completeness-assessed_on-month": "2"}),
            "completeness-assessed_on-day",
            "must be a real date",
        ),
        (
            completeness(
                **{
                    "completeness-assessed_on-day": "",
                    "completeness-assessed_on-month": "",
                    "completeness-assessed_on-year": "",
                }
            ),
            "completeness-assessed_on-day",
            "Enter the date completeness was assessed",
        ),
        (
            completeness(**{"completeness-action_plan_url": "gov.uk/plan"}),
            "completeness-action_plan_url",
            "Action plan URL for Completeness is not a valid web address",
        ),
        (
            completeness(**{"completeness-method": "x\x00y"}),
            "completeness-method",
            "must not contain NUL characters",
        ),
    ],
)
def test_a_bad_rating_gets_an_error_summary_pointing_at_it_and_saves_nothing(
    dataset, publisher, ratings, anchor, message
):
    html = send(publisher, dataset, ratings, status=400)
    assert title_of(html).startswith("Error: ")
    assert summary_links(html) == [anchor]
    assert f'id="{anchor}"' in html and message in html
    assert declared(dataset) == {}


def test_an_unknown_dimension_from_a_tampered_form_is_refused(dataset, publisher):
    tampered = {
        "beauty-rating": "5",
        "beauty-assessed_on-day": "1",
        "beauty-assessed_on-month": "1",
        "beauty-assessed_on-year": "2025",
    }
    html = send(publisher, dataset, {**completeness(), **tampered}, status=400)
    assert "&#39;beauty&#39; is not a Government Data Quality Framework dimension" in html
    assert declared(dataset) == {}


def test_the_forms_own_errors_and_the_services_are_shown_together(dataset, publisher):
    ratings = {
        **completeness(**{"completeness-assessed_on-day": "32"}),
        "accuracy-rating": "9",
        "accuracy-assessed_on-day": "1",
        "accuracy-assessed_on-month": "1",
        "accuracy-assessed_on-year": "2025",
    }
    html = send(publisher, dataset, ratings, status=400)
    assert summary_links(html) == ["completeness-assessed_on-day", "accuracy-rating"]
    assert declared(dataset) == {}


def test_a_stale_quality_form_overwrites_nothing(dataset, publisher):
    html = page(publisher, path_of(dataset), status=200).get_data(as_text=True)
    patch_dataset(ADMIN, str(dataset.id), {"summary": "Changed meanwhile."})
    data = {"csrf_token": hidden(html, "csrf_token"), "etag": hidden(html, "etag"), **completeness()}
    answer = page(publisher, path_of(dataset), method="POST", status=409, data=data).get_data(as_text=True)
    assert "Someone else changed this entry" in answer
    assert declared(dataset) == {}


def test_another_departments_publisher_cannot_rate(dataset, signed_in):
    home_office = create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    client = signed_in(
        create_user(email="hana@homeoffice.gov.uk", organisation=home_office, roles=("publisher",))
    )
    token = hidden(page(client, "/publish/datasets/new", status=200).get_data(as_text=True), "csrf_token")
    page(client, path_of(dataset), status=403)
    page(client, path_of(dataset), method="POST", status=403, data={"csrf_token": token, **completeness()})
    assert declared(dataset) == {}


def test_a_quality_form_without_its_csrf_token_saves_nothing(dataset, publisher):
    html = page(publisher, path_of(dataset), status=200).get_data(as_text=True)
    data = {"etag": hidden(html, "etag"), **completeness()}
    page(publisher, path_of(dataset), method="POST", status=400, data=data)
    assert declared(dataset) == {}


def test_the_quality_page_sends_anonymous_visitors_to_sign_in(client, dataset):
    response = client.get(path_of(dataset))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
