"""Data share requests: the organisation's inbox (being built)."""
