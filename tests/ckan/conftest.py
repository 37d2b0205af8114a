"""Fixtures of the CKAN Action API tests: a small catalogue served over HTTP, and ckanapi clients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from ckanapi import RemoteCKAN

from marketplace.models import Dataset
from tests.factories import create_dataset, create_organisation, create_token, create_user

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


@dataclass
class Catalogue:
    roads: Dataset
    rail: Dataset
    schools: Dataset
    internal: Dataset
    draft: Dataset
    token: str


@pytest.fixture
def catalogue(app) -> Catalogue:
    """Three open entries in two departments, an internal one and a draft; a DfT publisher's token."""
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    publisher = create_user(
        email="ann@department-for-transport.gov.uk", organisation=dft, roles=("publisher",)
    )
    csv = {"title": "Data", "download_url": "https://example.gov.uk/a.csv", "format": "CSV"}
    return Catalogue(
        roads=create_dataset(
            organisation=dft,
            title="Road traffic estimates",
            keywords=["roads", "traffic"],
            distributions=[csv],
        ),
        rail=create_dataset(
            organisation=dft,
            title="Rail passenger numbers",
            keywords=["rail"],
            licence=CC_BY,
            distributions=[{**csv, "format": "XLSX", "download_url": "https://example.gov.uk/a.xlsx"}],
        ),
        schools=create_dataset(
            organisation=dfe, title="Schools census", keywords=["schools"], themes=["education"]
        ),
        internal=create_dataset(organisation=dft, title="Road works permits", access_rights="INTERNAL"),
        draft=create_dataset(organisation=dft, title="Road safety draft", status="draft"),
        token=create_token(user=publisher),
    )


@pytest.fixture
def ckan(live_server: str) -> RemoteCKAN:
    """ckanapi as an anonymous caller."""
    return RemoteCKAN(live_server, user_agent="tests")


@pytest.fixture
def publisher_ckan(live_server: str, catalogue: Catalogue) -> RemoteCKAN:
    """ckanapi with the DfT publisher's token."""
    return RemoteCKAN(live_server, apikey=catalogue.token, user_agent="tests")
