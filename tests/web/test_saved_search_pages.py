"""The saved-search pages: saving from the find page, the list, changing the alert, deleting,
bad input on every field, and unsubscribing from an alert without signing in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import SavedSearch
from marketplace.rules.actors import Actor
from marketplace.search import index_root, rebuild_index
from marketplace.services.alerts import unsubscribe_token
from marketplace.services.saved_searches import save_search
from tests.factories import create_dataset, create_organisation, create_user


@pytest.fixture
def dft(app):
    app.config["WTF_CSRF_ENABLED"] = False
    organisation = create_organisation()
    create_dataset(organisation=organisation, title="Road casualties 2024")
    db.session.commit()
    rebuild_index(index_root())
    return organisation


@pytest.fixture
def reader(dft):
    user = create_user(email="reader@department-for-transport.gov.uk", organisation=dft)
    db.session.commit()
    return user


def _saved(name="Casualties", alert="daily") -> SavedSearch:
    db.session.expire_all()
    return db.session.scalar(select(SavedSearch).where(SavedSearch.name == name))


def _save(client, **form):
    return client.post(
        "/account/saved-searches",
        data={"search": "q=casualties", "name": "Casualties", "alert": "daily", **form},
    )


def test_the_find_page_offers_to_save_the_search_or_to_sign_in_first(client, dft, reader, signed_in):
    assert "Sign in to save this search" in client.get("/datasets?q=casualties").text
    page = signed_in(reader).get("/datasets?q=casualties").text
    assert 'href="/account/saved-searches/new?q=casualties"' in page


def test_the_save_form_names_the_search_after_its_words_or_its_filters(client, dft, reader, signed_in):
    signed_in(reader)
    assert 'value="casualties"' in client.get("/account/saved-searches/new?q=casualties&page=2").text
    page = client.get("/account/saved-searches/new?theme=transport-and-infrastructure").text
    assert 'value="Theme: transport-and-infrastructure"' in page


def test_saving_lists_the_search_with_its_alert_on_the_account_pages(client, dft, reader, signed_in):
    signed_in(reader)
    response = _save(client)
    assert response.status_code == 303
    assert _saved().params == {"pairs": [["q", "casualties"]]}
    page = client.get("/account/saved-searches").text
    assert "Casualties" in page and "Daily e-mail" in page
    assert "/account/saved-searches" in client.get("/account").text


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name for this search."),
        ({"name": "x" * 101}, "name", "The name must be 100 characters or fewer."),
        ({"alert": "hourly"}, "alert", "Choose no alert, a daily e-mail or a weekly e-mail."),
        ({"alert": ""}, "alert", "Choose no alert, a daily e-mail or a weekly e-mail."),
    ],
)
def test_bad_input_on_the_save_form_is_shown_in_an_error_summary(
    client, dft, reader, signed_in, form, field, message
):
    signed_in(reader)
    response = _save(client, **form)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and f'href="#{field}"' in response.text
    assert message in response.text
    assert response.text.count("<title>Error: ") == 1


def test_a_name_already_used_is_refused(client, dft, reader, signed_in):
    signed_in(reader)
    _save(client)
    response = _save(client)
    assert response.status_code == 400
    assert "already have a saved search with this name" in response.text


def test_rerunning_a_saved_search_goes_to_the_find_page_and_marks_it_viewed(client, dft, reader, signed_in):
    signed_in(reader)
    _save(client)
    before = _saved().last_viewed_at
    response = client.get(f"/account/saved-searches/{_saved().id}/run")
    assert response.status_code == 302 and response.location.endswith("/datasets?q=casualties")
    assert _saved().last_viewed_at > before


def test_the_alert_can_be_changed_and_a_bad_choice_is_refused(client, dft, reader, signed_in):
    signed_in(reader)
    _save(client)
    saved_id = _saved().id
    bad = client.post(f"/account/saved-searches/{saved_id}", data={"alert": "monthly"})
    assert bad.status_code == 400 and "govuk-error-summary" in bad.text
    assert client.post(f"/account/saved-searches/{saved_id}", data={"alert": "weekly"}).status_code == 303
    assert _saved().alert == "weekly"


def test_deleting_asks_first_then_deletes(client, dft, reader, signed_in):
    signed_in(reader)
    _save(client)
    saved_id = _saved().id
    assert "Are you sure" in client.get(f"/account/saved-searches/{saved_id}/delete").text
    assert client.post(f"/account/saved-searches/{saved_id}/delete").status_code == 303
    assert _saved() is None


def test_another_users_saved_search_is_not_found(client, dft, reader, signed_in):
    signed_in(reader)
    _save(client)
    saved_id = _saved().id
    other = create_user(email="other@department-for-transport.gov.uk", organisation=dft)
    db.session.commit()
    signed_in(other)
    assert client.get(f"/account/saved-searches/{saved_id}").status_code == 404
    assert client.post(f"/account/saved-searches/{saved_id}/delete").status_code == 404


def test_a_good_unsubscribe_token_asks_then_turns_the_alert_off(client, dft, reader, signed_in):
    signed_in(reader)
    _save(client)
    token = unsubscribe_token(_saved())
    page = client.get(f"/saved-searches/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop these e-mails" in page.text
    assert _saved().alert == "daily"
    done = client.post(f"/saved-searches/unsubscribe/{token}")
    assert done.status_code == 200 and "E-mails stopped" in done.text
    assert _saved().alert == "none"


def test_a_one_click_post_unsubscribes_without_a_session_or_csrf_token(app, dft, reader, signed_in):
    app.config["WTF_CSRF_ENABLED"] = True
    saved = save_search(
        Actor.for_user(reader, "session", {"read"}), name="Casualties", alert="weekly", pairs=[]
    )
    db.session.commit()
    fresh = app.test_client()
    response = fresh.post(
        f"/saved-searches/unsubscribe/{unsubscribe_token(saved)}", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert _saved().alert == "none"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_gets_a_400_page_not_a_500(client, dft, reader, signed_in, method):
    signed_in(reader)
    _save(client)
    token = unsubscribe_token(_saved())
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = getattr(client, method)(f"/saved-searches/unsubscribe/{tampered}")
    assert response.status_code == 400
    assert "This link to stop e-mails does not work" in response.text
    assert _saved().alert == "daily"


def test_a_token_names_only_its_own_search(client, dft, reader, signed_in):
    signed_in(reader)
    _save(client)
    _save(client, name="Rail", search="q=rail")
    token = unsubscribe_token(_saved("Casualties"))
    client.post(f"/saved-searches/unsubscribe/{token}")
    assert _saved("Casualties").alert == "none"
    assert _saved("Rail").alert == "daily"


def test_a_token_for_a_deleted_search_gets_the_400_page(client, dft, reader, signed_in):
    signed_in(reader)
    _save(client)
    saved = _saved()
    token = unsubscribe_token(saved)
    client.post(f"/account/saved-searches/{saved.id}/delete")
    assert client.get(f"/saved-searches/unsubscribe/{token}").status_code == 400
