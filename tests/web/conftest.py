"""A few pages that exist only in tests: each fails in one way, or takes a form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Blueprint, Flask, render_template_string
from werkzeug.exceptions import ServiceUnavailable

from marketplace.auth.session import SESSION_KEY
from marketplace.errors import GoneError, PermissionDeniedError
from marketplace.services.sessions import SessionPolicy, start_session
from tests.access_request_factories import World, create_world
from tests.factories import create_organisation, create_user
from tests.web.quality import build_quality_catalogue

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
def catalogue(dft, home_office) -> None:
    build_quality_catalogue(dft, home_office)


# The data share request pages' tests: the people, organisations and entries of
# tests/access_request_factories.py, and signing any of them in.
@pytest.fixture
def world(app) -> World:
    return create_world()


@pytest.fixture
def as_user(signed_in):
    return signed_in
