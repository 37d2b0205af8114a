"""A process that publishes one new entry through the service, as a web request does, and says
so on standard output the moment the database commit is done, before it indexes the change.

    python -m tests.consistency.committer TITLE PUBLISHER_SLUG

The database and index come from DATABASE_URL and SEARCH_INDEX_DIR. The parent kills it with
SIGKILL on reading the line ``committed``; left alive, it indexes the change as usual and
prints ``indexed``.
"""

from __future__ import annotations

import sys

from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace import create_app
from marketplace.services.datasets import create_dataset
from tests.factories import ADMIN, valid_entry


def main(title: str, publisher: str) -> None:
    reported: list[bool] = []

    def report_the_first_commit(session: Session) -> None:
        if not reported:
            reported.append(True)
            print("committed", flush=True)

    event.listen(Session, "after_commit", report_the_first_commit)
    app = create_app()
    with app.app_context():
        create_dataset(ADMIN, valid_entry(publisher=publisher, status="published", title=title))
    print("indexed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
