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


def readme_examples(heading: str = "### Examples") -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split(heading + "\n", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def run_script(script: str, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "test",
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
    }
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


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
    result = run_script(script, database_url, tmp_path)
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


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_metadata_api_walkthrough_works_as_written(live_server, database_url, runner, tmp_path):
    runner.invoke(args=["seed"])
    script = readme_examples("### Metadata API examples").replace("http://127.0.0.1:5000", live_server)
    result = run_script(script, database_url, tmp_path)
    assert result.returncode == 0, result.stderr

    location = next(line for line in result.stdout.splitlines() if line.lower().startswith("location:"))
    assert location.split(":", 1)[1].strip() == "/dm/v1/datasets/3f1c7d2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f"
    record, found, patched, gone = json_documents(result.stdout)
    assert record["status"] == "Draft" and record["supplierIdentifier"] == "DFT-BUS-0042"
    assert record["type"] == ["Data Set"] and record["updateFrequency"]
    assert [r["identifier"] for r in found] == [record["identifier"]]
    assert patched["status"] == "Published" and patched["keyword"] == ["buses", "punctuality", "reliability"]
    assert "updateFrequency" not in patched
    assert re.search(r"[}\n]204\n", result.stdout)  # the DELETE's status (JSON bodies end without \n)
    assert gone["code"] == "DM00010" and gone["errors"] == []
