"""The real ckanapi command-line tool: `ckanapi action`, and `ckanapi dump` from one instance
then `ckanapi load` into a second, empty one, out of which the same entries come."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from flask_migrate import upgrade

from marketplace.extensions import db
from tests.conftest import make_app, serving
from tests.factories import create_organisation, create_token, create_user

CKANAPI = Path(sys.executable).parent / "ckanapi"
# What the second instance makes anew: its own timestamps and revision of the record.
FRESH = {"metadata_created", "metadata_modified"}
FRESH_EXTRAS = {"freshness"}


def _ckanapi(*args: str) -> subprocess.CompletedProcess:
    # load starts its workers as `ckanapi …`, so the tool's folder must be on the PATH.
    env = {**os.environ, "PATH": f"{CKANAPI.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(CKANAPI), *args], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _comparable(package: dict) -> dict:
    package = {k: v for k, v in package.items() if k not in FRESH}
    package["extras"] = [e for e in package["extras"] if e["key"] not in FRESH_EXTRAS]
    # The organisation has its own id in each instance; it is the same organisation by name.
    package.pop("owner_org")
    package["organization"] = {k: v for k, v in package["organization"].items() if k not in {"id", "created"}}
    for resource in package["resources"]:
        resource.pop("id")
    return package


def test_dump_from_one_instance_loads_into_an_empty_one(live_server, catalogue, new_database_url, tmp_path):
    dump = tmp_path / "datasets.jsonl"
    _ckanapi("dump", "datasets", "--all", "-r", live_server, "-O", str(dump), "-p", "1", "-q")
    dumped = [json.loads(line) for line in dump.read_text().splitlines()]
    assert sorted(p["name"] for p in dumped) == sorted(
        [catalogue.roads.slug, catalogue.rail.slug, catalogue.schools.slug]
    )

    second = make_app(new_database_url(), tmp_path / "second")
    with second.app_context():
        upgrade()
        create_organisation()
        create_organisation(
            slug="department-for-education", title="Department for Education", abbreviation="DfE"
        )
        loader = create_user(email="lo@department-for-transport.gov.uk", roles=("site_admin",))
        token = create_token(user=loader)
        db.session.remove()
    with serving(second) as second_url:
        log = _ckanapi("load", "datasets", "-I", str(dump), "-r", second_url, "-a", token, "-p", "1")
        # ckanapi logs each record to stderr as "<n> [..] <time> <create|update> <error or None> <name>".
        assert log.stderr.count(" create None ") == len(dumped), log.stderr
        copied = tmp_path / "copied.jsonl"
        _ckanapi("dump", "datasets", "--all", "-r", second_url, "-O", str(copied), "-p", "1", "-q")
        # Loaded again, each entry is found and updated with what it already holds: nothing changes.
        again = _ckanapi("load", "datasets", "-I", str(dump), "-r", second_url, "-a", token, "-p", "1")
        assert again.stderr.count(" update None ") == len(dumped), again.stderr  # None: no error
        unchanged = tmp_path / "unchanged.jsonl"
        _ckanapi("dump", "datasets", "--all", "-r", second_url, "-O", str(unchanged), "-p", "1", "-q")
    copies = {p["name"]: p for p in map(json.loads, copied.read_text().splitlines())}
    for package in dumped:
        assert _comparable(copies[package["name"]]) == _comparable(package)
    assert unchanged.read_text() == copied.read_text()


def test_ckanapi_action_from_the_command_line(live_server, catalogue):
    done = _ckanapi("action", "package_search", "q=road traffic", 'facet.field:["tags"]', "-r", live_server)
    result = json.loads(done.stdout)
    assert result["results"][0]["name"] == catalogue.roads.slug
    assert result["facets"]["tags"]["traffic"] == 1
