"""DCAT-UK records (the Data Marketplace Metadata Management API's shape) to and from our entries."""

from marketplace.dcat_uk.entry import entry_from_record, record_errors, record_id
from marketplace.dcat_uk.record import record_from_entry

__all__ = ["entry_from_record", "record_errors", "record_from_entry", "record_id"]
