"""The README's API examples work as written, against a real server, with curl."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_examples() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("### Examples", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def json_documents(output: str) -> list:
    """Each JSON document curl printed, in order (other lines are skipped)."""
    decoder, documents, index = json.JSONDecoder(), [], 0
    while index < len(output):
        if output[index] in "{[":
            document, index = decoder.raw_decode(output, index)
            documents.append(document)
        else:
            index += 1
    return documents


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_api_examples_work_as_written(live_server, database_url, runner, tmp_path):
    runner.invoke(args=["seed"])
    script = readme_examples().replace("http://127.0.0.1:5000", live_server)
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "test",
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr

    documents = json_documents(result.stdout)
    listing, filtered, searched, organisation, draft, refused, published, quality, history = documents[:9]
    walked, changed, *lines = documents[9:]
    assert len(listing["items"]) == 2 and listing["total"] > 100
    assert filtered["total"] > 0
    for item in filtered["items"]:
        assert "health-and-care" in item["themes"]
        assert "CSV" in {d["format"] for d in item["distributions"]}
    assert searched["total"] > 0
    assert organisation["slug"] == "department-for-transport" and organisation["dataset_count"] > 0
    assert draft["status"] == "draft" and draft["slug"] == "local-bus-journeys-by-operator"
    assert refused["status"] == 422
    assert {"description", "contact_point", "licence", "modified"} <= set(refused["errors"])
    assert published["status"] == "published" and published["distributions"][0]["format"] == "CSV"
    assert quality["declared"]["completeness"]["rating"] == 4
    assert [revision["action"] for revision in history["items"]] == ["rate_quality", "patch", "create"]
    # The walk and the feed come after the README published one more entry.
    assert len(walked["items"]) == 100 and walked["links"]["next"] and walked["total"] == listing["total"] + 1
    times = [item["metadata_modified"] for item in walked["items"]]
    assert times == sorted(times)
    # All of the seed changed since 2025; its withdrawn entries come as tombstones too.
    assert changed["total"] > walked["total"]
    assert len(lines) == 2 and all("metadata_modified" in line for line in lines)
