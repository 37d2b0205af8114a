"""/samples/<name> serves the sample data files, and nothing else."""

from __future__ import annotations

import pytest

from marketplace.samples import SAMPLES_DIR


def _get(client, path: str, method: str = "GET"):
    """The answer, read whole and closed (a served file stays open until its response is closed)."""
    response = client.open(path, method=method)
    response.get_data()
    response.close()
    return response


def test_a_sample_csv_is_served_whole_with_its_media_type(client):
    response = _get(client, "/samples/dcms-sectors-gva-2024.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data == (SAMPLES_DIR / "dcms-sectors-gva-2024.csv").read_bytes()


def test_a_sample_json_is_served_as_json(client):
    response = _get(client, "/samples/hmlr-uk-hpi-united-kingdom-2026-09.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json["refRegion"]["code"] == "K02000001"


def test_head_answers_with_the_size_and_no_body(client):
    response = _get(client, "/samples/dcms-sectors-gva-2024.csv", method="HEAD")

    assert response.status_code == 200
    assert (
        int(response.headers["Content-Length"]) == (SAMPLES_DIR / "dcms-sectors-gva-2024.csv").stat().st_size
    )
    assert response.data == b""


@pytest.mark.parametrize(
    "path",
    [
        "/samples/no-such-file.csv",
        "/samples/README.md",  # in the folder, but not a data file
        "/samples/",
        "/samples/dcms-sectors-gva-2024.ods",
    ],
)
def test_a_file_that_is_not_a_sample_is_not_found(client, path):
    assert _get(client, path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/samples/../__init__.py",
        "/samples/..%2F__init__.py",
        "/samples/%2e%2e%2f%2e%2e%2fconfig.py",
        "/samples/..%5c__init__.py",
        "/samples/%2e%2e/%2e%2e/seed/organisations.json",
        "/samples/..%2F..%2F..%2Fseed%2Forganisations.json",
        "/samples//etc/passwd",
    ],
)
def test_no_path_leaves_the_samples_folder(client, path):
    response = _get(client, path)

    assert response.status_code == 404, path
    assert b"import" not in response.data and b"department-for-transport" not in response.data
