"""The dataset page: every field of an entry, its files, quality, history and related entries —
shown only to those who may see it, with everything publishers typed escaped."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from marketplace.rules.actors import Actor
from marketplace.search import index_root, rebuild_index
from marketplace.services.datasets import delete_dataset, patch_dataset, withdraw_dataset
from marketplace.services.quality import rate_quality
from marketplace.web.dataset_page import human_size
from tests.factories import ADMIN, create_dataset, create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

HOSTILE = '<script>alert("x")</script> Bob\'s "data" & café ☕ 数据'


@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


@pytest.fixture
def ons(app):
    return create_organisation(
        slug="office-for-national-statistics",
        title="Office for National Statistics",
        abbreviation="ONS",
        email_domains=["ons.gov.uk"],
    )


def _html(client, path: str, status: int = 200) -> str:
    return page(client, path, status=status).get_data(as_text=True)


class _Elements(HTMLParser):
    """Every start tag on a page with its attributes, to check what a browser would run."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _page_body(html: str) -> str:
    return html[html.index("</header>") : html.index("<footer")]


def assert_nothing_runs(html: str) -> None:
    """No element or attribute that publisher-typed text could have smuggled in: everything
    between GOV.UK's header and footer (which bring their own logo SVGs) is checked."""
    parser = _Elements()
    parser.feed(_page_body(html))
    for tag, attrs in parser.elements:
        assert tag not in {"script", "img", "iframe", "svg", "object", "embed", "style"}, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", (tag, attrs)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, attrs)


def _related_titles(html: str) -> list[str]:
    aside = html[html.index('id="related-heading"') : html.index("</aside>")]
    return re.findall(r'<a class="govuk-link" href="/datasets/[^"]+">([^<]+)</a>', aside)


def test_the_page_shows_every_field_of_a_dataset(dft, client):
    dataset = create_dataset(
        organisation=dft,
        title="Reported road casualties",
        alternative_titles=["STATS19 casualties"],
        creators=["Road Safety Statistics team"],
        version="2024.1",
        created="2013-01-10",
        identifier="https://www.gov.uk/government/statistical-data-sets/reported-road-accidents",
        related_resources=["https://www.gov.uk/guidance/road-accident-and-safety-statistics-guidance"],
        security_classification="OFFICIAL_SENSITIVE",
        themes=["transport-and-infrastructure", "health-and-care"],
    )
    html = _html(client, f"/datasets/{dataset.slug}")
    assert title_of(html) == "Reported road casualties" + TITLE_SUFFIX
    assert h1_of(html) == "Reported road casualties"
    breadcrumbs = html[
        html.index('class="govuk-breadcrumbs"') : html.index("</nav>", html.index("govuk-breadcrumbs"))
    ]
    assert 'href="/">Home' in breadcrumbs and 'href="/datasets">Find data' in breadcrumbs
    assert 'href="/organisations/department-for-transport">Department for Transport' in breadcrumbs
    assert "Casualties in reported road collisions, by severity and road user type." in html
    assert "Statistics on <strong>reported road casualties</strong> in Great Britain." in html
    for shown in (
        "Dataset",
        "Published",
        "STATS19 casualties",
        "Open",
        "Official-Sensitive",
        '<a class="govuk-link" href="http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/">'
        "Open Government Licence v3.0</a>",
        'href="/datasets?theme=transport-and-infrastructure">Transport and infrastructure</a>',
        'href="/datasets?theme=health-and-care">Health and care</a>',
        'href="/datasets?q=%22road+safety%22">road safety</a>',
        'href="/datasets?q=%22casualties%22">casualties</a>',
        "Annually",
        "25 September 2025",  # modified
        "27 June 2013",  # issued
        "10 January 2013",  # created
        "1 January 1979 to 31 December 2024",
        "Great Britain",
        "Road Safety Statistics<br>",
        '<a class="govuk-link" href="mailto:roadacc.stats@dft.gov.uk">roadacc.stats@dft.gov.uk</a>',
        "Road Safety Statistics team",
        "2024.1",
        'href="https://www.gov.uk/government/statistical-data-sets/reported-road-accidents"',
        'href="https://www.gov.uk/guidance/road-accident-and-safety-statistics-guidance"',
        str(dataset.id),
    ):
        assert shown in html, shown
    # Nothing that belongs to data services, and no request button yet (a later issue).
    assert "Endpoint URL" not in html and "Service type" not in html
    assert "Request access" not in html


def test_distributions_are_a_table_with_links_formats_and_readable_sizes(dft, client):
    other_licence = "https://creativecommons.org/licenses/by/4.0/"
    dataset = create_dataset(
        organisation=dft,
        distributions=[
            {
                "title": "Casualties 2024",
                "download_url": "https://data.dft.gov.uk/casualty-2024.csv",
                "media_type": "text/csv",
                "format": "CSV",
                "byte_size": 38211022,
            },
            {
                "title": "Casualties explorer",
                "access_url": "https://roadtraffic.dft.gov.uk/explorer",
                "format": "HTML",
                "licence": other_licence,
            },
        ],
    )
    html = _html(client, f"/datasets/{dataset.slug}")
    table = html[
        html.index("Files and links for") : html.index("</table>", html.index("Files and links for"))
    ]
    assert (
        '<a class="govuk-link" href="https://data.dft.gov.uk/casualty-2024.csv">Casualties 2024</a>' in table
    )
    assert (
        '<a class="govuk-link" href="https://roadtraffic.dft.gov.uk/explorer">Casualties explorer</a>'
        in table
    )
    # Formats as people know them in the table; media types, for software, in a details below it.
    assert "CSV spreadsheet (CSV)" in table and "Web page (HTML)" in table
    assert "text/csv" not in table
    after = html[html.index("</table>", html.index("Files and links for")) :]
    assert "Media types, for software" in after and "text/csv" in after
    assert "38.2 MB" in table
    # The licence column appears because one file differs from the entry's, and names only that one.
    assert "Creative Commons Attribution 4.0" in table
    assert "Open Government Licence" not in table


def test_the_licence_column_is_left_out_when_every_file_has_the_entrys_licence(dft, client):
    dataset = create_dataset(organisation=dft)
    html = _html(client, f"/datasets/{dataset.slug}")
    table = html[
        html.index("Files and links for") : html.index("</table>", html.index("Files and links for"))
    ]
    assert ">Licence</th>" not in table


@pytest.mark.parametrize(
    ("byte_size", "text"),
    [
        (None, ""),
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (1000, "1 KB"),
        (1536, "1.54 KB"),
        (38211022, "38.2 MB"),
        (999_999, "1 MB"),
        (5 * 10**12, "5 TB"),
        (2 * 10**18, "2,000 PB"),
    ],
)
def test_sizes_read_as_people_write_them(byte_size, text):
    assert human_size(byte_size) == text


def test_a_data_service_shows_its_endpoint_and_service_fields(dft, client):
    served = create_dataset(organisation=dft, title="Traffic counts")
    service = create_dataset(
        organisation=dft,
        type="data_service",
        title="Traffic counts API",
        distributions=[],
        endpoint_url="https://roadtraffic.dft.gov.uk/api",
        endpoint_description="https://roadtraffic.dft.gov.uk/api/docs",
        service_type="REST",
        service_kind="TRANSACTIONAL",
        service_status="LIVE",
        serves_datasets=[served.slug],
    )
    html = _html(client, f"/datasets/{service.slug}")
    assert "Data service" in html
    for shown in (
        "Endpoint URL",
        '<a class="govuk-link" href="https://roadtraffic.dft.gov.uk/api">https://roadtraffic.dft.gov.uk/api</a>',
        'href="https://roadtraffic.dft.gov.uk/api/docs"',
        "Service type",
        "REST",
        "Service status",
        "Live",
        f'<a class="govuk-link" href="/datasets/{served.slug}">{served.slug}</a>',
    ):
        assert shown in html, shown
    assert re.search(r"Kind of service\s*</dt>\s*<dd[^>]*>\s*Transactional\s*</dd>", html), html
    assert "Data files and links" not in html  # services have endpoints, not distributions


def test_a_withdrawn_entry_stays_reachable_and_says_so_first(dft, client):
    dataset = withdraw_dataset(ADMIN, create_dataset(organisation=dft).slug)
    withdrawn_on = dataset.withdrawn_at
    html = _html(client, f"/datasets/{dataset.slug}")
    banner = html.index("govuk-notification-banner")
    assert banner < html.index("<h1")
    assert f"This dataset was withdrawn on {withdrawn_on.day} {withdrawn_on:%B %Y}." in html
    assert "not listed in search results" in html
    assert re.search(r'<strong class="govuk-tag govuk-tag--red">\s*Withdrawn\s*</strong>', html)


def test_a_draft_is_shown_to_its_publishers_with_a_draft_tag_and_an_edit_link(dft, signed_in):
    dataset = create_dataset(organisation=dft, status="draft")
    publisher = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    html = _html(signed_in(publisher), f"/datasets/{dataset.slug}")
    assert re.search(r'<strong class="govuk-tag govuk-tag--grey">\s*Draft\s*</strong>', html)
    assert f'href="/publish/datasets/{dataset.slug}">Edit this entry' in html


@pytest.mark.parametrize("viewer", ["anonymous", "member of the same organisation", "another organisation"])
def test_a_draft_is_not_found_by_anyone_else(dft, ons, client, signed_in, viewer):
    dataset = create_dataset(organisation=dft, status="draft")
    if viewer == "member of the same organisation":
        client = signed_in(create_user(email="member@dft.gov.uk", organisation=dft))
    elif viewer == "another organisation":
        client = signed_in(create_user(email="publisher@ons.gov.uk", organisation=ons, roles=("publisher",)))
    html = _html(client, f"/datasets/{dataset.slug}", status=404)
    # Signed out, the page says signing in may help; signed in, there is nothing more to try.
    expected = "You may need to sign in to see this" if viewer == "anonymous" else "Page not found"
    assert h1_of(html) == expected
    assert dataset.title not in html


def test_the_edit_link_is_only_for_the_organisations_publishers(dft, ons, client, signed_in):
    dataset = create_dataset(organisation=dft)
    assert "Edit this entry" not in _html(client, f"/datasets/{dataset.slug}")
    outsider = create_user(email="publisher@ons.gov.uk", organisation=ons, roles=("publisher",))
    assert "Edit this entry" not in _html(signed_in(outsider), f"/datasets/{dataset.slug}")


def test_an_entry_that_is_not_open_is_hidden_from_anonymous_visitors_and_shown_when_signed_in(
    dft, ons, client, signed_in
):
    dataset = create_dataset(organisation=dft, access_rights="INTERNAL")
    _html(client, f"/datasets/{dataset.slug}", status=404)
    reader = create_user(email="analyst@ons.gov.uk", organisation=ons)
    html = _html(signed_in(reader), f"/datasets/{dataset.slug}")
    assert "Internal to government" in html
    assert "Request access" not in html  # comes with the access-request issue


def test_a_deleted_entry_answers_410_and_an_unknown_one_404(dft, client):
    dataset = create_dataset(organisation=dft)
    delete_dataset(ADMIN, dataset.slug)
    assert h1_of(_html(client, f"/datasets/{dataset.slug}", status=410)) == "This page has been removed"
    assert (
        h1_of(_html(client, "/datasets/no-such-entry", status=404)) == "You may need to sign in to see this"
    )


def test_an_id_and_an_old_slug_redirect_permanently_to_the_current_slug(dft, client):
    dataset = create_dataset(organisation=dft, title="Road casualties")
    old_slug = dataset.slug
    response = client.get(f"/datasets/{dataset.id}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/datasets/{old_slug}"
    patch_dataset(ADMIN, old_slug, {"slug": "reported-road-casualties-gb"})
    response = client.get(f"/datasets/{old_slug}")
    assert response.status_code == 301
    assert response.headers["Location"] == "/datasets/reported-road-casualties-gb"
    _html(client, "/datasets/reported-road-casualties-gb")


def test_the_json_representation_is_linked_and_announced_in_the_head(dft, client):
    dataset = create_dataset(organisation=dft)
    html = _html(client, f"/datasets/{dataset.slug}")
    head = html[: html.index("</head>")]
    assert f'<link rel="alternate" type="application/json" href="/api/v1/datasets/{dataset.id}">' in head
    assert f'href="/api/v1/datasets/{dataset.id}">This entry as JSON</a>' in html
    assert f'href="/api/v1/datasets/{dataset.id}/revisions"' in html
    assert client.get(f"/api/v1/datasets/{dataset.id}").status_code == 200
    assert client.get(f"/api/v1/datasets/{dataset.id}/revisions").status_code == 200


def test_the_description_is_rendered_from_markdown_and_sanitised(dft, client):
    description = "\n\n".join(
        [
            "# How the data is collected",
            "Police forces report *every* collision with **injury**; see [the guidance](https://www.gov.uk/x).",
            "- fatal\n- serious",
            "<script>alert(1)</script>",
            '<img src="https://tracker.example/p.gif" onerror="alert(2)">',
            "![a chart](https://tracker.example/chart.png)",
            "[click me](javascript:alert(3))",
            '<iframe src="https://evil.example"></iframe>',
            '<a href="https://evil.example" onclick="alert(4)">raw link</a>',
        ]
    )
    dataset = create_dataset(organisation=dft, description=description)
    html = _html(client, f"/datasets/{dataset.slug}")
    body = html[html.index('<div class="app-markdown">') : html.index("</div>", html.index("app-markdown"))]
    assert '<h3 class="govuk-heading-s">How the data is collected</h3>' in body
    assert "<em>every</em>" in body and "<strong>injury</strong>" in body
    assert (
        '<a href="https://www.gov.uk/x" class="govuk-link" rel="noopener noreferrer">the guidance</a>' in body
    )
    assert '<ul class="govuk-list govuk-list--bullet">' in body and "<li>fatal</li>" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;iframe" in body and "&lt;a href=" in body
    # The picture is a link to it, never loaded from the other site.
    assert (
        'href="https://tracker.example/chart.png" class="govuk-link" rel="noopener noreferrer">a chart</a>'
    ) in body
    assert_nothing_runs(html)


def test_hostile_text_is_escaped_everywhere_on_the_page(client):
    organisation = create_organisation(slug="hostile-office", title='Office of <b>"Tests"</b> & Co')
    dataset = create_dataset(
        organisation=organisation,
        title=HOSTILE,
        summary="<i>summary</i> \"quoted\" 'single'",
        keywords=['<img src=x onerror=alert("k")>', '"quoted" keyword', "naïve ключ"],
        contact_point={"name": '</dd><script>alert("c")</script>', "email": "stats@hostile-office.gov.uk"},
        alternative_titles=["<svg onload=alert(1)>"],
        creators=["<b>creator</b>"],
        version='"><script>v</script>',
        identifier="javascript:alert(1)",
        spatial_coverage="<marquee>GB</marquee>",
        distributions=[
            {
                "title": "<svg onload=alert(2)>file",
                "description": "<script>d</script>",
                "download_url": "https://data.example/file.csv",
                "format": "<b>CSV</b>",
                "media_type": "text/csv",
            }
        ],
    )
    html = _html(client, f"/datasets/{dataset.slug}")
    assert_nothing_runs(html)
    escaped_title = (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Bob&#39;s &#34;data&#34; &amp; café ☕ 数据"
    )
    assert title_of(html) == escaped_title + TITLE_SUFFIX
    assert h1_of(html) == escaped_title
    assert "<script>alert" not in html and "<script>v" not in html and "<script>d" not in html
    body = _page_body(html)
    assert "<svg" not in body and "<marquee" not in body and "<b>" not in body and "<i>" not in body
    assert "Office of &lt;b&gt;&#34;Tests&#34;&lt;/b&gt; &amp; Co" in html
    assert "&lt;img src=x onerror=alert(&#34;k&#34;)&gt;" in html
    assert "naïve ключ" in html
    assert "&lt;/dd&gt;&lt;script&gt;alert(&#34;c&#34;)&lt;/script&gt;" in html
    # The keyword link carries the keyword in its query, percent-encoded.
    assert 'href="/datasets?q=%22%3Cimg+src%3Dx+onerror%3Dalert%28%22k%22%29%3E%22"' in html


def test_declared_quality_ratings_are_a_table_flagging_old_assessments(dft, client):
    dataset = create_dataset(organisation=dft)
    recent = date.today() - timedelta(days=30)
    old = date.today() - timedelta(days=400)
    rate_quality(
        ADMIN,
        dataset.slug,
        {
            "completeness": {
                "rating": 4,
                "assessed_on": recent.isoformat(),
                "method": "Checked against police force returns",
                "action_plan_url": "https://www.gov.uk/plan",
            },
            "accuracy": {"rating": 2, "assessed_on": old.isoformat()},
        },
    )
    html = _html(client, f"/datasets/{dataset.slug}")
    table = html[
        html.index("Declared quality ratings") : html.index("</table>", html.index("Declared quality"))
    ]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.DOTALL)[1:]
    assert len(rows) == 2
    completeness, accuracy = rows  # in the framework's order, not the alphabet's
    assert "Completeness" in completeness and "4 out of 5: Good" in completeness
    assert "Checked against police force returns" in completeness
    assert 'href="https://www.gov.uk/plan">Action plan' in completeness
    assert "over a year ago" not in completeness
    assert "Accuracy" in accuracy and "2 out of 5: Poor" in accuracy
    assert "Assessed over a year ago" in accuracy


def test_an_entry_without_ratings_says_so(dft, client):
    dataset = create_dataset(organisation=dft)
    assert "The publisher has not rated the quality of this data yet." in _html(
        client, f"/datasets/{dataset.slug}"
    )


def test_freshness_shows_the_update_frequency_and_last_modified(dft, client):
    dataset = create_dataset(organisation=dft, update_frequency="monthly", modified="2025-10-01")
    html = _html(client, f"/datasets/{dataset.slug}")
    section = html[html.index("How up to date it is") :]
    assert "Monthly" in section[:400] and "1 October 2025" in section[:400]


def test_the_history_names_editors_only_to_the_owning_organisation(dft, ons, client, signed_in):
    publisher = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    actor = Actor.for_user(publisher, "token", {"read", "publish"})
    dataset = create_dataset(organisation=dft, actor=actor)
    patch_dataset(actor, dataset.slug, {"summary": "A new summary.", "keywords": ["roads"]})
    colleague = create_user(email="member@dft.gov.uk", organisation=dft)
    html = _html(signed_in(colleague), f"/datasets/{dataset.slug}")
    history = html[html.index("History of changes") :]
    assert history.count("publisher@dft.gov.uk") == 2
    assert 'Updated: <span class="app-changed-fields">Summary, Keywords</span>' in history
    assert "Created" in history

    outsider = create_user(email="analyst@ons.gov.uk", organisation=ons)
    outsiders_view = _html(signed_in(outsider), f"/datasets/{dataset.slug}")
    with client.session_transaction() as session:
        session.clear()
    anonymous_view = _html(client, f"/datasets/{dataset.slug}")
    for html in (outsiders_view, anonymous_view):
        history = html[html.index("History of changes") :]
        assert "publisher@dft.gov.uk" not in html
        assert history.count('<td class="govuk-table__cell">Department for Transport</td>') == 2


@pytest.mark.parametrize("searched", ["search index", "database"])
def test_related_entries_share_a_theme_or_the_organisation_and_hide_what_the_viewer_may_not_see(
    dft, ons, client, signed_in, searched
):
    transport = ["transport-and-infrastructure"]
    current = create_dataset(organisation=dft, title="Road casualties", themes=transport)
    create_dataset(organisation=ons, title="Rail journeys", themes=transport)
    create_dataset(organisation=dft, title="Departmental spending", themes=["government-and-public-sector"])
    create_dataset(organisation=dft, title="Draft bus data", status="draft", themes=transport)
    create_dataset(organisation=ons, title="Internal roads", access_rights="INTERNAL", themes=transport)
    withdrawn = create_dataset(organisation=dft, title="Old ferry data", themes=transport)
    withdraw_dataset(ADMIN, withdrawn.slug)
    create_dataset(organisation=ons, title="Population estimates", themes=["population-and-society"])
    if searched == "search index":
        rebuild_index(index_root())

    anonymous = _related_titles(_html(client, f"/datasets/{current.slug}"))
    # Signed in, entries that are not open appear; drafts never do, not even to their publishers.
    publisher = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    signed_in_titles = _related_titles(_html(signed_in(publisher), f"/datasets/{current.slug}"))
    if searched == "database":
        assert sorted(anonymous) == ["Departmental spending", "Rail journeys"]
        assert sorted(signed_in_titles) == ["Departmental spending", "Internal roads", "Rail journeys"]
    else:  # by content (issue 18): the factory's shared wording relates the rest more weakly
        assert anonymous[0] == "Rail journeys" and "Internal roads" not in anonymous
        assert signed_in_titles[:2] == ["Internal roads", "Rail journeys"]
    for titles in (anonymous, signed_in_titles):
        assert not {"Road casualties", "Draft bus data", "Old ferry data"} & set(titles)


def test_related_entries_are_at_most_five(dft, client):
    current = create_dataset(organisation=dft, title="Road casualties")
    for number in range(7):
        create_dataset(organisation=dft, title=f"Roads table {number}")
    assert len(_related_titles(_html(client, f"/datasets/{current.slug}"))) == 5


def test_signed_out_an_entry_shared_within_government_looks_like_one_that_does_not_exist(dft, client):
    dataset = create_dataset(organisation=dft, access_rights="INTERNAL", title="Hospital episode statistics")
    hidden = _html(client, f"/datasets/{dataset.slug}", status=404)
    missing = _html(client, "/datasets/no-such-entry", status=404)
    assert h1_of(hidden) == h1_of(missing) == "You may need to sign in to see this"
    # Nothing of the entry is named, and the two pages differ only in the address to come back to.
    for told in (dataset.title, dataset.organisation.title, str(dataset.id)):
        assert told not in hidden

    def shape(html: str, slug: str) -> str:
        return re.sub(r'nonce="[^"]*"', "", html).replace(slug, "X")

    assert shape(hidden, dataset.slug) == shape(missing, "no-such-entry")
    assert f'href="/login?next=%2Fdatasets%2F{dataset.slug}"' in hidden


def test_signed_out_a_client_asking_for_json_gets_the_problem_document(dft, client):
    dataset = create_dataset(organisation=dft, access_rights="INTERNAL")
    response = client.get(f"/datasets/{dataset.slug}", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_signed_in_an_entry_the_person_may_not_see_is_simply_not_found(dft, ons, signed_in):
    dataset = create_dataset(organisation=dft, status="draft")
    reader = signed_in(create_user(email="analyst@ons.gov.uk", organisation=ons))
    html = _html(reader, f"/datasets/{dataset.slug}", status=404)
    assert h1_of(html) == "Page not found"
    assert "You may need to sign in" not in html


def _position(html: str, text: str) -> int:
    assert text in html, text
    return html.index(text)


def test_the_summary_how_to_get_it_and_the_files_come_before_the_description(dft, client):
    dataset = create_dataset(
        organisation=dft,
        description="A long description of how the figures were collected.",
        distributions=[
            {"title": "Casualties 2024", "download_url": "https://data.dft.gov.uk/c.csv", "format": "CSV"}
        ],
    )
    html = _html(client, f"/datasets/{dataset.slug}")
    order = [
        _position(html, "<h1"),
        _position(html, "Published by"),
        _position(html, "How to get this data"),
        _position(html, "Data files and links"),
        _position(html, ">Description</h2>"),
        _position(html, ">Details</h2>"),
    ]
    assert order == sorted(order)
    summary = html[_position(html, "Published by") : _position(html, "How to get this data")]
    assert f'<a class="govuk-link" href="/organisations/{dft.slug}">' in summary  # markup, not text
    assert "&lt;" not in summary


def test_open_data_points_to_its_files_under_its_licence(dft, client):
    dataset = create_dataset(
        organisation=dft,
        access_rights="OPEN",
        distributions=[
            {"title": "Casualties 2024", "download_url": "https://data.dft.gov.uk/c.csv", "format": "CSV"}
        ],
    )
    html = _html(client, f"/datasets/{dataset.slug}")
    section = html[_position(html, "How to get this data") : _position(html, "Data files and links")]
    assert "This is open data: anyone can use it under its licence." in section
    assert 'href="#data-files"' in section and "Open Government Licence" in section
    assert 'id="data-files"' in html
    assert "Who to ask" not in section


@pytest.mark.parametrize(
    ("access_rights", "words"),
    [
        ("INTERNAL", "This data is shared within government. Civil servants can ask the publisher for it."),
        ("RESTRICTED", "This data is restricted"),
        ("COMMERCIAL", "commercial agreement with the publisher"),
    ],
)
def test_data_that_is_not_open_says_who_may_have_it_and_whom_to_ask(
    dft, ons, signed_in, access_rights, words
):
    dataset = create_dataset(
        organisation=dft,
        access_rights=access_rights,
        contact_point={"name": "Road safety statistics", "email": "roadsafety.stats@dft.gov.uk"},
    )
    reader = signed_in(create_user(email="analyst@ons.gov.uk", organisation=ons))
    html = _html(reader, f"/datasets/{dataset.slug}")
    section = html[_position(html, "How to get this data") : _position(html, ">Details</h2>")]
    assert words in section
    assert "Who to ask" in section and 'href="mailto:roadsafety.stats@dft.gov.uk"' in section
    assert "Road safety statistics" in section


def test_an_entry_with_no_contact_sends_people_to_its_organisation(dft, signed_in):
    # Only a draft may lack a contact: its publisher sees, in its preview, what readers would.
    dataset = create_dataset(organisation=dft, access_rights="INTERNAL", contact_point=None, status="draft")
    publisher = signed_in(create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",)))
    html = _html(publisher, f"/datasets/{dataset.slug}")
    section = html[_position(html, "How to get this data") : _position(html, ">Details</h2>")]
    assert "This entry names no contact" in section
    assert f'href="/organisations/{dft.slug}"' in section


def test_formats_read_as_people_know_them_and_media_types_stay_for_software(dft, client):
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    dataset = create_dataset(
        organisation=dft,
        distributions=[
            {"title": "Tables", "download_url": "https://data.dft.gov.uk/t.xlsx", "media_type": xlsx}
        ],
    )
    html = _html(client, f"/datasets/{dataset.slug}")
    table = html[
        _position(html, "Files and links for") : html.index("</table>", html.index("Files and links for"))
    ]
    assert "Excel spreadsheet (XLSX)" in table and xlsx not in table
    assert xlsx in html[html.index("Media types, for software") :]


def test_metadata_quality_is_named_as_such_apart_from_the_publishers_rating(dft, client):
    dataset = create_dataset(organisation=dft)
    html = _html(client, f"/datasets/{dataset.slug}")
    assert '<h2 class="govuk-heading-m" id="metadata-quality">Metadata quality</h2>' in html
    assert "not the data itself" in html
    assert "Publisher\u2019s rating of the data" in html
    assert "Data quality</h2>" not in html


def test_each_dimension_shows_as_a_share_of_its_most_with_its_meaning_and_the_bands(dft, client):
    dataset = create_dataset(organisation=dft)
    html = _html(client, f"/datasets/{dataset.slug}")
    dimensions = html[
        _position(html, "app-quality-dimensions") : html.index("</dl>", html.index("app-quality-dimensions"))
    ]
    shares = re.findall(r"(\d+)%<span class=\"govuk-visually-hidden\"> \((\d+) of (\d+) points\)", dimensions)
    assert len(shares) == 5
    for percent, points, most in shares:
        assert int(percent) == round(100 * int(points) / int(most))
    explained = html[_position(html, "What the score and the bands mean") :]
    assert "whether people can get to the data" in explained  # accessibility, in plain words
    assert "Excellent</strong>: 351 to 405 points" in explained
    assert "Bad</strong>: 0 to 120 points" in explained


def test_the_datas_date_and_the_records_date_are_named_apart(dft, client):
    dataset = create_dataset(organisation=dft, modified="2024-09-26")
    html = _html(client, f"/datasets/{dataset.slug}")
    assert "Data last updated" in html and "26 September 2024" in html
    assert "Record last edited" in html
    assert "Last modified" not in html


def test_a_data_service_without_a_kind_shows_no_kind_row(dft, client):
    service = create_dataset(
        organisation=dft, type="data_service", distributions=[], endpoint_url="https://api.dft.gov.uk/v1"
    )
    assert "Kind of service" not in _html(client, f"/datasets/{service.slug}")
