"""`quality check-links` asks the app itself for the service's own sample files, as the seed does:
over the network the checker would refuse them in development (BASE_URL is on loopback, which it
never asks), and the seeded entries that link to them would drop out of their bands."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import LinkCheck
from marketplace.samples import SAMPLES_DIR, SAMPLES_PATH
from tests.factories import create_dataset, create_organisation


def test_check_links_answers_the_services_own_samples_in_process_and_others_as_ever(app, runner):
    served = next(p.name for p in sorted(SAMPLES_DIR.iterdir()) if p.suffix == ".csv")
    base = app.config["BASE_URL"] + SAMPLES_PATH
    present, missing = base + served, base + "withdrawn-extract.csv"
    elsewhere = "http://127.0.0.1:9/not-asked.csv"  # loopback elsewhere: still refused
    organisation = create_organisation()
    for url in (present, missing, elsewhere):
        create_dataset(
            organisation=organisation,
            distributions=[{"title": "File", "download_url": url, "media_type": "text/csv"}],
        )

    result = runner.invoke(args=["quality", "check-links"])

    assert result.exit_code == 0, result.output
    checks = {check.url: check for check in db.session.query(LinkCheck)}
    assert checks[present].ok and checks[present].status_code == 200
    assert not checks[missing].ok and checks[missing].status_code == 404
    assert not checks[elsewhere].ok and checks[elsewhere].status_code is None
