"""/api/v1/access-requests (being built)."""
