"""A data share request's e-mails reach a real SMTP server on loopback: the organisation's mailbox
and reviewers on submission, the requester on a decision; a server that is down loses nothing."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import MailMessage
from marketplace.services.access_request_timeline import comment_on_access_request
from marketplace.services.access_requests import transition_access_request
from marketplace.services.mail import send_pending
from tests.access_request_factories import create_request, create_world
from tests.mail_server import mail_server


def _by_recipient(server) -> dict[str, list]:
    found: dict[str, list] = {}
    for received in server.received:
        for recipient in received.recipients:
            found.setdefault(recipient, []).append(received.message)
    return found


def test_a_submission_reaches_the_mailbox_and_reviewers_and_a_decision_the_requester(app):
    world = create_world()
    world.owner.access_request_mailbox = "data-access@dwp.gov.uk"
    db.session.commit()
    with mail_server() as server:
        app.config.update(server.config)
        access_request = create_request(world, "submitted")
        assert send_pending()["sent"] == 4
        told = _by_recipient(server)
        assert set(told) == {
            "data-access@dwp.gov.uk",
            "reviewer@dwp.gov.uk",
            "second@dwp.gov.uk",
            "admin@dwp.gov.uk",
        }
        message = told["reviewer@dwp.gov.uk"][0]
        body = message.get_content()
        assert access_request.reference in message["Subject"]
        assert f"/access-requests/{access_request.id}" in body
        # The answers stay behind the sign-in: none is in the e-mail.
        assert all(
            str(answer) not in body for answer in access_request.answers.values() if len(str(answer)) > 5
        )

        server.received.clear()
        reviewer = world.actor(world.reviewer)
        transition_access_request(reviewer, access_request, "in_review")
        transition_access_request(
            reviewer, access_request, "rejected", comment="Not for this purpose, sorry."
        )
        comment_on_access_request(world.actor(world.requester), access_request, "Could we talk about it?")
        send_pending()
        told = _by_recipient(server)
        assert [m["Subject"] for m in told["analyst@dft.gov.uk"]] == [
            f"Your data share request {access_request.reference}: in review",
            f"Your data share request {access_request.reference}: rejected",
        ]
        # The requester's comment goes to the other side only, and its words stay on the page.
        assert "analyst@dft.gov.uk" not in {
            r for r, ms in told.items() if any("comment" in m["Subject"] for m in ms)
        }
        assert all("Could we talk" not in m.get_content() for ms in told.values() for m in ms)
        assert "reviewer@dwp.gov.uk" in told


def test_while_the_server_is_down_the_submission_is_kept_and_sent_when_it_is_back(app):
    world = create_world()
    with mail_server() as server:
        app.config.update(server.config)
        server.stop()
        access_request = create_request(world, "submitted")
        assert access_request.status == "submitted"  # the change never waits on e-mail
        counts = send_pending()
        assert counts["sent"] == 0 and server.received == []
        server.start()
        for message in db.session.scalars(db.select(MailMessage)):
            message.next_attempt_at = message.created_at  # the wait has passed
        db.session.commit()
        assert send_pending()["sent"] == 3
        assert {r for received in server.received for r in received.recipients} == {
            "reviewer@dwp.gov.uk",
            "second@dwp.gov.uk",
            "admin@dwp.gov.uk",
        }
