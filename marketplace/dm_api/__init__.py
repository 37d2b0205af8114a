"""/dm/v1: the Data Marketplace's Metadata Management API (DCAT-UK records, machine clients)."""

from marketplace.dm_api.views import bp

__all__ = ["bp"]
