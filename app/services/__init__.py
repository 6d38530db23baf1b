"""Use cases: one transaction each; the acting user and the time are passed in."""
