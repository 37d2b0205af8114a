"""Following a search result: /datasets/<slug>/from-search records the click in the search log,
then sends the visitor on to the entry (302).

A plain link and a redirect, as GOV.UK's search records clicks: no script is needed, and
opening a result in a new tab is recorded too. The address names the entry in its path, so the
redirect can only ever lead to an entry page of this site (never to an address given in the
query), and a missing, bad or forged search id still takes the visitor to the entry they chose.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from marketplace.services.search_log import record_click
from marketplace.web.find import bp


@bp.get("/datasets/<slug>/from-search")
def follow_result(slug: str) -> Response:
    args = request.args
    record_click(search=args.get("search"), slug=slug, rank=args.get("rank"), signature=args.get("sig"))
    response = redirect(url_for("dataset_page.show_dataset", slug=slug), 302)
    # Each visit must reach the server to be counted, and the address is no page to index.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
