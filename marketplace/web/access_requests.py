"""Data share requests: the requester's pages (being built)."""
