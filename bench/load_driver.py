"""One load-driving process: a fixed number of connections, each sending the next request as soon as
the last one is answered (closed loop), for a fixed time. Started by bench/load.py, two at once.

python -m bench.load_driver PLAN.json OUT.json, where the plan names the server, the duration, the
connections, the kinds to send and their weights, the entries to read and the bearer token for
writes. OUT.json gets, per kind, every latency in milliseconds, the response sizes and the errors
(any status of 400 or more, or an exception).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

import httpx

# The share of each kind in the mixed load (issue 17): half of it search with facets.
MIX = {
    "search_api": 25,
    "find_page": 25,
    "entry_json": 20,
    "entry_page": 10,
    "ckan_search": 10,
    "complete": 5,
    "write": 5,
}
WORDS = [
    "traffic",
    "energy",
    "pupil absence",
    "hospital",
    "water quality",
    "house prices",
    "crime",
    "emissions",
    "river",
    "benefit",
    "broadband",
    "museum",
    "prison",
    "vaccination",
    "rail",
    "bus",
    "tax",
    "migration",
    "flood",
    "exam results",
    "statistics",
    "estimates",
    "survey",
    "London",
    "Wales",
]
PREFIXES = ["roa", "hou", "sch", "hosp", "bath", "crim", "rail", "flo", "tax", "mus", "bus", "gre"]
TIMEOUT = httpx.Timeout(30.0)


class Driver:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.rng = random.Random(plan["seed"])
        self.slugs: list[str] = plan["slugs"]
        self.kinds = list(plan["weights"])
        self.weights = [plan["weights"][k] for k in self.kinds]
        self.results: dict[str, dict[str, Any]] = {
            k: {"ms": [], "bytes": [], "errors": 0, "samples": []} for k in self.kinds
        }
        self.mine: list[tuple[str, str]] = []  # (slug, etag) of entries this process published
        self.written = 0

    def request(self, kind: str) -> tuple[str, str, dict[str, str], Any]:
        """(method, path, headers, json body) of the next request of `kind`."""
        if self.plan["floor"]:
            return "GET", f"/floor/{kind}", {}, None
        rng = self.rng
        word = rng.choice(WORDS)
        if kind == "search_api":
            return "GET", f"/api/v1/datasets?q={word}&page={rng.choice([1, 1, 1, 2, 3])}", {}, None
        if kind == "find_page":
            return "GET", f"/datasets?q={word}", {}, None
        if kind == "entry_json":
            return "GET", f"/api/v1/datasets/{rng.choice(self.slugs)}", {}, None
        if kind == "entry_page":
            return "GET", f"/datasets/{rng.choice(self.slugs)}", {}, None
        if kind == "ckan_search":
            # As CKAN clients ask: words alone, words with facets (CKAN's own search page), and a
            # harvester's page with neither.
            shape = rng.random()
            if shape < 0.5:
                return "GET", f"/api/3/action/package_search?q={word}&rows=20", {}, None
            if shape < 0.8:
                facets = '["organization","res_format","license_id"]'
                return "GET", f"/api/3/action/package_search?q={word}&rows=20&facet.field={facets}", {}, None
            return "GET", f"/api/3/action/package_search?rows=100&start={100 * rng.randrange(50)}", {}, None
        if kind == "complete":
            return "GET", f"/api/v1/suggest?q={rng.choice(PREFIXES)}", {}, None
        auth = {"Authorization": f"Bearer {self.plan['token']}"}
        if self.mine and rng.random() < 0.5:
            slug, etag = self.mine.pop(rng.randrange(len(self.mine)))
            body = {"summary": f"Edited by the load benchmark, edit {self.written}."}
            headers = {**auth, "If-Match": etag, "Content-Type": "application/merge-patch+json"}
            return "PATCH", f"/api/v1/datasets/{slug}", headers, body
        return "POST", "/api/v1/datasets", auth, self.new_entry()

    def new_entry(self) -> dict[str, Any]:
        self.written += 1
        number = f"{self.plan['seed']}-{int(time.time())}-{self.written}"
        return {
            "title": f"Load benchmark entry {number}",
            "publisher": self.plan["publisher"],
            "status": "published",
            "summary": "Published by the load benchmark.",
            "description": "Written by bench/load.py to measure publishing under load.",
            "access_rights": "OPEN",
            "licence": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "security_classification": "OFFICIAL",
            "modified": "2026-01-01",
            "keywords": ["benchmark", "load"],
            "contact_point": {"name": "Bench", "email": "bench@example.gov.uk"},
        }

    async def connection(self, client: httpx.AsyncClient, deadline: float) -> None:
        while time.monotonic() < deadline:
            kind = self.rng.choices(self.kinds, self.weights)[0]
            method, path, headers, body = self.request(kind)
            result = self.results[kind]
            started = time.perf_counter()
            try:
                response = await client.request(method, path, headers=headers, json=body)
                elapsed = (time.perf_counter() - started) * 1000
            except httpx.HTTPError as error:
                result["errors"] += 1
                result["samples"].append(f"{method} {path}: {type(error).__name__}")
                continue
            result["ms"].append(elapsed)
            result["bytes"].append(len(response.content))
            if response.status_code >= 400:
                result["errors"] += 1
                if len(result["samples"]) < 5:
                    result["samples"].append(f"{method} {path}: {response.status_code} {response.text[:200]}")
            elif method in {"POST", "PATCH"} and not self.plan["floor"]:
                data = response.json()
                self.mine.append((data["slug"], response.headers.get("ETag", "*")))

    async def run(self) -> None:
        deadline = time.monotonic() + self.plan["seconds"]
        limits = httpx.Limits(max_connections=self.plan["connections"])
        async with httpx.AsyncClient(
            base_url=self.plan["base_url"], limits=limits, timeout=TIMEOUT
        ) as client:
            await asyncio.gather(
                *(self.connection(client, deadline) for _ in range(self.plan["connections"]))
            )


def main() -> None:
    with open(sys.argv[1]) as source:
        plan = json.load(source)
    driver = Driver(plan)
    asyncio.run(driver.run())
    with open(sys.argv[2], "w") as out:
        json.dump(driver.results, out)


if __name__ == "__main__":
    main()
