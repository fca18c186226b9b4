"""Maintenance windows of an organization: CRUD, and when each is on (now, next, its occurrences)."""
