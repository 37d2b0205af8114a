"""Site admins' pages on harvesting: the sources, each source's runs, and each run's records
that failed, were left alone, or came in with values left out, with why. Runs themselves start
from the CLI."""

from __future__ import annotations

from flask import Blueprint, render_template

from marketplace.auth.session import session_actor
from marketplace.services.harvesting import SOURCE_TYPES, get_run, get_source, list_sources
from marketplace.web.access import sign_in_required

bp = Blueprint("harvest_pages", __name__)
# Runs shown on a source's page, newest first.
RUNS_SHOWN = 50
OUTCOMES = ("created", "updated", "unchanged", "withdrawn", "failed", "conflict")
_LABELS = {"outcomes": OUTCOMES, "types": SOURCE_TYPES}


@bp.get("/harvest")
@sign_in_required
def sources():
    return render_template("harvest/sources.html", sources=list_sources(session_actor()), types=SOURCE_TYPES)


@bp.get("/harvest/<name>")
@sign_in_required
def source(name: str):
    found = get_source(session_actor(), name)
    return render_template("harvest/source.html", source=found, runs=found.runs[:RUNS_SHOWN], **_LABELS)


@bp.get("/harvest/<name>/runs/<int:run_id>")
@sign_in_required
def run(name: str, run_id: int):
    found = get_run(session_actor(), name, run_id)
    return render_template("harvest/run.html", run=found, source=found.source, outcomes=OUTCOMES)
