"""Loading the seed catalogue (`seed/`) and generating synthetic entries for load tests."""
