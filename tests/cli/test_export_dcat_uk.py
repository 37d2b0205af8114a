"""`export dcat-uk FILE`: every entry the site administrator may see that is published or withdrawn
(drafts with --include-drafts; never a deleted one), as a JSON array of DCAT-UK records made by the
one mapping, each valid against the Metadata Management API's JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path

from marketplace.services.datasets import delete_dataset, withdraw_dataset
from tests.dcat_uk.reference import schema_for, validate_record
from tests.factories import ADMIN, create_dataset, create_organisation


def export(runner, path: Path, *options: str) -> list[dict]:
    result = runner.invoke(args=["export", "dcat-uk", str(path), *options])
    assert result.exit_code == 0, result.output
    records = json.loads(path.read_text(encoding="utf-8"))
    assert f"Exported {len(records)} entries to {path} as DCAT-UK records." in result.output
    return records


def test_published_and_withdrawn_entries_are_exported_as_valid_dcat_uk_records(app, runner, tmp_path):
    dft = create_organisation()
    roads = create_dataset(organisation=dft, title="Road safety")
    service = create_dataset(
        organisation=dft,
        type="data_service",
        title="Road safety API",
        distributions=[],
        endpoint_url="https://api.dft.gov.uk/v1",
        service_type="REST",
        service_kind="TRANSACTIONAL",
        serves_datasets=[roads.slug],
    )
    given = create_dataset(
        organisation=dft,
        title="Traffic counts",
        distributions=[
            {
                "title": "Counts",
                "download_url": "https://data.dft.gov.uk/counts.csv",
                "access_services": [str(service.id)],
            }
        ],
    )
    old = create_dataset(organisation=dft, title="Old figures")
    withdraw_dataset(ADMIN, str(old.id), reason="Superseded.")
    draft = create_dataset(organisation=dft, status="draft", title="Draft figures")
    deleted = create_dataset(organisation=dft, title="Deleted figures")
    delete_dataset(ADMIN, str(deleted.id))

    records = export(runner, tmp_path / "catalogue.json")

    by_id = {record["identifier"]: record for record in records}
    assert list(by_id) == [str(d.id) for d in (roads, service, given, old)]
    for record in records:
        validate_record(record, schema_for(record))
    assert by_id[str(old.id)]["status"] == "Withdrawn"
    assert by_id[str(service.id)]["servesDataset"] == [str(roads.id)]
    assert by_id[str(service.id)]["type"] == ["Data Service"]

    with_drafts = export(runner, tmp_path / "with-drafts.json", "--include-drafts")
    assert [record["identifier"] for record in with_drafts] == [*by_id, str(draft.id)]
    assert with_drafts[-1]["status"] == "Draft"
    validate_record(with_drafts[-1], schema_for(with_drafts[-1]))


def test_an_empty_catalogue_exports_an_empty_array(app, runner, tmp_path):
    assert export(runner, tmp_path / "empty.json") == []
