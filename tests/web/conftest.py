"""A few pages that exist only in tests: each fails in one way, or takes a form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Blueprint, Flask, render_template_string
from werkzeug.exceptions import ServiceUnavailable

from marketplace.auth.session import SESSION_KEY
from marketplace.errors import GoneError, PermissionDeniedError
from marketplace.services.datasets import patch_dataset
from marketplace.services.sessions import SessionPolicy, start_session
from tests.access_request_factories import World, create_world
from tests.factories import ADMIN, create_dataset, create_organisation, create_user
from tests.web.quality import DUE, FRESH, OVERDUE, UNKNOWN, declare, set_quality

test_pages = Blueprint("test_pages", __name__, url_prefix="/test-pages")

FORM = """{% extends "layout.html" %}
{% from "macros/forms.html" import csrfField %}
{% block content %}<form method="post">{{ csrfField() }}<button>Send</button></form>{% endblock %}"""


@test_pages.get("/boom")
def boom() -> str:
    raise RuntimeError("secret internals: SELECT * FROM users")


@test_pages.get("/gone")
def gone() -> str:
    raise GoneError("This dataset was deleted.")


@test_pages.get("/forbidden")
def forbidden() -> str:
    raise PermissionDeniedError("Only publishers of this organisation can edit it.")


@test_pages.get("/unavailable")
def unavailable() -> str:
    raise ServiceUnavailable()


@test_pages.route("/form", methods=["GET", "POST"])
def form() -> str:
    return render_template_string(FORM)


@pytest.fixture
def app_with_test_pages(app: Flask) -> Flask:
    app.register_blueprint(test_pages)
    return app


@pytest.fixture
def signed_in(client):
    """Sign a user in on the test client through the real session store (the sign-in flow itself
    is tested over HTTP in tests/auth); call it with a User, get the client back."""

    def sign_in(user):
        policy = SessionPolicy(idle=timedelta(minutes=60), absolute=timedelta(hours=12))
        _, secret = start_session(user, policy, provider_sid=None, id_token=None)
        with client.session_transaction() as session:
            session[SESSION_KEY] = secret
        return client

    return sign_in


# The publish forms' and the dataset page's tests: a department, and a publisher of it signed in.
@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


@pytest.fixture
def publisher(dft, signed_in):
    return signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))


# The dataset page's tests: a second department, whose people are outsiders to the DfT's entries.
@pytest.fixture
def ons(app):
    return create_organisation(
        slug="office-for-national-statistics",
        title="Office for National Statistics",
        abbreviation="ONS",
        email_domains=["ons.gov.uk"],
    )


# The quality pages' tests: a second department, a visitor signed out and one signed in with no
# roles, and a catalogue with an entry in each band and freshness state.
@pytest.fixture
def home_office(app):
    return create_organisation(
        slug="home-office", title="Home Office", abbreviation="HO", email_domains=["homeoffice.gov.uk"]
    )


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def reader(signed_in, app):
    """Signed in, with no roles: sees every published entry."""
    return signed_in(create_user(email="carol@cabinetoffice.gov.uk", roles=()))


@pytest.fixture
def catalogue(dft, home_office) -> Iterator[None]:
    """DfT: three OPEN entries (excellent/fresh with ratings, good/due, bad/overdue), one
    INTERNAL (sufficient/unknown, with ratings), a draft and a withdrawn entry (never counted).
    Home Office: one OPEN entry (good/fresh, with ratings) and one INTERNAL (not scored)."""
    excellent = create_dataset(organisation=dft, title="Excellent and fresh")
    set_quality(excellent, band="excellent", **FRESH)
    declare(excellent)
    set_quality(create_dataset(organisation=dft, title="Good and due"), band="good", **DUE)
    set_quality(create_dataset(organisation=dft, title="Bad and overdue"), band="bad", **OVERDUE)
    internal = create_dataset(organisation=dft, title="Internal", access_rights="INTERNAL")
    set_quality(internal, band="sufficient", **UNKNOWN)
    declare(internal)
    draft = create_dataset(organisation=dft, title="A draft", status="draft")
    set_quality(draft, band="bad", **OVERDUE)
    withdrawn = create_dataset(organisation=dft, title="Withdrawn")
    patch_dataset(ADMIN, str(withdrawn.id), {"status": "withdrawn"})
    set_quality(withdrawn, band="bad", **OVERDUE)
    ho = create_dataset(organisation=home_office, title="Home Office entry")
    set_quality(ho, band="good", **FRESH)
    declare(ho)
    ho_internal = create_dataset(organisation=home_office, title="Not scored", access_rights="INTERNAL")
    set_quality(ho_internal, band=None, **DUE)
    yield


# The data share request pages' tests: the people, organisations and entries of
# tests/access_request_factories.py, and signing any of them in.
@pytest.fixture
def world(app) -> World:
    return create_world()


@pytest.fixture
def as_user(signed_in):
    return signed_in
